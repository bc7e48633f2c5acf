"""Deterministic random numbers for `tier synth`: counter-based SplitMix64.

Word `j` of partner `i` in the stream named `name` is

    splitmix64(key(name) + (i·k + j + 1) · 0x9E3779B97F4A7C15)      (mod 2^64)

where `key(name)` is the first 8 bytes of SHA-256(`tierlang-synth/<seed>/<name>`) and
`splitmix64` is the finaliser of Steele, Lea and Flood, "Fast Splittable Pseudorandom Number
Generators" (OOPSLA 2014), the generator behind Java's SplittableRandom. Why this design:

- it is integer arithmetic only, so the words do not depend on the Python, polars or platform
  version (`check_arithmetic` verifies polars against a pure-Python reference before use; the
  floating-point transforms applied afterwards are IEEE arithmetic and libm's log, exp and cos);
- it is *counter-based*: a partner's draws depend only on the seed, the stream name and the
  partner's row, so `--rows 43000` gives exactly the first 43,000 partners of `--rows
  430000`, adding a program (more columns) leaves the other columns alone, and a column's
  draws can be computed for the partners who need them only;
- it is vectorized by polars: about 5 ms per 430,000 words.

A word is split into fields: two 32-bit uniforms, or four 16-bit ones where that precision is
plenty (a 16-bit uniform resolves probabilities to 1/65536 and, through Box-Muller, normal
deviates out to 4.8 standard deviations).
"""

from __future__ import annotations

import hashlib
import math
from functools import cache

import polars as pl

__all__ = ["ROW", "stream_key", "word", "word_at", "uniform", "normal_pair", "check_arithmetic", "splitmix64"]

#: The frame column holding each partner's 0-based row number (UInt64).
ROW = ":row"

_GAMMA = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_MASK = (1 << 64) - 1


def stream_key(seed: int, name: str) -> int:
    """The 64-bit key of stream `name` under `seed`."""
    return int.from_bytes(hashlib.sha256(f"tierlang-synth/{seed}/{name}".encode()).digest()[:8], "little")


def splitmix64(z: int) -> int:
    """The reference SplitMix64 finaliser (pure Python)."""
    z &= _MASK
    z = (z ^ (z >> 30)) * _M1 & _MASK
    z = (z ^ (z >> 27)) * _M2 & _MASK
    return z ^ (z >> 31)


def _u64(v: int) -> pl.Expr:
    return pl.lit(v & _MASK, pl.UInt64)


def _mix(z: pl.Expr) -> pl.Expr:
    # Right shifts as divisions by powers of two (polars has no shift operator); products
    # wrap modulo 2^64, as `check_arithmetic` verifies.
    z = (z ^ (z // (1 << 30))) * _u64(_M1)
    z = (z ^ (z // (1 << 27))) * _u64(_M2)
    return z ^ (z // (1 << 31))


def word(key: int, j: int = 0, k: int = 1) -> pl.Expr:
    """Word `j` (of `k` per partner) of the stream with `key`, for every row of the frame."""
    counter = pl.col(ROW) * _u64(k) + _u64(j + 1) if k > 1 else pl.col(ROW) + _u64(j + 1)
    return _mix(_u64(key) + counter * _u64(_GAMMA))


def uniform(w: pl.Expr, field: int, bits: int = 32) -> pl.Expr:
    """Field `field` (counting from the low end) of `bits` bits of the word `w`, as a uniform
    in the open interval (0, 1): (x + 1/2) / 2^bits, exact in float64."""
    x = w
    if field:
        x = x // (1 << (bits * field))
    if bits * (field + 1) < 64:
        x = x % (1 << bits)
    return (x.cast(pl.Float64) + 0.5) * (1.0 / (1 << bits))


def normal_pair(a: pl.Expr, b: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Two independent standard normal deviates from two uniforms (Box-Muller)."""
    r = (a.log() * -2.0).sqrt()
    angle = b * (2.0 * math.pi)
    return r * angle.cos(), r * angle.sin()


@cache
def check_arithmetic() -> None:
    """Check once that polars computes the words exactly as the pure-Python reference
    (unsigned 64-bit products that wrap): determinism rests on it."""
    key = stream_key(0, "self-check")
    rows = [0, 1, 2, 12345, 2**32 + 7]
    got = pl.DataFrame({ROW: pl.Series(rows, dtype=pl.UInt64)}).select(word(key, 1, 3)).to_series().to_list()
    want = [splitmix64((key + (r * 3 + 2) * _GAMMA) & _MASK) for r in rows]
    if got != want:  # pragma: no cover - a polars that no longer wraps integer products
        raise RuntimeError("this polars version does not compute unsigned 64-bit arithmetic as tier synth expects")


def word_at(key: int, counter: pl.Expr) -> pl.Expr:
    """The word of the stream with `key` at an explicit UInt64 `counter` (a record's own
    number, built from its partner's row and its place among the partner's records)."""
    return _mix(_u64(key) + (counter + _u64(1)) * _u64(_GAMMA))
