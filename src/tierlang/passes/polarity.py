"""Sign analysis: how a value or condition moves when one input grows.

For an expression and a set of *variables* (metrics, and optionally parameters), the
analysis says, per variable, whether growing it can raise the value (+1), lower it (-1),
both, or neither. Conditions count true above false. Because every numeric expression is
piecewise linear in the metrics (the checker guarantees it), the answer is exact for each
construct taken alone and conservative (never misses a direction) when combined.

Uses: the monotonicity check (a higher-is-better metric that can lower a level), and the
diff's classification of a changed constant as tightened or loosened.

Intervals: `bounds(expr)` gives the range of a numeric expression from the metrics'
declared ranges (used to know that a points formula never goes negative).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from fractions import Fraction

from tierlang import ir
from tierlang.passes.intervals import bounds

__all__ = ["Sign", "POS", "NEG", "BOTH", "ZERO", "Analysis", "flip", "Interval"]

Sign = frozenset  # subset of {+1, -1}
POS: Sign = frozenset({1})
NEG: Sign = frozenset({-1})
BOTH: Sign = frozenset({1, -1})
ZERO: Sign = frozenset()

Signs = dict  # variable key -> Sign


def flip(s: Sign) -> Sign:
    return frozenset(-x for x in s)


def _scale(signs: Signs, by: int) -> Signs:
    if by == 0:
        return {}
    return signs if by > 0 else {k: flip(v) for k, v in signs.items()}


def _union(*parts: Signs) -> Signs:
    out: Signs = {}
    for part in parts:
        for k, v in part.items():
            out[k] = out.get(k, ZERO) | v
    return out


def _both(signs: Signs) -> Signs:
    return {k: BOTH for k, v in signs.items() if v}


@dataclass(frozen=True)
class Interval:
    lo: Fraction | None  # None = unbounded
    hi: Fraction | None


class Analysis:
    """Sign analysis over one program. `variable(node)` names the leaves that count as
    variables (by default: metric references, keyed `("metric", name)`)."""

    def __init__(self, program: ir.Program, variable: Callable[[object], Hashable | None] | None = None) -> None:
        self.program = program
        self.variable = variable or self.input_metric
        self._tracks: dict[str, Signs] = {}
        self._gates: dict[str, Signs] = {}

    def input_metric(self, node: object) -> Hashable | None:
        """The default variables: metrics read from the data (derived ones expand)."""
        if isinstance(node, ir.MetricRef) and self.program.metric_map[node.name].derived is None:
            return ("metric", node.name)
        return None

    # -------------------------------------------------------------- expressions
    def signs(self, e: ir.Expr) -> Signs:
        """Per variable, how `e` moves when the variable grows."""
        key = self.variable(e)
        if key is not None:
            return {key: POS}
        method = getattr(self, "_s_" + type(e).__name__)
        return method(e)

    def _s_Const(self, e: ir.Const) -> Signs:
        return {}

    def _s_MetricRef(self, e: ir.MetricRef) -> Signs:
        m = self.program.metric_map[e.name]
        return self.signs(m.derived) if m.derived is not None else {}

    def _s_Arith(self, e: ir.Arith) -> Signs:
        left, right = self.signs(e.left), self.signs(e.right)
        if e.op == "+":
            return _union(left, right)
        if e.op == "-":
            return _union(left, _scale(right, -1))
        from tierlang.passes.lower import const_value, is_constant

        if e.op == "*":
            if is_constant(e.left) and not self._has_vars(e.left):
                return _scale(right, _sign(const_value(e.left)))
            if is_constant(e.right) and not self._has_vars(e.right):
                return _scale(left, _sign(const_value(e.right)))
            # A parameter times a metric: the sign of each factor's effect depends on the
            # other's sign; use the intervals to decide.
            return _union(self._product(left, self.bounds(e.right)), self._product(right, self.bounds(e.left)))
        return self._divide(e, left, right, self.bounds(e.left))

    def _divide(self, e: ir.Arith, left: Signs, right: Signs, num: Interval) -> Signs:
        """Signs of `e.left / e.right` when the numerator lies in `num`."""
        from tierlang.passes.lower import const_value, is_constant

        if is_constant(e.right) and not self._has_vars(e.right):
            return _scale(left, _sign(const_value(e.right)))
        divisor = self.bounds(e.right)
        out = self._product(left, divisor)
        # Growing a positive divisor shrinks |numerator / divisor|: its effect has the
        # opposite sign of the numerator.
        if divisor.lo is not None and divisor.lo > 0:
            if num.lo is not None and num.lo >= 0:
                return _union(out, _scale(right, -1))
            if num.hi is not None and num.hi <= 0:
                return _union(out, right)
        return _union(out, _both(right))

    def _product(self, signs: Signs, other: Interval) -> Signs:
        if other.lo is not None and other.lo >= 0:
            return signs
        if other.hi is not None and other.hi <= 0:
            return _scale(signs, -1)
        return _both(signs)

    def _has_vars(self, e: ir.Expr) -> bool:
        return any(self.variable(n) is not None for n in ir.walk(e))

    def _s_Neg(self, e: ir.Neg) -> Signs:
        return _scale(self.signs(e.operand), -1)

    def _s_Func(self, e: ir.Func) -> Signs:
        # min, max and clamp are non-decreasing in every argument (raising a clamp bound
        # can only raise the result).
        x = e.args[0]
        if e.name == "clamp" and isinstance(x, ir.Arith) and x.op == "/":
            low = self.bounds(e.args[1])
            if low.lo is not None and low.lo >= 0:
                # clamp(n / target) at or above 0: a negative n only ever gives the floor,
                # so for the target's effect the numerator counts as non-negative.
                num = self.bounds(x.left)
                floored = Interval(Fraction(0) if num.lo is None or num.lo < 0 else num.lo, num.hi)
                inner = self._divide(x, self.signs(x.left), self.signs(x.right), floored)
                return _union(inner, *(self.signs(a) for a in e.args[1:]))
        return _union(*(self.signs(a) for a in e.args))

    def _s_Compare(self, e: ir.Compare) -> Signs:
        left, right = self.signs(e.left), self.signs(e.right)
        if e.op in (">=", ">"):
            return _union(left, _scale(right, -1))
        if e.op in ("<=", "<"):
            return _union(_scale(left, -1), right)
        return _both(_union(left, right))  # == and != are not monotone

    def _s_And(self, e: ir.And) -> Signs:
        return _union(*(self.signs(i) for i in e.items))

    _s_Or = _s_And
    _s_AtLeast = _s_And

    def _s_Not(self, e: ir.Not) -> Signs:
        return _scale(self.signs(e.operand), -1)

    def _s_GateRef(self, e: ir.GateRef) -> Signs:
        if e.name not in self._gates:
            self._gates[e.name] = {}
            self._gates[e.name] = self.signs(self.program.gate_map[e.name].expr)
        return self._gates[e.name]

    def _s_TrackAt(self, e: ir.TrackAt) -> Signs:
        return self.track(e.track)

    def _s_GroupCount(self, e: ir.GroupCount) -> Signs:
        group = self.program.group_map[e.group]
        return _union(*(self.track(t) for t in group.tracks))

    def _s_ScoreRef(self, e: ir.ScoreRef) -> Signs:
        track = self.program.track_map[e.track]
        variants = [track.variant(e.variant)] if e.variant is not None else list(track.variants)
        out = _union(*(self.score_part(v.score(e.score), e.part) for v in variants))
        if e.variant is None and track.selection != "single":
            out = _union(out, self.selection(track))
        return out

    def _s_Every(self, e: ir.Every) -> Signs:
        track = self.program.track_map[e.track]
        variants = [track.variant(e.variant)] if e.variant is not None else list(track.variants)
        lines = _union(*(self.line(line) for v in variants for line in v.score(e.score).lines))
        value = self.signs(e.value)
        if e.op in (">=", ">"):
            return _union(lines, _scale(value, -1))
        if e.op in ("<=", "<"):
            return _union(_scale(lines, -1), value)
        return _both(_union(lines, value))

    # -------------------------------------------------------------- scores and tracks
    def line(self, line: ir.Line) -> Signs:
        """Signs of a line's points: its formula, and its gate while the formula can be
        positive (a gate turns points on)."""
        points = self.signs(line.points)
        if line.when is None:
            return points
        gate = self.signs(line.when)
        b = self.bounds(line.points)
        if b.lo is not None and b.lo >= 0:
            return _union(points, gate)
        if b.hi is not None and b.hi <= 0:
            return _union(points, _scale(gate, -1))
        return _union(points, _both(gate))

    def score_part(self, score: ir.Score, part: str | None) -> Signs:
        if part is None:
            items = score.items
        else:
            found = score.part(part)
            items = (found,)
        out: Signs = {}
        for item in items:
            lines = item.lines if isinstance(item, ir.Category) else (item,)
            out = _union(out, *(self.line(line) for line in lines))
        return out

    def level(self, track: ir.Track, variant: ir.Variant, index: int) -> Signs:
        """Signs of 'the partner meets this level' (with lower levels if cumulative)."""
        out: Signs = {}
        for i in range(index, -1, -1):
            level = variant.levels[i]
            out = _union(out, *(self.signs(r.expr) for r in level.requirements))
            if not level.cumulative:
                break
        return out

    def selection(self, track: ir.Track) -> Signs:
        """Classified tracks: a partner moved to another variant by growing can do worse,
        so every variable of the choice conditions moves the result both ways."""
        if track.selection != "classified":
            return {}
        return _both(_union(*(self.signs(c.when) for c in track.choices if c.when is not None)))

    def track(self, name: str) -> Signs:
        """Signs of the level a track's partner holds."""
        if name in self._tracks:
            return self._tracks[name]
        self._tracks[name] = {}  # cycles are rejected by the checker; guard anyway
        track = self.program.track_map[name]
        parts = [self.level(track, v, i) for v in track.variants for i in range(len(v.levels))]
        out = _union(*parts, self.selection(track))
        self._tracks[name] = out
        return out

    # -------------------------------------------------------------- intervals
    def bounds(self, e: ir.Expr) -> Interval:
        """The range of a numeric expression, from the metrics' declared ranges."""
        return Interval(*bounds(e, self.program.metric_map))


def _sign(v) -> int:
    return (v > 0) - (v < 0)
