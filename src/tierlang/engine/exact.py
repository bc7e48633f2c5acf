"""The exact compiler shared by the vectorized engines: the IR compiled to scaled integers.

This module decides *what* to compute; a `Backend` decides *how* to write it. The polars
engine (`tierlang.engine.vectorized`) and the SQL engine (`tierlang.engine.sql`) each
implement the few leaf operations (literals, columns, `+`, `least`, `case`, ...) and get
the same scales, overflow bounds and constant folding from here.

Exact arithmetic in integers
----------------------------
Every numeric expression of a program is piecewise linear with constant rational
coefficients (the checker keeps one side of `*` constant and divides only by constants).
So each expression is compiled to an integer expression together with a *scale*: the exact
value is `expr / scale`. Metric columns arrive scaled (1 for counts, 10^k for decimals); a
constant p/q contributes its denominator; `+`, `min`, `max`, `clamp` and comparisons bring
both sides to the least common multiple of their scales; `* c` and `/ c` fold c's numerator
and denominator into the integer and the scale. Nothing is ever divided at run time, so
nothing is ever rounded. (DESIGN §3 measured polars' Decimal at ~5x slower than float64 and
lossy when it divides before it multiplies; SQL engines' decimal division rounds too.)

Overflow
--------
Scaled integers can outgrow their type for extreme inputs. Every integer expression the
compiler emits records a bound `|e| <= sum(c_x * |x|) + b` over the scaled input columns x
(clamps and caps reset the bound to a constant). Beside it, each expression keeps the constant
interval [lo, hi] it is known to lie in, when it is (a clamp, a constant, a sum or minimum of
such, `min(c, x)` for x known from below): `min(25, x)` of an x >= 0 is within 25, where the
magnitude bound alone says 25 + |x|. `compile_exact` is given the integer types
a backend offers, narrowest first, each with the largest magnitude it may hold, and the
largest magnitude each column actually holds (when known). It checks every bound, including
the score text conversion (score * 10^6), and picks the first type that fits. When even the
widest type can overflow for the largest values, each column gets a limit (each node's
headroom shared evenly by its columns: sound, conservative) and `Plan.checks` lists the
columns whose values must be checked row by row (the polars engine hands such rows to the
interpreter). If even the program's constants overflow the widest type, `NoInt64` is raised.

Ratios
------
A records metric may be a ratio with a per-partner denominator (usage growth % = (Q(L) −
Q(L−12)) × 100 / Q(L−12), DESIGN §4.2): its numerator and a positive denominator arrive as two
integer columns. A number then carries the denominators it is over (`Num.den`, column names):
its value is `expr / (scale × den₁ × den₂ …)`. Sums, minima and maxima bring their operands
to a common denominator by multiplying by the missing denominators; a comparison with a
constant cross-multiplies (`x / (s·d) >= c` is `q·x >= p·d` for c·s = p/q, d > 0). Still
nothing is divided at run time. Bounds grow products of columns (`|x·d| <= |x|max·|d|max`),
checked against the measured magnitudes like every other bound.

Columns
-------
The compiler materializes named intermediate results (points lines, categories, scores,
gates, requirements, levels, chosen variants) as `Column`s in the order it creates them.
Each column has a *stage*: it reads only columns of earlier stages, so a backend may compute
a stage's columns side by side (polars: one `with_columns` per stage) or in creation order
(SQL: one CTE per group of columns, see `Column.group`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Generic, TypeVar

from tierlang import dates, ir
from tierlang.engine.errors import EvaluationError
from tierlang.passes.constants import const_value, is_constant

__all__ = [
    "Backend",
    "Bound",
    "Column",
    "Cond",
    "DECIMALS",
    "NoInt64",
    "Num",
    "Other",
    "Plan",
    "RequirementColumn",
    "TrackColumns",
    "compile_exact",
    "requirement_column",
]

#: Scores are written with at most this many decimal places.
DECIMALS = 6

_DECIMAL_KINDS = frozenset({ir.Kind.NUMBER, ir.Kind.PERCENT, ir.Kind.MONEY, ir.Kind.COUNT, ir.Kind.POINTS})

E = TypeVar("E")  # a backend's expression type


class NoInt64(Exception):
    """The program's constants alone overflow the widest integer type: evaluate every row
    exactly instead (or refuse, where no exact fallback exists)."""


# ------------------------------------------------------------------ compiled values


#: ((term, coefficient), ...), constant. A term is a column name, or a tuple of column names
#: (their product: a numerator times denominators).
Bound = tuple[tuple[tuple[str | tuple[str, ...], int], ...], int]


#: The largest magnitude a column may be proven to hold for a backend to compute it in 64 bits
#: (`Backend.narrowed`): the sum of two such values still fits.
NARROW = 2**62


def _factors(term: str | tuple[str, ...]) -> tuple[str, ...]:
    return (term,) if isinstance(term, str) else term


def _bound(coefs: dict, const: int) -> Bound:
    return tuple(sorted(((c, k) for c, k in coefs.items() if k), key=lambda ck: _factors(ck[0]))), const


def _bprod(b: Bound, factor: str) -> Bound:
    """The bound of an expression times the column `factor` (a denominator)."""
    coefs: dict = {}
    for term, k in b[0]:
        fs = tuple(sorted(_factors(term) + (factor,)))
        coefs[fs] = coefs.get(fs, 0) + k
    if b[1]:
        coefs[factor] = coefs.get(factor, 0) + b[1]
    return _bound(coefs, 0)


def _magnitude(term: str | tuple[str, ...], magnitudes: dict[str, int], limit: int) -> int:
    out = 1
    for c in _factors(term):
        out *= magnitudes.get(c, limit)
    return out


def _minus(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    """The multiset difference a - b (b's factors each removed once)."""
    rest = list(a)
    for x in b:
        rest.remove(x)
    return tuple(rest)


def _union(*dens: tuple[str, ...]) -> tuple[str, ...]:
    """The smallest denominator every one of `dens` divides (per column, its most uses)."""
    out: list[str] = []
    for d in dens:
        extra = list(d)
        for x in out:
            if x in extra:
                extra.remove(x)
        out += extra
    return tuple(sorted(out))


def _scaled(lo: int | None, hi: int | None, k: int) -> tuple[int | None, int | None]:
    """The interval [lo, hi] times k (either end None: unknown)."""
    a, b = (None if lo is None else lo * k), (None if hi is None else hi * k)
    return (a, b) if k >= 0 else (b, a)


def _lowest(xs: Sequence[int | None]) -> int | None:
    """The least of lower bounds, None when one is unknown."""
    return None if any(x is None for x in xs) else min(xs)  # type: ignore[type-var]


def _highest(xs: Sequence[int | None]) -> int | None:
    """The greatest of upper bounds, None when one is unknown."""
    return None if any(x is None for x in xs) else max(xs)  # type: ignore[type-var]


def _badd(*bs: Bound) -> Bound:
    coefs: dict[str, int] = {}
    const = 0
    for cs, b in bs:
        for c, k in cs:
            coefs[c] = coefs.get(c, 0) + k
        const += b
    return _bound(coefs, const)


def _bmul(b: Bound, k: int) -> Bound:
    k = abs(k)
    return tuple((c, v * k) for c, v in b[0]), b[1] * k


@ir.frozen
class Num:
    """An exact number: `expr / scale`, `expr` an integer expression. `const` is set for
    compile-time constants. `depth` is the stage of the deepest materialized column read."""

    expr: Any
    scale: int
    bound: Bound
    depth: int = 0
    const: Fraction | None = None
    column: str | None = None  # the materialized column it reads, when it is one
    den: tuple[str, ...] = ()  # denominator columns (sorted): the value is expr / (scale * product)
    # constant bounds of `expr` when known, whatever the inputs (see `_Compiler.num`)
    lo: int | None = None
    hi: int | None = None


@ir.frozen
class Cond:
    expr: Any
    depth: int = 0
    const: bool | None = None
    column: str | None = None
    # May be undecided (null: no data decides it, passes/undecided.py). Known at compile
    # time, so programs without undecided requirements pay nothing for three values.
    undecided: bool = False


@ir.frozen
class Other:
    """A date or enum value (or a small integer index: a level or variant)."""

    expr: Any
    kind: ir.Kind
    depth: int = 0
    type: ir.Type | None = None
    const: object = None
    column: str | None = None


@ir.frozen
class RequirementColumn:
    """A Boolean column of the detail frame: whether one requirement holds."""

    column: str
    track: str
    variant: str | None
    level: str
    index: int  # position among the level's requirements
    requirement: ir.Requirement

    @property
    def label(self) -> str:
        return self.requirement.label or f"requirement {self.index + 1}"


def requirement_column(track: str, variant: str | None, level: str, index: int) -> str:
    """The detail column of one requirement (the same for every engine)."""
    return f"req:{track}:{variant or '-'}:{level}:{index}"


@ir.frozen
class Column:
    """A materialized intermediate result.

    `stage`: it reads only columns of lower stages. `group`: what it belongs to, for
    backends that lay columns out by meaning (a track, a score, a gate). `kind`: "num"
    (scaled integers), "cond" (Boolean), "index" (a level or variant index: small integers,
    -1 for none) or "other" (dates, enum values). `span`: the rule it computes, for comments
    in generated code."""

    name: str
    expr: Any
    stage: int
    kind: str
    group: str
    span: ir.Span | None = None


@dataclass
class TrackColumns:
    level: str  # level index column (-1: none)
    variant: str | None  # selected-variant index column (None: single variant)
    score: Num | None  # the reported score at the track's scale
    score_col: str | None
    outputs: dict[str, Num] = field(default_factory=dict)  # the track's outputs, by name
    possible: str | None = None  # the highest level that may hold (undecided requirements), when it can differ


@dataclass
class Plan(Generic[E]):
    """A program compiled for one set of column scales, by one backend."""

    program: ir.Program
    columns: list[Column]
    tracks: dict[str, TrackColumns]
    requirements: list[RequirementColumn]
    column_limits: dict[str, int]  # input column -> largest safe |scaled value|
    checks: list[str]  # columns that need a per-row limit check
    itype: Any  # the integer type the arithmetic runs in (the backend's own value)
    limit: int  # the largest magnitude an intermediate integer may reach in it

    @property
    def stages(self) -> list[list[Column]]:
        """The columns grouped by stage (stage k reads only stages below k)."""
        out: list[list[Column]] = []
        for c in self.columns:
            while len(out) <= c.stage:
                out.append([])
            out[c.stage].append(c)
        return out

    def score_scale(self, track: str) -> int | None:
        s = self.tracks[track].score
        return s.scale if s is not None else None


# ------------------------------------------------------------------ backends


class Backend(Generic[E]):
    """The leaf operations a target language must provide. Expressions are the backend's
    own objects (polars expressions, sqlglot trees); integers are of the type the backend
    was built for (`itype`). Nothing here divides."""

    def int_lit(self, value: int) -> E:
        """An integer literal of the working type."""
        raise NotImplementedError

    def null_bool(self) -> E:
        """An undecided condition (a null Boolean: `and`, `or`, `not` treat it as unknown,
        `case` as false)."""
        raise NotImplementedError

    def is_not_false(self, a: E) -> E:
        """True when `a` is true or undecided (null), false when it is false."""
        raise NotImplementedError

    def typed_int(self, value: int) -> E:
        """An integer literal that has the working type even where it meets no column (the
        branches of a `case` of constants: a table's cells)."""
        return self.int_lit(value)

    def small_lit(self, value: int) -> E:
        """A small integer literal (a level or variant index; -1 for none)."""
        raise NotImplementedError

    def bool_lit(self, value: bool) -> E:
        raise NotImplementedError

    def other_lit(self, value: object, type: ir.Type) -> E:
        """A date or enum constant."""
        raise NotImplementedError

    def null_int(self) -> E:
        """A missing integer (a variant without a score)."""
        raise NotImplementedError

    def ref(self, name: str, kind: str) -> E:
        """A materialized column of `Column.kind` `kind`."""
        raise NotImplementedError

    def narrowed(self, name: str, expr: E) -> E:
        """The expression of the materialized column `name`, whose values are proven within
        ±`NARROW` whatever the inputs: a backend whose working type is wider than 64 bits may
        compute it, and what reads only such columns, in 64 bits (`widened` says where that
        would overflow). Default: as it is."""
        return expr

    #: The largest magnitude an input column holds in the type it arrives as, when that is
    #: narrower than the working type (the SQL raw query reads 64-bit integers); None: the
    #: working type.
    input_limit: int | None = None

    def widened_operation(self, expr: E) -> E:
        """`expr`, an operation over input columns (of `input_limit`) whose result may pass
        `NARROW`, computed in the working type. Default: as it is."""
        return expr

    def widened(self, expr: E) -> E:
        """`expr`, whose bound is beyond `NARROW`, computed in the working type even where
        it reads only `narrowed` columns. Default: as it is."""
        return expr

    def metric(self, metric: ir.Metric) -> E:
        """An input metric's column: scaled integers of the working type for numbers,
        Booleans for bool metrics, the value itself for dates and enums."""
        raise NotImplementedError

    def add(self, a: E, b: E) -> E:
        raise NotImplementedError

    def sub(self, a: E, b: E) -> E:
        raise NotImplementedError

    def mul(self, a: E, k: E) -> E:
        """`a * k`, k an integer literal."""
        raise NotImplementedError

    def neg(self, a: E) -> E:
        raise NotImplementedError

    def least(self, items: Sequence[E]) -> E:
        raise NotImplementedError

    def greatest(self, items: Sequence[E]) -> E:
        raise NotImplementedError

    def clip(self, x: E, lo: E, hi: E) -> E:
        raise NotImplementedError

    def compare(self, op: str, a: E, b: E) -> E:
        """`a <op> b` for an operator of `ir.COMPARISONS`."""
        raise NotImplementedError

    def all_of(self, items: Sequence[E]) -> E:
        raise NotImplementedError

    def any_of(self, items: Sequence[E]) -> E:
        raise NotImplementedError

    def and2(self, a: E, b: E) -> E:
        raise NotImplementedError

    def or2(self, a: E, b: E) -> E:
        raise NotImplementedError

    def not_(self, a: E) -> E:
        raise NotImplementedError

    def at_least(self, items: Sequence[E], n: int) -> E:
        """At least n of the conditions hold."""
        raise NotImplementedError

    def case(self, branches: Sequence[tuple[E, E]], otherwise: E) -> E:
        """The value of the first branch whose condition holds, else `otherwise`."""
        raise NotImplementedError

    def enum_index(self, expr: E, values: tuple[str, ...]) -> E:
        """The position of an enum value in its declared order."""
        raise NotImplementedError

    def denominator(self, column: str) -> E:
        """The denominator column of a ratio metric (positive integers of the working type)."""
        raise NotImplementedError

    def times(self, a: E, b: E) -> E:
        """`a * b`, both integer expressions (a numerator times a denominator)."""
        raise NotImplementedError

    def evaluation_date(self) -> E | None:
        """The rules' `as_of` when it differs from row to row (a history: each row's month),
        else None: the program's `as_of` date, a constant."""
        return None

    def shift_date(self, expr: E, months: int, days: int) -> E:
        """A date moved by whole months (the day clamped to the month's last, as
        `tierlang.dates` says), then by days; either may be negative."""
        raise NotImplementedError


# ------------------------------------------------------------------ the compiler


def compile_exact(
    program: ir.Program,
    scales: dict[str, int],
    backends: Sequence[tuple[Backend, Any, int]],
    magnitudes: dict[str, int] | None = None,
    result: type[Plan] = Plan,
    denominators: dict[str, str] | None = None,
    outputs: bool = True,
) -> Plan:
    """Compile `program` for input columns scaled as in `scales` (metric name → scale).

    `backends` lists (backend, integer type, limit) narrowest first; `magnitudes` the
    largest |scaled value| of each numeric column (missing: assume anything). The first
    type whose bounds all fit wins, else the widest with per-row checks (see the module
    docstring). Raises `NoInt64` when the program's constants alone overflow the widest.
    `result` is the class of the plan returned (a backend's subclass of `Plan`); with
    `outputs`, each track's outputs are compiled too (`TrackColumns.outputs`).
    `denominators` maps each ratio metric to its denominator column (see "Ratios")."""
    magnitudes = magnitudes or {}
    last: Plan | None = None
    for backend, itype, limit in backends:
        c = _Compiler(program, scales, backend, itype, limit, denominators or {})
        c.outputs = outputs
        try:
            c.run()
            plan = c.result(magnitudes, result)
        except NoInt64:
            continue
        if not plan.checks:
            return plan
        last = plan
    if last is None:
        raise NoInt64("the program's constants overflow the widest integer type")
    return last


class _Compiler:
    def __init__(
        self, program: ir.Program, scales: dict[str, int], backend: Backend, itype: Any, limit: int, denominators: dict[str, str]
    ) -> None:
        self.denominators = denominators
        self.b = backend
        self.itype = itype
        self.limit = limit
        self.p = program
        self.scales = scales
        self.metrics = program.metric_map
        self.columns: list[Column] = []
        self.bounds: list[Bound] = []
        self.tracks: dict[str, TrackColumns] = {}
        self.requirements: list[RequirementColumn] = []
        self.gate_cache: dict[str, Cond] = {}
        self.derived_cache: dict[str, Num | Cond | Other] = {}
        self.score_cache: dict[tuple[str, str | None, str], dict[str | None, Num]] = {}
        self.line_cache: dict[tuple[str, str | None, str], list[Num]] = {}
        self.in_progress: set[tuple[str, str | None, str]] = set()
        self.col_depth: dict[str, int] = {}
        self.col_kind: dict[str, str] = {}
        self.counter = 0
        self.outputs = True

    # -------------------------------------------------------------- plumbing
    def name(self, hint: str) -> str:
        self.counter += 1
        return f"__t{self.counter}__{hint}"

    def materialize(self, hint: str, v, name: str | None = None, group: str = "", span: ir.Span | None = None, index: bool = False):
        """Compute `v` as its own column in the stage after what it reads; return a
        reference to it. `index`: `v` is a level or variant index (small integers)."""
        if v.const is not None:
            return v
        col = name or self.name(hint)
        stage = v.depth
        kind = "index" if index else "num" if isinstance(v, Num) else "cond" if isinstance(v, Cond) else "other"
        expr = v.expr
        if kind == "num" and not v.bound[0] and v.bound[1] <= NARROW and not v.den:
            expr = self.b.narrowed(col, expr)
        self.columns.append(Column(col, expr, stage, kind, group, span))
        self.col_depth[col] = stage + 1
        self.col_kind[col] = kind
        if isinstance(v, Num):
            return Num(self.b.ref(col, kind), v.scale, v.bound, stage + 1, column=col, den=v.den, lo=v.lo, hi=v.hi)
        if isinstance(v, Cond):
            return Cond(self.b.ref(col, kind), stage + 1, column=col, undecided=v.undecided)
        return Other(self.b.ref(col, kind), v.kind, stage + 1, v.type, column=col)

    def lit(self, v: int):
        """An integer literal of the working type (too large for it: this type cannot work)."""
        if abs(v) > self.limit:
            raise NoInt64(f"the constant {v} overflows {self.itype}")
        return self.b.int_lit(v)

    def true(self, value: bool) -> Cond:
        return Cond(self.b.bool_lit(value), 0, value)

    def num(
        self, expr, scale: int, bound: Bound, depth: int, den: tuple[str, ...] = (), lo: int | None = None, hi: int | None = None
    ) -> Num:
        """A computed number; `lo`, `hi`: constant bounds of `expr` when known, which replace
        `bound` when they prove it smaller (a bound free of columns asks no column a limit)."""
        if lo is not None and hi is not None and (bound[0] or max(-lo, hi) < bound[1]):
            bound = _bound({}, max(-lo, hi))
        if bound[1] > NARROW and not bound[0]:  # beyond 64 bits: not from narrowed columns alone
            expr = self.b.widened(expr)
        elif bound[0] and self.b.input_limit is not None and bound[1] + sum(k for _, k in bound[0]) * self.b.input_limit > NARROW:
            expr = self.b.widened_operation(expr)  # inputs narrower than the working type
        self.bounds.append(bound)
        return Num(expr, scale, bound, depth, den=den, lo=lo, hi=hi)

    def const(self, value: Fraction) -> Num:
        value = Fraction(value)
        v = value.numerator
        return Num(self.lit(v), value.denominator, _bound({}, abs(v)), 0, value, lo=v, hi=v)

    def rescale(self, n: Num, scale: int, den: tuple[str, ...] | None = None) -> Num:
        """n as an integer over `scale` (and over the denominators `den`, which n's divide)."""
        if scale != n.scale:
            if n.const is not None:
                v = n.const * scale
                assert v.denominator == 1
                n = Num(self.lit(int(v)), scale, _bound({}, abs(int(v))), 0, n.const, lo=int(v), hi=int(v))
            else:
                f = scale // n.scale
                lo, hi = _scaled(n.lo, n.hi, f)
                n = self.num(self.b.mul(n.expr, self.lit(f)), scale, _bmul(n.bound, f), n.depth, n.den, lo, hi)
        if den is None or den == n.den:
            return n
        expr, bound = n.expr, n.bound
        for d in _minus(den, n.den):
            expr, bound = self.b.times(expr, self.b.denominator(d)), _bprod(bound, d)
        return self.num(expr, scale, bound, n.depth, den)

    def common(self, items: list[Num], extra: int = 1) -> tuple[list[Num], int]:
        """The items over one scale and one denominator (value order is kept: denominators
        are positive)."""
        scale = extra
        for n in items:
            scale = math.lcm(scale, n.scale)
        den = _union(*(n.den for n in items))
        return [self.rescale(n, scale, den) for n in items], scale

    def pick(self, selector, values: list, default):
        """`values[selector]` (an index column), `default` when it matches none."""
        b = self.b
        return b.case([(b.compare("==", selector, b.small_lit(i)), v) for i, v in enumerate(values)], default)

    # -------------------------------------------------------------- arithmetic
    def add(self, a: Num, b: Num, sub: bool = False) -> Num:
        if a.const is not None and b.const is not None:
            return self.const(a.const - b.const if sub else a.const + b.const)
        (a2, b2), scale = self.common([a, b])
        expr = self.b.sub(a2.expr, b2.expr) if sub else self.b.add(a2.expr, b2.expr)
        blo, bhi = _scaled(b2.lo, b2.hi, -1) if sub else (b2.lo, b2.hi)
        lo = a2.lo + blo if a2.lo is not None and blo is not None else None
        hi = a2.hi + bhi if a2.hi is not None and bhi is not None else None
        return self.num(expr, scale, _badd(a2.bound, b2.bound), max(a.depth, b.depth), a2.den, lo, hi)

    def mul(self, a: Num, k: Fraction) -> Num:
        if a.const is not None:
            return self.const(a.const * k)
        if k == 0:
            return self.const(Fraction(0))
        p, q = k.numerator, k.denominator
        g = math.gcd(p, a.scale * q)
        p2, s2 = p // g, a.scale * q // g
        if p2 == 1:
            return Num(a.expr, s2, a.bound, a.depth, den=a.den, lo=a.lo, hi=a.hi)
        lo, hi = _scaled(a.lo, a.hi, p2)
        return self.num(self.b.mul(a.expr, self.lit(p2)), s2, _bmul(a.bound, p2), a.depth, a.den, lo, hi)

    def neg(self, a: Num) -> Num:
        if a.const is not None:
            return self.const(-a.const)
        lo, hi = _scaled(a.lo, a.hi, -1)
        return Num(self.b.neg(a.expr), a.scale, a.bound, a.depth, den=a.den, lo=lo, hi=hi)

    def minmax(self, name: str, items: list[Num]) -> Num:
        if all(n.const is not None for n in items):
            vals = [n.const for n in items]
            return self.const(min(vals) if name == "min" else max(vals))  # type: ignore[type-var]
        items, scale = self.common(items)
        fn = self.b.least if name == "min" else self.b.greatest
        bound = _badd(*[n.bound for n in items])
        los, his = [n.lo for n in items], [n.hi for n in items]
        if name == "min":  # below every item's upper bound; above the lowest lower bound
            lo, hi = _lowest(los), min((h for h in his if h is not None), default=None)
        else:
            lo, hi = max((x for x in los if x is not None), default=None), _highest(his)
        return self.num(fn([n.expr for n in items]), scale, bound, max(n.depth for n in items), items[0].den, lo, hi)

    def clamp(self, x: Num, lo: Fraction, hi: Fraction) -> Num:
        if x.const is not None:
            return self.const(min(max(x.const, lo), hi))
        scale = math.lcm(x.scale, lo.denominator, hi.denominator)
        if lo * scale > hi * scale:  # clamp(x, 5, 1) is 1 for every x (min(max(x, lo), hi))
            return self.const(hi)
        x2 = self.rescale(x, scale)
        if not x.den:  # bounds as literals (the SQL backends type them by magnitude)
            lo_i, hi_i = int(lo * scale), int(hi * scale)
            b = _bound({}, max(abs(lo_i), abs(hi_i)))
            return self.num(self.b.clip(x2.expr, self.lit(lo_i), self.lit(hi_i)), scale, b, x.depth, lo=lo_i, hi=hi_i)
        # the bounds over x's denominator (constants times denominator columns)
        lo_n, hi_n = (self.rescale(self.const(v), scale, x.den) for v in (lo, hi))
        b = _badd(lo_n.bound, hi_n.bound) if x.den else _bound({}, max(abs(int(lo * scale)), abs(int(hi * scale))))
        return self.num(self.b.clip(x2.expr, lo_n.expr, hi_n.expr), scale, b, x.depth, x.den)

    # -------------------------------------------------------------- values
    def value(self, e: ir.Expr):
        if isinstance(e, ir.Const):
            v = e.value
            if isinstance(v, bool):
                return self.true(v)
            if isinstance(v, Fraction):
                return self.const(v)
            return Other(self.b.other_lit(v, e.type), e.type.kind, 0, e.type, v)
        if isinstance(e, ir.MetricRef):
            return self.metric(e.name)
        if isinstance(e, ir.ScoreRef):
            return self.score_ref(e)
        if isinstance(e, (ir.AsOf, ir.DateShift)):
            return self.date(e)
        if isinstance(e, ir.Lookup):
            return self.lookup(e)
        if isinstance(e, ir.Neg):
            return self.neg(self.value(e.operand))
        if isinstance(e, ir.Arith):
            if e.op in ("+", "-"):
                return self.add(self.value(e.left), self.value(e.right), sub=e.op == "-")
            if e.op == "*":
                if is_constant(e.left):
                    return self.mul(self.value(e.right), const_value(e.left))
                return self.mul(self.value(e.left), const_value(e.right))
            return self.mul(self.value(e.left), 1 / const_value(e.right))
        if isinstance(e, ir.Func):
            if e.name in ("min", "max"):
                return self.minmax(e.name, [self.value(a) for a in e.args])
            x, lo, hi = e.args
            return self.clamp(self.value(x), const_value(lo), const_value(hi))
        return self.cond(e)

    def date(self, e: ir.AsOf | ir.DateShift) -> Other:
        """The evaluation date (the backend's per-row date in a history, else the program's
        date), or a date moved by a constant duration: folded when the date is constant."""
        t = ir.Type(ir.Kind.DATE)
        if isinstance(e, ir.AsOf):
            per_row = self.b.evaluation_date()
            if per_row is not None:
                return Other(per_row, ir.Kind.DATE, 0, t)
            if self.p.as_of is None:
                raise EvaluationError("the rules read the evaluation date (as_of) but none is set: give --as-of or an effective date")
            return Other(self.b.other_lit(self.p.as_of, t), ir.Kind.DATE, 0, t, self.p.as_of)
        v = self.value(e.operand)
        assert isinstance(e.amount, ir.Const) and isinstance(e.amount.value, ir.Duration)
        by = e.amount.value
        if v.const is not None:
            moved = dates.shift(v.const, by, e.sign)
            return Other(self.b.other_lit(moved, t), ir.Kind.DATE, 0, t, moved)
        return Other(self.b.shift_date(v.expr, e.sign * by.months, e.sign * by.days), ir.Kind.DATE, v.depth, t)

    def lookup(self, e: ir.Lookup) -> Num:
        """A table's cell as a `case` over its bands: the bands of a key never overlap and
        leave no value out (the checker says so), so the first matching row and column is
        the only one, and an `else` band, last, needs no condition of its own."""
        t = e.table
        values = [c.value for row in t.cells for c in row]
        if len(set(values)) == 1:
            return self.const(values[0])  # type: ignore[arg-type]
        scale = 1
        for v in values:
            scale = math.lcm(scale, v.denominator)  # type: ignore[union-attr]
        keys = [None if isinstance(k, ir.LevelOf) else self.value(k) for k in e.keys]  # a level: see band_cond
        rows = [self.band_cond(b, keys[0], e.keys[0]) for b in t.rows]
        columns = [self.band_cond(b, keys[1], e.keys[1]) for b in t.columns] if t.columns else [self.true(True)]
        branches = []
        depth = 0
        for r, rc in enumerate(rows):
            for c, cc in enumerate(columns):
                cond = self.both(rc, cc)
                if cond.const is False:
                    continue
                depth = max(depth, cond.depth)
                branches.append((cond.expr, int(t.cell(r, c).value * scale)))  # type: ignore[operator]
        top = max(abs(int(v * scale)) for v in values)  # type: ignore[operator]
        if top > self.limit:
            raise NoInt64(f"a cell of table '{t.name}' overflows {self.itype}")
        *cases, (_, last) = branches  # the bands leave no value out: the last needs no test
        otherwise = self.b.typed_int(last)
        expr = self.b.case([(c, self.lit(v)) for c, v in cases], otherwise) if cases else otherwise
        ints = [int(v * scale) for v in values]  # type: ignore[operator]
        return self.num(expr, scale, _bound({}, top), depth, lo=min(ints), hi=max(ints))

    def both(self, a: Cond, b: Cond) -> Cond:
        if a.const is False or b.const is False:
            return self.true(False)
        if a.const is True:
            return b
        if b.const is True:
            return a
        return Cond(self.b.and2(a.expr, b.expr), max(a.depth, b.depth))

    def band_cond(self, band: ir.Band, key, key_expr: ir.Expr) -> Cond:
        """Whether a key's value lies in a band (an `else` band: always, as it comes last)."""
        if band.otherwise:
            return self.true(True)
        if isinstance(key_expr, ir.LevelOf):
            tc = self.tracks.get(key_expr.track)
            if tc is None:
                raise EvaluationError(f"track '{key_expr.track}' is used before it is evaluated")
            level = band.names[0]
            index = -1 if level is None else self.p.track_map[key_expr.track].level_index(level)
            ref = self.b.ref(tc.level, "index")
            return Cond(self.b.compare("==", ref, self.b.small_lit(index)), self.col_depth[tc.level])
        if band.names:
            assert isinstance(key, Other) and key.type is not None
            if key.const is not None:
                return self.true(key.const == band.names[0])
            return Cond(self.b.compare("==", key.expr, self.b.other_lit(band.names[0], key.type)), key.depth)
        assert isinstance(key, Num)
        low = self.compare_num(">=", key, self.const(band.low)) if band.low is not None else self.true(True)
        high = (
            self.compare_num("<=" if band.high_included else "<", key, self.const(band.high)) if band.high is not None else self.true(True)
        )
        return self.both(low, high)

    def metric(self, name: str):
        m = self.metrics[name]
        if m.derived is not None:
            if name not in self.derived_cache:
                # its own column: a metric read by others (each of a chain of metrics read
                # twice by the next) is computed once, not once per path to it
                self.derived_cache[name] = self.materialize(f"derived_{name}", self.value(m.derived), group="metrics", span=m.span)
            return self.derived_cache[name]
        k = m.type.kind
        if name in self.denominators:
            den = self.denominators[name]
            return self.num(self.b.metric(m), self.scales[name], _bound({name: 1}, 0), 0, (den,))
        if k in _DECIMAL_KINDS:
            return self.num(self.b.metric(m), self.scales[name], _bound({name: 1}, 0), 0)
        if k is ir.Kind.BOOL:
            return Cond(self.b.metric(m))
        return Other(self.b.metric(m), k, 0, m.type)

    # -------------------------------------------------------------- conditions
    def cond(self, e: ir.Expr) -> Cond:
        if isinstance(e, ir.Compare):
            return self.compare(e)
        if isinstance(e, (ir.And, ir.Or)):
            kids = [self.cond(x) for x in e.items]
            is_and = isinstance(e, ir.And)
            consts = [k.const for k in kids if k.const is not None]
            if (is_and and False in consts) or (not is_and and True in consts):
                return self.true(not is_and)
            kids = [k for k in kids if k.const is None]
            if not kids:
                return self.true(is_and)
            fn = self.b.all_of if is_and else self.b.any_of
            undecided = any(k.undecided for k in kids)
            return Cond(fn([k.expr for k in kids]) if len(kids) > 1 else kids[0].expr, max(k.depth for k in kids), undecided=undecided)
        if isinstance(e, ir.Not):
            k = self.cond(e.operand)
            return Cond(self.b.not_(k.expr), k.depth, None if k.const is None else not k.const, undecided=k.undecided)
        if isinstance(e, ir.AtLeast):
            return self.at_least([self.cond(x) for x in e.items], e.n)
        if isinstance(e, ir.Undecided):
            return Cond(self.b.null_bool(), 0, undecided=True)
        if isinstance(e, ir.GateRef):
            if e.name not in self.gate_cache:
                gate = self.p.gate_map[e.name]
                g = self.cond(gate.expr)
                self.gate_cache[e.name] = self.materialize(f"gate_{e.name}", g, group=f"gate {e.name}", span=gate.span)
            return self.gate_cache[e.name]
        if isinstance(e, ir.TrackAt):
            return self.track_at(e.track, e.level, e.exact)
        if isinstance(e, ir.GroupCount):
            members = self.p.group_map[e.group].tracks
            kids = [self.track_at(t, e.level, e.exact) for t in members]
            return self.at_least(kids, len(members) if e.n is None else e.n)
        if isinstance(e, ir.Every):
            return self.every(e)
        if isinstance(e, ir.MetricRef):
            v = self.metric(e.name)
            if isinstance(v, Cond):
                return v
        if isinstance(e, ir.Const) and isinstance(e.value, bool):
            return self.true(e.value)
        raise TypeError(f"not a condition: {type(e).__name__}")

    def at_least(self, kids: list[Cond], n: int) -> Cond:
        """At least n of the conditions hold; three-valued (Kleene) when some may be
        undecided: true when n hold, false when not even the undecided ones make n."""
        b = self.b
        depth = max(k.depth for k in kids)
        if not any(k.undecided for k in kids):
            return Cond(b.at_least([k.expr for k in kids], n), depth)
        held = b.at_least([k.expr for k in kids], n)  # an undecided one counts as false here
        possible = b.at_least([b.is_not_false(k.expr) for k in kids], n)
        return Cond(b.case([(held, b.bool_lit(True)), (b.not_(possible), b.bool_lit(False))], b.null_bool()), depth, undecided=True)

    def compare(self, e: ir.Compare) -> Cond:
        a, b = self.value(e.left), self.value(e.right)
        op = e.op
        if isinstance(a, Num) and isinstance(b, Num):
            return self.compare_num(op, a, b)
        if isinstance(a, Cond) and isinstance(b, Cond):
            if a.const is not None and b.const is not None:
                return self.true((a.const == b.const) == (op == "=="))
            return Cond(self.b.compare("==" if op == "==" else "!=", a.expr, b.expr), max(a.depth, b.depth))
        assert isinstance(a, Other) and isinstance(b, Other)
        ae, be = a.expr, b.expr
        t = a.type if a.type is not None and a.type.values else b.type
        if a.kind is ir.Kind.ENUM and op not in ("==", "!="):
            assert t is not None
            ae, be = self.enum_index(a, t), self.enum_index(b, t)
        return Cond(self.b.compare(op, ae, be), max(a.depth, b.depth))

    def enum_index(self, v: Other, t: ir.Type):
        if v.const is not None:
            return self.b.small_lit(t.values.index(v.const))  # type: ignore[arg-type]
        return self.b.enum_index(v.expr, t.values)

    def compare_num(self, op: str, a: Num, b: Num) -> Cond:
        if a.const is not None and b.const is not None:
            return self.true(ir.COMPARISONS[op](a.const, b.const))
        if a.const is not None:  # c op x  ==  x flip(op) c
            a, b, op = b, a, _FLIP[op]
        if b.const is not None and a.den:
            # x / (s * d) op c  ==  q * x op p * d, for c * s = p / q and d > 0
            t = b.const * a.scale
            lhs = self.mul(Num(a.expr, 1, a.bound, a.depth), Fraction(t.denominator))
            rhs = self.rescale(self.const(Fraction(t.numerator)), 1, a.den)
            return Cond(self.b.compare(op, lhs.expr, rhs.expr), a.depth)
        if b.const is not None:
            # x / s op c  ==  x op c * s, with x whole: no multiplication on the column side.
            t = b.const * a.scale
            if op in ("==", "!=") and t.denominator != 1:
                return self.true(op == "!=")
            whole = {">=": math.ceil, ">": math.floor, "<=": math.floor, "<": math.ceil}.get(op, int)
            return Cond(self.b.compare(op, a.expr, self.lit(whole(t))), a.depth)
        (a2, b2), _ = self.common([a, b])
        return Cond(self.b.compare(op, a2.expr, b2.expr), max(a.depth, b.depth))

    # -------------------------------------------------------------- tracks
    def track_at(self, track: str, level: str | None, exact: bool = False) -> Cond:
        tc = self.tracks.get(track)
        if tc is None:
            raise EvaluationError(f"track '{track}' is used before it is evaluated")
        t = self.p.track_map[track]
        need = 0 if level is None else t.level_index(level)
        b = self.b
        level_ref = b.ref(tc.level, "index")
        if tc.possible is None:
            return Cond(b.compare("==" if exact else ">=", level_ref, b.small_lit(need)), self.col_depth[tc.level])
        # three-valued: the partner holds `level` for certain and may hold up to `possible`
        possible_ref = b.ref(tc.possible, "index")
        depth = max(self.col_depth[tc.level], self.col_depth[tc.possible])
        if exact:
            branches = [
                (b.compare(">", level_ref, b.small_lit(need)), b.bool_lit(False)),
                (b.compare("<", possible_ref, b.small_lit(need)), b.bool_lit(False)),
                (b.compare("==", possible_ref, b.ref(tc.level, "index")), b.bool_lit(True)),
            ]
        else:
            branches = [
                (b.compare(">=", level_ref, b.small_lit(need)), b.bool_lit(True)),
                (b.compare("<", possible_ref, b.small_lit(need)), b.bool_lit(False)),
            ]
        return Cond(b.case(branches, b.null_bool()), depth, undecided=True)

    def score_ref(self, e: ir.ScoreRef) -> Num:
        t = self.p.track_map[e.track]
        if e.variant is None and t.selection != "single":
            # the selected variant's score (another track's, already evaluated)
            tc = self.tracks.get(e.track)
            if tc is None:
                raise EvaluationError(f"the score of '{e.track}' is used before the track is evaluated (does its 'choose' read it?)")
            assert tc.variant is not None
            parts = [self.part(e.track, v.name, e.score, e.part) for v in t.variants]
            parts, scale = self.common(parts)
            ex = self.pick(self.b.ref(tc.variant, "index"), [p.expr for p in parts[:-1]], parts[-1].expr)
            depth = max([p.depth for p in parts] + [self.col_depth[tc.variant]])
            lo, hi = _lowest([p.lo for p in parts]), _highest([p.hi for p in parts])
            return self.num(ex, scale, _badd(*[p.bound for p in parts]), depth, parts[0].den, lo, hi)
        variant = e.variant if t.selection != "single" else t.variants[0].name
        return self.part(e.track, variant, e.score, e.part)

    def part(self, track: str, variant: str | None, score: str, part: str | None) -> Num:
        parts = self.score_parts(track, variant, score)
        return parts[part]

    def score_parts(self, track: str, variant: str | None, score: str) -> dict[str | None, Num]:
        """The score's total (key None), categories and lines (earned points), materialized."""
        key = (track, variant, score)
        if key in self.score_cache:
            return self.score_cache[key]
        if key in self.in_progress:
            raise EvaluationError(f"score '{score}' of track '{track}' depends on itself")
        self.in_progress.add(key)
        s = self.p.track_map[track].variant(variant).score(score)
        if s is None:
            raise EvaluationError(f"track '{track}'" + (f" (variant '{variant}')" if variant else "") + f" has no score '{score}'")
        out: dict[str | None, Num] = {}
        lines: list[Num] = []
        tag = f"{track}_{variant or ''}_{score}"
        group = " ".join(x for x in (track, variant, score) if x)
        totals: list[Num] = []
        for item in s.items:
            if isinstance(item, ir.Category):
                ls = [self.line(line, tag, group) for line in item.lines]
                for line, n in zip(item.lines, ls):
                    out[line.name] = n
                lines += ls
                cat = self.sum_capped(ls, item.cap)
                cat = self.materialize(f"cat_{tag}_{item.name}", cat, group=group, span=item.span)
                out[item.name] = cat
                totals.append(cat)
            else:
                n = self.line(item, tag, group)
                out[item.name] = n
                lines.append(n)
                totals.append(n)
        total = self.materialize(f"score_{tag}", self.sum_capped(totals, s.cap), group=group, span=s.span)
        out[None] = total
        self.line_cache[key] = lines
        self.score_cache[key] = out
        self.in_progress.discard(key)
        return out

    def line(self, line: ir.Line, tag: str, group: str) -> Num:
        pts = self.value(line.points)
        if line.when is not None:
            gate = self.cond(line.when)
            if gate.const is True:
                pass
            elif gate.const is False:
                pts = self.const(Fraction(0))
            else:
                # constant points: neither branch meets a column, so one carries the type (SQL)
                zero = self.b.typed_int(0) if pts.const is not None else self.b.int_lit(0)
                expr = self.b.case([(gate.expr, pts.expr)], zero)
                lo, hi = _lowest([pts.lo, 0]), _highest([pts.hi, 0])  # the points, or none
                pts = Num(expr, pts.scale, pts.bound, max(pts.depth, gate.depth), None, den=pts.den, lo=lo, hi=hi)
        return self.materialize(f"line_{tag}_{line.name}", pts, group=group, span=line.span)

    def sum_capped(self, items: list[Num], cap: Fraction | None) -> Num:
        total = items[0]
        for n in items[1:]:
            total = self.add(total, n)
        if cap is not None:
            if total.const is not None:
                return self.const(min(total.const, cap))
            scale = math.lcm(total.scale, cap.denominator)
            t2 = self.rescale(total, scale)
            c = self.rescale(self.const(cap), scale, total.den)
            lo, hi = _lowest([t2.lo, c.lo]), min((h for h in (t2.hi, c.hi) if h is not None), default=None)
            total = self.num(self.b.least([t2.expr, c.expr]), scale, t2.bound, t2.depth, total.den, lo, hi)
        return total

    def every(self, e: ir.Every) -> Cond:
        t = self.p.track_map[e.track]
        bound = self.value(e.value)
        if e.variant is None and t.selection != "single":
            tc = self.tracks[e.track]
            assert tc.variant is not None
            kids = [self.every_in(e.track, v.name, e.score, e.op, bound) for v in t.variants]
            ex = self.pick(self.b.ref(tc.variant, "index"), [k.expr for k in kids[:-1]], kids[-1].expr)
            return Cond(ex, max([k.depth for k in kids] + [self.col_depth[tc.variant]]))
        variant = e.variant if t.selection != "single" else t.variants[0].name
        return self.every_in(e.track, variant, e.score, e.op, bound)

    def every_in(self, track: str, variant: str | None, score: str, op: str, bound: Num) -> Cond:
        self.score_parts(track, variant, score)
        kids = [self.compare_num(op, n, bound) for n in self.line_cache[(track, variant, score)]]
        consts = [k.const for k in kids if k.const is not None]
        if False in consts:
            return self.true(False)
        kids = [k for k in kids if k.const is None]
        if not kids:
            return self.true(True)
        return Cond(self.b.all_of([k.expr for k in kids]), max(k.depth for k in kids))

    def compile_track(self, t: ir.Track) -> None:
        b = self.b
        variants = []
        for v in t.variants:
            for s in v.scores:
                self.score_parts(t.name, v.name, s.name)
            group = " ".join(x for x in (t.name, v.name) if x)
            effs: list[Cond] = []
            prev: Cond | None = None
            for level in v.levels:
                reqs = []
                for ri, r in enumerate(level.requirements):
                    c = self.cond(r.expr)
                    col = requirement_column(t.name, v.name, level.name, ri)
                    if c.const is not None:
                        c = Cond(b.bool_lit(c.const), 0)
                    c = self.materialize("", c, name=col, group=group, span=r.span)
                    self.requirements.append(RequirementColumn(col, t.name, v.name, level.name, ri, r))
                    reqs.append(c)
                maybe = any(c.undecided for c in reqs)
                own = Cond(b.all_of([c.expr for c in reqs]), max(c.depth for c in reqs), undecided=maybe) if reqs else self.true(True)
                if level.cumulative and prev is not None:
                    eff = Cond(b.and2(own.expr, prev.expr), max(own.depth, prev.depth), undecided=own.undecided or prev.undecided)
                else:
                    eff = own
                effs.append(eff)
                prev = eff
            # the highest level whose requirements hold (an undecided one counts as not held)
            idx = b.case([(effs[li].expr, b.small_lit(li)) for li in reversed(range(len(effs)))], b.small_lit(-1))
            level_col = self.materialize(
                f"lvl_{t.name}_{v.name or ''}",
                Cond(idx, max([c.depth for c in effs] + [0])),
                group=group,
                span=v.span or t.span,
                index=True,
            )
            possible_col = None
            if any(c.undecided for c in effs):  # and the highest that may hold
                top = b.case([(b.is_not_false(effs[li].expr), b.small_lit(li)) for li in reversed(range(len(effs)))], b.small_lit(-1))
                possible_col = self.materialize(
                    f"may_{t.name}_{v.name or ''}", Cond(top, max(c.depth for c in effs)), group=group, span=v.span or t.span, index=True
                )
            variants.append((v, level_col, possible_col))
        score: Num | None = None
        variant_col = None
        if len(t.variants) == 1:
            level = variants[0][1]
            possible = variants[0][2]
            p = t.variants[0].primary_score
            if p is not None:
                score = self.score_cache[(t.name, t.variants[0].name, p.name)][None]
        else:
            if t.selection == "classified":
                names = [v.name for v in t.variants]
                branches = []
                depth = 0
                otherwise = b.small_lit(len(names) - 1)
                for ch in t.choices:
                    i = names.index(ch.variant)
                    if ch.when is None:
                        otherwise = b.small_lit(i)
                        break
                    c = self.cond(ch.when)
                    depth = max(depth, c.depth)
                    branches.append((c.expr, b.small_lit(i)))
                sel_v = Cond(b.case(branches, otherwise) if branches else otherwise, depth)
            else:
                sel_v = self.best(t, [(v, lc) for v, lc, _ in variants])
            vc = self.materialize(f"sel_{t.name}", sel_v, group=t.name, span=t.span, index=True)
            variant_col = vc.column
            lv = self.pick(vc.expr, [lc.expr for _, lc, _ in variants], b.small_lit(-1))
            level = self.materialize(
                f"level_{t.name}", Cond(lv, max([vc.depth] + [lc.depth for _, lc, _ in variants])), group=t.name, span=t.span, index=True
            )
            possible = None
            if any(pc is not None for _, _, pc in variants):
                mays = [pc or lc for _, lc, pc in variants]
                if t.selection == "best":  # the best of what each variant may give
                    top = Cond(b.greatest([m.expr for m in mays]), max(m.depth for m in mays))
                else:
                    top = Cond(self.pick(vc.expr, [m.expr for m in mays], b.small_lit(-1)), max([vc.depth] + [m.depth for m in mays]))
                possible = self.materialize(f"may_{t.name}", top, group=t.name, span=t.span, index=True)
            prims = [v.primary_score for v in t.variants]
            if all(p is not None for p in prims):
                nums = [self.score_cache[(t.name, v.name, p.name)][None] for v, p in zip(t.variants, prims)]  # type: ignore[union-attr]
                nums, scale = self.common(nums)
                ex = self.pick(vc.expr, [n.expr for n in nums[:-1]], nums[-1].expr)
                score = self.materialize(
                    f"tscore_{t.name}",
                    self.num(ex, scale, _badd(*[n.bound for n in nums]), max([vc.depth] + [n.depth for n in nums]), nums[0].den),
                    group=t.name,
                    span=t.span,
                )
        level_name = level.column
        assert level_name is not None
        score_col = score.column if score is not None else None
        self.tracks[t.name] = TrackColumns(
            level_name, variant_col, score, score_col, possible=possible.column if possible is not None else None
        )
        if self.outputs:  # after the track: an output may read its level and scores
            for o in t.outputs:
                v = self.value(o.expr)
                assert isinstance(v, Num)
                self.tracks[t.name].outputs[o.name] = self.materialize(f"out_{t.name}_{o.name}", v, group=t.name, span=o.span)

    def best(self, t: ir.Track, variants) -> Cond:
        """Highest level, then highest primary score (when both have one), then first declared.
        A variant without a score never wins on score: it is chosen only when it is the first
        variant at the highest level.

        In closed form, each piece its own column, so that the expression grows linearly with
        the number of variants (the pairwise tournament this replaces nested every earlier
        step into the next: 3^N). With `top` the highest level and `first` the first variant
        holding it: `first` when it has no score, else the first variant at `top` whose
        score is the highest of the scored variants at `top`."""
        b = self.b
        group = t.name
        levels = [lc for _, lc in variants]
        top = self.materialize(
            f"best_level_{t.name}", Cond(b.greatest([lc.expr for lc in levels]), max(lc.depth for lc in levels)), group=group
        )
        at_top = [b.compare("==", lc.expr, top.expr) for lc in levels]
        first = self.materialize(
            f"best_first_{t.name}",
            Cond(b.case([(c, b.small_lit(i)) for i, c in enumerate(at_top)], b.small_lit(-1)), top.depth),
            group=group,
        )
        prims = [self.score_cache[(t.name, v.name, v.primary_score.name)][None] if v.primary_score else None for v, _ in variants]
        scored = [i for i, p in enumerate(prims) if p is not None]
        if not scored:
            return first
        nums, scale = self.common([prims[i] for i in scored])  # type: ignore[misc]
        bound = _badd(*[n.bound for n in nums])
        den = nums[0].den  # one denominator for all (`common`): compared as they are
        depth = max([top.depth] + [n.depth for n in nums])
        # The score of the first scored variant at `top` (0 when none is): never above the
        # highest, so it stands in for the variants not at `top` below.
        at_top_score = self.materialize(
            f"best_first_score_{t.name}",
            self.num(b.case([(at_top[i], n.expr) for i, n in zip(scored, nums)], self.lit(0)), scale, bound, depth, den),
            group=group,
        )
        highest = self.materialize(
            f"best_score_{t.name}",
            self.num(
                b.greatest([b.case([(at_top[i], n.expr)], at_top_score.expr) for i, n in zip(scored, nums)]),
                scale,
                bound,
                at_top_score.depth,
                den,
            ),
            group=group,
        )
        branches = []
        unscored = [i for i, p in enumerate(prims) if p is None]
        if unscored:
            branches.append((b.any_of([b.compare("==", first.expr, b.small_lit(i)) for i in unscored]), first.expr))
        branches += [(b.and2(at_top[i], b.compare("==", n.expr, highest.expr)), b.small_lit(i)) for i, n in zip(scored, nums)]
        return Cond(b.case(branches, first.expr), max(first.depth, highest.depth))

    # -------------------------------------------------------------- driver
    def run(self) -> None:
        for t in self.p.tracks:
            self.compile_track(t)

    def result(self, magnitudes: dict[str, int], cls: type[Plan] = Plan) -> Plan:
        """Check every recorded bound against the data's magnitudes. When all fit, no row
        needs a check. Otherwise derive per-column limits (each node's headroom shared
        evenly by its columns: conservative, but sound) for a per-row check."""
        limit = self.limit
        # Track scores (and outputs) are formatted as value * 10^DECIMALS / scale: bound that product too.
        for tc in self.tracks.values():
            for n in ([tc.score] if tc.score is not None else []) + list(tc.outputs.values()):
                self.bounds.append(_bmul(n.bound, 10**DECIMALS))
        fits = True
        for cs, b in self.bounds:
            if b > limit:
                raise NoInt64(f"the program's constants overflow {self.itype}")
            if b + sum(k * _magnitude(c, magnitudes, limit) for c, k in cs) > limit:
                fits = False
        if fits:
            return cls(self.p, self.columns, self.tracks, self.requirements, {}, [], self.itype, limit)
        limits: dict[str, int] = {}
        for cs, b in self.bounds:
            total = sum(k for _, k in cs)
            if total == 0:
                continue
            room = (limit - b) // total
            for term, _ in cs:
                # every factor of a product within the room's d-th root keeps the product within it
                fs = _factors(term)
                share = _root(room, len(fs))
                for c in fs:
                    limits[c] = min(limits.get(c, limit), share)
        checks = [c for c, lim in sorted(limits.items()) if magnitudes.get(c, limit + 1) > lim]
        return cls(self.p, self.columns, self.tracks, self.requirements, limits, checks, self.itype, limit)


_FLIP = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}


def _root(n: int, d: int) -> int:
    """The largest r with r ** d <= n (n >= 0)."""
    if d == 1 or n <= 1:
        return max(n, 0)
    # Newton's method in integers from above (a float root overflows for PostgreSQL's
    # NUMERIC limit, 10^1000)
    r = 1 << -(-n.bit_length() // d)
    while True:
        s = ((d - 1) * r + n // r ** (d - 1)) // d
        if s >= r:
            break
        r = s
    while r**d > n:
        r -= 1
    while (r + 1) ** d <= n:
        r += 1
    return r
