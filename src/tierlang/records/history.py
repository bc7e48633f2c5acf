"""A records program over months (`tier eval --history` on a folder of tables): the long
table the history engine evaluates (one row per partner and month, the records metrics of
each month computed as of its first day), from one read of the tables.

Each month's windows are its own (`last month` of 2023-07-01 is June 2023), so the program is
lowered once per month (the windows are dates in the IR, DESIGN §3); the tables are read and
checked once, and the records stage runs once per month over every partner.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace

import polars as pl

from tierlang import dates, ir
from tierlang.data import MONTH, PID, ROW, Dataset
from tierlang.data.tables import Records, load_records
from tierlang.records import with_records

__all__ = ["history_dataset", "months_back", "LOOKBACK"]

#: Months evaluated before the first month written for status rules whose reach back is not
#: bounded by their own length (an anniversary a year away, no demotion since a date).
LOOKBACK = 12


def months_back(program: ir.Program) -> int:
    """How many months before the first month written the program's status rules need
    evaluated: none without status rules; a qualification window or a promotion lag reaches
    back its own length (a window of six months: the five before, one more kept for a
    length in days); the other kinds a year (`LOOKBACK`), plus a grace period's length."""
    need = 0
    for h in program.holds:
        length = h.length.months + -(-h.length.days // 28) if h.length is not None else 0
        if h.kind in ("window", "lag"):
            need = max(need, length)
        else:
            need = max(need, LOOKBACK + (length if h.kind == "grace" else 0))
    return need


def _only(records: Records, partners: Collection[str]) -> Records:
    keep = pl.col(PID).is_in(pl.Series(list(partners), dtype=pl.String).implode())
    ds = records.dataset
    return replace(
        records,
        dataset=replace(ds, frame=ds.frame.filter(keep)),
        tables={name: t.filtered(keep) for name, t in records.tables.items()},
    )


def history_dataset(
    program_at: Callable[[_dt.date], ir.Program],
    data: str | os.PathLike | Mapping[str, object] | Records,
    start: _dt.date,
    end: _dt.date,
    *,
    tables: Mapping[str, str | os.PathLike] | None = None,
    on_error: str = "stop",
    lookback: int | None = None,
    partners: Collection[str] | None = None,
) -> Dataset:
    """The long dataset of `program_at(month)`'s input metrics for every partner and every
    month from `lookback` months before `start` (default: what the program's status rules
    need, `months_back(program)`) to `end`. `program_at(day)` is the program lowered for that
    evaluation date (its records windows resolved for it). `partners`: only these partners'
    rows (every aggregate is per partner, so their metrics are the same as among all)."""
    if lookback is None:
        lookback = months_back(program_at(dates.month_start(start)))
    first = dates.add_months(dates.month_start(start), -lookback)
    months = list(dates.month_range(first, dates.month_start(end)))
    base = program_at(months[0])
    records = data if isinstance(data, Records) else load_records(data, base, on_error=on_error, tables=tables)
    if partners is not None:
        records = _only(records, partners)
    if len(months) > 1:  # every month aggregates the same rows: read them once, not once a month
        for table in records.tables.values():
            table.hold()
    frames, scales, denominators = [], {}, {}
    for month in months:
        ds = with_records(program_at(month), records)
        frames.append(ds.frame.with_columns(pl.lit(month, pl.Date).alias(MONTH)))
        for name, scale in ds.scales.items():
            if scales.setdefault(name, scale) != scale:  # pragma: no cover - scales come from the tables and constants
                raise AssertionError(f"metric '{name}' changed scale from month to month")
        denominators.update(ds.denominators)
    frame = pl.concat(frames, how="vertical_relaxed").sort([ROW, MONTH], maintain_order=True)
    ds = records.dataset
    return Dataset(
        path=ds.path,
        format=ds.format,
        frame=frame,
        scales=scales,
        metrics=base.input_metrics,
        total_rows=ds.total_rows,
        errors=ds.errors,
        error_count=ds.error_count,
        rejects=ds.rejects,
        columns=ds.columns,
        denominators=denominators,
    )
