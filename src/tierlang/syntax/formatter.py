"""AST → canonical .tier text (`tier fmt`).

Canonical means: two-space indentation, one declaration or attribute per line, minimal
parentheses, lists on one line when short and one item per line (with a trailing comma)
when not. Blank lines between statements are kept (at most one). Comments are kept: a
comment on its own line stays before the statement it precedes, a comment at the end of a
line stays there; a comment inside a statement that the layout rewrites moves to just
before that statement. Formatting never changes meaning and is idempotent.
"""

from __future__ import annotations

import re

from tierlang.recursion import deep_recursion
from tierlang.syntax import ast
from tierlang.syntax.parser import LONG_STRING, _decode_string

__all__ = ["format_module", "format_expr", "WIDTH"]

WIDTH = 100
INDENT = "  "

# Precedence of expression forms (higher binds tighter).
_OR, _AND, _NOT, _CMP, _SUM, _PROD, _UNARY, _ATOM = range(1, 9)
_CMP_OPS = {">=", ">", "<=", "<", "==", "!="}


def _string(value: str) -> str:
    """A string literal: text over several lines as an indented triple-quoted block when
    that block reads back as exactly `value`, else on one line with escapes."""
    if "\n" in value and (block := _block(value)) is not None:
        return block
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")
    return '"' + escaped + '"'


def _block(value: str) -> str | None:
    """`value` as a triple-quoted block (indentation relative to the statement, which the
    printer indents), or None when no block reads back as `value` (leading blanks, blank
    lines of spaces, tabs, a backslash before a quote...): formatting never changes meaning."""
    body = "\n".join((INDENT + line) if line.strip() else "" for line in value.split("\n"))
    block = '"""\n' + body.replace('"""', '\\"""') + '\n"""'
    lexed = LONG_STRING.match(block)
    if lexed is None or lexed.end() != len(block) or _decode_string(block) != value:
        return None
    return block


def _title(title: str | None) -> str:
    return f" {_string(title)}" if title is not None else ""


def _type_text(t: ast.TypeExpr) -> str:
    if t.kind == "money":
        return f"money {t.currency}"
    if t.kind == "enum":
        return "enum(" + (" < " if t.ordered else ", ").join(t.values) + ")"
    return t.kind


def _band(b: ast.BandExpr) -> str:
    """A table's band as written: `10..<20`, `..<10`, `200..`, `gold`, `none`, `else`."""
    if b.kind in ("through", "below"):
        low = _cell(b.low) if b.low is not None else ""
        high = _cell(b.high) if b.high is not None else ""
        return f"{low}{'..' if b.kind == 'through' else '..<'}{high}"
    return b.name if b.kind == "name" else b.kind  # type: ignore[return-value]


def _cell(c) -> str:
    return str(c) if isinstance(c, ast.Name) else _literal(c)


def _how_many(n) -> str:
    """The N of `at least N of`: a number as written, or a parameter's name."""
    return str(n) if isinstance(n, ast.Name) else n.text


def _literal(lit) -> str:
    if isinstance(lit, ast.Num):
        return lit.text + (f" {lit.currency}" if lit.currency else "")
    if isinstance(lit, ast.Bool):
        return "true" if lit.value else "false"
    if isinstance(lit, ast.DateLit):
        return lit.value.isoformat()
    if isinstance(lit, ast.Str):
        return _string(lit.value)
    if isinstance(lit, ast.DurationLit):
        return str(lit)
    raise TypeError(lit)


def _prec(e) -> int:
    if isinstance(e, ast.BoolOp):
        return _OR if e.op == "or" else _AND
    if isinstance(e, ast.Unary):
        return _NOT if e.op == "not" else _UNARY
    if isinstance(e, ast.EveryExpr):
        return _NOT
    if isinstance(e, (ast.InExpr, ast.IsEmpty)):
        return _CMP
    if isinstance(e, ast.Assign):
        head = [f"assign {e.column} of {e.table}"]
        if e.where is not None:
            head.append(_nest(CONT, LINE, "where ", _doc(e.where)))
        if e.capacity is not None:
            head.append(_nest(CONT, LINE, f"at most {e.capacity.text} each"))
        needs = _join(
            [[f"{n.name}: {n.count.text}", *([" where ", _doc(n.where)] if n.where is not None else [])] for n in e.needs], [",", LINE]
        )
        return _group(*head, " {", _nest(2, LINE, *needs, ("ifbreak", ",", "")), LINE, "}")
    if isinstance(e, (ast.Aggregate, ast.Assign)):
        return 0
    if isinstance(e, ast.Binary):
        if e.op in _CMP_OPS:
            return _CMP
        return _SUM if e.op in "+-" else _PROD
    if isinstance(e, ast.Num) and e.text.startswith("-"):
        return _UNARY
    return _ATOM


# ------------------------------------------------------------------ layout
# A small Wadler-style pretty printer: a document is a str, a list (concatenation), or a
# tuple ("line", flat_text) — a break that prints `flat_text` when its group fits and a
# newline otherwise —, ("nest", n, doc), ("group", doc) or ("ifbreak", broken, flat).
LINE = ("line", " ")
SOFT = ("line", "")
CONT = 4  # continuation indent of a wrapped expression (a block's contents use 2)


def _group(*docs):
    return ("group", list(docs))


def _nest(n: int, *docs):
    return ("nest", n, list(docs))


def _join(docs, sep):
    out = []
    for i, d in enumerate(docs):
        if i:
            out.append(sep)
        out.append(d)
    return out


def _fits(width: int, items: list) -> bool:
    stack = list(items)
    while stack:
        if width < 0:
            return False
        ind, flat, d = stack.pop()
        if isinstance(d, str):
            width -= len(d)
        elif isinstance(d, list):
            stack.extend((ind, flat, x) for x in reversed(d))
        elif d[0] == "nest":
            stack.append((ind + d[1], flat, d[2]))
        elif d[0] == "group":
            stack.append((ind, True, d[1]))
        elif d[0] == "line":
            if not flat:
                return True
            width -= len(d[1])
        else:  # ifbreak
            width -= len(d[2] if flat else d[1])
    return width >= 0


def layout(doc, width: int = WIDTH) -> str:
    """Render a document within `width` columns (lines after the first start at column 0
    plus their nesting; the caller indents the whole block)."""
    out: list[str] = []
    col = 0
    stack = [(0, False, doc)]
    while stack:
        ind, flat, d = stack.pop()
        if isinstance(d, str):
            out.append(d)
            col += len(d)
        elif isinstance(d, list):
            stack.extend((ind, flat, x) for x in reversed(d))
        elif d[0] == "nest":
            stack.append((ind + d[1], flat, d[2]))
        elif d[0] == "group":
            # As in Lindig's "strictly pretty" printer, a group is measured on its own.
            fits = flat or _fits(width - col, [(ind, True, d[1])])
            stack.append((ind, fits, d[1]))
        elif d[0] == "line":
            if flat:
                out.append(d[1])
                col += len(d[1])
            else:
                out.append("\n" + " " * ind)
                col = ind
        else:
            text = d[2] if flat else d[1]
            out.append(text)
            col += len(text)
    return "".join(out)


def format_expr(e, width: int | None = None) -> str:
    """An expression as text: on one line, or wrapped to `width` columns."""
    return layout(_doc(e), width if width is not None else 10**9)


def _paren(e, need: int):
    doc = _doc(e)
    return ["(", doc, ")"] if _prec(e) < need else doc


def _doc(e):
    if isinstance(e, (ast.Num, ast.Bool, ast.DateLit, ast.Str, ast.DurationLit)):
        return _literal(e)
    if isinstance(e, ast.Name):
        return str(e)
    if isinstance(e, ast.Call):
        if not e.args:
            return f"{e.func}()"
        return _group(f"{e.func}(", _nest(CONT, SOFT, *_join([_doc(a) for a in e.args], [",", LINE])), SOFT, ")")
    if isinstance(e, ast.Unary):
        if e.op == "not":
            return ["not ", _paren(e.operand, _NOT)]
        return ["-", _paren(e.operand, _ATOM)]
    if isinstance(e, ast.Binary):
        if e.op in _CMP_OPS:
            return _group(_paren(e.left, _SUM), f" {e.op}", _nest(CONT, LINE, _paren(e.right, _SUM)))
        p = _SUM if e.op in "+-" else _PROD
        return _group(_paren(e.left, p), _nest(CONT, LINE, f"{e.op} ", _paren(e.right, p + 1)))
    if isinstance(e, ast.BoolOp):
        need = _AND if e.op == "or" else _NOT
        first, *rest = (_paren(i, need) for i in e.items)
        return _group(first, _nest(CONT, *[[LINE, f"{e.op} ", r] for r in rest]))
    if isinstance(e, ast.ListOp):
        head = {"all": "all", "any": "any"}.get(e.op) or f"at least {_how_many(e.n)} of"
        if not e.items:
            return f"{head} {{ }}"
        items = _join([_doc(i) for i in e.items], [",", LINE])
        return _group(f"{head} {{", _nest(2, LINE, *items, ("ifbreak", ",", "")), LINE, "}")
    if isinstance(e, ast.GroupOp):
        head = f"at least {_how_many(e.n)} of {e.group}" if e.n is not None else f"all of {e.group}"
        return head + (f" at {'exactly ' if e.exact else ''}{e.level}" if e.level else "")
    if isinstance(e, ast.TrackAtExpr):
        return f"{e.track} at {'exactly ' if e.exact else ''}{e.level}"
    if isinstance(e, ast.UndecidedExpr):
        word = "by invitation" if e.kind == "invitation" else e.kind
        return f"{word} {_string(e.reason)}" if e.reason is not None else word
    if isinstance(e, ast.EveryExpr):
        return _group(f"every {e.target} {e.op}", _nest(CONT, LINE, _paren(e.value, _SUM)))
    if isinstance(e, ast.ValueSet):
        if not e.items:
            return "{ }"
        items = _join([_doc(i) for i in e.items], [",", LINE])
        return _group("{", _nest(2, SOFT, *items, ("ifbreak", ",", "")), SOFT, "}")
    if isinstance(e, ast.WindowExpr):
        return e.text
    if isinstance(e, ast.InExpr):
        word = " not in " if e.negated else " in "
        return _group(_paren(e.operand, _SUM), word, _doc(e.target))
    if isinstance(e, ast.IsEmpty):
        return [_paren(e.operand, _SUM), " is not empty" if e.negated else " is empty"]
    if isinstance(e, ast.GroupAgg):
        return _agg_doc(e)
    if isinstance(e, ast.Assign):
        head = [f"assign {e.column} of {e.table}"]
        if e.where is not None:
            head.append(_nest(CONT, LINE, "where ", _doc(e.where)))
        if e.capacity is not None:
            head.append(_nest(CONT, LINE, f"at most {e.capacity.text} each"))
        needs = _join(
            [[f"{n.name}: {n.count.text}", *([" where ", _doc(n.where)] if n.where is not None else [])] for n in e.needs], [",", LINE]
        )
        return _group(*head, " {", _nest(2, LINE, *needs, ("ifbreak", ",", "")), LINE, "}")
    if isinstance(e, ast.Aggregate):
        parts = [_nest(CONT, LINE, "where ", _doc(e.where))] if e.where is not None else []
        if e.per:
            parts.append(_nest(CONT, LINE, "per ", ", ".join(e.per)))
            if e.having is not None:
                parts.append(_nest(CONT, LINE, "having ", _doc(e.having)))
        return _group(_agg_doc(e.agg), f" of {e.table}", *parts)
    raise TypeError(e)


def _agg_doc(a: ast.GroupAgg):
    if a.func == "count":
        head = "count"
    elif a.func == "count_distinct":
        head = f"count distinct {a.column}"
    elif a.inner is not None:
        head = [f"{a.func} (", _agg_doc(a.inner), ")"]
    else:
        head = f"{a.func} {a.column}"
    if a.where is None:
        return head
    return _group("(", head, _nest(CONT, LINE, "where ", _doc(a.where)), ")")


def _type_text(t: ast.TypeExpr) -> str:
    if t.kind == "money":
        return f"money {t.currency}"
    if t.kind == "enum":
        return "enum(" + (" < " if t.ordered else ", ").join(_enum_value(v) for v in t.values) + ")"
    return t.kind


def _enum_value(v: str) -> str:
    """An enum value as written: a bare name when it is one, else a string."""
    return v if re.fullmatch(r"[a-z][a-z0-9_]*", v) else _string(v)


def _attr(a: ast.Attr, room: int = WIDTH) -> str:
    k, v = a.kind, a.value
    if k in ("doc", "source", "assumed", "column", "unit", "extends", "version"):
        text = f"{k} {_string(v)}"  # type: ignore[arg-type]
        if k in ("doc", "assumed") and "\n" not in v and len(text) > room and (block := _block(v)) is not None:  # type: ignore[arg-type]
            return f"{k} {block}"  # too long for one line: a block, which reads back the same
        return text
    if k == "direction":
        return f"{v} is better"
    if k == "optional":
        return "optional"
    if k == "default":
        return f"default {_literal(v)}"
    if k == "effective":
        return f"effective {_literal(v)}"
    if k == "status":
        return f"status {v}"
    if k == "range":
        lo, hi = v  # type: ignore[misc]
        return f"range {_literal(lo) if lo is not None else ''}..{_literal(hi) if hi is not None else ''}".replace("range ..", "range ..")
    if k == "dated":
        when, lit = v  # type: ignore[misc]
        return f"from {_literal(when)} = {_literal(lit)}"
    if k == "acknowledge":
        code, reason = v  # type: ignore[misc]
        text = f"acknowledge {code} {_string(reason)}"
        if "\n" not in reason and len(text) > room and (block := _block(reason)) is not None:
            return f"acknowledge {code} {block}"
        return text
    raise ValueError(k)


class _Printer:
    def __init__(self, module: ast.Module) -> None:
        self.comments = sorted(module.comments, key=lambda c: (c.line, c.column))
        self.used = [False] * len(self.comments)
        self.out: list[str] = []

    # -------------------------------------------------------------- comments
    def _take(self, pred) -> list[ast.Comment]:
        got = []
        for i, c in enumerate(self.comments):
            if not self.used[i] and pred(c):
                self.used[i] = True
                got.append(c)
        return got

    def before(self, line: int) -> list[ast.Comment]:
        return self._take(lambda c: c.line < line)

    def trailing(self, line: int, after_col: int) -> str:
        got = self._take(lambda c: c.line == line and c.column >= after_col)
        return "".join("  " + c.text for c in got)

    def within(self, first: int, last: int) -> list[ast.Comment]:
        return self._take(lambda c: first <= c.line <= last)

    def has_comments(self, first: int, last: int) -> bool:
        return any(not self.used[i] and first <= c.line <= last for i, c in enumerate(self.comments))

    # -------------------------------------------------------------- output
    def emit(self, indent: str, text: str) -> None:
        for line in text.split("\n"):
            self.out.append((indent + line) if line else "")

    def statements(self, items, indent: str, printer) -> None:
        """Print a sequence of statements with their comments and blank lines (a blank
        line in the source, between statements or comments, is kept as one)."""
        last_line = None
        for n, item in enumerate(items):
            span = item.span
            start = span.line if span else (last_line or 0) + 1
            lead = self.before(start)
            first_line = lead[0].line if lead else start
            if n > 0 and last_line is not None and first_line > last_line + 1:
                self.out.append("")
            for k, c in enumerate(lead):
                if k > 0 and c.line > lead[k - 1].line + 1:
                    self.out.append("")
                self.emit(indent, c.text)
            if lead and start > lead[-1].line + 1:
                self.out.append("")
            next_start = items[n + 1].span.line if n + 1 < len(items) and items[n + 1].span else None
            printer(item, indent, next_start)
            last_line = span.end_line if span else start

    def close_block(self, span, indent: str) -> None:
        """Comments left inside a block before its closing brace, then the brace."""
        if span is None:
            self.emit(indent, "}")
            return
        inner = self.before(span.end_line)
        for c in inner:
            self.emit(indent + INDENT, c.text)
        self.emit(indent, "}" + self.trailing(span.end_line, span.end_column))

    def leaf(self, text: str, span, indent: str, next_start: int | None) -> None:
        """A statement printed by the formatter as `text`: comments inside its source range
        move before it; a comment at the end of its last line stays at the end."""
        if span is not None:
            end_ok = next_start != span.end_line
            inner = self._take(
                lambda c: span.line <= c.line <= span.end_line and not (end_ok and c.line == span.end_line and c.column >= span.end_column)
            )
            for c in inner:
                self.emit(indent, c.text)
            tail = self.trailing(span.end_line, span.end_column) if end_ok else ""
        else:
            tail = ""
        lines = text.split("\n")
        lines[-1] += tail
        self.emit(indent, "\n".join(lines))

    def header(self, text: str, span, indent: str, children=()) -> None:
        """`text {` for a block. Comments at the end of the header's lines (it may span
        several, up to the `{`) stay at the end of the header."""
        tail = ""
        if span is not None:
            first = next((c.span.line for c in children if c is not None and c.span is not None), span.end_line)
            got = self._take(lambda c: span.line <= c.line <= max(span.line, first - 1) and not c.own_line)
            tail = "".join("  " + c.text for c in got)
        self.emit(indent, text + " {" + tail)

    # -------------------------------------------------------------- declarations
    def module(self, module: ast.Module) -> str:
        self.statements(module.items, "", self.item)
        rest = self._take(lambda c: True)
        if rest:
            if self.out:
                self.out.append("")
            for c in rest:
                self.emit("", c.text)
        return "\n".join(self.out).rstrip("\n") + "\n"

    def item(self, item, indent: str, next_start) -> None:
        method = getattr(self, "p_" + type(item).__name__)
        method(item, indent, next_start)

    def attr_stmt(self, a: ast.Attr, indent: str, next_start) -> None:
        self.leaf(_attr(a, WIDTH - len(indent)), a.span, indent, next_start)

    def attr_block(self, head: str, attrs, span, indent: str, next_start) -> None:
        """`head` followed by an optional `{ attributes }` block."""
        if attrs is None:
            self.leaf(head, span, indent, next_start)
            return
        if not attrs:
            self.leaf(head + " {}", span, indent, next_start)
            return
        single = _attr(attrs[0]) if len(attrs) == 1 else None
        inline = f"{head} {{ {single} }}" if single is not None else None
        if (
            inline is not None
            and "\n" not in inline
            and len(indent) + len(inline) <= WIDTH
            and not (span and self.has_comments(span.line, span.end_line - 1))
        ):
            self.leaf(inline, span, indent, next_start)
            return
        self.header(head, span, indent, attrs)
        self.statements(attrs, indent + INDENT, self.attr_stmt)
        self.close_block(span, indent)

    def p_ProgramDecl(self, d: ast.ProgramDecl, indent, next_start) -> None:
        if not d.attrs and not (d.span and self.has_comments(d.span.line, d.span.end_line - 1)):
            self.leaf(f"program {d.name}{_title(d.title)} {{}}", d.span, indent, next_start)
            return
        self.header(f"program {d.name}{_title(d.title)}", d.span, indent, d.attrs)
        self.statements(d.attrs, indent + INDENT, self.attr_stmt)
        self.close_block(d.span, indent)

    def p_MetricDecl(self, d: ast.MetricDecl, indent, next_start) -> None:
        head = f"metric {d.name}{_title(d.title)}: {_type_text(d.type)}"
        if d.expr is not None:
            head = layout(_group(head, " =", _nest(CONT, LINE, _doc(d.expr))), WIDTH - len(indent))
        self.attr_block(head, d.attrs, d.span, indent, next_start)

    def p_RelatedTableDecl(self, d: ast.RelatedTableDecl, indent, next_start) -> None:
        self.header(f"table {d.name}{_title(d.title)}", d.span, indent, d.items)
        self.statements(d.items, indent + INDENT, self.table_item)
        self.close_block(d.span, indent)

    def table_item(self, item, indent, next_start) -> None:
        if isinstance(item, ast.Attr):
            self.attr_stmt(item, indent, next_start)
        elif isinstance(item, ast.ColumnDecl):
            head = f"column {item.name}{_title(item.title)}: {_type_text(item.type)}" + (" optional" if item.optional else "")
            self.attr_block(head, item.attrs, item.span, indent, next_start)
        elif isinstance(item, ast.KeyDecl):
            self.leaf("key " + ", ".join(item.columns), item.span, indent, next_start)
        else:
            head = layout(_group(f"filter {item.name}{_title(item.title)}:", _nest(CONT, LINE, _doc(item.expr))), WIDTH - len(indent))
            self.attr_block(head, item.attrs, item.span, indent, next_start)

    def p_ListDecl(self, d: ast.ListDecl, indent, next_start) -> None:
        head = f"list {d.name}{_title(d.title)} ="
        if not d.values:
            doc = head + " { }"
        else:
            items = _join([_literal(v) for v in d.values], [",", LINE])
            doc = _group(head, " {", _nest(2, LINE, *items, ("ifbreak", ",", "")), LINE, "}")
        self.attr_block(layout(doc, WIDTH - len(indent)), d.attrs, d.span, indent, next_start)

    def p_ParamDecl(self, d: ast.ParamDecl, indent, next_start) -> None:
        self.attr_block(f"param {d.name}{_title(d.title)} = {_literal(d.value)}", d.attrs, d.span, indent, next_start)

    def p_GateDecl(self, d: ast.GateDecl, indent, next_start) -> None:
        head = layout(_group(f"gate {d.name}{_title(d.title)}:", _nest(CONT, LINE, _doc(d.expr))), WIDTH - len(indent))
        self.attr_block(head, d.attrs, d.span, indent, next_start)

    def p_GroupDecl(self, d: ast.GroupDecl, indent, next_start) -> None:
        self.attr_block(f"group {d.name}{_title(d.title)}", d.attrs, d.span, indent, next_start)

    def p_TrackDecl(self, d: ast.TrackDecl, indent, next_start) -> None:
        head = f"track {d.name}{_title(d.title)}" + (f" in {d.group}" if d.group else "")
        if d.highest is not None:
            self.attr_block(f"{head} = highest {d.highest}", d.items or None, d.span, indent, next_start)
            return
        self.header(head, d.span, indent, d.items)
        self.statements(d.items, indent + INDENT, self.track_item)
        self.close_block(d.span, indent)

    def p_RowTrackDecl(self, d: ast.RowTrackDecl, indent, next_start) -> None:
        head = f"track {d.name}{_title(d.title)} per {d.column} of {d.table}"
        if d.where is not None:
            head = layout(_group(head, _nest(CONT, LINE, "where ", _doc(d.where))), WIDTH - len(indent) - 2)
        self.header(head, d.span, indent, d.items)
        self.statements(d.items, indent + INDENT, self.track_item)
        self.close_block(d.span, indent)

    def track_item(self, item, indent, next_start) -> None:
        if isinstance(item, ast.Attr):
            self.attr_stmt(item, indent, next_start)
        else:
            self.item(item, indent, next_start)

    def p_VariantDecl(self, d: ast.VariantDecl, indent, next_start) -> None:
        self.header(f"variant {d.name}{_title(d.title)}", d.span, indent, d.items)
        self.statements(d.items, indent + INDENT, self.track_item)
        self.close_block(d.span, indent)

    def p_OutputDecl(self, d: ast.OutputDecl, indent, next_start) -> None:
        head = layout(
            _group(f"output {d.name}{_title(d.title)}: {_type_text(d.type)} =", _nest(CONT, LINE, _doc(d.expr))), WIDTH - len(indent)
        )
        self.attr_block(head, d.attrs, d.span, indent, next_start)

    def p_ChooseBest(self, d: ast.ChooseBest, indent, next_start) -> None:
        self.leaf("choose best", d.span, indent, next_start)

    def p_ChooseClassified(self, d: ast.ChooseClassified, indent, next_start) -> None:
        parts = [[f"{name} when ", _doc(cond)] for name, cond in d.choices]
        doc = _group("choose ", parts[0], _nest(CONT, *[[LINE, "else ", p] for p in parts[1:]], LINE, f"else {d.otherwise}"))
        self.leaf(layout(doc, WIDTH - len(indent)), d.span, indent, next_start)

    def p_LevelDecl(self, d: ast.LevelDecl, indent, next_start) -> None:
        head = f"level {d.name}{_title(d.title)}" + (" independent" if d.independent else "")
        if d.items is None:
            self.leaf(head, d.span, indent, next_start)
            return
        if not d.items and not (d.span and self.has_comments(d.span.line, d.span.end_line)):
            self.leaf(head + " {}", d.span, indent, next_start)
            return
        self.header(head, d.span, indent, d.items)
        self.statements(d.items, indent + INDENT, self.level_item)
        self.close_block(d.span, indent)

    def level_item(self, item, indent, next_start) -> None:
        if isinstance(item, ast.Attr):
            self.attr_stmt(item, indent, next_start)
            return
        label = f"{item.label}: " if item.label else ""
        self.leaf(layout([f"require {label}", _doc(item.expr)], WIDTH - len(indent)), item.span, indent, next_start)

    def _cap(self, cap: ast.Num | ast.Name | None) -> str:
        if cap is None:
            return ""
        return f" max {cap}" if isinstance(cap, ast.Name) else f" max {cap.text}"

    def p_ScoreDecl(self, d: ast.ScoreDecl, indent, next_start) -> None:
        self.header(f"score {d.name}{_title(d.title)}{self._cap(d.cap)}", d.span, indent, d.items)
        self.statements(d.items, indent + INDENT, self.score_item)
        self.close_block(d.span, indent)

    def score_item(self, item, indent, next_start) -> None:
        if isinstance(item, ast.Attr):
            self.attr_stmt(item, indent, next_start)
        elif isinstance(item, ast.CategoryDecl):
            self.header(f"category {item.name}{_title(item.title)}{self._cap(item.cap)}", item.span, indent, item.items)
            self.statements(item.items, indent + INDENT, self.score_item)
            self.close_block(item.span, indent)
        else:
            self.p_LineDecl(item, indent, next_start)

    def p_LineDecl(self, d: ast.LineDecl, indent, next_start) -> None:
        doc = [f"{d.name}{_title(d.title)}: points ", _doc(d.points)]
        if d.when is not None:
            # The gate goes on its own line whenever the line does not fit.
            doc = _group(*doc, _nest(CONT, LINE, "when ", _doc(d.when)))
        self.attr_block(layout(doc, WIDTH - len(indent)), d.attrs, d.span, indent, next_start)

    def assignments(self, head: str, values, span, indent: str, next_start, suffix: str = "") -> None:
        items = [f"{a.name} = {_literal(a.value)}" for a in values]
        inline = f"{head} {{ {', '.join(items)} }}" if items else f"{head} {{}}"
        if len(items) <= 4 and len(indent) + len(inline) <= WIDTH and not (span and self.has_comments(span.line, span.end_line - 1)):
            self.leaf(inline + suffix, span, indent, next_start)
            return
        self.header(head, span, indent, values)
        self.statements(values, indent + INDENT, lambda a, ind, ns: self.leaf(f"{a.name} = {_literal(a.value)},", a.span, ind, ns))
        self.close_block(span, indent)

    def p_PartnerDecl(self, d: ast.PartnerDecl, indent, next_start) -> None:
        self.assignments(f"partner {d.name}{_title(d.title)}", d.values, d.span, indent, next_start)

    def p_ExampleDecl(self, d: ast.ExampleDecl, indent, next_start) -> None:
        items = (d.as_of, d.given, *d.expects) if d.as_of is not None else (d.given, *d.expects)
        self.header(f"example {d.name}{_title(d.title)}", d.span, indent, items)
        self.statements(items, indent + INDENT, self.example_item)
        self.close_block(d.span, indent)

    def example_item(self, item, indent, next_start) -> None:
        if isinstance(item, ast.DateLit):
            self.leaf(f"as of {_literal(item)}", item.span, indent, next_start)
            return
        if isinstance(item, ast.Given):
            if item.records is not None:
                self.given_records(item, indent, next_start)
                return
            if item.partner is not None and item.values is None:
                self.leaf(f"given {item.partner}", item.span, indent, next_start)
            elif item.partner is not None:
                self.assignments(f"given {item.partner} with", item.values, item.span, indent, next_start)
            else:
                self.assignments("given", item.values, item.span, indent, next_start)
            return
        value = item.value
        if isinstance(value, ast.LevelValue):
            shown = value.name if value.name is not None else "none"
        else:
            shown = _literal(value)
        self.leaf(f"expect {item.path} = {shown}", item.span, indent, next_start)

    def given_records(self, g: ast.Given, indent: str, next_start) -> None:
        """`given records { table (columns) { (row), ... } ... } [with { ... }]`: one row per
        line; the comments inside move before the statement."""
        if g.span is not None:
            for c in self.within(g.span.line, g.span.end_line - 1):
                self.emit(indent, c.text)
        self.emit(indent, "given records {")
        inner = indent + INDENT
        for t in g.records or ():
            self.emit(inner, f"{t.table} ({', '.join(t.columns)}) {{")
            for row in t.rows:
                self.emit(inner + INDENT, "(" + ", ".join("none" if v is None else _literal(v) for v in row) + "),")
            self.emit(inner, "}")
        if g.values is None:
            self.emit(indent, "}" + (self.trailing(g.span.end_line, g.span.end_column) if g.span else ""))
            return
        items = ", ".join(f"{a.name} = {_literal(a.value)}" for a in g.values)
        self.emit(indent, f"}} with {{ {items} }}" if items else "} with {}")

    def p_HoldDecl(self, d: ast.HoldDecl, indent, next_start) -> None:
        self.header(f"hold {d.name}{_title(d.title)} for {', '.join(d.targets)}", d.span, indent, d.items)
        self.statements(d.items, indent + INDENT, self.hold_item)
        self.close_block(d.span, indent)

    def hold_item(self, item, indent, next_start) -> None:
        if isinstance(item, ast.Attr):
            self.attr_stmt(item, indent, next_start)
            return
        v = item.value
        text = {
            "window": lambda: f"window {_literal(v)}",
            "anniversary": lambda: "until anniversary",
            "grace": lambda: f"grace {_literal(v)}",
            "until": lambda: f"until {_literal(v)}",
            "grandfather": lambda: f"held on {_literal(v[0])} until {_literal(v[1])}",
            "lag": lambda: f"promotion after {_literal(v)}",
            "from": lambda: f"from {_literal(v)}",
        }[item.kind]()
        self.leaf(text, item.span, indent, next_start)

    def p_TableDecl(self, d: ast.TableDecl, indent, next_start) -> None:
        self.header(f"table {d.name}{_title(d.title)}: {_type_text(d.type)}", d.span, indent, d.items)
        # Rows and the columns line are aligned as a table: band texts padded to one width,
        # each column of cells right-aligned.
        grid = [i for i in d.items if isinstance(i, (ast.TableRow, ast.TableColumns))]
        heads = [("columns" if isinstance(i, ast.TableColumns) else _band(i.band)) + ":" for i in grid]
        cells = [[_band(b) for b in i.bands] if isinstance(i, ast.TableColumns) else [_cell(c) for c in i.cells] for i in grid]
        width = max((len(h) for h in heads), default=0)
        widths = [max((len(r[k]) for r in cells if k < len(r)), default=0) for k in range(max((len(r) for r in cells), default=0))]
        texts = {
            id(i): (h.ljust(width) + " " + ", ".join(c.rjust(widths[k]) for k, c in enumerate(r))).rstrip()
            for i, h, r in zip(grid, heads, cells)
        }

        def table_item(item, ind, ns) -> None:
            if isinstance(item, ast.Attr):
                self.attr_stmt(item, ind, ns)
            elif isinstance(item, ast.TableBy):
                self.leaf("by " + ", ".join(layout(_doc(k), WIDTH) for k in item.keys), item.span, ind, ns)
            else:
                self.leaf(texts[id(item)], item.span, ind, ns)

        self.statements(d.items, indent + INDENT, table_item)
        self.close_block(d.span, indent)

    def p_Override(self, d: ast.Override, indent, next_start) -> None:
        # Print the declaration, then prefix its first line.
        mark = len(self.out)
        self.item(d.decl, indent, next_start)
        for i in range(mark, len(self.out)):
            line = self.out[i]
            if line.strip() and not line.lstrip().startswith("#"):
                self.out[i] = line[: len(indent)] + "override " + line[len(indent) :]
                break

    def p_Remove(self, d: ast.Remove, indent, next_start) -> None:
        self.leaf(f"remove {d.kind} {d.name}", d.span, indent, next_start)


def format_module(module: ast.Module) -> str:
    """The canonical text of a parsed module."""
    with deep_recursion():
        return _Printer(module).module(module)
