"""Outputs: amounts a program computes for each partner on a track.

    track partner_status {
      output fee "Annual fee": money USD = annual_fee
      output funds "Marketing funds": money USD = marketing_funds
      ...
    }

An output is not a rule: no level depends on it, and no rule reads it. It is a typed value
(`number`, `percent` or `money CUR`) computed from the partner's metrics, the track's level
(through a table looked up by the track) and scores, and other tracks; `tier eval` writes
it as a column after the contract's four (`partner_id, track, level, score`), on the rows of
the track that declares it. Amounts are exact, like scores.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tierlang import ir
from tierlang.diagnostics import Note
from tierlang.ir import Kind
from tierlang.syntax import ast

if TYPE_CHECKING:
    from tierlang.passes.lower import _Lowerer

__all__ = ["lower_outputs", "OUTPUT_KINDS"]

#: What an output can be.
OUTPUT_KINDS = frozenset({Kind.NUMBER, Kind.PERCENT, Kind.MONEY})

#: Names an output cannot take: the columns `tier eval` writes beside it (the contract's four,
#: `--gaps`, `--history`).
RESERVED = frozenset(
    {
        "partner_id",
        "track",
        "level",
        "score",
        "next_level",
        "points_missing",
        "requirements_missing",
        "missing",
        "month",
        "held_by",
        "variant",
    }
)


def lower_outputs(lw: _Lowerer, d: ast.TrackDecl) -> tuple[ir.Output, ...] | None:
    """The outputs of track `d`, checked (None when one has errors)."""
    from tierlang.passes.lower import _compatible, _describe_type, _Fail, _Scope

    out: list[ir.Output] = []
    ok = True
    seen: dict[str, ast.OutputDecl] = {}
    scores = set(lw.track_scores[d.name])
    for o in (i for i in d.items if isinstance(i, ast.OutputDecl)):
        a = lw.attrs(o.attrs, "output")
        if o.name in seen or o.name in scores:
            first = seen[o.name].span if o.name in seen else None
            what = "an output" if o.name in seen else "a score"
            lw.err(
                "TL201",
                f"track '{d.name}' already has {what} named '{o.name}'",
                o.span,
                notes=(Note("first declared here", first),) if first else (),
                hint="an output, a score and its lines share the track's names (`expect TRACK.NAME = ...`)",
            )
            ok = False
            continue
        seen[o.name] = o
        if o.name in RESERVED:
            lw.err("TL201", f"'{o.name}' is a column of tier eval's results: an output needs another name", o.span)
            ok = False
            continue
        type_ = lw.metric_type(o.type)
        if type_.kind not in OUTPUT_KINDS:
            lw.err("TL202", f"output '{o.name}' is {type_}: an output is a number, a percentage or an amount of money", o.type.span)
            ok = False
            continue
        scope = _Scope(track=d.name, scores=frozenset(scores), where=f"output '{o.name}' of track '{d.name}'")
        try:
            expr, t = lw.expr(o.expr, scope)
        except _Fail:
            ok = False
            continue
        if (
            not t.is_numeric
            or not _compatible(type_, t, loose=lw.is_constant(expr))
            or (t.kind is Kind.POINTS and type_.kind is Kind.MONEY)
        ):
            lw.err(
                "TL202",
                f"output '{o.name}' is declared {_describe_type(type_)} but its formula is {_describe_type(t)}",
                o.expr.span or o.span,
            )
            ok = False
            continue
        out.append(ir.Output(o.name, type_, expr, o.title, lw.text(a, "doc"), lw.text(a, "source"), o.span))
    return tuple(out) if ok else None
