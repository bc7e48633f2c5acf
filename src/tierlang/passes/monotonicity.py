"""Monotonicity (TL310-TL316): a partner with more of everything must never earn less.

For every track, either the track is **monotone** — proved by construction with the sign
analysis of `passes.polarity`: every input metric moves its level only in the metric's
better direction (see `tierlang.order`) — or the constructs that break the proof are
reported, one warning per construct, with its span:

| code  | construct |
|-------|-----------|
| TL310 | `not` over a condition a metric helps |
| TL311 | a comparison against a metric's direction (`x <= 5` for higher-is-better x, or a lower-is-better metric that earns points) |
| TL312 | `==` / `!=` on a metric, `at exactly` a level |
| TL313 | a classification rule: growing can move a partner to another, stricter variant |
| TL314 | a formula that falls as a metric grows (subtraction, a negative factor, a division by a metric) |
| TL315 | a `when` gate on points that can be negative: meeting the gate lowers the score |
| TL316 | the reported score of a best-of track, read elsewhere: it can switch to a lower variant's |

A track that is not monotone only because it refers to one that is not (a badge that needs
every designation) is listed in the notes of that track's warning, with the reference.

**Witnesses.** For each finding and each track it affects, an exact search looks for a
pair of partners p ≤ q with level(q) < level(p): candidate values are the boundary values
of the rules (thresholds, targets, caps, classification boundaries, ±1 around them, 0 and
the declared ranges); starting from the best candidates, it lowers the other metrics one by
one while p keeps its level, and stops as soon as improving the suspect metric makes q
fall. Every candidate is evaluated by the exact reference interpreter (the evaluation
boundary is `reference_levels`); a finding whose search finds nothing says so ("could not
confirm"). The analysis is sound but not complete: "monotone" is a proof, a finding is a
suspicion until a witness confirms it.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as _dt
import itertools
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from tierlang import ir
from tierlang.diagnostics import Deferred, Diagnostic, Note, Severity, warning
from tierlang.numbers import exact_text
from tierlang.order import FIXED, UP, differences, leq, rank, role
from tierlang.passes.acknowledge import acknowledgement
from tierlang.passes.polarity import Analysis, Origin
from tierlang.recursion import deep_recursion

__all__ = [
    "CODES",
    "Finding",
    "Report",
    "Verdict",
    "Witness",
    "Levels",
    "analyse",
    "boundary_values",
    "check_monotonicity",
    "find_witness",
    "format_witness",
    "reference_levels",
    "SEE_WITNESS",
    "search_budget",
    "current_budget",
    "BUDGET",
    "WITNESS_BUDGET",
]

#: The diagnostic code for each kind of origin (see `passes.polarity.Origin`).
CODES = {
    "not": "TL310",
    "comparison": "TL311",
    "metric": "TL311",
    "equality": "TL312",
    "exact level": "TL312",
    "classified": "TL313",
    "negation": "TL314",
    "subtraction": "TL314",
    "factor": "TL314",
    "divisor": "TL314",
    "product": "TL314",
    "gate": "TL315",
    "best score": "TL316",
    "table": "TL317",
}

_HINTS = {
    "TL310": "state the condition positively (`x >= 5` rather than `not (x < 5)`), or mark the metric `lower is better` if less of it is better",
    "TL311": "compare in the metric's better direction, or declare the metric's direction (`lower is better`) if less of it is better",
    "TL312": "use a threshold (`>=`) unless an exact value is really meant; an enum that is not ordered does not take part in the order",
    "TL313": 'if the rule is intended, acknowledge it in the track (`acknowledge TL313 "why"`); otherwise let the partner take the better variant (`choose best`)',
    "TL314": "points should grow with every metric; cap them with `clamp` or `min` instead of subtracting",
    "TL315": "a gate should only turn points on: keep the gated formula at or above 0",
    "TL316": "compare the track's level (`track at level`) instead of its reported score",
    "TL317": "order the cells so they rise with the key, or declare the key's metric `lower is better` if less of it is better",
}

#: Hints for constructs that share a code with others but not its advice.
_REASON_HINTS = {
    "exact level": "write `at LEVEL` (that level or a higher one) unless only that level is meant, e.g. for a benefit of that level alone",
}

#: The last note of a confirmed finding; `tier check --witness` replaces it with the tables.
SEE_WITNESS = "`tier check --witness` shows the partners"

#: Evaluation budget of one witness search (distinct partners evaluated) in `tier check`.
#: Measured on 300 random programs (tests/monotonicity/strategies.py): a confirmed finding
#: needs 28 evaluations at the median and under 230 for 90 % of them; 500 confirms 97 % of
#: what 5,000 does. `tier check --witness` tries harder (WITNESS_BUDGET).
BUDGET = 500
WITNESS_BUDGET = 5000
#: All the searches of one program together spend at most this many budgets: a program
#: with hundreds of findings (a 200-way `choose ... when`) is checked in time linear in its
#: size; the findings left over say that they were not searched. The shipped programs and
#: the test fixtures use at most 6.2 (3,103 evaluations in `tier check`).
SEARCHES_PER_PROGRAM = 8
#: An evaluation of a track counts as one partner evaluated of the program's budget per this
#: many IR nodes of the track (rounded up): the searches' work stays bounded however large a
#: track grows (a 400-way `choose ... when` read 400 choices per partner, and `tier check
#: --witness` took 36 s). The shipped programs' tracks have at most 181 nodes: they count 1.
TRACK_NODES = 500
_budget: contextvars.ContextVar[int] = contextvars.ContextVar("monotonicity_budget", default=BUDGET)


@contextlib.contextmanager
def search_budget(n: int) -> Iterator[None]:
    """Run the `tier check` pass (`check_monotonicity`) with another search budget."""
    token = _budget.set(n)
    try:
        yield
    finally:
        _budget.reset(token)


def current_budget() -> int:
    """The search budget `check_monotonicity` runs with now (part of what its result
    depends on: the program cache keys on it)."""
    return _budget.get()


#: Level index a partner holds in a track (-1: none), or None when the partner cannot be
#: evaluated (e.g. a division by a metric that is 0). The monotonicity search only sees
#: this boundary; `reference_levels` points it at the exact reference interpreter (None also
#: for values that break an input constraint: no partner has them).
Levels = Callable[[Mapping[str, ir.Value], str], "int | None"]


def reference_levels(program: ir.Program) -> Levels | None:
    """The exact reference interpreter as a `Levels` function, or None when this build has
    no engine (the findings then say that they could not be confirmed)."""
    try:
        from tierlang.engine.interpreter import EvaluationError, Interpreter
    except ImportError:
        return None
    interp = Interpreter(program, memo=True)
    from tierlang.passes.constraints import broken

    def levels(values: Mapping[str, ir.Value], track: str) -> int | None:
        if program.constraints and broken(program, values):
            return None  # no partner has such data: a witness must keep every constraint
        try:
            return interp.evaluate(values, tracks=[track], selected_only=True)[track].level_index
        except (ArithmeticError, EvaluationError):
            return None

    return levels


#: Whether a finding's construct reads differently for two partners (True when it cannot
#: tell): a witness for a construct must be one where that construct changes, not another
#: rule that happens to break on the same metric.
Cause = Callable[[Mapping[str, ir.Value], Mapping[str, ir.Value]], bool]


def reference_cause(program: ir.Program, origin: Origin) -> Cause | None:
    """`Cause` for a construct, computed with the reference interpreter (None when this
    build has no engine or the construct has no value of its own)."""
    try:
        from tierlang.engine.interpreter import EvaluationError, Interpreter
    except ImportError:
        return None
    node = origin.node
    expr = node.when if isinstance(node, (ir.Choice, ir.Line)) else node
    if expr is None or isinstance(expr, ir.ScoreRef):
        return None  # the reported score of a best-of track: its value is the level's doing
    interp = Interpreter(program)

    def differs(p: Mapping[str, ir.Value], q: Mapping[str, ir.Value]) -> bool:
        try:
            return interp.expression(p, expr) != interp.expression(q, expr)
        except (ArithmeticError, EvaluationError, KeyError, TypeError):
            return True

    return differs


# ------------------------------------------------------------------ results


@dataclass
class Witness:
    """A pair of partners `lower ≤ higher` (in the order) where `higher` holds a lower
    level of `track` than `lower` does; both evaluated by the reference interpreter."""

    track: str
    lower: dict[str, ir.Value]
    higher: dict[str, ir.Value]
    level_lower: str | None
    level_higher: str | None

    @property
    def differs(self) -> list[str]:
        return differences(self.lower, self.higher)

    def to_data(self) -> dict:
        return {
            "track": self.track,
            "confirmed": True,
            "lower": {k: _json(v) for k, v in self.lower.items()},
            "higher": {k: _json(v) for k, v in self.higher.items()},
            "level_lower": self.level_lower,
            "level_higher": self.level_higher,
            "differs": self.differs,
        }


@dataclass
class Search:
    """The outcome of a witness search for one track of a finding."""

    track: str
    metrics: list[str]  # the suspects: metrics whose growth may lower the level
    witness: Witness | None = None
    evaluated: int = 0
    available: bool = True  # False: no evaluator in this build
    budget: int | None = None  # the evaluations it could spend (0: none were left)
    program_budget: int | None = None  # what the whole program's searches could spend
    weight: int = 1  # what one evaluation of this track costs of the program's budget (its size)

    @property
    def exhausted(self) -> bool:
        """Stopped by its budget (or never started), rather than out of candidates."""
        return self.witness is None and self.budget is not None and self.evaluated >= self.budget

    def to_data(self) -> dict:
        if self.witness is not None:
            return {**self.witness.to_data(), "metrics": self.metrics, "evaluated": self.evaluated}
        return {
            "track": self.track,
            "confirmed": False,
            "metrics": self.metrics,
            "evaluated": self.evaluated,
            "budget_exhausted": self.exhausted,
        }


@dataclass
class Finding:
    """One construct that breaks monotonicity, and the tracks it breaks."""

    origin: Origin  # the construct (a root origin: `via` is None)
    home: str  # the first track (in program order) that uses it directly
    direct: list[str] = field(default_factory=list)  # tracks that use it themselves
    dependents: dict[str, Origin] = field(default_factory=dict)  # track -> its reference
    metrics: dict[str, list[str]] = field(default_factory=dict)  # track -> suspect metrics
    searches: dict[str, Search] = field(default_factory=dict)  # track -> witness search

    @property
    def code(self) -> str:
        return CODES[self.origin.reason]

    @property
    def span(self) -> ir.Span | None:
        return self.origin.span

    @property
    def tracks(self) -> list[str]:
        return self.direct + list(self.dependents)

    @property
    def confirmed(self) -> bool:
        return any(s.witness is not None for s in self.searches.values())


@dataclass
class Verdict:
    """A track's result: monotone, or the findings that break it."""

    track: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def monotone(self) -> bool:
        return not self.findings


@dataclass
class Report:
    verdicts: dict[str, Verdict]
    findings: list[Finding]
    searches: _Searches | None = field(default=None, repr=False)
    unsearched: list[Finding] = field(default_factory=list)  # deferred by `analyse(defer=)`

    def search_all(self) -> None:
        """Search the witnesses of the findings `analyse` left unsearched."""
        while self.unsearched:
            assert self.searches is not None
            self.searches.run(self.unsearched.pop(0))

    @property
    def monotone(self) -> list[str]:
        return [t for t, v in self.verdicts.items() if v.monotone]

    def diagnostics(self, program: ir.Program) -> list[Diagnostic]:
        self.search_all()
        return [_diagnostic(program, f) for f in self.findings]


# ------------------------------------------------------------------ the analysis


def analyse(
    program: ir.Program,
    levels: Levels | None | str = "reference",
    budget: int | None = None,
    defer: Callable[[Finding], bool] | None = None,
) -> Report:
    """Prove each track monotone or report what breaks it; search witnesses with `levels`
    (default: the reference interpreter; None: do not search), each search spending at
    most `budget` evaluations (default: the current `search_budget`) and all of them at most
    `SEARCHES_PER_PROGRAM` budgets (an evaluation of a track larger than `TRACK_NODES`
    counting for its size). The last findings `defer` picks are left unsearched until
    `Report.search_all`."""
    budget = _budget.get() if budget is None else budget
    analysis = Analysis(program)
    findings: dict[int, Finding] = {}
    verdicts: dict[str, Verdict] = {}
    for track in program.tracks:
        verdict = verdicts[track.name] = Verdict(track.name)
        effects = analysis.track_effects(track.name)
        for (_, name), directions in effects.items():
            metric = program.metric_map[name]
            r = role(metric)
            if r == FIXED:
                continue  # equal in both partners of the order
            for origin in directions.get(-r, ()):
                root = origin.root
                f = findings.get(id(root.node))
                if f is None:
                    f = findings[id(root.node)] = Finding(root, track.name)
                if origin.via is None:
                    if track.name not in f.direct:
                        f.direct.append(track.name)
                else:
                    f.dependents.setdefault(track.name, origin)
                suspects = f.metrics.setdefault(track.name, [])
                if name not in suspects:
                    suspects.append(name)
                if f not in verdict.findings:
                    verdict.findings.append(f)
    ordered = sorted(findings.values(), key=lambda f: (f.span or ir.Span("", 0, 0, 0, 0), f.code))
    searches = _Searches(program, levels, budget)
    # The searches share the program's budget in this order, so only findings after the last
    # one searched now may wait: the others' witnesses stay what they would have been.
    now = len(ordered)
    while defer is not None and now and defer(ordered[now - 1]):
        now -= 1
    for f in ordered[:now]:
        searches.run(f)
    return Report(verdicts, ordered, searches, ordered[now:])


class _Searches:
    """The witness searches of one program's findings, in order, sharing its budget."""

    def __init__(self, program: ir.Program, levels: Levels | None | str, budget: int) -> None:
        self.program = program
        self.levels = levels
        self.reference = levels == "reference"
        self.budget = budget
        self.total = self.left = budget * SEARCHES_PER_PROGRAM
        self.candidates: Boundaries | None = None
        self.causes: dict[object, Cause | None] = {}
        self.reads = Reads(program)
        self.weights: dict[str, int] = {}
        self.forms = _Forms(program)

    def run(self, f: Finding) -> None:
        """Search a witness for each track of `f`."""
        program, budget, reference = self.program, self.budget, self.reference
        if self.levels == "reference":
            # Only now: importing the engine is not free, and a monotone program needs none.
            self.levels = reference_levels(program)
        levels = self.levels
        for track in f.tracks:
            suspects = sorted(f.metrics[track], key=_metric_order(program))
            if levels is None or isinstance(levels, str):
                f.searches[track] = Search(track, suspects, available=False)
                continue
            if self.candidates is None:
                self.candidates = boundary_values(program, self.forms)
            # A track that depends on the construct's own track tries that track's witness
            # first: the badge is usually lost exactly where the designation is.
            seeds = [s.witness for s in f.searches.values() if s.witness is not None]
            if f.origin.node not in self.causes:
                self.causes[f.origin.node] = reference_cause(program, f.origin) if reference else None
            if track not in self.weights:
                self.weights[track] = -(-sum(1 for _ in ir.walk(program.track_map[track])) // TRACK_NODES)
            weight = self.weights[track]
            allowed = min(budget, self.left // weight)
            if allowed == 0:
                search = Search(track, suspects)
            else:
                search = find_witness(
                    program,
                    track,
                    suspects,
                    levels,
                    self.candidates,
                    allowed,
                    focus=f.home,
                    near=_local_points(program, f.origin, self.forms),
                    seeds=seeds,
                    reads=self.reads,
                    cause=self.causes[f.origin.node],
                )
            search.budget, search.program_budget, search.weight = allowed, self.total, weight
            self.left -= min(search.evaluated * weight, self.left)
            f.searches[track] = search


def check_monotonicity(program: ir.Program) -> list[Diagnostic]:
    """The `tier check` pass: one warning per construct that breaks monotonicity. The
    witnesses of findings the program acknowledges are searched only when such a warning's
    detail is asked for (`diagnostics.complete`): `tier check` only counts them."""
    report = analyse(program, defer=lambda f: acknowledgement(program, f.code, f.span) is not None)
    searched = len(report.findings) - len(report.unsearched)  # the unsearched are the last ones
    return [_diagnostic(program, f) for f in report.findings[:searched]] + [_deferred(program, report, f) for f in report.unsearched]


def _deferred(program: ir.Program, report: Report, f: Finding) -> Deferred:
    def detail() -> Diagnostic:
        with deep_recursion():  # as when the program was checked: the interpreter recurses
            report.search_all()
        return _diagnostic(program, f)

    return Deferred(f.code, Severity.WARNING, _headline(program, f), f.span, hint=_hint(f), detail=detail)


def _metric_order(program: ir.Program) -> Callable[[str], int]:
    index = {m.name: i for i, m in enumerate(program.metrics)}
    return lambda name: index.get(name, len(index))


# ------------------------------------------------------------------ boundary values


@dataclass
class Boundaries:
    """Per input metric: `values` to try, from worst to best in the order (FIXED metrics in
    a stable order), the `exact` boundaries among them (before ±1), and the `targets`:
    where a `clamp` reaches its top (the value that earns full points)."""

    values: dict[str, list[ir.Value]]
    exact: dict[str, set]
    targets: dict[str, set]

    def __getitem__(self, name: str) -> list[ir.Value]:
        return self.values[name]


def boundary_values(program: ir.Program, forms: _Forms | None = None) -> Boundaries:
    """Per input metric, the values worth trying: where a comparison, a `clamp` or a
    `min`/`max` of the rules changes its outcome for that metric (others at 0), one either
    side, 0, and the ends of the declared range. Counts stay whole; every value is in the
    metric's range."""
    forms = forms if forms is not None else _Forms(program)
    raw: dict[str, set] = {m.name: set() for m in program.input_metrics}
    targets: dict[str, set] = {m.name: set() for m in program.input_metrics}
    roots = [t for t in program.tracks] + [g.expr for g in program.gates] + [m.derived for m in program.metrics if m.derived is not None]
    for root in roots:
        for node in ir.walk(root):
            if isinstance(node, ir.Compare):
                _compare_points(forms, node, raw)
            elif isinstance(node, ir.Func):
                _func_points(forms, node, raw, targets)
            elif isinstance(node, ir.Every):
                _every_points(forms, node, raw)
            elif isinstance(node, ir.Lookup):
                _lookup_points(forms, node, raw)
    out: dict[str, list[ir.Value]] = {}
    for m in program.input_metrics:
        out[m.name] = _candidates(program, m, raw[m.name])
    return Boundaries(out, raw, targets)


def _local_points(program: ir.Program, origin: Origin, forms: _Forms | None = None) -> dict[str, set]:
    """The boundary values of a construct itself (a classification's threshold, the
    comparison under a `not`), to try first."""
    forms = forms if forms is not None else _Forms(program)
    node = origin.node
    root = node.when if isinstance(node, (ir.Choice, ir.Line)) else node
    raw: dict[str, set] = {m.name: set() for m in program.input_metrics}
    if root is None or isinstance(root, ir.MetricRef):
        return raw
    for n in ir.walk(root):
        if isinstance(n, ir.Compare):
            _compare_points(forms, n, raw)
        elif isinstance(n, ir.Func):
            _func_points(forms, n, raw)
        elif isinstance(n, ir.Lookup):
            _lookup_points(forms, n, raw)
        elif isinstance(n, ir.GateRef):
            for g in ir.walk(program.gate_map[n.name].expr):
                if isinstance(g, ir.Compare):
                    _compare_points(forms, g, raw)
    return raw


def _lookup_points(forms: _Forms, node: ir.Lookup, raw: dict[str, set]) -> None:
    """Where a table's key moves to another band: each band's ends (enum keys: every value
    the table names)."""
    for key, bands in zip(node.keys, (node.table.rows, node.table.columns)):
        for b in bands:
            if b.names and isinstance(key, ir.MetricRef) and key.name in raw:
                raw[key.name].update(n for n in b.names if n is not None)
            for end in (b.low, b.high):
                if end is not None:
                    for name in forms.inputs(key):
                        forms.root(key, name, end, raw)


def _compare_points(forms: _Forms, node: ir.Compare, raw: dict[str, set]) -> None:
    for side, other in ((node.left, node.right), (node.right, node.left)):
        # Enum values and dates are candidates as they are; numbers are solved for below.
        if isinstance(side, ir.MetricRef) and side.name in raw and isinstance(other, ir.Const) and isinstance(other.value, (str, _dt.date)):
            raw[side.name].add(other.value)
    diff = ir.Arith("-", node.left, node.right)
    for name in forms.inputs(diff):
        forms.root(diff, name, Fraction(0), raw)


def _every_points(forms: _Forms, node: ir.Every, raw: dict[str, set]) -> None:
    track = forms.program.track_map[node.track]
    variants = [track.variant(node.variant)] if node.variant is not None else track.variants
    for v in variants:
        for line in v.score(node.score).lines:
            diff = ir.Arith("-", line.points, node.value)
            for name in forms.inputs(diff):
                forms.root(diff, name, Fraction(0), raw)


def _sum_formula(item: ir.Score | ir.Category | ir.Line) -> ir.Expr:
    if isinstance(item, ir.Line):
        return item.points
    total: ir.Expr = ir.Const(Fraction(0), ir.Type(ir.Kind.NUMBER))
    for sub in item.items if isinstance(item, ir.Score) else item.lines:
        total = ir.Arith("+", total, _sum_formula(sub))
    if item.cap is not None:
        total = ir.Func("min", (total, ir.Const(item.cap, ir.Type(ir.Kind.NUMBER))))
    return total


def _func_points(forms: _Forms, node: ir.Func, raw: dict[str, set], targets: dict[str, set] | None = None) -> None:
    from tierlang.passes.lower import const_value, is_constant

    if node.name == "clamp":
        x, lo, hi = node.args
        for bound in (lo, hi):
            if is_constant(bound):
                for name in forms.inputs(x):
                    value = forms.root(x, name, const_value(bound), raw)
                    if bound is hi and value is not None and targets is not None:
                        targets[name].add(value)
        return
    for a, b in itertools.combinations(node.args, 2):
        diff = ir.Arith("-", a, b)
        for name in forms.inputs(diff):
            forms.root(diff, name, Fraction(0), raw)


class _Forms:
    """A program's values as affine forms of one input metric, for the boundary values.
    Each expression is expanded once, not again for every comparison that reads it (the
    Cloud Partner scores are read by dozens, through formulas of hundreds of nodes).
    Results are remembered per node and hold that node, so that its id is not reused."""

    def __init__(self, program: ir.Program) -> None:
        self.program = program
        self._formulas: dict[tuple, list[ir.Expr]] = {}
        self._inputs: dict[int, tuple[ir.Expr, list[str]]] = {}
        self._affine: dict[tuple[int, str], tuple[ir.Expr, tuple[Fraction, Fraction] | None]] = {}

    def score_formulas(self, ref: ir.ScoreRef) -> list[ir.Expr]:
        """A score (or part) as formulas of the metrics, one per variant it may come from:
        the sum of its lines with caps as `min` (gates left out: a boundary value is where
        the points reach a threshold once the gate holds)."""
        key = (ref.track, ref.variant, ref.score, ref.part)
        if key not in self._formulas:
            track = self.program.track_map[ref.track]
            variants = [track.variant(ref.variant)] if ref.variant is not None else list(track.variants)
            out = []
            for v in variants:
                score = v.score(ref.score)
                part = score if ref.part is None else score.part(ref.part)
                out.append(_sum_formula(part))
            self._formulas[key] = out
        return self._formulas[key]

    def root(self, e: ir.Expr, name: str, target: Fraction, raw: dict[str, set]) -> Fraction | None:
        """Add (and return) the value of metric `name` where `e` (others at 0) equals `target`."""
        form = self.affine(e, name)
        if form is None or form[0] == 0:
            return None
        value = (target - form[1]) / form[0]
        raw[name].add(value)
        return value

    def inputs(self, e: ir.Expr) -> list[str]:
        """Numeric input metrics a value reads, through derived metrics and scores."""
        hit = self._inputs.get(id(e))
        if hit is not None:
            return hit[1]
        # From the children's (each node's found once): the order is that of a walk of `e`.
        out: list[str] = []
        if isinstance(e, ir.MetricRef):
            m = self.program.metric_map[e.name]
            if m.derived is not None:
                out.extend(self.inputs(m.derived))
            elif m.type.is_numeric:
                out.append(m.name)
        elif isinstance(e, ir.ScoreRef):
            for formula in self.score_formulas(e):
                out.extend(x for x in self.inputs(formula) if x not in out)
        for child in ir.children(e):
            sub = self.inputs(child)
            if sub:
                out.extend(x for x in sub if x not in out)
        self._inputs[id(e)] = (e, out)
        return out

    def affine(self, e: ir.Expr, name: str) -> tuple[Fraction, Fraction] | None:
        """`e` as coef × name + offset with every other input metric at 0, or None when it
        is not affine in that metric (a score, a `min`, a product of metrics)."""
        key = (id(e), name)
        hit = self._affine.get(key)
        if hit is None:
            hit = self._affine[key] = (e, self._form(e, name))
        return hit[1]

    def _form(self, e: ir.Expr, name: str) -> tuple[Fraction, Fraction] | None:
        if isinstance(e, ir.Const):
            return (_ZERO, e.value) if isinstance(e.value, Fraction) else None
        if isinstance(e, ir.MetricRef):
            m = self.program.metric_map[e.name]
            if m.derived is not None:
                return self.affine(m.derived, name)
            if not m.type.is_numeric:
                return None
            return (_ONE, _ZERO) if e.name == name else (_ZERO, _ZERO)
        if isinstance(e, ir.Neg):
            f = self.affine(e.operand, name)
            return None if f is None else (-f[0], -f[1])
        if isinstance(e, ir.Arith):
            a, b = self.affine(e.left, name), self.affine(e.right, name)
            if a is None or b is None:
                return None
            if e.op == "+":
                return _plus(a[0], b[0]), _plus(a[1], b[1])
            if e.op == "-":
                return _minus(a[0], b[0]), _minus(a[1], b[1])
            if e.op == "*":
                if a[0] == 0:
                    return a[1] * b[0], a[1] * b[1]
                if b[0] == 0:
                    return a[0] * b[1], a[1] * b[1]
                return None
            if b[0] != 0 or b[1] == 0:
                return None
            return a[0] / b[1], a[1] / b[1]
        if isinstance(e, ir.ScoreRef):
            # The first variant whose score reads the metric.
            for formula in self.score_formulas(e):
                if name in self.inputs(formula):
                    return self.affine(formula, name)
            return _ZERO, _ZERO
        if isinstance(e, ir.Func):
            # Boundary values only need to be plausible, not exact: take the piece of a
            # `min`/`max`/`clamp` that reads the metric (`max(0, acr) / 1250` is `acr / 1250`
            # where it matters).
            for arg in e.args:
                if name in self.inputs(arg):
                    return self.affine(arg, name)
            parts = [self.affine(a, name) for a in e.args]
            if any(f is None for f in parts):
                return None
            offsets = [f[1] for f in parts]  # type: ignore[index]
            if e.name == "clamp":
                return Fraction(0), min(max(offsets[0], offsets[1]), offsets[2])
            return Fraction(0), (min if e.name == "min" else max)(offsets)
        return None


_ZERO, _ONE = Fraction(0), Fraction(1)


def _plus(x: Fraction, y: Fraction) -> Fraction:
    """x + y, without Fraction arithmetic when one is 0 (most coefficients of a form are)."""
    return x if not y else (y if not x else x + y)


def _minus(x: Fraction, y: Fraction) -> Fraction:
    """x - y, as `_plus`."""
    return x if not y else (-y if not x else x - y)


def _candidates(program: ir.Program, m: ir.Metric, points: set) -> list[ir.Value]:
    kind = m.type.kind
    if kind is ir.Kind.BOOL:
        values: list[ir.Value] = [False, True]
    elif kind is ir.Kind.ENUM:
        values = list(m.type.values)
    elif kind is ir.Kind.DATE:
        days = {d for d in points if isinstance(d, _dt.date)} or {program.effective or _dt.date(2000, 1, 1)}
        values = sorted({d + _dt.timedelta(days=k) for d in days for k in (-1, 0, 1)})
    else:
        nums = {p for p in points if isinstance(p, Fraction)} | {Fraction(0)}
        for bound in (m.minimum, m.maximum):
            if bound is not None:
                nums.add(bound)
        if isinstance(m.default, Fraction):
            nums.add(m.default)
        spread = set()
        for v in nums:
            spread.update((v - 1, v, v + 1))
        if kind is ir.Kind.COUNT:
            spread = {Fraction(f(v)) for v in spread for f in (math.floor, math.ceil)}
        else:
            ordered = sorted(nums)
            spread.update((a + b) / 2 for a, b in zip(ordered, ordered[1:]))
        values = sorted(v for v in spread if (m.minimum is None or v >= m.minimum) and (m.maximum is None or v <= m.maximum))
    r = role(m)
    if r == FIXED:
        return values
    # worst first: by the order itself (`better`), which ranks the distinct values here totally
    return sorted(values, key=lambda v: rank(m, v), reverse=r != UP)


# ------------------------------------------------------------------ witness search


_UNSEEN = object()


def find_witness(
    program: ir.Program,
    track: str,
    suspects: list[str],
    levels: Levels,
    candidates: Boundaries | None = None,
    budget: int = BUDGET,
    focus: str | None = None,
    near: Mapping[str, set] | None = None,
    seeds: list[Witness] = (),  # type: ignore[assignment]
    reads: Reads | None = None,
    cause: Cause | None = None,
) -> Search:
    """Search a pair p ≤ q that differ only in one suspect metric, with level(q) < level(p).

    For each order of descent (see below, then its reverse), each suspect s, each pair of neighbouring candidate values a < b of s (and its worst
    and best), and each level L from the top: start p at the best candidate of every other
    metric (s = a), then lower the other metrics one at a time, each to the worst value
    that keeps level(p) >= L; stop when q (p with s = b) falls below L. The metrics read by
    more variants (then by the `focus` track) go first, so that the witness shows p and q
    scored on the same values where possible; pairs of values around the construct's own
    boundaries (`near`, per metric) are tried first. With `cause`, only a pair where the
    construct itself reads differently counts (several rules on one metric each get their
    own witness). Deterministic; at most `budget` evaluations."""
    prog_tracks = program.track_map
    reads = reads if reads is not None else Reads(program)
    names = reads.track(track)
    cands = candidates if candidates is not None else boundary_values(program)
    ladder = prog_tracks[track].level_names
    search = Search(track, suspects)
    cache: dict[tuple, int | None] = {}

    def level(p: dict[str, ir.Value]) -> int | None:
        key = tuple(p[n] for n in names)
        # one lookup for a hit: hashing the key hashes every value (a Fraction's hash is slow)
        hit = cache.get(key, _UNSEEN)
        if hit is _UNSEEN:
            search.evaluated += 1
            hit = cache[key] = levels(p, track)
        return hit

    def found(p, q, lp, lq, s) -> Search:
        p, q, lp, lq = _tidy(names, s, (p, q, lp, lq), cands, level)
        assert leq(program, p, q), "a witness pair must be ordered"
        search.witness = Witness(track, p, q, ladder[lp], ladder[lq] if lq >= 0 else None)
        return search

    for seed in seeds:
        # Another track's witness, the metrics it does not give at their best candidates.
        moved = [n for n in seed.differs if n in names]
        if len(moved) != 1:
            continue
        p = {n: seed.lower.get(n, cands[n][-1] if cands[n] else None) for n in names}
        q = {**p, moved[0]: seed.higher[moved[0]]}
        lp, lq = level(p), level(q)
        if lp is not None and lq is not None and lq < lp and (cause is None or cause(p, q)):
            return found(p, q, lp, lq, moved[0])

    order = _descent_order(program, track, names, focus, reads)
    # The same descent in the opposite order reaches other minimal partners (lowering a
    # metric first can make another one indispensable).
    for ordering in (order, order[::-1]):
        for s in suspects:
            if s not in names:
                continue
            values = cands[s]
            pairs = list(zip(values, values[1:]))
            if len(values) > 2:
                pairs.append((values[0], values[-1]))
            local = (near or {}).get(s, set())
            pairs.sort(key=lambda ab: not (ab[0] in local or ab[1] in local))  # stable: the rest keep their order
            for target in range(len(ladder) - 1, -1, -1):
                for a, b in pairs:
                    if search.evaluated >= budget:
                        return search
                    pair = _descend(names, ordering, s, a, b, target, cands, level, search, budget)
                    if pair is not None and (cause is None or cause(pair[0], pair[1])):
                        return found(*pair, s)
    suspects_here = [s for s in suspects if s in names and len(cands[s]) > 1]
    if suspects_here:
        pair = _random_pairs(names, suspects_here, cands, level, search, budget, cause=cause)
        if pair is not None:
            return found(*pair)
    return search


def _descent_order(program: ir.Program, track: str, names: list[str], focus: str | None, reads: Reads) -> list[str]:
    """Metrics read by more variants of the focus track (default: the track) first, then
    the rest, so that lowering them keeps both of a classified track's paths comparable."""
    shared = reads.shared(focus if focus in program.track_map else track)
    return sorted(names, key=lambda n: -shared.get(n, 0))


class Reads:
    """The input metrics each track reads, and per metric how many variants of a track read
    it: computed once per program, though every finding's search asks again (a program with
    hundreds of findings would take quadratic time)."""

    def __init__(self, program: ir.Program) -> None:
        self.program = program
        self.groups = {g.name: list(g.tracks) for g in program.groups}
        self._tracks: dict[str, list[str]] = {}
        self._shared: dict[str, dict[str, int]] = {}

    def track(self, name: str) -> list[str]:
        """The input metrics of a track, through the tracks it refers to, in program order."""
        if name not in self._tracks:
            p = self.program
            found = ir.metrics_read(p.track_map[name], p.metric_map, p.gate_map, p.track_map, self.groups)
            self._tracks[name] = sorted(found, key=_metric_order(p))
        return self._tracks[name]

    def shared(self, name: str) -> dict[str, int]:
        """Per input metric, how many of the track's variants read it."""
        if name not in self._shared:
            p = self.program
            track = p.track_map[name]
            # A variant's own references to its track's scores are not followed: `others` lacks it.
            others = {t: tr for t, tr in p.track_map.items() if t != name}
            counts: dict[str, int] = {}
            for variant in track.variants:
                for n in set(ir.metrics_read(variant, p.metric_map, p.gate_map, others, self.groups)):
                    counts[n] = counts.get(n, 0) + 1
            self._shared[name] = counts
        return self._shared[name]


def _tidy(names, s, found, cands: Boundaries, level):
    """Move each other metric of a witness down to the rules' own numbers where both levels
    stay the same — the target that earns full points (5 rather than the candidate 6
    beyond it), else the nearest threshold — so that the witness reads like the rules."""
    p, q, lp, lq = found

    def tidier(pool: set, n: str, current) -> object | None:
        rank = cands[n].index(current)
        below = [v for v in cands[n] if v in pool and cands[n].index(v) < rank]
        return below[-1] if below else None

    # All at once first (two evaluations), one metric at a time if that changes a level.
    bulk = dict(p)
    for n in names:
        if n != s:
            v = tidier(cands.targets[n], n, p[n])
            bulk[n] = v if v is not None else p[n]
    bulk_q = {**bulk, s: q[s]}
    if bulk != p and level(bulk) == lp and level(bulk_q) == lq:
        p, q = bulk, bulk_q
    for n in names:
        if n == s or p[n] in cands.exact[n]:
            continue  # already one of the rules' numbers
        rank = cands[n].index(p[n])
        for pool in (cands.targets[n], cands.exact[n]):
            below = [v for v in cands[n] if v in pool and cands[n].index(v) < rank]
            if not below:
                continue
            trial = {**p, n: below[-1]}
            trial_q = {**trial, s: q[s]}
            if level(trial) == lp and level(trial_q) == lq:
                p, q = trial, trial_q
                break
    return p, q, lp, lq


def _climb(names, order, p, s, target, cands, level, search, budget):
    """Raise p's level to `target` by changing one metric (not `s`) at a time to the
    candidate that gives the highest level: the best candidate of a metric that is not
    monotone itself (`x <= 5`, `x == 3`) need not be the one that qualifies."""
    lp = level(p)
    for _ in range(2):
        if lp is not None and lp >= target:
            break
        for n in order:
            if n == s:
                continue
            for v in cands[n]:
                if search.evaluated >= budget:
                    return p, lp
                trial = {**p, n: v}
                lt = level(trial)
                if lt is not None and (lp is None or lt > lp):
                    p, lp = trial, lt
            if lp is not None and lp >= target:
                break
    return p, lp


def _random_pairs(names, suspects, cands, level, search, budget, seed=0, cause: Cause | None = None):
    """The last resort: random partners from the candidates, each against the same partner
    with one suspect improved to a random better candidate (seeded: deterministic)."""
    import random

    rng = random.Random(seed)
    # Draws that repeat an evaluated pair cost nothing, so count draws too: a small space
    # is exhausted long before `budget` distinct evaluations.
    for _ in range(2 * budget):
        if search.evaluated >= budget:
            break
        p = {n: rng.choice(cands[n]) for n in names}
        s = rng.choice(suspects)
        i = cands[s].index(p[s])
        if i + 1 >= len(cands[s]):
            continue
        q = {**p, s: rng.choice(cands[s][i + 1 :])}
        lp, lq = level(p), level(q)
        if lp is not None and lq is not None and lq < lp and (cause is None or cause(p, q)):
            return p, q, lp, lq, s
    return None


def _descend(names, order, s, a, b, target, cands, level, search, budget):
    p = {n: (cands[n][-1] if cands[n] else None) for n in names}
    p[s] = a
    p, lp = _climb(names, order, p, s, target, cands, level, search, budget)
    if lp is None or lp < target:
        return None
    q = {**p, s: b}
    lq = level(q)
    if lq is not None and lq < lp:
        return p, q, lp, lq
    for n in order:
        if n == s:
            continue
        current = p[n]
        for v in cands[n]:
            if v == current:
                break
            if search.evaluated >= budget:
                return None
            trial = {**p, n: v}
            lt = level(trial)
            if lt is None or lt < target:
                continue
            p = trial
            q = {**p, s: b}
            lq = level(q)
            if lq is not None and lq < lt:
                return p, q, lt, lq
            break
    return None


# ------------------------------------------------------------------ diagnostics


def _improve(m: ir.Metric) -> str:
    if m.type.kind is ir.Kind.BOOL:
        return f"'{m.name}' becoming {'true' if role(m) == UP else 'false'}"
    return f"{'more' if role(m) == UP else 'less'} '{m.name}'"


#: How many names a message lists before it counts the rest ("and 41 other metrics"): the
#: diagnostic's data keeps them all.
_LISTED = 4


def _names(items: list[str], word: str = "and", noun: str = "metric") -> str:
    quoted = [f"'{i}'" for i in items]
    if len(quoted) > _LISTED:
        rest = len(quoted) - (_LISTED - 1)
        return ", ".join(quoted[: _LISTED - 1]) + f" {word} {rest} other {noun}s"
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" {word} " + quoted[-1]


def _gains(metrics: list[ir.Metric]) -> str:
    """What improving the suspects means: "more 'a' or more 'b'", or summarized when there
    are many ("more 'a', 'b', 'c' or 41 other metrics")."""
    if len(metrics) <= _LISTED:
        return " or ".join(_improve(m) for m in metrics)
    if all(m.type.kind is not ir.Kind.BOOL and role(m) == UP for m in metrics):
        return "more " + _names([m.name for m in metrics], "or")
    return "improving " + _names([m.name for m in metrics], "or")


def _what(program: ir.Program, f: Finding) -> str:
    metrics = [program.metric_map[m] for m in f.metrics[f.tracks[0]]]
    gains = _gains(metrics)
    names = _names([m.name for m in metrics])
    node = f.origin.node
    reason = f.origin.reason
    if reason == "not":
        return f"`not` reverses this condition: {gains} can make it fail"
    if reason == "comparison":
        directions = ", ".join(f"'{m.name}' is {m.direction} is better" for m in metrics)
        return f"this comparison works against the metric's direction ({directions}): {gains} can make it fail"
    if reason == "metric":
        m = metrics[0]
        return f"'{m.name}' is {m.direction} is better, but here the other way helps: {gains} can lower the level"
    if reason == "equality":
        return f"`{getattr(node, 'op', '==')}` asks for an exact value of {names}: {gains} can make it fail"
    if reason == "exact level":
        return f"`at exactly {node.level}` holds one level, not those above it: {gains} can take a partner past it"
    if reason == "classified":
        return f"{gains} can classify a partner into variant '{node.variant}', whose requirements may be stricter"
    if reason == "gate":
        return f"the `when` gate of line '{node.name}' turns on points that can be negative: {gains} can lower the score"
    if reason == "best score":
        return f"the reported score of best-of track '{node.track}' is read here: {gains} can switch it to another variant's lower score"
    if reason == "table":
        return f"the cells of table '{node.table.name}' fall along its bands of {names}: {gains} can move a partner to a lower cell"
    kind = {
        "negation": "a negation",
        "subtraction": "a subtraction",
        "factor": "a negative factor",
        "divisor": "a division by a metric",
        "product": "a factor whose sign is not known",
    }[reason]
    return f"{kind} makes this value fall as {names} improves: {gains} can lower the level"


def _witness_note(program: ir.Program, s: Search) -> str:
    if not s.available:
        return f"could not confirm for '{s.track}': the reference interpreter is not available"
    w = s.witness
    # what the search was asked for (a large track's searches may have been allowed less)
    asked = s.program_budget // SEARCHES_PER_PROGRAM if s.program_budget is not None else s.budget
    longer = "" if asked is not None and asked >= WITNESS_BUDGET else "; `tier check --witness` searches longer"
    if w is None and s.budget == 0:
        large = f", each of this large track counting {s.weight}" if s.weight > 1 else ""
        return (
            f"not searched for '{s.track}': the search budget of this program "
            f"({s.program_budget:,} partners evaluated{large}) was spent on the findings before{longer}"
        )
    if w is None and s.exhausted:
        return f"could not confirm for '{s.track}': the search stopped at its budget of {s.budget:,} partners evaluated{longer}"
    if w is None:
        return (
            f"could not confirm for '{s.track}': no pair of partners among the boundary values of the rules "
            f"({s.evaluated} evaluated) loses a level by improving {_names(s.metrics)}"
        )
    moves = ", ".join(f"{n} from {_show(w.lower[n])} to {_show(w.higher[n])}" for n in w.differs)
    verb = "raising" if all(role(program.metric_map[n]) == UP for n in w.differs) else "improving"
    return f"confirmed for '{s.track}': {verb} {moves} takes a partner from {_level(w.level_lower)} to {_level(w.level_higher)}"


def _level(name: str | None) -> str:
    return f"'{name}'" if name is not None else "no level"


def _headline(program: ir.Program, f: Finding) -> str:
    """A finding's message (what its searches find goes into the notes)."""
    tracks = f.direct or [f.home]
    subject = f"track {_names(tracks)} is" if len(tracks) == 1 else f"tracks {_names(tracks, noun='track')} are"
    return f"{subject} not monotone: {_what(program, f)}"


def _hint(f: Finding) -> str:
    return _REASON_HINTS.get(f.origin.reason, _HINTS[f.code])


def _diagnostic(program: ir.Program, f: Finding) -> Diagnostic:
    message = _headline(program, f)
    notes: list[Note] = []
    for t in f.direct:
        notes.append(Note(_witness_note(program, f.searches[t])))
    for t, ref in f.dependents.items():
        notes.append(
            Note(
                f"'{t}' refers to '{ref.track}' here, so it is not monotone either; " + _witness_note(program, f.searches[t]),
                ref.span,
            )
        )
    if f.confirmed:
        notes.append(Note(SEE_WITNESS))
    data = {
        "tracks": f.direct,
        "dependents": list(f.dependents),
        "metrics": f.metrics,
        "confirmed": f.confirmed,
        "witnesses": [f.searches[t].to_data() for t in f.tracks],
    }
    return warning(f.code, message, f.span, notes=tuple(notes), hint=_hint(f), data=data)


# ------------------------------------------------------------------ witness tables


def format_witness(data: Mapping[str, object]) -> str:
    """A witness (the `data` of a TL31x diagnostic, one entry of "witnesses") as a small
    table: the metrics that differ, both levels, then the values both partners share."""
    track = data["track"]
    if not data.get("confirmed"):
        return f"no witness for '{track}' ({data.get('evaluated', 0)} partners evaluated)"
    lower, higher = data["lower"], data["higher"]
    assert isinstance(lower, dict) and isinstance(higher, dict)
    differs = list(data["differs"])  # type: ignore[call-overload]
    rows = [(n, str(lower[n]), str(higher[n])) for n in differs]
    rows.append((f"level of '{track}'", _cell(data["level_lower"]), _cell(data["level_higher"])))
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows + [("", "p", "")])
    lines = [f"witness for '{track}': p ≤ q, yet q holds a lower level", f"  {'':<{w0}}  {'p':<{w1}}  q"]
    lines += [f"  {a:<{w0}}  {b:<{w1}}  {c}" for a, b, c in rows]
    same = [f"{n} = {v}" for n, v in lower.items() if n not in differs]
    if same:
        lines.append("  same in both:")
        row = ""
        for item in same:
            if row and len(row) + len(item) > 96:
                lines.append("    " + row.rstrip(", "))
                row = ""
            row += item + ", "
        lines.append("    " + row.rstrip(", "))
    return "\n".join(lines)


def _cell(level: object) -> str:
    return "(none)" if level is None else str(level)


def _show(v: ir.Value) -> str:
    return str(_json(v))


def _json(v: ir.Value) -> object:
    if isinstance(v, bool):
        return v
    if isinstance(v, Fraction):
        return exact_text(v)
    if isinstance(v, _dt.date):
        return v.isoformat()
    return v
