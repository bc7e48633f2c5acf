"""`tier synth --months N`: a partner × month history, for `tier eval --history`.

The first month is the population `tier synth` makes (the same partners, values and
anniversaries); each later month moves every partner's values with month-to-month
persistence (the knobs are `[history]` in calibration.toml; docs/synth.md has the model):

- each partner has, per track it pursues, a trend (a yearly growth or decline drawn once)
  and a monthly level that follows an AR(1) process around it: a good month tends to be
  followed by a good month. The columns a track reads move together;
- each column adds its own small monthly noise; signed columns (net customer adds, growth)
  also get additive noise, so they cross zero;
- counts and decimals stay whole numbers of their units (stochastic rounding), inside their
  declared ranges; bools, enums, dates and anniversaries stay as they are;
- a share of partners joins after the first month, and a share leaves before the last: they
  have no rows outside their months.

Deterministic like the snapshot: the same programs, rows, months, seed and calibration give
the same bytes, and every draw is counter-based (a partner's month depends on its row, the
month and the stream, not on how many partners or months were asked for).
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from tierlang import atomic, dates, ir
from tierlang.synth.calibration import Calibration, load_calibration
from tierlang.synth.model import FALLBACK_ANCHOR, _Generator, pursued_column
from tierlang.synth.output import FORMATS, _write_text
from tierlang.synth.rng import ROW, normal_pair, stream_key, uniform, word
from tierlang.synth.schema import SynthError, build_schema

__all__ = ["synthesize_history", "write_history", "MONTH", "MAX_MONTHS"]

MONTH = "month"
#: The longest history generated (ten years of months).
MAX_MONTHS = 120

_NUMERIC = frozenset({ir.Kind.COUNT, ir.Kind.NUMBER, ir.Kind.PERCENT, ir.Kind.MONEY})


def synthesize_history(
    programs: list[ir.Program],
    rows: int | None = None,
    months: int = 12,
    *,
    first_month: _dt.date | None = None,
    seed: int = 0,
    calibration: Calibration | None = None,
    anniversary_from: _dt.date | None = None,
) -> Iterator[pl.DataFrame]:
    """The history, one frame per month (in order): `partner_id`, `month`, the programs'
    columns, `anniversary` and the profile columns, for the partners active that month.
    `first_month` defaults to the month of the latest effective date of the programs."""
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise SynthError(f"months must be a whole number from 1 to {MAX_MONTHS}, not {months!r}")
    cal = calibration or load_calibration()
    if not programs:
        raise SynthError("no program given", hint="name at least one .tier file")
    rows = cal["population"]["organizations"] if rows is None else rows
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise SynthError(f"rows must be a whole number of at least 1, not {rows!r}")
    schema = build_schema(programs)
    anchor = anniversary_from or schema.anchor or FALLBACK_ANCHOR
    first = dates.month_start(first_month or schema.anchor or anchor)
    if (first.year * 12 + first.month - 1 + months - 1) // 12 > 9999:
        raise SynthError(f"{months} months from {dates.month_text(first)} end after 9999")
    return _History(_Generator(schema, cal, seed, rows, anchor), cal, seed, first, months).months()


class _History:
    def __init__(self, gen: _Generator, cal: Calibration, seed: int, first: _dt.date, months: int) -> None:
        self.gen = gen
        self.k = cal["history"]
        self.seed = seed
        self.first = first
        self.n_months = months

    def _word(self, stream: str) -> pl.Expr:
        return word(stream_key(self.seed, f"history:{stream}"))

    def months(self) -> Iterator[pl.DataFrame]:
        gen, k = self.gen, self.k
        base = gen.units()
        decimals = gen.decimals()
        groups = list(gen.schema.groups)
        # a partner's span of months, and each pursued group's trend (yearly, in log terms)
        w = self._word("span")
        join = uniform(w, 0, 16) < k["joined"]
        leave = uniform(w, 1, 16) < k["left"]
        first = pl.when(join).then(1 + (uniform(w, 2, 16) * (self.n_months - 1)).floor()).otherwise(0).cast(pl.Int32)
        # a leaver's last month is on or after its first (every partner has at least one month)
        last = pl.when(leave).then(first + (uniform(w, 3, 16) * (self.n_months - 1 - first)).floor()).otherwise(self.n_months - 1)
        span = [first.alias(":first"), last.cast(pl.Int32).alias(":last")]
        trends = [
            normal_pair(uniform(self._word(f"trend:{g}"), 0), uniform(self._word(f"trend:{g}"), 1))[0] * k["trend_sigma"] for g in groups
        ]
        state = base.select(
            ROW,
            *span,
            *[t.alias(f":trend:{g}") for g, t in zip(groups, trends)],
            *[pl.lit(0.0).alias(f":level:{g}") for g in groups],
        )
        rho, sigma = k["persistence"], k["sigma"]
        innovation = sigma * math.sqrt(max(0.0, 1.0 - rho * rho))
        numeric = [c for c in gen.schema.columns.values() if c.kind in _NUMERIC]
        previous = base
        for t in range(self.n_months):
            if t:
                shocks = []
                for g in groups:
                    z, _ = normal_pair(uniform(self._word(f"{t}:{g}"), 0), uniform(self._word(f"{t}:{g}"), 1))
                    shocks.append((pl.col(f":level:{g}") * rho + z * innovation).alias(f":level:{g}"))
                state = state.with_columns(shocks)
            values = base.with_columns(state.drop(ROW)).with_columns([self._value(c, t, groups) for c in numeric])
            for left, total in gen.constraint_caps():  # each month keeps them (the values moved apart)
                values = values.with_columns(total.alias(left))
            if gen.fit and t:
                # the programs' constraints, repaired; a partner whose moved values break one
                # that repair cannot mend keeps last month's values (which kept them all)
                values = gen.fit.repair(values)
                bad = values.select(gen.fit.broken()).to_series()
                if bad.any():
                    values = values.with_columns(
                        [pl.when(bad).then(previous[c.name]).otherwise(pl.col(c.name)).alias(c.name) for c in numeric]
                    )
            previous = values.select(c.name for c in numeric)
            active = (pl.col(":first") <= t) & (pl.col(":last") >= t)
            month = dates.add_months(self.first, t)
            frame = values.lazy().filter(active).select(gen.output(decimals)).collect()
            yield frame.insert_column(1, pl.Series(MONTH, [month] * frame.height, dtype=pl.Date))

    def _value(self, col, t: int, groups: list[str]) -> pl.Expr:
        """A numeric column's units in month t: the first month's value moved by the mean
        log level of the pursued groups that read it, plus its own noise."""
        gen, k = self.gen, self.k
        own = [g for g in col.groups if g in groups]
        if own:
            flags = [pl.col(pursued_column(g)).cast(pl.Float64) for g in own]
            logs = [(pl.col(f":trend:{g}") * (t / 12.0) + pl.col(f":level:{g}")) * f for g, f in zip(own, flags)]
            drift = pl.sum_horizontal(logs) / pl.sum_horizontal(flags).clip(lower_bound=1.0)
            active = pl.sum_horizontal(flags) > 0
        else:
            drift, active = pl.lit(0.0), pl.lit(False)
        w = self._word(f"{t}:column:{col.name}")
        z1, z2 = normal_pair(uniform(w, 0, 16), uniform(w, 1, 16))
        u = uniform(w, 2, 16)
        base = pl.col(col.name).cast(pl.Float64)
        moved = base * (drift + z1 * k["column_noise"]).exp()
        grid = gen._grid(col)
        lo, hi = gen._range_units(col, grid)
        if col.minimum is None or col.minimum < 0:
            knobs = gen.knobs[col.name]
            scale = knobs.scale if knobs.scale is not None else gen._scale(col)
            # only where the partner works on the column: an idle column stays at rest
            moved = moved + pl.when(active).then(z2 * (k["signed_noise"] * scale * grid)).otherwise(0.0)
        value = (moved + u).clip(-(2.0**53), 2.0**53).floor().cast(pl.Int64).clip(lo, hi)
        return (pl.col(col.name) if t == 0 else value).alias(col.name)


def write_history(frames: Iterator[pl.DataFrame], path: str | os.PathLike, fmt: str) -> int:
    """Write the months in order to `path` (`-`: standard output); returns the rows written.
    CSV and JSON Lines are written month by month; Parquet through one file per month,
    joined in one streaming pass (a history can be larger than memory would like)."""
    if fmt not in FORMATS:
        raise SynthError(f"unknown output format '{fmt}'", hint="use csv, parquet or jsonl")
    rows = 0
    if str(path) == "-":
        if fmt == "parquet":
            raise SynthError("Parquet is not written to standard output", hint="give a file name with -o")
        for i, frame in enumerate(frames):
            rows += frame.height
            _write_month(frame, sys.stdout.buffer, fmt, header=i == 0)
        sys.stdout.buffer.flush()
        return rows
    target = Path(path)
    try:
        # whole or not at all (tierlang.atomic): an interrupted run leaves no half history
        with atomic.replacing(target) as (final,):
            if fmt == "parquet":
                with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
                    parts = []
                    for i, frame in enumerate(frames):
                        part = Path(tmp) / f"{i:04d}.parquet"
                        frame.write_parquet(part, compression="zstd", statistics=True)
                        parts.append(part)
                        rows += frame.height
                    pl.scan_parquet(parts).sink_parquet(final, compression="zstd", statistics=True)
            else:
                with open(final, "wb") as fh:
                    for i, frame in enumerate(frames):
                        rows += frame.height
                        _write_month(frame, fh, fmt, header=i == 0)
    except OSError as e:
        raise SynthError(f"cannot write {path}: {e.strerror or e}") from None
    return rows


def _write_month(frame: pl.DataFrame, fh, fmt: str, header: bool) -> None:
    if fmt == "csv" and not header:
        frame.write_csv(fh, include_header=False, line_terminator="\n")
    else:
        _write_text(frame, fh, fmt)
