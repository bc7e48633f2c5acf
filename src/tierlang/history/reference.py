"""The reference history: one partner at a time, month after month, in plain Python.

This is the definition of what a history means; the polars implementation
(`tierlang.history.frame`) is tested against it on random programs and histories. It is
written to be obviously right, not fast: each month, each track in program order is evaluated
by the exact interpreter with the levels the tracks before it *hold* (so `partner_status`
sees a designation kept by its window), then the track's status rules turn the level it
earned into the level it holds, stage by stage, in the order of `ir.HOLD_KINDS`:

1. lag N (promotion after N months): the lowest level earned in this month and the N before;
2. window W: the highest level from (1) in this month and the W - 1 before;
3. anniversary: the highest level from (2) since the last renewal (an anniversary falling
   after the previous evaluation and on or before this one starts a new year);
4. grace G: within G of an anniversary, at least the level (3) held just before it;
5. until D: the highest level from (4) since the rule started, through D (no demotion);
6. grandfather (held on S until D): after S and through D, at least the level (5) held at the
   last evaluation on or before S.

A stage applies only to evaluations on or after its rule's `from` date (the lag and window
look back at any month; the anniversary and no-demotion rules count from their start).
Months before the history's first are unknown and count as nothing.

The anniversary of a month is the partner's `anniversary` on that month's row, else the
latest one given before it, else the first one given after it. A partner with none at all
is taken to have enrolled in a track the first month it holds it (after stage 2), and has
that month's first day as the track's anniversary. Only the month and day of an anniversary
matter (29 February falls on 28 February in other years).

`held_by`: empty when no level is held; `qualified` when the level held is not above the
level the month's rules give; else the name of the last rule that raised it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from tierlang import dates, ir
from tierlang.engine.interpreter import Interpreter, TrackResult
from tierlang.passes.holds import QUALIFIED

__all__ = ["PartnerHistory", "reference_partner", "anniversary_on", "renews", "filled_anniversaries"]


@dataclass
class PartnerHistory:
    """One partner's history: per track, per month: level (None: none), score, held_by."""

    partner_id: str
    months: list[_dt.date]
    levels: dict[str, list[str | None]]
    scores: dict[str, list[Fraction | None]]
    held_by: dict[str, list[str]]
    earned: dict[str, list[str | None]]  # the level each month's rules give
    results: dict[str, list[TrackResult | None]] | None = None  # with keep_results: the interpreter's


def anniversary_on(anniversary: _dt.date, year: int) -> _dt.date:
    """The anniversary's date in `year` (29 February falls on 28 February in other years)."""
    try:
        return anniversary.replace(year=year)
    except ValueError:
        return _dt.date(year, 2, 28)


def renews(anniversary: _dt.date | None, previous: _dt.date, current: _dt.date) -> bool:
    """Whether an anniversary falls after `previous` and on or before `current`."""
    if anniversary is None:
        return False
    return any(previous < anniversary_on(anniversary, y) <= current for y in range(previous.year, current.year + 1))


def _last_anniversary(anniversary: _dt.date | None, day: _dt.date) -> _dt.date | None:
    if anniversary is None:
        return None
    this = anniversary_on(anniversary, day.year)
    return this if this <= day else anniversary_on(anniversary, day.year - 1)


def filled_anniversaries(values: Sequence[_dt.date | None]) -> list[_dt.date | None]:
    """Each month's anniversary: the latest given up to it, else the first given after."""
    out: list[_dt.date | None] = []
    last = None
    for v in values:
        last = v if v is not None else last
        out.append(last)
    first = next((v for v in values if v is not None), None)
    return [v if v is not None else first for v in out]


def reference_partner(
    program_at: Callable[[_dt.date], ir.Program],
    partner_id: str,
    months: Sequence[_dt.date],
    rows: Mapping[_dt.date, Mapping[str, ir.Value]],
    anniversaries: Mapping[_dt.date, _dt.date | None] | None = None,
    keep_results: bool = False,
) -> PartnerHistory:
    """The history of one partner over `months` (consecutive first days of months): `rows`
    maps a month to the partner's values that month (a month without a row earns nothing);
    `anniversaries` the anniversary given on each month's row. `keep_results` keeps each
    month's `TrackResult` (with its traces, for explanations)."""
    months = list(months)
    base = program_at(months[0])
    tracks = [t.name for t in base.tracks]
    ann = filled_anniversaries([(anniversaries or {}).get(m) for m in months])
    n = len(months)
    # per track, per stage, per month: level indices (-1 none); stage 0 is what was earned
    x: dict[str, list[list[int]]] = {t: [[] for _ in range(7)] for t in tracks}
    holder: dict[str, list[str]] = {t: [] for t in tracks}
    scores: dict[str, list[Fraction | None]] = {t: [] for t in tracks}
    results: dict[str, list[TrackResult | None]] = {t: [] for t in tracks}
    enrolled: dict[str, int] = {}  # track -> the first month it was held after stage 2
    interps: dict[int, Interpreter] = {}
    for i, month in enumerate(months):
        program = program_at(month)
        interp = interps.setdefault(id(program), Interpreter(program))
        values = rows.get(month)
        finals: dict[str, int] = {}
        for t in tracks:
            if values is None:
                earned, score, r = -1, None, None
            else:
                r = interp.evaluate(values, partner_id, tracks=[t], as_of=month, levels=finals)[t]
                # a track scores only when every variant does (as `tier eval` writes it)
                earned, score = r.level_index, r.score if r.track.has_score else None
            if keep_results:
                results[t].append(r)
            scores[t].append(score)
            xs = x[t]
            xs[0].append(earned)
            rules = {h.kind: h for h in program.holds_of(t)}
            raised_by = ""
            for stage, kind in enumerate(ir.HOLD_KINDS, start=1):
                h = rules.get(kind)
                before = xs[stage - 1][i]
                now = before if h is None else _stage(h, xs, stage, i, months, ann, enrolled.get(t))
                xs[stage].append(now)
                if now > before:
                    raised_by = h.name  # type: ignore[union-attr]
            final = xs[6][i]
            finals[t] = final
            holder[t].append("" if final < 0 else QUALIFIED if final <= earned else raised_by)
            if xs[2][i] >= 0:
                enrolled.setdefault(t, i)
    levels = {t: [_name(base, t, v) for v in x[t][6]] for t in tracks}
    earned_names = {t: [_name(base, t, v) for v in x[t][0]] for t in tracks}
    assert all(len(v) == n for v in levels.values())
    return PartnerHistory(partner_id, months, levels, scores, holder, earned_names, results if keep_results else None)


def _name(program: ir.Program, track: str, index: int) -> str | None:
    return None if index < 0 else program.track_map[track].level_names[index]


def _active(h: ir.Hold, month: _dt.date) -> bool:
    return h.since is None or month >= h.since


def _anniversary(i: int, months, ann, enrolled: int | None) -> _dt.date | None:
    if ann[i] is not None:
        return ann[i]
    return months[enrolled] if enrolled is not None and enrolled <= i else None


def _stage(h: ir.Hold, xs: list[list[int]], stage: int, i: int, months, ann, enrolled: int | None) -> int:
    prev = xs[stage - 1]  # the previous stage, up to and including month i
    own = xs[stage]  # this stage, up to month i - 1
    month = months[i]
    if not _active(h, month):
        return prev[i]
    if h.kind == "lag":
        n = h.length.months  # type: ignore[union-attr]
        return min(prev[max(0, i - n) : i + 1])
    if h.kind == "window":
        n = h.length.months  # type: ignore[union-attr]
        return max(prev[max(0, i - n + 1) : i + 1])
    if h.kind == "anniversary":
        carries = i > 0 and _active(h, months[i - 1]) and not renews(_anniversary(i, months, ann, enrolled), months[i - 1], month)
        return max(prev[i], own[i - 1]) if carries else prev[i]
    if h.kind == "grace":
        last = _last_anniversary(_anniversary(i, months, ann, enrolled), month)
        if last is None or last <= months[0] or month >= dates.shift(last, h.length):  # type: ignore[arg-type]
            return prev[i]
        before = max(j for j in range(i) if months[j] < last)
        return max(prev[i], prev[before])
    if h.kind == "until":
        within = month <= h.until  # type: ignore[operator]
        carries = within and i > 0 and _active(h, months[i - 1])
        return max(prev[i], own[i - 1]) if carries else prev[i]
    if h.kind == "grandfather":
        if not (h.held_on < month <= h.until):  # type: ignore[operator]
            return prev[i]
        at = [j for j in range(i) if months[j] <= h.held_on]  # type: ignore[operator]
        return max(prev[i], prev[at[-1]]) if at else prev[i]
    raise AssertionError(h.kind)
