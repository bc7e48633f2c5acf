"""The vectorized engine: the IR compiled to polars expressions over a validated dataset.

Exact arithmetic in 64-bit integers
-----------------------------------
Every numeric expression of a program is piecewise linear with constant rational
coefficients (the checker keeps one side of `*` constant and divides only by constants).
So each expression is compiled to an integer polars expression together with a *scale*:
the exact value is `expr / scale`. Metric columns arrive scaled (`Dataset.scales`: 1 for
counts, 10^k for decimals); a constant p/q contributes its denominator; `+`, `min`, `max`,
`clamp` and comparisons bring both sides to the least common multiple of their scales;
`* c` and `/ c` fold c's numerator and denominator into the integer and the scale. Nothing
is ever divided at run time, so nothing is ever rounded. (DESIGN §3 measured polars'
Decimal at ~5x slower than float64 and lossy when it divides before it multiplies.)

Overflow
--------
Scaled integers can outgrow 64 bits for extreme inputs. Every integer expression the
compiler emits records a bound `|e| <= sum(c_x * |x|) + b` over the scaled input columns x
(clamps and caps reset the bound to a constant). `compile_program` gets the largest
magnitude each column actually holds (one min/max per column on the loaded frame) and
checks every bound, including the score text conversion (score * 10^6), against the limit
of an integer type: 2^62 for Int64 (a margin below 2^63), 2^126 for Int128. It picks the
first type that fits:

1. Int64 — the common case: no per-row check at all.
2. Int128 — about as fast in polars (measured ~5% slower on this machine), used when a
   column holds huge or very precise values (the loader stores such decimal columns as
   Int128).
3. Int128 with a per-row check: when even 128 bits can overflow for the largest values,
   each column gets a limit (each node's headroom shared evenly by its columns: sound,
   conservative); rows beyond a limit are flagged `__fallback__` and evaluated by the exact
   interpreter (`Evaluation.fallback_rows`). For the Cloud Partner Program the Int64 limits
   alone allow counts up to ~10^18 and ACR growth up to ~1.4 billion USD with cents.

If even the program's constants overflow Int128, `NoInt64` is raised and every row goes to
the interpreter.

The IR never sees a polars type: this module is the only place where IR meets polars, so
a SQL backend can be a sibling module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import polars as pl

from tierlang import dates, ir
from tierlang.data import PID, ROW
from tierlang.engine.interpreter import EvaluationError
from tierlang.passes.lower import const_value, is_constant

__all__ = ["Compiled", "compile_program", "LIMIT", "RequirementColumn", "requirement_column", "magnitudes_of", "NoInt64", "LIMITS"]

#: Largest magnitude any intermediate integer may reach, per integer type (a margin below
#: the type's maximum).
LIMIT = 2**62
LIMITS = ((pl.Int64, 2**62), (pl.Int128, 2**126))
#: Scores are written with at most this many decimal places.
DECIMALS = 6

_DECIMAL_KINDS = frozenset({ir.Kind.NUMBER, ir.Kind.PERCENT, ir.Kind.MONEY, ir.Kind.COUNT, ir.Kind.POINTS})


class NoInt64(Exception):
    """The program's constants alone overflow Int64: evaluate every row exactly instead."""


# ------------------------------------------------------------------ compiled values


Bound = tuple[tuple[tuple[str, int], ...], int]  # ((column, coefficient), ...), constant


def _bound(coefs: dict[str, int], const: int) -> Bound:
    return tuple(sorted((c, k) for c, k in coefs.items() if k)), const


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


@dataclass(frozen=True)
class Num:
    """An exact number: `expr / scale`, `expr` an Int64 expression. `const` is set for
    compile-time constants. `depth` is the stage of the deepest materialized column read."""

    expr: pl.Expr
    scale: int
    bound: Bound
    depth: int = 0
    const: Fraction | None = None


@dataclass(frozen=True)
class Cond:
    expr: pl.Expr
    depth: int = 0
    const: bool | None = None


@dataclass(frozen=True)
class Other:
    """A date or enum value. `index` maps an ordered enum to its position."""

    expr: pl.Expr
    kind: ir.Kind
    depth: int = 0
    type: ir.Type | None = None
    const: object = None


@dataclass(frozen=True)
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


@dataclass
class _TrackCols:
    level: str  # Int16 level index column (-1: none)
    variant: str | None  # Int16 selected-variant index column (None: single variant)
    score: Num | None  # the reported score at the track's scale
    score_col: str | None


@dataclass
class Compiled:
    """A program compiled for one dataset's column scales."""

    program: ir.Program
    stages: list[list[pl.Expr]]
    tracks: dict[str, _TrackCols]
    requirements: list[RequirementColumn]
    column_limits: dict[str, int]  # input column -> largest safe |scaled value|
    checks: list[str]  # columns that need a per-row limit check
    itype: pl.DataType = pl.Int64  # the integer type the arithmetic runs in

    def plan(self, frame: pl.LazyFrame, detail: bool = False, keep: tuple[str, ...] = ()) -> pl.LazyFrame:
        """The lazy query: inputs → stages → the result columns.

        Output columns: ROW, partner_id, `__fallback__` (Boolean: evaluate exactly instead)
        and per track `L:<track>` (level index, -1 none), `V:<track>` (variant index, when
        the track has variants) and `S:<track>` (score scaled by `score_scale(track)`); with
        `detail`, one Boolean column per requirement (`requirements`); then the input
        columns named in `keep`."""
        lf = frame
        for stage in self.stages:
            if stage:
                lf = lf.with_columns(stage)
        flags = [
            (pl.col(c) > pl.lit(lim, self.itype)) | (pl.col(c) < pl.lit(-lim, self.itype))
            for c in self.checks
            for lim in [self.column_limits[c]]
        ]
        out = [pl.col(ROW), pl.col(PID), (pl.any_horizontal(flags) if flags else pl.lit(False)).alias("__fallback__")]
        for name, tc in self.tracks.items():
            out.append(pl.col(tc.level).alias(f"L:{name}"))
            if tc.variant:
                out.append(pl.col(tc.variant).alias(f"V:{name}"))
            if tc.score is not None:
                out.append(tc.score.expr.alias(f"S:{name}"))
        if detail:
            out += [pl.col(r.column) for r in self.requirements]
        return lf.select(out + [pl.col(c) for c in keep])

    def score_scale(self, track: str) -> int | None:
        s = self.tracks[track].score
        return s.scale if s is not None else None


# ------------------------------------------------------------------ the compiler


def compile_program(
    program: ir.Program,
    scales: dict[str, int],
    magnitudes: dict[str, int] | None = None,
    widest: pl.DataType = pl.Int128,
    as_of_column: str | None = None,
) -> Compiled:
    """Compile `program` for input columns scaled as in `scales` (metric name → scale).
    `as_of_column` names a Date column holding each row's evaluation date (a history);
    without it, the rules' `as_of` is the program's.

    `magnitudes` gives the largest |scaled value| each numeric column holds (missing: assume
    anything); the narrowest integer type up to `widest` that no value overflows is chosen
    (see the module docstring), else the widest with per-row checks. Raises `NoInt64` when
    the program's constants alone overflow `widest`."""
    magnitudes = magnitudes or {}
    last: Compiled | None = None
    stop = next(i for i, (itype, _) in enumerate(LIMITS) if itype == widest)
    for itype, limit in LIMITS[: stop + 1]:
        c = _Compiler(program, scales, itype, limit, as_of_column)
        try:
            c.run()
            compiled = c.result(limit, magnitudes)
        except NoInt64:
            continue
        if not compiled.checks:
            return compiled
        last = compiled
    if last is None:
        raise NoInt64("the program's constants overflow 128-bit integers")
    return last


def magnitudes_of(frame: pl.DataFrame, columns: list[str]) -> dict[str, int]:
    """The largest |value| of each integer column (one pass over the loaded frame)."""
    cols = [c for c in columns if c in frame.columns and frame.schema[c].is_integer()]
    if not cols or frame.height == 0:
        return {c: 0 for c in cols}
    row = frame.select([e for c in cols for e in (pl.col(c).min().alias(f"lo:{c}"), pl.col(c).max().alias(f"hi:{c}"))]).row(0)
    out = {}
    for i, c in enumerate(cols):
        lo, hi = row[2 * i], row[2 * i + 1]
        out[c] = max(abs(int(lo)) if lo is not None else 0, abs(int(hi)) if hi is not None else 0)
    return out


class _Compiler:
    def __init__(
        self,
        program: ir.Program,
        scales: dict[str, int],
        itype: pl.DataType = pl.Int64,
        limit: int = LIMIT,
        as_of_column: str | None = None,
    ) -> None:
        self.as_of_column = as_of_column
        self.itype = itype
        self.limit = limit
        self.p = program
        self.scales = scales
        self.metrics = program.metric_map
        self.stages: list[list[pl.Expr]] = []
        self.bounds: list[Bound] = []
        self.tracks: dict[str, _TrackCols] = {}
        self.requirements: list[RequirementColumn] = []
        self.gate_cache: dict[str, Cond] = {}
        self.derived_cache: dict[str, Num | Cond | Other] = {}
        self.score_cache: dict[tuple[str, str | None, str], dict[str | None, Num]] = {}
        self.line_cache: dict[tuple[str, str | None, str], list[Num]] = {}
        self.in_progress: set[tuple[str, str | None, str]] = set()
        self.counter = 0

    # -------------------------------------------------------------- plumbing
    def name(self, hint: str) -> str:
        self.counter += 1
        return f"__t{self.counter}__{hint}"

    def materialize(self, hint: str, v, name: str | None = None):
        """Compute `v` as its own column in the stage after what it reads; return a
        reference to it."""
        if v.const is not None:
            return v
        col = name or self.name(hint)
        stage = v.depth
        while len(self.stages) <= stage:
            self.stages.append([])
        self.stages[stage].append(v.expr.alias(col))
        if isinstance(v, Num):
            return Num(pl.col(col), v.scale, v.bound, stage + 1)
        if isinstance(v, Cond):
            return Cond(pl.col(col), stage + 1)
        return Other(pl.col(col), v.kind, stage + 1, v.type)

    def lit(self, v: int) -> pl.Expr:
        """An integer literal of the working type (too large for it: this type cannot work)."""
        if abs(v) > self.limit:
            raise NoInt64(f"the constant {v} overflows {self.itype}")
        return pl.lit(v, self.itype)

    def num(self, expr: pl.Expr, scale: int, bound: Bound, depth: int) -> Num:
        self.bounds.append(bound)
        return Num(expr, scale, bound, depth)

    def const(self, value: Fraction) -> Num:
        value = Fraction(value)
        return Num(self.lit(value.numerator), value.denominator, _bound({}, abs(value.numerator)), 0, value)

    def rescale(self, n: Num, scale: int) -> Num:
        if scale == n.scale:
            return n
        if n.const is not None:
            v = n.const * scale
            assert v.denominator == 1
            return Num(self.lit(int(v)), scale, _bound({}, abs(int(v))), 0, n.const)
        f = scale // n.scale
        return self.num(n.expr * self.lit(f), scale, _bmul(n.bound, f), n.depth)

    def common(self, items: list[Num], extra: int = 1) -> tuple[list[Num], int]:
        scale = extra
        for n in items:
            scale = math.lcm(scale, n.scale)
        return [self.rescale(n, scale) for n in items], scale

    # -------------------------------------------------------------- arithmetic
    def add(self, a: Num, b: Num, sub: bool = False) -> Num:
        if a.const is not None and b.const is not None:
            return self.const(a.const - b.const if sub else a.const + b.const)
        (a2, b2), scale = self.common([a, b])
        expr = a2.expr - b2.expr if sub else a2.expr + b2.expr
        return self.num(expr, scale, _badd(a2.bound, b2.bound), max(a.depth, b.depth))

    def mul(self, a: Num, k: Fraction) -> Num:
        if a.const is not None:
            return self.const(a.const * k)
        if k == 0:
            return self.const(Fraction(0))
        p, q = k.numerator, k.denominator
        g = math.gcd(p, a.scale * q)
        p2, s2 = p // g, a.scale * q // g
        if p2 == 1:
            return Num(a.expr, s2, a.bound, a.depth)
        return self.num(a.expr * self.lit(p2), s2, _bmul(a.bound, p2), a.depth)

    def neg(self, a: Num) -> Num:
        if a.const is not None:
            return self.const(-a.const)
        return Num(a.expr * -1, a.scale, a.bound, a.depth)  # polars cannot negate Int128

    def minmax(self, name: str, items: list[Num]) -> Num:
        if all(n.const is not None for n in items):
            vals = [n.const for n in items]
            return self.const(min(vals) if name == "min" else max(vals))  # type: ignore[type-var]
        items, scale = self.common(items)
        fn = pl.min_horizontal if name == "min" else pl.max_horizontal
        return self.num(fn([n.expr for n in items]), scale, _badd(*[n.bound for n in items]), max(n.depth for n in items))

    def clamp(self, x: Num, lo: Fraction, hi: Fraction) -> Num:
        if x.const is not None:
            return self.const(min(max(x.const, lo), hi))
        scale = math.lcm(x.scale, lo.denominator, hi.denominator)
        x2 = self.rescale(x, scale)
        lo_i, hi_i = int(lo * scale), int(hi * scale)
        if lo_i > hi_i:  # clamp(x, 5, 1) is 1 for every x (min(max(x, lo), hi))
            return self.const(hi)
        b = _bound({}, max(abs(lo_i), abs(hi_i)))
        return self.num(x2.expr.clip(self.lit(lo_i), self.lit(hi_i)), scale, b, x.depth)

    # -------------------------------------------------------------- values
    def value(self, e: ir.Expr):
        if isinstance(e, ir.Const):
            v = e.value
            if isinstance(v, bool):
                return Cond(pl.lit(v), 0, v)
            if isinstance(v, Fraction):
                return self.const(v)
            return Other(pl.lit(v), e.type.kind, 0, e.type, v)
        if isinstance(e, ir.MetricRef):
            return self.metric(e.name)
        if isinstance(e, ir.ScoreRef):
            return self.score_ref(e)
        if isinstance(e, (ir.AsOf, ir.DateShift)):
            return self.date(e)
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
        """The evaluation date (a column of the frame in a history, else the program's date)
        or a date moved by a duration (`tierlang.dates`: polars' `offset_by` clamps month ends
        the same way)."""
        t = ir.Type(ir.Kind.DATE)
        if isinstance(e, ir.AsOf):
            if self.as_of_column is not None:
                return Other(pl.col(self.as_of_column), ir.Kind.DATE, 0, t)
            if self.p.as_of is None:
                raise EvaluationError("the rules read the evaluation date (as_of) but none is set: give --as-of or an effective date")
            return Other(pl.lit(self.p.as_of, pl.Date), ir.Kind.DATE, 0, t, self.p.as_of)
        v = self.value(e.operand)
        assert isinstance(e.amount, ir.Const) and isinstance(e.amount.value, ir.Duration)
        by = e.amount.value
        if v.const is not None:
            moved = dates.shift(v.const, by, e.sign)
            return Other(pl.lit(moved, pl.Date), ir.Kind.DATE, 0, t, moved)
        expr = v.expr
        for offset in dates.offset_text(by, e.sign):
            expr = expr.dt.offset_by(offset)
        return Other(expr, ir.Kind.DATE, v.depth, t)

    def metric(self, name: str):
        m = self.metrics[name]
        if m.derived is not None:
            if name not in self.derived_cache:
                self.derived_cache[name] = self.value(m.derived)
            return self.derived_cache[name]
        k = m.type.kind
        if k in _DECIMAL_KINDS:
            col = pl.col(name) if self.itype == pl.Int64 else pl.col(name).cast(self.itype)
            return self.num(col, self.scales[name], _bound({name: 1}, 0), 0)
        if k is ir.Kind.BOOL:
            return Cond(pl.col(name))
        return Other(pl.col(name), k, 0, m.type)

    # -------------------------------------------------------------- conditions
    def cond(self, e: ir.Expr) -> Cond:
        if isinstance(e, ir.Compare):
            return self.compare(e)
        if isinstance(e, (ir.And, ir.Or)):
            kids = [self.cond(x) for x in e.items]
            is_and = isinstance(e, ir.And)
            consts = [k.const for k in kids if k.const is not None]
            if (is_and and False in consts) or (not is_and and True in consts):
                return Cond(pl.lit(not is_and), 0, not is_and)
            kids = [k for k in kids if k.const is None]
            if not kids:
                return Cond(pl.lit(is_and), 0, is_and)
            fn = pl.all_horizontal if is_and else pl.any_horizontal
            return Cond(fn([k.expr for k in kids]) if len(kids) > 1 else kids[0].expr, max(k.depth for k in kids))
        if isinstance(e, ir.Not):
            k = self.cond(e.operand)
            return Cond(~k.expr, k.depth, None if k.const is None else not k.const)
        if isinstance(e, ir.AtLeast):
            kids = [self.cond(x) for x in e.items]
            total = pl.sum_horizontal([k.expr.cast(pl.Int32) for k in kids])
            return Cond(total >= e.n, max(k.depth for k in kids))
        if isinstance(e, ir.GateRef):
            if e.name not in self.gate_cache:
                g = self.cond(self.p.gate_map[e.name].expr)
                self.gate_cache[e.name] = self.materialize(f"gate_{e.name}", g)
            return self.gate_cache[e.name]
        if isinstance(e, ir.TrackAt):
            return self.track_at(e.track, e.level)
        if isinstance(e, ir.GroupCount):
            members = self.p.group_map[e.group].tracks
            kids = [self.track_at(t, e.level) for t in members]
            n = len(members) if e.n is None else e.n
            total = pl.sum_horizontal([k.expr.cast(pl.Int32) for k in kids])
            return Cond(total >= n, max(k.depth for k in kids))
        if isinstance(e, ir.Every):
            return self.every(e)
        if isinstance(e, ir.MetricRef):
            v = self.metric(e.name)
            if isinstance(v, Cond):
                return v
        if isinstance(e, ir.Const) and isinstance(e.value, bool):
            return Cond(pl.lit(e.value), 0, e.value)
        raise TypeError(f"not a condition: {type(e).__name__}")

    def compare(self, e: ir.Compare) -> Cond:
        a, b = self.value(e.left), self.value(e.right)
        op = e.op
        if isinstance(a, Num) and isinstance(b, Num):
            return self.compare_num(op, a, b)
        if isinstance(a, Cond) and isinstance(b, Cond):
            if a.const is not None and b.const is not None:
                r = (a.const == b.const) == (op == "==")
                return Cond(pl.lit(r), 0, r)
            ex = a.expr == b.expr if op == "==" else a.expr != b.expr
            return Cond(ex, max(a.depth, b.depth))
        assert isinstance(a, Other) and isinstance(b, Other)
        ae, be = a.expr, b.expr
        t = a.type if a.type is not None and a.type.values else b.type
        if a.kind is ir.Kind.ENUM and op not in ("==", "!="):
            assert t is not None
            ae, be = self.enum_index(a, t), self.enum_index(b, t)
        return Cond(ir.COMPARISONS[op](ae, be), max(a.depth, b.depth))

    def enum_index(self, v: Other, t: ir.Type) -> pl.Expr:
        if v.const is not None:
            return pl.lit(t.values.index(v.const), pl.Int16)  # type: ignore[arg-type]
        return v.expr.replace_strict(list(t.values), list(range(len(t.values))), return_dtype=pl.Int16)

    def compare_num(self, op: str, a: Num, b: Num) -> Cond:
        if a.const is not None and b.const is not None:
            r = ir.COMPARISONS[op](a.const, b.const)
            return Cond(pl.lit(r), 0, r)
        if a.const is not None:  # c op x  ==  x flip(op) c
            a, b, op = b, a, _FLIP[op]
        if b.const is not None:
            # x / s op c  ==  x op c * s, with x whole: no multiplication on the column side.
            t = b.const * a.scale
            x = a.expr
            if op == ">=":
                ex = x >= self.lit(math.ceil(t))
            elif op == ">":
                ex = x > self.lit(math.floor(t))
            elif op == "<=":
                ex = x <= self.lit(math.floor(t))
            elif op == "<":
                ex = x < self.lit(math.ceil(t))
            elif t.denominator != 1:
                r = op == "!="
                return Cond(pl.lit(r), 0, r)
            else:
                ex = ir.COMPARISONS[op](x, self.lit(int(t)))
            return Cond(ex, a.depth)
        (a2, b2), _ = self.common([a, b])
        return Cond(ir.COMPARISONS[op](a2.expr, b2.expr), max(a.depth, b.depth))

    # -------------------------------------------------------------- tracks
    def track_at(self, track: str, level: str | None) -> Cond:
        tc = self.tracks.get(track)
        if tc is None:
            raise EvaluationError(f"track '{track}' is used before it is evaluated")
        t = self.p.track_map[track]
        need = 0 if level is None else t.level_index(level)
        depth = self.col_depth[tc.level]
        return Cond(pl.col(tc.level) >= need, depth)

    def score_ref(self, e: ir.ScoreRef) -> Num:
        t = self.p.track_map[e.track]
        if e.variant is None and t.selection != "single":
            # the selected variant's score (another track's, already evaluated)
            tc = self.tracks.get(e.track)
            if tc is None:
                raise EvaluationError(f"the score of '{e.track}' is used before the track is evaluated (does its 'choose' read it?)")
            parts = [self.part(e.track, v.name, e.score, e.part) for v in t.variants]
            parts, scale = self.common(parts)
            sel = pl.col(tc.variant)  # type: ignore[arg-type]
            ex = pl.when(sel == 0).then(parts[0].expr)
            for i, p in enumerate(parts[1:], start=1):
                ex = ex.when(sel == i).then(p.expr)
            depth = max([p.depth for p in parts] + [self.col_depth[tc.variant]])  # type: ignore[index]
            return self.num(ex.otherwise(parts[-1].expr), scale, _badd(*[p.bound for p in parts]), depth)
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
        totals: list[Num] = []
        for item in s.items:
            if isinstance(item, ir.Category):
                ls = [self.line(line, tag) for line in item.lines]
                for line, n in zip(item.lines, ls):
                    out[line.name] = n
                lines += ls
                cat = self.sum_capped(ls, item.cap)
                cat = self.materialize(f"cat_{tag}_{item.name}", cat)
                out[item.name] = cat
                totals.append(cat)
            else:
                n = self.line(item, tag)
                out[item.name] = n
                lines.append(n)
                totals.append(n)
        total = self.materialize(f"score_{tag}", self.sum_capped(totals, s.cap))
        out[None] = total
        self.line_cache[key] = lines
        self.score_cache[key] = out
        self.in_progress.discard(key)
        return out

    def line(self, line: ir.Line, tag: str) -> Num:
        pts = self.value(line.points)
        if line.when is not None:
            gate = self.cond(line.when)
            if gate.const is True:
                pass
            elif gate.const is False:
                pts = self.const(Fraction(0))
            else:
                pts = Num(pl.when(gate.expr).then(pts.expr).otherwise(0), pts.scale, pts.bound, max(pts.depth, gate.depth), None)
        return self.materialize(f"line_{tag}_{line.name}", pts)

    def sum_capped(self, items: list[Num], cap: Fraction | None) -> Num:
        total = items[0]
        for n in items[1:]:
            total = self.add(total, n)
        if cap is not None:
            if total.const is not None:
                return self.const(min(total.const, cap))
            scale = math.lcm(total.scale, cap.denominator)
            t2 = self.rescale(total, scale)
            total = self.num(pl.min_horizontal(t2.expr, self.lit(int(cap * scale))), scale, t2.bound, t2.depth)
        return total

    def every(self, e: ir.Every) -> Cond:
        t = self.p.track_map[e.track]
        bound = self.value(e.value)
        if e.variant is None and t.selection != "single":
            tc = self.tracks[e.track]
            sel = pl.col(tc.variant)  # type: ignore[arg-type]
            kids = [self.every_in(e.track, v.name, e.score, e.op, bound) for v in t.variants]
            ex = pl.when(sel == 0).then(kids[0].expr)
            for i, k in enumerate(kids[1:], start=1):
                ex = ex.when(sel == i).then(k.expr)
            return Cond(ex.otherwise(kids[-1].expr), max([k.depth for k in kids] + [self.col_depth[tc.variant]]))  # type: ignore[index]
        variant = e.variant if t.selection != "single" else t.variants[0].name
        return self.every_in(e.track, variant, e.score, e.op, bound)

    def every_in(self, track: str, variant: str | None, score: str, op: str, bound: Num) -> Cond:
        self.score_parts(track, variant, score)
        kids = [self.compare_num(op, n, bound) for n in self.line_cache[(track, variant, score)]]
        consts = [k.const for k in kids if k.const is not None]
        if False in consts:
            return Cond(pl.lit(False), 0, False)
        kids = [k for k in kids if k.const is None]
        if not kids:
            return Cond(pl.lit(True), 0, True)
        return Cond(pl.all_horizontal([k.expr for k in kids]), max(k.depth for k in kids))

    def compile_track(self, t: ir.Track) -> None:
        variants = []
        for v in t.variants:
            for s in v.scores:
                self.score_parts(t.name, v.name, s.name)
            effs: list[Cond] = []
            prev: Cond | None = None
            for level in v.levels:
                reqs = []
                for ri, r in enumerate(level.requirements):
                    c = self.cond(r.expr)
                    col = requirement_column(t.name, v.name, level.name, ri)
                    if c.const is not None:
                        c = Cond(pl.lit(c.const), 0)
                    c = self.materialize("", c, name=col)
                    self.requirements.append(RequirementColumn(col, t.name, v.name, level.name, ri, r))
                    reqs.append(c)
                own = Cond(pl.all_horizontal([c.expr for c in reqs]), max(c.depth for c in reqs)) if reqs else Cond(pl.lit(True), 0)
                if level.cumulative and prev is not None:
                    eff = Cond(own.expr & prev.expr, max(own.depth, prev.depth))
                else:
                    eff = own
                effs.append(eff)
                prev = eff
            idx = pl.lit(-1, pl.Int16)
            for li in range(len(effs)):
                idx = pl.when(effs[li].expr).then(pl.lit(li, pl.Int16)).otherwise(idx)
            level_col = self.materialize(f"lvl_{t.name}_{v.name or ''}", Cond(idx, max([c.depth for c in effs] + [0])))
            variants.append((v, level_col))
        score: Num | None = None
        variant_col = None
        if len(t.variants) == 1:
            level = variants[0][1]
            p = t.variants[0].primary_score
            if p is not None:
                score = self.score_cache[(t.name, t.variants[0].name, p.name)][None]
        else:
            if t.selection == "classified":
                names = [v.name for v in t.variants]
                sel = None
                depth = 0
                for ch in reversed(t.choices):
                    i = names.index(ch.variant)
                    if ch.when is None:
                        sel = pl.lit(i, pl.Int16)
                    else:
                        c = self.cond(ch.when)
                        depth = max(depth, c.depth)
                        sel = (
                            pl.when(c.expr)
                            .then(pl.lit(i, pl.Int16))
                            .otherwise(sel if sel is not None else pl.lit(len(names) - 1, pl.Int16))
                        )
                sel_v = Cond(sel, depth)  # type: ignore[arg-type]
            else:
                sel_v = self.best(t, variants)
            vc = self.materialize(f"sel_{t.name}", sel_v)
            variant_col = vc.expr.meta.output_name()
            self.col_depth[variant_col] = vc.depth
            lv = pl.when(vc.expr == 0).then(variants[0][1].expr)
            for i, (_, lc) in enumerate(variants[1:], start=1):
                lv = lv.when(vc.expr == i).then(lc.expr)
            level = self.materialize(
                f"level_{t.name}", Cond(lv.otherwise(pl.lit(-1, pl.Int16)), max([vc.depth] + [lc.depth for _, lc in variants]))
            )
            prims = [v.primary_score for v in t.variants]
            if all(p is not None for p in prims):
                nums = [self.score_cache[(t.name, v.name, p.name)][None] for v, p in zip(t.variants, prims)]  # type: ignore[union-attr]
                nums, scale = self.common(nums)
                ex = pl.when(vc.expr == 0).then(nums[0].expr)
                for i, n in enumerate(nums[1:], start=1):
                    ex = ex.when(vc.expr == i).then(n.expr)
                score = self.materialize(
                    f"tscore_{t.name}",
                    self.num(
                        ex.otherwise(nums[-1].expr), scale, _badd(*[n.bound for n in nums]), max([vc.depth] + [n.depth for n in nums])
                    ),
                )
        level_name = level.expr.meta.output_name()
        self.col_depth[level_name] = level.depth
        score_col = score.expr.meta.output_name() if score is not None and score.const is None else None
        self.tracks[t.name] = _TrackCols(level_name, variant_col, score, score_col)

    def best(self, t: ir.Track, variants) -> Cond:
        """Highest level, then highest primary score (when both have one), then first declared.
        A variant without a score carries a null score: comparisons with null never win."""
        prims = [self.score_cache[(t.name, v.name, v.primary_score.name)][None] if v.primary_score else None for v, _ in variants]
        scale = 1
        for p in prims:
            if p is not None:
                scale = math.lcm(scale, p.scale)
        scaled = [self.rescale(p, scale).expr if p is not None else pl.lit(None, self.itype) for p in prims]
        depth = max([lc.depth for _, lc in variants] + [p.depth for p in prims if p is not None])
        best_i = pl.lit(0, pl.Int16)
        best_l, best_s = variants[0][1].expr, scaled[0]
        for i in range(1, len(variants)):
            lc, s = variants[i][1].expr, scaled[i]
            better = (lc > best_l) | ((lc == best_l) & (s > best_s))
            best_i = pl.when(better).then(pl.lit(i, pl.Int16)).otherwise(best_i)
            best_l = pl.when(better).then(lc).otherwise(best_l)
            best_s = pl.when(better).then(s).otherwise(best_s)
        return Cond(best_i, depth)

    # -------------------------------------------------------------- driver
    def run(self) -> None:
        self.col_depth: dict[str, int] = {}
        for t in self.p.tracks:
            self.compile_track(t)

    def result(self, limit: int, magnitudes: dict[str, int]) -> Compiled:
        """Check every recorded bound against the data's magnitudes. When all fit, no row
        needs a check. Otherwise derive per-column limits (each node's headroom shared
        evenly by its columns: conservative, but sound) for a per-row check."""
        # Track scores are formatted as value * 10^DECIMALS / scale: bound that product too.
        for tc in self.tracks.values():
            if tc.score is not None:
                self.bounds.append(_bmul(tc.score.bound, 10**DECIMALS))
        fits = True
        for cs, b in self.bounds:
            if b > limit:
                raise NoInt64(f"the program's constants overflow {self.itype}")
            if b + sum(k * magnitudes.get(c, limit) for c, k in cs) > limit:
                fits = False
        if fits:
            return Compiled(self.p, self.stages, self.tracks, self.requirements, {}, [], self.itype)
        limits: dict[str, int] = {}
        for cs, b in self.bounds:
            total = sum(k for _, k in cs)
            if total == 0:
                continue
            room = (limit - b) // total
            for c, _ in cs:
                limits[c] = min(limits.get(c, limit), room)
        checks = [c for c, lim in sorted(limits.items()) if magnitudes.get(c, limit + 1) > lim]
        return Compiled(self.p, self.stages, self.tracks, self.requirements, limits, checks, self.itype)


_FLIP = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}
