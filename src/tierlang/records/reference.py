"""The reference records stage: one partner's rows in, its records metrics out, exact
(`fractions.Fraction`) and traced. It follows the IR's meaning as literally as possible; the
polars stage (`tierlang.records.frames`) is tested against it, and `tier explain` reads its
traces to say which people and tenants counted and which missed.

Rows are dicts from column names to exact values (`Fraction` for numbers, `date`, `bool`,
`str`; None for an empty optional column). Conditions use three-valued logic, as SQL and
polars do: a comparison with an empty value is unknown, `and`/`or`/`not` propagate unknown,
and a row (or group) is kept only when its condition is true.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from tierlang import ir
from tierlang.passes.lower import const_value

__all__ = [
    "Row",
    "GroupTrace",
    "AggregateTrace",
    "AssignmentTrace",
    "MetricTrace",
    "PartnerRecords",
    "evaluate_partner",
    "row_condition",
    "group_value",
    "assignment",
    "NoValue",
]

Row = Mapping[str, object]


class NoValue(Exception):
    """A records formula has no value for this partner (a division by 0, the min of no
    rows): the metric's default applies."""


@dataclass
class GroupTrace:
    """One group of an aggregate with `per`: its key, the aggregates `having` read (in the
    order `having` names them) and whether it was kept."""

    key: dict[str, object]
    values: list[tuple[ir.GroupAgg, object]]
    kept: bool
    rows: list[Row] = field(default_factory=list, repr=False)


@dataclass
class AggregateTrace:
    """How one aggregate came out for a partner: the rows its `where` kept, its groups
    (with `per`), and the value."""

    aggregate: ir.Aggregate
    value: object
    rows: list[Row] = field(repr=False, default_factory=list)
    groups: list[GroupTrace] = field(default_factory=list)


@dataclass
class AssignmentTrace:
    """How an assignment of people came out: the people each need could take (`eligible`),
    and the solution (`tierlang.records.assign.Solution`)."""

    assignment: ir.Assignment
    eligible: dict[str, list[object]]
    solution: object


@dataclass
class MetricTrace:
    metric: ir.Metric
    value: object  # None: no value, and no default
    defaulted: bool = False  # the formula had no value; the default was used
    aggregates: list[AggregateTrace] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)  # other records metrics it reads
    assignment: AssignmentTrace | None = None


@dataclass
class PartnerRecords:
    """One partner's records metrics and how each came out."""

    values: dict[str, object]
    traces: dict[str, MetricTrace]


def evaluate_partner(program: ir.Program, rows: Mapping[str, list[Row]], names: Iterable[str] | None = None) -> PartnerRecords:
    """The records metrics of one partner (all of them, or `names` and what they read), from
    its rows per table (a table without rows may be missing from `rows`)."""
    run = _Run(program, rows)
    for name in names if names is not None else [m.name for m in program.record_metrics]:
        run.metric(name)
    return PartnerRecords({n: t.value for n, t in run.traces.items()}, run.traces)


# ------------------------------------------------------------------ conditions (three-valued)


def row_condition(table: ir.RelatedTable, e: ir.Expr, row: Row) -> bool | None:
    """A row condition's value on `row`: True, False or None (unknown)."""
    return _RowEval(table).cond(e, row)


class _RowEval:
    def __init__(self, table: ir.RelatedTable) -> None:
        self.table = table

    def value(self, e: ir.Expr, row: Row) -> object:
        if isinstance(e, ir.ColumnRef):
            return row.get(e.column)
        if isinstance(e, ir.Const):
            return e.value
        if isinstance(e, ir.Neg):
            v = self.value(e.operand, row)
            return None if v is None else -v  # type: ignore[operator]
        if isinstance(e, ir.Arith):
            a, b = self.value(e.left, row), self.value(e.right, row)
            if a is None or b is None:
                return None
            if e.op == "+":
                return a + b  # type: ignore[operator]
            if e.op == "-":
                return a - b  # type: ignore[operator]
            if e.op == "*":
                return a * b  # type: ignore[operator]
            return a / b  # type: ignore[operator]  # by a non-zero constant (lowering)
        if isinstance(e, ir.Func):
            vals = [self.value(a, row) for a in e.args]
            if any(v is None for v in vals):
                return None
            if e.name == "min":
                return min(vals)  # type: ignore[type-var]
            if e.name == "max":
                return max(vals)  # type: ignore[type-var]
            return min(max(vals[0], vals[1]), vals[2])  # type: ignore[type-var]
        return self.cond(e, row)

    def cond(self, e: ir.Expr, row: Row) -> bool | None:
        if isinstance(e, ir.Compare):
            a, b = self.value(e.left, row), self.value(e.right, row)
            if a is None or b is None:
                return None
            t = _enum_type(e, self.table)
            if t is not None and e.op not in ("==", "!="):
                a, b = t.values.index(a), t.values.index(b)  # type: ignore[arg-type]
            return bool(ir.COMPARISONS[e.op](a, b))
        if isinstance(e, ir.And):
            out: bool | None = True
            for x in e.items:
                v = self.cond(x, row)
                if v is False:
                    return False
                if v is None:
                    out = None
            return out
        if isinstance(e, ir.Or):
            out = False
            for x in e.items:
                v = self.cond(x, row)
                if v is True:
                    return True
                if v is None:
                    out = None
            return out
        if isinstance(e, ir.Not):
            v = self.cond(e.operand, row)
            return None if v is None else not v
        if isinstance(e, ir.InSet):
            v = self.value(e.operand, row)
            if v is None:
                return None
            return (v in e.values) != e.negated
        if isinstance(e, ir.IsEmpty):
            return (self.value(e.operand, row) is None) != e.negated
        if isinstance(e, ir.InWindow):
            v = self.value(e.operand, row)
            if v is None:
                return None
            return e.window.start <= v < e.window.end  # type: ignore[operator]
        if isinstance(e, ir.FilterRef):
            f = self.table.filter(e.name)
            assert f is not None
            return self.cond(f.expr, row)
        if isinstance(e, ir.ColumnRef):
            v = self.value(e, row)
            return None if v is None else bool(v)
        if isinstance(e, ir.Const):
            return bool(e.value)
        if isinstance(e, ir.AtLeast):
            vals = [self.cond(x, row) for x in e.items]
            true, unknown = vals.count(True), vals.count(None)
            if true >= e.n:
                return True
            return None if true + unknown >= e.n else False
        raise TypeError(f"not a row condition: {type(e).__name__}")


def _enum_type(e: ir.Compare, table: ir.RelatedTable) -> ir.Type | None:
    for side in (e.left, e.right):
        if isinstance(side, ir.ColumnRef):
            c = table.column(side.column)
            if c is not None and c.type.kind is ir.Kind.ENUM and c.type.ordered:
                return c.type
        if isinstance(side, ir.Const) and side.type.kind is ir.Kind.ENUM and side.type.ordered:
            return side.type
    return None


# ------------------------------------------------------------------ aggregates


def _aggregate(function: str, column: str | None, rows: list[Row]) -> object:
    """count, count distinct, sum, min, max over rows (empty values skipped; the sum of no
    values is 0, the min or max of none has no value: None)."""
    if function == "count":
        return Fraction(len(rows))
    vals = [r.get(column) for r in rows]  # type: ignore[arg-type]
    vals = [v for v in vals if v is not None]
    if function == "count_distinct":
        return Fraction(len(set(vals)))
    if function == "sum":
        return sum(vals, Fraction(0))
    if not vals:
        return None
    return min(vals) if function == "min" else max(vals)  # type: ignore[type-var]


def _over_values(function: str, values: list[object]) -> object:
    vals = [v for v in values if v is not None]
    if function == "sum":
        return sum(vals, Fraction(0))  # type: ignore[arg-type]
    if not vals:
        return None
    return min(vals) if function == "min" else max(vals)  # type: ignore[type-var]


class _GroupEval(_RowEval):
    """`having` over one group: aggregates of its rows, and its key columns."""

    def __init__(self, table: ir.RelatedTable, rows: list[Row], key: Mapping[str, object], seen: list[tuple[ir.GroupAgg, object]]) -> None:
        super().__init__(table)
        self.rows = rows
        self.key = key
        self.seen = seen

    def value(self, e: ir.Expr, row: Row) -> object:
        if isinstance(e, ir.GroupAgg):
            rows = self.rows if e.where is None else [r for r in self.rows if _RowEval(self.table).cond(e.where, r) is True]
            v = _aggregate(e.function, e.column, rows)
            self.seen.append((e, v))
            return v
        if isinstance(e, ir.ColumnRef):
            return self.key.get(e.column)
        return super().value(e, row)


def assignment(program: ir.Program, a: ir.Assignment, rows: list[Row]) -> AssignmentTrace:
    """Whether the partner's people can be assigned to the needs (see `ir.Assignment`)."""
    from tierlang.records.assign import solve

    table = program.related_table_map[a.table]
    ev = _RowEval(table)
    kept = [r for r in rows if (a.where is None or ev.cond(a.where, r) is True) and r.get(a.column) is not None]
    can_fill: dict[object, set[str]] = {}
    for r in kept:
        for need in a.needs:
            if need.where is None or ev.cond(need.where, r) is True:
                can_fill.setdefault(r[a.column], set()).add(need.name)
    eligible = {need.name: sorted((p for p, names in can_fill.items() if need.name in names), key=str) for need in a.needs}
    return AssignmentTrace(a, eligible, solve([(n.name, n.count) for n in a.needs], can_fill, a.capacity))


def group_value(table: ir.RelatedTable, group: GroupTrace, e: ir.Expr) -> object:
    """A side of a `having` condition (constants, the group's aggregates and arithmetic over
    them) for one group, exactly as `aggregate` decided the group (None: no value, e.g. the
    least of no values)."""
    return _GroupEval(table, group.rows, group.key, []).value(e, {})


def aggregate(program: ir.Program, a: ir.Aggregate, rows: list[Row]) -> AggregateTrace:
    """One aggregate over one partner's rows of its table."""
    table = program.related_table_map[a.table]
    ev = _RowEval(table)
    kept = rows if a.where is None else [r for r in rows if ev.cond(a.where, r) is True]
    if not a.per:
        return AggregateTrace(a, _aggregate(a.function, a.column, kept), kept)
    groups: dict[tuple, list[Row]] = {}
    for r in kept:
        groups.setdefault(tuple(r.get(c) for c in a.per), []).append(r)
    traces = []
    for key, grows in groups.items():
        seen: list[tuple[ir.GroupAgg, object]] = []
        keymap = dict(zip(a.per, key))
        ok = True if a.having is None else _GroupEval(table, grows, keymap, seen).cond(a.having, {}) is True
        traces.append(GroupTrace(keymap, seen, ok, grows))
    good = [g for g in traces if g.kept]
    if a.inner is not None:
        value = _over_values(a.function, [_aggregate(a.inner.function, a.inner.column, g.rows) for g in good])
    elif a.function == "count":
        value = Fraction(len(good))
    else:
        value = _aggregate(a.function, a.column, [r for g in good for r in g.rows])
    return AggregateTrace(a, value, kept, traces)


# ------------------------------------------------------------------ formulas


class _Run:
    def __init__(self, program: ir.Program, rows: Mapping[str, list[Row]]) -> None:
        self.p = program
        self.rows = rows
        self.traces: dict[str, MetricTrace] = {}

    def metric(self, name: str) -> object:
        if name in self.traces:
            return self.traces[name].value
        m = self.p.metric_map[name]
        trace = MetricTrace(m, None)
        assert m.records is not None, f"'{name}' is not a records metric"
        try:
            value = self.num(m.records, trace)
        except NoValue:
            value, trace.defaulted = m.default, True
        trace.value = value
        self.traces[name] = trace
        return value

    def num(self, e: ir.Expr, trace: MetricTrace) -> object:
        if isinstance(e, ir.Assignment):
            trace.assignment = assignment(self.p, e, self.rows.get(e.table, []))
            return trace.assignment.solution.feasible  # type: ignore[attr-defined]
        if isinstance(e, ir.Aggregate):
            t = aggregate(self.p, e, self.rows.get(e.table, []))
            trace.aggregates.append(t)
            if t.value is None:
                raise NoValue
            return t.value
        if isinstance(e, ir.MetricRef):
            trace.uses.append(e.name)
            v = self.metric(e.name)
            if v is None:
                raise NoValue
            return v
        if isinstance(e, ir.Const):
            return e.value
        if isinstance(e, ir.Neg):
            return -self.num(e.operand, trace)  # type: ignore[operator]
        if isinstance(e, ir.Arith):
            a, b = self.num(e.left, trace), self.num(e.right, trace)
            if e.op == "+":
                return a + b  # type: ignore[operator]
            if e.op == "-":
                return a - b  # type: ignore[operator]
            if e.op == "*":
                return a * b  # type: ignore[operator]
            if b == 0:
                raise NoValue
            return Fraction(a) / Fraction(b)  # type: ignore[arg-type]
        if isinstance(e, ir.Func):
            vals = [self.num(x, trace) for x in e.args]
            if e.name == "min":
                return min(vals)  # type: ignore[type-var]
            if e.name == "max":
                return max(vals)  # type: ignore[type-var]
            return min(max(vals[0], const_value(e.args[1])), const_value(e.args[2]))  # type: ignore[type-var]
        raise TypeError(f"not a records formula: {type(e).__name__}")
