"""Interval bounds of numeric expressions, from the metrics' declared ranges.

One implementation serves the engines (what a points line can earn), the program guide
(most points per line) and the sign analysis (whether a formula can go negative)."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from tierlang import ir

__all__ = ["Bounds", "bounds"]

Bounds = tuple[Fraction | None, Fraction | None]  # (lowest, highest); None: unbounded on that side


def _add(a: Fraction | None, b: Fraction | None) -> Fraction | None:
    return None if a is None or b is None else a + b


def _scale(lo: Fraction | None, hi: Fraction | None, k: Fraction) -> Bounds:
    a = None if lo is None else lo * k
    b = None if hi is None else hi * k
    return (a, b) if k >= 0 else (b, a)


def bounds(expr: ir.Expr, metrics: Mapping[str, ir.Metric], memo: dict[str, Bounds] | None = None) -> Bounds:
    """The lowest and highest value `expr` can take. Sound for every expression (unknown
    sides are None) and exact for the capped-linear shapes programs use
    (`max * clamp(x / target)`, `min(cap, ...)`).

    `memo` keeps the range of each derived metric met (pass the same dict to calls on one
    program to share them): each is computed once, so time is linear in the program."""
    return _range(expr, metrics, {} if memo is None else memo)


def _range(expr: ir.Expr, metrics: Mapping[str, ir.Metric], memo: dict[str, Bounds]) -> Bounds:
    if isinstance(expr, ir.Const):
        v = expr.value
        return (v, v) if isinstance(v, Fraction) and not isinstance(v, bool) else (None, None)
    if isinstance(expr, ir.MetricRef):
        m = metrics.get(expr.name)
        if m is None:
            return None, None
        if m.derived is not None:
            if expr.name not in memo:
                memo[expr.name] = _range(m.derived, metrics, memo)
            return memo[expr.name]
        return m.minimum, m.maximum
    if isinstance(expr, ir.Neg):
        lo, hi = _range(expr.operand, metrics, memo)
        return (None if hi is None else -hi), (None if lo is None else -lo)
    if isinstance(expr, ir.Arith):
        (a, b), (c, d) = _range(expr.left, metrics, memo), _range(expr.right, metrics, memo)
        if expr.op == "+":
            return _add(a, c), _add(b, d)
        if expr.op == "-":
            return _add(a, None if d is None else -d), _add(b, None if c is None else -c)
        if expr.op == "*":
            if c is not None and c == d:
                return _scale(a, b, c)
            if a is not None and a == b:
                return _scale(c, d, a)
        if expr.op == "/" and c is not None and c == d and c != 0:
            return _scale(a, b, 1 / c)
        return None, None
    if isinstance(expr, ir.Lookup):
        values = [c.value for row in expr.table.cells for c in row]
        return min(values), max(values)  # type: ignore[type-var]
    if isinstance(expr, ir.Func):
        spans = [_range(a, metrics, memo) for a in expr.args]
        los, his = [s[0] for s in spans], [s[1] for s in spans]
        if expr.name == "min":
            known_hi = [h for h in his if h is not None]
            return (min(los) if None not in los else None), (min(known_hi) if known_hi else None)  # type: ignore[type-var]
        if expr.name == "max":
            known_lo = [lo for lo in los if lo is not None]
            return (max(known_lo) if known_lo else None), (max(his) if None not in his else None)  # type: ignore[type-var]
        if expr.name == "clamp":
            (xl, xh), (low, _), (_, high) = spans
            if low is None or high is None:
                return None, None
            lo = low if xl is None else min(max(xl, low), high)
            hi = high if xh is None else min(max(xh, low), high)
            return lo, hi
    return None, None
