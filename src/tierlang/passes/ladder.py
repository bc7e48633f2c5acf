"""Ladder sanity (TL302, TL303): levels that can never be held.

Works on the simple part of each level's requirements: conjunctions of comparisons between
one metric or score and a constant ("bounds"), plus conditions one level's requirements
imply outright: the same condition word for word, a reference to a higher level of the same
track (`x at gold` implies `x at silver`), a count over a group that asks for more tracks
at a higher level, an `any` or `at least N of` whose alternatives are implied, an `all`
whose parts are. What it cannot decide, it leaves alone (no false alarms).

Together these keep a ladder strictly ordered: every level is reachable (TL303), and no
level is redundant — a higher level whose requirements a lower one already implies makes
that lower level one nobody ever holds (TL302).

- TL303: a level's requirements contradict each other (x >= 5 from a lower level, x <= 3
  from its own), so no partner can reach it.
- TL302: a level is never held because a higher level asks for no more: everyone who meets
  it also meets the higher one (the "lower level requires more than a higher one" mistake).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from tierlang import ir
from tierlang.diagnostics import Diagnostic, Note, warning
from tierlang.numbers import exact_text
from tierlang.passes.intervals import bounds as interval_bounds
from tierlang.passes.lower import const_value, is_constant

__all__ = ["check_ladders", "Bound", "bounds_of", "conjuncts"]

_FLIP = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}


@dataclass(frozen=True)
class Bound:
    """`var op value` with var a metric or score reference (spans ignored)."""

    var: object
    op: str
    value: Fraction
    span: ir.Span | None


def conjuncts(expr: ir.Expr) -> list[ir.Expr]:
    if isinstance(expr, ir.And):
        return [c for item in expr.items for c in conjuncts(item)]
    return [expr]


def _as_bound(expr: ir.Expr) -> Bound | None:
    if not isinstance(expr, ir.Compare) or expr.op == "!=":
        return None
    left, right, op = expr.left, expr.right, expr.op
    if is_constant(left) and not is_constant(right):
        left, right, op = right, left, _FLIP[op]
    if not isinstance(left, (ir.MetricRef, ir.ScoreRef)) or not is_constant(right):
        return None
    value = const_value(right)
    if not isinstance(value, Fraction):
        return None
    return Bound(left, op, value, expr.span)


class _Box:
    """Interval per variable: lower and upper bound as (value, strict)."""

    def __init__(self, integer: set) -> None:
        self.lo: dict[object, tuple[Fraction, bool, Bound | None]] = {}
        self.hi: dict[object, tuple[Fraction, bool, Bound | None]] = {}
        self.integer = integer

    def copy(self) -> _Box:
        box = _Box(self.integer)
        box.lo, box.hi = dict(self.lo), dict(self.hi)
        return box

    def add(self, b: Bound) -> None:
        if b.op in (">=", ">", "=="):
            self._tighten(self.lo, b, b.op == ">", lower=True)
        if b.op in ("<=", "<", "=="):
            self._tighten(self.hi, b, b.op == "<", lower=False)

    def _tighten(self, side, b: Bound, strict: bool, lower: bool) -> None:
        value = b.value
        if b.var in self.integer:
            # Whole-number variables: x > 3.5 is x >= 4; x < 4 is x <= 3.
            if lower:
                value = Fraction(math.floor(value) + 1) if strict or value.denominator != 1 else value
            else:
                value = Fraction(math.ceil(value) - 1) if strict or value.denominator != 1 else value
            strict = False
        old = side.get(b.var)
        if old is None or (lower and (value, strict) > old[:2]) or (not lower and (value, not strict) < (old[0], not old[1])):
            side[b.var] = (value, strict, b)

    def contradiction(self) -> tuple[Bound | None, Bound | None] | None:
        for var, (lo, lo_strict, lb) in self.lo.items():
            if var in self.hi:
                hi, hi_strict, hb = self.hi[var]
                if lo > hi or (lo == hi and (lo_strict or hi_strict)):
                    return lb, hb
        return None

    def implies(self, b: Bound) -> bool:
        if b.op in (">=", ">", "=="):
            got = self.lo.get(b.var)
            if got is None:
                return False
            v, strict, _ = got
            need_strict = b.op == ">"
            if b.var in self.integer and need_strict and b.value.denominator == 1:
                ok = v >= b.value + 1
            else:
                ok = v > b.value or (v == b.value and (strict or not need_strict))
            if not ok:
                return False
        if b.op in ("<=", "<", "=="):
            got = self.hi.get(b.var)
            if got is None:
                return False
            v, strict, _ = got
            need_strict = b.op == "<"
            if b.var in self.integer and need_strict and b.value.denominator == 1:
                ok = v <= b.value - 1
            else:
                ok = v < b.value or (v == b.value and (strict or not need_strict))
            if not ok:
                return False
        return True


def bounds_of(exprs: list[ir.Expr]) -> tuple[list[Bound], list[ir.Expr]]:
    """Split conjuncts into bounds and everything else."""
    bounds, other = [], []
    for e in exprs:
        b = _as_bound(e)
        (bounds if b is not None else other).append(b if b is not None else e)
    return bounds, other


def _score_limits(program: ir.Program, track: ir.Track, variant: ir.Variant) -> list[Bound]:
    """What each score of the variant (and each of its parts) can be at most and at least,
    from its lines' formulas, the metrics' ranges and the caps."""
    out: list[Bound] = []

    def add(ref: ir.ScoreRef, lo: Fraction | None, hi: Fraction | None) -> None:
        if lo is not None:
            out.append(Bound(ref, ">=", lo, None))
        if hi is not None:
            out.append(Bound(ref, "<=", hi, None))

    def line_range(line: ir.Line) -> tuple[Fraction | None, Fraction | None]:
        lo, hi = interval_bounds(line.points, program.metric_map)
        if line.when is not None:  # a closed gate gives 0
            lo = None if lo is None else min(lo, Fraction(0))
            hi = None if hi is None else max(hi, Fraction(0))
        return lo, hi

    def total(parts, cap):
        lo = hi = Fraction(0)
        for p_lo, p_hi in parts:
            lo = None if lo is None or p_lo is None else lo + p_lo
            hi = None if hi is None or p_hi is None else hi + p_hi
        if cap is not None:
            hi = cap if hi is None else min(hi, cap)
            lo = None if lo is None else min(lo, cap)
        return lo, hi

    for score in variant.scores:
        items = []
        for item in score.items:
            if isinstance(item, ir.Category):
                lines = [line_range(line) for line in item.lines]
                for line, (lo, hi) in zip(item.lines, lines):
                    add(ir.ScoreRef(track.name, score.name, variant.name, line.name), lo, hi)
                rng = total(lines, item.cap)
            else:
                rng = line_range(item)
            add(ir.ScoreRef(track.name, score.name, variant.name, item.name), *rng)
            items.append(rng)
        add(ir.ScoreRef(track.name, score.name, variant.name, None), *total(items, score.cap))
    return out


def _var_text(var: object) -> str:
    if isinstance(var, ir.MetricRef):
        return var.name
    if isinstance(var, ir.ScoreRef):
        return ".".join(p for p in (var.score, var.part) if p)
    return str(var)


def _effective(levels: tuple[ir.Level, ...]) -> list[list[ir.Expr]]:
    out: list[list[ir.Expr]] = []
    for i, level in enumerate(levels):
        own = [c for r in level.requirements for c in conjuncts(r.expr)]
        out.append((out[i - 1] if i and level.cumulative else []) + own)
    return out


def _implied(program: ir.Program, cond: ir.Expr, own: list[ir.Expr], box: _Box) -> bool:
    """Does every partner who meets `own` (with its bounds in `box`) meet `cond`?
    Conservative: False when it cannot tell."""
    if cond in own:
        return True
    bound = _as_bound(cond)
    if bound is not None:
        return box.implies(bound)
    if isinstance(cond, ir.And):
        return all(_implied(program, c, own, box) for c in cond.items)
    if isinstance(cond, ir.Or):
        return any(_implied(program, c, own, box) for c in cond.items)
    if isinstance(cond, ir.AtLeast):
        return sum(_implied(program, c, own, box) for c in cond.items) >= cond.n
    return any(_stronger(program, have, cond) for have in own)


def _stronger(program: ir.Program, have: ir.Expr, cond: ir.Expr) -> bool:
    """One condition that implies another: the same track at a level at least as high, or
    at least as many tracks of the same group at a level at least as high."""
    if isinstance(have, ir.Or):
        return all(h == cond or _stronger(program, h, cond) for h in have.items)
    if getattr(cond, "exact", False):  # one level exactly: only the same condition implies it
        return have == cond
    if isinstance(have, ir.TrackAt) and isinstance(cond, ir.TrackAt) and have.track == cond.track:
        track = program.track_map.get(have.track)
        return track is not None and _rank(track, have.level) >= _rank(track, cond.level)
    if isinstance(cond, ir.GroupCount) and isinstance(have, (ir.GroupCount, ir.TrackAt)):
        group = program.group_map.get(cond.group)
        if group is None or not group.tracks:
            return False
        size = len(group.tracks)
        need = size if cond.n is None else cond.n
        if isinstance(have, ir.TrackAt):
            # One track of the group at a level at least as high counts as one.
            if have.track not in group.tracks or need > 1:
                return False
            track = program.track_map[have.track]
            return _rank(track, have.level) >= _rank(track, cond.level)
        if have.group != cond.group:
            return False
        got = size if have.n is None else have.n
        ranks = [(_rank(program.track_map[t], have.level), _rank(program.track_map[t], cond.level)) for t in group.tracks]
        return got >= need and all(h >= c for h, c in ranks)
    return False


def _rank(track: ir.Track, level: str | None) -> int:
    """`TRACK at LEVEL` as a position in the ladder; no level means the lowest. (The
    checker has made sure every level named exists in the track.)"""
    return 0 if level is None else track.level_index(level)


def check_ladders(program: ir.Program) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    integer = set()
    base: list[Bound] = []
    for m in program.metrics:
        ref = ir.MetricRef(m.name)
        if m.type.kind is ir.Kind.COUNT:
            integer.add(ref)
        if m.minimum is not None:
            base.append(Bound(ref, ">=", m.minimum, None))
        if m.maximum is not None:
            base.append(Bound(ref, "<=", m.maximum, None))
    for track in program.tracks:
        for variant in track.variants:
            where = f"'{track.name}'" + (f" (variant '{variant.name}')" if variant.name else "")
            effective = _effective(variant.levels)
            # what every level of the variant starts from (the metrics' ranges: hundreds of
            # bounds in a large program), added once and copied
            limited = _Box(integer)
            for b in base + _score_limits(program, track, variant):
                limited.add(b)
            boxes = []
            for level, reqs in zip(variant.levels, effective):
                box = limited.copy()
                bounds, _ = bounds_of(reqs)
                for b in bounds:
                    box.add(b)
                boxes.append(box)
                clash = box.contradiction()
                if clash:
                    lb, hb = clash
                    notes = tuple(
                        Note(msg, b.span) for msg, b in (("needs at least this", lb), ("and at most this", hb)) if b is not None and b.span
                    )
                    limit = next((b for b in (lb, hb) if b is not None and b.span is None), None)
                    if limit is not None:
                        # One side is what the metric or score can be at all, not a rule.
                        what = f"{_var_text(limit.var)} is at {'least' if limit.op == '>=' else 'most'} {exact_text(limit.value)}"
                        message = f"level '{level.name}' of {where} can never be reached: it asks for more than is possible ({what})"
                        hint = "check the threshold against the metric's range or the score's maximum"
                    else:
                        message = f"level '{level.name}' of {where} can never be reached: its requirements contradict each other"
                        hint = "a cumulative level also needs what the levels below it need"
                    diags.append(warning("TL303", message, level.span, notes=notes, hint=hint))
            for i, level in enumerate(variant.levels):
                if boxes[i].contradiction():
                    continue
                _, own_other = bounds_of(effective[i])
                for j in range(i + 1, len(variant.levels)):
                    higher_bounds, higher_other = bounds_of(effective[j])
                    if all(boxes[i].implies(b) for b in higher_bounds) and all(
                        _implied(program, o, own_other, boxes[i]) for o in higher_other
                    ):
                        higher = variant.levels[j]
                        diags.append(
                            warning(
                                "TL302",
                                f"level '{level.name}' of {where} is never held: every partner who meets it also meets '{higher.name}'",
                                level.span,
                                notes=(Note(f"'{higher.name}' asks for no more than '{level.name}'", higher.span),),
                                hint=f"a higher level must require more than a lower one; check the thresholds of '{higher.name}'",
                            )
                        )
                        break
    return diags
