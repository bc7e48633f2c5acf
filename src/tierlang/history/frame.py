"""Status rules over a partner × month grid, as polars expressions.

The grid has one row per partner and month, sorted by partner then month, every partner
with every month of the history (`K` is the month's index, 0 for the first). The rules of
`tierlang.history.reference` become column expressions without a per-partner loop:

- lag and window: the min / max of the previous stage shifted by 0 … N rows, rows that
  would cross into the partner before (K < shift) left out;
- anniversary and no-demotion: a running maximum that restarts at a reset (a renewal, the
  partner's first month, the rule not in force). Levels are small integers, so one
  cumulative maximum of `segment × B + level` over the whole frame is the running maximum
  within each segment (segments are numbered in frame order, so a later segment's values
  are above any earlier's);
- grace: the previous stage `s` rows up, `s` the months since the last evaluation before
  the anniversary (a few at most);
- grandfather: the previous stage at the partner's row of the held-on month (a gather).

Columns read: `E:<track>` (earned level index, -1 none), `month` (Date), `K` (Int32), and
`ANN` (the partner's anniversary for the month, Date, null when unknown). Columns written:
`H:<track>` (held level index) and `B:<track>` (held_by code: 0 none, 1 qualified, 2 + i the
track's i-th rule in `ir.HOLD_KINDS` order).
"""

from __future__ import annotations

import datetime as _dt
import math

import polars as pl

from tierlang import dates, ir
from tierlang.data import MONTH, PID

__all__ = ["K", "ANN", "ROWNUM", "DATA", "apply_holds", "earned", "held", "held_by_code"]

K = "__k__"  # the month's index in the history (0: the first month)
ANN = "__ann__"  # the partner's anniversary in force that month (null: none given)
ROWNUM = "__g__"  # the row's position in the grid
DATA = "__data__"  # whether the partner has a row in the data that month


def earned(track: str) -> str:
    return f"E:{track}"


def held(track: str) -> str:
    return f"H:{track}"


def held_by_code(track: str) -> str:
    return f"B:{track}"


def _active(h: ir.Hold) -> pl.Expr:
    """Whether the rule is in force in the row's month (a column, never a literal: it is shifted)."""
    return pl.col(MONTH).is_not_null() if h.since is None else pl.col(MONTH) >= pl.lit(h.since, pl.Date)


def _rolling(x: pl.Expr, n: int, fn) -> pl.Expr:
    """`fn` (min or max horizontal) of `x` in this row and the `n` before, same partner."""
    k = pl.col(K)
    return fn([x] + [pl.when(k >= j).then(x.shift(j)) for j in range(1, n + 1)])


def _running_max(x: pl.Expr, reset: pl.Expr, levels: int) -> pl.Expr:
    """The maximum of `x` (a level index, -1 … levels - 1) since the last row where `reset`
    holds (inclusive); the frame is in grid order."""
    base = levels + 1
    segment = reset.cast(pl.Int64).cum_sum()
    return ((segment * base + x.cast(pl.Int64) + 1).cum_max() - segment * base - 1).cast(pl.Int16)


def _anniversary(window_level: pl.Expr) -> pl.Expr:
    """The anniversary given for the month, else (no anniversary given for the partner) the
    first day of the first month the track is held after the window stage, from then on."""
    first = pl.when(window_level >= 0).then(pl.col(MONTH)).min().over(PID)
    return pl.coalesce(pl.col(ANN), pl.when(pl.col(MONTH) >= first).then(first))


def _renews(anniversary: pl.Expr) -> pl.Expr:
    """An anniversary falls after the previous month's first day and on or before this one's:
    on the 1st of this month, or on the 2nd or later of the previous month."""
    mo = pl.col(MONTH).dt.month().cast(pl.Int32)
    prev = (mo + 10) % 12 + 1
    am, ad = anniversary.dt.month().cast(pl.Int32), anniversary.dt.day().cast(pl.Int32)
    return (((am == mo) & (ad == 1)) | ((am == prev) & (ad >= 2))).fill_null(False)


def _last_anniversary(anniversary: pl.Expr) -> pl.Expr:
    """The latest date on or before the row's month that falls on the anniversary's month
    and day (29 February on 28 February in other years)."""
    year = pl.col(MONTH).dt.year().cast(pl.Int32)
    am, ad = anniversary.dt.month().cast(pl.Int32), anniversary.dt.day().cast(pl.Int32)

    def on(y: pl.Expr) -> pl.Expr:
        leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
        day = pl.when((am == 2) & (ad == 29) & ~leap).then(pl.lit(28)).otherwise(ad)
        return pl.date(y, am, day)

    this = on(year)
    return pl.when(this <= pl.col(MONTH)).then(this).otherwise(on(year - 1))


def apply_holds(lf: pl.LazyFrame, program: ir.Program, track: str, first_month: _dt.date, months: int) -> pl.LazyFrame:
    """Add `H:<track>` and `B:<track>` for one track (see the module docstring)."""
    t = program.track_map[track]
    levels = len(t.level_names)
    rules = {h.kind: h for h in program.holds_of(track)}
    codes = {h.name: 2 + i for i, h in enumerate(program.holds_of(track))}
    x = pl.col(earned(track))
    after_window = x  # the level after the lag and window stages: what enrollment looks at
    by = pl.lit(0, pl.Int8)
    helpers: list[str] = []
    anniversary: pl.Expr | None = None
    last: pl.Expr | None = None
    for stage, kind in enumerate(ir.HOLD_KINDS, start=1):
        h = rules.get(kind)
        if h is None:
            continue
        if kind in ("anniversary", "grace") and anniversary is None:
            # a column, computed once: as an expression it would be repeated in every place
            # a stage reads it (the grace stage's date arithmetic reads it dozens of times)
            helpers.append(f"__ann:{track}")
            lf = lf.with_columns(_anniversary(after_window).alias(helpers[-1]))
            anniversary = pl.col(helpers[-1])
        if kind == "grace":
            assert anniversary is not None
            helpers.append(f"__last:{track}")
            lf = lf.with_columns(_last_anniversary(anniversary).alias(helpers[-1]))
            last = pl.col(helpers[-1])
        col = f"__x{stage}:{track}"
        helpers.append(col)
        out = _stage(h, x, anniversary, last, levels, first_month, months)
        lf = lf.with_columns(pl.when(_active(h)).then(out).otherwise(x).cast(pl.Int16).alias(col))
        new = pl.col(col)
        by = pl.when(new > x).then(pl.lit(codes[h.name], pl.Int8)).otherwise(by)
        x = new
        if kind in ("lag", "window"):
            after_window = x
    e = pl.col(earned(track))
    code = pl.when(x < 0).then(pl.lit(0, pl.Int8)).when(x <= e).then(pl.lit(1, pl.Int8)).otherwise(by)
    lf = lf.with_columns(x.alias(held(track)), code.alias(held_by_code(track)))
    return lf.drop(helpers)


def _stage(
    h: ir.Hold, x: pl.Expr, anniversary: pl.Expr | None, last: pl.Expr | None, levels: int, first_month: _dt.date, months: int
) -> pl.Expr:
    """Stage `h` applied to the previous stage `x` (before the rule's `from` check).
    `anniversary` and `last`: the columns of `_anniversary` (which the anniversary and grace
    stages read) and of `_last_anniversary` of it (the grace stage)."""
    active = _active(h)
    k = pl.col(K)
    if h.kind == "lag":
        return _rolling(x, h.length.months, pl.min_horizontal)  # type: ignore[union-attr]
    if h.kind == "window":
        return _rolling(x, h.length.months - 1, pl.max_horizontal)  # type: ignore[union-attr]
    if h.kind == "anniversary":
        assert anniversary is not None
        reset = (k == 0) | _renews(anniversary) | ~active | ~active.shift(1).fill_null(False)
        return _running_max(x, reset, levels)
    if h.kind == "grace":
        assert h.length is not None and last is not None
        end = last
        for offset in dates.offset_text(h.length):
            end = end.dt.offset_by(offset)
        inside = (last > pl.lit(first_month, pl.Date)) & (pl.col(MONTH) < end)
        eve = last.dt.offset_by("-1d")  # the last evaluation before the anniversary is in this day's month
        before = eve.dt.year().cast(pl.Int32) * 12 + eve.dt.month().cast(pl.Int32)
        back = pl.col(MONTH).dt.year().cast(pl.Int32) * 12 + pl.col(MONTH).dt.month().cast(pl.Int32) - before
        most = h.length.months + math.ceil(h.length.days / 28) + 2
        earlier = pl.lit(None, pl.Int16)
        for s in range(most, 0, -1):
            earlier = pl.when(back == s).then(x.shift(s)).otherwise(earlier)
        return pl.when(inside.fill_null(False)).then(pl.max_horizontal(x, earlier)).otherwise(x)
    if h.kind == "until":
        within = active & (pl.col(MONTH) <= pl.lit(h.until, pl.Date))
        reset = (k == 0) | ~within | ~within.shift(1).fill_null(False)
        return _running_max(x, reset, levels)
    if h.kind == "grandfather":
        assert h.held_on is not None and h.until is not None
        if h.held_on < first_month:
            return x  # the history starts after the date whose level is kept: nothing to keep
        at = min(dates.months_between(first_month, h.held_on), months - 1)
        kept = x.gather(pl.int_range(pl.len()) - k + at)
        cond = (pl.col(MONTH) > pl.lit(h.held_on, pl.Date)) & (pl.col(MONTH) <= pl.lit(h.until, pl.Date))
        return pl.when(cond).then(pl.max_horizontal(x, kept)).otherwise(x)
    raise AssertionError(h.kind)
