"""Calendar arithmetic, defined once for every engine.

A duration is a whole number of months (a year is 12 months) or of days. Adding months keeps
the day of the month and clamps it to the last day of the target month:

    2024-01-31 + 1 month   = 2024-02-29        2024-02-29 + 12 months = 2025-02-28
    2024-03-31 - 1 month   = 2024-02-29        2025-02-28 + 12 months = 2026-02-28

so month arithmetic is not reversible at month ends (2025-02-28 - 12 months is 2024-02-28,
not 2024-02-29). This is what PostgreSQL's `date + interval '12 months'`, DuckDB, Spark's
`add_months` (for days before the month's last) and polars' `dt.offset_by("12mo")` do;
the tests check polars against this module. Days are plain calendar days.

Histories are monthly: a month is named by its first day (`2023-09-01`), and is evaluated
as of that day.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from collections.abc import Iterator

from tierlang.ir import Duration

__all__ = ["add_months", "shift", "month_start", "month_range", "months_between", "month_text", "next_month", "offset_text"]


def add_months(d: _dt.date, months: int) -> _dt.date:
    """`d` plus `months` calendar months, the day clamped to the target month's last day."""
    index = d.year * 12 + d.month - 1 + months
    year, month0 = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError(f"{d.isoformat()} {'+' if months >= 0 else '-'} {abs(months)} months is outside years 1-9999")
    day = min(d.day, calendar.monthrange(year, month0 + 1)[1])
    return _dt.date(year, month0 + 1, day)


def shift(d: _dt.date, by: Duration, sign: int = 1) -> _dt.date:
    """`d + by` (sign 1) or `d - by` (sign -1): months first (clamped), then days."""
    out = add_months(d, sign * by.months) if by.months else d
    return out + _dt.timedelta(days=sign * by.days) if by.days else out


def offset_text(by: Duration, sign: int = 1) -> list[str]:
    """The polars `dt.offset_by` strings for `shift(·, by, sign)`, in order (months, then days)."""
    out = []
    if by.months:
        out.append(f"{sign * by.months}mo")
    if by.days:
        out.append(f"{sign * by.days}d")
    return out


def month_start(d: _dt.date) -> _dt.date:
    return d.replace(day=1)


def next_month(d: _dt.date) -> _dt.date:
    """The first day of the month after `d`'s."""
    return add_months(month_start(d), 1)


def months_between(a: _dt.date, b: _dt.date) -> int:
    """Whole months from `a`'s month to `b`'s (2023-01-xx to 2023-03-yy is 2)."""
    return (b.year - a.year) * 12 + b.month - a.month


def month_range(first: _dt.date, last: _dt.date) -> Iterator[_dt.date]:
    """The first days of the months from `first`'s to `last`'s, inclusive."""
    d = month_start(first)
    while d <= last:
        yield d
        d = next_month(d)


def month_text(d: _dt.date) -> str:
    """`2023-09` for any day of September 2023."""
    return f"{d.year:04d}-{d.month:02d}"
