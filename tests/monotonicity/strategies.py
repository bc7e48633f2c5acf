"""Hypothesis strategies for the monotonicity tests: small valid programs built directly
from IR constructs, random partners, and random improvements of a partner in the order.

Programs are generated at the IR level (not as text) so that every construct the analysis
reasons about can appear in any combination: comparisons in both directions and `==`,
`not`, `and`/`or`/`at least`, gates, points lines with `when` gates, caps, `clamp`,
`min`/`max`, subtraction and negative factors, tiered bands, best-of and classified
variants, cumulative and independent levels, and references to an earlier track (level,
group count, score, `every`). Every generated program is one the checker could have
produced: names resolve, `*` and `/` have a constant side, ScoreRefs inside a variant name
that variant, and tracks only refer to earlier tracks.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from tierlang import ir
from tierlang.order import DOWN, FIXED, UP, role

NUMBER = ir.Type(ir.Kind.NUMBER)
POINTS = ir.Type(ir.Kind.POINTS)
BOOL = ir.Type(ir.Kind.BOOL)
ENUM = ir.Type(ir.Kind.ENUM, values=("bronze", "silver", "gold"), ordered=True)

#: The metric shapes a generated program picks from: (type, minimum, maximum, direction,
#: direction declared). Ranges are small so that random partners meet thresholds often.
SHAPES = [
    (ir.Type(ir.Kind.COUNT), Fraction(0), None, "higher", False),
    (ir.Type(ir.Kind.COUNT), None, None, "higher", False),  # net adds: may be negative
    (ir.Type(ir.Kind.COUNT), Fraction(0), None, "lower", True),  # days late
    (ir.Type(ir.Kind.PERCENT), Fraction(-100), Fraction(100), "higher", False),
    (BOOL, None, None, "higher", False),
    (ENUM, None, None, "higher", True),  # ordered, direction declared: takes part
    (ENUM, None, None, "higher", False),  # ordered, no direction: must be equal
]


def c(v) -> ir.Const:
    return ir.Const(Fraction(v), NUMBER)


small = st.integers(-2, 8)
positive = st.integers(1, 6)


@st.composite
def metrics(draw) -> tuple[ir.Metric, ...]:
    picks = draw(st.lists(st.sampled_from(range(len(SHAPES))), min_size=2, max_size=4))
    out = []
    for i, k in enumerate(picks):
        t, lo, hi, direction, declared = SHAPES[k]
        out.append(ir.Metric(f"m{i}", t, column=f"m{i}", direction=direction, direction_declared=declared, minimum=lo, maximum=hi))
    return tuple(out)


def numeric(ms: tuple[ir.Metric, ...], mono: bool = False) -> list[ir.Metric]:
    """Numeric metrics (only the higher-is-better ones when `mono`)."""
    return [m for m in ms if m.type.is_numeric and (not mono or role(m) == UP)]


def num_expr(ms: tuple[ir.Metric, ...], mono: bool = False) -> st.SearchStrategy[ir.Expr]:
    """A numeric formula over the numeric metrics: linear, with clamps, min/max, and (unless
    `mono`) negative factors and subtractions. With `mono` it never falls as a
    higher-is-better metric grows, and reads no other."""
    nums = numeric(ms, mono)
    if not nums:
        return st.builds(c, small)
    leaf = st.one_of(st.sampled_from([ir.MetricRef(m.name) for m in nums]), st.builds(c, small))

    def extend(inner):
        rising = [
            st.builds(lambda a, b: ir.Arith("+", a, b), inner, inner),
            st.builds(lambda k, a: ir.Arith("*", c(k), a), st.integers(1, 4), inner),
            st.builds(lambda a, t: ir.Func("clamp", (ir.Arith("/", a, c(t)), c(0), c(1))), inner, positive),
            st.builds(lambda f, a, b: ir.Func(f, (a, b)), st.sampled_from(["min", "max"]), inner, inner),
        ]
        falling = [
            st.builds(lambda a, b: ir.Arith("-", a, b), inner, inner),
            st.builds(lambda k, a: ir.Arith("*", c(k), a), st.integers(-3, 0), inner),
            st.builds(ir.Neg, inner),
        ]
        return st.one_of(*rising) if mono else st.one_of(*rising, *falling)

    return st.recursive(leaf, extend, max_leaves=4)


@st.composite
def points_expr(draw, ms, mono: bool) -> ir.Expr:
    """A points formula; with `mono`, `k × clamp(formula / t)`: never negative, so a `when`
    gate only ever turns points on."""
    if not mono:
        return draw(num_expr(ms))
    return ir.Arith("*", c(draw(positive)), ir.Func("clamp", (ir.Arith("/", draw(num_expr(ms, True)), c(draw(positive))), c(0), c(1))))


@st.composite
def condition(draw, ms, gates=(), scores=(), earlier=None, depth=2, mono=False) -> ir.Expr:
    """A condition: comparisons (every operator), bool metrics, enum comparisons, gates,
    the track's own scores, references to an earlier track, and not/and/or/at least.
    With `mono`, only what is monotone by construction: `>=`/`>` on higher-is-better
    values, `<=`/`<` on lower-is-better metrics, anything on metrics that must stay equal
    (enums without a direction), no `not`, and no reported score of a best-of track."""
    downs = [m for m in ms if m.type.is_numeric and role(m) == DOWN]
    fixed = [m for m in ms if role(m) == FIXED]
    options = ["compare", "compare"]
    if any(m.type.kind is ir.Kind.BOOL for m in ms):
        options.append("bool")
    if any(m.type.kind is ir.Kind.ENUM for m in ms):
        options.append("enum")
    if mono and downs:
        options.append("down")
    if gates:
        options.append("gate")
    if scores:
        options += ["score", "score"]
        # `every` looks at each line alone: a tier of points drops back to 0 above its band.
        if not mono or all(every_ok for *_, every_ok in scores):
            options.append("every")
    if earlier is not None:
        options += ["track", "group"]
        if not (mono and earlier.selection == "best"):
            options.append("their_score")
    if depth > 0:
        options += ["and", "and", "or", "or", "at_least"] + ([] if mono else ["not"])
    kind = draw(st.sampled_from(options))
    ops = [">=", ">"] if mono else [">=", ">=", ">=", ">", ">", "<=", "<", "==", "!="]
    op = draw(st.sampled_from(ops))
    sub = condition(ms, gates, scores, earlier, depth - 1, mono)
    if kind == "compare":
        return ir.Compare(op, draw(num_expr(ms, mono)), c(draw(small)))
    if kind == "down":
        m = draw(st.sampled_from(downs))
        return ir.Compare(draw(st.sampled_from(["<=", "<"])), ir.MetricRef(m.name), c(draw(small)))
    if kind == "bool":
        return ir.MetricRef(draw(st.sampled_from([m.name for m in ms if m.type.kind is ir.Kind.BOOL])))
    if kind == "enum":
        m = draw(st.sampled_from([m for m in ms if m.type.kind is ir.Kind.ENUM]))
        if mono and m in fixed:
            op = draw(st.sampled_from([">=", ">", "<=", "<", "==", "!="]))
        return ir.Compare(op, ir.MetricRef(m.name), ir.Const(draw(st.sampled_from(m.type.values)), m.type))
    if kind == "gate":
        return ir.GateRef(draw(st.sampled_from(gates)))
    if kind == "score":
        track, score, variant, _ = draw(st.sampled_from(scores))
        return ir.Compare(op, ir.ScoreRef(track, score, variant), c(draw(st.integers(0, 20))))
    if kind == "every":
        track, score, variant, _ = draw(st.sampled_from(scores))
        every_ops = [">", ">="] if mono else [">", ">=", "<="]
        return ir.Every(track, score, draw(st.sampled_from(every_ops)), c(draw(st.integers(-1, 3))), variant)
    if kind == "track":
        return ir.TrackAt(earlier.name, draw(st.sampled_from((None, *earlier.level_names))))
    if kind == "group":
        return ir.GroupCount("g", draw(st.sampled_from([None, 1])), draw(st.sampled_from((None, *earlier.level_names))))
    if kind == "their_score":
        if not earlier.has_score:
            return ir.TrackAt(earlier.name, None)
        score = earlier.variants[0].scores[0].name
        return ir.Compare(op, ir.ScoreRef(earlier.name, score), c(draw(st.integers(0, 20))))
    if kind == "not":
        return ir.Not(draw(sub))
    if kind == "at_least":
        items = draw(st.lists(sub, min_size=1, max_size=3))
        return ir.AtLeast(draw(st.integers(1, len(items))), tuple(items))
    items = tuple(draw(st.lists(sub, min_size=2, max_size=3)))
    return ir.And(items) if kind == "and" else ir.Or(items)


@st.composite
def bands(draw, ms, mono: bool) -> list[ir.Line]:
    """Tiered points on one metric: `m >= a and m < b` bands, touching, points usually
    non-decreasing (unless `mono`, sometimes not, sometimes with a gap: then they are not
    a step function the analysis may rely on)."""
    nums = numeric(ms, mono)
    m = draw(st.sampled_from(nums))
    cuts = sorted(set(draw(st.lists(st.integers(-2, 10), min_size=2, max_size=4))))
    pts = sorted(draw(st.lists(st.integers(0, 10), min_size=len(cuts), max_size=len(cuts))))
    if not mono and draw(st.integers(0, 4)) == 0:
        pts = list(reversed(pts))
    gap = 1 if not mono and draw(st.integers(0, 4)) == 0 else 0
    lines = []
    ref = ir.MetricRef(m.name)
    for i, (a, p) in enumerate(zip(cuts, pts)):
        lower = ir.Compare(">=", ref, c(a))
        cond = lower if i == len(cuts) - 1 else ir.And((lower, ir.Compare("<", ref, c(cuts[i + 1] - gap))))
        lines.append(ir.Line(f"band{i}", c(p), cond))
    return lines


@st.composite
def score(draw, ms, gates, name: str, mono: bool) -> ir.Score:
    lines: list[ir.Line] = []
    for i in range(draw(st.integers(1, 3))):
        when = draw(st.none() | condition(ms, gates, depth=1, mono=mono))
        lines.append(ir.Line(f"l{i}", draw(points_expr(ms, mono)), when))
    if numeric(ms, mono) and draw(st.integers(0, 3)) == 0:
        lines.extend(draw(bands(ms, mono)))
    cap = draw(st.none() | st.integers(0, 30).map(Fraction))
    items: tuple[ir.Line | ir.Category, ...] = tuple(lines)
    if len(lines) > 1 and draw(st.booleans()):
        items = (lines[0], ir.Category("cat", tuple(lines[1:]), cap=draw(st.none() | st.integers(0, 20).map(Fraction))))
    return ir.Score(name, items, cap=cap)


@st.composite
def variant(draw, ms, gates, track: str, name: str | None, level_names, earlier, mono: bool) -> ir.Variant:
    scores = (draw(score(ms, gates, "s", mono)),) if draw(st.booleans()) else ()
    refs = [(track, "s", name, not any(line.name.startswith("band") for line in scores[0].lines))] if scores else []
    levels = []
    for i, lname in enumerate(level_names):
        n = draw(st.integers(0 if i == 0 else 1, 2))
        reqs = tuple(ir.Requirement(draw(condition(ms, gates, refs, earlier, mono=mono))) for _ in range(n))
        levels.append(ir.Level(lname, reqs, cumulative=draw(st.booleans()) if i else True))
    return ir.Variant(name, tuple(levels), scores)


@st.composite
def track(draw, ms, gates, name: str, earlier: ir.Track | None, mono: bool) -> ir.Track:
    level_names = ("silver", "gold")[: draw(st.integers(1, 2))]
    kinds = ["single", "single", "best"] + ([] if mono else ["classified"])
    selection = draw(st.sampled_from(kinds))
    group = "g" if earlier is None else None
    if selection == "single":
        return ir.Track(name, (draw(variant(ms, gates, name, None, level_names, earlier, mono)),), group=group)
    variants = tuple(draw(variant(ms, gates, name, v, level_names, earlier, mono)) for v in ("a", "b"))
    # Every variant has a score or none does: the reported score (and ScoreRefs from other
    # tracks) must exist whichever variant is taken.
    if any(v.scores for v in variants) and not all(v.scores for v in variants):
        variants = tuple(_drop_score_refs(v) for v in variants)
    choices: tuple[ir.Choice, ...] = ()
    if selection == "classified":
        choices = (ir.Choice("a", draw(condition(ms, gates, depth=1))), ir.Choice("b", None))
    return ir.Track(name, variants, selection=selection, choices=choices, group=group)


def _drop_score_refs(v: ir.Variant) -> ir.Variant:
    """The variant without its scores and without the requirements that read them."""

    def uses_score(e) -> bool:
        return any(isinstance(n, (ir.ScoreRef, ir.Every)) for n in ir.walk(e))

    levels = tuple(ir.Level(lv.name, tuple(r for r in lv.requirements if not uses_score(r.expr)), lv.cumulative) for lv in v.levels)
    return ir.Variant(v.name, levels, ())


@st.composite
def programs(draw, mono: bool | None = None) -> ir.Program:
    """A small valid program. `mono=True`: monotone by construction (the checker must
    prove every track); False: anything; None: either, half the time each."""
    if mono is None:
        mono = draw(st.booleans())
    ms = draw(metrics())
    gates: tuple[str, ...] = ()
    gate_decls: tuple[ir.Gate, ...] = ()
    if draw(st.booleans()):
        gate_decls = (ir.Gate("gate0", draw(condition(ms, depth=1, mono=mono))),)
        gates = ("gate0",)
    first = draw(track(ms, gates, "t1", None, mono))
    tracks = [first]
    if draw(st.booleans()):
        tracks.append(draw(track(ms, gates, "t2", first, mono)))
    groups = (ir.Group("g", tracks=("t1",)),)
    return ir.Program("monotone" if mono else "generated", metrics=ms, gates=gate_decls, groups=groups, tracks=tuple(tracks))


# ------------------------------------------------------------------ partners


def value(m: ir.Metric, boundary: list | None = None) -> st.SearchStrategy:
    """A valid value of metric `m`: often one of the rules' boundary values (where levels
    change), otherwise anything in a modest range around them."""
    kind = m.type.kind
    if kind is ir.Kind.BOOL:
        return st.booleans()
    if kind in (ir.Kind.ENUM, ir.Kind.DATE):
        return st.sampled_from(boundary or list(m.type.values))
    lo = m.minimum if m.minimum is not None else Fraction(-50)
    hi_guess = max([Fraction(50)] + [b for b in boundary or [] if isinstance(b, Fraction)]) * 2
    hi = m.maximum if m.maximum is not None else hi_guess
    if kind is ir.Kind.COUNT:
        anything = st.integers(int(lo), int(hi)).map(Fraction)
    else:
        anything = st.fractions(lo, hi, max_denominator=100)
    return st.one_of(st.sampled_from(boundary), anything) if boundary else anything


@st.composite
def improvement(draw, m: ir.Metric, v):
    """A value at least as good as `v` for `m` (often `v` itself)."""
    r = role(m)
    if r == FIXED or draw(st.integers(0, 2)) == 0:
        return v
    kind = m.type.kind
    if kind is ir.Kind.BOOL:
        return True if r == UP else False if draw(st.booleans()) else v
    if kind is ir.Kind.ENUM:
        i = m.type.values.index(v)
        options = m.type.values[i:] if r == UP else m.type.values[: i + 1]
        return draw(st.sampled_from(options))
    step = Fraction(draw(st.integers(0, 12))) if kind is ir.Kind.COUNT else draw(st.fractions(0, 40, max_denominator=100))
    out = v + step if r == UP else v - step
    if m.minimum is not None and out < m.minimum:
        out = m.minimum
    if m.maximum is not None and out > m.maximum:
        out = m.maximum
    assert r in (UP, DOWN)
    return out
