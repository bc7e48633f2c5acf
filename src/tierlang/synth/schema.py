"""What `tier synth` must generate, read from the programs' IR.

- **Columns**: the union of the programs' input metrics, by dataset column. A column declared
  by several programs must have the same type in each (kind, currency, enum values); its
  valid range is the intersection of the declared ranges.
- **Thresholds**: the values at which a column starts to count for more, found in the
  comparisons and in the kinks of `min`, `max` and `clamp` (a points line's target, a cap's
  saturation point). Real partners manage their numbers to these values, so the generator
  makes values cluster at and just around them.
- **Groups**: what a partner pursues. A group is one track (a competency, a designation, a
  company level) with the columns it reads directly (through its gates and derived metrics,
  not through other tracks). A column read by several groups is written when the partner
  pursues any of them.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from fractions import Fraction

from tierlang import ir
from tierlang.passes.lower import const_value, is_constant
from tierlang.passes.polarity import Analysis

__all__ = ["SynthError", "Threshold", "Column", "Group", "Schema", "build_schema", "thresholds", "linear_for", "metrics_in", "direct_reads"]


class SynthError(Exception):
    """A problem with what `tier synth` was asked to do (programs, options, calibration).
    The CLI prints it with its hint and exits 2."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True, order=True)
class Threshold:
    """A boundary on one column. `value` is a number (a date's ordinal for dates).
    `upper_closed`: the boundary value itself is on the upper side (`x >= value` crosses
    it); otherwise only values above it are (`x > value`)."""

    value: Fraction
    upper_closed: bool = True


@dataclass
class Column:
    name: str
    type: ir.Type
    direction: str  # "higher" or "lower": where partners push it (see build_schema)
    minimum: Fraction | None
    maximum: Fraction | None
    declared_by: list[tuple[str, str]]  # (program, metric) pairs
    thresholds: set[Threshold] = field(default_factory=set)
    groups: list[str] = field(default_factory=list)  # keys of the groups that read it

    @property
    def kind(self) -> ir.Kind:
        return self.type.kind


@dataclass
class Group:
    key: str  # "<program>/<track>"
    program: str
    track: str
    columns: list[str]


@dataclass
class Schema:
    programs: list[ir.Program]
    columns: dict[str, Column]  # in program order, then declaration order
    groups: dict[str, Group]

    @property
    def anchor(self) -> _dt.date | None:
        """The latest effective date among the programs (None if none has one)."""
        dates = [p.effective for p in self.programs if p.effective is not None]
        return max(dates) if dates else None


# ------------------------------------------------------------------ columns


def build_schema(programs: list[ir.Program]) -> Schema:
    """The columns, thresholds and groups of the given programs (raises SynthError when two
    programs declare the same column with incompatible types or disjoint ranges)."""
    columns: dict[str, Column] = {}
    groups: dict[str, Group] = {}
    signs: dict[str, set[int]] = {}
    for prog in programs:
        per_metric = thresholds(prog)
        moves = polarity(prog)
        for m in prog.input_metrics:
            col = m.column or m.name
            if col in columns:
                _merge(columns[col], prog, m)
            else:
                columns[col] = Column(col, m.type, m.direction, m.minimum, m.maximum, [(prog.name, m.name)])
            columns[col].thresholds |= per_metric.get(m.name, set())
            signs.setdefault(col, set()).update(moves.get(m.name, ()))
        for track, cols in direct_reads(prog).items():
            if not cols:
                continue  # a status track that only refers to other tracks
            key = f"{prog.name}/{track}"
            names = [prog.metric_map[c].column or c for c in cols]
            groups[key] = Group(key, prog.name, track, names)
            for c in names:
                columns[c].groups.append(key)
    for c in columns.values():
        c.thresholds = {t for t in c.thresholds if _in_range(t.value, c)}
        # Which way partners push a value: the way it helps their levels when the sign
        # analysis says so unambiguously (a date that must be *before* a deadline), else
        # the declared direction.
        if signs[c.name] == {1}:
            c.direction = "higher"
        elif signs[c.name] == {-1}:
            c.direction = "lower"
    return Schema(list(programs), columns, groups)


def polarity(prog: ir.Program) -> dict[str, set[int]]:
    """Per input metric, how growing it can move any track's level: {1}, {-1}, both or
    none (the sign analysis of passes/polarity.py)."""
    analysis = Analysis(prog)
    out: dict[str, set[int]] = {}
    for track in prog.tracks:
        for (_, metric), sign in analysis.track(track.name).items():
            out.setdefault(metric, set()).update(sign)
    return out


def _merge(col: Column, prog: ir.Program, m: ir.Metric) -> None:
    first_prog, first_metric = col.declared_by[0]
    if m.type != col.type:
        raise SynthError(
            f"column '{col.name}' has incompatible types: {m.type} in {prog.name} (metric {m.name}) "
            f"but {col.type} in {first_prog} (metric {first_metric})",
            hint="programs generated together must declare a shared column with the same type; "
            "give one of the metrics another `column`, or generate the programs separately",
        )
    lo = _tighter(col.minimum, m.minimum, max)
    hi = _tighter(col.maximum, m.maximum, min)
    if lo is not None and hi is not None and lo > hi:
        raise SynthError(
            f"column '{col.name}' has no value valid in every program: range {_range(m.minimum, m.maximum)} in "
            f"{prog.name} but {_range(col.minimum, col.maximum)} in {first_prog}",
            hint="make the declared ranges overlap, or generate the programs separately",
        )
    col.minimum, col.maximum = lo, hi
    col.declared_by.append((prog.name, m.name))


def _tighter(a: Fraction | None, b: Fraction | None, pick) -> Fraction | None:
    if a is None:
        return b
    if b is None:
        return a
    return pick(a, b)


def _range(lo: Fraction | None, hi: Fraction | None) -> str:
    def text(v: Fraction | None) -> str:
        return "" if v is None else str(v)

    return f"{text(lo)}..{text(hi)}"


def _in_range(v: Fraction, col: Column) -> bool:
    if col.kind is ir.Kind.DATE:
        return True
    return (col.minimum is None or v >= col.minimum) and (col.maximum is None or v <= col.maximum)


# ------------------------------------------------------------------ groups


def direct_reads(prog: ir.Program) -> dict[str, list[str]]:
    """Per track, the input metrics it reads itself: through its gates and derived metrics,
    not through the tracks it refers to (those are groups of their own). Sorted by the
    metrics' declaration order."""
    order = {m.name: i for i, m in enumerate(prog.metrics)}
    return {t.name: sorted(prog.reads(t.name, follow_tracks=False), key=order.__getitem__) for t in prog.tracks}


# ------------------------------------------------------------------ thresholds


def thresholds(prog: ir.Program) -> dict[str, set[Threshold]]:
    """Per input metric, the thresholds the program puts on it.

    A comparison `a·x + b ⋈ k` gives `x = (k - b) / a`; a kink of `min`, `max` or `clamp`
    between an argument that moves with `x` and a constant one gives the value where they
    meet (the target of `max × clamp(n / target)`, the saturation point of
    `min(cap, p × n)`). Each metric is solved for on its own (see `linear_for`): nested kinks
    that contain it are taken as not binding, those that do not are at their constant bound.
    When the form keeps several metrics with positive coefficients (`(azure + m365) / 10`),
    the needed amount is shared equally among them. Comparisons of a date metric with a date
    give that date (as an ordinal). Constants are those in force at the program's `as_of`.

    A ratio rule compares metrics that pull opposite ways, without a constant (`active >= 0.7 *
    acquired`): alone it gives `active` no positive threshold, so the other metric is set at
    each of its own thresholds (`acquired >= 20` gives `active` 14), as a partner meeting both
    would be."""
    out: dict[str, set[Threshold]] = {}
    ratios: list[tuple[str, Form, Fraction, str]] = []
    roots: list[object] = [m.derived for m in prog.metrics if m.derived is not None]
    roots += [g.expr for g in prog.gates]
    roots += list(prog.tracks)
    seen: set[int] = set()
    for root in roots:
        for node in ir.walk(root):
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, ir.Compare):
                _compare(prog, node, out, ratios)
            elif isinstance(node, ir.Func):
                _kinks(prog, node, out, ratios)
    for metric, (coefs, offset), k, op in ratios:
        a = coefs[metric]
        others = [o for o in coefs if o != metric and coefs[o] * a < 0]
        at = {o: sorted(t.value for t in out.get(o, ()) if t.value > 0) for o in others}
        for o in others:
            for t in at[o]:
                # o at one of its thresholds, the other opposite metrics at their smallest one
                rest = sum((coefs[p] * (t if p == o else at[p][0]) for p in others if at[p]), Fraction(0))
                x = (k - offset - rest) / a
                if x > 0:
                    _add(out, metric, x, upper_closed=(op if a > 0 else _FLIP[op]) in (">=", "<"))
    return out


_FLIP = {">=": "<=", ">": "<", "<=": ">=", "<": ">"}


def _add(out: dict[str, set[Threshold]], metric: str, value: Fraction, upper_closed: bool) -> None:
    out.setdefault(metric, set()).add(Threshold(value, upper_closed))


def _constant(e: ir.Expr) -> Fraction | None:
    if is_constant(e):
        v = const_value(e)
        return v if isinstance(v, Fraction) else None
    return None


def _solve(prog: ir.Program, e: ir.Expr, k: Fraction, op: str, out: dict[str, set[Threshold]], ratios: list) -> None:
    """Record, for every metric `e` moves with, the value where `e ⋈ k` starts to hold."""
    for metric in sorted(metrics_in(prog, e)):
        form = linear_for(prog, e, metric)
        if form is None or metric not in form[0]:
            continue
        coefs, offset = form
        a = coefs[metric]
        sharing = sum(1 for v in coefs.values() if v > 0) if a > 0 else 1
        x = (k - offset) / sharing / a
        # Dividing by a negative coefficient turns the comparison round. `x >= t` and
        # `x < t` cross at t with t on the upper side; `x > t` and `x <= t` on the lower.
        solved = op if a > 0 else _FLIP[op]
        _add(out, metric, x, upper_closed=solved in (">=", "<"))
        if k == offset and any(v * a < 0 for v in coefs.values()):  # a ratio: `x >= 0.7 * y`
            ratios.append((metric, form, k, op))


def _compare(prog: ir.Program, node: ir.Compare, out: dict[str, set[Threshold]], ratios: list) -> None:
    if node.op in ("==", "!="):
        return
    for side, other, op in ((node.left, node.right, node.op), (node.right, node.left, _FLIP[node.op])):
        if isinstance(side, ir.MetricRef) and isinstance(other, ir.Const) and isinstance(other.value, _dt.date):
            m = prog.metric_map[side.name]
            if m.derived is None:
                _add(out, m.name, Fraction(other.value.toordinal()), upper_closed=op in (">=", "<"))
            return
    k = _constant(node.right)
    if k is not None:
        _solve(prog, node.left, k, node.op, out, ratios)
        return
    k = _constant(node.left)
    if k is not None:
        _solve(prog, node.right, k, _FLIP[node.op], out, ratios)
    else:  # metrics on both sides (a ratio rule): left - right ⋈ 0 (None unless numeric)
        _solve(prog, ir.Arith("-", node.left, node.right), Fraction(0), node.op, out, ratios)


def _kinks(prog: ir.Program, node: ir.Func, out: dict[str, set[Threshold]], ratios: list) -> None:
    if node.name == "clamp":
        moving, bounds = [node.args[0]], node.args[1:]
    else:
        moving = [a for a in node.args if _constant(a) is None]
        bounds = [a for a in node.args if _constant(a) is not None]
    for x in moving:
        for b in bounds:
            k = _constant(b)
            if k is not None:
                _solve(prog, x, k, ">=", out, ratios)


def metrics_in(prog: ir.Program, e: ir.Expr) -> set[str]:
    """The numeric input metrics an expression reads (derived metrics expanded)."""
    found: set[str] = set()
    for n in ir.walk(e):
        if isinstance(n, ir.MetricRef):
            m = prog.metric_map[n.name]
            if m.derived is not None:
                found |= metrics_in(prog, m.derived)
            elif m.type.is_numeric:
                found.add(m.name)
    return found


Form = tuple[dict[str, Fraction], Fraction]


def linear_for(prog: ir.Program, e: ir.Expr, metric: str) -> Form | None:
    """`e` as `Σ a·m + b` over input metrics, as seen by `metric`: a `min`, `max` or `clamp`
    with an argument containing `metric` is that argument (the kink is not binding while
    `metric` moves toward it); one without is its constant bound (the floor or cap where it
    contributes a constant). None when `e` is not linear in that reading (scores,
    conditions, products of metrics)."""
    if isinstance(e, ir.Const):
        v = e.value
        return ({}, v) if isinstance(v, Fraction) else None
    if isinstance(e, ir.MetricRef):
        m = prog.metric_map[e.name]
        if m.derived is not None:
            return linear_for(prog, m.derived, metric)
        return ({m.name: Fraction(1)}, Fraction(0)) if m.type.is_numeric else None
    if isinstance(e, ir.Neg):
        inner = linear_for(prog, e.operand, metric)
        return None if inner is None else _scale(inner, Fraction(-1))
    if isinstance(e, ir.Func):
        args = e.args[:1] if e.name == "clamp" else e.args
        with_metric = [a for a in args if metric in metrics_in(prog, a)]
        if len(with_metric) == 1:
            return linear_for(prog, with_metric[0], metric)
        if with_metric:
            return None
        bound = e.args[1] if e.name == "clamp" else next((a for a in e.args if _constant(a) is not None), None)
        k = None if bound is None else _constant(bound)
        return None if k is None else ({}, k)
    if isinstance(e, ir.Arith):
        a, b = linear_for(prog, e.left, metric), linear_for(prog, e.right, metric)
        if a is None or b is None:
            return None
        if e.op in ("+", "-"):
            sign = 1 if e.op == "+" else -1
            coefs = dict(a[0])
            for k, v in b[0].items():
                coefs[k] = coefs.get(k, Fraction(0)) + sign * v
            return ({k: v for k, v in coefs.items() if v != 0}, a[1] + sign * b[1])
        if e.op == "*":
            if not a[0]:
                return _scale(b, a[1])
            if not b[0]:
                return _scale(a, b[1])
            return None
        if e.op == "/" and not b[0] and b[1] != 0:
            return _scale(a, 1 / b[1])
    return None


def _scale(form: Form, c: Fraction) -> Form:
    if c == 0:
        return ({}, Fraction(0))
    return ({k: v * c for k, v in form[0].items()}, form[1] * c)
