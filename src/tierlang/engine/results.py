"""Evaluation results: the types `tierlang.evaluate` returns and the score text format.

Scores are exact everywhere inside tierlang. They become text only at the edge, with
`decimal_text` (Python) or `decimal_text_expr` (polars), which agree digit for digit: the
exact decimal when it has at most `DECIMALS` (6) decimal places, otherwise rounded half-even
to 6 places (this happens for values that do not terminate, such as 200/3 → 66.666667).
Trailing zeros are dropped: 70, 52.5, 13.333333.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import polars as pl

from tierlang import ir
from tierlang.data import PID, ROW, Dataset
from tierlang.engine.vectorized import RequirementColumn, requirement_column
from tierlang.numbers import DECIMALS, decimal_text

__all__ = [
    "Evaluation",
    "ScoreColumn",
    "DECIMALS",
    "decimal_text",
    "decimal_text_expr",
    "requirement_columns",
    "LONG_SCHEMA",
]

#: The DESIGN §4 output columns (score as exact decimal text, see module docstring).
LONG_SCHEMA = {PID: pl.String, "track": pl.String, "level": pl.String, "score": pl.String}


def decimal_text_expr(values: pl.Expr, scale: int, decimals: int = DECIMALS, wide: bool = True) -> pl.Expr:
    """The polars twin of `decimal_text` for integers `values` that mean `values / scale`.
    `wide=False` promises that `values * 10^decimals` fits Int64 (the vectorized engine's
    overflow analysis includes this product); otherwise the arithmetic runs in Int128."""
    unit = 10**decimals
    values = values.cast(pl.Int128 if wide else pl.Int64)
    if unit % scale == 0:
        q = values * (unit // scale)
    else:
        n = values * unit
        q0 = n // scale  # floor, so 0 <= n - q0 * scale < scale
        twice = (n - q0 * scale) * 2
        q = pl.when((twice > scale) | ((twice == scale) & (q0 % 2 == 1))).then(q0 + 1).otherwise(q0)
    if not wide:
        # q / 10^decimals as polars' own decimal text: a decimal product adds the scales of
        # its factors (0 + decimals), so it is exact; then drop trailing zeros. About 2.5x
        # faster than assembling the text from integer parts (measured on 6M scores).
        text = (q.cast(pl.Decimal(38, 0)) * pl.lit(Decimal(1).scaleb(-decimals))).cast(pl.String)
        return text.str.strip_chars_end("0").str.strip_chars_end(".")
    a = q.abs()
    fp = a % unit
    # (fp + unit) as text is "1" followed by fp zero-padded to `decimals` digits
    frac = pl.when(fp == 0).then(pl.lit("")).otherwise(pl.lit(".") + (fp + unit).cast(pl.String).str.slice(1).str.strip_chars_end("0"))
    sign = pl.when(q < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str([sign, (a // unit).cast(pl.String), frac])


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
    """One track's scores, exact: partner k's score is `values[k] / scale` (null: none).
    `wide`: the values may need 128-bit arithmetic to be written as text."""

    values: pl.Series
    scale: int
    wide: bool = True
    exact: dict[int, Fraction] = field(default_factory=dict)  # rows too large for Int128

    def fraction(self, k: int) -> Fraction | None:
        if k in self.exact:
            return self.exact[k]
        v = self.values[k]
        return None if v is None else Fraction(int(v), self.scale)

    def text(self) -> pl.Expr:
        """The scores as decimal text (see `decimal_text`), an expression over `values.name`."""
        expr = decimal_text_expr(pl.col(self.values.name), self.scale, wide=self.wide)
        for k, v in self.exact.items():  # only for absurdly large values: a handful of rows at most
            expr = pl.when(pl.int_range(pl.len()) == k).then(pl.lit(decimal_text(v))).otherwise(expr)
        return expr


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

    @property
    def tracks(self) -> list[str]:
        return [t.name for t in self.program.tracks]

    @property
    def partner_count(self) -> int:
        return self.levels.height

    def long_lazy(self) -> pl.LazyFrame:
        """The long result, lazily: track by track (program order), partners in dataset
        order within each track. Track-major order costs nothing (each part reuses the
        partner_id column); partner-major order would cost a sort or an explode of 7M rows."""
        frame = self.levels.select([PID, *self.tracks]).with_columns([sc.values.alias(f"S:{t}") for t, sc in self.scores.items()])
        lf = frame.lazy()
        parts = []
        for t in self.tracks:
            sc = self.scores.get(t)
            score = sc.text() if sc is not None else pl.lit(None, pl.String)
            parts.append(lf.select(pl.col(PID), pl.lit(t).alias("track"), pl.col(t).alias("level"), score.alias("score")))
        return pl.concat(parts) if parts else pl.LazyFrame(schema=LONG_SCHEMA)

    def long(self) -> pl.DataFrame:
        """partner_id, track, level, score — one row per partner per track (see `long_lazy`)."""
        return self.long_lazy().collect()

    def _index(self, partner_id: str) -> int:
        if not hasattr(self, "_pos"):
            self._pos = {p: i for i, p in enumerate(self.levels[PID].to_list())}
        if partner_id not in self._pos:
            raise KeyError(partner_id)
        return self._pos[partner_id]

    def level(self, partner_id: str, track: str) -> str | None:
        return self.levels[track][self._index(partner_id)]

    def score(self, partner_id: str, track: str) -> Fraction | None:
        """The exact score (None for a track without a score)."""
        sc = self.scores.get(track)
        return None if sc is None else sc.fraction(self._index(partner_id))

    def summary(self) -> dict[str, dict[str | None, int]]:
        """Partners per track and level: {track: {level or None: count}} in ladder order."""
        out: dict[str, dict[str | None, int]] = {}
        # one pass over small integer codes instead of a group-by per text column
        codes = self.levels.select(
            [
                pl.col(t.name).replace_strict(list(t.level_names), list(range(len(t.level_names))), default=-1, return_dtype=pl.Int16)
                for t in self.program.tracks
            ]
        )
        for t in self.program.tracks:
            counts = dict(zip(*[c.to_list() for c in codes[t.name].value_counts().get_columns()]))
            names = (None, *t.level_names)
            out[t.name] = {lvl: counts.get(i - 1, 0) for i, lvl in enumerate(names)}
        return out

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
    """Exact scores as one integer column over their common denominator."""
    scale = scale_of(values)
    ints = [None if v is None else int(v * scale) for v in values]
    exact = {k: values[k] for k, i in enumerate(ints) if i is not None and abs(i) * 10**DECIMALS >= 2**126}
    ints = [None if k in exact else i for k, i in enumerate(ints)]
    top = max((abs(i) for i in ints if i is not None), default=0)
    big = top > 2**63 - 1
    return ScoreColumn(pl.Series(name, ints, dtype=pl.Int128 if big else pl.Int64), scale, top * 10**DECIMALS > 2**63 - 1, exact)  # type: ignore[arg-type]


__all__ += ["scale_of", "score_series", "ROW"]
