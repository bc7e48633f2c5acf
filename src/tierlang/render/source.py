"""IR → .tier-like text, for messages, diffs and explanations (not for writing files:
`tier fmt` prints the syntax tree, which keeps comments and the author's names)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextvars import ContextVar
from fractions import Fraction

from tierlang import ir
from tierlang.numbers import exact_text

__all__ = ["expr_text", "value_text", "window_text", "months_text"]

_CMP = {">=", ">", "<=", "<", "==", "!="}
_OR, _AND, _NOT, _CMP_P, _SUM, _PROD, _UNARY, _ATOM = range(1, 9)


def value_text(v: ir.Value | None, type_: ir.Type | None = None) -> str:
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, ir.Duration):
        return str(v)
    if isinstance(v, Fraction):
        text = exact_text(v)
        if type_ is not None and type_.kind is ir.Kind.MONEY:
            return f"{text} {type_.currency}"
        return text
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if type_ is not None and (type_.kind is ir.Kind.TEXT or (type_.kind is ir.Kind.ENUM and not re.fullmatch(r"[a-z][a-z0-9_]*", str(v)))):
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(v)


def _prec(e) -> int:
    if isinstance(e, ir.Or):
        return _OR
    if isinstance(e, (ir.And, ir.Every)):
        return _AND if isinstance(e, ir.And) else _NOT
    if isinstance(e, ir.Not):
        return _NOT
    if isinstance(e, (ir.Compare, ir.InSet, ir.IsEmpty, ir.InWindow)):
        return _CMP_P
    if isinstance(e, ir.Arith):
        return _SUM if e.op in "+-" else _PROD
    if isinstance(e, ir.Neg):
        return _UNARY
    if isinstance(e, ir.DateShift):
        return _SUM
    return _ATOM


def expr_text(
    e: ir.Expr, need: int = 0, params: bool = True, own_track: str | None = None, gates: Mapping[str, ir.Gate] | None = None
) -> str:
    """Readable source-like text. With `params`, constants that came from a parameter are
    shown by the parameter's name; scores of `own_track` are named without the track; with
    `gates`, a gate by its title in quotes (“Step 1”) rather than its name, for readers who
    never see the file."""
    if gates is None:  # (the nested calls: keep what the outermost one set)
        text = _text(e, params, own_track)
    else:
        token = _GATES.set(gates)
        try:
            text = _text(e, params, own_track)
        finally:
            _GATES.reset(token)
    return f"({text})" if _prec(e) < need else text


#: The gates whose titles `expr_text` shows, for the call in progress.
_GATES: ContextVar[Mapping[str, ir.Gate] | None] = ContextVar("gates", default=None)


def _text(e, params: bool, own: str | None = None) -> str:
    if isinstance(e, ir.Const):
        if params and e.param:
            return e.param
        return value_text(e.value, e.type)
    if isinstance(e, ir.MetricRef):
        return e.name
    if isinstance(e, ir.GateRef):
        gate = (_GATES.get() or {}).get(e.name)
        return f"“{gate.title}”" if gate is not None and gate.title else e.name
    if isinstance(e, ir.ScoreRef):
        return ".".join(p for p in (None if e.track == own else e.track, e.score, e.part) if p)
    if isinstance(e, ir.Arith):
        p = _SUM if e.op in "+-" else _PROD
        return f"{expr_text(e.left, p, params, own)} {e.op} {expr_text(e.right, p + 1, params, own)}"
    if isinstance(e, ir.Neg):
        return "-" + expr_text(e.operand, _ATOM, params, own)
    if isinstance(e, ir.AsOf):
        return "as_of"
    if isinstance(e, ir.DateShift):
        return f"{expr_text(e.operand, _SUM, params, own)} {'+' if e.sign > 0 else '-'} {expr_text(e.amount, _SUM + 1, params, own)}"
    if isinstance(e, ir.Func):
        args = e.args
        if e.name == "clamp" and len(args) == 3 and _is(args[1], 0) and _is(args[2], 1):
            args = args[:1]
        return f"{e.name}({', '.join(expr_text(a, 0, params, own) for a in args)})"
    if isinstance(e, ir.Compare):
        return f"{expr_text(e.left, _SUM, params, own)} {e.op} {expr_text(e.right, _SUM, params, own)}"
    if isinstance(e, ir.And):
        return " and ".join(expr_text(i, _NOT, params, own) for i in e.items)
    if isinstance(e, ir.Or):
        return " or ".join(expr_text(i, _AND, params, own) for i in e.items)
    if isinstance(e, ir.Not):
        return "not " + expr_text(e.operand, _NOT, params, own)
    if isinstance(e, ir.AtLeast):
        n = e.param if params and e.param else e.n
        return f"at least {n} of {{ {', '.join(expr_text(i, 0, params, own) for i in e.items)} }}"
    if isinstance(e, ir.TrackAt):
        return e.track if e.level is None else f"{e.track} at {'exactly ' if e.exact else ''}{e.level}"
    if isinstance(e, ir.GroupCount):
        head = f"all of {e.group}" if e.n is None else f"at least {e.param if params and e.param else e.n} of {e.group}"
        return head + (f" at {'exactly ' if e.exact else ''}{e.level}" if e.level else "")
    if isinstance(e, ir.Lookup):
        return e.table.name
    if isinstance(e, ir.Undecided):
        word = "by invitation" if e.kind == "invitation" else e.kind
        return word + (f' "{e.reason}"' if e.reason else "")
    if isinstance(e, ir.LevelOf):
        return e.track
    if isinstance(e, ir.Every):
        head = e.score if e.track == own else f"{e.track}.{e.score}"
        return f"every {head}.points {e.op} {expr_text(e.value, _SUM, params, own)}"
    if isinstance(e, ir.ColumnRef):
        return e.column
    if isinstance(e, ir.FilterRef):
        return e.name
    if isinstance(e, ir.InSet):
        values = e.list if e.list else "{" + ", ".join(f'"{v}"' for v in e.values) + "}"
        return f"{expr_text(e.operand, _SUM, params, own)} {'not in' if e.negated else 'in'} {values}"
    if isinstance(e, ir.IsEmpty):
        return f"{expr_text(e.operand, _SUM, params, own)} is {'not ' if e.negated else ''}empty"
    if isinstance(e, ir.InWindow):
        return f"{expr_text(e.operand, _SUM, params, own)} in {e.window.text or window_text(e.window)}"
    if isinstance(e, ir.GroupAgg):
        head = _agg_head(e.function, e.column, e.inner)
        return head if e.where is None else f"({head} where {expr_text(e.where, 0, params, own)})"
    if isinstance(e, ir.Assignment):
        out = f"assign {e.column} of {e.table}"
        if e.where is not None:
            out += f" where {expr_text(e.where, 0, params, own)}"
        if e.capacity != 1:
            out += f" at most {e.capacity} each"
        needs = [f"{n.name}: {n.count}" + (f" where {expr_text(n.where, 0, params, own)}" if n.where is not None else "") for n in e.needs]
        return out + " { " + ", ".join(needs) + " }"
    if isinstance(e, ir.Aggregate):
        out = f"{_agg_head(e.function, e.column, e.inner)} of {e.table}"
        if e.where is not None:
            out += f" where {expr_text(e.where, 0, params, own)}"
        if e.per:
            out += f" per {', '.join(e.per)}"
            if e.having is not None:
                out += f" having {expr_text(e.having, 0, params, own)}"
        return out
    raise TypeError(e)


def _agg_head(function: str, column: str | None, inner: ir.GroupAgg | None) -> str:
    if function == "count":
        return "count"
    if function == "count_distinct":
        return f"count distinct {column}"
    if inner is not None:
        return f"{function} ({_agg_head(inner.function, inner.column, inner.inner)})"
    return f"{function} {column}"


def window_text(w: ir.Window) -> str:
    """A window as written: `last 2 months a year earlier`."""
    head = "last month" if w.months == 1 else f"last {w.months} months"
    if w.months == 1 and w.earlier == 12:
        return "same month last year"
    if w.earlier == 0:
        return head
    if w.earlier == 12:
        return f"{head} a year earlier"
    return f"{head} {w.earlier} months earlier"


def months_text(w: ir.Window) -> str:
    """The months a window covers, for people: `May 2023`, `April 2023 to May 2023`."""
    first, last = w.first_month, w.last_month
    name = "{:%B %Y}"
    return name.format(first) if first == last else f"{name.format(first)} to {name.format(last)}"


def _is(e, value: int) -> bool:
    return isinstance(e, ir.Const) and e.param is None and e.value == value
