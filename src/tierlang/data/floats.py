"""Binary floats read as exact decimals, without going through text.

A float column (Parquet double, what pandas and Spark write) is read as the shortest decimal
text of each value, the digits every tool prints for it: 0.1 is 0.1, not
0.1000000000000000055511151231257827 (docs/data.md). That reading used to be computed by
printing every value and parsing the text back, which cost more than reading the file. This
module computes the same digits with a few float operations per value and proves each one:

- For a float `x` and a number of decimal places `k`, let `n = round(x * 10^k)` (in floats).
  If `|n| < 10^15` and `n / 10^k == x` in floats, then `n / 10^k` is exactly the decimal
  that `x` prints as. Why: IEEE division is correctly rounded and `n` and `10^k` (k <= 22)
  are exact floats, so the check says that the decimal `n·10^-k` rounds to `x`; it has at
  most 15 significant digits, and two decimals of at most 15 significant digits are more
  than one float apart (10^15 < 2^53 / 9), so it is the only such decimal that rounds to
  `x`. The shortest decimal that rounds to `x` has no more digits, so it is this one.
- Conversely, when `x` prints with `p` places and at most 15 significant digits, the check
  holds at `k = p`: `x * 10^p` lies within 0.22 of the integer (half a float's spacing plus
  one rounding, relative to a number below 10^15), so `n` is that integer.

Values printed with more than 15 significant digits (0.30000000000000004, the sum of 0.1 and
0.2) fail every check and are read from their text, row by row: the text is the reference,
and the proof above is what makes the fast path give the same digits. Values polars prints
with an exponent (|x| >= 10^16 or below 10^-5, NaN and infinities) have no exact reading
(TL412), as before: `no_exact_reading` says which, without printing them.

The places counted are those of the printed text, which always shows one at least (`100.0`),
so a column's scale is the same whichever way its values were read.
"""

from __future__ import annotations

import polars as pl

from tierlang.ir import frozen

__all__ = [
    "MAX_PLACES",
    "TINY_PLACES",
    "below_text",
    "no_exact_reading",
    "scaled",
    "proven",
    "Decomposed",
    "decompose",
    "column_places",
]

#: The most places the float checks try; a value needing more is read from its text.
MAX_PLACES = 15
_DIGITS = 1e15  # at most 15 significant digits: see the module docstring
_EXP_HIGH = 1e16  # polars prints |x| >= 1e16 with an exponent ...
_EXP_LOW = 1e-5  # ... and 0 < |x| < 1e-5 (the float nearest to 10^-5 prints as 0.00001)


#: Places from which a value below 10^-5 (`below_text`) may pass `proven`: at fewer, its
#: digits round to 0, which reads back as 0, not as the value.
TINY_PLACES = 5


def no_exact_reading(x: pl.Expr) -> pl.Expr:
    """True where the float `x` has no exact decimal reading: NaN, an infinity, or a value
    polars prints with an exponent (null stays null). Identical to the text reading's
    verdict, which fails to parse exactly these (a property test holds the two together)."""
    a = x.abs()
    return x.is_nan() | (a >= _EXP_HIGH) | below_text(x, a)


def below_text(x: pl.Expr, a: pl.Expr | None = None) -> pl.Expr:
    """True where the float `x` (`a`: its absolute value) is not 0 but below 10^-5: polars
    prints it with an exponent, so it has no exact reading (part of `no_exact_reading`)."""
    return ((x.abs() if a is None else a) < _EXP_LOW) & (x != 0)


def _check(frame: pl.DataFrame, k: int) -> tuple[pl.DataFrame, pl.Expr]:
    """`frame` (a Float64 column `x`) with `n = round(x * 10^k)` as a float, and the
    expression `ok` over it: whether `n / 10^k` is provably the decimal `x` prints as (see
    the module docstring)."""
    unit = float(10**k)
    # The divisor is a column, not a constant: polars divides by a constant by multiplying
    # with its reciprocal, which is not correctly rounded (531 * 0.01 != 531 / 100), and
    # the proof needs the one correctly rounded division.
    units = pl.Series("__unit__", [unit], dtype=pl.Float64).new_from_index(0, frame.height)
    with_n = frame.with_columns((pl.col("x") * unit).round().alias("n"), units)
    ok = ((pl.col("n").abs() < _DIGITS) & (pl.col("n") / pl.col("__unit__") == pl.col("x"))).fill_null(False)
    return with_n, ok


def _ladder(frame: pl.DataFrame, start: int = 1) -> pl.DataFrame:
    """Each value of `frame` (columns `i`, `x`) with the fewest places from `start` on at
    which a check proves it: columns `i`, `n` (Float64, the digits) and `k` (Int64); a
    value no check proves (more than 15 significant digits) is left out."""
    found = []
    pending = frame
    for k in range(start, MAX_PLACES + 1):
        if pending.height == 0:
            break
        with_n, ok = _check(pending, k)
        step = with_n.with_columns(ok.alias("ok"))
        found.append(step.filter("ok").select("i", "n", pl.lit(k, pl.Int64).alias("k")))
        pending = step.filter(~pl.col("ok")).select("i", "x")
    return pl.concat(found) if found else pl.DataFrame(schema={"i": pl.Int64, "n": pl.Float64, "k": pl.Int64})


def _column_k(values: pl.DataFrame) -> int | None:
    """The places of a column of valid values (`i`, `x`; at least 1, as the text counts
    them) when a check proves every value at that many places; else None. Usually one pass
    over the column: at the places a sample of it needs, every value passes the check and
    some value's last digit is not 0."""
    if values.height == 0:
        return 1
    k = max(1, int(_ladder(values.head(1024))["k"].max() or 1))
    while k <= MAX_PLACES:
        with_n, ok = _check(values, k)
        digits = pl.col("n").cast(pl.Int64, strict=False)
        # ends[j]: some value's digits at k places do not end in j zeros
        ends = [(digits % 10**j != 0).any().alias(f"e{j}") for j in range(1, k)]
        row = with_n.select(ok.all().alias("ok"), *ends).row(0)
        if row[0]:
            zeros = next((j for j, some in enumerate(row[1:], start=1) if some), k) - 1
            return k - zeros  # digits that all end in zeros: the values need fewer places
        failed = _ladder(with_n.filter(~ok).select("i", "x"), k + 1)
        if failed.height < with_n.height - int(with_n.select(ok.sum()).item()):
            return None  # a value no check proves: it needs its text
        k = int(failed["k"].max())
    return None


def scaled(x: pl.Expr, k: int) -> pl.Expr:
    """The decimal the float `x` prints as, times 10^k, as Int64: exact for every value of a
    column that `column_places` read at `k` places."""
    return (x * float(10**k)).round().cast(pl.Int64, strict=False)


def proven(x: pl.Expr, k: int) -> pl.Expr:
    """Whether `scaled(x, k)` is provably the decimal the float `x` prints as (the check of
    the module docstring), as an expression that streams: false for null and NaN."""
    unit = float(10**k)
    n = (x * unit).round()
    # `x * 0.0 + unit` is the constant as a column (exactly `unit` for every finite x): a
    # division by a literal is a multiplication by its reciprocal, not correctly rounded
    return ((n.abs() < _DIGITS) & (n / (x * 0.0 + unit) == x)).fill_null(False)


@frozen
class Decomposed:
    """Each value as (digits, places), what its printed text says: `digits / 10^places`
    (Int128 and Int64 columns, null where the value is null or has no exact reading;
    `places` may count trailing zeros, and is the column's own places where it can be),
    and how many values were read from their text."""

    digits: pl.Series
    places: pl.Series
    from_text: int


def decompose(x: pl.Series, valid: pl.Series) -> Decomposed:
    """The digits and places of every value of the Float64 series `x` where `valid` holds
    (the others come out null). Usually all values read at the column's places in one pass
    (`column_places`); otherwise each value at the fewest places a check proves, and
    whatever no check proves (more than 15 significant digits) from polars' text of it."""
    height = x.len()
    values = pl.DataFrame({"i": pl.int_range(height, dtype=pl.Int64, eager=True), "x": x}).filter(valid)
    k = _column_k(values)
    if k is not None:
        digits = pl.when(valid).then(scaled(pl.lit(x), k).cast(pl.Int128))
        out = pl.select(digits.alias("digits"), pl.when(valid).then(pl.lit(k, pl.Int64)).alias("places"))
        return Decomposed(out["digits"], out["places"], 0)
    digits = pl.Series("digits", dtype=pl.Int128).extend_constant(None, height)
    places = pl.Series("places", dtype=pl.Int64).extend_constant(None, height)
    proven = _ladder(values)
    digits.scatter(proven["i"], proven["n"].cast(pl.Int128))
    places.scatter(proven["i"], proven["k"])
    pending = values.join(proven.select("i"), on="i", how="anti")
    if pending.height:
        t = pl.col("x").cast(pl.String)
        point = t.str.find(".", literal=True).cast(pl.Int64)
        text = pending.select(
            "i",
            t.str.replace(".", "", literal=True).cast(pl.Int128).alias("d"),
            (t.str.len_bytes().cast(pl.Int64) - point - 1).alias("k"),
        )
        digits.scatter(text["i"], text["d"])
        places.scatter(text["i"], text["k"])
    return Decomposed(digits, places, pending.height)


def column_places(x: pl.Series) -> int | None:
    """The places of a Float64 column (the most any value prints with, at least 1; 0 for
    a column without values, as `decompose` reads it) when `scaled` reads every value of it
    exactly at that many places; None when some value needs its text or has no exact
    reading (the column is then read by `decompose`, and its bad values reported)."""
    frame = x.to_frame("x")
    if frame.select(no_exact_reading(pl.col("x")).any()).item():
        return None
    values = frame.drop_nulls()
    return _column_k(values.with_row_index("i")) if values.height else 0
