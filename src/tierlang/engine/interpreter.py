"""The reference interpreter: exact (`fractions.Fraction`), one partner at a time, traced.

It follows the IR semantics (see the `tierlang.ir` docstring) as literally as possible; the
vectorized engine is tested against it. Besides the result per track (level, score, chosen
variant) it records why: every requirement with its actual value, threshold and outcome,
every points line with its inputs, target, cap, points earned and gate status.

Tracks are evaluated on demand (a track that refers to another evaluates that one first) and
each at most once per partner, so an example that gives only the metrics its expected tracks
read can be evaluated without the others.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from tierlang import dates, ir
from tierlang.engine.errors import EvaluationError
from tierlang.passes.intervals import bounds

__all__ = [
    "Interpreter",
    "EvaluationError",
    "MissingValue",
    "PartnerResult",
    "TrackResult",
    "VariantResult",
    "LevelResult",
    "RequirementResult",
    "ScoreResult",
    "CategoryResult",
    "LineResult",
    "Trace",
    "compare",
]

ZERO = Fraction(0)
ONE = Fraction(1)


class MissingValue(EvaluationError):
    def __init__(self, metric: str) -> None:
        self.metric = metric
        super().__init__(f"no value for metric '{metric}'")


# ------------------------------------------------------------------ traces


@dataclass
class Trace:
    """How a condition came out. `kind` is the IR node type name; `left`/`right` hold the
    compared values of a comparison; `children` the traces of sub-conditions; `note` a short
    description for nodes that compare levels or lines."""

    kind: str
    value: bool | None  # None: undecided (three-valued: see passes/undecided.py)
    expr: object = field(repr=False, default=None)
    op: str | None = None
    left: object = None
    right: object = None
    children: list[Trace] = field(default_factory=list)
    note: str | None = None

    @property
    def actual(self) -> object:
        """For a comparison of something with a constant: the something's value."""
        if self.kind == "Compare" and isinstance(self.expr, ir.Compare):
            if _is_constant(self.expr.left) and not _is_constant(self.expr.right):
                return self.right
            return self.left
        return None

    @property
    def threshold(self) -> object:
        if self.kind == "Compare" and isinstance(self.expr, ir.Compare):
            if _is_constant(self.expr.left) and not _is_constant(self.expr.right):
                return self.left
            return self.right
        return None


@dataclass
class LineResult:
    """One points line. `raw` is the formula's value; `points` what it earns (0 when its
    `when` gate fails). `inputs` are the metric values the formula reads; `cap` the most it
    can earn and `target` the value of its single input that earns the cap (None when the
    line reads several metrics or is not capped)."""

    line: ir.Line
    raw: Fraction
    points: Fraction
    inputs: dict[str, ir.Value]
    gate: bool | None = None  # None: no `when`
    gate_trace: Trace | None = None
    cap: Fraction | None = None
    target: Fraction | None = None

    @property
    def name(self) -> str:
        return self.line.name

    @property
    def label(self) -> str:
        return self.line.title or self.line.name


@dataclass
class CategoryResult:
    category: ir.Category
    raw: Fraction  # sum of its lines
    points: Fraction  # after its cap
    lines: list[LineResult]

    @property
    def name(self) -> str:
        return self.category.name

    @property
    def cap(self) -> Fraction | None:
        return self.category.cap


@dataclass
class ScoreResult:
    score: ir.Score
    raw: Fraction
    points: Fraction
    items: list[LineResult | CategoryResult]

    @property
    def name(self) -> str:
        return self.score.name

    @property
    def cap(self) -> Fraction | None:
        return self.score.cap

    @property
    def lines(self) -> list[LineResult]:
        out: list[LineResult] = []
        for item in self.items:
            out.extend(item.lines if isinstance(item, CategoryResult) else [item])
        return out

    def part(self, name: str) -> LineResult | CategoryResult | None:
        for item in self.items:
            if item.name == name:
                return item
            if isinstance(item, CategoryResult):
                for line in item.lines:
                    if line.name == name:
                        return line
        return None


@dataclass
class RequirementResult:
    requirement: ir.Requirement
    passed: bool | None  # None: undecided (no data decides it)
    trace: Trace

    @property
    def actual(self) -> object:
        return self.trace.actual

    @property
    def threshold(self) -> object:
        return self.trace.threshold


@dataclass
class LevelResult:
    level: ir.Level
    requirements: list[RequirementResult]
    own: bool | None  # its own requirements hold (None: undecided)
    met: bool | None  # and, when cumulative, the lower level's too

    @property
    def name(self) -> str:
        return self.level.name


@dataclass
class VariantResult:
    variant: ir.Variant
    level_index: int  # -1: no level (the highest level certainly held)
    levels: list[LevelResult]
    scores: dict[str, ScoreResult]
    possible_index: int = -2  # the highest level that may hold (an undecided requirement); -2: same as level_index

    def __post_init__(self) -> None:
        if self.possible_index < self.level_index:
            self.possible_index = self.level_index

    @property
    def name(self) -> str | None:
        return self.variant.name

    @property
    def level(self) -> str | None:
        return None if self.level_index < 0 else self.variant.levels[self.level_index].name

    @property
    def primary(self) -> ScoreResult | None:
        p = self.variant.primary_score
        return self.scores[p.name] if p is not None else None


@dataclass
class TrackResult:
    track: ir.Track
    variant: str | None  # the selected variant
    variants: dict[str | None, VariantResult]
    choice: list[tuple[str, Trace | None]] = field(default_factory=list)  # classified: the choices tried
    outputs: dict[str, ir.Value] = field(default_factory=dict)  # the track's outputs, by name

    @property
    def name(self) -> str:
        return self.track.name

    @property
    def selected(self) -> VariantResult:
        return self.variants[self.variant]

    @property
    def level(self) -> str | None:
        return self.selected.level

    @property
    def level_index(self) -> int:
        """The highest level held for certain (-1: none)."""
        return self.selected.level_index

    @property
    def possible_index(self) -> int:
        """The highest level the partner may hold: above `level_index` when the data cannot
        decide a requirement of a higher level (a best-of track: any variant's)."""
        if self.track.selection == "best":
            return max(v.possible_index for v in self.variants.values())
        return self.selected.possible_index

    @property
    def undecided(self) -> str | None:
        """The highest level the data cannot decide, when above the level held (else None)."""
        i = self.possible_index
        return self.track.level_names[i] if i > self.level_index else None

    @property
    def score(self) -> Fraction | None:
        """The selected variant's first declared score (None when it has none)."""
        p = self.selected.primary
        return p.points if p is not None else None


@dataclass
class PartnerResult:
    partner_id: str | None
    tracks: dict[str, TrackResult]

    def __getitem__(self, track: str) -> TrackResult:
        return self.tracks[track]


# ------------------------------------------------------------------ helpers


def _is_constant(expr: ir.Expr) -> bool:
    from tierlang.passes.constants import is_constant

    return is_constant(expr)


def compare(op: str, a: object, b: object, type_: ir.Type | None = None) -> bool:
    """Compare two values; an ordered enum compares by declared position."""
    if isinstance(a, str) and isinstance(b, str) and op not in ("==", "!="):
        if type_ is None or not type_.ordered:
            raise EvaluationError(f"cannot order enum values {a!r} and {b!r}")
        a, b = type_.values.index(a), type_.values.index(b)
    return ir.COMPARISONS[op](a, b)


# ------------------------------------------------------------------ the interpreter


class Interpreter:
    """Evaluates a program for one partner at a time.

    >>> result = Interpreter(program).evaluate({"net_adds": Fraction(3), ...})
    >>> result["data_ai"].level, result["data_ai"].score
    """

    def __init__(self, program: ir.Program, *, memo: bool = False, line_info: dict | None = None) -> None:
        """`memo=True` remembers each points line's value per set of the metric values it
        reads: for many what-if evaluations of one partner (explanations), where most lines
        see the same values again. Off by default: over a dataset it would only grow.
        `line_info`: the `line_info` cache of another interpreter of the same program, to
        share (what it holds depends on the program alone)."""
        self.program = program
        self.metrics = program.metric_map
        self.gates = program.gate_map
        self.tracks = program.track_map
        self.groups = program.group_map
        self._line_info: dict[int, tuple[list[str], Fraction | None, Fraction | None]] = {} if line_info is None else line_info
        self._memo: dict[tuple, Fraction] | None = {} if memo else None
        self._pure: dict[int, bool] = {}

    def evaluate(
        self,
        values: Mapping[str, ir.Value],
        partner_id: str | None = None,
        tracks: Iterable[str] | None = None,
        as_of: _dt.date | None = None,
        levels: Mapping[str, int] | None = None,
        selected_only: bool = False,
    ) -> PartnerResult:
        """Evaluate every track (or the given ones and what they depend on), in program
        order. `values` maps input metric names to exact values; a missing value takes the
        metric's default, else raises `MissingValue` when a rule reads it. `as_of` is the
        evaluation date the rules' `as_of` reads (default: the program's `as_of`).
        `levels` gives the level (index, -1 for none) that requirements reading a track's
        level see instead of the one its rules give (a history's held levels).

        `selected_only`: of a classified track, evaluate only the variant the partner is
        classified into (enough for its level and score; explanations want them all)."""
        run = _Run(self, values, as_of, levels, selected_only)
        names = [t.name for t in self.program.tracks] if tracks is None else list(tracks)
        for name in names:
            run.track(name)
        order = [t.name for t in self.program.tracks if t.name in run.done]
        return PartnerResult(partner_id, {n: run.done[n] for n in order})

    def run(self, values: Mapping[str, ir.Value]):
        """One partner's evaluation, to ask for single values (`num`, `bands`, `metric`)."""
        return _Run(self, values)

    def metric(self, values: Mapping[str, ir.Value], name: str) -> ir.Value:
        """One metric's value for a partner (a derived metric is computed)."""
        return _Run(self, values).metric(name)

    def expression(self, values: Mapping[str, ir.Value], expr: ir.Expr) -> ir.Value:
        """The value of one expression of the program for a partner (a condition's truth),
        outside any track: the monotonicity search asks whether a construct changed."""
        run = _Run(self, values)
        if isinstance(expr, (ir.Compare, ir.And, ir.Or, ir.Not, ir.AtLeast, ir.GateRef, ir.TrackAt, ir.GroupCount, ir.Every)):
            return run.cond(expr).value
        return run.num(expr)  # type: ignore[return-value]

    def score(self, values: Mapping[str, ir.Value], track: str, variant: str | None, score: str) -> ScoreResult:
        """One score of one variant, without evaluating the rest of the track (explanations
        try many what-if values)."""
        run = _Run(self, values)
        t = self.tracks[track]
        return _Scope(run, t, t.variant(variant)).score(score)

    def memo_line(self, line: ir.Line) -> dict[tuple, Fraction] | None:
        """The memo for a line's points, or None (no memo, or points that read more than
        metrics: other scores, tracks, groups)."""
        if self._memo is None:
            return None
        key = id(line)
        if key not in self._pure:
            self._pure[key] = not any(isinstance(n, ir.TRACK_READS) for n in ir.walk(line.points))
        return self._memo if self._pure[key] else None

    def line_info(self, line: ir.Line) -> tuple[list[str], Fraction | None, Fraction | None]:
        """(metrics the line reads, its cap, its target) — static, so computed once. The
        target is the smallest value of the line's one metric that earns the cap (None
        when the line reads several metrics or has no cap)."""
        key = id(line)
        if key not in self._line_info:
            reads = ir.metrics_read(line.points, self.metrics, self.gates)
            cap = bounds(line.points, self.metrics)[1]
            target = None
            if cap is not None and len(reads) == 1:
                from tierlang.engine.linear import smallest_reaching

                target = smallest_reaching(_Static(self), line.points, reads[0], cap)
            self._line_info[key] = (reads, cap, target)
        return self._line_info[key]


class _Static:
    """A run without partner values, for static analysis of constant parts of formulas."""

    def __init__(self, interp: Interpreter) -> None:
        self.i = interp

    def metric(self, name: str) -> ir.Value:
        raise MissingValue(name)

    def num(self, e: ir.Expr) -> Fraction:
        from tierlang.passes.constants import const_value

        return const_value(e)


class _Run:
    """One partner's evaluation: values, memoized derived metrics, gates and tracks."""

    def __init__(
        self,
        interp: Interpreter,
        values: Mapping[str, ir.Value],
        as_of: _dt.date | None = None,
        levels: Mapping[str, int] | None = None,
        selected_only: bool = False,
    ) -> None:
        self.i = interp
        self.values = values
        self.as_of = as_of or interp.program.as_of
        self.levels = levels or {}
        self.selected_only = selected_only
        self.derived: dict[str, ir.Value] = {}
        self.gate_traces: dict[str, Trace] = {}
        self.done: dict[str, TrackResult] = {}
        self.active: set[str] = set()

    # -------------------------------------------------------------- values
    def metric(self, name: str) -> ir.Value:
        m = self.i.metrics[name]
        if m.derived is not None:
            if name not in self.derived:
                self.derived[name] = self.num(m.derived)
            return self.derived[name]
        v = self.values.get(name)
        if v is None:
            if m.default is None:
                raise MissingValue(name)
            return m.default
        if isinstance(v, int) and not isinstance(v, bool):
            return Fraction(v)
        return v

    def num(self, e: ir.Expr, scope: _Scope | None = None) -> object:
        """The value of a value expression (number, bool, date or enum)."""
        if isinstance(e, ir.Const):
            return e.value
        if isinstance(e, ir.MetricRef):
            return self.metric(e.name)
        if isinstance(e, ir.ScoreRef):
            return self.score_ref(e, scope)
        if isinstance(e, ir.Lookup):
            table = e.table
            row, column = self.bands(table, e, scope)
            return table.cell(row, column).value
        if isinstance(e, ir.LevelOf):
            # like a requirement, a table keyed by a track reads the level held (a history's)
            index = self.level_index(e.track)
            return self.i.tracks[e.track].level_names[index] if index >= 0 else None
        if isinstance(e, ir.AsOf):
            if self.as_of is None:
                raise EvaluationError("the rules read the evaluation date (as_of) but none is set: give --as-of or an effective date")
            return self.as_of
        if isinstance(e, ir.DateShift):
            return dates.shift(self.num(e.operand, scope), self.num(e.amount, scope), e.sign)  # type: ignore[arg-type]
        if isinstance(e, ir.Neg):
            return -self.num(e.operand, scope)  # type: ignore[operator]
        if isinstance(e, ir.Arith):
            a, b = self.num(e.left, scope), self.num(e.right, scope)
            if e.op == "+":
                return a + b  # type: ignore[operator]
            if e.op == "-":
                return a - b  # type: ignore[operator]
            if e.op == "*":
                return a * b  # type: ignore[operator]
            return a / b  # type: ignore[operator]
        if isinstance(e, ir.Func):
            args = [self.num(a, scope) for a in e.args]
            if e.name == "min":
                return min(args)  # type: ignore[type-var]
            if e.name == "max":
                return max(args)  # type: ignore[type-var]
            x, lo, hi = args
            return min(max(x, lo), hi)  # type: ignore[type-var]
        # a condition used as a value (e.g. `flag == true` with flag a gate) — evaluate it
        return self.cond(e, scope).value

    def bands(self, table: ir.Table, e: ir.Lookup, scope: _Scope | None = None) -> tuple[int, int]:
        """The row and column of a table that a partner's key values fall in."""
        values = [self.num(k, scope) for k in e.keys]
        row = ir.Table.band(table.rows, values[0])
        column = ir.Table.band(table.columns, values[1]) if table.columns else 0
        if row < 0 or column < 0:  # the checker makes every table cover its keys
            raise EvaluationError(f"table '{table.name}' has no band for {', '.join(map(str, values))}")
        return row, column

    # -------------------------------------------------------------- conditions
    def cond(self, e: ir.Expr, scope: _Scope | None = None) -> Trace:
        if isinstance(e, ir.Compare):
            a, b = self.num(e.left, scope), self.num(e.right, scope)
            t = self._type_of(e.left) or self._type_of(e.right)
            return Trace("Compare", compare(e.op, a, b, t), e, e.op, a, b)
        if isinstance(e, ir.And):
            kids = [self.cond(x, scope) for x in e.items]
            return Trace("And", all3(k.value for k in kids), e, children=kids)
        if isinstance(e, ir.Or):
            kids = [self.cond(x, scope) for x in e.items]
            return Trace("Or", any3(k.value for k in kids), e, children=kids)
        if isinstance(e, ir.Not):
            kid = self.cond(e.operand, scope)
            return Trace("Not", None if kid.value is None else not kid.value, e, children=[kid])
        if isinstance(e, ir.AtLeast):
            kids = [self.cond(x, scope) for x in e.items]
            held = sum(k.value is True for k in kids)
            return Trace("AtLeast", at_least3([k.value for k in kids], e.n), e, ">=", Fraction(held), Fraction(e.n), kids)
        if isinstance(e, ir.Undecided):
            return Trace("Undecided", None, e, note=e.kind)
        if isinstance(e, ir.GateRef):
            if e.name not in self.gate_traces:
                self.gate_traces[e.name] = self.cond(self.i.gates[e.name].expr, None)
            inner = self.gate_traces[e.name]
            return Trace("GateRef", inner.value, e, children=[inner], note=e.name)
        if isinstance(e, ir.TrackAt):
            return self.track_at(e.track, e.level, e)
        if isinstance(e, ir.GroupCount):
            members = self.i.groups[e.group].tracks
            kids = [self.track_at(name, e.level, ir.TrackAt(name, e.level, exact=e.exact)) for name in members]
            held = sum(k.value is True for k in kids)
            n = len(members) if e.n is None else e.n
            return Trace("GroupCount", at_least3([k.value for k in kids], n), e, ">=", Fraction(held), Fraction(n), kids)
        if isinstance(e, ir.Every):
            score = self.score_of(e.track, e.score, e.variant, scope)
            bound = self.num(e.value, scope)
            kids = [
                Trace("Line", compare(e.op, line.points, bound), line.line, e.op, line.points, bound, note=line.name)
                for line in score.lines
            ]
            return Trace("Every", all(k.value for k in kids), e, e.op, None, bound, kids)
        if isinstance(e, ir.Const) and isinstance(e.value, bool):
            return Trace("Const", e.value, e)
        if isinstance(e, ir.MetricRef):  # a bool metric used as a condition
            v = self.metric(e.name)
            return Trace("MetricRef", bool(v), e, left=v, note=e.name)
        raise EvaluationError(f"not a condition: {type(e).__name__}")

    def level_index(self, name: str) -> int:
        """The level (index, -1 for none) other rules see of track `name`: the one `levels`
        gives (a history's held level), else the one its rules give."""
        return self.levels[name] if name in self.levels else self.track(name).level_index

    def track_at(self, name: str, level: str | None, e: ir.TrackAt) -> Trace:
        """Whether a track holds `level` or higher (any level when None; `level` itself
        when `e.exact`)."""
        t = self.i.tracks[name]
        index = self.level_index(name)
        # a history's held level is decided; else the rules may leave levels above undecided
        possible = index if name in self.levels else self.track(name).possible_index
        need = 0 if level is None else t.level_index(level)
        held = t.level_names[index] if index >= 0 else None
        # three-valued: it holds `index` for certain and may hold up to `possible`
        if e.exact:
            value = False if index > need or possible < need else True if index == possible else None
            return Trace("TrackAt", value, e, "==", held, level, note=name)
        value = True if index >= need else False if possible < need else None
        return Trace("TrackAt", value, e, ">=", held, level, note=name)

    def _type_of(self, e: ir.Expr) -> ir.Type | None:
        if isinstance(e, ir.MetricRef):
            return self.i.metrics[e.name].type
        if isinstance(e, ir.Const):
            return e.type
        return None

    # -------------------------------------------------------------- scores
    def score_ref(self, e: ir.ScoreRef, scope: _Scope | None) -> Fraction:
        score = self.score_of(e.track, e.score, e.variant, scope)
        if e.part is None:
            return score.points
        part = score.part(e.part)
        if part is None:
            raise EvaluationError(f"score '{e.score}' of '{e.track}' has no part '{e.part}'")
        return part.points

    def score_of(self, track: str, score: str, variant: str | None, scope: _Scope | None) -> ScoreResult:
        if scope is not None and track == scope.track and (variant == scope.variant or variant is None):
            return scope.score(score)
        t = self.i.tracks[track]
        if variant is None and t.selection != "single":
            tr = self.track(track)
            variant = tr.variant
        if track in self.done:
            vr = self.done[track].variants.get(variant)
            if vr is not None and score in vr.scores:
                return vr.scores[score]
        # another variant's (or a track being evaluated's) score: compute it directly
        v = t.variant(variant)
        sub = _Scope(self, t, v)
        return sub.score(score)

    def eval_score(self, s: ir.Score, scope: _Scope) -> ScoreResult:
        items: list[LineResult | CategoryResult] = []
        total = ZERO
        for item in s.items:
            if isinstance(item, ir.Category):
                lines = [self.eval_line(line, scope) for line in item.lines]
                raw = sum((line.points for line in lines), ZERO)
                pts = raw if item.cap is None else min(raw, item.cap)
                items.append(CategoryResult(item, raw, pts, lines))
                total += pts
            else:
                lr = self.eval_line(item, scope)
                items.append(lr)
                total += lr.points
        pts = total if s.cap is None else min(total, s.cap)
        return ScoreResult(s, total, pts, items)

    def eval_line(self, line: ir.Line, scope: _Scope) -> LineResult:
        reads, cap, target = self.i.line_info(line)
        inputs = {m: self.metric(m) for m in reads}
        memo = self.i.memo_line(line)
        if memo is None:
            raw = self.num(line.points, scope)
        else:
            key = (id(line), *inputs.values())
            raw = memo.get(key)
            if raw is None:
                raw = memo[key] = self.num(line.points, scope)
        gate = gate_trace = None
        points = raw
        if line.when is not None:
            gate_trace = self.cond(line.when, scope)
            gate = gate_trace.value
            if not gate:
                points = ZERO
        return LineResult(line, raw, points, inputs, gate, gate_trace, cap, target)  # type: ignore[arg-type]

    # -------------------------------------------------------------- tracks
    def track(self, name: str) -> TrackResult:
        if name in self.done:
            return self.done[name]
        if name in self.active:
            raise EvaluationError(f"track '{name}' depends on itself")
        self.active.add(name)
        try:
            t = self.i.tracks[name]
            choice: list[tuple[str, Trace | None]] = []
            if t.selection == "classified":
                variant = None
                for c in t.choices:
                    tr = self.cond(c.when, None) if c.when is not None else None
                    choice.append((c.variant, tr))
                    if tr is None or tr.value:
                        variant = c.variant
                        break
                chosen = [t.variant(variant)] if self.selected_only else t.variants
                results = {v.name: self.eval_variant(t, v) for v in chosen}
            else:
                results = {v.name: self.eval_variant(t, v) for v in t.variants}
                if t.selection == "best":
                    variant = _best(list(results.values()))
                else:
                    variant = t.variants[0].name
            result = TrackResult(t, variant, results, choice)
            self.done[name] = result
            # outputs read the finished track (its level, its selected variant's scores)
            result.outputs.update((o.name, self.num(o.expr)) for o in t.outputs)
            return result
        finally:
            self.active.discard(name)

    def eval_variant(self, t: ir.Track, v: ir.Variant) -> VariantResult:
        scope = _Scope(self, t, v)
        scores = {s.name: scope.score(s.name) for s in v.scores}
        levels: list[LevelResult] = []
        held = possible = -1
        prev_met: bool | None = True
        for i, level in enumerate(v.levels):
            reqs = []
            for r in level.requirements:
                tr = self.cond(r.expr, scope)
                reqs.append(RequirementResult(r, tr.value, tr))
            own = all3(r.passed for r in reqs)
            met = all3((own, prev_met)) if (level.cumulative and i > 0) else own
            levels.append(LevelResult(level, reqs, own, met))
            if met is True:
                held = i
            if met is not False:
                possible = i
            prev_met = met
        return VariantResult(v, held, levels, scores, max(held, possible))


def all3(values: Iterable[bool | None]) -> bool | None:
    """Kleene's `and`: false when any is false, else undecided (None) when any is."""
    out: bool | None = True
    for v in values:
        if v is False:
            return False
        if v is None:
            out = None
    return out


def any3(values: Iterable[bool | None]) -> bool | None:
    """Kleene's `or`: true when any is true, else undecided (None) when any is."""
    out: bool | None = False
    for v in values:
        if v is True:
            return True
        if v is None:
            out = None
    return out


def at_least3(values: list[bool | None], n: int) -> bool | None:
    """At least `n` true: true when n are, false when not even the undecided ones can make n."""
    held = sum(v is True for v in values)
    if held >= n:
        return True
    return False if held + sum(v is None for v in values) < n else None


def _best(results: list[VariantResult]) -> str | None:
    """Highest level, then highest primary score, then first declared."""
    best = results[0]
    for r in results[1:]:
        if r.level_index > best.level_index:
            best = r
        elif r.level_index == best.level_index:
            a, b = r.primary, best.primary
            if a is not None and b is not None and a.points > b.points:
                best = r
    return best.name


class _Scope:
    """A track variant being evaluated: its scores, computed once each."""

    def __init__(self, run: _Run, track: ir.Track, variant: ir.Variant) -> None:
        self.run = run
        self.track = track.name
        self.variant = variant.name
        self.v = variant
        self.scores: dict[str, ScoreResult] = {}
        self.busy: set[str] = set()

    def score(self, name: str) -> ScoreResult:
        if name not in self.scores:
            s = self.v.score(name)
            if s is None:
                where = f" (variant '{self.variant}')" if self.variant else ""
                raise EvaluationError(f"track '{self.track}'{where} has no score '{name}'")
            if name in self.busy:  # a line's `when` reads the score it belongs to
                raise EvaluationError(f"score '{name}' of track '{self.track}' depends on itself")
            self.busy.add(name)
            try:
                self.scores[name] = self.run.eval_score(s, self)
            finally:
                self.busy.discard(name)
        return self.scores[name]
