"""`tier explain --partner X --history`: when and why a partner's status changed.

One partner's history comes from the reference (`history.reference`, which keeps each month's
interpreter result), and each track's months are told as runs of the same level held the same
way: "2023-03 … 2023-08 Solutions Partner: qualified", "2023-09 … 2024-01 held by the
qualification window (last qualified 2023-08)", "2024-02 lost: capability 64 < 70". A month
that earns no level says which requirements failed, with the values they saw.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from tierlang import dates, ir
from tierlang.engine.interpreter import TrackResult
from tierlang.history.reference import filled_anniversaries, reference_partner
from tierlang.numbers import exact_text
from tierlang.passes.holds import QUALIFIED
from tierlang.render.english import English, amount

__all__ = ["Run", "TrackStory", "explain_history", "render_history_text"]


@dataclass
class Run:
    """Consecutive months with the same level held the same way."""

    first: _dt.date
    last: _dt.date
    level: str | None
    held_by: str | None  # qualified, a rule's name, or None (no level)
    text: str  # what happened, in words
    reasons: list[str] = field(default_factory=list)  # failing requirements (a month without a level)

    def to_data(self) -> dict:
        return {
            "from": dates.month_text(self.first),
            "to": dates.month_text(self.last),
            "level": self.level,
            "held_by": self.held_by,
            "text": self.text,
            "reasons": self.reasons,
        }


@dataclass
class TrackStory:
    track: str
    title: str
    runs: list[Run]
    months: list[tuple[_dt.date, str | None, str | None, Fraction | None, str | None]]  # month, level, held_by, score, earned

    def to_data(self) -> dict:
        return {
            "track": self.track,
            "title": self.title,
            "runs": [r.to_data() for r in self.runs],
            "months": [
                {
                    "month": m.isoformat(),
                    "level": lvl,
                    "held_by": by,
                    "score": None if s is None else exact_text(s),
                    "earned": e,
                }
                for m, lvl, by, s, e in self.months
            ],
        }


def explain_history(
    program_at: Callable[[_dt.date], ir.Program],
    partner_id: str,
    months: Sequence[_dt.date],
    rows: Mapping[_dt.date, Mapping[str, ir.Value]],
    anniversaries: Mapping[_dt.date, _dt.date | None] | None = None,
    tracks: Sequence[str] | None = None,
    start: _dt.date | None = None,
) -> list[TrackStory]:
    """The story of each track (all, or `tracks`) over the months from `start` (the whole
    history is evaluated: status rules look back)."""
    months = list(months)
    ph = reference_partner(program_at, partner_id, months, rows, anniversaries, keep_results=True)
    assert ph.results is not None
    program = program_at(months[-1])
    english = English(program)
    ann = filled_anniversaries([(anniversaries or {}).get(m) for m in months])
    first = 0 if start is None else next(i for i, m in enumerate(months) if m >= start)
    out = []
    for name in tracks or [t.name for t in program.tracks]:
        track = program.track_map[name]
        rules = {h.name: h for h in program.holds_of(name)}
        rows_of = list(zip(months, ph.levels[name], ph.held_by[name], ph.scores[name], ph.earned[name], ph.results[name], ann, strict=True))
        runs: list[Run] = []
        for i in range(first, len(months)):
            month, level, by, _, _, result, anniversary = rows_of[i]
            by = by or None
            if runs and runs[-1].level == level and runs[-1].held_by == by:
                runs[-1].last = month
                continue
            before = runs[-1] if runs else None
            text, reasons = _describe(
                english, track, rules, rows_of, i, level, by, result, anniversary, before.level if before else _prior(rows_of, i)
            )
            runs.append(Run(month, month, level, by, text, reasons))
        story = [(m, lvl, by or None, s, e) for m, lvl, by, s, e, _, _ in rows_of[first:]]
        out.append(TrackStory(name, english.track_label(name), runs, story))
    return out


def _prior(rows_of, i: int) -> str | None:
    return rows_of[i - 1][1] if i > 0 else None


def _level_text(english: English, track: ir.Track, level: str) -> str:
    """A level as a run names it: a one-level track's level is just "held"."""
    return "held" if len(track.level_names) == 1 else english.level_label(track.name, level)


def _describe(english: English, track: ir.Track, rules, rows_of, i, level, by, result: TrackResult | None, anniversary, before):
    label = _level_text(english, track, level) if level else None
    if by == QUALIFIED:
        return f"{label}: qualified", []
    if by is not None:
        rule = rules[by]
        last = next((rows_of[j][0] for j in range(i, -1, -1) if rows_of[j][4] is not None and _at_least(track, rows_of[j][4], level)), None)
        since = f"; last qualified {dates.month_text(last)}" if last is not None else ""
        how = _kept(rule, anniversary, since) + f" ({rule.name})"
        return f"{label}: {how}", []
    if result is None:
        return ("lost: no data for the month" if before else "no level: no data for the month"), []
    lost = ("lost" if len(track.level_names) == 1 else f"lost {english.level_label(track.name, before)}") if before else "no level"
    return f"{lost}: not qualified", _failing(english, track, result, before)


def _kept(rule: ir.Hold, anniversary: _dt.date | None, since: str) -> str:
    if rule.kind == "window":
        return f"kept by the {rule.length.months}-month window{since}"  # type: ignore[union-attr]
    if rule.kind == "anniversary":
        return f"kept until the anniversary{_on(anniversary)}{since}"
    if rule.kind == "grace":
        return f"kept in the {rule.length} after the anniversary{_on(anniversary)}"
    if rule.kind == "until":
        return f"kept: no demotion through {rule.until}"
    if rule.kind == "grandfather":
        return f"kept: the level held on {rule.held_on} stays through {rule.until}"
    return "kept"


def _at_least(track: ir.Track, earned: str, level: str | None) -> bool:
    return level is not None and track.level_index(earned) >= track.level_index(level)


def _on(anniversary: _dt.date | None) -> str:
    return f" ({anniversary.strftime('%d %B').lstrip('0')})" if anniversary is not None else ""


def _failing(english: English, track: ir.Track, result: TrackResult, level: str | None) -> list[str]:
    """The requirements that keep the month from `level` (or the track's first level)."""
    vr = result.selected
    target = track.level_index(level) if level is not None else 0
    inside = english.within(track.name, vr.name)
    # the level itself, and those below it while levels are cumulative
    needed = [target]
    while needed[-1] > 0 and vr.variant.levels[needed[-1]].cumulative:
        needed.append(needed[-1] - 1)
    out = []
    for lr in (vr.levels[i] for i in reversed(needed)):
        for rr in lr.requirements:
            if rr.passed:
                continue
            text = inside.condition(rr.requirement.expr).flat()
            if rr.requirement.label:
                text = f"{rr.requirement.label}: {text}"
            trace = rr.trace
            if trace.kind == "Every":
                zero = [k.note for k in trace.children if not k.value]
                text += f" (not met by: {', '.join(z for z in zero if z)})"
            elif trace.actual is not None:
                text += f" (has {_amount(inside, trace)})"
            elif trace.value is False and _is_yes_no(rr.requirement.expr):
                # the condition reads as what is needed ("…: yes"): say what the partner has
                text += " (has yes)" if isinstance(rr.requirement.expr, ir.Not) else " (has no)"
            out.append(text)
    return out


def _is_yes_no(expr: ir.Expr) -> bool:
    """A yes/no metric used as a condition, or its negation."""
    return isinstance(expr.operand if isinstance(expr, ir.Not) else expr, ir.MetricRef)


def _amount(english: English, trace) -> str:
    """A comparison's actual value with its unit ("150,000 USD", "3 people")."""
    actual = trace.actual
    if not isinstance(actual, Fraction):
        return str(actual)
    e = trace.expr
    side = e.right if (trace.actual is trace.right and isinstance(e, ir.Compare)) else e.left if isinstance(e, ir.Compare) else None
    unit = english._unit_of(side) if side is not None else None
    return amount(actual, english.type_of(side), unit) if side is not None else exact_text(actual)


def render_history_text(stories: list[TrackStory], program: ir.Program, partner_id: str, months: Sequence[_dt.date]) -> str:
    out = [
        f"Partner {partner_id} — {program.title or program.name} {program.version or ''}".rstrip()
        + f", {dates.month_text(months[0])} … {dates.month_text(months[-1])}",
        "",
    ]
    for s in stories:
        out.append(f"{s.title}:")
        for r in s.runs:
            span = dates.month_text(r.first) if r.first == r.last else f"{dates.month_text(r.first)} … {dates.month_text(r.last)}"
            out.append(f"  {span.ljust(17)}  {r.text}")
            out += [f"  {'':17}    ✗ {reason}" for reason in r.reasons]
        out.append("")
    return "\n".join(out)
