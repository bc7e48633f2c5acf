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

import math
import operator
from collections.abc import Collection, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING

from tierlang import ir
from tierlang.memo import per_object
from tierlang.syntax import ast

if TYPE_CHECKING:
    from tierlang.passes.lower import _Lowerer

__all__ = ["lower_constraints", "constraint_metrics", "constraint_columns", "linear", "Unchecked", "check_shape", "broken", "repair"]

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
        computed = next((m for m in _metrics_read(expr, lw.derived) if m.records is not None), None)
        if computed is not None and _inherited(d, computed):
            # A parent's constraint over columns a child now counts from records (mpn2010 ->
            # mpn2010-records): the records cannot disagree, so the constraint has nothing to check.
            continue
        if computed is not None:
            lw.err(
                "TL237",
                f"constraint '{d.name}' reads '{computed.name}', which is computed from related tables; "
                "a constraint checks the columns of the partner table",
                d.span,
                hint="records metrics are counted from the tables' rows, so they cannot disagree with each other; "
                "compare the partner table's columns",
            )
            continue
        if not any(isinstance(n, ir.MetricRef) for n in ir.walk(expr, tables=False)):
            lw.err("TL237", f"constraint '{d.name}' reads no metric: it says nothing about the data", d.span)
            continue
        out.append(ir.Constraint(d.name, expr, d.title, lw.text(a, "doc"), lw.text(a, "source"), d.span))
    return out


def _inherited(d: ast.ConstraintDecl, m: ir.Metric) -> bool:
    """Whether the constraint was written in another file than the records formula of `m`."""
    return d.span is not None and m.span is not None and d.span.file != m.span.file


def _metrics_read(e: ir.Expr, metrics: Mapping[str, ir.Metric]) -> list[ir.Metric]:
    """The metrics `e` reads that are not derived (derived metrics followed)."""
    out: dict[str, ir.Metric] = {}
    todo = [e]
    while todo:
        for n in ir.walk(todo.pop(), tables=False):
            if isinstance(n, ir.MetricRef):
                m = metrics[n.name]
                if m.derived is not None:
                    todo.append(m.derived)
                else:
                    out[m.name] = m
    return list(out.values())


def constraint_metrics(program: ir.Program, c: ir.Constraint) -> list[str]:
    """The input metrics a constraint reads (derived metrics followed), in program order."""
    names = {m.name for m in _metrics_read(c.expr, program.metric_map)}
    return [m.name for m in program.input_metrics if m.name in names]


def constraint_columns(program: ir.Program, c: ir.Constraint) -> list[str]:
    """The data columns a constraint reads (derived metrics followed), in program order."""
    return [m.column for m in (program.metric_map[n] for n in constraint_metrics(program, c)) if m.column]


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


def broken(
    program: ir.Program,
    values: Mapping[str, ir.Value],
    changed: Collection[str] | None = None,
    before: Collection[ir.Constraint] = (),
) -> list[ir.Constraint]:
    """The constraints that `values` (a partner's input metric values) break, exactly; a
    constraint on a value that is missing is not broken.

    With `changed`: `values` are values that broke just the constraints `before`, with the
    metrics named in `changed` moved; only the constraints that read one of those are checked
    again (explain weighs hundreds of plans per partner, each moving a metric or two)."""
    out = []
    forms, reads = _forms_of(program)
    metrics = program.metric_map
    for c in program.constraints:
        if changed is not None:
            read = reads.get(id(c))
            if read is None:
                read = reads[id(c)] = frozenset(constraint_metrics(program, c))
            if read.isdisjoint(changed):
                if any(b is c for b in before):
                    out.append(c)
                continue
        if _holds(c.expr, metrics, values, forms) is False:
            out.append(c)
    return out


@per_object
def _forms_of(program: ir.Program) -> tuple[dict[int, tuple], dict[int, frozenset[str]]]:
    """The program's (id(comparison) -> its linear form (`_form`), id(constraint) -> the input
    metrics it reads), filled as they are asked for: `explain` asks `broken` about the same
    constraints for every plan it weighs (hundreds per partner of mpn2010, whose 29
    constraints made that most of its time)."""
    return ({}, {})


def _holds(e: ir.Expr, metrics: dict[str, ir.Metric], values: Mapping[str, ir.Value], forms: dict[int, tuple] | None = None) -> bool | None:
    if isinstance(e, ir.And):
        kids = [_holds(x, metrics, values, forms) for x in e.items]
        return False if False in kids else None if None in kids else True
    if isinstance(e, ir.Or):
        kids = [_holds(x, metrics, values, forms) for x in e.items]
        return True if True in kids else None if None in kids else False
    if isinstance(e, ir.Not):
        k = _holds(e.operand, metrics, values, forms)
        return None if k is None else not k
    assert isinstance(e, ir.Compare)
    form = None if forms is None else forms.get(id(e))
    if form is None:
        form = _form(e, metrics)
        if forms is not None:
            forms[id(e)] = form  # the comparison lives as long as its program, which holds it
    scaled, terms = form
    # Whole values (counts, and most amounts) in integers: left - right scaled by the common
    # denominator of the coefficients (positive: the sign is the same), a tenth of the time of
    # the same sum in Fractions, which explain asks for hundreds of times per partner.
    total = scaled
    for n, a in terms:
        x = values.get(n)
        if type(x) is not Fraction and not isinstance(x, Fraction):
            return None
        if x.denominator != 1:
            return _holds_exactly(e.op, form, values)
        total += a * x.numerator
    return _COMPARE[e.op](total, 0)


def _form(e: ir.Compare, metrics: dict[str, ir.Metric]) -> tuple:
    """`left - right` of `e` as (constant × d, ((metric, coefficient × d), ...)),
    with d the least common denominator of the constant and the coefficients: whole numbers.
    A metric whose coefficients on the two sides cancel keeps a 0: its value must still be there."""
    (lc, lk), (rc, rk) = linear(e.left, metrics), linear(e.right, metrics)
    coefs = dict(lc)
    for n, v in rc.items():
        coefs[n] = coefs.get(n, Fraction(0)) - v
    constant = lk - rk
    d = math.lcm(constant.denominator, *(v.denominator for v in coefs.values()))
    return int(constant * d), tuple((n, int(v * d)) for n, v in coefs.items())


def _holds_exactly(op: str, form: tuple, values: Mapping[str, ir.Value]) -> bool | None:
    """`_holds` of a comparison whose values are not all whole: the same scaled sum in Fractions."""
    total, terms = form
    for n, a in terms:
        x = values.get(n)
        if not isinstance(x, Fraction):
            return None
        total += a * x
    return _COMPARE[op](total, 0)


_COMPARE = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq, "!=": operator.ne}


def repair(program: ir.Program, values: Mapping[str, ir.Value], fixed: set[str]) -> dict[str, ir.Value] | None:
    """`values` changed so that they keep every constraint, without moving the metrics in
    `fixed` (a change explain proposes): each broken comparison is mended by moving one other
    metric it reads by the least amount, raising one where it can (a partner adds people more
    readily than it drops them). None when no such change is found: a constraint joined by
    `or` or `not`, a `!=`, or a move past a metric's range."""
    vals = dict(values)
    metrics = program.metric_map
    for _ in range(2 * len(program.constraints) + 1):
        bad = broken(program, vals)
        if not bad:
            return vals
        compares = [bad[0].expr] if isinstance(bad[0].expr, ir.Compare) else list(getattr(bad[0].expr, "items", ()))
        if not isinstance(bad[0].expr, (ir.Compare, ir.And)) or not all(isinstance(c, ir.Compare) for c in compares):
            return None
        for c in compares:
            if _holds(c, metrics, vals) is False and not _mend(c, metrics, vals, fixed):
                return None
    return None


def _mend(c: ir.Compare, metrics: dict[str, ir.Metric], vals: dict[str, ir.Value], fixed: set[str]) -> bool:
    """Move one metric of `c` (not in `fixed`) so that `c` holds; False when none can."""
    if c.op == "!=":
        return False
    lc, lk = linear(c.left, metrics)
    rc, rk = linear(c.right, metrics)
    coefs = dict(lc)
    for n, v in rc.items():
        coefs[n] = coefs.get(n, Fraction(0)) - v
    total = lk - rk + sum(v * vals[n] for n, v in coefs.items() if isinstance(vals.get(n), Fraction))  # type: ignore[operator]
    # total must become: <= 0, < 0, >= 0, > 0 or == 0 (the op with the right side moved over)
    options = []
    for n, a in coefs.items():
        if a == 0 or n in fixed or not isinstance(vals.get(n), Fraction):
            continue
        m = metrics[n]
        x = vals[n]
        zero = x - total / a  # where total is 0: the edge of the comparison
        if c.op == "==":
            if m.type.kind is ir.Kind.COUNT and zero.denominator != 1:
                continue
            target = zero
        else:
            # the edge rounded away from x (whole units for a count, else hundredths), and one
            # step past it for a strict comparison
            unit = Fraction(1) if m.type.kind is ir.Kind.COUNT else Fraction(1, 100)
            up = (a < 0) if c.op in ("<", "<=") else (a > 0)  # the way that moves total right
            target = (math.ceil(zero / unit) if up else math.floor(zero / unit)) * unit
            if c.op in ("<", ">") and target == zero:
                target += unit if up else -unit
        low = m.minimum if m.minimum is not None else Fraction(0) if m.type.kind is ir.Kind.COUNT else None
        if low is not None and target < low or m.maximum is not None and target > m.maximum:
            continue
        trial = dict(vals)
        trial[n] = target
        if _holds(c, metrics, trial) is not True:
            continue
        options.append((target < x, abs(target - x), n, target))
    if not options:
        return False
    _, _, n, target = min(options)  # a raise first, then the least move
    vals[n] = target
    return True
