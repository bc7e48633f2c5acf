"""Advice about values that are valid but probably not meant: they are read and evaluated
as written, and the user is warned."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from tierlang import ir
from tierlang.numbers import exact_text

if TYPE_CHECKING:
    from tierlang.data import Dataset

__all__ = ["advised_columns", "fraction_percents"]


def advised_columns(metrics) -> list[str]:
    """The columns `fraction_percents` reads (metric names): an evaluation that reads a file
    in one pass keeps them, rather than have the advice read the file again."""
    return [m.name for m in metrics if m.type.kind is ir.Kind.PERCENT]


def fraction_percents(ds: Dataset) -> list[str]:
    """A warning for each percent column whose values all lie between 0 and 1, some strictly
    between: such a column was most likely written as fractions (0.5 meant as 50 %), while
    tierlang reads percents on the 0-100 scale (0.5 is half a percent)."""
    out = []
    percents = [m for m in ds.metrics if m.type.kind is ir.Kind.PERCENT]
    frame = ds.columns_of(advised_columns(percents))  # not the whole file again
    for m in percents:
        if m.name not in frame.columns:
            continue
        scale = ds.scales.get(m.name, 1)  # decimals are integers scaled by `scale`
        col = frame[m.name].drop_nulls()
        if col.is_empty() or col.min() < 0 or col.max() > scale:
            continue
        inside = col.filter((col > 0) & (col < scale))
        if inside.is_empty():
            continue
        value = Fraction(int(inside[0]), scale)
        out.append(
            f"warning: every value of the percent column '{m.column or m.name}' lies between 0 and 1"
            f" (e.g. {exact_text(value)}): tierlang reads percents from 0 to 100, so that is"
            f" {exact_text(value)} %, not {exact_text(value * 100)} %; if the column holds fractions, multiply it by 100 (docs/data.md)"
        )
    return out
