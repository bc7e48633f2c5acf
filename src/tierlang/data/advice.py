"""Advice about values that are valid but probably not meant: they are read and evaluated
as written, and the user is warned."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

import polars as pl

from tierlang import ir
from tierlang.numbers import exact_text

if TYPE_CHECKING:
    from tierlang.data import Dataset

__all__ = ["percent_aggregates", "percent_warnings", "fraction_percents"]


def _percents(metrics) -> list[ir.Metric]:
    return [m for m in metrics if m.type.kind is ir.Kind.PERCENT]


def percent_aggregates(metrics, scales: dict[str, int]) -> list[pl.Expr]:
    """What `fraction_percents` needs of each percent column, as aggregates (one row): its
    least and greatest value and its first value strictly between 0 and 1. The pass that
    reads a file computes them while it streams (10M partners' percent columns are not
    kept for this)."""
    out = []
    for m in _percents(metrics):
        col, one = pl.col(m.name), scales.get(m.name, 1)  # decimals are integers scaled by `scale`
        out += [
            col.min().alias(f"lo:{m.name}"),
            col.max().alias(f"hi:{m.name}"),
            col.filter((col > 0) & (col < one)).first().alias(f"in:{m.name}"),
        ]
    return out


def fraction_percents(ds: Dataset) -> list[str]:
    """A warning for each percent column whose values all lie between 0 and 1, some strictly
    between: such a column was most likely written as fractions (0.5 meant as 50 %), while
    tierlang reads percents on the 0-100 scale (0.5 is half a percent). A dataset read in
    one pass has the answer already (`Dataset.advice`)."""
    if ds.advice is not None:
        return ds.advice
    percents = _percents(ds.metrics)
    frame = ds.columns_of([m.name for m in percents])
    stats = frame.select(percent_aggregates([m for m in percents if m.name in frame.columns], ds.scales))
    return percent_warnings(percents, stats.row(0, named=True) if stats.width else {}, ds.scales)


def percent_warnings(metrics, stats: dict, scales: dict[str, int]) -> list[str]:
    """The warnings of `fraction_percents` from `percent_aggregates`' row."""
    out = []
    for m in _percents(metrics):
        lo, hi, inside = stats.get(f"lo:{m.name}"), stats.get(f"hi:{m.name}"), stats.get(f"in:{m.name}")
        if lo is None or lo < 0 or hi > scales.get(m.name, 1) or inside is None:
            continue
        value = Fraction(int(inside), scales.get(m.name, 1))
        out.append(
            f"warning: every value of the percent column '{m.column or m.name}' lies between 0 and 1"
            f" (e.g. {exact_text(value)}): tierlang reads percents from 0 to 100, so that is"
            f" {exact_text(value)} %, not {exact_text(value * 100)} %; if the column holds fractions, multiply it by 100 (docs/data.md)"
        )
    return out
