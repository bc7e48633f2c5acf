"""The records stage in SQL: a program's records metrics computed from its related tables.

Each aggregate of a records formula becomes one CTE over its related table, grouped by
partner (with `per`: a CTE of the kept groups first); the formulas then combine the
aggregates per partner, level by level (a formula reading another records metric comes in
the CTE after it). The same exact readings as `tierlang.records.frames`: numbers are scaled
integers of the working type (`value = integer / scale`), a division by a records metric is
an exact ratio kept as a numerator column and a positive denominator column
(`frames.den_column`), partners without rows count 0 and sum 0, and a min or max of no rows
has no value (the metric's default, or missing).

    rows_<table>          -- the related table read exactly (raw query) or as tierlang loaded it
    agg_<metric>          -- one aggregate per partner (groups_<metric>: the kept groups of `per`)
    records_1, ...        -- the partners with the aggregates joined and the formulas computed
    records_checked       -- each records metric's declared range checked (an error names
                             the metric, the partner and the bound, as every engine does)

People rules (`assign ... at most N each`) are compiled without a flow algorithm: the people
can be assigned exactly when, for every set S of needs, the places S asks for are at most
what the people can give S — each person min(capacity, the needs of S they can fill) — the
max-flow min-cut theorem on `tierlang.records.assign`'s network (a cut leaves the needs
outside S to the source side). One aggregate per set over a CTE of each partner's people and
the needs each can fill:

    people_<metric>       -- partner_id, person, n0, n1, ... (1: the person can fill need i)
    assign_<metric>       -- partner_id, value: every set of needs can be staffed

The sets come from `tierlang.records.assign.need_sets`; with more than its `MAX_NEEDS` needs
that ask for people, the 2^n sets are too many: `refusal` says so.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from sqlglot import exp

from tierlang import ir
from tierlang.data import PID
from tierlang.engine.sql.backend import and_all, cast, col, decimal_text, num, or_any, paren, raise_error, string
from tierlang.engine.sql.dialects import Dialect
from tierlang.passes.lower import const_value
from tierlang.records.assign import MAX_NEEDS, need_sets
from tierlang.records.frames import den_column

__all__ = ["RecordsSql", "records_ctes", "records_tables", "refusal", "NotCompiled", "range_error"]

_NUMERIC = frozenset({ir.Kind.COUNT, ir.Kind.NUMBER, ir.Kind.PERCENT, ir.Kind.MONEY})


class NotCompiled(Exception):
    """A records construct the SQL backend does not compile (the message names it)."""


@dataclass
class RecordsSql:
    """The CTEs of the records stage; the last one has every column of `base` plus one
    column per records metric (and `den_column(m)` for the metrics in `ratios`).
    `scales`: each numeric records metric's scale."""

    ctes: list[tuple[str, exp.Select, str | None]]
    last: str
    scales: dict[str, int] = field(default_factory=dict)
    ratios: set[str] = field(default_factory=set)


def refusal(program: ir.Program) -> str | None:
    """Why the program's records stage cannot be compiled to SQL (None: it can)."""
    for m in program.record_metrics:
        if isinstance(m.records, ir.Assignment):
            asked = [n for n in m.records.needs if n.count > 0]
            if need_sets([n.count for n in m.records.needs]) is None:
                return (
                    f"metric '{m.name}' assigns people to {len(asked)} needs; SQL checks every set of needs"
                    f" (2^{len(asked)} − 1), at most {MAX_NEEDS} needs"
                )
    return None


def records_tables(program: ir.Program) -> list[str]:
    """The related tables the records metrics read, in declaration order."""
    used = {n.table for m in program.record_metrics for n in _nodes(m.records) if isinstance(n, (ir.Aggregate, ir.Assignment))}
    return [t.name for t in program.related_tables if t.name in used]


# ------------------------------------------------------------------ exact numbers


@dataclass(frozen=True)
class _N:
    """`expr / scale` (with `den`: `expr / (scale * den)`); `const` when a constant."""

    expr: exp.Expression
    scale: int
    den: exp.Expression | None = None
    const: Fraction | None = None


class _Arith:
    def __init__(self, d: Dialect, itype: str) -> None:
        self.d = d
        self.itype = itype

    def lit(self, v: int) -> exp.Expression:
        return cast(num(v), self.itype, self.d)

    def const(self, v: Fraction) -> _N:
        v = Fraction(v)
        return _N(self.lit(v.numerator), v.denominator, None, v)

    def typed(self, e: exp.Expression) -> exp.Expression:
        return cast(e, self.itype, self.d)

    def rescale(self, n: _N, scale: int) -> _N:
        if scale == n.scale:
            return n
        return _N(exp.Mul(this=paren(n.expr), expression=num(scale // n.scale)), scale, n.den)

    def common(self, items: list[_N]) -> tuple[list[_N], int]:
        scale = 1
        for n in items:
            scale = math.lcm(scale, n.scale)
        return [self.rescale(n, scale) for n in items], scale

    def add(self, a: _N, b: _N, sub: bool = False) -> _N:
        if a.const is not None and b.const is not None:
            return self.const(a.const - b.const if sub else a.const + b.const)
        (a2, b2), scale = self.common([a, b])
        x, y = a2.expr, b2.expr
        den = None
        if a2.den is not None and b2.den is not None:
            x, y, den = _mul(x, b2.den), _mul(y, a2.den), _mul(a2.den, b2.den)
        elif a2.den is not None:
            y, den = _mul(y, a2.den), a2.den
        elif b2.den is not None:
            x, den = _mul(x, b2.den), b2.den
        op = exp.Sub if sub else exp.Add
        return _N(op(this=paren(x), expression=paren(y)), scale, den)

    def mul(self, a: _N, k: Fraction) -> _N:
        if a.const is not None:
            return self.const(a.const * k)
        p, q = k.numerator, k.denominator
        g = math.gcd(abs(p), a.scale * q) or 1
        p2, s2 = p // g, a.scale * q // g
        if p2 == 1:
            return _N(a.expr, s2, a.den)
        return _N(_mul(a.expr, num(p2) if p2 > 0 else exp.Paren(this=num(p2))), s2, a.den)

    def div(self, a: _N, b: _N) -> _N:
        """a / b, a ratio per partner (no value where b is 0)."""
        if b.const is not None:
            if b.const == 0:
                return _N(exp.Null(), 1)
            return self.mul(a, 1 / b.const)
        g = math.gcd(a.scale, b.scale)
        top = _mul(a.expr, num(b.scale // g))
        den = _mul(b.expr, num(a.scale // g))
        if b.den is not None:
            top = _mul(top, b.den)
        if a.den is not None:
            den = _mul(den, a.den)
        neg = exp.LT(this=paren(den), expression=num(0))
        zero = exp.EQ(this=paren(den.copy()), expression=num(0))

        def signed(e: exp.Expression) -> exp.Expression:
            return exp.Case(
                ifs=[exp.If(this=zero.copy(), true=exp.Null()), exp.If(this=neg.copy(), true=exp.Neg(this=paren(e.copy())))],
                default=e,
            )

        return _N(signed(top), 1, signed(den))

    def minmax(self, name: str, items: list[_N]) -> _N:
        if all(n.const is not None for n in items):
            vals = [n.const for n in items]
            return self.const(min(vals) if name == "min" else max(vals))  # type: ignore[type-var]
        items, scale = self.common(items)
        best = items[0]
        for n in items[1:]:
            best = self.pick(name, best, n, scale)
        return best

    def pick(self, name: str, a: _N, b: _N, scale: int) -> _N:
        """min or max of two values by cross-multiplying (no value when either has none)."""
        one = num(1)
        da, db = a.den if a.den is not None else one, b.den if b.den is not None else one
        x, y = _mul(a.expr, db), _mul(b.expr, da)
        take_a = (exp.LTE if name == "min" else exp.GTE)(this=paren(x), expression=paren(y))
        missing = or_any([exp.Is(this=paren(x.copy()), expression=exp.Null()), exp.Is(this=paren(y.copy()), expression=exp.Null())])

        def choose(u: exp.Expression, v: exp.Expression) -> exp.Expression:
            return exp.Case(ifs=[exp.If(this=missing.copy(), true=exp.Null()), exp.If(this=take_a.copy(), true=u)], default=v)

        den = None if a.den is None and b.den is None else choose(da.copy(), db.copy())
        return _N(choose(a.expr.copy(), b.expr.copy()), scale, den)

    def clamp(self, x: _N, lo: Fraction, hi: Fraction) -> _N:
        if x.const is not None:
            return self.const(min(max(x.const, lo), hi))
        if lo > hi:
            return self.const(hi)
        return self.minmax("min", [self.minmax("max", [x, self.const(lo)]), self.const(hi)])

    def compare(self, op: str, a: _N, b: _N) -> exp.Expression:
        ops = {">=": exp.GTE, ">": exp.GT, "<=": exp.LTE, "<": exp.LT, "==": exp.EQ, "!=": exp.NEQ}
        if b.const is not None and a.den is None:
            t = b.const * a.scale  # x / s op c  ==  x op c * s
            whole = {">=": math.ceil, ">": math.floor, "<=": math.floor, "<": math.ceil}.get(op)
            if whole is None and t.denominator != 1:  # a whole x never equals it
                return exp.Case(
                    ifs=[exp.If(this=exp.Is(this=paren(a.expr), expression=exp.Null()), true=exp.Null())],
                    default=exp.Boolean(this=op == "!="),
                )
            return ops[op](this=paren(a.expr), expression=self.lit(whole(t) if whole else int(t)))
        if a.const is not None and b.den is None:
            flip = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}
            return self.compare(flip[op], b, a)
        diff = self.add(a, b, sub=True)
        return ops[op](this=paren(diff.expr), expression=num(0))


def _mul(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.Mul(this=paren(a), expression=paren(b))


# ------------------------------------------------------------------ row and group conditions


class _Cond:
    """Row conditions of a table (and `having`, over a group's aggregate columns `aggs`)."""

    def __init__(
        self, table: ir.RelatedTable, scales: Mapping[str, int], ar: _Arith, aggs: Mapping[int, tuple[exp.Expression, int]] | None = None
    ):
        self.table = table
        self.scales = scales
        self.ar = ar
        self.aggs = aggs or {}

    def value(self, e: ir.Expr):
        ar = self.ar
        if isinstance(e, ir.Const):
            if isinstance(e.value, Fraction) and not isinstance(e.value, bool):
                return ar.const(e.value)
            if e.type.kind is ir.Kind.ENUM and e.type.ordered:
                return ("enum", string(str(e.value)), e.type)
            if isinstance(e.value, bool):
                return exp.Boolean(this=e.value)
            if hasattr(e.value, "isoformat"):
                return cast(string(e.value.isoformat()), "DATE", ar.d)  # type: ignore[union-attr]
            return string(str(e.value))
        if isinstance(e, ir.ColumnRef):
            c = self.table.column(e.column)
            assert c is not None
            if c.type.kind in _NUMERIC:
                return _N(col(e.column), self.scales.get(e.column, 1))
            if c.type.kind is ir.Kind.ENUM and c.type.ordered:
                return ("enum", col(e.column), c.type)
            return col(e.column)
        if isinstance(e, ir.GroupAgg):
            expr, scale = self.aggs[id(e)]
            return _N(expr, scale) if scale else expr
        if isinstance(e, ir.Neg):
            return ar.mul(self.value(e.operand), Fraction(-1))
        if isinstance(e, ir.Arith):
            if e.op in ("+", "-"):
                return ar.add(self.value(e.left), self.value(e.right), sub=e.op == "-")
            if e.op == "*":
                if isinstance(e.left, ir.Const):
                    return ar.mul(self.value(e.right), const_value(e.left))
                return ar.mul(self.value(e.left), const_value(e.right))
            return ar.mul(self.value(e.left), 1 / const_value(e.right))
        if isinstance(e, ir.Func):
            if e.name in ("min", "max"):
                return ar.minmax(e.name, [self.value(a) for a in e.args])
            return ar.clamp(self.value(e.args[0]), const_value(e.args[1]), const_value(e.args[2]))
        return self.cond(e)

    def cond(self, e: ir.Expr) -> exp.Expression:
        if isinstance(e, ir.Compare):
            a, b = self.value(e.left), self.value(e.right)
            if isinstance(a, _N) and isinstance(b, _N):
                return self.ar.compare(e.op, a, b)
            ops = {">=": exp.GTE, ">": exp.GT, "<=": exp.LTE, "<": exp.LT, "==": exp.EQ, "!=": exp.NEQ}
            if isinstance(a, tuple) or isinstance(b, tuple):  # an ordered enum: by position
                t = a[2] if isinstance(a, tuple) else b[2]  # type: ignore[index]
                ax, bx = (x[1] if isinstance(x, tuple) else x for x in (a, b))
                if e.op not in ("==", "!="):
                    ax, bx = _position(ax, t.values), _position(bx, t.values)
                return ops[e.op](this=paren(ax), expression=paren(bx))
            return ops[e.op](this=paren(a), expression=paren(b))
        if isinstance(e, ir.And):
            return and_all([self.cond(x) for x in e.items])
        if isinstance(e, ir.Or):
            return or_any([self.cond(x) for x in e.items])
        if isinstance(e, ir.Not):
            return exp.Not(this=paren(self.cond(e.operand)))
        if isinstance(e, ir.AtLeast):
            kids = [self.cond(x) for x in e.items]

            def total(if_null: int) -> exp.Expression:
                parts = [
                    exp.Case(
                        ifs=[
                            exp.If(this=k.copy(), true=num(1)),
                            exp.If(this=exp.Is(this=paren(k.copy()), expression=exp.Null()), true=num(if_null)),
                        ],
                        default=num(0),
                    )
                    for k in kids
                ]
                out = parts[0]
                for p in parts[1:]:
                    out = exp.Add(this=out, expression=p)
                return paren(out)

            return exp.Case(
                ifs=[
                    exp.If(this=exp.GTE(this=total(0), expression=num(e.n)), true=exp.Boolean(this=True)),
                    exp.If(this=exp.GTE(this=total(1), expression=num(e.n)), true=exp.Null()),
                ],
                default=exp.Boolean(this=False),
            )
        if isinstance(e, ir.InSet):
            v = self.value(e.operand)
            v = v[1] if isinstance(v, tuple) else v
            inside = exp.In(this=paren(v), expressions=[string(str(x)) for x in e.values])
            return exp.Not(this=paren(inside)) if e.negated else inside
        if isinstance(e, ir.IsEmpty):
            v = self.value(e.operand)
            v = v[1] if isinstance(v, tuple) else v
            is_null = exp.Is(this=paren(v), expression=exp.Null())
            return exp.Not(this=is_null) if e.negated else is_null
        if isinstance(e, ir.InWindow):
            v = self.value(e.operand)
            d = self.ar.d
            return and_all(
                [
                    exp.GTE(this=v, expression=cast(string(e.window.start.isoformat()), "DATE", d)),
                    exp.LT(this=v.copy(), expression=cast(string(e.window.end.isoformat()), "DATE", d)),
                ]
            )
        if isinstance(e, ir.FilterRef):
            f = self.table.filter(e.name)
            assert f is not None
            return self.cond(f.expr)
        if isinstance(e, ir.ColumnRef):
            return col(e.column)
        if isinstance(e, ir.Const):
            return exp.Boolean(this=bool(e.value))
        raise NotCompiled(f"a row condition of table '{self.table.name}' ({type(e).__name__})")


def _position(e: exp.Expression, values: tuple[str, ...]) -> exp.Expression:
    return exp.Case(ifs=[exp.If(this=exp.EQ(this=paren(e.copy()), expression=string(v)), true=num(i)) for i, v in enumerate(values)])


# ------------------------------------------------------------------ aggregates


def _agg(
    function: str, column: str | None, table: ir.RelatedTable, scales: Mapping[str, int], ar: _Arith, where: exp.Expression | None = None
):
    """An SQL aggregate and the scale of its result (0: a date)."""
    if function == "count":
        if where is None:
            return exp.Count(this=exp.Star()), 1
        return exp.Coalesce(this=exp.Sum(this=exp.Case(ifs=[exp.If(this=where, true=num(1))], default=num(0))), expressions=[num(0)]), 1
    value: exp.Expression = col(column)  # type: ignore[arg-type]
    if where is not None:
        value = exp.Case(ifs=[exp.If(this=where, true=value)])
    if function == "count_distinct":
        return exp.Count(this=exp.Distinct(expressions=[value])), 1
    c = table.column(column)  # type: ignore[arg-type]
    assert c is not None
    fn = {"sum": exp.Sum, "min": exp.Min, "max": exp.Max}[function]
    if c.type.kind is ir.Kind.DATE:
        return fn(this=value), 0
    if function == "sum":  # an empty or all-empty group sums to 0, as in polars
        return exp.Coalesce(this=ar.typed(exp.Sum(this=value)), expressions=[ar.lit(0)]), scales.get(column, 1)  # type: ignore[arg-type]
    return ar.typed(fn(this=value)), scales.get(column, 1)  # type: ignore[arg-type]


def _aggregate_ctes(name: str, a: ir.Aggregate, table: ir.RelatedTable, source: str, scales: Mapping[str, int], ar: _Arith):
    """CTEs giving partner_id and `value` (the aggregate of each partner that has rows), and
    the value's scale (0 for dates)."""
    rows = exp.select(exp.Star()).from_(exp.to_table(source, quoted=True))
    if a.where is not None:
        rows = rows.where(_Cond(table, scales, ar).cond(a.where))
    if not a.per:
        expr, scale = _agg(a.function, a.column, table, scales, ar)
        q = exp.select(col(PID), exp.alias_(expr, "value", quoted=True)).from_(rows.subquery("r")).group_by(col(PID))
        return [(name, q)], scale
    keys = [PID, *a.per]
    having: dict[int, tuple[exp.Expression, int]] = {}
    named: list[exp.Expression] = []
    if a.having is not None:
        for n in ir.walk(a.having):
            if isinstance(n, ir.GroupAgg) and id(n) not in having:
                where = _Cond(table, scales, ar).cond(n.where) if n.where is not None else None
                expr, scale = _agg(n.function, n.column, table, scales, ar, where)
                alias = f"h{len(having)}"
                named.append(exp.alias_(expr, alias, quoted=True))
                having[id(n)] = (col(alias), scale)
    scale = 1
    if a.inner is not None:
        expr, scale = _agg(a.inner.function, a.inner.column, table, scales, ar)
        named.append(exp.alias_(expr, "inner", quoted=True))
    elif a.function in ("sum", "min", "max"):
        expr, scale = _agg(a.function, a.column, table, scales, ar)
        named.append(exp.alias_(expr, "inner", quoted=True))
    groups = exp.select(*[col(k) for k in keys], *named).from_(rows.subquery("r")).group_by(*[col(k) for k in keys])
    kept = exp.select(exp.Star()).from_(groups.subquery("g", copy=False))
    if a.having is not None:
        kept = kept.where(_Cond(table, scales, ar, having).cond(a.having))
    gname = f"groups_{name[4:]}"
    out: list[tuple[str, exp.Select]] = [(gname, kept)]
    g = exp.to_table(gname, quoted=True)
    if a.function == "count":
        q = exp.select(col(PID), exp.alias_(exp.Count(this=exp.Star()), "value", quoted=True)).from_(g).group_by(col(PID))
    elif a.function == "count_distinct" and a.column in a.per:
        q = exp.select(col(PID), exp.alias_(exp.Count(this=exp.Distinct(expressions=[col(a.column)])), "value", quoted=True))
        q = q.from_(g).group_by(col(PID))
    elif a.function == "count_distinct":
        on = and_all([exp.NullSafeEQ(this=exp.column(k, "r", quoted=True), expression=exp.column(k, "k", quoted=True)) for k in keys])
        joined = rows.subquery("r")
        q = (
            exp.select(exp.column(PID, "r", quoted=True).as_(PID, quoted=True))
            .select(exp.alias_(exp.Count(this=exp.Distinct(expressions=[exp.column(a.column, "r", quoted=True)])), "value", quoted=True))  # type: ignore[arg-type]
            .from_(joined)
            .join(exp.select(*[col(k) for k in keys]).from_(g).subquery("k", copy=False), on=on, join_type="INNER")
            .group_by(exp.column(PID, "r", quoted=True))
        )
    else:
        fn = {"sum": exp.Sum, "min": exp.Min, "max": exp.Max}[a.function]
        value = fn(this=col("inner"))
        if scale:
            value = ar.typed(value)
        q = exp.select(col(PID), exp.alias_(value, "value", quoted=True)).from_(g).group_by(col(PID))
    out.append((name, q))
    return out, scale


# ------------------------------------------------------------------ people rules


def _assignment_ctes(name: str, pname: str, a: ir.Assignment, table: ir.RelatedTable, source: str, scales: Mapping[str, int], ar: _Arith):
    """CTEs giving partner_id and `value` (whether the people can be assigned to the needs)
    for each partner with eligible people (see the module docstring): `pname`, the people
    and the needs each can fill, and `name`, the rule's value read from it."""
    cond = _Cond(table, scales, ar)
    rows = exp.select(exp.Star()).from_(exp.to_table(source, quoted=True))
    person = exp.Not(this=exp.Is(this=col(a.column), expression=exp.Null()))
    rows = rows.where(and_all([cond.cond(a.where), person]) if a.where is not None else person)
    flags = []
    for i, n in enumerate(a.needs):
        # a row whose condition is unknown (an empty value) fills nothing, as in polars
        can = exp.Case(ifs=[exp.If(this=cond.cond(n.where), true=num(1))], default=num(0)) if n.where is not None else num(1)
        flags.append(exp.alias_(exp.Max(this=can), f"n{i}", quoted=True))
    people = exp.select(col(PID), col(a.column), *flags).from_(rows.subquery("r")).group_by(col(PID), col(a.column))
    checks: list[exp.Expression] = []
    for chosen, places in need_sets([n.count for n in a.needs]) or ():  # `refusal` said no to None
        fills: exp.Expression = col(f"n{chosen[0]}")
        for i in chosen[1:]:
            fills = exp.Add(this=fills, expression=col(f"n{i}"))
        if a.capacity < len(chosen):
            fills = exp.Least(this=num(a.capacity), expressions=[fills])
        checks.append(exp.GTE(this=exp.Sum(this=fills), expression=num(places)))
    value = and_all(checks) if checks else exp.Boolean(this=True)
    q = exp.select(col(PID), exp.alias_(value, "value", quoted=True)).from_(exp.to_table(pname, quoted=True)).group_by(col(PID))
    return [
        (pname, people, f"the people of {a.table} and the needs each can fill"),
        (name, q, f"people rule: every set of needs can be staffed ({len(checks)} sets)"),
    ]


# ------------------------------------------------------------------ the stage


def records_ctes(
    program: ir.Program,
    d: Dialect,
    itype: str,
    base: str,
    sources: Mapping[str, tuple[str, Mapping[str, int]]],
    check_ranges: bool = True,
) -> RecordsSql:
    """The records stage as CTEs: `base` names the CTE of the partners (partner_id and the
    partner's own columns), `sources[table]` the CTE of each related table's rows (partner_id
    and the table's columns, numbers as integers at the given column scales) or None for a
    table that is absent (read as empty). With `check_ranges`, a records metric outside its
    declared range stops the query (`range_error` reads the message back); without, the
    caller checks the values it reads back. Raises `NotCompiled` for people rules."""
    why = refusal(program)
    if why is not None:
        raise NotCompiled(why)
    ar = _Arith(d, itype)
    ctes: list[tuple[str, exp.Select, str | None]] = []
    cache: dict[ir.Aggregate, tuple[str, int]] = {}
    spans: dict[ir.Aggregate, ir.Metric] = {}
    assigned: dict[ir.Assignment, str] = {}  # each people rule's CTE (absent table: not built)
    for m in _order(program):
        if isinstance(m.records, ir.Assignment):
            if not d.booleans:
                raise NotCompiled(f"metric '{m.name}' (people rules) is yes or no; {d.name} has no Boolean values")
            if m.records not in assigned:
                a = m.records
                key = f"{len(assigned) + 1}_{m.name}"
                assigned[a] = f"assign_{key}"
                src = sources.get(a.table)
                if src is not None:
                    built = _assignment_ctes(assigned[a], f"people_{key}", a, program.related_table_map[a.table], src[0], src[1], ar)
                    for cname, q, note in built:
                        ctes.append((cname, q, note + (f" ({_where(m)})" if _where(m) else "")))
            continue
        for n in _nodes(m.records):
            if isinstance(n, ir.Aggregate) and n not in cache:
                name = f"agg_{len(cache) + 1}_{m.name}"
                table = program.related_table_map[n.table]
                src = sources.get(n.table)
                if src is None:
                    cache[n] = (name, _agg_scale(n, table))
                    continue
                built, scale = _aggregate_ctes(name, n, table, src[0], src[1], ar)
                for i, (cname, q) in enumerate(built):
                    note = f"{n.function} over {n.table} for {m.name}" + (f" ({_where(m)})" if _where(m) and i == len(built) - 1 else "")
                    ctes.append((cname, q, note))
                cache[n] = (name, scale)
                spans[n] = m
    # the partners with each aggregate joined (counts and sums 0 without rows)
    select: list[exp.Expression] = [exp.Column(this=exp.Star(), table=exp.to_identifier("p", quoted=True))]
    q = exp.select().from_(exp.to_table(base, quoted=True).as_("p", quoted=True))
    for i, (a, (name, scale)) in enumerate(cache.items()):
        alias = f"a{i + 1}"
        value: exp.Expression = exp.column("value", alias, quoted=True)
        if name not in {c[0] for c in ctes}:  # an absent table: no rows
            value = exp.Null()
        else:
            q = q.join(
                exp.to_table(name, quoted=True).as_(alias, quoted=True),
                on=exp.EQ(this=exp.column(PID, "p", quoted=True), expression=exp.column(PID, alias, quoted=True)),
                join_type="LEFT",
            )
        if a.function in ("count", "count_distinct", "sum"):
            value = exp.Coalesce(this=value, expressions=[num(0)])
        if scale:
            value = ar.typed(value)
        elif a.function in ("min", "max"):
            value = cast(value, "DATE", d)
        select.append(exp.alias_(value, name, quoted=True))
    built = {c[0] for c in ctes}
    for i, (a, name) in enumerate(assigned.items()):
        # a partner without (eligible) people: only needs of no one are met
        empty = exp.Boolean(this=all(n.count == 0 for n in a.needs))
        if name in built:
            alias = f"s{i + 1}"
            q = q.join(
                exp.to_table(name, quoted=True).as_(alias, quoted=True),
                on=exp.EQ(this=exp.column(PID, "p", quoted=True), expression=exp.column(PID, alias, quoted=True)),
                join_type="LEFT",
            )
            value = exp.Coalesce(this=exp.column("value", alias, quoted=True), expressions=[empty])
        else:
            value = empty
        select.append(exp.alias_(value, name, quoted=True))
    q = q.select(*select)
    ctes.append(("records_aggregates", q, "each partner's aggregates of its related rows"))
    prev = "records_aggregates"
    # the formulas, level by level (a level reads only the levels before it)
    values: dict[str, object] = {}
    out = RecordsSql(ctes, prev)
    level_of: dict[str, int] = {}
    pending = _order(program)
    level = 0
    while pending:
        level += 1
        now = [m for m in pending if all(level_of.get(r, level) < level for r in _reads(m))]
        pending = [m for m in pending if m not in now]
        cols: list[exp.Expression] = []
        for m in now:
            v = col(assigned[m.records]) if isinstance(m.records, ir.Assignment) else _formula(m.records, cache, values, ar)  # type: ignore[arg-type]
            cols.extend(_output(m, v, out, ar))
            level_of[m.name] = level
        name = f"records_{level}"
        ctes.append(
            (
                name,
                exp.select(exp.Star(), *cols).from_(exp.to_table(prev, quoted=True)),
                "records metrics: " + ", ".join(m.name for m in now),
            )
        )
        prev = name
        for m in now:
            if m.name in out.scales:
                values[m.name] = _N(col(m.name), out.scales[m.name], col(den_column(m.name)) if m.name in out.ratios else None)
            else:
                values[m.name] = col(m.name)
    out.last = prev
    if check_ranges:
        where = _range_check(program, out, ar)
        if where is not None:
            checked = exp.select(exp.Star()).from_(exp.to_table(prev, quoted=True)).where(where)
            ctes.append(("records_checked", checked, "each records metric within its declared range"))
            out.last = "records_checked"
    return out


def _range_check(program: ir.Program, rec: RecordsSql, ar: _Arith) -> exp.Expression | None:
    """A condition true on every row whose records metrics lie within their declared ranges,
    failing with the message every engine gives (`records.range_message`) otherwise. It is a
    WHERE condition, which no planner prunes (an unread column would be)."""
    from tierlang.numbers import exact_text
    from tierlang.records import range_message

    d = ar.d
    checks: list[exp.If] = []
    for m in program.record_metrics:
        if m.name not in rec.scales or (m.minimum is None and m.maximum is None):
            continue
        scale = rec.scales[m.name]
        den = col(den_column(m.name)) if m.name in rec.ratios else None
        value = col(m.name)
        if den is None and 10 ** (len(str(scale)) - 1) == scale:
            text = decimal_text(value, d, scale)
        else:  # a fraction; tierlang reduces it when it reads the message back
            bottom = ar.lit(scale) if den is None else exp.Mul(this=ar.lit(scale), expression=den.copy())
            text = _concat(cast(value.copy(), d.text, d), string("/"), cast(bottom, d.text, d))
        for bound, below in ((m.minimum, True), (m.maximum, False)):
            if bound is None:
                continue
            # value / (scale * den) against p / q, den > 0: value * q against p * scale * den
            lhs: exp.Expression = value.copy() if bound.denominator == 1 else _mul(value.copy(), ar.lit(bound.denominator))
            rhs = ar.lit(bound.numerator * scale)
            if den is not None:
                rhs = _mul(den.copy(), rhs)
            bad = (exp.LT if below else exp.GT)(this=paren(lhs), expression=paren(rhs))
            head, tail = range_message(m.name, "\0", "\1", below, exact_text(bound)).split("\0")
            middle, tail = tail.split("\1")
            message = _concat(string("tier: " + head), text.copy(), string(middle), cast(col(PID), d.text, d), string(tail))
            checks.append(exp.If(this=bad, true=raise_error(message, d)))
    if not checks:
        return None
    return exp.EQ(this=exp.Case(ifs=checks, default=num(1)), expression=num(1))


def _concat(*parts: exp.Expression) -> exp.Expression:
    out = parts[0]
    for p in parts[1:]:
        out = exp.DPipe(this=out, expression=p, safe=True)
    return out


#: A records metric outside its range, as the query words it (see `_range_check`).
_RANGE_ERROR = re.compile(
    r"tier: metric '(.+?)' is (-?[0-9]+(?:[./][0-9]+)?) for partner '(.*?)', (below its minimum|above its maximum) (\S+?):"
)


def range_error(text: str):
    """The query's records range error in a database's error text, as the
    `RecordsRangeError` tierlang's own engines raise (None: not such an error)."""
    from tierlang.records import RecordsRangeError, range_message

    found = _RANGE_ERROR.search(text)
    if found is None:
        return None
    metric, value, partner, side, bound = found.groups()
    return RecordsRangeError(range_message(metric, Fraction(value), partner, side.startswith("below"), Fraction(bound)))


def _where(m: ir.Metric) -> str:
    return f"{m.span.file.rsplit('/', 1)[-1]}:{m.span.line}" if m.span else ""


def _agg_scale(a: ir.Aggregate, table: ir.RelatedTable) -> int:
    """The scale of an absent table's aggregate (no value, or 0): 0 for a date's min or max."""
    column = a.inner.column if a.inner is not None else a.column
    c = table.column(column) if column else None
    return 0 if c is not None and c.type.kind is ir.Kind.DATE and a.function in ("min", "max") else 1


def _nodes(e: ir.Expr):
    from tierlang.passes.records import formula_nodes

    return formula_nodes(e)


def _reads(m: ir.Metric) -> set[str]:
    return {n.name for n in _nodes(m.records) if isinstance(n, ir.MetricRef)}  # type: ignore[arg-type]


def _order(program: ir.Program) -> list[ir.Metric]:
    from tierlang.records.frames import _order as order

    return order(program)


def _formula(e: ir.Expr, cache: Mapping[ir.Aggregate, tuple[str, int]], values: Mapping[str, object], ar: _Arith):
    if isinstance(e, ir.Aggregate):
        name, scale = cache[e]
        return _N(col(name), scale) if scale else col(name)
    if isinstance(e, ir.MetricRef):
        return values[e.name]
    if isinstance(e, ir.Const):
        return ar.const(e.value)  # type: ignore[arg-type]
    if isinstance(e, ir.Neg):
        return ar.mul(_formula(e.operand, cache, values, ar), Fraction(-1))  # type: ignore[arg-type]
    if isinstance(e, ir.Arith):
        a, b = _formula(e.left, cache, values, ar), _formula(e.right, cache, values, ar)
        if e.op in ("+", "-"):
            return ar.add(a, b, sub=e.op == "-")  # type: ignore[arg-type]
        if e.op == "*":
            if b.const is not None:  # type: ignore[union-attr]
                return ar.mul(a, b.const)  # type: ignore[arg-type, union-attr]
            return ar.mul(b, a.const)  # type: ignore[arg-type, union-attr]
        return ar.div(a, b)  # type: ignore[arg-type]
    if isinstance(e, ir.Func):
        args = [_formula(x, cache, values, ar) for x in e.args]
        if e.name in ("min", "max"):
            return ar.minmax(e.name, args)  # type: ignore[arg-type]
        return ar.clamp(args[0], const_value(e.args[1]), const_value(e.args[2]))  # type: ignore[arg-type]
    raise NotCompiled(f"a records formula ({type(e).__name__})")


def _output(m: ir.Metric, v, out: RecordsSql, ar: _Arith) -> list[exp.Expression]:
    """The metric's column(s): an integer at its scale, or a ratio's numerator and
    denominator; where the formula has no value, the default (or no value)."""
    if not isinstance(v, _N):
        value = v if m.default is None else exp.Coalesce(this=v, expressions=[_other(m.default, ar)])
        return [exp.alias_(value, m.name, quoted=True)]
    default = Fraction(m.default) if isinstance(m.default, Fraction) else None  # type: ignore[arg-type]
    if v.den is None:
        scale = v.scale
        expr = ar.typed(v.expr)
        if default is not None:
            scale = math.lcm(scale, default.denominator)
            if scale != v.scale:
                expr = exp.Mul(this=paren(expr), expression=num(scale // v.scale))
            expr = exp.Coalesce(this=expr, expressions=[ar.lit(int(default * scale))])
        out.scales[m.name] = scale
        return [exp.alias_(expr, m.name, quoted=True)]
    out.ratios.add(m.name)
    out.scales[m.name] = v.scale
    top, den = ar.typed(v.expr), ar.typed(v.den)
    if default is not None:
        missing = or_any([exp.Is(this=paren(top.copy()), expression=exp.Null()), exp.Is(this=paren(den.copy()), expression=exp.Null())])
        top = exp.Case(ifs=[exp.If(this=missing, true=ar.lit(default.numerator * v.scale))], default=top)
        den = exp.Case(ifs=[exp.If(this=missing.copy(), true=ar.lit(default.denominator))], default=den)
    return [exp.alias_(top, m.name, quoted=True), exp.alias_(den, den_column(m.name), quoted=True)]


def _other(value: object, ar: _Arith) -> exp.Expression:
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if hasattr(value, "isoformat"):
        return cast(string(value.isoformat()), "DATE", ar.d)  # type: ignore[attr-defined]
    return string(str(value))
