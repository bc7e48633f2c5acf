"""The polars records stage: every partner's records metrics at once, exact.

Each aggregate is one lazy query over its table (filter, group, keep, aggregate per
partner); the records formulas then combine the aggregates per partner. Numbers are scaled
integers as everywhere in tierlang (`value = integer / scale`, the table columns' scales
from the loader); a division by a records metric gives an exact rational per partner,
kept as a numerator column and a positive denominator column. Nothing is rounded.

The results must equal the reference stage's (`tierlang.records.reference`) on every
partner: tests/records/test_differential.py checks it on generated programs and tables.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import polars as pl

from tierlang import ir
from tierlang.data import PID
from tierlang.passes.lower import const_value

__all__ = ["Values", "compute", "DEN", "den_column"]

I128 = pl.Int128
_NUMERIC = frozenset({ir.Kind.COUNT, ir.Kind.NUMBER, ir.Kind.PERCENT, ir.Kind.MONEY})
_I64_SAFE = 2**62
DEN = "__den__:"
_BATCH = 16  # metric columns computed at once (each 128 bits wide until narrowed)
# A table given as a lazy query (a large file: `TableData.data`) is aggregated on polars'
# streaming engine, each query over it on its own: read in pieces, never held whole. Sharing
# its scan between queries (common subplan elimination) would cache all its rows in memory.
_SEPARATE = pl.QueryOptFlags(comm_subplan_elim=False)


def den_column(metric: str) -> str:
    """The denominator column of a records metric that is a ratio."""
    return DEN + metric


@dataclass
class Values:
    """The records metrics per partner: `frame` has partner_id and one column per metric
    (numbers as integers meaning `value / scales[m]`, or `value / den` with the column
    `den_column(m)` for the metrics in `ratios`; dates as dates); null where a metric has no
    value and no default."""

    frame: pl.DataFrame
    scales: dict[str, int]
    ratios: set[str]


# ------------------------------------------------------------------ exact values


@dataclass(frozen=True)
class _N:
    """An exact number `expr / scale` (expr an integer expression); with `den`, the value is
    `expr / (scale * den)`, den a positive integer expression."""

    expr: pl.Expr
    scale: int
    den: pl.Expr | None = None
    const: Fraction | None = None


def _lit(v: int) -> pl.Expr:
    return pl.lit(v, I128 if abs(v) > _I64_SAFE else pl.Int64)


def _const(v: Fraction) -> _N:
    v = Fraction(v)
    return _N(_lit(v.numerator), v.denominator, None, v)


def _rescale(n: _N, scale: int) -> _N:
    if scale == n.scale:
        return n
    f = scale // n.scale
    return _N(n.expr.cast(I128) * f, scale, n.den)


def _common(items: list[_N]) -> tuple[list[_N], int]:
    scale = 1
    for n in items:
        scale = math.lcm(scale, n.scale)
    return [_rescale(n, scale) for n in items], scale


def _add(a: _N, b: _N, sub: bool = False) -> _N:
    if a.const is not None and b.const is not None:
        return _const(a.const - b.const if sub else a.const + b.const)
    (a2, b2), scale = _common([a, b])
    x, y = a2.expr.cast(I128), b2.expr.cast(I128)
    if a2.den is not None and b2.den is not None:
        x, y, den = x * b2.den, y * a2.den, a2.den * b2.den
    elif a2.den is not None:
        y, den = y * a2.den, a2.den
    elif b2.den is not None:
        x, den = x * b2.den, b2.den
    else:
        den = None
    return _N(x - y if sub else x + y, scale, den)


def _mul(a: _N, k: Fraction) -> _N:
    if a.const is not None:
        return _const(a.const * k)
    p, q = k.numerator, k.denominator
    g = math.gcd(abs(p), a.scale * q) or 1
    p2, s2 = p // g, a.scale * q // g
    return _N(a.expr if p2 == 1 else a.expr.cast(I128) * p2, s2, a.den)


def _div(a: _N, b: _N) -> _N:
    """a / b as a ratio per partner (null where b is 0)."""
    if b.const is not None:
        return _mul(a, 1 / b.const)
    # a = x / (sa * da), b = y / (sb * db): a / b = x * sb * db / (y * sa * da)
    g = math.gcd(a.scale, b.scale)
    num = a.expr.cast(I128) * (b.scale // g)
    den = b.expr.cast(I128) * (a.scale // g)
    if b.den is not None:
        num = num * b.den
    if a.den is not None:
        den = den * a.den
    sign = pl.when(den < 0).then(-1).otherwise(1)
    ok = den != 0
    return _N(pl.when(ok).then(num * sign), 1, pl.when(ok).then(den * sign))


def _minmax(name: str, items: list[_N]) -> _N:
    if all(n.const is not None for n in items):
        vals = [n.const for n in items]
        return _const(min(vals) if name == "min" else max(vals))  # type: ignore[type-var]
    items, scale = _common(items)
    if all(n.den is None for n in items):
        fn = pl.min_horizontal if name == "min" else pl.max_horizontal
        missing = pl.any_horizontal([n.expr.is_null() for n in items])  # no value: none (as the reference)
        return _N(pl.when(missing).then(None).otherwise(fn([n.expr.cast(I128) for n in items])), scale)
    best = items[0]
    for n in items[1:]:
        best = _pick(name, best, n, scale)
    return best


def _pick(name: str, a: _N, b: _N, scale: int) -> _N:
    """min or max of two values, one of them a ratio, by cross-multiplying."""
    one = pl.lit(1, I128)
    da, db = a.den if a.den is not None else one, b.den if b.den is not None else one
    x, y = a.expr.cast(I128) * db, b.expr.cast(I128) * da
    take_a = (x <= y) if name == "min" else (x >= y)
    missing = x.is_null() | y.is_null()
    num = pl.when(missing).then(None).when(take_a).then(a.expr.cast(I128)).otherwise(b.expr.cast(I128))
    return _N(num, scale, pl.when(missing).then(None).when(take_a).then(da).otherwise(db))


def _clamp(x: _N, lo: Fraction, hi: Fraction) -> _N:
    if x.const is not None:
        return _const(min(max(x.const, lo), hi))
    if lo > hi:
        return _const(hi)
    return _minmax("min", [_minmax("max", [x, _const(lo)]), _const(hi)])


# ------------------------------------------------------------------ row and group conditions


class _Cond:
    """Compiles row conditions (and `having`, over a group's aggregate columns) to polars.
    `number(column)` gives a numeric column's (expression, scale)."""

    def __init__(
        self,
        table: ir.RelatedTable,
        scales: Mapping[str, int],
        columns: Mapping[str, tuple[pl.Expr, int]] | None = None,
        filters: Mapping[str, str] | None = None,
    ) -> None:
        self.table = table
        self.scales = scales
        self.aggs = columns or {}  # a group's aggregate columns: id(GroupAgg) -> (expr, scale)
        self.filters = filters or {}  # named filters already computed as a column: name -> column

    def value(self, e: ir.Expr):
        if isinstance(e, ir.Const):
            if isinstance(e.value, Fraction) and not isinstance(e.value, bool):
                return _const(e.value)
            if e.type.kind is ir.Kind.ENUM and e.type.ordered:
                return ("enum", pl.lit(e.value), e.type)
            return pl.lit(e.value)
        if isinstance(e, ir.ColumnRef):
            c = self.table.column(e.column)
            assert c is not None
            if c.type.kind in _NUMERIC:
                return _N(pl.col(e.column), self.scales.get(e.column, 1))
            if c.type.kind is ir.Kind.ENUM and c.type.ordered:
                return ("enum", pl.col(e.column), c.type)
            return pl.col(e.column)
        if isinstance(e, ir.GroupAgg):
            expr, scale = self.aggs[id(e)]
            return _N(expr, scale) if scale else expr
        if isinstance(e, ir.Neg):
            return _mul(self.value(e.operand), Fraction(-1))
        if isinstance(e, ir.Arith):
            if e.op in ("+", "-"):
                return _add(self.value(e.left), self.value(e.right), sub=e.op == "-")
            if e.op == "*":
                if isinstance(e.left, ir.Const):
                    return _mul(self.value(e.right), const_value(e.left))
                return _mul(self.value(e.left), const_value(e.right))
            return _mul(self.value(e.left), 1 / const_value(e.right))
        if isinstance(e, ir.Func):
            if e.name in ("min", "max"):
                return _minmax(e.name, [self.value(a) for a in e.args])
            return _clamp(self.value(e.args[0]), const_value(e.args[1]), const_value(e.args[2]))
        return self.cond(e)

    def cond(self, e: ir.Expr) -> pl.Expr:
        if isinstance(e, ir.Compare):
            a, b = self.value(e.left), self.value(e.right)
            if isinstance(a, _N) and isinstance(b, _N):
                return _compare_num(e.op, a, b)
            if isinstance(a, tuple) or isinstance(b, tuple):  # an ordered enum: by position
                t = a[2] if isinstance(a, tuple) else b[2]  # type: ignore[index]
                ax, bx = (x[1] if isinstance(x, tuple) else x for x in (a, b))
                if e.op not in ("==", "!="):
                    idx = list(range(len(t.values)))
                    ax = ax.replace_strict(list(t.values), idx, return_dtype=pl.Int16)
                    bx = bx.replace_strict(list(t.values), idx, return_dtype=pl.Int16)
                return ir.COMPARISONS[e.op](ax, bx)
            return ir.COMPARISONS[e.op](a, b)
        if isinstance(e, ir.And):
            return pl.all_horizontal([self.cond(x) for x in e.items])
        if isinstance(e, ir.Or):
            return pl.any_horizontal([self.cond(x) for x in e.items])
        if isinstance(e, ir.Not):
            return ~self.cond(e.operand)
        if isinstance(e, ir.AtLeast):
            kids = [self.cond(x) for x in e.items]
            true = pl.sum_horizontal([k.fill_null(False).cast(pl.Int32) for k in kids])
            maybe = pl.sum_horizontal([k.fill_null(True).cast(pl.Int32) for k in kids])
            return pl.when(true >= e.n).then(True).when(maybe >= e.n).then(None).otherwise(False)
        if isinstance(e, ir.InSet):
            v = self.value(e.operand)
            v = v[1] if isinstance(v, tuple) else v
            values, negated = list(e.values), e.negated
            # An enum column holds only its values (the loader checks them): `in` most of them
            # is `not in` the others, often one (`association != "CPOR"` is a seventh of
            # `is_in` over four values).
            column = self.table.column(e.operand.column) if isinstance(e.operand, ir.ColumnRef) else None
            if column is not None and column.type.kind is ir.Kind.ENUM and set(values) <= set(column.type.values):
                others = [x for x in column.type.values if x not in values]
                if len(others) < len(values):
                    values, negated = others, not negated
            # an empty value is in no list and out of none: null, as `is_in` and `==` give it
            if not values:
                inside = pl.when(v.is_not_null()).then(pl.lit(False))
            elif len(values) == 1:
                inside = v == pl.lit(values[0])
            else:
                inside = v.is_in(pl.Series(values, dtype=pl.String).implode())
            return ~inside if negated else inside
        if isinstance(e, ir.IsEmpty):
            v = self.value(e.operand)
            v = v[1] if isinstance(v, tuple) else v
            return v.is_not_null() if e.negated else v.is_null()
        if isinstance(e, ir.InWindow):
            v = self.value(e.operand)
            return (v >= pl.lit(e.window.start)) & (v < pl.lit(e.window.end))
        if isinstance(e, ir.FilterRef):
            if e.name in self.filters:
                return pl.col(self.filters[e.name])
            f = self.table.filter(e.name)
            assert f is not None
            return self.cond(f.expr)
        if isinstance(e, ir.ColumnRef):
            return pl.col(e.column)
        if isinstance(e, ir.Const):
            return pl.lit(bool(e.value))
        raise TypeError(f"not a row condition: {type(e).__name__}")


def _compare_num(op: str, a: _N, b: _N) -> pl.Expr:
    if b.const is not None and a.den is None:
        t = b.const * a.scale  # x / s op c  ==  x op c * s
        x = a.expr
        if op == ">=":
            return x >= _lit(math.ceil(t))
        if op == ">":
            return x > _lit(math.floor(t))
        if op == "<=":
            return x <= _lit(math.floor(t))
        if op == "<":
            return x < _lit(math.ceil(t))
        if t.denominator != 1:  # a whole x never equals it
            return pl.when(x.is_null()).then(None).otherwise(pl.lit(op == "!="))
        return ir.COMPARISONS[op](x, _lit(int(t)))
    if a.const is not None and b.den is None:
        flip = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}
        return _compare_num(flip[op], b, a)
    d = _add(a, b, sub=True)
    return ir.COMPARISONS[op](d.expr, _lit(0))


# ------------------------------------------------------------------ aggregates


def _agg_expr(function: str, column: str | None, table: ir.RelatedTable, scales: Mapping[str, int], where: pl.Expr | None = None):
    """The polars aggregation and the scale of its result (0 for a date result)."""
    if function == "count":
        return (pl.len() if where is None else where.fill_null(False).sum()).cast(pl.Int64), 1
    col = pl.col(column)  # type: ignore[arg-type]
    if where is not None:
        col = col.filter(where.fill_null(False))
    if function == "count_distinct":
        return col.drop_nulls().n_unique().cast(pl.Int64), 1
    c = table.column(column)  # type: ignore[arg-type]
    assert c is not None
    if c.type.kind is ir.Kind.DATE:
        return (col.min() if function == "min" else col.max()), 0
    scale = scales.get(column, 1)  # type: ignore[arg-type]
    if function == "sum":
        return col.cast(I128).sum(), scale
    return (col.min() if function == "min" else col.max()).cast(I128), scale


def aggregate_frame(
    a: ir.Aggregate, table: ir.RelatedTable, frame: pl.LazyFrame, scales: Mapping[str, int], filters: Mapping[str, str] | None = None
) -> tuple[pl.LazyFrame, int]:
    """partner_id and `value` (the aggregate of each partner that has rows), and its scale
    (0 for dates). `filters` names the columns of `frame` that hold named row filters
    already computed (`filter_columns`)."""
    key = _group_key(a, table)
    if key is not None:
        return _grouped([a], key, table, frame, scales, filters)[a]
    rows = frame if a.where is None else frame.filter(_Cond(table, scales, filters=filters).cond(a.where).fill_null(False))
    if not a.per:
        expr, scale = _agg_expr(a.function, a.column, table, scales)
        return rows.group_by(PID).agg(expr.alias("value")), scale
    # a count of distinct values of a column outside the groups: over the kept groups' rows
    keys = [PID, *a.per]
    having_aggs: dict[int, tuple[pl.Expr, int]] = {}
    named: list[pl.Expr] = []
    if a.having is not None:
        for n in ir.walk(a.having):
            if isinstance(n, ir.GroupAgg) and id(n) not in having_aggs:
                where = _Cond(table, scales, filters=filters).cond(n.where) if n.where is not None else None
                expr, scale = _agg_expr(n.function, n.column, table, scales, where)
                name = f"__h{len(having_aggs)}"
                named.append(expr.alias(name))
                having_aggs[id(n)] = (pl.col(name), scale)
    groups = rows.group_by(keys).agg(named) if named else rows.select(keys).unique()
    if a.having is not None:
        groups = groups.filter(_Cond(table, scales, having_aggs, filters).cond(a.having).fill_null(False))
    kept = rows.join(groups.select(keys), on=keys, how="semi", nulls_equal=True)
    return kept.group_by(PID).agg(pl.col(a.column).drop_nulls().n_unique().cast(pl.Int64).alias("value")), 1


@dataclass(frozen=True)
class _GroupKey:
    """What aggregates with `per` may share: one group-by of the rows `where` keeps (its
    conjuncts), by partner and `keys`. With `column`, each aggregate also keeps the groups
    whose `column` (a key) is in its own window: E(L), E(L - 12), Q(L) and Q(L - 12) group the
    same eligible usage by tenant and month, each over its own months."""

    where: frozenset
    keys: tuple[str, ...]
    column: str | None


# How values of a group function over parts of a group combine into the group's value.
_COMBINE = {"sum": pl.Expr.sum, "count": pl.Expr.sum, "min": pl.Expr.min, "max": pl.Expr.max}


def _combinable(a: ir.Aggregate) -> bool:
    """Whether every value `a` computes per group (its `having` aggregates, inner function,
    or, without groups, the function itself) can be computed per month and combined over its
    window: sums, counts, minima and maxima, not distinct counts."""
    functions = [n.function for n in ir.walk(a.having) if isinstance(n, ir.GroupAgg)] if a.having is not None else []
    if a.inner is not None:
        functions.append(a.inner.function)
    elif a.function in ("sum", "min", "max") or not a.per:
        functions.append(a.function)
    return all(f in _COMBINE for f in functions)


def _group_key(a: ir.Aggregate, table: ir.RelatedTable) -> _GroupKey | None:
    """The group-by `a` can share (None: `a` has no groups and no window on a month, or
    counts distinct values of a column outside its groups, which reads the kept groups'
    rows)."""
    if a.function == "count_distinct" and a.column not in a.per:
        return None
    conjuncts = _conjuncts(a.where)
    window = _window(a, table)
    if not a.per and window is None:
        return None
    if window is None:
        return _GroupKey(frozenset(conjuncts), tuple(a.per), None)
    column = window.operand.column  # type: ignore[union-attr]
    rest = frozenset(x for x in conjuncts if x is not window)
    return _GroupKey(rest, tuple(a.per) if column in a.per else (*a.per, column), column)


def _window(a: ir.Aggregate, table: ir.RelatedTable) -> ir.InWindow | None:
    """The one window of `a`'s condition (a top-level conjunct) whose column can be a group
    key: a key already, or a month column and a window of one month (one value in it), or of
    several when `a`'s values per month combine into its value (`_combinable`): the security
    customers of the last 12 months and of the 12 before share one group-by per month."""
    windows = [x for x in _conjuncts(a.where) if isinstance(x, ir.InWindow) and isinstance(x.operand, ir.ColumnRef)]
    if len(windows) != 1:
        return None
    w = windows[0]
    column = table.column(w.operand.column)  # type: ignore[union-attr]
    if w.operand.column in a.per:  # type: ignore[union-attr]
        return w
    if column is not None and column.month and (w.window.months == 1 and a.per or _combinable(a)):
        return w
    return None


def _in_window(column: str, w: ir.Window) -> pl.Expr:
    return (pl.col(column) >= pl.lit(w.start)) & (pl.col(column) < pl.lit(w.end))


def _grouped(
    members: list[ir.Aggregate],
    key: _GroupKey,
    table: ir.RelatedTable,
    frame: pl.LazyFrame,
    scales: Mapping[str, int],
    filters: Mapping[str, str] | None,
    engine: str = "auto",
) -> dict[ir.Aggregate, tuple[pl.LazyFrame, int]]:
    """Each of `members` (aggregates of one `_GroupKey`) as `aggregate_frame` gives it, from
    one group-by of their rows computing every group aggregate any of them reads. With more
    than one member, the groups are collected once (on `engine`)."""
    cond = _Cond(table, scales, filters=filters)
    where = [cond.cond(x) for x in sorted(key.where, key=repr)]
    windows = {a: _window(a, table) for a in members} if key.column else {}
    group_keys = key.keys
    if windows:
        spans = [_in_window(key.column, w.window) for w in dict.fromkeys(windows.values())]  # type: ignore[arg-type, union-attr]
        where.append(functools.reduce(operator.or_, spans))
        others = tuple(k for k in key.keys if k != key.column)
        if len(spans) == 1 and all(key.column not in a.per and others == tuple(a.per) for a in members):
            # one window for all, each grouped by the keys but the month: its rows grouped
            # without the month (no groups per month to combine afterwards: a tenth of the
            # groups over 12 months). Not when an aggregate without groups combines from
            # finer ones (a sum over tenants' groups): it needs them combined per partner.
            group_keys = others
            windows = {}
    # Each conjunct its own filter (a filter drops rows where it is false or empty): polars
    # moves the ones over the file's columns into the scan, which then reads only the rows
    # they keep (a window of 4 months of 24, Security's sixth of the usage).
    rows = frame.filter(*where) if where else frame
    # group aggregates by what they compute (function, column, row condition): the shared
    # `sum acr_usd` of E and Q is one column
    named: dict[tuple, tuple[str, pl.Expr, int]] = {}

    def column(function: str, col: str | None, where: ir.Expr | None) -> tuple[pl.Expr, int]:
        k = (function, col, where)
        if k not in named:
            w = cond.cond(where) if where is not None else None
            expr, scale = _agg_expr(function, col, table, scales, w)
            named[k] = (f"__g{len(named)}", expr, scale)
        name, _, scale = named[k]
        return pl.col(name), scale

    plans = []
    for a in members:
        having: dict[int, tuple[pl.Expr, int]] = {}
        for n in ir.walk(a.having) if a.having is not None else ():
            if isinstance(n, ir.GroupAgg):
                having[id(n)] = column(n.function, n.column, n.where)
        inner: tuple[pl.Expr, int] | None = None
        if a.inner is not None:
            inner = column(a.inner.function, a.inner.column, None)
        elif a.function in ("sum", "min", "max") or not a.per:
            inner = column(a.function, a.column, None)
        reads = {e.meta.output_name() for e, _ in [*having.values(), *([inner] if inner else [])]}
        plans.append((a, having, inner, reads))
    keys = [PID, *group_keys]
    aggs = [expr.alias(name) for name, expr, _ in named.values()]
    groups = rows.group_by(keys).agg(aggs) if aggs else rows.select(keys).unique()
    if len(members) > 1:
        groups = groups.collect(engine=engine).lazy()
    out = {}
    for a, having, inner, reads in plans:
        g = groups
        if windows:
            w = windows[a]
            g = g.filter(_in_window(key.column, w.window))  # type: ignore[arg-type, union-attr]
            if key.column not in a.per and (w.window.months > 1 or not a.per):  # type: ignore[union-attr]
                # grouped by month too: each group's values combined over its months
                combined = [_COMBINE[k[0]](pl.col(name)).alias(name) for k, (name, _, _) in named.items() if name in reads]
                g = g.group_by([PID, *a.per]).agg(combined)
        if not a.per:
            assert inner is not None
            x, scale = inner
            out[a] = g.select(PID, x.alias("value")), scale
            continue
        if a.having is not None:
            g = g.filter(_Cond(table, scales, having, filters).cond(a.having).fill_null(False))
        if a.function == "count":
            out[a] = g.group_by(PID).agg(pl.len().cast(pl.Int64).alias("value")), 1
        elif a.function == "count_distinct":
            out[a] = g.group_by(PID).agg(pl.col(a.column).drop_nulls().n_unique().cast(pl.Int64).alias("value")), 1
        else:
            assert inner is not None
            x, scale = inner
            outer = x.sum() if a.function == "sum" else x.min() if a.function == "min" else x.max()
            out[a] = g.group_by(PID).agg(outer.alias("value")), scale
    return out


def assignment_frame(
    a: ir.Assignment, table: ir.RelatedTable, frame: pl.DataFrame | pl.LazyFrame, scales: Mapping[str, int]
) -> pl.DataFrame:
    """partner_id and `value` (whether the people can be assigned to the needs) for each
    partner with rows. The rows are reduced to people and the needs each can fill in polars;
    then every set of needs is checked against what the people can give it, one sum per set
    (`tierlang.records.assign.need_sets`, the max-flow min-cut theorem), or with more needs
    than that takes, a maximum flow per partner (`tierlang.records.assign.solve`)."""
    from tierlang.records.assign import need_sets, solve

    cond = _Cond(table, scales)
    rows = frame.lazy()
    if a.where is not None:
        rows = rows.filter(cond.cond(a.where).fill_null(False))
    rows = rows.filter(pl.col(a.column).is_not_null())
    flags = [
        (cond.cond(n.where).fill_null(False) if n.where is not None else pl.lit(True)).any().alias(f"__n{i}") for i, n in enumerate(a.needs)
    ]
    engine = "streaming" if isinstance(frame, pl.LazyFrame) else "auto"
    sets = need_sets([n.count for n in a.needs])
    if sets is not None:
        checks = []
        for chosen, places in sets:
            fills = pl.sum_horizontal([pl.col(f"__n{i}").cast(pl.Int64) for i in chosen])
            if a.capacity < len(chosen):
                fills = pl.min_horizontal(fills, pl.lit(a.capacity, pl.Int64))
            checks.append(fills.sum() >= places)
        value = pl.all_horizontal(checks) if checks else pl.lit(True)
        people_lf = rows.group_by([PID, a.column]).agg(flags)
        return people_lf.group_by(PID).agg(value.alias("value")).select(pl.col(PID).cast(pl.String), "value").collect(engine=engine)
    people = rows.group_by([PID, a.column]).agg(flags).collect(engine=engine)
    needs = [(n.name, n.count) for n in a.needs]
    ids, values = [], []
    for (pid,), part in people.partition_by(PID, as_dict=True, maintain_order=True).items():
        can_fill = {rec[a.column]: {n.name for i, n in enumerate(a.needs) if rec[f"__n{i}"]} for rec in part.iter_rows(named=True)}
        ids.append(pid)
        values.append(solve(needs, can_fill, a.capacity).feasible)
    return pl.DataFrame({PID: pl.Series(ids, dtype=pl.String), "value": pl.Series(values, dtype=pl.Boolean)})


# ------------------------------------------------------------------ the stage


def compute(
    program: ir.Program, partners: pl.Series, tables: Mapping[str, tuple[pl.DataFrame | pl.LazyFrame, Mapping[str, int]]]
) -> Values:
    """The records metrics of `partners` (their ids, in order: the frame's rows are in the
    same order) from `tables` (name -> (frame, column scales), frames as the loader gives
    them, or lazy queries giving them: `TableData.scan`, a file's rows never all in memory)."""
    out = pl.DataFrame({PID: partners.cast(pl.String)})
    cache: dict[ir.Aggregate, str] = {}
    agg_scale: dict[str, int] = {}
    lazies = []
    streamed = {name for name, (frame, _) in tables.items() if isinstance(frame, pl.LazyFrame)}
    aggregates = [n for m in program.record_metrics for n in _formula_nodes(m.records) if isinstance(n, ir.Aggregate)]
    prepared = {
        name: filter_columns(
            program.related_table_map[name], frame, scales, [a for a in aggregates if a.table == name], computed=name not in streamed
        )
        for name, (frame, scales) in tables.items()
    }
    # aggregates that can share a group-by (`_GroupKey`) are computed together
    shared: dict[tuple[str, _GroupKey], list[ir.Aggregate]] = {}
    for n in dict.fromkeys(aggregates):
        key = _group_key(n, program.related_table_map[n.table])
        if key is not None:
            shared.setdefault((n.table, key), []).append(n)
    # Aggregates without groups combine from any finer groups of the same rows and window
    # column (Security's ACR from its customers' tenant-month groups): one group-by less.
    for table, key in [k for k in shared if k[1].keys == (k[1].column,)]:
        finer = [k for k in shared if k[0] == table and k[1] != key and k[1].where == key.where and k[1].column == key.column]
        if finer and all(not a.per for a in shared[(table, key)]):
            shared[finer[0]] += shared.pop((table, key))
    done: dict[ir.Aggregate, tuple[pl.LazyFrame, int]] = {}
    for (table, key), members in shared.items():
        frame, filters = prepared[table]
        engine = "streaming" if table in streamed else "auto"
        done.update(_grouped(members, key, program.related_table_map[table], frame, tables[table][1], filters, engine))
    for n in aggregates:
        if n not in cache:
            name = f"__a{len(cache)}"
            cache[n] = name
            frame, filters = prepared[n.table]
            got = done.get(n)
            lf, scale = (
                got if got is not None else aggregate_frame(n, program.related_table_map[n.table], frame, tables[n.table][1], filters)
            )
            agg_scale[name] = scale
            lazies.append((n.table, lf.rename({"value": name})))
    if lazies:
        # each aggregate lined up with the partners by joining it to their ids alone, then
        # all added at once (joining each to the growing frame copied the frame every time)
        # (an aggregate with no rows, as over an absent table, is a column of nulls: no join)
        ids = out.select(PID)
        got = [
            ids.join(df, on=PID, how="left", nulls_equal=True, maintain_order="left").to_series(1)
            if df.height
            else pl.repeat(None, ids.height, dtype=df.schema[df.columns[1]], eager=True).alias(df.columns[1])
            for df in _collect_by_table(lazies, streamed)
        ]
        out = out.hstack(got)
    assignments: dict[ir.Assignment, str] = {}
    for m in program.record_metrics:
        if isinstance(m.records, ir.Assignment) and m.records not in assignments:
            name = assignments[m.records] = f"__s{len(assignments)}"
            frame, scales = tables[m.records.table]
            got = assignment_frame(m.records, program.related_table_map[m.records.table], frame, scales)
            # a partner without rows has no people: only needs of no one are met
            empty = all(n.count == 0 for n in m.records.needs)
            out = out.join(got.rename({"value": name}), on=PID, how="left", maintain_order="left").with_columns(
                pl.col(name).fill_null(empty)
            )
    # Partners without rows: counts and sums are 0; a min or max has no value.
    fills = []
    for a, name in cache.items():
        if a.function in ("count", "count_distinct", "sum"):
            fills.append(pl.col(name).fill_null(0))
    if fills:
        out = out.with_columns(fills)
    values: dict[str, _N | pl.Expr] = {}
    scales: dict[str, int] = {}
    ratios: set[str] = set()
    # Metrics by level (a metric comes a level after the metrics its formula reads): one
    # `with_columns` per level, not per metric.
    level: dict[str, int] = {}
    for m in _order(program):
        reads = [level[n.name] for n in _formula_nodes(m.records) if isinstance(n, ir.MetricRef) and n.name in level]
        level[m.name] = 1 + max(reads, default=-1)
    by_level: dict[int, list[ir.Metric]] = {}
    for m in _order(program):
        by_level.setdefault(level[m.name], []).append(m)
    for _, metrics in sorted(by_level.items()):
        exprs: list[pl.Expr] = []
        for m in metrics:
            v = pl.col(assignments[m.records]) if isinstance(m.records, ir.Assignment) else _formula(m.records, cache, agg_scale, values)
            if isinstance(v, _N):
                exprs.extend(_output(m, v, scales, ratios))
            else:
                exprs.append(_fill_default(v, m).alias(m.name))
        # narrowed a few at a time: the 94 metrics held at 128 bits until the end took a gigabyte
        for k in range(0, len(exprs), _BATCH):
            batch = exprs[k : k + _BATCH]
            out = _narrow(out.with_columns(batch), [e.meta.output_name() for e in batch])
        for m in metrics:
            if m.name in scales:
                values[m.name] = _N(pl.col(m.name), scales[m.name], pl.col(den_column(m.name)) if m.name in ratios else None)
            else:
                values[m.name] = pl.col(m.name)
    keep = [PID] + [c for m in program.record_metrics for c in ([m.name, den_column(m.name)] if m.name in ratios else [m.name])]
    frame = out.select(keep)
    return Values(frame, scales, ratios)


def _collect_by_table(lazies: list[tuple[str, pl.LazyFrame]], streamed: set[str]) -> list[pl.DataFrame]:
    """Every aggregate's frame. Those over a table read from its file (`streamed`) run on the
    streaming engine, each on its own: sharing their scan would cache all its rows."""
    out: dict[int, pl.DataFrame] = {}
    for from_file in (True, False):
        idx = [i for i, (t, _) in enumerate(lazies) if (t in streamed) == from_file]
        engine, opts = ("streaming", _SEPARATE) if from_file else ("auto", pl.QueryOptFlags())
        for i, df in zip(idx, pl.collect_all([lazies[i][1] for i in idx], engine=engine, optimizations=opts)):
            out[i] = df
    return [out[i] for i in range(len(lazies))]


def filter_columns(
    table: ir.RelatedTable,
    frame: pl.DataFrame | pl.LazyFrame,
    scales: Mapping[str, int],
    aggregates: list[ir.Aggregate],
    computed: bool = True,
) -> tuple[pl.LazyFrame, dict[str, str]]:
    """`frame` with one column per named row filter the aggregates use (its three-valued
    result), and the column of each: a filter many aggregates share (the eligible Azure
    usage, the certifications that count) is computed once per row, not once per aggregate.
    Rows that every aggregate's condition rejects are dropped. With more than one aggregate,
    the frame is computed here (held tables only: see `computed`).

    Without `computed` (a table read from its file by each query), no filter becomes a
    column: each query's conditions stay over the file's columns, which polars applies in
    the scan, reading only the rows they keep."""
    frame = frame.lazy()
    used = {n.name: n for a in aggregates for n in ir.walk(a) if isinstance(n, ir.FilterRef)} if computed else {}
    # filters other filters are defined with (eligible offers, in both Azure filters) too,
    # computed first, so that each filter is evaluated once
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        f = table.filter(name)
        for n in ir.walk(f.expr) if f is not None else ():
            if isinstance(n, ir.FilterRef):
                used.setdefault(n.name, n)
                visit(n.name)
        order.append(name)

    for name in sorted(used):
        visit(name)
    columns: dict[str, str] = {}
    for name in order:
        cond = _Cond(table, scales, filters=columns)
        frame = frame.with_columns(cond.cond(used[name]).alias(f"__filter:{name}"))
        columns[name] = f"__filter:{name}"
    # A condition every aggregate of the table requires (the certifications that count on the
    # date) drops its rows once, before the aggregates: each then reads the rows it can use.
    common = set.intersection(*(set(_conjuncts(a.where)) for a in aggregates)) if aggregates else set()
    if common:
        keep = _Cond(table, scales, filters=columns)
        frame = frame.filter(*[keep.cond(x) for x in sorted(common, key=repr)])
    if computed and len(aggregates) > 1 and (columns or common):
        # computed here, once: each group-by is its own query (`_grouped` collects the groups
        # it shares), which would otherwise compute the filters again over every row
        frame = frame.collect().lazy()
    return frame, columns


def _conjuncts(e: ir.Expr | None) -> list[ir.Expr]:
    """The top-level conjuncts of a row condition (none for no condition)."""
    if e is None:
        return []
    if isinstance(e, ir.And):
        return [c for item in e.items for c in _conjuncts(item)]
    return [e]


def _fill_default(v: pl.Expr, m: ir.Metric) -> pl.Expr:
    return v if m.default is None else v.fill_null(pl.lit(m.default))


def _output(m: ir.Metric, v: _N, scales: dict[str, int], ratios: set[str]) -> list[pl.Expr]:
    """A metric's column(s): integers at its scale, or a ratio's numerator and denominator;
    where the formula had no value, the default (or null)."""
    default = Fraction(m.default) if isinstance(m.default, Fraction) else None  # type: ignore[arg-type]
    if v.den is None:
        scale = v.scale
        # a metric that is another's value (or an aggregate's) keeps its column's type: only
        # arithmetic needs 128 bits, narrowed again afterwards
        expr = v.expr if v.expr.meta.is_column() else v.expr.cast(I128)
        if default is not None:
            scale = math.lcm(scale, default.denominator)
            if scale != v.scale:
                expr = expr.cast(I128) * (scale // v.scale)
            expr = expr.fill_null(_lit(int(default * scale)))
        scales[m.name] = scale
        return [expr.alias(m.name)]
    ratios.add(m.name)
    scales[m.name] = v.scale
    num, den = v.expr.cast(I128), v.den.cast(I128)
    if default is not None:
        # value = num / (scale * den); the default d is d * scale * q / (scale * q) with d = p / q
        missing = num.is_null() | den.is_null()
        num = pl.when(missing).then(_lit(default.numerator * v.scale)).otherwise(num)
        den = pl.when(missing).then(_lit(default.denominator)).otherwise(den)
    return [num.alias(m.name), den.alias(den_column(m.name))]


def _narrow(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """`columns` of `frame` that are Int128 but whose values all fit Int64, as Int64 (the
    engine's fast path)."""
    types = frame.schema
    wide = [c for c in columns if types[c] == I128]
    if not wide:
        return frame
    row = frame.select([e for c in wide for e in (pl.col(c).min().alias(f"lo:{c}"), pl.col(c).max().alias(f"hi:{c}"))]).row(0)
    narrow = []
    for i, c in enumerate(wide):
        lo, hi = row[2 * i], row[2 * i + 1]
        if (lo is None or lo >= -(2**63 - 1)) and (hi is None or hi <= 2**63 - 1):
            narrow.append(c)
    return frame.with_columns([pl.col(c).cast(pl.Int64) for c in narrow]) if narrow else frame


def _formula_nodes(e: ir.Expr):
    from tierlang.passes.records import formula_nodes

    return formula_nodes(e)


def _order(program: ir.Program) -> list[ir.Metric]:
    """Records metrics, each after the records metrics its formula reads."""
    done: dict[str, ir.Metric] = {}

    def visit(m: ir.Metric) -> None:
        if m.name in done:
            return
        for n in _formula_nodes(m.records):
            if isinstance(n, ir.MetricRef):
                visit(program.metric_map[n.name])
        done[m.name] = m

    for m in program.record_metrics:
        visit(m)
    return list(done.values())


def _formula(e: ir.Expr, cache: Mapping[ir.Aggregate, str], agg_scale: Mapping[str, int], values: Mapping[str, object]):
    if isinstance(e, ir.Aggregate):
        name = cache[e]
        scale = agg_scale[name]
        return _N(pl.col(name), scale) if scale else pl.col(name)
    if isinstance(e, ir.MetricRef):
        return values[e.name]
    if isinstance(e, ir.Const):
        return _const(e.value)  # type: ignore[arg-type]
    if isinstance(e, ir.Neg):
        return _mul(_formula(e.operand, cache, agg_scale, values), Fraction(-1))  # type: ignore[arg-type]
    if isinstance(e, ir.Arith):
        a, b = _formula(e.left, cache, agg_scale, values), _formula(e.right, cache, agg_scale, values)
        if e.op in ("+", "-"):
            return _add(a, b, sub=e.op == "-")  # type: ignore[arg-type]
        if e.op == "*":
            if b.const is not None:  # type: ignore[union-attr]
                return _mul(a, b.const)  # type: ignore[arg-type, union-attr]
            return _mul(b, a.const)  # type: ignore[arg-type, union-attr]
        return _div(a, b)  # type: ignore[arg-type]
    if isinstance(e, ir.Func):
        args = [_formula(x, cache, agg_scale, values) for x in e.args]
        if e.name in ("min", "max"):
            return _minmax(e.name, args)  # type: ignore[arg-type]
        return _clamp(args[0], const_value(e.args[1]), const_value(e.args[2]))  # type: ignore[arg-type]
    raise TypeError(f"not a records formula: {type(e).__name__}")
