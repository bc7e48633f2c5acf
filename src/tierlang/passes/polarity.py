"""Sign analysis: how a value or condition moves when one input grows, and why.

For an expression and a set of *variables* (metrics, and optionally parameters), the
analysis says, per variable, whether growing it can raise the value (+1), lower it (-1),
both, or neither. Conditions count true above false. Because every numeric expression is
piecewise linear in the metrics (the checker guarantees it), the answer is exact for each
construct taken alone and conservative (never misses a direction) when combined.

Each direction also carries its **origins**: the constructs that gave it, so a caller can
point at what makes a track non-monotone. A direction passed through unchanged (`and`,
`+`, `min`, a cap) keeps its origins; a construct that reverses it (`not`, `<=`, `-`, a
negative factor, a divisor) or makes it go both ways (`==`, a classified variant) becomes
its origin. A reference to another track wraps the origins found there (`Origin.via`), so
the construct can be traced to the track it lives in. `Origin.root` is that construct.

Uses: the monotonicity check (`passes.monotonicity`: a higher-is-better metric that can
lower a level), and the diff's classification of a changed constant as tightened or
loosened (which only reads the signs).

Tiered points are recognised as one step function: lines of one sum whose `when` gates cut
one value into bands (`x >= 10 and x < 20`, `x >= 20 and x < 50`, `x >= 50`) with constant
points move with that value when their sum never falls as it grows, even though each gate
alone has an upper bound (mspp2009's CSAT points are written this way).

Intervals: `bounds(expr)` gives the range of a numeric expression from the metrics'
declared ranges (used to know that a points formula never goes negative).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from fractions import Fraction

from tierlang import ir
from tierlang.passes.bands import band_groups
from tierlang.passes.intervals import Bounds, bounds

__all__ = ["Sign", "POS", "NEG", "BOTH", "ZERO", "Analysis", "Origin", "Effects", "flip", "Interval"]

Sign = frozenset  # subset of {+1, -1}
POS: Sign = frozenset({1})
NEG: Sign = frozenset({-1})
BOTH: Sign = frozenset({1, -1})
ZERO: Sign = frozenset()

Signs = dict  # variable key -> Sign


@dataclass(frozen=True, eq=False)
class Origin:
    """The construct that gave a variable's effect its direction.

    `reason` names the kind of construct: "metric" (the variable itself, used as is),
    "not", "comparison" (a `<`/`<=` or the right side of `>=`), "equality" (`==`, `!=`),
    "negation", "subtraction", "factor" (a negative constant factor or divisor), "divisor"
    (dividing by a variable), "product" (a factor whose sign is not known), "gate" (a
    `when` on points that can be negative), "classified" (a classification rule),
    "best score" (the reported score of a best-of track), "cap" (a cap that is a variable),
    "how many" (the N of `at least N of` as a variable), "exact level" (`at exactly LEVEL`),
    "table" (a band table whose cells fall, or move both ways, along a key),
    "reference" (another track's
    level or score: `via` is the origin inside it, `track` its name).

    Origins compare by identity: two equal-looking constructs in different places are
    different origins."""

    node: object
    reason: str
    via: Origin | None = None
    track: str | None = None

    @property
    def root(self) -> Origin:
        """The construct itself, through any chain of references."""
        o = self
        while o.via is not None:
            o = o.via
        return o

    @property
    def span(self) -> ir.Span | None:
        return getattr(self.node, "span", None)


#: Per variable, per direction (+1, -1), the origins of that direction (in source order,
#: without repeats): an iterable of `Origin`s (see `Origins`).
Effects = dict


def flip(s: Sign) -> Sign:
    return frozenset(-x for x in s)


class _Joined:
    """Origins joined from parts (tuples of origins, other `_Joined`s, `_Wrapped`s), read in
    order without repeats only when iterated. Joining is then linear in the parts, not in the
    origins: a chain of n gates each reading the one before (twice) holds the comparisons of
    every gate before it, and copying them at each gate cost n^2 (a finding's origins are
    read once, by the monotonicity pass; the diff reads only the signs)."""

    __slots__ = ("parts",)

    def __init__(self, parts: tuple) -> None:
        self.parts = parts

    def __iter__(self):
        return iter(_flatten(self))


class _Wrapped:
    """The origins of `inner` read through a reference (`_wrap`), made when first read and
    kept: origins compare by identity, so reading them twice must give the same objects."""

    __slots__ = ("inner", "node", "track", "_origins")

    def __init__(self, inner: Origins, node: object, track: str) -> None:
        self.inner, self.node, self.track = inner, node, track
        self._origins: tuple[Origin, ...] | None = None

    def origins(self) -> tuple[Origin, ...]:
        if self._origins is None:
            self._origins = tuple(Origin(self.node, "reference", via=o, track=self.track) for o in _flatten(self.inner))
            self.inner = ()  # no longer needed
        return self._origins

    def __iter__(self):
        return iter(self.origins())


#: The origins of one direction: a tuple, or parts joined lazily.
Origins = tuple | _Joined | _Wrapped


def _flatten(origins: Origins) -> tuple[Origin, ...]:
    """The origins in order, without repeats: a part met again (the DAG shares them) adds
    nothing, so it is skipped whole."""
    if isinstance(origins, tuple):
        return origins
    if isinstance(origins, _Wrapped):
        return origins.origins()
    out: list[Origin] = []
    seen: set[int] = set()  # ids of the origins and parts met
    stack: list = [origins]
    while stack:
        part = stack.pop()
        if id(part) in seen:
            continue
        seen.add(id(part))
        if isinstance(part, _Joined):
            stack.extend(reversed(part.parts))
            continue
        for o in part.origins() if isinstance(part, _Wrapped) else part:
            if id(o) not in seen:
                seen.add(id(o))
                out.append(o)
    return tuple(out)


def _union(*parts: Effects) -> Effects:
    """Every part's effects; a direction's origins are those of each part in turn, joined
    lazily (`_Joined`)."""
    acc: dict = {}
    for part in parts:
        for k, v in part.items():
            cur = acc.setdefault(k, {})
            for s, origins in v.items():
                cur.setdefault(s, []).append(origins)
    return {k: {s: o[0] if len(o) == 1 else _Joined(tuple(o)) for s, o in v.items()} for k, v in acc.items()}


def _reverse(effects: Effects, origin: Origin) -> Effects:
    """Growing the operand moves the result the other way. A variable that moved one way
    now moves the other because of `origin`; one that already moved both ways keeps its
    origins (the reversal adds no direction)."""
    out: Effects = {}
    for k, v in effects.items():
        if len(v) > 1:
            out[k] = {-s: o for s, o in v.items()}
        else:
            out[k] = {-s: (origin,) for s in v}
    return out


def _scale(effects: Effects, by: int, origin: Origin) -> Effects:
    if by == 0:
        return {}
    return effects if by > 0 else _reverse(effects, origin)


def _both(effects: Effects, origin: Origin) -> Effects:
    """Every variable that moves the operand at all moves the result both ways."""
    return {k: {1: (origin,), -1: (origin,)} for k, v in effects.items() if v}


def _wrap(effects: Effects, node: object, track: str) -> Effects:
    """Effects read through a reference to another track: origins point at the reference
    and keep the construct inside the other track as `via`."""
    return {k: {s: _Wrapped(origins, node, track) for s, origins in v.items()} for k, v in effects.items()}


def _signs(effects: Effects) -> Signs:
    return {k: frozenset(v) for k, v in effects.items()}


@dataclass(frozen=True)
class Interval:
    lo: Fraction | None  # None = unbounded
    hi: Fraction | None


class Analysis:
    """Sign analysis over one program. `variable(node)` names the leaves that count as
    variables (by default: metric references, keyed `("metric", name)`).

    `signs(expr)` and `track(name)` give the directions; `effects(expr)` and
    `track_effects(name)` the directions with their origins."""

    def __init__(self, program: ir.Program, variable: Callable[[object], Hashable | None] | None = None) -> None:
        self.program = program
        self.variable = variable or self.input_metric
        self._tracks: dict[str, Effects] = {}
        self._gates: dict[str, Effects] = {}
        self._derived: dict[str, Effects] = {}
        self._bounds: dict[str, Bounds] = {}  # derived metric -> its range
        self._current: list[str] = []  # the tracks being analysed, innermost last

    def input_metric(self, node: object) -> Hashable | None:
        """The default variables: metrics read from the data (derived ones expand)."""
        if isinstance(node, ir.MetricRef) and self.program.metric_map[node.name].derived is None:
            return ("metric", node.name)
        return None

    # -------------------------------------------------------------- public
    def signs(self, e: ir.Expr) -> Signs:
        """Per variable, how `e` moves when the variable grows."""
        return _signs(self.effects(e))

    def track(self, name: str) -> Signs:
        """Per variable, how the level a track's partner holds moves."""
        return _signs(self.track_effects(name))

    # -------------------------------------------------------------- expressions
    def effects(self, e: ir.Expr) -> Effects:
        """Per variable and direction, the origins of that direction."""
        # (`at least N of` as a variable is its N: see `_how_many`)
        key = None if isinstance(e, (ir.AtLeast, ir.GroupCount)) else self.variable(e)
        if key is not None:
            return {key: {1: (Origin(e, "metric"),)}}
        method = getattr(self, "_s_" + type(e).__name__)
        return method(e)

    def _s_Const(self, e: ir.Const) -> Effects:
        return {}

    def _s_MetricRef(self, e: ir.MetricRef) -> Effects:
        m = self.program.metric_map[e.name]
        if m.derived is None:
            return {}
        # Once per derived metric: a chain of metrics each reading the previous twice would
        # otherwise be analysed 2^depth times.
        if e.name not in self._derived:
            self._derived[e.name] = self.effects(m.derived)
        return self._derived[e.name]

    def _s_Arith(self, e: ir.Arith) -> Effects:
        left, right = self.effects(e.left), self.effects(e.right)
        if e.op == "+":
            return _union(left, right)
        if e.op == "-":
            return _union(left, _reverse(right, Origin(e, "subtraction")))
        from tierlang.passes.lower import const_value, is_constant

        if e.op == "*":
            if is_constant(e.left) and not self._has_vars(e.left):
                return _scale(right, _sign(const_value(e.left)), Origin(e, "factor"))
            if is_constant(e.right) and not self._has_vars(e.right):
                return _scale(left, _sign(const_value(e.right)), Origin(e, "factor"))
            # A parameter times a metric: the sign of each factor's effect depends on the
            # other's sign; use the intervals to decide.
            return _union(self._product(e, left, self.bounds(e.right)), self._product(e, right, self.bounds(e.left)))
        return self._divide(e, left, right, self.bounds(e.left))

    def _divide(self, e: ir.Arith, left: Effects, right: Effects, num: Interval) -> Effects:
        """Effects of `e.left / e.right` when the numerator lies in `num`."""
        from tierlang.passes.lower import const_value, is_constant

        if is_constant(e.right) and not self._has_vars(e.right):
            return _scale(left, _sign(const_value(e.right)), Origin(e, "factor"))
        divisor = self.bounds(e.right)
        out = self._product(e, left, divisor)
        # Growing a positive divisor shrinks |numerator / divisor|: its effect has the
        # opposite sign of the numerator.
        if divisor.lo is not None and divisor.lo > 0:
            if num.lo is not None and num.lo >= 0:
                return _union(out, _reverse(right, Origin(e, "divisor")))
            if num.hi is not None and num.hi <= 0:
                return _union(out, right)
        return _union(out, _both(right, Origin(e, "divisor")))

    def _product(self, e: ir.Expr, effects: Effects, other: Interval) -> Effects:
        if other.lo is not None and other.lo >= 0:
            return effects
        if other.hi is not None and other.hi <= 0:
            return _reverse(effects, Origin(e, "factor"))
        return _both(effects, Origin(e, "product"))

    def _has_vars(self, e: ir.Expr) -> bool:
        return any(self.variable(n) is not None for n in ir.walk(e))

    def _s_AsOf(self, e: ir.AsOf) -> Effects:
        return {}  # the same for every partner

    def _s_DateShift(self, e: ir.DateShift) -> Effects:
        return self.effects(e.operand)  # moving every date by the same amount keeps their order

    def _s_Neg(self, e: ir.Neg) -> Effects:
        return _reverse(self.effects(e.operand), Origin(e, "negation"))

    def _s_Func(self, e: ir.Func) -> Effects:
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
                inner = self._divide(x, self.effects(x.left), self.effects(x.right), floored)
                return _union(inner, *(self.effects(a) for a in e.args[1:]))
        return _union(*(self.effects(a) for a in e.args))

    def _compare(self, node: ir.Expr, op: str, left: Effects, right: Effects) -> Effects:
        if op in (">=", ">"):
            return _union(left, _reverse(right, Origin(node, "comparison")))
        if op in ("<=", "<"):
            return _union(_reverse(left, Origin(node, "comparison")), right)
        return _both(_union(left, right), Origin(node, "equality"))  # == and != are not monotone

    def _s_Compare(self, e: ir.Compare) -> Effects:
        return self._compare(e, e.op, self.effects(e.left), self.effects(e.right))

    def _s_And(self, e: ir.And) -> Effects:
        return _union(*(self.effects(i) for i in e.items))

    _s_Or = _s_And

    def _s_AtLeast(self, e: ir.AtLeast) -> Effects:
        return _union(self._s_And(e), self._how_many(e))

    def _how_many(self, e: ir.AtLeast | ir.GroupCount) -> Effects:
        """The N of `at least N of` when it is a variable (a parameter, for the diff):
        needing more of the conditions can only make the result false."""
        key = self.variable(e) if e.n is not None else None
        return {key: {-1: (Origin(e, "how many"),)}} if key is not None else {}

    def _s_Not(self, e: ir.Not) -> Effects:
        return _reverse(self.effects(e.operand), Origin(e, "not"))

    def _s_GateRef(self, e: ir.GateRef) -> Effects:
        if e.name not in self._gates:
            self._gates[e.name] = {}
            # A gate is shared: analyse it outside any track, so that its effects (and the
            # references it makes) are the same whichever track asks first.
            outer, self._current = self._current, []
            try:
                self._gates[e.name] = self.effects(self.program.gate_map[e.name].expr)
            finally:
                self._current = outer
        return self._gates[e.name]

    def _cross(self, track: str) -> bool:
        """Is `track` another track than the one being analysed?"""
        return not self._current or self._current[-1] != track

    def _s_TrackAt(self, e: ir.TrackAt) -> Effects:
        return self._exactly(e, e.track, _wrap(self.track_effects(e.track), e, e.track))

    def _s_Undecided(self, e: ir.Undecided) -> Effects:
        return {}  # no data moves it

    def _s_LevelOf(self, e: ir.LevelOf) -> Effects:
        return _wrap(self.track_effects(e.track), e, e.track)

    def _s_Lookup(self, e: ir.Lookup) -> Effects:
        """A table moves with a key when its cells never fall along that key's bands (for
        every band of the other key), against it when they never rise, both ways otherwise.
        A cell that is a variable (a parameter, for the diff) raises the value as it grows."""
        table = e.table
        out = _union(*(self.effects(c) for row in table.cells for c in row))
        for axis, key in enumerate(e.keys):
            trend = _trend(table, axis, self._band_order(table, axis, key))
            if trend == 0:
                continue
            effects = self.effects(key)
            # A band's end that is a variable: raising it delays the band above (and what it
            # holds), so it moves the value against the trend.
            ends = _union(*(self._band_end(b, axis, e) for b in (table.rows if axis == 0 else table.columns)))
            if trend is not None and trend > 0:
                out = _union(out, effects, _reverse(ends, Origin(e, "table")))
            elif trend is not None and trend < 0:
                out = _union(out, _reverse(effects, Origin(e, "table")), ends)
            else:
                out = _union(out, _both(_union(effects, ends), Origin(e, "table")))
        return out

    def _band_end(self, band: ir.Band, axis: int, e: ir.Lookup) -> Effects:
        out: Effects = {}
        for value, param in ((band.low, band.low_param), (band.high, band.high_param)):
            key = self.variable(ir.Const(value, ir.Type(ir.Kind.NUMBER), param=param)) if param else None
            if key is not None:
                out = _union(out, {key: {1: (Origin(e, "table"),)}})
        return out

    def _band_order(self, table: ir.Table, axis: int, key: ir.Expr) -> list[int] | None:
        """The bands of one axis from the lowest values of the key up, as indices; None when
        they have no order (an unordered enum, an `else` band)."""
        bands = table.rows if axis == 0 else table.columns
        if any(b.otherwise for b in bands):
            return None
        if all(b.numeric for b in bands):
            return list(range(len(bands)))  # the checker keeps numeric bands ascending
        if isinstance(key, ir.LevelOf):
            order: list[str | None] = [None, *self.program.track_map[key.track].level_names]
        elif isinstance(key, ir.MetricRef) and self.program.metric_map[key.name].type.ordered:
            order = list(self.program.metric_map[key.name].type.values)
        else:
            return None
        return sorted(range(len(bands)), key=lambda i: order.index(bands[i].names[0]))

    def _s_GroupCount(self, e: ir.GroupCount) -> Effects:
        group = self.program.group_map[e.group]
        held = [self._exactly(e, t, _wrap(self.track_effects(t), e, t)) for t in group.tracks]
        return _union(*held, self._how_many(e))

    def _exactly(self, e: ir.TrackAt | ir.GroupCount, track: str, effects: Effects) -> Effects:
        """`at exactly LEVEL` holds one level, not those above it: growing can move a partner
        past it (unless it is the top of the ladder)."""
        if not e.exact or e.level is None or self.program.track_map[track].level_names[-1] == e.level:
            return effects
        return _both(effects, Origin(e, "exact level"))

    def _s_ScoreRef(self, e: ir.ScoreRef) -> Effects:
        track = self.program.track_map[e.track]
        variants = [track.variant(e.variant)] if e.variant is not None else list(track.variants)
        out = _union(*(self.score_part(v.score(e.score), e.part) for v in variants))
        if e.variant is None:
            out = _union(out, self.selection(track))
        if self._cross(e.track):
            out = _wrap(out, e, e.track)
        # Reading the reported score of a best-of track is this reference's own doing.
        return _union(out, self._best_score(track, e)) if e.variant is None else out

    def _best_score(self, track: ir.Track, e: ir.Expr) -> Effects:
        """The reported score of a best-of track is the score of the variant with the
        highest level: when growing lifts another variant to a higher level, the reported
        score can switch to that variant's, which may be lower. Every variable of the
        variants' levels moves it both ways."""
        if track.selection != "best":
            return {}
        levels = _union(*(self.level(track, v, len(v.levels) - 1, all_levels=True) for v in track.variants))
        return _both(levels, Origin(e, "best score"))

    def _s_Every(self, e: ir.Every) -> Effects:
        track = self.program.track_map[e.track]
        variants = [track.variant(e.variant)] if e.variant is not None else list(track.variants)
        lines = _union(*(self.line(line) for v in variants for line in v.score(e.score).lines))
        if e.variant is None:
            lines = _union(lines, self.selection(track))
        if self._cross(e.track):
            lines = _wrap(lines, e, e.track)
        if e.variant is None:
            lines = _union(lines, self._best_score(track, e))
        return self._compare(e, e.op, lines, self.effects(e.value))

    # -------------------------------------------------------------- scores and tracks
    def line(self, line: ir.Line) -> Effects:
        """Effects on a line's points: its formula, and its gate while the formula can be
        positive (a gate turns points on)."""
        points = self.effects(line.points)
        if line.when is None:
            return points
        b = self.bounds(line.points)
        if b.lo == 0 and b.hi == 0:
            return points  # nothing to turn on
        gate = self.effects(line.when)
        if b.lo is not None and b.lo >= 0:
            return _union(points, gate)
        if b.hi is not None and b.hi <= 0:
            return _union(points, _reverse(gate, Origin(line, "gate")))
        return _union(points, _both(gate, Origin(line, "gate")))

    def lines(self, lines: tuple[ir.Line, ...] | list[ir.Line]) -> Effects:
        """Effects on the sum of some lines, tiered bands counted as one step function."""
        bands, rest = self._bands(list(lines))
        out = _union(*(self.line(line) for line in rest))
        for value in bands:
            out = _union(out, self.effects(value))
        return out

    def score_part(self, score: ir.Score, part: str | None) -> Effects:
        items = score.items if part is None else (score.part(part),)
        top = [i for i in items if isinstance(i, ir.Line)]
        out = self.lines(top)
        for item in items:
            if isinstance(item, ir.Category):
                out = _union(out, self.lines(item.lines), self._cap(item))
        return _union(out, self._cap(score)) if part is None else out

    def _cap(self, node: ir.Score | ir.Category) -> Effects:
        """A cap that is a variable (a parameter, for the diff): raising it can only raise
        the capped sum (`min(sum, cap)` never falls as `cap` grows)."""
        key = self.variable(node) if node.cap is not None else None
        return {key: {1: (Origin(node, "cap"),)}} if key is not None else {}

    def level(self, track: ir.Track, variant: ir.Variant, index: int, all_levels: bool = False) -> Effects:
        """Effects on 'the partner meets this level' (with lower levels if cumulative; with
        every level of the variant when `all_levels`)."""
        out: Effects = {}
        for i in range(index, -1, -1):
            level = variant.levels[i]
            out = _union(out, *(self.effects(r.expr) for r in level.requirements))
            if not level.cumulative and not all_levels:
                break
        return out

    def selection(self, track: ir.Track) -> Effects:
        """Classified tracks: a partner moved to another variant by growing can do worse,
        so every variable of the choice conditions moves the result both ways."""
        if track.selection != "classified":
            return {}
        return _union(*(_both(self.effects(c.when), Origin(c, "classified")) for c in track.choices if c.when is not None))

    def track_effects(self, name: str) -> Effects:
        """Effects on the level a track's partner holds."""
        if name in self._tracks:
            return self._tracks[name]
        self._tracks[name] = {}  # cycles are rejected by the checker; guard anyway
        track = self.program.track_map[name]
        self._current.append(name)
        try:
            parts = [self.level(track, v, i) for v in track.variants for i in range(len(v.levels))]
            out = _union(*parts, self.selection(track))
        finally:
            self._current.pop()
        self._tracks[name] = out
        return out

    # -------------------------------------------------------------- tiered bands
    def _bands(self, lines: list[ir.Line]) -> tuple[list[ir.Expr], list[ir.Line]]:
        """Find tiered bands among lines summed together (`passes.bands`): returns the
        banded values (one per group) and the lines left to analyse one by one.

        When a group's sum never falls as its value grows (the bands touch and their points
        rise, or the top band ends beyond what the value can reach), the group moves with the
        value and nothing else; otherwise its lines are left to the ordinary rules, which
        report the upper bounds."""
        groups, rest = band_groups(lines, self.program.metric_map, lambda e: not self._has_vars(e))
        banded: list[ir.Expr] = []
        for g in groups:
            if not g.rising:
                rest += [line for _, _, line in g.lines]
            elif len(set(g.steps)) > 1:
                banded.append(g.value)
        order = {id(line): i for i, line in enumerate(lines)}
        return banded, sorted(rest, key=lambda line: order[id(line)])

    # -------------------------------------------------------------- intervals
    def bounds(self, e: ir.Expr) -> Interval:
        """The range of a numeric expression, from the metrics' declared ranges."""
        return Interval(*bounds(e, self.program.metric_map, self._bounds))


def _trend(table: ir.Table, axis: int, order: list[int] | None) -> int | None:
    """How a table's cells move along one axis's bands in `order`, for every band of the
    other axis: 1 never falling (and somewhere rising), -1 never rising, 0 constant, None
    both ways (or no order and not constant)."""
    width = len(table.columns) or 1
    lines = (
        [[table.cells[r][c].value for r in range(len(table.rows))] for c in range(width)]
        if axis == 0
        else [[table.cells[r][c].value for c in range(width)] for r in range(len(table.rows))]
    )
    if all(len(set(line)) <= 1 for line in lines):
        return 0
    if order is None:
        return None
    ups = downs = False
    for line in lines:
        seq = [line[i] for i in order]
        ups = ups or any(a < b for a, b in zip(seq, seq[1:]))  # type: ignore[operator]
        downs = downs or any(a > b for a, b in zip(seq, seq[1:]))  # type: ignore[operator]
    return None if ups and downs else 1 if ups else -1


def _sign(v) -> int:
    return (v > 0) - (v < 0)
