"""Impact diff: what two program versions do to the same partners.

Both programs are evaluated (vectorized engine, per-requirement detail) on one dataset, and
every comparison of the mapping (`diff.mapping`: tracks of the same name level by level, or
a declared mapping between different tracks) gives:

- a transition matrix: old level × new level (including "none"), partner counts;
- gains, keeps and losses, by comparing the ranks of the old and the new level;
- for the losses, the requirements that now fail and did not before (per-requirement
  booleans of both evaluations, requirements paired as the structural diff pairs them), with
  example partners and, for tracks of the same name, the rule changes each requirement
  depends on;
- a timeline: on NEW's effective date and at the end of each following month, how many
  partners stand at each rank, when every partner keeps its old level until its next
  anniversary on or after the effective date and takes the new one from then on.

Partners who lose status (on the program-level status comparison, or on any comparison) form
the outreach list, ordered by that next anniversary: the earliest renewals are called first.

Everything is computed with polars over the evaluations' columns; only small aggregates
(counts per matrix cell and month, the first partners of each list) reach Python.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import polars as pl

from tierlang import ir
from tierlang.data import ANNIVERSARY, PID, ROW, Dataset, ReadOptions, load_dataset, scan_dataset
from tierlang.diff.amounts import AmountComparison, output_amounts, score_amounts
from tierlang.diff.mapping import Compare, Mapping
from tierlang.diff.structural import NEUTRAL, Change, align_requirements, reshaped_path
from tierlang.engine import evaluate_dataset
from tierlang.engine.exact import requirement_column
from tierlang.engine.results import Evaluation
from tierlang.render.english import English
from tierlang.render.source import expr_text

__all__ = [
    "Impact",
    "Comparison",
    "Level",
    "RankClass",
    "Attribution",
    "OutreachRow",
    "Uncompared",
    "impact_diff",
    "evaluate_pair",
    "load_datasets",
    "next_anniversary",
    "timeline_dates",
    "EXAMPLES",
]

#: How many example partners an attribution names.
EXAMPLES = 5


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class Level:
    """A row (old side) or column (new side) of a transition matrix."""

    name: str | None  # None: no level
    label: str
    rank: Fraction | None  # None: below every level


@dataclass(frozen=True)
class RankClass:
    """Partners at one rank: the timeline's series."""

    rank: Fraction | None
    label: str


@dataclass
class Attribution:
    """A requirement that now fails, for `partners` of the partners who lose (its `level` in
    the new program is the one they needed to keep their rank)."""

    track: str
    variant: str | None
    level: str
    index: int  # position among the level's requirements
    label: str | None
    text: str  # the requirement in plain English
    source_text: str  # the requirement as written (source-like)
    span: ir.Span | None
    partners: int
    examples: list[str]
    old_text: str | None  # the paired old requirement (as written) when it differs; None if same or none
    counterpart: bool  # an old requirement was paired with it (False: new, or a mapped comparison)
    variant_label: str | None = None  # the scoring path, for tracks with several
    level_label: str | None = None
    changes: list[int] = field(default_factory=list)  # indices into the structural changes


@dataclass
class Comparison:
    """One comparison of the mapping, on the data."""

    id: str  # the new track's name (unique among comparisons)
    title: str
    old_tracks: tuple[str, ...]
    new_track: str
    declared: bool  # from a mapping file (False: tracks of the same name)
    status: bool  # the program-level status comparison
    compare: Compare
    rows: list[Level]
    cols: list[Level]
    matrix: list[list[int]]
    gain: int
    keep: int
    lose: int
    classes: list[RankClass]
    timeline: list[list[int]]  # per timeline date, partners per class
    losses_realized: list[int]  # per timeline date, losses whose anniversary has passed
    attributions: list[Attribution] = field(default_factory=list)
    unattributed: int = 0
    paired: bool = False  # requirements were paired with the old track's (same name)


@dataclass(frozen=True)
class OutreachRow:
    partner_id: str
    next_anniversary: _dt.date | None
    old: str | None  # status (or the first comparison's) old level label
    new: str | None
    losses: tuple[tuple[str, str, str], ...]  # (comparison id, old level label, new level label)
    old_level: str | None = None  # the same levels by name (None: none)
    new_level: str | None = None
    # Tracks of the old program with no counterpart in the new one that the partner held:
    # (track, old level name). What goes when a status is lost through them.
    unmatched: tuple[tuple[str, str], ...] = ()

    @property
    def lost(self) -> list[str]:
        """What the partner loses, for the "Loses" column: the comparisons it loses a level
        in, the old tracks it held that have no counterpart, else its status alone."""
        out = [cid for cid, _, _ in self.losses] + [f"{track} (no counterpart)" for track, _ in self.unmatched]
        return out or (["status"] if self.old_level != self.new_level else [])


@dataclass(frozen=True)
class Uncompared:
    """A track of one program that no comparison covers, and how many partners hold it."""

    side: str  # "old" or "new"
    track: str
    title: str
    holders: int


@dataclass
class Impact:
    data: str
    partners: int
    anniversary: bool  # the data has an anniversary column
    unknown_anniversary: int  # partners without an anniversary (renew on the effective date)
    effective: _dt.date | None  # the timeline's start: NEW's effective date (or the comparison date)
    mapping: Mapping
    comparisons: list[Comparison]
    dates: list[_dt.date]  # timeline dates (empty without an effective date)
    outreach_scope: str  # "status" or "any"
    outreach_total: int
    outreach: list[OutreachRow]  # the first `limit` of the list (all of it without a limit)
    outreach_frame: pl.DataFrame  # the whole list (partner_id, next_anniversary, old, new, lost)
    uncompared: list[Uncompared]
    fallback_rows: int = 0  # rows the engine evaluated exactly (too large for Int64)
    notes: list[str] = field(default_factory=list)  # how the data was read (an optional column absent)
    # who earns more or less: the reported scores of compared tracks, partner by partner
    amounts: list[AmountComparison] = field(default_factory=list)

    @property
    def status(self) -> Comparison | None:
        return next((c for c in self.comparisons if c.status), None)


# ------------------------------------------------------------------ data


def _validation_key(m: ir.Metric) -> tuple:
    return (m.column or m.name, m.type, m.minimum, m.maximum, m.default, m.optional)


def readable_constraints(constraints: Iterable[ir.Constraint], metrics: Iterable[ir.Metric]) -> tuple[ir.Constraint, ...]:
    """The constraints (once each) that read only `metrics` (derived ones followed)."""
    by_name = {m.name: m for m in metrics}

    def reads_only_these(e: ir.Expr) -> bool:
        for n in ir.walk(e, tables=False):
            if isinstance(n, ir.MetricRef):
                m = by_name.get(n.name)
                if m is None or (m.derived is not None and not reads_only_these(m.derived)):
                    return False
        return True

    return tuple(dict.fromkeys(c for c in constraints if reads_only_these(c.expr)))


def load_datasets(path: str | os.PathLike, old: ir.Program, new: ir.Program, options: ReadOptions | None = None) -> tuple[Dataset, Dataset]:
    """The dataset validated for each program, from one read of the file. Columns both
    programs read the same way (same metric name, column, type, range and default) are read
    and checked once. Raises `DataLoadError` (every row error of the file, for both
    programs' columns) like `load_dataset`."""
    union, apart = _union(old, new)
    both = load_dataset(path, union, options=options)
    frame, scales = both.frame, dict(both.scales)
    absent = list(both.absent)
    if apart:
        alone = replace(new, metrics=tuple(apart), constraints=readable_constraints(new.constraints, apart))
        extra = load_dataset(path, alone, display=both.path, options=options)
        if not extra.frame[PID].equals(frame[PID]):  # pragma: no cover - same file, same order
            raise AssertionError("the dataset's rows came back in a different order")
        frame = frame.drop([m.name for m in apart], strict=False).hstack(extra.frame.select([m.name for m in apart]))
        scales.update(extra.scales)
        absent += extra.absent
    return (
        _restrict(both, both.frame, both.scales, old.input_metrics, absent),
        _restrict(both, frame, scales, new.input_metrics, absent),
    )


def _union(old: ir.Program, new: ir.Program) -> tuple[ir.Program, list[ir.Metric]]:
    """The old program with the new one's metrics that it lacks (what one read of the file
    validates for both), and the new metrics that share an old metric's name but are read
    differently (they need a read of their own)."""
    old_names = {m.name for m in old.metrics}
    rest, apart = [], []
    for m in new.input_metrics:
        o = old.metric_map.get(m.name)
        if o is None or o.derived is not None or _validation_key(o) != _validation_key(m):
            # a metric of the old program's name, read differently, needs a read of its own
            (apart if m.name in old_names else rest).append(m)
    # each read checks the input constraints whose metrics it reads (the old program's, and
    # the new one's over the shared columns or the apart ones)
    metrics = (*old.metrics, *rest)
    constraints = readable_constraints((*old.constraints, *new.constraints), metrics)
    return replace(old, metrics=metrics, constraints=constraints), apart


def _streamed(
    old: ir.Program, new: ir.Program, path: str | os.PathLike, options: ReadOptions | None
) -> tuple[Evaluation, Evaluation] | None:
    """Both evaluations from one lazy read of the file (`engine.evaluate_scan`): the input
    columns are never held, and levels come as codes (`coded`): 10M partners fit in a few
    GB. None when the file needs the two stages (bad rows, which they report; a decimal
    column as text; a metric both programs name but read differently)."""
    from tierlang.engine.api import evaluate_scan

    union, apart = _union(old, new)
    if apart:
        return None
    scan = scan_dataset(path, union, options=options, guess=True)
    if scan is None:
        return None
    got = evaluate_scan([old, new], scan, detail=True, keep=[ANNIVERSARY], coded=True)
    return None if got is None else (got[0], got[1])


def _restrict(ds: Dataset, frame: pl.DataFrame, scales: dict[str, int], metrics: tuple[ir.Metric, ...], absent=()) -> Dataset:
    """`ds` with `frame` cut down to the columns of `metrics` (what `load_dataset` gives)."""
    names = [m.name for m in metrics]
    keep = [ROW, PID, *names, *([ANNIVERSARY] if ANNIVERSARY in frame.columns else [])]
    return Dataset(
        path=ds.path,
        format=ds.format,
        frame=frame.select(keep),
        scales={n: scales[n] for n in names if n in scales},
        metrics=metrics,
        total_rows=ds.total_rows,
        columns=ds.columns,
        absent=tuple(m for m in metrics if any(a.name == m.name and a.column == m.column for a in absent)),
    )


# ------------------------------------------------------------------ dates


def next_anniversary(anniversary: pl.Expr, start: _dt.date) -> pl.Expr:
    """The first date on or after `start` that falls on the anniversary's month and day (the
    year of the stored date does not matter: it may be the enrollment date or the last or next
    renewal). 29 February falls on 28 February in other years."""
    month, day = anniversary.dt.month().cast(pl.Int32), anniversary.dt.day().cast(pl.Int32)
    # this year's anniversary when it is still to come (or today), else next year's
    year = pl.when(month * 100 + day >= start.month * 100 + start.day).then(pl.lit(start.year)).otherwise(pl.lit(start.year + 1))
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    day = pl.when((month == 2) & (day == 29) & ~leap).then(pl.lit(28)).otherwise(day)
    return pl.date(year, month, day)


def timeline_dates(start: _dt.date, months: int) -> list[_dt.date]:
    """`start`, then the last day of its month and of each of the `months` months after it."""
    out = [start]
    y, m = start.year, start.month
    for _ in range(months + 1):
        end = _dt.date(y, m, calendar.monthrange(y, m)[1])
        if end != out[-1]:
            out.append(end)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


# ------------------------------------------------------------------ the comparison plan


def _lookup(expr: pl.Expr, mapping: dict, default: int | None) -> pl.Expr:
    """`mapping[value]` per row (`default` for anything else, null included), as a chain of
    comparisons: for the handful of levels a track has, several times faster in polars than
    `replace_strict` on strings."""
    out = pl.lit(default, pl.Int32)
    for key, value in mapping.items():
        if value != default:
            out = pl.when(expr == key).then(pl.lit(value, pl.Int32)).otherwise(out)
    return out


def _rank_key(rank: Fraction | None) -> tuple:
    return (0, Fraction(0)) if rank is None else (1, rank)


class _Plan:
    """Codes for one comparison: old rows, new columns, their ranks, as polars expressions."""

    def __init__(self, c: Compare, old: ir.Program, new: ir.Program, status: bool) -> None:
        self.c = c
        self.status = status
        old_tracks = [old.track_map[t] for t in c.old]
        new_track = new.track_map[c.new]
        old_en, new_en = English(old), English(new)
        self.new_title = new_en.track_label(new_track.name)
        # rows: none first, then levels by (rank, position on the ladder) so that the highest
        # code is the best level a partner holds among several old tracks
        names: dict[str | None, tuple] = {None: (_rank_key(c.rank_of("old", None)), -1)}
        labels: dict[str | None, str] = {None: "none"}
        for t in old_tracks:
            for i, lv in enumerate(t.variants[0].levels):
                key = (_rank_key(c.rank_of("old", lv.name)), i)
                names[lv.name] = max(names.get(lv.name, key), key)
                labels.setdefault(lv.name, old_en.level_label(t.name, lv.name))
        order = sorted(names, key=lambda n: names[n])
        self.rows = [Level(n, labels[n], c.rank_of("old", n)) for n in order]
        self.cols = [Level(None, "none", c.rank_of("new", None))] + [
            Level(lv.name, new_en.level_label(new_track.name, lv.name), c.rank_of("new", lv.name)) for lv in new_track.variants[0].levels
        ]
        keys = sorted({_rank_key(x.rank) for x in (*self.rows, *self.cols)})
        self.classes = []
        for k in keys:
            rank = None if k[0] == 0 else k[1]
            self.classes.append(RankClass(rank, self._class_label(rank)))
        pos = {k: i for i, k in enumerate(keys)}
        self.row_pos = [pos[_rank_key(r.rank)] for r in self.rows]
        self.col_pos = [pos[_rank_key(r.rank)] for r in self.cols]
        row_code = {n.name: i for i, n in enumerate(self.rows)}
        # none (a null level) falls to the default
        self.old_code = pl.max_horizontal(
            [_lookup(pl.col(f"o:{t.name}"), {n: row_code[n] for n in t.level_names}, row_code[None]) for t in old_tracks]
        )
        col_code = {n.name: i for i, n in enumerate(self.cols) if n.name is not None}
        self.new_code = _lookup(pl.col(f"n:{new_track.name}"), col_code, 0)
        self.loss = pl.lit(False)  # set by loss_column
        # requirements pair with the old track's when it is one track of the same name
        self.paired = c.old == (c.new,)

    def codes(self, i: int) -> list[pl.Expr]:
        """The old and new codes as columns (computed once; later expressions read them)."""
        out = [self.old_code.alias(f"__o{i}"), self.new_code.alias(f"__n{i}")]
        self.old_code, self.new_code = pl.col(f"__o{i}"), pl.col(f"__n{i}")
        return out

    def loss_column(self, i: int) -> pl.Expr:
        old_pos = _lookup(self.old_code, dict(enumerate(self.row_pos)), 0)
        new_pos = _lookup(self.new_code, dict(enumerate(self.col_pos)), 0)
        self.loss = pl.col(f"__loss{i}")
        return (new_pos < old_pos).alias(f"__loss{i}")

    def _class_label(self, rank: Fraction | None) -> str:
        declared = next((r for r in self.c.ranks if r.value == rank), None) if rank is not None else None
        if declared is not None and declared.label:
            return declared.label
        old = [x.label for x in self.rows if x.rank == rank]
        new = [x.label for x in self.cols if x.rank == rank]
        if old == new:
            return " / ".join(old)
        return f"{' / '.join(old) or '—'} → {' / '.join(new) or '—'}"

    def target(self) -> dict[int, int | None]:
        """Old row code → the new column code a partner needs to keep its rank (the lowest
        new level ranked at least as high), None when no new level ranks that high."""
        out: dict[int, int | None] = {}
        for i, p in enumerate(self.row_pos):
            out[i] = next((j for j, q in enumerate(self.col_pos) if q >= p and self.cols[j].name is not None), None)
        return out


# ------------------------------------------------------------------ the impact diff


def impact_diff(
    old_eval: Evaluation,
    new_eval: Evaluation,
    mapping: Mapping,
    changes: list[Change] | None = None,
    *,
    months: int = 12,
    limit: int | None = 25,
    outreach_scope: str = "status",
    start: _dt.date | None = None,
) -> Impact:
    """Compare two evaluations of the same partners (see the module doc). `mapping` lists the
    comparisons (`diff.mapping.identity_mapping`); `changes` (the structural diff) lets
    attributions name the rule changes a failing requirement depends on; `limit` is how many
    outreach rows are kept as Python objects (None: all; the whole list is in `outreach_frame`);
    `start` is the timeline's first day (default: NEW's effective date)."""
    if outreach_scope not in ("status", "any"):
        raise ValueError("outreach_scope must be 'status' or 'any'")
    old, new = old_eval.program, new_eval.program
    if not old_eval.levels[PID].equals(new_eval.levels[PID]):
        raise ValueError("the two evaluations are not of the same partners in the same order")
    plans = [_Plan(c, old, new, _is_status(c, old, new)) for c in mapping.compares]
    frame = _frame(old_eval, new_eval)
    if plans:
        frame = frame.with_columns([e for i, p in enumerate(plans) for e in p.codes(i)])
        frame = frame.with_columns([p.loss_column(i) for i, p in enumerate(plans)])
    effective = start or new.effective or new.as_of
    dates = timeline_dates(effective, months) if effective else []
    anniversary = old_eval.dataset.has_anniversary
    if anniversary and effective:
        nxt = next_anniversary(pl.col(ANNIVERSARY), effective)
    else:
        nxt = pl.lit(None, pl.Date)
    frame = frame.with_columns(nxt.alias("__next__"))
    # the first timeline date on which the partner has renewed; unknown anniversaries renew
    # on the effective date (index 0), beyond the horizon: len(dates)
    if dates:
        bucket = pl.lit(pl.Series(dates)).search_sorted(pl.col("__next__"), side="left").cast(pl.Int32)
        bucket = pl.when(pl.col("__next__").is_null()).then(pl.lit(0, pl.Int32)).otherwise(bucket)
    else:
        bucket = pl.lit(0, pl.Int32)
    frame = frame.with_columns(bucket.alias("__bucket__"))
    comparisons = _aggregate(frame, plans, len(dates))
    status_plan = next((p for p in plans if p.status), None)
    _attribute(frame, plans, comparisons, old_eval, new_eval, changes or [])
    unknown = int(frame.select(pl.col("__next__").is_null().sum()).item()) if anniversary else len(frame)
    unmatched = [t.name for t in old.tracks if t.name not in {x for c in mapping.compares for x in c.old} and t.name != old.status]
    outreach_frame, rows, total = _outreach(frame, plans, comparisons, status_plan, outreach_scope, limit, unmatched)
    return Impact(
        data=old_eval.dataset.path,
        partners=frame.height,
        anniversary=anniversary,
        unknown_anniversary=unknown,
        effective=effective,
        mapping=mapping,
        comparisons=comparisons,
        dates=dates,
        outreach_scope=outreach_scope if status_plan is not None else "any",
        outreach_total=total,
        outreach=rows,
        outreach_frame=outreach_frame,
        uncompared=_uncompared(old_eval, new_eval, mapping),
        fallback_rows=old_eval.fallback_rows + new_eval.fallback_rows,
        notes=list(dict.fromkeys([*old_eval.dataset.notes, *new_eval.dataset.notes])) + _undecided_notes(old_eval, new_eval),
        amounts=[
            *score_amounts(old_eval, new_eval, _score_pairs(comparisons, new)),
            *output_amounts(
                old_eval, new_eval, [(c.id, c.title, c.old_tracks[0], c.new_track) for c in comparisons if len(c.old_tracks) == 1]
            ),
        ],
    )


def _undecided_notes(old_eval: Evaluation, new_eval: Evaluation) -> list[str]:
    """Per program and track, how many partners may hold a higher level than the one they
    hold for certain (requirements no data decides): gains and losses count the certain one."""
    out = []
    for side, ev in (("old", old_eval), ("new", new_eval)):
        if ev.undecided is None:
            continue
        for t in ev.program.tracks:
            if t.name not in ev.undecided.columns:
                continue
            n = ev.undecided[t.name].is_not_null().sum()
            if n:
                out.append(
                    f"{t.label} ({side} program): {n:,} {'partner' if n == 1 else 'partners'} may hold a higher level that no data "
                    "decides (unknown, discretionary or by invitation); the counts here compare the levels held for certain"
                )
    return out


def _score_pairs(comparisons: list[Comparison], new: ir.Program) -> list[tuple[str, str, str, str]]:
    """(id, title, old track, new track) of the comparisons of one old track with one new
    one: their reported scores are compared partner by partner."""
    out = []
    for c in comparisons:
        if len(c.old_tracks) != 1:
            continue  # a best level among several tracks has no one score
        score = new.track_map[c.new_track].variants[0].primary_score
        label = (score.title or score.name) if score is not None else "score"
        out.append((c.id, f"{c.title}: {label}", c.old_tracks[0], c.new_track))
    return out


def _is_status(c: Compare, old: ir.Program, new: ir.Program) -> bool:
    return new.status is not None and c.new == new.status and (old.status is None or old.status in c.old)


def _frame(old_eval: Evaluation, new_eval: Evaluation) -> pl.DataFrame:
    """One frame with both evaluations side by side: `o:`/`n:` level columns, `od:`/`nd:`
    requirement columns, `ov:`/`nv:` variants, and the anniversary when the data has one."""
    parts = [
        old_eval.levels.select(pl.col(PID), *(pl.col(t).alias(f"o:{t}") for t in old_eval.tracks)),
        new_eval.levels.select(*(pl.col(t).alias(f"n:{t}") for t in new_eval.tracks)),
        old_eval.variants.select(*(pl.col(c).alias(f"ov:{c}") for c in old_eval.variants.columns if c != PID)),
        new_eval.variants.select(*(pl.col(c).alias(f"nv:{c}") for c in new_eval.variants.columns if c != PID)),
    ]
    if old_eval.detail is not None:
        parts.append(old_eval.detail.select(*(pl.col(c).alias(f"od:{c}") for c in old_eval.detail.columns if c != PID)))
    if new_eval.detail is not None:
        parts.append(new_eval.detail.select(*(pl.col(c).alias(f"nd:{c}") for c in new_eval.detail.columns if c != PID)))
    if old_eval.dataset.has_anniversary:
        parts.append(old_eval.dataset.columns_of([ANNIVERSARY]))
    return pl.concat([p for p in parts if p.width], how="horizontal")


def _aggregate(frame: pl.DataFrame, plans: list[_Plan], n_dates: int) -> list[Comparison]:
    """Transition matrices and timelines: one count per (old row, new column, renewal date)."""
    buckets = n_dates + 1
    if not plans:
        return []
    keys = []
    for i, p in enumerate(plans):
        cells = len(p.cols) * buckets
        key = p.old_code * cells + p.new_code * buckets + pl.col("__bucket__")
        keys.append(key.alias(f"k{i}").value_counts(name="n").implode())
    got = frame.select(keys).row(0)
    counts: dict[tuple[int, int], int] = {}
    for i, pairs in enumerate(got):
        for rec in pairs:
            counts[(i, rec[f"k{i}"])] = rec["n"]
    out = []
    for i, p in enumerate(plans):
        cells = len(p.cols) * buckets
        matrix = [[0] * len(p.cols) for _ in p.rows]
        timeline = [[0] * len(p.classes) for _ in range(n_dates)]
        realized = [0] * n_dates
        gain = keep = lose = 0
        for (ci, k), n in counts.items():
            if ci != i:
                continue
            r, rest = divmod(k, cells)
            col, b = divmod(rest, buckets)
            matrix[r][col] += n
            rp, cp = p.row_pos[r], p.col_pos[col]
            if cp > rp:
                gain += n
            elif cp < rp:
                lose += n
            else:
                keep += n
            for d in range(n_dates):
                renewed = b <= d
                timeline[d][cp if renewed else rp] += n
                if renewed and cp < rp:
                    realized[d] += n
        c = p.c
        out.append(
            Comparison(
                id=c.new,
                title=c.title or p.new_title,
                old_tracks=c.old,
                new_track=c.new,
                declared=c.declared,
                status=p.status,
                compare=c,
                rows=p.rows,
                cols=p.cols,
                matrix=matrix,
                gain=gain,
                keep=keep,
                lose=lose,
                classes=p.classes,
                timeline=timeline,
                losses_realized=realized,
                paired=p.paired,
            )
        )
    return out


# ------------------------------------------------------------------ attribution


def _need(levels: tuple[ir.Level, ...], index: int) -> list[int]:
    """The levels whose requirements level `index` needs (itself, and the ones below while
    levels are cumulative)."""
    out = [index]
    i = index
    while levels[i].cumulative and i > 0:
        i -= 1
        out.append(i)
    return out


def _attribute(
    frame: pl.DataFrame,
    plans: list[_Plan],
    comparisons: list[Comparison],
    old_eval: Evaluation,
    new_eval: Evaluation,
    changes: list[Change],
) -> None:
    old, new = old_eval.program, new_eval.program
    # three passes over the frame, each computing many columns in parallel: the level each
    # losing partner needed, one mask per requirement, then the counts and examples
    targets_cols: list[pl.Expr] = []
    masks: list[pl.Expr] = []
    exprs: list[pl.Expr] = []
    items: list[tuple[int, Attribution]] = []
    unattributed: list[tuple[int, pl.Expr]] = []
    deps = _Dependencies(new, old)
    for ci, (p, comp) in enumerate(zip(plans, comparisons)):
        if comp.lose == 0:
            continue
        track = new.track_map[p.c.new]
        english = English(new, param_notes=False)  # the related rule changes are listed apart
        same = p.paired
        old_track = old.track_map[p.c.old[0]] if same else None
        targets = p.target()
        targets_cols.append(_lookup(p.old_code, {k: v for k, v in targets.items() if v is not None}, None).alias(f"__t{ci}"))
        target_col = pl.col(f"__t{ci}")
        any_mask = pl.lit(False)
        for v in track.variants:
            # which target levels (as new column codes) need each requirement of this variant
            needs: dict[tuple[int, int], list[int]] = {}
            for li in range(len(v.levels)):
                for lj in _need(v.levels, li):
                    for ri in range(len(v.levels[lj].requirements)):
                        needs.setdefault((lj, ri), []).append(li + 1)  # column code: none is 0
            in_variant = pl.lit(True) if len(track.variants) == 1 else (pl.col(f"nv:{track.name}") == v.name)
            pairs = _pairs(old_track, v) if old_track is not None else {}
            for (lj, ri), cols in sorted(needs.items()):
                level = v.levels[lj]
                req = level.requirements[ri]
                now = pl.col(f"nd:{requirement_column(track.name, v.name, level.name, ri)}")
                counterpart = pairs.get((level.name, ri))
                before = pl.col(f"od:{counterpart[0]}") if counterpart is not None else pl.lit(True)
                name = f"a{len(items)}"
                masks.append((p.loss & target_col.is_in(cols) & in_variant & ~now & before).alias(f"__{name}"))
                mask = pl.col(f"__{name}")
                any_mask = any_mask | mask
                exprs.append(mask.sum().alias(name))
                exprs.append(pl.col(PID).gather(mask.arg_true().head(EXAMPLES)).implode().alias(f"{name}x"))
                inside = english.within(track.name, v.name)
                old_req = counterpart[1] if counterpart is not None else None
                items.append(
                    (
                        ci,
                        Attribution(
                            track=track.name,
                            variant=v.name,
                            level=level.name,
                            index=ri,
                            label=req.label,
                            text=inside.condition(req.expr).flat(),
                            source_text=expr_text(req.expr),
                            span=req.span,
                            partners=0,
                            examples=[],
                            old_text=expr_text(old_req.expr)
                            if old_req is not None and expr_text(old_req.expr) != expr_text(req.expr)
                            else None,
                            counterpart=counterpart is not None,
                            variant_label=english.variant_label(track, v.name) if len(track.variants) > 1 else None,
                            level_label=english.level_label(track.name, level.name),
                            changes=deps.related(changes, track.name, v.name, level.name, ri, req) if same else [],
                        ),
                    )
                )
        unattributed.append((ci, (p.loss & ~any_mask).sum().alias(f"u{ci}")))
    if not exprs and not unattributed:
        return
    frame = frame.with_columns(targets_cols).with_columns(masks)
    got = frame.select(exprs + [e for _, e in unattributed]).row(0, named=True)
    for k, (ci, a) in enumerate(items):
        a.partners = int(got[f"a{k}"])
        if a.partners:
            a.examples = list(got[f"a{k}x"])
            comparisons[ci].attributions.append(a)
    for ci, _ in unattributed:
        comparisons[ci].unattributed = int(got[f"u{ci}"])
    for c in comparisons:
        c.attributions.sort(key=lambda a: -a.partners)


def _pairs(old_track: ir.Track, v: ir.Variant) -> dict[tuple[str, int], tuple[str, ir.Requirement]]:
    """(level, requirement index) in variant `v` → (the old detail column, the old requirement)
    of the paired requirement in the old track's variant of the same name."""
    ov = next((x for x in old_track.variants if x.name == v.name), None)
    if ov is None:
        return {}
    out = {}
    old_levels = {lv.name: lv for lv in ov.levels}
    for level in v.levels:
        ol = old_levels.get(level.name)
        if ol is None:
            continue
        for i, j in align_requirements(ol.requirements, level.requirements):
            if i is not None and j is not None:
                out[(level.name, j)] = (requirement_column(old_track.name, ov.name, ol.name, i), ol.requirements[i])
    return out


class _Dependencies:
    """What a requirement reads, transitively: parameters, gates, metrics, scores and other
    tracks; used to list the rule changes that can explain why it now fails."""

    def __init__(self, program: ir.Program, old: ir.Program) -> None:
        self.p = program
        # a track's variants in the old version, for one that lost them (see structural.reshaped_path)
        self.old_variants = {t.name: [v.name for v in t.variants if v.name is not None] for t in old.tracks}
        self._memo: dict[tuple[str, str], frozenset[tuple[str, str]]] = {}

    def of(self, node: object) -> set[tuple[str, str]]:
        """The declarations `node` reads, with everything they read."""
        out: set[tuple[str, str]] = set()
        for n in ir.walk(node):
            keys: list[tuple[str, str]] = []
            if isinstance(n, ir.Const) and n.param:
                keys.append(("param", n.param))
            elif isinstance(n, ir.MetricRef):
                keys.append(("metric", n.name))
            elif isinstance(n, ir.GateRef):
                keys.append(("gate", n.name))
            elif isinstance(n, (ir.ScoreRef, ir.Every)):
                keys.append(("score", f"{n.track}.{n.score}"))
            elif isinstance(n, ir.TrackAt):
                keys.append(("track", n.track))
            elif isinstance(n, ir.GroupCount):
                keys.extend(("track", t) for t in self.p.group_map[n.group].tracks)
            for key in keys:
                out.add(key)
                out |= self.closure(key)
        return out

    def closure(self, key: tuple[str, str]) -> frozenset[tuple[str, str]]:
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = frozenset()  # the checker rejects cycles; this guards anyway
        kind, name = key
        parts: list[object] = []
        if kind == "metric" and self.p.metric_map[name].derived is not None:
            parts.append(self.p.metric_map[name].derived)
        elif kind == "gate":
            parts.append(self.p.gate_map[name].expr)
        elif kind == "score":
            track, score = name.split(".", 1)
            for v in self.p.track_map[track].variants:
                s = v.score(score)
                if s is not None:
                    parts.append(s)  # its lines' formulas and gates, and its caps' parameters
        elif kind == "track":
            parts.append(self.p.track_map[name])
        out: set[tuple[str, str]] = set()
        for part in parts:
            out |= self.of(part)
            for node in ir.walk(part):
                if isinstance(node, (ir.Score, ir.Category)) and node.cap_param:
                    out.add(("param", node.cap_param))
        self._memo[key] = frozenset(out)
        return self._memo[key]

    def related(self, changes: list[Change], track: str, variant: str | None, level: str, index: int, req: ir.Requirement) -> list[int]:
        """Indices of the rule changes (not text) that `req` depends on."""
        deps = self.of(req.expr)
        scores = {name.split(".", 1)[1] for kind, name in deps if kind == "score" and name.startswith(track + ".")}
        # the structural diff's path of this requirement (see structural._req_label)
        # (or, for a track that gained or lost its variants, the path compared with this one)
        tail = (level, f"requirement {req.label}" if req.label else f"requirement {index + 1}")
        req_paths = {(track, *tail)} if variant is None else {(track, variant, *tail), (track, reshaped_path(None, variant), *tail)}
        if variant is None:
            req_paths |= {(track, reshaped_path(v, None), *tail) for v in self.old_variants.get(track, ())}
        out = []
        for i, c in enumerate(changes):
            if c.effect == NEUTRAL:
                continue
            kind, name = c.declaration
            if kind == "track" and name == track:
                own = (
                    (c.kind in ("score", "category", "line") and any(part in scores for part in c.path[1:3]))
                    or (c.kind == "requirement" and c.path in req_paths)
                    or (c.kind == "level" and level in c.path)
                    or c.kind == "choice"
                    or (c.kind == "track" and c.what in ("variants", "variant selection"))
                )
                if own:
                    out.append(i)
            elif (kind, name) in deps:
                out.append(i)
        return out


# ------------------------------------------------------------------ outreach and the rest


def _outreach(
    frame: pl.DataFrame,
    plans: list[_Plan],
    comparisons: list[Comparison],
    status: _Plan | None,
    scope: str,
    limit: int | None,
    unmatched: list[str] = (),  # type: ignore[assignment]
) -> tuple[pl.DataFrame, list[OutreachRow], int]:
    others = [(p, c) for p, c in zip(plans, comparisons) if not p.status]
    if status is not None and scope == "status":
        mask = status.loss
    else:
        mask = pl.any_horizontal([p.loss for p in plans]) if plans else pl.lit(False)
    # the comparisons a partner loses a level in, then the old tracks it held with no counterpart
    parts = [pl.when(p.loss).then(pl.lit(c.id)) for p, c in others]
    parts += [pl.when(pl.col(f"o:{t}").is_not_null()).then(pl.lit(f"{t} (no counterpart)")) for t in unmatched]
    lost = pl.concat_list(parts).list.drop_nulls() if parts else pl.lit([], pl.List(pl.String))
    held = [pl.col(f"o:{t}").alias(f"u:{t}") for t in unmatched]
    first = status or (plans[0] if plans else None)
    cols = [pl.col(PID), pl.col("__next__").alias("next_anniversary")]
    if first is not None:
        cols += [
            first.old_code.replace_strict({i: r.label for i, r in enumerate(first.rows)}, return_dtype=pl.String).alias("old"),
            first.new_code.replace_strict({i: r.label for i, r in enumerate(first.cols)}, return_dtype=pl.String).alias("new"),
        ]
    codes = [p.old_code.alias(f"o{i}") for i, p in enumerate(plans)] + [p.new_code.alias(f"n{i}") for i, p in enumerate(plans)]
    picked = (
        frame.lazy()
        .filter(mask)
        .select([*cols, lost.alias("lost"), *codes, *held])
        .sort(["next_anniversary", PID], nulls_last=False)
        .collect()
    )
    rows = []
    by_id = {c.id: (i, p, c) for i, (p, c) in enumerate(zip(plans, comparisons))}
    for rec in (picked if limit is None else picked.head(limit)).iter_rows(named=True):
        losses = []
        for cid in rec["lost"]:
            if cid in by_id:
                i, p, c = by_id[cid]
                losses.append((cid, p.rows[rec[f"o{i}"]].label, p.cols[rec[f"n{i}"]].label))
        gone = tuple((t, rec[f"u:{t}"]) for t in unmatched if rec[f"u:{t}"] is not None)
        old_level = new_level = None
        if first is not None:
            k = plans.index(first)
            old_level, new_level = first.rows[rec[f"o{k}"]].name, first.cols[rec[f"n{k}"]].name
        rows.append(
            OutreachRow(rec[PID], rec["next_anniversary"], rec.get("old"), rec.get("new"), tuple(losses), old_level, new_level, gone)
        )
    full = picked.select(
        pl.col(PID),
        pl.col("next_anniversary"),
        *([pl.col("old"), pl.col("new")] if first is not None else []),
        pl.col("lost").list.join("; ").alias("lost"),
    )
    return full, rows, picked.height


def _uncompared(old_eval: Evaluation, new_eval: Evaluation, mapping: Mapping) -> list[Uncompared]:
    used_old = {t for c in mapping.compares for t in c.old}
    used_new = {c.new for c in mapping.compares}
    out = []
    for side, ev, used in (("old", old_eval, used_old), ("new", new_eval, used_new)):
        rest = [t for t in ev.program.tracks if t.name not in used]
        if not rest:
            continue
        held = ev.levels.select([pl.col(t.name).is_not_null().sum().alias(t.name) for t in rest]).row(0, named=True)
        english = English(ev.program)
        out.extend(Uncompared(side, t.name, english.track_label(t.name), int(held[t.name])) for t in rest)
    return out


def evaluate_pair(
    old: ir.Program,
    new: ir.Program,
    data: str | os.PathLike,
    options: ReadOptions | None = None,
    tables: dict[str, str] | None = None,
) -> tuple[Evaluation, Evaluation]:
    """Both programs on the same dataset, with per-requirement detail (vectorized engine).
    A folder of tables (or a program that reads records) gives each program its own read of
    the folder: its partner table and the related tables it declares (`tables`: some read
    from files elsewhere, `--table NAME=PATH`)."""
    if old.related_tables or new.related_tables or Path(data).is_dir() or tables:
        return _records_dataset(old, data, options, tables), _records_dataset(new, data, options, tables)
    streamed = _streamed(old, new, data, options)
    if streamed is not None:
        return streamed
    old_ds, new_ds = load_datasets(data, old, new, options)
    return evaluate_dataset(old, old_ds, detail=True), evaluate_dataset(new, new_ds, detail=True)


def _records_dataset(
    program: ir.Program, data: str | os.PathLike, options: ReadOptions | None = None, tables: dict[str, str] | None = None
) -> Evaluation:
    from tierlang.data.tables import PARTNERS, load_records
    from tierlang.records import with_records

    # each program reads only the tables it declares (a table of the other is not its error)
    declared = {PARTNERS, *(t.name for t in program.related_tables)}
    records = load_records(data, program, options=options, tables={k: v for k, v in (tables or {}).items() if k in declared})
    ev = evaluate_dataset(program, with_records(program, records), detail=True)
    ev.warnings = list(records.warnings)
    return ev
