"""Tiered points written as gated lines: bands of one value, and what their sum can reach.

Programs written before band tables (and some written since) give tiered points as lines
with constant points whose `when` gates cut one value into bands:

    band_1: points 2  when responses >= 10 and responses < 20
    band_2: points 5  when responses >= 20 and responses < 50
    band_3: points 10 when responses >= 50

Their sum is a step function of that value which changes only at the bounds. The sign
analysis (`passes.polarity`) reads it as one rising step function instead of lines with
upper bounds, and the program guide uses it for the most such lines can earn together (the
largest step, not the sum of every band's points: the bands never apply together).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from tierlang import ir
from tierlang.passes.intervals import bounds

__all__ = ["Band", "BandGroup", "band_of", "band_groups", "most_points"]


@dataclass(frozen=True)
class Band:
    """An interval of a value a `when` gate asks for (None: unbounded on that side)."""

    value: object
    lo: Fraction | None
    lo_incl: bool
    hi: Fraction | None
    hi_incl: bool

    def holds(self, point: tuple[Fraction, int]) -> bool:
        """Is `point` inside? A point is (t, e): t itself (e = 0), or just below or above
        it (e = -1, +1), so that `v < 20` holds just below 20 and not at 20."""
        if self.lo is not None and not (point >= (self.lo, 0) if self.lo_incl else point > (self.lo, 0)):
            return False
        return self.hi is None or (point <= (self.hi, 0) if self.hi_incl else point < (self.hi, 0))


@dataclass(frozen=True)
class BandGroup:
    """Lines with constant points gated on bands of one `value`, at least one of them
    bounded from above. `steps` is their sum at the `samples` (each bound, just below and
    just above it, within the value's declared range), in order."""

    value: ir.Expr
    lines: tuple[tuple[Band, Fraction, ir.Line], ...]
    samples: tuple[tuple[Fraction, int], ...]
    steps: tuple[Fraction, ...]

    @property
    def rising(self) -> bool:
        """The sum never falls as the value grows."""
        return all(x <= y for x, y in zip(self.steps, self.steps[1:]))

    @property
    def most(self) -> Fraction:
        """The most the lines earn together (0 below every band)."""
        return max(self.steps, default=Fraction(0))


def _no_vars(e: ir.Expr) -> bool:
    return not any(isinstance(n, ir.MetricRef) for n in ir.walk(e))


def band_of(cond: ir.Expr, constant: Callable[[ir.Expr], bool] = _no_vars) -> Band | None:
    """`v >= a and v < b` (any strictness, either side optional) as a band of `v`; None for
    any other condition. `constant` says which bounds count as constants (the sign
    analysis treats a parameter that is one of its variables as not constant)."""
    from tierlang.passes.lower import const_value, is_constant

    items = cond.items if isinstance(cond, ir.And) else (cond,)
    value = None
    lo = hi = None
    lo_incl = hi_incl = True
    for item in items:
        if not isinstance(item, ir.Compare) or not is_constant(item.right) or not constant(item.right):
            return None
        if is_constant(item.left) or (value is not None and item.left != value):
            return None
        bound = const_value(item.right)
        if not isinstance(bound, Fraction):
            return None
        value = item.left
        if item.op in (">=", ">") and lo is None:
            lo, lo_incl = bound, item.op == ">="
        elif item.op in ("<", "<=") and hi is None:
            hi, hi_incl = bound, item.op == "<="
        else:
            return None
    if value is None:
        return None
    return Band(value, lo, lo_incl, hi, hi_incl)


def band_groups(
    lines: list[ir.Line] | tuple[ir.Line, ...], metrics: Mapping[str, ir.Metric], constant: Callable[[ir.Expr], bool] = _no_vars
) -> tuple[list[BandGroup], list[ir.Line]]:
    """The band groups among lines summed together, and the lines in none."""
    from tierlang.passes.lower import const_value, is_constant

    by_value: dict[object, list[tuple[Band, Fraction, ir.Line]]] = {}
    for line in lines:
        if line.when is None or not is_constant(line.points) or not constant(line.points):
            continue
        if any(isinstance(n, ir.TRACK_READS) for n in ir.walk(line.points)):
            continue  # a table by a track's level: the points depend on the partner all the same
        band = band_of(line.when, constant)
        if band is not None:
            by_value.setdefault(band.value, []).append((band, const_value(line.points), line))
    groups: list[BandGroup] = []
    used: set[int] = set()
    for value, members in by_value.items():
        if all(band.hi is None for band, _, _ in members):
            continue  # lower bounds only: every line can hold at once
        lo, hi = bounds(value, metrics)  # type: ignore[arg-type]
        cuts = sorted({x for band, _, _ in members for x in (band.lo, band.hi) if x is not None})
        samples = [(t, e) for t in cuts for e in (-1, 0, 1)]
        samples = [p for p in samples if (lo is None or p >= (lo, 0)) and (hi is None or p <= (hi, 0))]
        steps = [sum((pts for band, pts, _ in members if band.holds(p)), Fraction(0)) for p in samples]
        groups.append(BandGroup(value, tuple(members), tuple(samples), tuple(steps)))  # type: ignore[arg-type]
        used.update(id(line) for _, _, line in members)
    return groups, [line for line in lines if id(line) not in used]


def most_points(lines: list[ir.Line] | tuple[ir.Line, ...], metrics: Mapping[str, ir.Metric]) -> Fraction | None:
    """The most some lines can earn together: each line's highest value, except that the
    lines of one band group count as the group's highest step. None when a line has no
    highest value. (A line behind an ordinary gate counts in full: the gate may hold.)"""
    groups, rest = band_groups(lines, metrics)
    total = sum((g.most for g in groups), Fraction(0))
    for line in rest:
        hi = bounds(line.points, metrics)[1]
        if hi is None:
            return None
        total += max(hi, Fraction(0)) if line.when is not None else hi
    return total
