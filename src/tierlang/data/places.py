"""The decimal places of text columns, found by one cheap streaming pass before the single pass.

A decimal column written as text (CSV, or a text column of a Parquet file) is held as integers
scaled by 10^k, k the most places any of its values has (`_DecimalReader`). That k depends on
every value of the column. `tier eval` and `tier diff --data` first guess it from the first
rows and check the guess on every row in the single pass (`scan_dataset(guess=True)`); when
the guess misses, and for scans that do not guess (a history), this pass finds it instead of
the two stages, which hold every input column (10M partners × 48 columns: gigabytes). It reads
only the text decimal columns and keeps two numbers per column, whatever the file's length:
the most places of a value and the longest run of characters before a value's point. With
them, the single pass reads the column at its final scale, in Int64.

The pass looks at every non-empty value, valid or not: a bad value can only make k larger
than the two stages would (never smaller), and the single pass flags it and hands the file to
the two stages anyway, which report it. For a file without bad values, k is exactly the two
stages' k, so every output is the same byte for byte.

The Int64 bound is conservative: the characters before the point (a sign and leading zeros
included) plus k at most 18 means every value, scaled, has at most 18 digits. A column beyond
it (rare: 19 significant digits) takes the two stages, which read it in 128 bits.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

__all__ = ["INT64_DIGITS", "places_of", "text_places", "fits"]

#: Digits every Int64 holds (10^18 - 1 < 2^63).
INT64_DIGITS = 18


def places_of(t: pl.Expr, point: pl.Expr) -> pl.Expr:
    """The decimal places of each text value `t` (trailing zeros counted), given `point`,
    the position of its point (null: none, so no places)."""
    return pl.when(point.is_null()).then(pl.lit(0, pl.Int64)).otherwise(t.str.len_bytes().cast(pl.Int64) - point - 1)


def text_places(frame: pl.LazyFrame, columns: Sequence[str]) -> dict[str, tuple[int, int]]:
    """For each of the text `columns` of `frame`: (the most places of any of its values, the
    most characters before the point of any of them). One streaming aggregate: the memory
    it takes does not grow with the file."""
    if not columns:
        return {}
    aggs = []
    for i, c in enumerate(columns):
        t = pl.col(c)
        point = t.str.find(".", literal=True).cast(pl.Int64)
        size = t.str.len_bytes().cast(pl.Int64)
        aggs.append(places_of(t, point).max().alias(f"__k{i}"))
        aggs.append(pl.coalesce(point, size).max().alias(f"__w{i}"))
    got = frame.select(aggs).collect(engine="streaming").row(0)
    return {c: (got[2 * i] or 0, got[2 * i + 1] or 0) for i, c in enumerate(columns)}


def fits(places: int, width: int) -> bool:
    """Whether every value of a column with at most `width` characters before its point,
    scaled to `places` places, fits Int64 (conservatively: see the module docstring)."""
    return places + width <= INT64_DIGITS
