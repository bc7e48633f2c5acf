"""Explanations for business readers: why a partner holds its level, what is missing for the
next one, and the smallest changes that would get it there. Exact throughout (Fractions).

`explain_partner(program, values)` evaluates one partner with the reference interpreter and
returns an `Explanation` per track: plain data (`to_data()` is JSON-ready) that
`render_text` turns into prose. `tier explain` and `tier test` use it.

How "smallest changes" is decided, for a score that falls short of a threshold:
1. Lines that must earn points (`every score.points > 0`) but do not are fixed first, each
   with the least change of one of its metrics (opening its `when` gate first if needed).
2. Then the remaining gap is closed with the fewest metrics changed; among plans changing
   equally many metrics, the one with the smallest total *relative* change wins (each
   change divided by what its line needs for full points, so "1 of 3 customers" and "2 of 10
   people" are comparable), then the first declared. Counts change by whole units; a
   decimal metric by the exact amount needed.
Every plan is checked by evaluating the program again with the changed values. The search
tries at most `PLAN_BUDGET` combinations of metrics per score (all of them, unless a score
reads dozens of metrics and needs three to change); past that it keeps what it found and
says so in the explanation.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations

from tierlang import ir
from tierlang.engine.interpreter import (
    CategoryResult,
    EvaluationError,
    Interpreter,
    LevelResult,
    LineResult,
    PartnerResult,
    RequirementResult,
    ScoreResult,
    Trace,
    TrackResult,
)
from tierlang.engine.whatif import ScoreFunction
from tierlang.memo import per_object
from tierlang.numbers import decimal_text, exact_text, plural
from tierlang.passes.constraints import broken, repair
from tierlang.recursion import deep_recursion
from tierlang.render.english import English, singular, undecided_text
from tierlang.render.source import expr_text as source_text

__all__ = [
    "Explanation",
    "LevelGap",
    "Gap",
    "Change",
    "Plan",
    "explain_partner",
    "prepare",
    "render_text",
    "expr_text",
    "value_text",
    "requirement_lines",
    "score_lines",
]

#: Combinations of metrics one score's plan search tries, each a search over their values:
#: trying all C(n, 3) of a score on 80 metrics took `tier explain` minutes (issue 17).
PLAN_BUDGET = 5000


def _budget_note(found: bool) -> str:
    """Said (in `Missing.why`) when the search stopped at its budget."""
    said = f"the search for the smallest change stopped at its budget ({PLAN_BUDGET:,} combinations of metrics)"
    return said + (": a smaller change of as many metrics may exist" if found else " before it found one")


_FLIP = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}
_OP_WORDS = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than", "==": "exactly", "!=": "not"}


# ------------------------------------------------------------------ text helpers


def number_text(x: Fraction) -> str:
    """Exact when it terminates within 6 places; otherwise rounded to 6 places and marked
    with "…" (JSON output carries the exact fraction). Thousands separators for reading."""
    t = decimal_text(x)
    sign = "-" if t.startswith("-") else ""
    ip, _, fp = t.lstrip("-").partition(".")
    return sign + f"{int(ip):,}" + (f".{fp}" if fp else "") + ("" if (x * 10**6).denominator == 1 else "…")


def _round_away(x: Fraction, old: Fraction, places: int = 2) -> Fraction:
    """x rounded to `places` decimals away from `old` (so a change never falls short)."""
    q = x * 10**places
    if q.denominator == 1:
        return x
    r = math.ceil(q) if x > old else math.floor(q)
    return Fraction(r, 10**places)


def value_text(m: ir.Metric | None, v: object) -> str:
    """A metric value for people: 1,250.50 USD, 12.5%, 3, true, 2023-08-15, gold."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Fraction):
        if m is not None and m.type.kind is ir.Kind.MONEY:
            return f"{_money(v)} {m.type.currency}"
        if m is not None and m.type.kind is ir.Kind.PERCENT:
            return number_text(v) + "%"
        return number_text(v)
    if v is None:
        return "none"
    return str(v)


def _money(v: Fraction) -> str:
    t = number_text(v)
    ip, dot, fp = t.partition(".")
    if dot and len(fp) == 1:
        fp += "0"
    return ip + (("." + fp) if dot else "")


def quantity(m: ir.Metric, n: Fraction) -> str:
    """'2 Azure Solutions Architect Experts', '3.5% Usage growth', '1,250 USD ACR growth'."""
    label = m.title or (f"{m.unit} of {m.name}" if m.unit else m.name)
    if m.type.kind is ir.Kind.MONEY:
        return f"{value_text(m, n)} of {label}"
    if m.type.kind is ir.Kind.PERCENT:
        return f"{value_text(m, n)} {label}"
    if n == 1 and m.type.kind is ir.Kind.COUNT:
        return f"1 {singular(label)}"
    return f"{number_text(n)} {label}"


def expr_text(e: ir.Expr, own_track: str | None = None, program: ir.Program | None = None) -> str:
    """An IR expression back as .tier-like text (parameters by name; with `program`, gates
    by their titles: partners never see the names inside a rule file)."""
    return source_text(e, own_track=own_track, gates=program.gate_map if program is not None else None)


# ------------------------------------------------------------------ trace rendering


def score_lines(score: ScoreResult, program: ir.Program, indent: str = "  ") -> list[str]:
    """A score, category by category and line by line, with inputs, targets, caps, gates."""
    cap = f" (max {number_text(score.cap)})" if score.cap is not None else ""
    capped = f", capped from {number_text(score.raw)}" if score.cap is not None and score.raw > score.points else ""
    out = [f"{indent}{score.score.title or score.name}: {number_text(score.points)} points{cap}{capped}"]
    for item in score.items:
        if isinstance(item, CategoryResult):
            ccap = f" of max {number_text(item.cap)}" if item.cap is not None else ""
            ccapped = f" (capped from {number_text(item.raw)})" if item.cap is not None and item.raw > item.points else ""
            out.append(f"{indent}  {item.category.title or item.name}: {number_text(item.points)}{ccap}{ccapped}")
            out += [_line_text(line, program, indent + "    ") for line in item.lines]
        else:
            out.append(_line_text(item, program, indent + "  "))
    return out


def _line_text(line: LineResult, program: ir.Program, indent: str) -> str:
    metrics = program.metric_map
    inputs = ", ".join(f"{metrics[m].label} = {value_text(metrics[m], v)}" for m, v in line.inputs.items())
    parts = [f"{indent}{line.label}: {number_text(line.points)} points"]
    detail = []
    if inputs:
        detail.append(inputs)
    if line.target is not None and len(line.inputs) == 1:
        m = metrics[next(iter(line.inputs))]
        detail.append(f"full points at {value_text(m, line.target)}")
    if line.cap is not None:
        detail.append(f"max {number_text(line.cap)}")
    detail += table_cells(line.line.points, line.inputs, program)
    if line.gate is False:
        detail.append(f"gated on {expr_text(line.line.when, program=program)}, not met (would earn {number_text(line.raw)})")  # type: ignore[arg-type]
    if detail:
        parts.append(" (" + "; ".join(detail) + ")")
    return "".join(parts)


def table_cells(expr: ir.Expr, values: Mapping[str, ir.Value], program: ir.Program, track: TrackResult | None = None) -> list[str]:
    """For each table a formula reads: the cell a partner's values fall in, and the next
    cell up (the next row; the cell reached by moving the row key up a band):
    "CSAT points: 10 to 19 → 2; next: 20 or more → 5". `track`: a track already evaluated
    (a table looked up by its level)."""
    from tierlang.passes.tables import band_text, key_type

    out = []
    run = Interpreter(program).run(values)
    if track is not None:
        run.done[track.name] = track
    for node in ir.walk(expr, tables=False):
        if not isinstance(node, ir.Lookup):
            continue
        t = node.table
        try:
            row, column = run.bands(t, node)
        except EvaluationError:
            continue  # a key the values do not give (another track's level in a test)
        types = [key_type(k, program) for k in t.keys]
        where = band_text(t.rows[row], types[0])
        if t.columns:
            where += f" × {band_text(t.columns[column], types[1])}"
        text = f"{t.label}: {where} → {value_text_of(t.cell(row, column).value, t.type)}"
        up = row + 1
        ordered = t.rows[row].numeric or isinstance(t.keys[0], ir.LevelOf)  # an unordered enum has no "up"
        if ordered and up < len(t.rows) and not t.rows[up].otherwise and t.rows[up].numeric == t.rows[row].numeric:
            text += f"; next: {band_text(t.rows[up], types[0])} → {value_text_of(t.cell(up, column).value, t.type)}"
        out.append(text)
    return out


def value_text_of(v: ir.Value, t: ir.Type) -> str:
    """A table cell for people: 1,250 USD, 12.5%, 3."""
    if isinstance(v, Fraction) and t.kind is ir.Kind.MONEY:
        return f"{_money(v)} {t.currency}"
    if isinstance(v, Fraction) and t.kind is ir.Kind.PERCENT:
        return number_text(v) + "%"
    return number_text(v) if isinstance(v, Fraction) else str(v)


def trace_lines(t: Trace, program: ir.Program, own_track: str | None, indent: str = "    ", shown: set[str] | None = None) -> list[str]:
    """A condition's outcome, with its sub-conditions, one per line. A gate is shown in
    full once (`shown`: the gates already shown, shared by the caller's other conditions);
    again, by name only: a chain of gates each reading the one before twice would otherwise
    print 2^length lines."""
    shown = set() if shown is None else shown
    mark = _mark(t.value)
    out = [f"{indent}{mark} {_trace_head(t, program, own_track)}"]
    if t.kind == "GateRef":
        if t.note in shown:
            out[0] += " (see above)"
            return out
        shown.add(t.note)  # type: ignore[arg-type]
    if t.kind in ("And", "Or", "Not", "AtLeast", "GateRef", "GroupCount"):
        for k in t.children:
            out += trace_lines(k, program, own_track, indent + "  ", shown)
    elif t.kind == "Every":
        for k in t.children:
            out.append(f"{indent}  {'✓' if k.value else '✗'} {k.note}: {number_text(k.left)} points")  # type: ignore[arg-type]
    return out


def _mark(value: bool | None) -> str:
    """✓ holds, ✗ does not, ? no data decides it."""
    return "?" if value is None else "✓" if value else "✗"


def _trace_head(t: Trace, program: ir.Program, own_track: str | None) -> str:
    e = t.expr
    if t.kind == "Compare" and isinstance(e, ir.Compare):
        m = _metric_of(e, program)
        a, th = t.actual, t.threshold
        return f"{expr_text(e, own_track, program)}: is {value_text(m, a)}" + (
            "" if _is_const(e.left) or _is_const(e.right) else f" vs {value_text(m, th)}"
        )
    if t.kind == "Undecided" and isinstance(e, ir.Undecided):
        return f"cannot be decided from data: {undecided_text(e)}"
    if t.kind == "TrackAt":
        if t.value is None:
            return f"{t.note} at {t.right or 'any level'}: holds {t.left or 'no level'} for certain, {t.right} cannot be decided from data"
        return f"{t.note} at {t.right or 'any level'}: holds {t.left or 'no level'}"
    if t.kind == "GroupCount":
        return f"{expr_text(e, own_track, program)}: {number_text(t.left)} of {len(t.children)} hold it"  # type: ignore[arg-type]
    if t.kind == "AtLeast":
        return f"{expr_text(e, own_track, program)}: {number_text(t.left)} of {len(t.children)} hold, {number_text(t.right)} needed"  # type: ignore[arg-type]
    if t.kind == "GateRef":
        g = program.gate_map[t.note]  # type: ignore[index]
        return f"gate {g.title or g.name}"
    return expr_text(e, own_track, program) if e is not None else t.kind


def _is_const(e: ir.Expr) -> bool:
    from tierlang.passes.constants import is_constant

    return is_constant(e)


def _metric_of(e: ir.Compare, program: ir.Program) -> ir.Metric | None:
    for side in (e.left, e.right):
        if isinstance(side, ir.MetricRef):
            return program.metric_map[side.name]
    return None


def requirement_lines(level: LevelResult, program: ir.Program, own_track: str, indent: str = "    ") -> list[str]:
    out = []
    shown: set[str] = set()
    for r in level.requirements:
        label = f"{r.requirement.label}: " if r.requirement.label else ""
        lines = trace_lines(r.trace, program, own_track, indent, shown)
        if label:
            mark = _mark(r.trace.value) + " "
            lines[0] = lines[0].replace(mark, mark + label, 1)
        out += lines
    return out


# ------------------------------------------------------------------ plans


@dataclass(frozen=True)
class Change:
    """Move one metric from `old` to `new` (`delta` = new - old), worth `points` more."""

    metric: str
    old: Fraction
    new: Fraction
    points: Fraction | None = None

    @property
    def delta(self) -> Fraction:
        return self.new - self.old


@dataclass
class Plan:
    changes: list[Change]
    result: Fraction | None  # the score after the changes (None for non-score goals)
    reaches: str  # what it achieves, e.g. "capability 72.5 ≥ 70"


@dataclass(frozen=True)
class Gap:
    """A failing comparison as numbers: `has` where `op needs` is asked, `missing` the least
    change that makes it hold (None when no amount says it: "more than 0", "exactly 3")."""

    condition: str  # the condition as written
    subject: str  # what is compared: a metric's or score's title, a group
    unit: str | None  # "points", a metric's unit or currency, "%", "tracks"
    has: Fraction
    op: str
    needs: Fraction
    missing: Fraction | None

    def to_data(self) -> dict:
        return {
            "condition": self.condition,
            "subject": self.subject,
            "unit": self.unit,
            "has": _frac(self.has),
            "op": self.op,
            "needs": _frac(self.needs),
            "missing": _frac(self.missing),
        }


@dataclass
class Missing:
    """One failing requirement of the next level and what would fix it."""

    requirement: ir.Requirement
    text: str  # the requirement as text
    why: list[str]  # facts: "has 2, Gold needs 4"
    plans: list[Plan] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)  # the same facts as numbers, where they are numbers
    undecided: bool = False  # no data decides it (unknown, discretionary, by invitation): no plan helps


@dataclass
class LevelGap:
    """A level above the next one and what it lacks: its own failing requirements and, for
    a cumulative level, everything the level below it needs (`below`, not held either)."""

    level: ir.Level
    missing: list[Missing]
    below: ir.Level | None
    together: Plan | None = None  # every change the level needs, below it included, at once


@dataclass
class Explanation:
    track: ir.Track
    result: TrackResult
    held: list[str]  # why it holds its level: passing requirements, as lines
    next_level: ir.Level | None
    missing: list[Missing]
    variant_note: str | None
    scores: list[str]  # the selected variant's scores, as lines
    # the levels above the next one (with independent levels, a partner short of Silver can
    # be one condition from Gold)
    higher: list[LevelGap] = field(default_factory=list)
    # the next level's failing requirements fixed at once, where fixing one moves another
    # (`active >= 0.7 * acquired` and `acquired >= 20`: the acquired customers raise the bar);
    # None when it is only the sum of the smallest changes listed
    together: Plan | None = None
    values: Mapping[str, ir.Value] = field(default_factory=dict)  # the partner's metric values

    def to_data(self, program: ir.Program) -> dict:
        r = self.result
        metrics = program.metric_map
        return {
            "track": self.track.name,
            "title": self.track.label,
            "level": r.level,
            "undecided": r.undecided,
            "score": _frac(r.score),
            "variant": r.variant,
            "variant_note": self.variant_note,
            "held_because": self.held,
            "next_level": self.next_level.name if self.next_level else None,
            "missing": [_missing_data(m, metrics) for m in self.missing],
            "together": _plan_data(self.together, metrics) if self.together else None,
            "higher_levels": [
                {
                    "level": g.level.name,
                    "title": g.level.label,
                    "also_needs": g.below.name if g.below is not None else None,
                    "missing": [_missing_data(m, metrics) for m in g.missing],
                    "together": _plan_data(g.together, metrics) if g.together else None,
                }
                for g in self.higher
            ],
            "scores": _score_data(r.selected.scores, program),
            "outputs": {o.name: _frac(r.outputs[o.name]) for o in self.track.outputs},
        }


def _missing_data(m: Missing, metrics: Mapping[str, ir.Metric]) -> dict:
    return {
        "requirement": m.text,
        "label": m.requirement.label,
        "undecided": m.undecided,
        "why": m.why,
        "gaps": [g.to_data() for g in m.gaps],
        "plans": [_plan_data(p, metrics) for p in m.plans],
    }


def _plan_data(p: Plan, metrics: Mapping[str, ir.Metric]) -> dict:
    return {
        "changes": [
            {
                "metric": c.metric,
                "title": metrics[c.metric].label,
                # a yes/no metric: its values as JSON booleans, no amount of change
                "from": c.old if isinstance(c.old, bool) else _frac(c.old),
                "to": c.new if isinstance(c.new, bool) else _frac(c.new),
                "change": None if isinstance(c.new, bool) else _frac(c.delta),
                "points": _frac(c.points),
            }
            for c in p.changes
        ],
        "result": _frac(p.result),
        "reaches": p.reaches,
    }


def _frac(x: Fraction | None) -> str | None:
    return None if x is None else exact_text(x)


def _score_data(scores: Mapping[str, ScoreResult], program: ir.Program) -> list[dict]:
    out = []
    for s in scores.values():
        items = []
        for item in s.items:
            lines = item.lines if isinstance(item, CategoryResult) else [item]
            entry = {"name": item.name, "points": _frac(item.points), "cap": _frac(item.cap) if isinstance(item, CategoryResult) else None}
            entry["lines"] = [
                {
                    "name": line.name,
                    "title": line.label,
                    "points": _frac(line.points),
                    "formula": _frac(line.raw),
                    "inputs": {k: (_frac(v) if isinstance(v, Fraction) else v) for k, v in line.inputs.items()},
                    "target": _frac(line.target),
                    "cap": _frac(line.cap),
                    "gate": line.gate,
                }
                for line in lines
            ]
            items.append(entry)
        out.append({"name": s.name, "title": s.score.title, "points": _frac(s.points), "cap": _frac(s.cap), "items": items})
    return out


# ------------------------------------------------------------------ the explainer


@dataclass
class _Shared:
    """What explanations of one program share: its interpreters' `line_info` (each score
    line's metrics, cap and target, found by analysis) and the breakpoints of the lines whose
    points depend on nothing of a partner's but the one metric asked about."""

    line_info: dict = field(default_factory=dict)
    breakpoints: dict[tuple[int, str], frozenset[Fraction]] = field(default_factory=dict)
    static_lines: dict[int, tuple[list[str], bool]] = field(default_factory=dict)


@per_object
def _shared(program: ir.Program) -> _Shared:
    return _Shared()


class _Explainer:
    def __init__(self, program: ir.Program, values: Mapping[str, ir.Value], interp: Interpreter | None = None) -> None:
        self.p = program
        self.values = dict(values)
        self.shared = _shared(program)
        self.interp = interp or Interpreter(program, memo=True, line_info=self.shared.line_info)
        self.metrics = program.metric_map
        self._bp: dict[tuple[str, int], set[Fraction]] = {}
        self._steps: dict[tuple[str, int, int], _Steps] = {}
        self._functions: dict[tuple[str, str | None, str], ScoreFunction] = {}
        self.stopped = False  # did the last `score_plans` stop at PLAN_BUDGET?
        self._broken: list[ir.Constraint] | None = None  # the constraints `values` break

    def evaluate(self, values: Mapping[str, ir.Value], track: str) -> TrackResult:
        return self.interp.evaluate(values, tracks=[track])[track]

    def explain(self, result: PartnerResult, track: str) -> Explanation:
        tr = result[track]
        t = tr.track
        vr = tr.selected
        held = []
        if vr.level_index >= 0:
            # the held level and, when cumulative, the lower ones it stands on
            i = vr.level_index
            chain = [vr.levels[i]]
            while chain[-1].level.cumulative and i > 0:
                i -= 1
                chain.append(vr.levels[i])
            for lr in reversed(chain):
                if lr.requirements:
                    held.append(f"  {lr.level.label}:")
                    held += requirement_lines(lr, self.p, t.name)
        nxt = vr.levels[vr.level_index + 1] if vr.level_index + 1 < len(vr.levels) else None
        missing: list[Missing] = []
        if nxt is not None:
            # (a cumulative level also needs the lower levels' requirements; they hold, since
            # the partner holds the level below)
            failing = [r for r in nxt.requirements if not r.passed]
            missing = self.missing(tr, nxt, failing)
        higher = []
        for j in range(vr.level_index + 2, len(vr.levels)):
            lr = vr.levels[j]
            below = vr.levels[j - 1].level if lr.level.cumulative else None
            gap = LevelGap(lr.level, self.missing(tr, lr, [r for r in lr.requirements if not r.passed]), below)
            gap.together = _news(self.together(tr, j, {id(m.requirement): m for m in gap.missing}), gap.missing)
            higher.append(gap)
        x = Explanation(
            t, tr, held, nxt.level if nxt else None, missing, self.variant_note(tr), score_lines_all(tr, self.p), higher, values=self.values
        )
        if nxt is not None:
            x.together = _news(self.together(tr, vr.level_index + 1, {id(m.requirement): m for m in missing}), missing)
        return x

    #: Rounds of fixing what still fails once the previous round's changes are made.
    TOGETHER_ROUNDS = 4

    def together(self, tr: TrackResult, j: int, known: Mapping[int, Missing]) -> Plan | None:
        """Every change level `j` of the selected variant needs (for a cumulative level, the
        levels below it too), made at once: each failing requirement's smallest change, then
        again for what still fails with those values, until the level is met. None when
        fewer than two requirements fail (their own plans say it all), when a round finds no
        plan for a requirement, or when the changes do not meet the level."""
        variant = tr.selected.variant.name
        target = tr.selected.levels[j].level.name
        target_label = tr.selected.levels[j].level.label

        def failing(r: TrackResult) -> list[tuple[LevelResult, list[RequirementResult]]] | None:
            vr = r.variants.get(variant) if variant is not None else r.selected
            if vr is None:
                return None
            k = next(i for i, lr in enumerate(vr.levels) if lr.level.name == target)
            out = []
            while True:
                lr = vr.levels[k]
                bad = [q for q in lr.requirements if not q.passed]
                if bad:
                    out.append((lr, bad))
                if not lr.level.cumulative or k == 0:
                    return out
                k -= 1

        todo = failing(tr)
        if not todo or sum(len(bad) for _, bad in todo) < 2:
            return None
        vals, order = dict(self.values), []
        r, sub = tr, self
        for _ in range(self.TOGETHER_ROUNDS):
            for lr, bad in todo:
                mine = [known.get(id(q.requirement)) for q in bad] if sub is self else []
                found = mine if mine and None not in mine else sub.missing(r, lr, bad)
                for m in found:
                    if not m.plans:
                        return None
                    for c in m.plans[0].changes:
                        cur = vals.get(c.metric)
                        if isinstance(cur, Fraction) and isinstance(c.new, Fraction) and c.metric in order:
                            # two requirements moving one metric: the larger move holds both
                            vals[c.metric] = max(cur, c.new) if c.new > c.old else min(cur, c.new)
                        else:
                            vals[c.metric] = c.new
                        order.append(c.metric)
            try:
                r = self.evaluate(vals, tr.name)
            except (EvaluationError, ArithmeticError):
                return None
            todo = failing(r)
            if todo is None:
                return None
            if not todo:
                names = [n for n in dict.fromkeys(order) if vals[n] != self.values.get(n)]
                if any(self.values.get(n) is None for n in names):
                    return None  # a change from no value is no amount to state
                if self.broken(vals, names):
                    # no partner can make these changes alone: move what the constraints read too
                    mended = repair(self.p, vals, set(names))
                    try:
                        if mended is None or failing(self.evaluate(mended, tr.name)) != []:
                            return None
                    except (EvaluationError, ArithmeticError):
                        return None
                    vals = mended
                    names += [n for n in mended if n not in names and mended[n] != self.values.get(n)]
                return Plan([Change(n, self.values[n], vals[n]) for n in names], None, f"{target_label} is met")  # type: ignore[arg-type]
            sub = _Explainer(self.p, vals, self.interp)
        return None

    def variant_note(self, tr: TrackResult) -> str | None:
        t = tr.track
        if len(t.variants) < 2:
            return None
        chosen = t.variant(tr.variant)
        name = chosen.title or chosen.name
        if t.selection == "best":
            parts = []
            for v in t.variants:
                r = tr.variants[v.name]
                sc = r.primary
                parts.append(f"{v.title or v.name}: {r.level or 'no level'}" + (f", {number_text(sc.points)} points" if sc else ""))
            return f"scored on {name}, the better of: " + "; ".join(parts)
        for variant, trace in tr.choice:
            if variant == tr.variant:
                if trace is None:
                    return f"scored on {name} (no earlier choice applied)"
                return f"scored on {name}, because {_trace_head(trace, self.p, t.name)}"
        return f"scored on {name}"

    # -------------------------------------------------------------- what is missing
    def missing(self, tr: TrackResult, level: LevelResult, failing: list[RequirementResult]) -> list[Missing]:
        t = tr.track
        out: list[Missing] = []
        every_scores = {
            (r.requirement.expr.score) for r in failing if isinstance(r.requirement.expr, ir.Every)
        }  # scores whose lines must all earn points: fixed together with the score threshold
        for r in failing:
            e = r.requirement.expr
            m = Missing(r.requirement, expr_text(e, t.name, self.p), [], undecided=r.passed is None)
            m.why = self.why(r.trace, t, level.level, m.gaps)
            if m.undecided:
                out.append(m)
                continue
            score_goal = self.score_goal(e, tr)
            if score_goal is not None:
                score_name, op, target = score_goal
                room = self.room(tr.selected.scores[score_name])
                if room:
                    m.why.append("room left per category: " + "; ".join(room))
                m.plans = self.score_plans(tr, score_name, op, target, every=score_name in every_scores)
                if self.stopped:
                    m.why.append(_budget_note(bool(m.plans)))
            elif isinstance(e, ir.Every):
                if not any(self.score_goal(x.requirement.expr, tr) for x in failing if x is not r):
                    m.plans = self.score_plans(tr, e.score, None, None, every=True)
                    if self.stopped:
                        m.why.append(_budget_note(bool(m.plans)))
            else:
                m.plans = self.condition_plans(r.trace, tr)
            m.plans = self.keeping_constraints(m, tr, level)
            out.append(m)
        return out

    def keeping_constraints(self, m: Missing, tr: TrackResult, level: LevelResult) -> list[Plan]:
        """`m`'s plans, each kept to every input constraint: a plan whose changes break one
        also moves the other metrics the constraint reads (`constraints.repair`) when the
        requirement still holds after that, and is left out otherwise (no partner can make
        it); a line in `m.why` says which constraint changed or left out a plan."""
        if not self.p.constraints:
            return m.plans
        kept = []
        for p in m.plans:
            vals = dict(self.values)
            vals.update({c.metric: c.new for c in p.changes})
            bad = self.broken(vals, [c.metric for c in p.changes])
            if not bad:
                kept.append(p)
                continue
            names = ", ".join(f"'{c.name}' ({c.label})" for c in bad)
            mended = repair(self.p, vals, {c.metric for c in p.changes})
            if mended is not None and self.requirement_holds(mended, tr, level, m.requirement):
                extra = [Change(n, self.values[n], mended[n]) for n in mended if mended[n] != vals.get(n)]  # type: ignore[arg-type]
                titles = " and ".join(self.p.metric_map[c.metric].title or c.metric for c in extra)
                note = f"to keep the constraint {names}, {titles} must change as well"
                kept.append(Plan([*p.changes, *extra], p.result, p.reaches))
            else:
                note = f"a change that breaks the constraint {names} is not proposed"
            if note not in m.why:
                m.why.append(note)
        return kept

    def broken(self, vals: Mapping[str, ir.Value], changed: Collection[str]) -> list[ir.Constraint]:
        """The input constraints `vals` break: this partner's values with the metrics in
        `changed` moved (the constraints that read none of them are as they were)."""
        if self._broken is None:
            self._broken = broken(self.p, self.values)
        return broken(self.p, vals, set(changed), self._broken)

    def requirement_holds(self, vals: Mapping[str, ir.Value], tr: TrackResult, level: LevelResult, req: ir.Requirement) -> bool:
        """Whether `req` of `level` holds with `vals` (on the same variant as in `tr`)."""
        try:
            r = self.evaluate(vals, tr.name)
        except (EvaluationError, ArithmeticError):
            return False
        vr = r.variants.get(tr.selected.variant.name) if tr.selected.variant.name is not None else r.selected
        for lr in vr.levels if vr is not None else ():
            if lr.level.name == level.level.name:
                return any(q.requirement is req and q.passed is True for q in lr.requirements)
        return False

    def room(self, s: ScoreResult) -> list[str]:
        """Points each category (or top-level line) can still add: its cap (or the sum of
        its lines' caps) minus what it earns; gated lines noted."""
        out = []
        for item in s.items:
            lines = item.lines if isinstance(item, CategoryResult) else [item]
            caps = [line.cap for line in lines]
            top = (
                item.cap
                if isinstance(item, CategoryResult) and item.cap is not None
                else (sum(caps, Fraction(0)) if None not in caps else None)
            )  # type: ignore[arg-type]
            title = item.category.title if isinstance(item, CategoryResult) else item.line.title
            name = title or item.name
            gated = [line.label for line in lines if line.gate is False]
            note = f" (gated: {', '.join(gated)})" if gated else ""
            if top is None:
                out.append(f"{name} {number_text(item.points)} (no cap){note}")
            else:
                out.append(f"{name} {number_text(max(top - item.points, Fraction(0)))} of {number_text(top)}{note}")
        return out

    def score_goal(self, e: ir.Expr, tr: TrackResult) -> tuple[str, str, Fraction] | None:
        """`score >= N` (or >) of the track's own score: (score, op, N)."""
        if not isinstance(e, ir.Compare) or e.op not in (">=", ">"):
            return None
        if isinstance(e.left, ir.ScoreRef) and e.left.track == tr.name and e.left.part is None and _is_const(e.right):
            from tierlang.passes.constants import const_value

            return e.left.score, e.op, const_value(e.right)
        return None

    def why(self, trace: Trace, t: ir.Track, level: ir.Level, gaps: list[Gap] | None = None) -> list[str]:
        """Facts about a failing condition, with exact deltas (as numbers in `gaps`)."""
        out: list[str] = []
        lvl = level.label
        gaps = gaps if gaps is not None else []
        explained: set[str] = set()  # gates already explained above: said once, not once per reference

        def visit(tc: Trace) -> None:
            if tc.value:
                return
            e = tc.expr
            if tc.value is None:  # undecided: say what no data decides, beneath what holds or fails
                if isinstance(e, ir.Undecided):
                    out.append(f"cannot be decided from data: {undecided_text(e)}")
                elif tc.kind == "TrackAt":
                    out.append(
                        f"needs {tc.note} at {tc.right}: it holds {tc.left or 'no level'} for certain; {tc.right} cannot be decided from data"
                    )
                else:
                    out.append(f"{expr_text(e, t.name, self.p)} cannot be decided from data:")
                    for k in tc.children:
                        visit(k)
                return
            if tc.kind == "Compare" and isinstance(e, ir.Compare):
                out.append(self.compare_fact(e, tc, t, lvl))
                gap = self.compare_gap(e, tc, t)
                if gap is not None:
                    gaps.append(gap)
            elif tc.kind == "Every":
                for k in tc.children:
                    if not k.value:
                        out.append(
                            f"{_line_label(t, k)} earns {number_text(k.left)} points; {lvl} needs every line {_OP_WORDS[tc.op]} {number_text(tc.right)}"
                        )  # type: ignore[index,arg-type]
                        short = tc.right - k.left if tc.op == ">=" else None  # type: ignore[operator]
                        gaps.append(
                            Gap(f"{k.note} {tc.op} {number_text(tc.right)}", _line_label(t, k), "points", k.left, tc.op, tc.right, short)
                        )  # type: ignore[arg-type]
            elif tc.kind == "TrackAt":
                # `at LEVEL` is that level or a higher one; `at exactly LEVEL` that one only
                english = English(self.p)
                wanted = english.condition(e).flat().removeprefix("holds ")
                now = english.level_label(tc.note, tc.left) if tc.left else "no level"  # type: ignore[arg-type]
                out.append(f"needs {wanted}: it holds {now}")
            elif tc.kind == "GroupCount":
                have = int(tc.left)  # type: ignore[arg-type]
                need = int(tc.right)  # type: ignore[arg-type]
                missing = [k.note for k in tc.children if not k.value]
                gaps.append(Gap(expr_text(e, t.name), e.group, "tracks", Fraction(have), ">=", Fraction(need), Fraction(need - have)))  # type: ignore[union-attr]
                english = English(self.p)
                noun = english.group_noun(e.group, need - have)  # type: ignore[union-attr]
                level = english.group_level(e)  # type: ignore[arg-type]
                where = f" at {level}" if level else ""
                labels = [english.track_label(n) for n in missing]  # type: ignore[arg-type]
                names = ", ".join(labels[:5]) + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")
                out.append(f"needs {need - have} more {noun}{where}: has {have} of {need} ({names} not yet)")
            elif tc.kind == "AtLeast":
                have, need = int(tc.left), int(tc.right)  # type: ignore[arg-type]
                gaps.append(
                    Gap(
                        expr_text(e, t.name, self.p),
                        "conditions",
                        "conditions",
                        Fraction(have),
                        ">=",
                        Fraction(need),
                        Fraction(need - have),
                    )
                )
                out.append(
                    f"needs {need - have} more of these {len(tc.children)} to hold ({have} {'holds' if have == 1 else 'hold'}, {need} needed):"
                )
                for k in tc.children:
                    visit(k)
            elif tc.kind == "GateRef":
                g = self.p.gate_map[tc.note]  # type: ignore[index]
                if g.name in explained:
                    out.append(f"the gate {g.title or g.name} does not hold (see above)")
                    return
                explained.add(g.name)
                out.append(f"the gate {g.title or g.name} does not hold:")
                for k in tc.children:
                    visit(k)
            elif tc.kind == "Or":
                out.append("none of these holds (one is enough):")
                for k in tc.children:
                    visit(k)
            elif tc.kind == "Not":
                out.append(f"{expr_text(tc.children[0].expr, t.name, self.p)} holds, and must not")
            elif tc.kind == "MetricRef" and tc.note in self.metrics:  # a yes/no metric
                out.append(f"{self.metrics[tc.note].label} is {value_text(None, tc.left)}; {lvl} needs it true")
            else:
                for k in tc.children:
                    visit(k)
                if not tc.children:
                    out.append(f"{expr_text(e, t.name, self.p)} does not hold")

        visit(trace)
        return out

    def _oriented(self, e: ir.Compare, tc: Trace) -> tuple[str, ir.Expr, ir.Metric | None, bool] | None:
        """(op with the constant on the right, the data side, its metric, whole units) for a
        comparison of data with a constant whose values are numbers; None otherwise."""
        left_const, right_const = _is_const(e.left), _is_const(e.right)
        if not (isinstance(tc.actual, Fraction) and isinstance(tc.threshold, Fraction) and (left_const or right_const)):
            return None
        op = _FLIP[e.op] if left_const and not right_const else e.op
        side = e.right if left_const else e.left
        m = _metric_of(e, self.p)
        return op, side, m, m is not None and m.type.kind is ir.Kind.COUNT

    @staticmethod
    def _shortfall(op: str, actual: Fraction, threshold: Fraction, whole: bool) -> Fraction | None:
        """The least change of `actual` that makes `actual op threshold` hold (positive: up,
        negative: down; None for == and !=, or "more than" of a decimal: no least amount)."""
        if op == ">=":
            return threshold - actual
        if op == "<=":
            return threshold - actual
        if op == ">":
            return threshold - actual + 1 if whole else None
        if op == "<":
            return threshold - actual - 1 if whole else None
        return None

    def compare_gap(self, e: ir.Compare, tc: Trace, t: ir.Track) -> Gap | None:
        """A failing comparison with a constant as numbers (see `Gap`)."""
        got = self._oriented(e, tc)
        if got is None:
            return None
        op, side, m, whole = got
        actual, threshold = tc.actual, tc.threshold
        assert isinstance(actual, Fraction) and isinstance(threshold, Fraction)
        if isinstance(side, ir.ScoreRef):
            subject, unit = self.score_title(side), "points"
        elif m is not None:
            subject = m.label
            unit = m.type.currency if m.type.kind is ir.Kind.MONEY else "%" if m.type.kind is ir.Kind.PERCENT else m.unit
        else:
            subject, unit = expr_text(side, t.name), None
        return Gap(expr_text(e, t.name), subject, unit, actual, op, threshold, self._shortfall(op, actual, threshold, whole))

    def compare_fact(self, e: ir.Compare, tc: Trace, t: ir.Track, lvl: str) -> str:
        m = _metric_of(e, self.p)
        if _is_const(e.left) and _is_const(e.right):  # no partner data on either side
            return f"{expr_text(e, t.name, self.p)} never holds: no partner can meet it"
        got = self._oriented(e, tc)
        actual, threshold = tc.actual, tc.threshold
        if got is None:
            if isinstance(tc.left, Fraction) and isinstance(tc.right, Fraction):
                # both sides read data (a ratio rule): say what each side comes to
                subject = m.label if isinstance(e.left, ir.MetricRef) and m is not None else expr_text(e.left, t.name, self.p)
                return (
                    f"{subject} is {value_text(m, tc.left)}; {lvl} needs {_OP_WORDS[e.op]} {value_text(m, tc.right)} "
                    f"({expr_text(e.right, t.name, self.p)})"
                )
            return f"{expr_text(e, t.name, self.p)} does not hold: {value_text(m, tc.left)} vs {value_text(m, tc.right)}"
        op, side, m, whole = got
        assert isinstance(actual, Fraction) and isinstance(threshold, Fraction)
        label = m.label if m is not None else expr_text(side, t.name)

        def subject(gap: Fraction | None = None) -> str:
            # labels of counts are plural nouns ("Certified sellers"): "1 more Certified seller"
            if isinstance(side, ir.ScoreRef):
                return f"{plural(gap if gap is not None else 2, 'point')} of {self.score_title(side)}"
            return singular(label) if gap == 1 and whole else label

        if op in (">=", ">", "<=", "<"):
            up = op in (">=", ">")
            strict = op in (">", "<") and not whole  # "more than": no least amount to name
            gap = (threshold - actual if up else actual - threshold) + (1 if op in (">", "<") and whole else 0)
            facts = f"has {value_text(m, actual)}, {lvl} needs {_OP_WORDS[op]} {value_text(m, threshold)}"
            if strict and gap == 0:
                return f"needs {'more' if up else 'less'} {subject()}: {facts}"
            if m is not None and m.type.kind is ir.Kind.PERCENT:  # a difference of percentages
                amount = f"{number_text(gap)} percentage {plural(gap, 'point')}"
                return f"needs {label} {'more than ' if strict else ''}{amount} {'higher' if up else 'lower'}: {facts}"
            amount = value_text(m, gap) if m is not None else number_text(gap)
            return f"needs {'more than ' if strict else ''}{amount} {'more' if up else 'less'} {subject(gap)}: {facts}"
        return f"{subject()} is {value_text(m, actual)}; {lvl} needs {_OP_WORDS[op]} {value_text(m, threshold)}"

    def score_title(self, ref: ir.ScoreRef) -> str:
        t = self.p.track_map[ref.track]
        for v in t.variants:
            sc = v.score(ref.score)
            if sc is not None:
                part = sc.part(ref.part) if ref.part else None
                if part is not None:
                    return part.title or part.name
                return sc.title or sc.name
        return ref.score

    # -------------------------------------------------------------- plans for conditions
    def condition_plans(self, trace: Trace, tr: TrackResult) -> list[Plan]:
        """The smallest changes that make a failing condition hold: one change for a metric
        against a constant; for a comparison of sums and multiples of metrics (a ratio rule,
        `active >= 0.7 * acquired`) one plan per metric that can close it alone, nearest
        first; for `and`, `or` and gates, the changes of their failing parts together.
        Every plan is checked by evaluating the condition again with the changed values."""
        e = trace.expr
        if trace.kind == "Compare":
            candidates = [[c] for c in self.compare_changes(e, trace)]  # type: ignore[arg-type]
        elif trace.kind in ("And", "Or", "GateRef", "MetricRef", "Not"):
            found = self.open_condition(trace, dict(self.values), tr.track)
            candidates = [_merged(found)] if found else []
        else:
            return []
        plans = []
        for changes in candidates:
            trial = dict(self.values)
            trial.update({c.metric: c.new for c in changes})
            with contextlib.suppress(EvaluationError, ArithmeticError):
                if self.interp.expression(trial, e) is True:
                    plans.append(Plan(changes, None, f"{expr_text(e, tr.name, self.p)} holds"))
        return plans[:3]

    def compare_changes(self, e: ir.Compare, trace: Trace) -> list[Change]:
        """Single-metric changes that make a failing comparison hold, nearest first."""
        metric_side = e.left if isinstance(e.left, ir.MetricRef) else e.right if isinstance(e.right, ir.MetricRef) else None
        if metric_side is not None and (_is_const(e.left) or _is_const(e.right)):
            m = self.metrics[metric_side.name]
            if m.derived is not None or not isinstance(trace.actual, Fraction):
                return []
            c = self.fix_compare(e, m, trace.actual)
            return [c] if c is not None else []
        return self.linear_changes(e)

    def linear_changes(self, e: ir.Compare) -> list[Change]:
        """For `lhs OP rhs` with both sides sums of multiples of metrics: per metric, the
        least change (others as they are) that makes it hold, moving the metric in its
        better direction; ordered by the size of the change relative to the value."""
        form = _linear(ir.Arith("-", e.left, e.right), self.metrics)
        if form is None or e.op == "!=":
            return []
        coefs, k = form
        current = {n: self.value_of(n) for n in coefs}
        total = k + sum(c * current[n] for n, c in coefs.items())
        out: list[tuple[tuple, Change]] = []
        for name, coef in coefs.items():
            m = self.metrics[name]
            if coef == 0 or not m.type.is_numeric:
                continue
            cur = current[name]
            bound = cur - total / coef  # where lhs - rhs is exactly 0
            whole = m.type.kind is ir.Kind.COUNT
            # the side of `bound` the value must be on: above it when the difference must
            # grow and grows with the metric
            up = (e.op in (">=", ">")) == (coef > 0)
            strict = e.op in (">", "<")
            if e.op == "==":
                new = bound
                if whole and new.denominator != 1:
                    continue
            elif up:
                new = (
                    (Fraction(math.floor(bound) + 1) if strict else Fraction(math.ceil(bound)))
                    if whole
                    else bound + (_granularity(cur, bound) if strict else 0)
                )
            else:
                new = (
                    (Fraction(math.ceil(bound) - 1) if strict else Fraction(math.floor(bound)))
                    if whole
                    else bound - (_granularity(cur, bound) if strict else 0)
                )
            if new == cur or (m.minimum is not None and new < m.minimum) or (m.maximum is not None and new > m.maximum):
                continue
            better = (new > cur) == (m.direction != "lower")
            if not better:
                continue  # "lose 3 customers" is no advice
            out.append(((abs(new - cur) / max(abs(cur), Fraction(1)), name), Change(name, cur, new)))
        return [c for _, c in sorted(out, key=lambda x: x[0])]

    def fix_compare(self, e: ir.Compare, m: ir.Metric, actual: Fraction) -> Change | None:
        from tierlang.passes.constants import const_value

        op = e.op
        if isinstance(e.right, ir.MetricRef):
            op = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}[op]
            th = const_value(e.left)
        else:
            th = const_value(e.right)
        whole = m.type.kind is ir.Kind.COUNT
        step = Fraction(1) if whole else _granularity(actual, th)
        if op == ">=":
            new = Fraction(math.ceil(th)) if whole else th
        elif op == ">":
            new = Fraction(math.floor(th) + 1) if whole else th + step
        elif op == "<=":
            new = Fraction(math.floor(th)) if whole else th
        elif op == "<":
            new = Fraction(math.ceil(th) - 1) if whole else th - step
        elif op == "==":
            new = th
        else:
            new = actual + step
        if (m.minimum is not None and new < m.minimum) or (m.maximum is not None and new > m.maximum):
            return None
        return Change(m.name, actual, new)

    # -------------------------------------------------------------- plans for scores
    def score_plans(self, tr: TrackResult, score: str, op: str | None, target: Fraction | None, every: bool) -> list[Plan]:
        """The smallest changes reaching `score op target` (and, with `every`, points on
        every line of the score), for the selected variant."""
        base = dict(self.values)
        variant = tr.variant
        t = tr.track
        self.stopped = False

        goal = _Goal(self.score_function(t.name, variant, score), every, target, op)
        s0 = self.interp.score(base, t.name, variant, score)
        self._steps.clear()  # keyed by the identity of the values and score asked about (`_step_facts`)
        fixed: list[Change] = []
        # 1. lines that must earn points, each with its least change
        if every:
            for line in s0.lines:
                if line.points > 0:
                    continue
                fix = self.fix_line(line, base, t, variant, score)
                if fix is None:
                    return []
                for c in fix:
                    base[c.metric] = c.new
                    fixed.append(c)
        if goal.ok(base):
            return [self._plan(fixed, t, variant, score, op, target)]
        # 2. close the remaining gap: fewest metrics, then least relative change
        cands = self.candidates(s0)
        found: list[tuple[tuple, list[Change]]] = []
        tried = 0
        for size in (1, 2, 3):
            for combo in combinations(cands, size):
                if tried == PLAN_BUDGET:
                    self.stopped = True
                    break
                tried += 1
                hit = self.search(combo, base, goal, s0)
                if hit is None:
                    continue
                vals, effort = hit
                changes = [c for c in fixed if c.metric not in combo]
                # decimal changes are shown with two places: round away from the current
                # value when that still meets the goal (the exact value can be 31.535714…%)
                for n in combo:
                    if self.metrics[n].type.kind is not ir.Kind.COUNT:
                        nicer = dict(vals)
                        nicer[n] = _round_away(vals[n], self.value_of(n))
                        if goal.ok(nicer):
                            vals = nicer
                changes += [Change(n, self.value_of(n), vals[n]) for n in combo]  # type: ignore[arg-type]
                found.append(((size, effort, [cands.index(n) for n in combo]), changes))
            if found or self.stopped:
                break
        found.sort(key=lambda f: f[0])
        return [self._plan(changes, t, variant, score, op, target) for _, changes in found[:3]]

    def score_function(self, track: str, variant: str | None, score: str) -> ScoreFunction:
        """The score as a function of values, for the searches (made once per explanation)."""
        key = (track, variant, score)
        if key not in self._functions:
            self._functions[key] = ScoreFunction(self.interp, track, variant, score)
        return self._functions[key]

    def _plan(self, changes: list[Change], t: ir.Track, variant, score: str, op, target) -> Plan:
        """A plan with the points each change adds, applied in order."""
        cur = dict(self.values)
        points = self.score_function(t.name, variant, score)
        prev = points(cur)[0]
        out = []
        for c in changes:
            cur[c.metric] = c.new
            now = points(cur)[0]
            out.append(Change(c.metric, c.old, c.new, now - prev))
            prev = now
        reach = f"{score} {number_text(prev)}" + (f" {'≥' if op == '>=' else '>'} {number_text(target)}" if target is not None else "")
        return Plan(out, prev, reach)

    def value_of(self, name: str) -> Fraction:
        v = self.values.get(name)
        if v is None:
            d = self.metrics[name].default
            return d if isinstance(d, Fraction) else Fraction(0)
        return v  # type: ignore[return-value]

    def candidates(self, s: ScoreResult) -> list[str]:
        """Input metrics the score's points formulas read (moving them can add points)."""
        out: list[str] = []
        for line in s.lines:
            for m in self._line_reads(line.line)[0]:
                if m not in out and self.metrics[m].type.is_numeric:
                    out.append(m)
        return out

    def steps(self, name: str, base: Mapping[str, ir.Value], s: ScoreResult) -> list[Fraction]:
        """Values to try for a metric, nearest first, in its better direction: whole steps
        for counts, and every value where a line of the score changes slope or a gate
        flips, plus powers of ten further out. Between two of them the score is linear
        in the metric, which `first_ok` uses to land on the exact least value."""
        return self._step_facts(name, base, s).values

    def _step_facts(self, name: str, base: Mapping[str, ir.Value], s: ScoreResult) -> _Steps:
        """`steps`, `full_change` and `useful` of a metric, worked out once for the search in
        progress (`score_plans` clears them): every combination with this metric asks again,
        with the same `base` and score."""
        key = (name, id(base), id(s))
        hit = self._steps.get(key)
        if hit is None:
            values = self._steps_of(name, base, s)
            cur = base.get(name, self.value_of(name))
            sign = -1 if self.metrics[name].direction == "lower" else 1
            far = [abs(x - cur) for x in self.breakpoints(name, s, base) if (x - cur) * sign > 0]  # type: ignore[operator]
            full = max([Fraction(1), *far])
            # values are nearest first: the useful ones are a prefix
            useful = next((i for i, v in enumerate(values) if abs(v - cur) > full), len(values))  # type: ignore[operator]
            hit = self._steps[key] = _Steps(values, full, useful, (base, s))
        return hit

    def _steps_of(self, name: str, base: Mapping[str, ir.Value], s: ScoreResult) -> list[Fraction]:
        m = self.metrics[name]
        cur = base.get(name, self.value_of(name))
        assert isinstance(cur, Fraction)
        sign = -1 if m.direction == "lower" else 1
        if m.type.kind is ir.Kind.COUNT and cur.denominator == 1:
            return self._whole_steps(m, cur.numerator, sign, self.breakpoints(name, s, base))
        vals = {x for x in self.breakpoints(name, s, base) if (x - cur) * sign > 0}
        vals |= {cur + sign * 10**j for j in range(10)}
        if m.type.kind is ir.Kind.COUNT:
            vals = {Fraction(math.ceil(x)) if sign > 0 else Fraction(math.floor(x)) for x in vals}
            vals |= {cur + sign * k for k in range(1, 13)}
            vals.discard(cur)
        ordered = sorted(vals, key=lambda x: abs(x - cur))
        return [v for v in ordered if (m.minimum is None or v >= m.minimum) and (m.maximum is None or v <= m.maximum)]

    @staticmethod
    def _whole_steps(m: ir.Metric, cur: int, sign: int, breakpoints: set[Fraction]) -> list[Fraction]:
        """`_steps_of` for a count at a whole value: the same steps, computed in ints (a
        search asks for thousands; Fractions made them a fifth of an explanation)."""
        vals = {cur + sign * 10**j for j in range(10)} | {cur + sign * k for k in range(1, 13)}
        for x in breakpoints:
            n, d = x.numerator, x.denominator
            if sign > 0 and n > cur * d:
                vals.add(-(-n // d))  # ceil
            elif sign < 0 and n < cur * d:
                vals.add(n // d)  # floor
        vals.discard(cur)
        lo, hi = m.minimum, m.maximum
        return [
            Fraction(v)
            for v in sorted(vals, key=lambda v: abs(v - cur))
            if (lo is None or v * lo.denominator >= lo.numerator) and (hi is None or v * hi.denominator <= hi.numerator)
        ]

    def breakpoints(self, name: str, s: ScoreResult, base: Mapping[str, ir.Value]) -> set[Fraction]:
        """Values of a metric where a line of the score changes slope or its gate flips
        (cached per metric and score: where to look; every answer is confirmed exactly)."""
        key = (name, id(s.score))
        if key not in self._bp:
            self._bp[key] = self._breakpoints(name, s, base)
        return self._bp[key]

    def _breakpoints(self, name: str, s: ScoreResult, base: Mapping[str, ir.Value]) -> set[Fraction]:
        out: set[Fraction] = set()
        run = None
        for line in s.lines:
            reads, static = self._line_reads(line.line)
            if static or name not in reads:
                out |= self.static_breakpoints(line.line, name)
            else:
                run = run or self.interp.run(base)
                out |= self._line_breakpoints(line.line, name, reads, run)
        return out

    def static_breakpoints(self, line: ir.Line, name: str) -> frozenset[Fraction]:
        """`_line_breakpoints` of a line whose points read no metric but `name` (or not
        `name`), the same for every partner: worked out once per program."""
        key = (id(line), name)
        if key not in self.shared.breakpoints:
            self.shared.breakpoints[key] = frozenset(self._line_breakpoints(line, name, self._line_reads(line)[0], None))
        return self.shared.breakpoints[key]

    def _line_reads(self, line: ir.Line) -> tuple[list[str], bool]:
        """The metrics a line's points read, and whether they read nothing else of a
        partner's (no other score, track level or group; derived metrics likewise), so that
        with one metric read its breakpoints are the same for every partner."""
        key = id(line)
        if key not in self.shared.static_lines:
            reads = ir.metrics_read(line.points, self.metrics, {})
            self.shared.static_lines[key] = (reads, len(reads) <= 1 and _reads_metrics_only(line.points, self.metrics))
        return self.shared.static_lines[key]

    def _line_breakpoints(self, line: ir.Line, name: str, reads: list[str], run) -> set[Fraction]:
        """Where one line changes slope in `name` or its gate flips; `run`: the partner's
        (None for a line whose points read no metric but `name`: they do not depend on it)."""
        from tierlang.engine.linear import build
        from tierlang.passes.constants import const_value

        out: set[Fraction] = set()
        if name in reads:
            with contextlib.suppress(EvaluationError, ZeroDivisionError):
                out.update(build(run if run is not None else self.interp.run({}), line.points, name).xs)
            out.update(_band_edges(line.points, name))
        if line.when is not None:
            for n in ir.walk(line.when):
                if isinstance(n, ir.Compare):
                    for a, b in ((n.left, n.right), (n.right, n.left)):
                        if isinstance(a, ir.MetricRef) and a.name == name and _is_const(b):
                            c = const_value(b)
                            out.update({c, c + _granularity(c, c)})
        return out

    def search(self, combo: tuple[str, ...], base: Mapping[str, ir.Value], goal: _Goal, s: ScoreResult) -> tuple[dict, Fraction] | None:
        """The least relative change of the metrics in `combo` (each changes) meeting the goal."""
        options = {name: self.steps(name, base, s) for name in combo}
        if any(not o for o in options.values()):
            return None
        # Points never fall as a metric moves in its better direction (as `first_ok` relies
        # on): when every metric at its farthest step misses the goal, nothing nearer meets
        # it. One evaluation instead of one per pick (most combinations fail).
        farthest = dict(base)
        farthest.update({name: options[name][-1] for name in combo})
        if not goal.ok(farthest):
            return None
        full = {name: self.full_change(name, base, s) for name in combo}
        *fixed, last = combo
        grids = [_spread(options[n][: len(self.useful(n, base, s)) or 6], 6) for n in fixed]
        inner = grids.pop() if grids else [None]
        best: tuple[Fraction, int, dict] | None = None  # (effort, rank in the grid's order, values)
        for o, outer in enumerate(_product(grids)):
            # The innermost fixed metric from its farthest pick inward: when the last metric
            # cannot meet the goal even at its farthest step, it cannot for any nearer pick
            # either (points never fall as a metric grows), so the rest of the row is skipped.
            for i in reversed(range(len(inner))):
                picks = (*outer, inner[i]) if fixed else ()
                trial = dict(base)
                for n, v in zip(fixed, picks):
                    trial[n] = v
                vals = self.first_ok(last, options[last], trial, goal)
                if vals is None:
                    break
                effort = sum(abs(vals[n] - base.get(n, self.value_of(n))) / full[n] for n in combo)  # type: ignore[operator]
                rank = o * len(inner) + i  # ties go to the nearest picks, as in the grid's order
                if best is None or (effort, rank) < best[:2]:
                    best = (effort, rank, vals)
        return (best[2], best[0]) if best else None

    def first_ok(self, name: str, options: list[Fraction], base: Mapping[str, ir.Value], goal: _Goal) -> dict | None:
        """The least value of `name` (among and between `options`) meeting the goal.

        Points never fall as a metric moves in its better direction, so: give up at once
        when even the farthest option fails, else binary-search the first option that
        meets the goal, then refine between it and the one before."""
        if not options:
            return None
        cur = base.get(name, self.value_of(name))
        assert isinstance(cur, Fraction)
        whole = self.metrics[name].type.kind is ir.Kind.COUNT

        seen: dict[int, tuple[Fraction, bool]] = {}  # by option index, for `least` to reuse

        def ok_at(i: int) -> bool:
            trial = dict(base)
            trial[name] = options[i]
            seen[i] = goal.value(trial)
            return goal.met(seen[i])

        if not ok_at(len(options) - 1):
            return None
        lo, hi = -1, len(options) - 1  # options[hi] meets the goal; options[lo] (or cur) does not
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if ok_at(mid):
                hi = mid
            else:
                lo = mid
        prev = options[lo] if lo >= 0 else cur
        trial = dict(base)
        known = (seen[lo][0] if lo in seen else None, seen[hi][0])
        trial[name] = self.least(name, prev, options[hi], {**base, name: options[hi]}, goal, whole, known)
        return trial

    def least(
        self,
        name: str,
        lo: Fraction,
        hi: Fraction,
        base: dict,
        goal: _Goal,
        whole: bool,
        known: tuple[Fraction | None, Fraction | None] = (None, None),
    ) -> Fraction:
        """The least x in (lo, hi] meeting the goal, given that hi meets it and the score
        is linear between lo and hi: interpolate, then confirm (and step up if needed).
        `known`: the points at lo and hi where the caller has them already."""

        def ok(x: Fraction) -> bool:
            trial = dict(base)
            trial[name] = x
            return goal.ok(trial)

        if goal.target is not None:
            a, b = base.copy(), base.copy()
            a[name], b[name] = lo, hi
            ya = known[0] if known[0] is not None else goal.points(a)
            yb = known[1] if known[1] is not None else goal.points(b)
            if yb != ya:
                x = lo + (hi - lo) * (goal.target - ya) / (yb - ya)
                if goal.op == ">" and not whole:
                    x += _granularity(x, hi) if (hi > lo) else -_granularity(x, hi)
                if whole:
                    x = Fraction(math.ceil(x)) if hi > lo else Fraction(math.floor(x))
                if min(lo, hi) < x <= max(lo, hi) and ok(x):
                    return x
        # not linear after all (an `every` line, a gate): bisect
        if whole:
            a, b = int(lo), int(hi)
            while abs(b - a) > 1:
                mid = (a + b) // 2
                if ok(Fraction(mid)):
                    b = mid
                else:
                    a = mid
            return Fraction(b)
        a, b = lo, hi
        step = _granularity(lo, hi)
        while abs(b - a) > step:
            mid = Fraction(math.floor((a + b) / 2 / step)) * step
            if mid in (a, b):
                break
            if ok(mid):
                b = mid
            else:
                a = mid
        return b

    def useful(self, name: str, base: Mapping[str, ir.Value], s: ScoreResult) -> list[Fraction]:
        """Steps up to the metric's farthest breakpoint (beyond it nothing more is earned)."""
        facts = self._step_facts(name, base, s)
        return facts.values[: facts.useful]

    def full_change(self, name: str, base: Mapping[str, ir.Value], s: ScoreResult) -> Fraction:
        """How far the metric must move for its lines to stop adding points (its farthest
        breakpoint); relative changes are measured against it."""
        return self._step_facts(name, base, s).full

    def fix_line(self, line: LineResult, base: dict, t: ir.Track, variant: str | None, score: str) -> list[Change] | None:
        """The least changes that make one line earn points: open its gate, then raise one
        of its metrics."""
        changes: list[Change] = []
        vals = dict(base)

        fn = self.score_function(t.name, variant, score)

        def line_points(v: Mapping[str, ir.Value]) -> Fraction:
            return fn.line_points(v, line.line)

        if line.gate is False and line.line.when is not None:
            gate_changes = self.open_condition(line.gate_trace, vals, t)  # type: ignore[arg-type]
            if gate_changes is None:
                return None
            for c in gate_changes:
                vals[c.metric] = c.new
                changes.append(c)
        if line_points(vals) > 0:
            return changes
        s = self.interp.score(vals, t.name, variant, score)
        for name in self._line_reads(line.line)[0]:
            for v in self.steps(name, vals, s):
                trial = dict(vals)
                trial[name] = v
                if line_points(trial) > 0:
                    if self.metrics[name].type.kind is not ir.Kind.COUNT:
                        # least decimal value that earns anything: just above the breakpoint
                        prev = vals.get(name, self.value_of(name))
                        v = self.least_positive(name, prev, v, vals, line_points)  # type: ignore[arg-type]
                    return changes + [Change(name, self.value_of(name), v)]
        return None

    def least_positive(self, name: str, lo: Fraction, hi: Fraction, vals: dict, line_points) -> Fraction:
        step = _granularity(lo, hi)
        a, b = lo, hi
        while b - a > step:
            mid = Fraction(math.floor((a + b) / 2 / step)) * step
            if mid in (a, b):
                break
            trial = dict(vals)
            trial[name] = mid
            if line_points(trial) > 0:
                b = mid
            else:
                a = mid
        return b

    def open_condition(self, trace: Trace, vals: dict, t: ir.Track, _opened: set[str] | None = None) -> list[Change] | None:
        """Changes that make a failing condition hold (comparisons with constants, under
        and / gates); None when it is not that simple. A gate read twice is opened once."""
        opened = set() if _opened is None else _opened
        if trace.value:
            return []
        if trace.kind == "GateRef":
            if trace.note in opened:
                return []
            opened.add(trace.note)  # type: ignore[arg-type]
        if trace.kind == "Compare":
            changes = self.compare_changes(trace.expr, trace)  # type: ignore[arg-type]
            return changes[:1] or None
        if trace.kind in ("MetricRef", "Not"):
            flip = self.flip(trace.expr)  # type: ignore[arg-type]
            return [flip] if flip is not None else None
        if trace.kind in ("And", "GateRef"):
            out: list[Change] = []
            for k in trace.children:
                sub = self.open_condition(k, vals, t, opened)
                if sub is None:
                    return None
                out += sub
            return out
        if trace.kind == "Or":
            for k in trace.children:
                trial = set(opened)  # a branch not taken opens nothing
                sub = self.open_condition(k, vals, t, trial)
                if sub is not None:
                    opened |= trial
                    return sub
        return None

    def flip(self, e: ir.Expr) -> Change | None:
        """A yes/no metric (or `not` one) that fails: the value it needs."""
        want = True
        while isinstance(e, ir.Not):
            want, e = not want, e.operand
        if not isinstance(e, ir.MetricRef):
            return None
        m = self.metrics[e.name]
        cur = self.values.get(e.name)
        if m.type.kind is not ir.Kind.BOOL or m.derived is not None or not isinstance(cur, bool) or cur == want:
            return None
        return Change(e.name, cur, want)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Steps:
    """A metric's steps for one search and what the search asks of them."""

    values: list[Fraction]  # nearest first (`_Explainer.steps`)
    full: Fraction  # `_Explainer.full_change`
    useful: int  # how many of `values` lie within `full` of the current value
    pinned: tuple  # the values and score whose ids key this entry: alive as long as it is, no id reused


@dataclass
class _Goal:
    """What a plan must reach: `score op target` (no target: any points), and with `every`,
    points on every line; `value` gives a score's points and whether every line earns some
    (`tierlang.engine.whatif.ScoreFunction`)."""

    value: Callable[[Mapping[str, ir.Value]], tuple[Fraction, bool]]
    every: bool
    target: Fraction | None
    op: str | None

    def met(self, value: tuple[Fraction, bool]) -> bool:
        points, earning = value
        if self.every and not earning:
            return False
        if self.target is None:
            return True
        return points >= self.target if self.op == ">=" else points > self.target

    def ok(self, vals: Mapping[str, ir.Value]) -> bool:
        return self.met(self.value(vals))

    def points(self, vals: Mapping[str, ir.Value]) -> Fraction:
        return self.value(vals)[0]


def _reads_metrics_only(expr: ir.Expr, metrics: Mapping[str, ir.Metric]) -> bool:
    """Whether `expr` reads nothing of a partner's but metrics (through derived ones): no
    score, track level, group or gate."""
    for n in ir.walk(expr):
        if isinstance(n, (*ir.TRACK_READS, ir.GateRef)):
            return False
        if isinstance(n, ir.MetricRef):
            derived = metrics[n.name].derived
            if derived is not None and not _reads_metrics_only(derived, metrics):
                return False
    return True


def _band_edges(expr: ir.Expr, name: str) -> set[Fraction]:
    """Where the tables a formula reads by metric `name` move to another band: each band's
    start, and just past an end that is included."""
    out: set[Fraction] = set()
    for node in ir.walk(expr, tables=False):
        if not isinstance(node, ir.Lookup):
            continue
        for key, bands in zip(node.keys, (node.table.rows, node.table.columns)):
            if key != ir.MetricRef(name):
                continue
            for b in bands:
                if b.low is not None:
                    out.add(b.low)
                if b.high is not None:
                    out.add(b.high + _granularity(b.high, b.high) if b.high_included else b.high)
    return out


def _news(together: Plan | None, shown: list[Missing]) -> Plan | None:
    """`together`, unless it is only the smallest changes shown for each requirement."""
    listed = {(c.metric, c.new) for m in shown if m.plans for c in m.plans[0].changes}
    return None if together is None or {(c.metric, c.new) for c in together.changes} == listed else together


def _merged(changes: list[Change]) -> list[Change]:
    """One change per metric (the farthest asked for), in order of first appearance."""
    out: dict[str, Change] = {}
    for c in changes:
        prev = out.get(c.metric)
        if prev is None or abs(c.new - c.old) > abs(prev.new - prev.old):
            out[c.metric] = c
    return list(out.values())


def _linear(e: ir.Expr, metrics: Mapping[str, ir.Metric]) -> tuple[dict[str, Fraction], Fraction] | None:
    """`e` as Σ coef × metric + constant over input metrics (derived ones expanded), or None
    when it is not such a sum (a score, a `min`, a product of metrics, a date)."""
    from tierlang.passes.constants import is_constant

    if isinstance(e, ir.Const):
        return ({}, e.value) if isinstance(e.value, Fraction) else None
    if isinstance(e, ir.MetricRef):
        m = metrics[e.name]
        if m.derived is not None:
            return _linear(m.derived, metrics)
        return ({e.name: Fraction(1)}, Fraction(0)) if m.type.is_numeric else None
    if isinstance(e, ir.Neg):
        inner = _linear(e.operand, metrics)
        return None if inner is None else ({n: -c for n, c in inner[0].items()}, -inner[1])
    if isinstance(e, ir.Arith):
        a, b = _linear(e.left, metrics), _linear(e.right, metrics)
        if a is None or b is None:
            return None
        if e.op in ("+", "-"):
            sign = 1 if e.op == "+" else -1
            coefs = dict(a[0])
            for n, c in b[0].items():
                coefs[n] = coefs.get(n, Fraction(0)) + sign * c
            return coefs, a[1] + sign * b[1]
        if e.op == "*":
            if is_constant(e.left):
                a, b = b, a
            if b[0]:  # a product of two metrics: not linear
                return None
            return {n: c * b[1] for n, c in a[0].items()}, a[1] * b[1]
        if b[0] or b[1] == 0:
            return None
        return {n: c / b[1] for n, c in a[0].items()}, a[1] / b[1]
    return None


def _granularity(a: Fraction, b: Fraction) -> Fraction:
    """The finest decimal step of two values (at least 1/100): for "more than" changes."""
    k = 2
    for x in (a, b):
        d = x.denominator
        while d > 1 and k < 18 and (x * 10**k).denominator != 1:
            k += 1
    return Fraction(1, 10**k)


def _spread(values: list[Fraction], n: int) -> list[Fraction]:
    """At most n values, evenly picked, always keeping the first and the last."""
    if len(values) <= n:
        return values
    idx = sorted({round(i * (len(values) - 1) / (n - 1)) for i in range(n)})
    return [values[i] for i in idx]


def _product(grids: list[list[Fraction]]):
    if not grids:
        yield ()
        return
    first, *rest = grids
    for v in first:
        for tail in _product(rest):
            yield (v, *tail)


def _line_label(t: ir.Track, k: Trace) -> str:
    line = k.expr
    return f"{line.title or line.name}" if isinstance(line, ir.Line) else str(k.note)


def score_lines_all(tr: TrackResult, program: ir.Program) -> list[str]:
    out: list[str] = []
    for s in tr.selected.scores.values():
        out += score_lines(s, program, "  ")
    return out


# ------------------------------------------------------------------ entry points


@deep_recursion()  # the line facts are found by recursing over the formulas
def prepare(program: ir.Program, tracks: Iterable[str] | None = None) -> None:
    """Work out once what every explanation of `program` shares: each score line's metrics,
    cap and target (`Interpreter.line_info`, found by analysing the formula), the breakpoints
    of the lines that do not depend on a partner, and the modules the searches use. `tier explain` calls it with the program, as part of loading, so that
    the first explanation costs what every later one does (the line facts were a quarter of
    a records program's first explanation)."""
    import tierlang.engine.linear  # noqa: F401  (the searches' breakpoints and line targets)

    ex = _Explainer(program, {})
    names = None if tracks is None else set(tracks)
    for t in program.tracks:
        if names is None or t.name in names:
            for v in t.variants:
                for s in v.scores:
                    # the metrics a search may move: every one the score's lines read
                    moved = {m for line in s.lines for m in ex._line_reads(line)[0] if program.metric_map[m].type.is_numeric}
                    for line in s.lines:
                        ex.interp.line_info(line)
                        reads, static = ex._line_reads(line)
                        for name in moved:
                            if static or name not in reads:
                                ex.static_breakpoints(line, name)


@deep_recursion()  # evaluation and explanation recurse over expressions, through references
def explain_partner(
    program: ir.Program,
    values: Mapping[str, ir.Value],
    tracks: Iterable[str] | None = None,
    partner_id: str | None = None,
) -> list[Explanation]:
    """Explain one partner's standing on the given tracks (default: all, program order)."""
    ex = _Explainer(program, values)
    names = [t.name for t in program.tracks] if tracks is None else list(tracks)
    result = ex.interp.evaluate(values, partner_id, names)
    return [ex.explain(result, n) for n in names]


@deep_recursion()
def render_text(explanations: list[Explanation], program: ir.Program, partner_id: str | None = None) -> str:
    """Prose for a business reader."""
    metrics = program.metric_map
    out: list[str] = []
    if partner_id is not None:
        out.append(f"Partner {partner_id} — {program.title or program.name} {program.version or ''}".rstrip())
        out.append("")
    for x in explanations:
        r = x.result
        t = x.track
        level = t.variants[0].levels[r.level_index] if r.level_index >= 0 else None
        score = f" with {number_text(r.score)} points" if r.score is not None else ""
        out.append(f"{t.label}: {('holds ' + (level.label)) if level else 'holds no level'}{score}")
        if r.undecided is not None:
            may = t.variants[0].levels[r.possible_index]
            out.append(f"  {may.label}: cannot be decided from data (the partner may hold it)")
        if x.variant_note:
            out.append(f"  {x.variant_note}")
        if x.held:
            out.append("  Why:")
            out += ["  " + h for h in x.held]
        if x.next_level is None:
            out.append("  This is the highest level.")
        else:
            out.append(f"  For {x.next_level.label}:")
            out += _missing_lines(x.missing, metrics)
            out += _together_lines(x.together, metrics)
        for g in x.higher:
            if g.below is None:
                out.append(f"  For {g.level.label} (independent of the levels below):")
            elif g.missing:
                out.append(f"  For {g.level.label}, also everything {g.below.label} needs, and:")
            else:
                out.append(f"  For {g.level.label}: everything {g.below.label} needs; its own requirements hold.")
            out += _missing_lines(g.missing, metrics)
            out += _together_lines(g.together, metrics)
        if x.scores:
            out.append("  Score:")
            out += ["  " + s for s in x.scores]
        if r.outputs:
            out.append("  Amounts:")
            for o in t.outputs:
                cells = table_cells(o.expr, x.values, program, r)
                detail = f" ({'; '.join(cells)})" if cells else ""
                out.append(f"    {o.label}: {value_text_of(r.outputs[o.name], o.type)}{detail}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _missing_lines(missing: list[Missing], metrics: Mapping[str, ir.Metric]) -> list[str]:
    out = []
    for m in missing:
        label = f" ({m.requirement.label})" if m.requirement.label else ""
        out.append(f"    {'?' if m.undecided else '✗'} {m.text}{label}")
        out += [f"      {w}" for w in m.why]
        for k, p in enumerate(m.plans):
            lead = "Smallest change" if k == 0 else "Or"
            out.append(f"      {lead}: {_plan_text(p, metrics)}")
    return out


def _together_lines(p: Plan | None, metrics: Mapping[str, ir.Metric]) -> list[str]:
    # shown when it differs from the requirements' smallest changes listed above it: one
    # requirement's change raised another's bar, or a level below needs changes too
    return [f"    All together: {_plan_text(p, metrics)}"] if p is not None else []


def _plan_text(p: Plan, metrics: Mapping[str, ir.Metric]) -> str:
    parts = []
    for c in p.changes:
        m = metrics[c.metric]
        if isinstance(c.new, bool):
            parts.append(f"{m.title or m.name}: {value_text(m, c.new)}")
            continue
        sign = "+" if c.delta > 0 else "-"
        amount = abs(c.delta)
        pts = f" (+{number_text(c.points)} points)" if c.points else ""
        if m.type.kind is ir.Kind.PERCENT:  # a change of a percentage is in percentage points
            label = m.title or m.name
            parts.append(f"{label} {sign}{number_text(amount)} percentage {plural(amount, 'point')}, to {value_text(m, c.new)}{pts}")
        else:
            parts.append(f"{sign}{quantity(m, amount)}{pts}")
    return f"{' and '.join(parts)} → {p.reaches}"
