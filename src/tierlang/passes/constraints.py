"""Input constraints: `constraint NAME "title": CONDITION`.

A constraint is a condition over the partner's input metrics that every row of the data must
meet, such as `unique_gold_mcps <= certified_professionals` (mspp2009: a competency cannot
have more unique gold professionals than certified ones). A row that breaks one is a data
error naming the row and the constraint's columns, never a result; explain and the witness
search propose only changes that keep every constraint.

A constraint reads input metrics, derived metrics and parameters: not scores, tracks, gates,
tables or the evaluation date (TL237), since it is a fact about the data, not about the rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING

from tierlang import ir
from tierlang.syntax import ast

if TYPE_CHECKING:
    from tierlang.passes.lower import _Lowerer

__all__ = ["lower_constraints", "constraint_columns", "linear", "Unchecked", "check_shape", "broken"]

#: IR nodes a constraint may not read: what the rules compute, not what the data says.
_RULES = (ir.ScoreRef, ir.TrackAt, ir.GroupCount, ir.Every, ir.GateRef, ir.Lookup, ir.LevelOf, ir.Undecided)


def lower_constraints(lw: _Lowerer) -> list[ir.Constraint]:
    """The program's constraints, checked."""
    from tierlang.passes.lower import _Fail, _Scope

    out: list[ir.Constraint] = []
    for d in lw.merged.items:
        if not isinstance(d, ast.ConstraintDecl):
            continue
        a = lw.attrs(d.attrs, "constraint")
        try:
            expr = lw.condition(d.expr, _Scope(where=f"constraint '{d.name}'"))
        except _Fail:
            continue
        bad = next((n for n in ir.walk(expr, tables=False) if isinstance(n, _RULES)), None)
        if bad is not None:
            lw.err(
                "TL237",
                f"constraint '{d.name}' reads what the rules compute; a constraint is about the data",
                getattr(bad, "span", None) or d.span,
                hint="compare input metrics (and parameters): `constraint gold_within: gold_mcps <= certified`",
            )
            continue
        try:
            check_shape(expr, lw.derived)
        except Unchecked as e:
            lw.err(
                "TL237",
                f"constraint '{d.name}' is not a comparison of sums of numeric metrics ({e})",
                d.span,
                hint="write it as comparisons joined by and/or/not: `a <= b`, `a + b <= 2 * c`",
            )
            continue
        if not any(isinstance(n, ir.MetricRef) for n in ir.walk(expr, tables=False)):
            lw.err("TL237", f"constraint '{d.name}' reads no metric: it says nothing about the data", d.span)
            continue
        out.append(ir.Constraint(d.name, expr, d.title, lw.text(a, "doc"), lw.text(a, "source"), d.span))
    return out


def constraint_columns(program: ir.Program, c: ir.Constraint) -> list[str]:
    """The data columns a constraint reads (derived metrics followed), in program order."""
    names: set[str] = set()
    todo = [c.expr]
    while todo:
        for n in ir.walk(todo.pop(), tables=False):
            if isinstance(n, ir.MetricRef):
                m = program.metric_map[n.name]
                if m.derived is not None:
                    todo.append(m.derived)
                elif m.column:
                    names.add(m.column)
    return [m.column for m in program.input_metrics if m.column in names]


class Unchecked(Exception):
    """The constraint is not a combination of comparisons of sums of numeric metrics."""


def linear(e: ir.Expr, metrics: dict[str, ir.Metric]) -> tuple[dict[str, Fraction], Fraction]:
    """`e` as Σ coefficient × input metric + constant (derived metrics expanded)."""
    if isinstance(e, ir.Const) and isinstance(e.value, Fraction):
        return {}, e.value
    if isinstance(e, ir.MetricRef):
        m = metrics[e.name]
        if m.derived is not None:
            return linear(m.derived, metrics)
        if not m.type.is_numeric:
            raise Unchecked(f"'{m.name}' is not a number")
        return {e.name: Fraction(1)}, Fraction(0)
    if isinstance(e, ir.Neg):
        c, k = linear(e.operand, metrics)
        return {n: -v for n, v in c.items()}, -k
    if isinstance(e, ir.Arith):
        a, b = linear(e.left, metrics), linear(e.right, metrics)
        if e.op in ("+", "-"):
            sign = 1 if e.op == "+" else -1
            coefs = dict(a[0])
            for n, v in b[0].items():
                coefs[n] = coefs.get(n, Fraction(0)) + sign * v
            return coefs, a[1] + sign * b[1]
        if e.op == "*":
            if a[0] and b[0]:
                raise Unchecked("a product of two metrics")
            (c, k), f = (a, b[1]) if not b[0] else (b, a[1])
            return {n: v * f for n, v in c.items()}, k * f
        if e.op == "/" and not b[0] and b[1] != 0:
            return {n: v / b[1] for n, v in a[0].items()}, a[1] / b[1]
        raise Unchecked("a division by a metric")
    raise Unchecked(f"{type(e).__name__} in a constraint")


def check_shape(e: ir.Expr, metrics: dict[str, ir.Metric]) -> None:
    """Raise `Unchecked` unless `e` is and/or/not of comparisons of sums of numeric metrics
    (what the data loader checks exactly, in integers)."""
    if isinstance(e, (ir.And, ir.Or)):
        for x in e.items:
            check_shape(x, metrics)
    elif isinstance(e, ir.Not):
        check_shape(e.operand, metrics)
    elif isinstance(e, ir.Compare):
        linear(e.left, metrics)
        linear(e.right, metrics)
    else:
        raise Unchecked(f"{type(e).__name__} in a constraint")


def broken(program: ir.Program, values: Mapping[str, ir.Value]) -> list[ir.Constraint]:
    """The constraints that `values` (a partner's input metric values) break, exactly; a
    constraint on a value that is missing is not broken."""
    out = []
    for c in program.constraints:
        if _holds(c.expr, program.metric_map, values) is False:
            out.append(c)
    return out


def _holds(e: ir.Expr, metrics: dict[str, ir.Metric], values: Mapping[str, ir.Value]) -> bool | None:
    if isinstance(e, ir.And):
        kids = [_holds(x, metrics, values) for x in e.items]
        return False if False in kids else None if None in kids else True
    if isinstance(e, ir.Or):
        kids = [_holds(x, metrics, values) for x in e.items]
        return True if True in kids else None if None in kids else False
    if isinstance(e, ir.Not):
        k = _holds(e.operand, metrics, values)
        return None if k is None else not k
    assert isinstance(e, ir.Compare)
    lc, lk = linear(e.left, metrics)
    rc, rk = linear(e.right, metrics)
    total = lk - rk
    for sign, coefs in ((1, lc), (-1, rc)):
        for n, v in coefs.items():
            x = values.get(n)
            if not isinstance(x, Fraction):
                return None
            total += sign * v * x
    return {">=": total >= 0, ">": total > 0, "<=": total <= 0, "<": total < 0, "==": total == 0, "!=": total != 0}[e.op]
