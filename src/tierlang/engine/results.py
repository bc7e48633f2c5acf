"""Evaluation results: the types `tierlang.evaluate` returns and the score output formats.

Scores are exact everywhere inside tierlang. They leave it only at the edge, rounded the same
way everywhere: the exact decimal when it has at most `DECIMALS` (6) decimal places,
otherwise rounded half-even to 6 places (this happens for values that do not terminate, such
as 200/3 → 66.666667). As text (`decimal_text` in Python, `decimal_text_expr` in polars,
digit for digit the same) trailing zeros are dropped: 70, 52.5, 13.333333. As a decimal type
(`decimal_value_expr`, for Parquet) the same value is a `Decimal(38, 6)`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

import polars as pl

from tierlang import ir
from tierlang.data import PID, ROW, Dataset
from tierlang.engine.exact import RequirementColumn, requirement_column
from tierlang.numbers import DECIMALS, decimal_text

if TYPE_CHECKING:
    from tierlang.engine.gaps import Gaps

__all__ = [
    "Evaluation",
    "ScoreColumn",
    "DECIMALS",
    "SCORE_DECIMAL",
    "decimal_text",
    "decimal_text_expr",
    "decimal_value_expr",
    "ScoreTooLarge",
    "requirement_columns",
    "LONG_SCHEMA",
]

#: The score column's type when scores are stored as decimals (Parquet): 38 digits is the
#: most a 128-bit decimal holds, 6 of them after the point (see the module docstring).
SCORE_DECIMAL = pl.Decimal(38, DECIMALS)

#: The DESIGN §4 output columns (score as exact decimal text, see module docstring).
LONG_SCHEMA = {PID: pl.String, "track": pl.String, "level": pl.String, "score": pl.String}


def _units(values: pl.Expr, scale: int, decimals: int, wide: bool, den: pl.Expr | None = None) -> pl.Expr:
    """`values / scale` (or `values / (scale * den)`, den a positive integer column) in units
    of 10^-decimals, rounded half-even: the integer both output forms are made of.
    `wide=False` promises that `values * 10^decimals` fits Int64 (the vectorized engine's
    overflow analysis includes this product); otherwise Int128."""
    unit = 10**decimals
    values = values.cast(pl.Int128 if wide or den is not None else pl.Int64)
    if den is not None:
        divisor = den.cast(pl.Int128) * scale
        n = values * unit
        q0 = n // divisor  # floor, so 0 <= n - q0 * divisor < divisor
        twice = (n - q0 * divisor) * 2
        return pl.when((twice > divisor) | ((twice == divisor) & (q0 % 2 == 1))).then(q0 + 1).otherwise(q0)
    if unit % scale == 0:
        return values * (unit // scale)
    n = values * unit
    q0 = n // scale  # floor, so 0 <= n - q0 * scale < scale
    twice = (n - q0 * scale) * 2
    return pl.when((twice > scale) | ((twice == scale) & (q0 % 2 == 1))).then(q0 + 1).otherwise(q0)


def _as_decimal(units: pl.Expr, decimals: int) -> pl.Expr:
    """Integer `units` of 10^-decimals as a polars Decimal: a decimal product adds the scales
    of its factors (0 + decimals), so this is exact (no division, no float)."""
    return units.cast(pl.Decimal(38, 0)) * pl.lit(Decimal(1).scaleb(-decimals))


def decimal_value_expr(values: pl.Expr, scale: int, wide: bool = True, den: pl.Expr | None = None) -> pl.Expr:
    """Integers `values` that mean `values / scale` (or `values / (scale * den)`) as
    `SCORE_DECIMAL`, rounded as `decimal_text` rounds them (the same digits, as a number).
    About 6x faster than the text (measured on 6M scores), which is why Parquet files store
    scores this way."""
    return _as_decimal(_units(values, scale, DECIMALS, wide, den), DECIMALS).cast(SCORE_DECIMAL)


def decimal_text_expr(values: pl.Expr, scale: int, decimals: int = DECIMALS, wide: bool = True, den: pl.Expr | None = None) -> pl.Expr:
    """The polars twin of `decimal_text` for integers `values` that mean `values / scale`
    (or `values / (scale * den)`; `wide` as in `_units`)."""
    unit = 10**decimals
    q = _units(values, scale, decimals, wide, den)
    wide = wide or den is not None
    if not wide:
        # q / 10^decimals as polars' own decimal text, then drop trailing zeros. About 2.5x
        # faster than assembling the text from integer parts (measured on 6M scores).
        text = _as_decimal(q, decimals).cast(pl.String)
        return text.str.strip_chars_end("0").str.strip_chars_end(".")
    a = q.abs()
    fp = a % unit
    # (fp + unit) as text is "1" followed by fp zero-padded to `decimals` digits
    frac = pl.when(fp == 0).then(pl.lit("")).otherwise(pl.lit(".") + (fp + unit).cast(pl.String).str.slice(1).str.strip_chars_end("0"))
    sign = pl.when(q < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str([sign, (a // unit).cast(pl.String), frac])


def named(codes: pl.Expr, names: Sequence[str | None], dtype: pl.DataType = pl.String) -> pl.Expr:
    """The names at the integer `codes` (0: the first), as `dtype` (text, or `pl.Enum` of the
    names); null where a code is null or negative (no level). Gathered from the names rather
    than looked up (`replace_strict` is a hash join): 8 tracks of 1M partners in 0.04 s
    instead of 0.15 s."""
    return pl.lit(pl.Series(list(names), dtype=dtype)).gather(pl.when(codes >= 0).then(codes))


def _text(column: str, dtype: pl.DataType) -> pl.Expr:
    """A column of levels as text: they are text, or `pl.Enum` of the names
    (`evaluate(coded=True)`), read here by gathering the names at their codes (a null code
    gathers null): 8 tracks of 1M partners in 0.017 s, where polars' cast of an Enum to
    text and a `replace_strict` of the codes (a hash join) each take 0.13 s."""
    if isinstance(dtype, pl.Enum):
        return pl.lit(dtype.categories).gather(pl.col(column).to_physical())
    return pl.col(column).cast(pl.String)


def requirement_columns(program: ir.Program) -> list[RequirementColumn]:
    """Every requirement of every level of every variant, as detail columns, in program order."""
    out = []
    for t in program.tracks:
        for v in t.variants:
            for level in v.levels:
                for i, r in enumerate(level.requirements):
                    out.append(RequirementColumn(requirement_column(t.name, v.name, level.name, i), t.name, v.name, level.name, i, r))
    return out


@dataclass
class ScoreColumn:
    """One track's scores, exact: partner k's score is `values[k] / scale` (null: none), or
    `values[k] / (scale * den[k])` when the scores are over a ratio metric's per-partner
    denominator (`den`, positive integers). `wide`: the values may need 128-bit arithmetic
    to be written as text."""

    values: pl.Series
    scale: int
    wide: bool = True
    exact: dict[int, Fraction] = field(default_factory=dict)  # rows too large for Int128
    den: pl.Series | None = None
    #: rows whose `values` hold their score rounded to `DECIMALS` places (what every output
    #: shows), the exact score kept here: a column whose scores need a denominator too long
    #: for 128-bit arithmetic (a 37-digit decimal divided by 1000).
    precise: dict[int, Fraction] = field(default_factory=dict)

    def fraction(self, k: int) -> Fraction | None:
        if k in self.precise:
            return self.precise[k]
        if k in self.exact:
            return self.exact[k]
        v = self.values[k]
        if v is None:
            return None
        return Fraction(int(v), self.scale if self.den is None else self.scale * int(self.den[k]))

    def columns(self) -> list[pl.Series]:
        """The series `text()` and `decimal()` read (under their own names)."""
        return [self.values] if self.den is None else [self.values, self.den]

    def _den(self) -> pl.Expr | None:
        return None if self.den is None else pl.col(self.den.name)

    def text(self) -> pl.Expr:
        """The scores as decimal text (see `decimal_text`), an expression over `columns()`."""
        expr = decimal_text_expr(pl.col(self.values.name), self.scale, wide=self.wide, den=self._den())
        return self._with_exact(expr, lambda v: pl.lit(decimal_text(v)))

    def decimal(self) -> pl.Expr:
        """The scores as `SCORE_DECIMAL` (the text's value), an expression over `values.name`.
        Raises `ScoreTooLarge` when a score does not fit 38 digits."""

        def exact(v: Fraction) -> pl.Expr:
            d = Decimal(decimal_text(v))
            if d.adjusted() >= SCORE_DECIMAL.precision - DECIMALS:  # type: ignore[operator]
                raise ScoreTooLarge(decimal_text(v))
            return pl.lit(d, SCORE_DECIMAL)

        return self._with_exact(decimal_value_expr(pl.col(self.values.name), self.scale, wide=self.wide, den=self._den()), exact)

    def _with_exact(self, expr: pl.Expr, literal) -> pl.Expr:
        for k, v in self.exact.items():  # only for absurdly large values: a handful of rows at most
            expr = pl.when(pl.int_range(pl.len()) == k).then(literal(v)).otherwise(expr)
        return expr


class ScoreTooLarge(ValueError):
    """A score has more than 32 digits before the point: it does not fit `SCORE_DECIMAL`."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__(f"the score {text} has more digits than a Parquet DECIMAL(38, 6) holds; write CSV or JSON Lines instead")


@dataclass
class Evaluation:
    """A program evaluated on a dataset.

    - `levels`: one row per partner (dataset order): `partner_id` and one String column per
      track with the level held (null: none). `__row__` is the source row number.
    - `variants`: `partner_id` and one String column per track with variants: the variant
      the partner was scored on.
    - `scores`: track → `ScoreColumn` (exact scores in the same row order), for tracks whose
      variants all have a score.
    - `detail`: with `detail=True`, `partner_id` and one Boolean column per requirement
      (see `requirements`: track, variant, level, index, label, the IR requirement). The
      diff uses it to say which requirement a partner now fails.
    - `fallback_rows`: rows the vectorized engine handed to the exact interpreter because a
      value was too large for 64-bit arithmetic (see `tierlang.engine.vectorized`).

    `long()` gives the DESIGN §4 result: `partner_id, track, level, score` (score as exact
    decimal text), partner by partner, tracks in program order."""

    program: ir.Program
    dataset: Dataset
    engine: str
    levels: pl.DataFrame
    variants: pl.DataFrame
    scores: dict[str, ScoreColumn]
    detail: pl.DataFrame | None = None
    requirements: list[RequirementColumn] = field(default_factory=list)
    fallback_rows: int = 0
    outputs: dict[tuple[str, str], ScoreColumn] = field(default_factory=dict)  # (track, output) -> exact values
    # For programs with requirements no data decides: partner_id and, per track that can be
    # undecided, the highest level the partner may hold beyond `levels` (null: decided).
    undecided: pl.DataFrame | None = None
    # records (a partner table with related tables): warnings about the tables (an absent
    # table read as empty), partners left out whole for bad records (partner_id -> reasons),
    # and the validated related tables (name -> tierlang.data.tables.TableData)
    warnings: list = field(default_factory=list)
    rejected: dict[str, list[str]] = field(default_factory=dict)
    tables: dict = field(default_factory=dict)
    # the tracks to write (`tier eval --track`); None: every track not marked internal
    shown: tuple[str, ...] | None = None

    @property
    def output_names(self) -> list[str]:
        """The output columns of the long layout, in program order (one per name: the written
        tracks that declare the same name share its column)."""
        return list(dict.fromkeys(o.name for t in self.program.shown_tracks(self.shown) for o in t.outputs))

    @property
    def tracks(self) -> list[str]:
        """The tracks written (`long`, `summary`): those `shown` names, else every track not
        marked `internal`; `levels` holds them all."""
        return [t.name for t in self.program.shown_tracks(self.shown)]

    @property
    def partner_count(self) -> int:
        return self.levels.height

    def long_lazy(self, decimal: bool = False, gaps: Gaps | None = None) -> pl.LazyFrame:
        """The long result, lazily: track by track (program order), partners in dataset
        order within each track. Track-major order costs nothing (each part reuses the
        partner_id column); partner-major order would cost a sort or an explode of 7M rows.

        `score` is exact decimal text, or with `decimal=True` the same value as
        `SCORE_DECIMAL` (what Parquet files store; may raise `ScoreTooLarge`). With `gaps`
        (`tierlang.engine.gaps`), each row also has the gap columns (`GAP_COLUMNS`), the
        points missing typed like the score."""
        frame = self.levels.select([PID, *self.tracks]).with_columns(
            [sc.values.alias(f"S:{t}") for t, sc in self.scores.items()]
            + [sc.den.alias(f"SD:{t}") for t, sc in self.scores.items() if sc.den is not None]
        )
        frame = frame.with_columns([oc.values.alias(oc.values.name) for oc in self.outputs.values()])
        if self.undecided is not None:
            frame = frame.hstack(self.undecided.select([pl.col(c).alias(f"U:{c}") for c in self.undecided.columns if c != PID]))
        if gaps is not None:
            frame = frame.hstack(gaps.frame.drop(PID))
        lf = frame.lazy()
        dtype = SCORE_DECIMAL if decimal else pl.String
        parts = []
        for t in self.tracks:
            sc = self.scores.get(t)
            score = pl.lit(None, dtype) if sc is None else sc.decimal() if decimal else sc.text()
            cols = [pl.col(PID), pl.lit(t).alias("track"), _text(t, frame.schema[t]).alias("level"), score.alias("score")]
            if self.undecided is not None:  # the level beyond `level` no data decides
                may = f"U:{t}"
                cols.append((pl.col(may) if may in frame.columns else pl.lit(None, pl.String)).alias("undecided"))
            for name in self.output_names:  # the outputs, after the contract's four columns
                oc = self.outputs.get((t, name))
                value = pl.lit(None, dtype) if oc is None else oc.decimal() if decimal else oc.text()
                cols.append(value.alias(name))
            if gaps is not None:
                pm = gaps.points.get(t)
                points = pl.lit(None, dtype) if pm is None else pm.decimal() if decimal else pm.text()
                cols += [
                    pl.col(f"next:{t}").alias("next_level"),
                    points.alias("points_missing"),
                    pl.col(f"rm:{t}").alias("requirements_missing"),
                    pl.col(f"miss:{t}").alias("missing"),
                ]
            parts.append(lf.select(cols))
        if parts:
            return pl.concat(parts)
        schema = {
            **LONG_SCHEMA,
            "score": dtype,
            **({"undecided": pl.String} if self.undecided is not None else {}),
            **{name: dtype for name in self.output_names},
        }
        if gaps is not None:
            schema.update(next_level=pl.String, points_missing=dtype, requirements_missing=pl.UInt32, missing=pl.String)
        return pl.LazyFrame(schema=schema)

    def long(self, decimal: bool = False, gaps: Gaps | None = None) -> pl.DataFrame:
        """partner_id, track, level, score — one row per partner per track (see `long_lazy`)."""
        return self.long_lazy(decimal, gaps).collect()

    def _index(self, partner_id: str) -> int:
        if not hasattr(self, "_pos"):
            self._pos = {p: i for i, p in enumerate(self.levels[PID].to_list())}
        if partner_id not in self._pos:
            raise KeyError(partner_id)
        return self._pos[partner_id]

    def level(self, partner_id: str, track: str) -> str | None:
        return self.levels[track][self._index(partner_id)]

    def undecided_level(self, partner_id: str, track: str) -> str | None:
        """The highest level the partner may hold beyond `level`, which no data decides
        (None: the data decides the level)."""
        if self.undecided is None or track not in self.undecided.columns:
            return None
        return self.undecided[track][self._index(partner_id)]

    def output(self, partner_id: str, track: str, name: str) -> Fraction | None:
        """A track's output for a partner, exact (None: the track has no such output)."""
        oc = self.outputs.get((track, name))
        return None if oc is None else oc.fraction(self._index(partner_id))

    def score(self, partner_id: str, track: str) -> Fraction | None:
        """The exact score (None for a track without a score)."""
        sc = self.scores.get(track)
        return None if sc is None else sc.fraction(self._index(partner_id))

    def summary(self) -> dict[str, dict[str | None, int]]:
        """Partners per track and level: {track: {level or None: count}} in ladder order."""
        # One select of counts (a comparison per level): 6x faster than mapping the texts to
        # codes and counting per track (measured on 1M partners x 7 tracks).
        exprs = []
        shown = self.program.shown_tracks(self.shown)
        for t in shown:
            exprs.append(pl.col(t.name).null_count())
            exprs += [(pl.col(t.name) == name).sum() for name in t.level_names]
        if not exprs:
            return {}
        counts = iter(self.levels.select([e.alias(str(i)) for i, e in enumerate(exprs)]).row(0))
        return {t.name: {lvl: int(next(counts)) for lvl in (None, *t.level_names)} for t in shown}

    def metadata(self) -> dict[str, str | None]:
        """What every output names: the program, its version and its content hash."""
        p = self.program
        return {
            "program": p.name,
            "version": p.version,
            "content_hash": p.content_hash,
            "as_of": p.as_of.isoformat() if p.as_of else None,
            "engine": self.engine,
            "data": self.dataset.path,
            # the outputs' columns and their types: "fee: money USD; funds: money USD"
            **({"outputs": "; ".join(dict.fromkeys(f"{o.name}: {o.type}" for t in p.tracks for o in t.outputs))} if self.outputs else {}),
        }

    def rows(self) -> Iterator[tuple[str, str, str | None, Fraction | None]]:
        """(partner_id, track, level, exact score) — the long result without text."""
        pids = self.levels[PID].to_list()
        for k, pid in enumerate(pids):
            for t in self.tracks:
                sc = self.scores.get(t)
                yield pid, t, self.levels[t][k], (sc.fraction(k) if sc is not None else None)


def scale_of(values: list[Fraction | None]) -> int:
    scale = 1
    for v in values:
        if v is not None:
            scale = math.lcm(scale, v.denominator)
    return scale


def score_series(name: str, values: list[Fraction | None]) -> ScoreColumn:
    """Exact scores as one integer column over their common denominator. When that is very
    large (scores over ratio metrics), as numerators over per-partner denominators; when even
    those are too long for 128-bit arithmetic, the scores rounded to `DECIMALS` places (the
    digits every output writes), the exact values beside them (`ScoreColumn.precise`)."""
    scale = scale_of(values)
    precise: dict[int, Fraction] = {}
    if scale > 10**18:
        nums = [None if v is None else v.numerator for v in values]
        dens = [None if v is None else v.denominator for v in values]
        if all(n is None or (abs(n) * 10**DECIMALS < 2**126 and d * 10**DECIMALS < 2**126) for n, d in zip(nums, dens)):
            den = pl.Series("SD:" + name.removeprefix("S:"), dens, dtype=pl.Int128)
            return ScoreColumn(pl.Series(name, nums, dtype=pl.Int128), 1, True, {}, den)
    if scale * 10**DECIMALS >= 2**126:
        scale = 10**DECIMALS
        rounded = [None if v is None else round(v * scale) for v in values]  # half to even, as decimal_text
        precise = {k: v for k, v in enumerate(values) if v is not None and v * scale != rounded[k]}
        values = [None if r is None else Fraction(r, scale) for r in rounded]
    ints = [None if v is None else int(v * scale) for v in values]
    exact = {k: values[k] for k, i in enumerate(ints) if i is not None and abs(i) * 10**DECIMALS >= 2**126}
    ints = [None if k in exact else i for k, i in enumerate(ints)]
    top = max((abs(i) for i in ints if i is not None), default=0)
    big = top > 2**63 - 1
    return ScoreColumn(
        pl.Series(name, ints, dtype=pl.Int128 if big else pl.Int64),
        scale,
        top * 10**DECIMALS > 2**63 - 1,
        exact,  # type: ignore[arg-type]
        precise=precise,
    )


__all__ += ["scale_of", "score_series", "ROW"]
