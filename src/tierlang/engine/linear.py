"""Exact piecewise-linear functions of one metric, for traces and explanations.

Every numeric expression of a program is piecewise linear in the metrics (the checker keeps
one side of `*` constant and divides only by constants). Holding all metrics but one fixed,
an expression is a continuous piecewise-linear function of that one; `PL` represents it
exactly (Fractions) by its breakpoints and the slopes of its two tails, which is enough to
answer "what does this line earn at x" and "what is the smallest x that earns y".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from tierlang import ir
from tierlang.engine.errors import EvaluationError

__all__ = ["PL", "build", "first_reaching", "smallest_reaching"]


@dataclass(frozen=True)
class PL:
    """f(x) through the points (xs[i], ys[i]), extended left with slope `left` and right
    with slope `right`. `xs` is sorted and non-empty."""

    xs: tuple[Fraction, ...]
    ys: tuple[Fraction, ...]
    left: Fraction
    right: Fraction

    @staticmethod
    def const(c: Fraction) -> PL:
        return PL((Fraction(0),), (Fraction(c),), Fraction(0), Fraction(0))

    @staticmethod
    def identity() -> PL:
        return PL((Fraction(0),), (Fraction(0),), Fraction(1), Fraction(1))

    def __call__(self, x: Fraction) -> Fraction:
        xs, ys = self.xs, self.ys
        if x <= xs[0]:
            return ys[0] + self.left * (x - xs[0])
        if x >= xs[-1]:
            return ys[-1] + self.right * (x - xs[-1])
        for i in range(1, len(xs)):
            if x <= xs[i]:
                x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
                return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        raise AssertionError  # pragma: no cover

    def on(self, xs: list[Fraction]) -> PL:
        xs = sorted(set(xs) | set(self.xs))
        return PL(tuple(xs), tuple(self(x) for x in xs), self.left, self.right)

    def scale(self, k: Fraction) -> PL:
        return PL(self.xs, tuple(y * k for y in self.ys), self.left * k, self.right * k)

    def __add__(self, other: PL) -> PL:
        xs = sorted(set(self.xs) | set(other.xs))
        return PL(tuple(xs), tuple(self(x) + other(x) for x in xs), self.left + other.left, self.right + other.right)

    def __neg__(self) -> PL:
        return self.scale(Fraction(-1))

    def minimum(self, other: PL) -> PL:
        xs = sorted(set(self.xs) | set(other.xs))
        d = [self(x) - other(x) for x in xs]
        cuts = set(xs)
        for i in range(1, len(xs)):
            if (d[i - 1] < 0 < d[i]) or (d[i - 1] > 0 > d[i]):
                cuts.add(xs[i - 1] + (xs[i] - xs[i - 1]) * d[i - 1] / (d[i - 1] - d[i]))
        dl = self.left - other.left  # d(x) = d[0] + dl * (x - xs[0]) left of xs[0]
        if dl != 0:
            x = xs[0] - d[0] / dl
            if x < xs[0]:
                cuts.add(x)
        dr = self.right - other.right
        if dr != 0:
            x = xs[-1] - d[-1] / dr
            if x > xs[-1]:
                cuts.add(x)
        pts = sorted(cuts)
        ys = tuple(min(self(x), other(x)) for x in pts)
        # Tails: no crossing lies beyond the outermost points any more.
        a0, b0 = self(pts[0]), other(pts[0])
        left = self.left if a0 < b0 else other.left if b0 < a0 else max(self.left, other.left)
        a1, b1 = self(pts[-1]), other(pts[-1])
        right = self.right if a1 < b1 else other.right if b1 < a1 else min(self.right, other.right)
        return PL(tuple(pts), ys, left, right)

    def maximum(self, other: PL) -> PL:
        return -((-self).minimum(-other))

    @property
    def sup(self) -> Fraction | None:
        """The largest value (None: unbounded)."""
        if self.left < 0 or self.right > 0:
            return None
        return max(self.ys)


def first_reaching(f: PL, y: Fraction, start: Fraction | None = None) -> Fraction | None:
    """The smallest x (>= start, when given) with f(x) >= y; None when there is none or
    when f reaches y all the way to the left (no smallest x)."""
    if start is None:
        if f.left < 0 or (f.left == 0 and f.ys[0] >= y):
            return None
        pts = list(f.xs)
    else:
        if f(start) >= y:
            return start
        pts = [start] + [x for x in f.xs if x > start]
    for a, b in zip(pts, pts[1:]):
        fa, fb = f(a), f(b)
        if fb >= y:
            if fa >= y:  # pragma: no cover - fa < y holds by induction
                return a
            return a + (b - a) * (y - fa) / (fb - fa)
    last = pts[-1]
    fl = f(last)
    if fl >= y:
        return last
    if f.right > 0:
        return last + (y - fl) / f.right
    return None


def build(run, expr: ir.Expr, metric: str) -> PL:
    """`expr` as a function of `metric`, every other metric at its value in `run` (an
    interpreter run: anything with `.metric(name)`, `.num(expr)` and `.i.metrics`)."""
    metrics = run.i.metrics

    def go(e: ir.Expr) -> PL:
        if isinstance(e, ir.Const):
            return PL.const(e.value)  # type: ignore[arg-type]
        if isinstance(e, ir.MetricRef):
            if e.name == metric:
                return PL.identity()
            m = metrics[e.name]
            if m.derived is not None and metric in _reads(m.derived, metrics):
                return go(m.derived)
            return PL.const(run.metric(e.name))
        if isinstance(e, ir.Neg):
            return -go(e.operand)
        if isinstance(e, ir.Arith):
            if e.op in ("+", "-"):
                a, b = go(e.left), go(e.right)
                return a + (-b if e.op == "-" else b)
            if e.op == "*":
                if metric not in _reads(e.left, metrics):
                    return go(e.right).scale(run.num(e.left))
                return go(e.left).scale(run.num(e.right))
            return go(e.left).scale(1 / run.num(e.right))
        if isinstance(e, ir.Func):
            parts = [go(a) for a in e.args]
            if e.name == "min":
                out = parts[0]
                for p in parts[1:]:
                    out = out.minimum(p)
                return out
            if e.name == "max":
                out = parts[0]
                for p in parts[1:]:
                    out = out.maximum(p)
                return out
            x, lo, hi = parts
            return x.maximum(lo).minimum(hi)
        if isinstance(e, ir.Lookup):
            # A table is a step function: not continuous, so not a `PL` where it moves.
            if any(metric in _reads(k, metrics) for k in e.keys):
                raise EvaluationError(f"table '{e.table.name}' steps with '{metric}'")
            values = [run.metric(k.name) if isinstance(k, ir.MetricRef) else go(k)(Fraction(0)) for k in e.keys]
            row = ir.Table.band(e.table.rows, values[0])
            column = ir.Table.band(e.table.columns, values[1]) if e.table.columns else 0
            return PL.const(e.table.cell(row, column).value)  # type: ignore[arg-type]
        return PL.const(run.num(e))

    return go(expr)


def _table_reaching(e: ir.Lookup, metric: str, y: Fraction, start: Fraction | None) -> Fraction | None:
    """For a one-key table looked up by `metric` itself: where its value first reaches `y`
    (the start of the lowest band, at or above `start`, whose cell does)."""
    table = e.table
    if table.columns or e.keys != (ir.MetricRef(metric),) or not all(b.numeric for b in table.rows):
        return None
    for band, (cell,) in zip(table.rows, table.cells):
        if cell.value >= y and (band.high is None or start is None or band.high > start or (band.high == start and band.high_included)):  # type: ignore[operator]
            if band.low is None:
                return start
            return band.low if start is None else max(band.low, start)
    return None


def _reads(expr: ir.Expr, metrics) -> set[str]:
    out: set[str] = set()
    for n in ir.walk(expr):
        if isinstance(n, ir.MetricRef):
            out.add(n.name)
            m = metrics[n.name]
            if m.derived is not None:
                out |= _reads(m.derived, metrics)
    return out


def smallest_reaching(run, expr: ir.Expr, metric: str, y: Fraction, start: Fraction | None = None) -> Fraction | None:
    """The smallest value of `metric` (>= start) at which `expr` reaches `y`; whole
    numbers for counts. None when no value does (or when `expr` steps with the metric in a
    way other than a one-key table of the metric itself)."""
    if isinstance(expr, ir.Lookup):
        x = _table_reaching(expr, metric, y, start)
    else:
        try:
            x = first_reaching(build(run, expr, metric), y, start)
        except EvaluationError:
            return None
    if x is None:
        return None
    if run.i.metrics[metric].type.kind is ir.Kind.COUNT and x.denominator != 1:
        x = Fraction(math.ceil(x))
    return x
