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
from fractions import Fraction

import polars as pl

from tierlang import ir
from tierlang.data import PID, ROW, Dataset
from tierlang.engine.vectorized import RequirementColumn, requirement_column

__all__ = [
    "Evaluation",
    "ScoreColumn",
    "DECIMALS",
    "decimal_text",
    "decimal_text_expr",
    "requirement_columns",
    "LONG_SCHEMA",
]

DECIMALS = 6

#: The DESIGN §4 output columns (score as exact decimal text, see module docstring).
LONG_SCHEMA = {PID: pl.String, "track": pl.String, "level": pl.String, "score": pl.String}


def decimal_text(value: Fraction, decimals: int = DECIMALS) -> str:
    """`value` as decimal text: exact when it fits in `decimals` places, else rounded
    half-even. `Fraction(200, 3)` → `'66.666667'`, `Fraction(105, 2)` → `'52.5'`."""
    unit = 10**decimals
    n = value.numerator * unit
    q, r = divmod(n, value.denominator)  # floor division, 0 <= r < denominator
    if 2 * r > value.denominator or (2 * r == value.denominator and q % 2 == 1):
        q += 1
    sign = "-" if q < 0 else ""
    a = abs(q)
    ip, fp = divmod(a, unit)
    frac = str(fp).rjust(decimals, "0").rstrip("0")
    return f"{sign}{ip}.{frac}" if frac else f"{sign}{ip}"


def decimal_text_expr(values: pl.Expr, scale: int, decimals: int = DECIMALS) -> pl.Expr:
    """The polars twin of `decimal_text` for integers `values` that mean `values / scale`.
    The caller guarantees `values * 10^decimals` fits the integer type (the vectorized
    engine's overflow analysis includes this product)."""
    unit = 10**decimals
    if unit % scale == 0:
        q = values * (unit // scale)
    else:
        n = values * unit
        q0 = n // scale
        twice = (n - q0 * scale) * 2
        q = pl.when((twice > scale) | ((twice == scale) & (q0 % 2 == 1))).then(q0 + 1).otherwise(q0)
    a = q.abs()
    ip = (a // unit).cast(pl.String)
    fp = (a % unit).cast(pl.String).str.zfill(decimals).str.strip_chars_end("0")
    sign = pl.when(q < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    point = pl.when(fp != "").then(pl.lit(".") + fp).otherwise(pl.lit(""))
    return pl.concat_str([sign, ip, point])


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
    """One track's scores, exact: partner k's score is `values[k] / scale` (null: none)."""

    values: pl.Series
    scale: int

    def fraction(self, k: int) -> Fraction | None:
        v = self.values[k]
        return None if v is None else Fraction(int(v), self.scale)

    def text(self) -> pl.Expr:
        return decimal_text_expr(pl.col(self.values.name), self.scale)


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
        tracks = self.tracks
        frame = self.levels.select([PID, *tracks]).rename({t: f"L:{t}" for t in tracks})
        frame = frame.with_columns([sc.values.alias(f"S:{t}") for t, sc in self.scores.items()])
        score_exprs = [
            decimal_text_expr(pl.col(f"S:{t}"), self.scores[t].scale) if t in self.scores else pl.lit(None, pl.String) for t in tracks
        ]
        return (
            frame.lazy()
            .select(
                pl.col(PID),
                pl.concat_list([pl.lit(t) for t in tracks]).alias("track"),
                pl.concat_list([pl.col(f"L:{t}") for t in tracks]).alias("level"),
                pl.concat_list(score_exprs).alias("score"),
            )
            .explode(["track", "level", "score"])
        )

    def long(self) -> pl.DataFrame:
        """partner_id, track, level, score — one row per partner per track."""
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
        for t in self.program.tracks:
            counts = dict(self.levels.group_by(t.name).len().iter_rows())
            out[t.name] = {lvl: counts.get(lvl, 0) for lvl in (None, *t.level_names)}
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
    scale = scale_of(values)
    ints = [None if v is None else int(v * scale) for v in values]
    big = any(i is not None and abs(i) > 2**63 - 1 for i in ints)
    return ScoreColumn(pl.Series(name, ints, dtype=pl.Int128 if big else pl.Int64), scale)


__all__ += ["scale_of", "score_series", "ROW"]
