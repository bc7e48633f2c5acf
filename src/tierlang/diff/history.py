"""Impact over time: a transition between two programs played out month by month.

Both programs are evaluated over the same history (`tierlang.history`, each with its own
status rules), and each partner moves from the old program to the new one under a transition
rule:

- `anniversary` (the default): at its first anniversary on or after NEW's effective date —
  the first month whose first day is on or after it. A partner without an anniversary moves
  on the effective date. (MPN 2010: partners kept their benefits until re-enrollment.)
- a date: everyone on that date.
- with `grandfather=DATE`: a partner who has moved keeps at least the rank of its old status
  through DATE (old Gold Certified logos valid until 2011-10-31).

A partner's *status* in a month is the old program's level before it moves, the new
program's after (ranked through the mapping, as in `diff.impact`). The old program's own
history is the counterfactual: a partner *loses* in a month when its status ranks below what
the old program alone would give it then; the outreach list orders partners by the first such
month and says what each needs, in the new program, to keep its rank (the requirements that
fail that month).
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field

import polars as pl

from tierlang import dates, ir
from tierlang.data import MONTH, PID
from tierlang.diff.impact import RankClass, _is_status, _lookup, _Plan, next_anniversary
from tierlang.diff.mapping import Mapping
from tierlang.history import evaluate_history
from tierlang.history import frame as F
from tierlang.history.engine import History, partner_inputs
from tierlang.render.english import English

__all__ = ["HistoryImpact", "HistoryComparison", "MonthRow", "HistoryOutreachRow", "history_impact", "TRANSITIONS"]

TRANSITIONS = ("anniversary",)  # or a date


@dataclass
class MonthRow:
    month: _dt.date
    status: list[int]  # partners per rank class, transition played out
    old: list[int]  # partners per rank class under the old program alone
    moved: int  # partners on the new program
    losing: int  # partners whose status ranks below the old program's
    new_losses: int  # of them, losing for the first time this month
    gaining: int  # partners whose status ranks above the old program's


@dataclass
class HistoryComparison:
    id: str
    title: str
    status: bool
    classes: list[RankClass]
    months: list[MonthRow]
    lose: int  # partners losing in any month written
    gain: int


@dataclass(frozen=True)
class HistoryOutreachRow:
    partner_id: str
    loses_in: _dt.date
    moves: _dt.date
    anniversary: _dt.date | None
    old: str | None  # what the old program alone gives that month (label)
    new: str | None  # the status that month (label)
    needs: tuple[str, ...] = ()  # the new program's requirements it fails that month, for its old rank


@dataclass
class HistoryImpact:
    data: str
    partners: int
    months: list[_dt.date]
    transition: str  # "anniversary" or a date's ISO text
    effective: _dt.date | None  # NEW's effective date
    grandfather: _dt.date | None
    comparisons: list[HistoryComparison]
    outreach_scope: str
    outreach_total: int
    outreach: list[HistoryOutreachRow] = field(default_factory=list)
    outreach_frame: pl.DataFrame | None = None  # the whole list

    @property
    def status(self) -> HistoryComparison | None:
        return next((c for c in self.comparisons if c.status), None)

    def describe(self) -> str:
        """The transition rule in words."""
        if self.transition == "anniversary":
            when = f"at its first anniversary on or after {self.effective}" if self.effective else "at its first anniversary"
            text = f"each partner moves to the new program {when} (without an anniversary: on {self.effective or 'the first month'})"
        else:
            text = f"every partner moves to the new program on {self.transition}"
        if self.grandfather is not None:
            text += f"; a partner keeps at least its old status through {self.grandfather}"
        return text


def history_impact(
    old: ir.Program,
    new: ir.Program,
    data: str | os.PathLike,
    mapping: Mapping,
    *,
    start: _dt.date | None = None,
    end: _dt.date | None = None,
    transition: str | _dt.date = "anniversary",
    grandfather: _dt.date | None = None,
    limit: int | None = 25,
    outreach_scope: str = "status",
    options=None,
) -> HistoryImpact:
    """Play the transition from `old` to `new` out over the history in `data` (see the module
    docstring). The outreach list has every partner who loses; the first `limit` (None: all)
    say what they need (each such row evaluates the partner's history once more, by the
    reference). Raises what `evaluate_history` raises."""
    old_h = evaluate_history(old, data, start=start, end=end, options=options)
    new_h = evaluate_history(new, data, start=start, end=end, options=options)
    if not old_h.grid[PID].equals(new_h.grid[PID]) or not old_h.grid[MONTH].equals(new_h.grid[MONTH]):  # pragma: no cover
        raise AssertionError("the two histories are not of the same partners and months")
    effective = new.effective
    plans = [_Plan(c, old, new, _is_status(c, old, new)) for c in mapping.compares]
    frame = _frame(old_h, new_h)
    if plans:
        frame = frame.with_columns([e for i, p in enumerate(plans) for e in p.codes(i)])
    moves = _moves(transition, effective, old_h.months[0])
    frame = frame.with_columns(moves.alias("__moves__"))
    moved = pl.col(MONTH) >= pl.col("__moves__")
    floor = pl.lit(False) if grandfather is None else pl.col(MONTH) <= pl.lit(grandfather, pl.Date)
    exprs = []
    for i, p in enumerate(plans):
        old_pos = _lookup(pl.col(f"__o{i}"), dict(enumerate(p.row_pos)), 0)
        new_pos = _lookup(pl.col(f"__n{i}"), dict(enumerate(p.col_pos)), 0)
        status = pl.when(moved).then(pl.when(floor).then(pl.max_horizontal(old_pos, new_pos)).otherwise(new_pos)).otherwise(old_pos)
        exprs += [old_pos.alias(f"__op{i}"), status.alias(f"__sp{i}")]
    # a partner is compared in the months it has data (one that joins later or leaves is not
    # counted, nor blamed on the transition, in the months it has no row)
    frame = frame.with_columns(exprs).filter((pl.col(MONTH) >= pl.lit(old_h.months[0], pl.Date)) & pl.col(F.DATA))
    comparisons = [_comparison(frame, i, p, old_h.months) for i, p in enumerate(plans)]
    status_i = next((i for i, p in enumerate(plans) if p.status), None)
    scope = outreach_scope if status_i is not None else "any"
    chosen = [status_i] if scope == "status" and status_i is not None else list(range(len(plans)))
    outreach_frame, rows, total = _outreach(frame, plans, chosen, new_h, new, limit)
    return HistoryImpact(
        data=old_h.dataset.path,
        partners=len(old_h.partner_ids),
        months=old_h.months,
        transition=transition if isinstance(transition, str) else transition.isoformat(),
        effective=effective,
        grandfather=grandfather,
        comparisons=comparisons,
        outreach_scope=scope,
        outreach_total=total,
        outreach=rows,
        outreach_frame=outreach_frame,
    )


def _frame(old_h: History, new_h: History) -> pl.DataFrame:
    """partner_id, month, the anniversary, and per track the level held (`o:`/`n:`, names)."""
    cols = [pl.col(PID), pl.col(MONTH), pl.col(F.ANN), pl.col(F.DATA)]
    for side, h in (("o", old_h), ("n", new_h)):
        for t in h.program.tracks:
            names = dict(enumerate(t.level_names))
            cols.append(pl.col(F.held(t.name)).replace_strict(names, default=None, return_dtype=pl.String).alias(f"{side}:{t.name}"))
    n_old = len(old_h.program.tracks)
    return old_h.grid.select(cols[: 4 + n_old]).hstack(new_h.grid.select(cols[4 + n_old :]))


def _moves(transition: str | _dt.date, effective: _dt.date | None, first: _dt.date) -> pl.Expr:
    """The date each partner moves to the new program."""
    if not isinstance(transition, str):
        return pl.lit(transition, pl.Date)
    if transition != "anniversary":
        raise ValueError(f"a transition is 'anniversary' or a date, not {transition!r}")
    start = effective or first
    return pl.coalesce(next_anniversary(pl.col(F.ANN), start), pl.lit(start, pl.Date))


def _comparison(frame: pl.DataFrame, i: int, p: _Plan, months: list[_dt.date]) -> HistoryComparison:
    op, sp = pl.col(f"__op{i}"), pl.col(f"__sp{i}")
    loss, gain = sp < op, sp > op
    first_loss = pl.when(loss).then(pl.col(MONTH)).min().over(PID)
    n = len(p.classes)
    aggs = [(sp == k).sum().alias(f"s{k}") for k in range(n)] + [(op == k).sum().alias(f"o{k}") for k in range(n)]
    aggs += [
        (pl.col(MONTH) >= pl.col("__moves__")).sum().alias("moved"),
        loss.sum().alias("losing"),
        (pl.col(MONTH) == pl.col("__fl__")).sum().alias("new_losses"),
        gain.sum().alias("gaining"),
    ]
    got = frame.with_columns(first_loss.alias("__fl__")).group_by(MONTH).agg(aggs).sort(MONTH)
    by_month = {r[MONTH]: r for r in got.iter_rows(named=True)}
    rows = []
    for m in months:
        r = by_month.get(m)
        if r is None:
            rows.append(MonthRow(m, [0] * n, [0] * n, 0, 0, 0, 0))
            continue
        rows.append(
            MonthRow(
                m, [r[f"s{k}"] for k in range(n)], [r[f"o{k}"] for k in range(n)], r["moved"], r["losing"], r["new_losses"], r["gaining"]
            )
        )
    totals = (
        frame.select((sp < op).any().over(PID).alias("l"), (sp > op).any().over(PID).alias("g"), pl.col(PID))
        .unique(PID)
        .select(pl.col("l").sum(), pl.col("g").sum())
        .row(0)
    )
    c = p.c
    return HistoryComparison(c.new, c.title or p.new_title, p.status, p.classes, rows, int(totals[0]), int(totals[1]))


def _outreach(frame: pl.DataFrame, plans: list[_Plan], chosen: list[int], new_h: History, new: ir.Program, limit: int | None):
    if not chosen:
        empty = pl.DataFrame(
            schema={PID: pl.String, "loses_in": pl.Date, "moves": pl.Date, "anniversary": pl.Date, "old": pl.String, "new": pl.String}
        )
        return empty, [], 0
    loss = pl.any_horizontal([pl.col(f"__sp{i}") < pl.col(f"__op{i}") for i in chosen])
    first = frame.filter(loss).sort([PID, MONTH]).unique(PID, keep="first", maintain_order=True)
    i = chosen[0]
    p = plans[i]
    old_label = {k: r.label for k, r in enumerate(p.rows)}
    new_label = {k: r.label for k, r in enumerate(p.cols)}
    # the status label: the old level held that month, or the new one once moved
    status = (
        pl.when(pl.col(MONTH) >= pl.col("__moves__"))
        .then(pl.col(f"__n{i}").replace_strict(new_label, default=None, return_dtype=pl.String))
        .otherwise(pl.col(f"__o{i}").replace_strict(old_label, default=None, return_dtype=pl.String))
    )
    listed = first.select(
        pl.col(PID),
        pl.col(MONTH).alias("loses_in"),
        pl.col("__moves__").alias("moves"),
        pl.col(F.ANN).alias("anniversary"),
        pl.col(f"__o{i}").replace_strict(old_label, default=None, return_dtype=pl.String).alias("old"),
        status.alias("new"),
        pl.col(f"__o{i}").alias("__code__"),
    ).sort(["loses_in", PID])
    rows = []
    target = p.target()
    track = new.track_map[p.c.new]
    english = English(new)
    for k, rec in enumerate(listed.iter_rows(named=True)):
        code = target.get(rec["__code__"])
        need = p.cols[code].name if code is not None else None
        explain = limit is None or k < limit
        rows.append(
            HistoryOutreachRow(
                rec[PID],
                rec["loses_in"],
                rec["moves"],
                rec["anniversary"],
                rec["old"],
                rec["new"],
                tuple(_needs(new_h, track, english, rec[PID], rec["loses_in"], need)) if explain else (),
            )
        )
    return listed.drop("__code__"), rows, listed.height


def _needs(h: History, track: ir.Track, english: English, partner_id: str, month: _dt.date, level: str | None) -> list[str]:
    """The new program's requirements for `level` that the partner fails in `month`."""
    from tierlang.history.explain import _failing
    from tierlang.history.reference import reference_partner

    if level is None:
        return [f"no level of {english.track_label(track.name)} ranks as high"]
    found = partner_inputs(h.dataset, partner_id, month)
    if found is None or month not in found[0]:
        return ["no data for the month"]
    months = [m for m in dates.month_range(h.first, month)]
    ph = reference_partner(h.program_at or (lambda _: h.program), partner_id, months, *found, keep_results=True)
    assert ph.results is not None
    result = ph.results[track.name][-1]
    return _failing(english, track, result, level) if result is not None else ["no data for the month"]
