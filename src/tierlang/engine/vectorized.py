"""The vectorized engine: the IR compiled to polars expressions over a validated dataset.

The exact compiler (`tierlang.engine.exact`) decides scales, bounds and folding; this module
is its polars backend: the leaf operations as polars expressions, the integer types polars
offers, and `Compiled.plan`, the lazy query over a dataset's frame.

Integer types
-------------
`compile_program` gets the largest magnitude each column actually holds (one min/max per
column on the loaded frame) and picks the first integer type that fits:

1. Int64 — the common case: no per-row check at all.
2. Int128 — about as fast in polars (measured ~5% slower on this machine), used when a
   column holds huge or very precise values (the loader stores such decimal columns as
   Int128).
3. Int128 with a per-row check: when even 128 bits can overflow for the largest values,
   rows beyond a column's limit are flagged `__fallback__` and evaluated by the exact
   interpreter (`Evaluation.fallback_rows`). For the Cloud Partner Program the Int64 limits
   alone allow counts up to ~10^18 and ACR growth up to ~1.4 billion USD with cents.

If even the program's constants overflow Int128, `NoInt64` is raised and every row goes to
the interpreter.

The IR never sees a polars type: this module is the only place where IR meets polars.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from tierlang import ir
from tierlang.data import PID, ROW
from tierlang.engine.exact import (
    DECIMALS,
    Backend,
    NoInt64,
    Plan,
    RequirementColumn,
    compile_exact,
    requirement_column,
)

__all__ = [
    "Compiled",
    "compile_program",
    "LIMIT",
    "RequirementColumn",
    "requirement_column",
    "magnitudes_of",
    "NoInt64",
    "LIMITS",
    "DECIMALS",
    "PolarsBackend",
]

#: Largest magnitude any intermediate integer may reach, per integer type (a margin below
#: the type's maximum).
LIMIT = 2**62
LIMITS = ((pl.Int64, 2**62), (pl.Int128, 2**126))


class PolarsBackend(Backend[pl.Expr]):
    """The leaf operations as polars expressions, integers of type `itype`."""

    def __init__(self, itype: pl.DataType, as_of_column: str | None = None) -> None:
        self.itype = itype
        self.as_of_column = as_of_column

    def int_lit(self, value: int) -> pl.Expr:
        return pl.lit(value, self.itype)

    def small_lit(self, value: int) -> pl.Expr:
        return pl.lit(value, pl.Int16)

    def bool_lit(self, value: bool) -> pl.Expr:
        return pl.lit(value)

    def other_lit(self, value: object, type: ir.Type) -> pl.Expr:
        return pl.lit(value)

    def null_int(self) -> pl.Expr:
        return pl.lit(None, self.itype)

    def ref(self, name: str, kind: str) -> pl.Expr:
        return pl.col(name)

    def metric(self, metric: ir.Metric) -> pl.Expr:
        col = pl.col(metric.name)
        numeric = metric.type.kind not in (ir.Kind.BOOL, ir.Kind.DATE, ir.Kind.ENUM)
        return col.cast(self.itype) if numeric and self.itype != pl.Int64 else col

    def add(self, a: pl.Expr, b: pl.Expr) -> pl.Expr:
        return a + b

    def sub(self, a: pl.Expr, b: pl.Expr) -> pl.Expr:
        return a - b

    def mul(self, a: pl.Expr, k: pl.Expr) -> pl.Expr:
        return a * k

    def neg(self, a: pl.Expr) -> pl.Expr:
        return a * -1  # polars cannot negate Int128

    def least(self, items: Sequence[pl.Expr]) -> pl.Expr:
        return pl.min_horizontal(items)

    def greatest(self, items: Sequence[pl.Expr]) -> pl.Expr:
        return pl.max_horizontal(items)

    def clip(self, x: pl.Expr, lo: pl.Expr, hi: pl.Expr) -> pl.Expr:
        return x.clip(lo, hi)

    def compare(self, op: str, a: pl.Expr, b: pl.Expr) -> pl.Expr:
        return ir.COMPARISONS[op](a, b)

    def all_of(self, items: Sequence[pl.Expr]) -> pl.Expr:
        return pl.all_horizontal(items)

    def any_of(self, items: Sequence[pl.Expr]) -> pl.Expr:
        return pl.any_horizontal(items)

    def and2(self, a: pl.Expr, b: pl.Expr) -> pl.Expr:
        return a & b

    def or2(self, a: pl.Expr, b: pl.Expr) -> pl.Expr:
        return a | b

    def not_(self, a: pl.Expr) -> pl.Expr:
        return ~a

    def null_bool(self) -> pl.Expr:
        return pl.lit(None, pl.Boolean)

    def is_not_false(self, a: pl.Expr) -> pl.Expr:
        return a.fill_null(True)

    def at_least(self, items: Sequence[pl.Expr], n: int) -> pl.Expr:
        return pl.sum_horizontal([k.cast(pl.Int32) for k in items]) >= n

    def case(self, branches: Sequence[tuple[pl.Expr, pl.Expr]], otherwise: pl.Expr) -> pl.Expr:
        (c0, v0), *rest = branches
        chain = pl.when(c0).then(v0)
        for c, v in rest:
            chain = chain.when(c).then(v)
        return chain.otherwise(otherwise)

    def enum_index(self, expr: pl.Expr, values: tuple[str, ...]) -> pl.Expr:
        return expr.replace_strict(list(values), list(range(len(values))), return_dtype=pl.Int16)

    def denominator(self, column: str) -> pl.Expr:
        col = pl.col(column)
        return col.cast(self.itype) if self.itype != pl.Int64 else col

    def times(self, a: pl.Expr, b: pl.Expr) -> pl.Expr:
        return a * b

    def evaluation_date(self) -> pl.Expr | None:
        return pl.col(self.as_of_column) if self.as_of_column is not None else None

    def shift_date(self, expr: pl.Expr, months: int, days: int) -> pl.Expr:
        # offset_by clamps a month's day to the month's last, as tierlang.dates does (tested)
        if months:
            expr = expr.dt.offset_by(f"{months}mo")
        return expr.dt.offset_by(f"{days}d") if days else expr


class Compiled(Plan[pl.Expr]):
    """A program compiled to polars for one dataset's column scales."""

    def plan(self, frame: pl.LazyFrame, detail: bool = False, keep: tuple[str, ...] = ()) -> pl.LazyFrame:
        """The lazy query: inputs → stages → the result columns.

        Output columns: ROW, partner_id, `__fallback__` (Boolean: evaluate exactly instead)
        and per track `L:<track>` (level index, -1 none), `V:<track>` (variant index, when
        the track has variants), `S:<track>` (score scaled by `score_scale(track)`, and
        over `SD:<track>` when the score is over a ratio metric's denominator: see
        `tierlang.engine.exact`, "Ratios"), `O:<track>:<output>` (each output, scaled as
        `tracks[track].outputs` says) and, for a track whose level the data may leave
        undecided, `P:<track>` (the highest level that may hold); with `detail`, one Boolean
        column per requirement (`requirements`); then the input columns named in `keep`."""
        lf = frame
        for stage in self.stages:
            if stage:
                lf = lf.with_columns([c.expr.alias(c.name) for c in stage])
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
                if tc.score.den:
                    den = pl.lit(1, self.itype)
                    for d in tc.score.den:
                        den = den * pl.col(d).cast(self.itype)
                    out.append(den.alias(f"SD:{name}"))
            out += [n.expr.alias(f"O:{name}:{o}") for o, n in tc.outputs.items()]
            if tc.possible is not None:
                out.append(pl.col(tc.possible).alias(f"P:{name}"))
        if detail:
            out += [pl.col(r.column) for r in self.requirements]
        return lf.select(out + [pl.col(c) for c in keep])


def compile_program(
    program: ir.Program,
    scales: dict[str, int],
    magnitudes: dict[str, int] | None = None,
    widest: pl.DataType = pl.Int128,
    denominators: dict[str, str] | None = None,
    as_of_column: str | None = None,
) -> Compiled:
    """Compile `program` for input columns scaled as in `scales` (metric name → scale).

    `magnitudes` gives the largest |scaled value| each numeric column holds (missing: assume
    anything); the narrowest integer type up to `widest` that no value overflows is chosen
    (see the module docstring), else the widest with per-row checks. Raises `NoInt64` when
    the program's constants alone overflow `widest`. `as_of_column` names a Date column
    holding each row's evaluation date (a history); without it the rules' `as_of` is the
    program's. `denominators`: the denominator column of each ratio metric
    (`Dataset.denominators`)."""
    stop = next(i for i, (itype, _) in enumerate(LIMITS) if itype == widest)
    backends = [(PolarsBackend(itype, as_of_column), itype, limit) for itype, limit in LIMITS[: stop + 1]]
    return compile_exact(program, scales, backends, magnitudes, result=Compiled, denominators=denominators)  # type: ignore[return-value]


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
