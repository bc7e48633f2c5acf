"""Exact numbers as text. Scores and values are Fractions inside tierlang; they become text
only at the edges, through these functions, so every output agrees digit for digit."""

from __future__ import annotations

import re
from fractions import Fraction

__all__ = ["DECIMALS", "MAX_COUNT", "decimal_text", "exact_text", "plural", "terminates"]

#: The largest magnitude of a count: 18 digits, whatever the input form (text, JSON number,
#: any integer or DECIMAL(p, 0) column) and whatever engine reads it (the data loader, and the
#: compiled SQL, `engine.sql.inputs`, refuse the same values; the checker refuses such a
#: default). Every 18-digit number fits a 64-bit integer, with room for its sign, in every
#: database; 64 bits' own limit (9223372036854775807) would depend on the column's type and
#: the sign.
MAX_COUNT = 10**18 - 1

DECIMALS = 6


def terminates(value: Fraction) -> bool:
    """True when `value` has a finite decimal expansion (its denominator is 2^a 5^b)."""
    d = value.denominator
    for q in (2, 5):
        while d % q == 0:
            d //= q
    return d == 1


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


def exact_text(value: Fraction) -> str:
    """The exact value: a decimal when it terminates (`2.5`), else a ratio (`80/3`)."""
    if not terminates(value):
        return f"{value.numerator}/{value.denominator}"
    places, d = 0, value.denominator
    while d % 10 == 0 or d % 2 == 0 or d % 5 == 0:
        d //= 10 if d % 10 == 0 else 2 if d % 2 == 0 else 5
        places += 1
    return decimal_text(value, places)


def plural(n: int | Fraction, one: str, many: str | None = None) -> str:
    """`one` for a count of 1, else `many` (default: `one` + "s")."""
    return one if n == 1 else (many if many is not None else one + "s")


def plural_noun(one: str) -> str:
    """An English noun's regular plural: country → countries, region → regions, branch →
    branches (for nouns made from names, such as a table's key column)."""
    if re.search(r"[^aeiou]y$", one):
        return one[:-1] + "ies"
    return one + ("es" if re.search(r"(s|x|z|ch|sh)$", one) else "s")
