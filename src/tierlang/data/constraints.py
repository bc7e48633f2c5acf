"""Input constraints checked on the data (`constraint NAME: CONDITION`, passes/constraints.py).

Each constraint becomes one row check beside the per-column ones: a Boolean flag, true where
a row breaks it, computed exactly on the validated columns (scaled integers). A comparison
of sums `Σ c·x + k op Σ d·y + l` is moved to one side and multiplied by the least common
denominator of its coefficients over the columns' scales, so it is compared in integers
(Int128): no rounding. A row whose values are already bad (a flag of their own) is not
flagged again: its null values leave the constraint undecided, and undecided is not broken.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction

import polars as pl

from tierlang import ir
from tierlang.passes.constraints import Unchecked, linear

__all__ = ["constraint_flag", "Unchecked"]


def _holds(e: ir.Expr, metrics: dict[str, ir.Metric], scales: dict[str, int], names: Mapping[str, str]) -> pl.Expr:
    if isinstance(e, ir.And):
        return pl.all_horizontal([_holds(x, metrics, scales, names) for x in e.items])
    if isinstance(e, ir.Or):
        return pl.any_horizontal([_holds(x, metrics, scales, names) for x in e.items])
    if isinstance(e, ir.Not):
        return ~_holds(e.operand, metrics, scales, names)
    if isinstance(e, ir.Compare) and e.op in ir.COMPARISONS:
        lc, lk = linear(e.left, metrics)
        rc, rk = linear(e.right, metrics)
        coefs = dict(lc)
        for n, v in rc.items():
            coefs[n] = coefs.get(n, Fraction(0)) - v
        const = lk - rk
        # Σ coef·col/scale + const  op  0, times the least common denominator
        terms = {n: v / scales.get(n, 1) for n, v in coefs.items() if v}
        den = math.lcm(const.denominator, *[v.denominator for v in terms.values()])
        total: pl.Expr = pl.lit(int(const * den), pl.Int128)
        for n, v in terms.items():
            total = total + pl.col(names.get(n, n)).cast(pl.Int128) * pl.lit(int(v * den), pl.Int128)
        zero = pl.lit(0, pl.Int128)
        return {">=": total >= zero, ">": total > zero, "<=": total <= zero, "<": total < zero, "==": total == zero, "!=": total != zero}[
            e.op
        ]
    raise Unchecked(f"{type(e).__name__} in a constraint")


def constraint_flag(c: ir.Constraint, program: ir.Program, scales: dict[str, int], names: Mapping[str, str] | None = None) -> pl.Expr:
    """True where a row breaks `c` (null values, bad already, do not break it). A metric is
    read from the column of its name, or of `names[metric]` (tier synth's frames are by column)."""
    return ~_holds(c.expr, program.metric_map, scales, names or {}).fill_null(True)
