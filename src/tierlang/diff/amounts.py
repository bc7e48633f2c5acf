"""Who earns more or less, and by how much: the impact diff for numbers, not only levels.

A level can stay the same while what it pays moves: a commission cut from 100 % to 50 %
leaves every partner at "keep". For every compared track that has a score on both sides
(its reported score: a points total, a commission rate, a fee written as points), this
module compares the two exact values partner by partner:

- how many partners get more, the same, less; how many have a value on one side only;
- the totals before and after, and the sum of the increases and of the decreases;
- the partners with the largest decreases and increases (the first calls).

Values are exact (`Fraction`s from each evaluation's `ScoreColumn`): two scales are brought
to their least common multiple in 128-bit integers, and rows too large for that (or a
column that needs 128 bits already) are compared in Python.

Amounts the programs compute themselves (`output fee: money USD = ...` in a track: fees,
funds, commissions) are compared the same way, output by output of the same name on the
two compared tracks; an output on one side only counts its partners as having a value on
that side only (`output_amounts`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import polars as pl

from tierlang import ir
from tierlang.data import PID
from tierlang.engine.results import Evaluation, ScoreColumn

__all__ = ["AmountComparison", "Mover", "compare_amounts", "output_amounts", "score_amounts"]

#: Partners listed per direction (largest decreases, largest increases).
MOVERS = 5


@dataclass(frozen=True)
class Mover:
    """One partner's change: `old` → `new` (None: no value on that side)."""

    partner_id: str
    old: Fraction | None
    new: Fraction | None

    @property
    def change(self) -> Fraction | None:
        return None if self.old is None or self.new is None else self.new - self.old


@dataclass
class AmountComparison:
    """One number compared partner by partner (a track's score, or a program's amount)."""

    id: str  # the comparison's id (the new track's name for a score; `id.output` for an amount)
    title: str  # what the number is, for people: "Data & AI: Partner capability score"
    unit: str | None  # "points", or an amount's currency or unit
    old_track: str
    new_track: str
    partners: int  # partners with a value on both sides
    more: int
    same: int
    less: int
    only_old: int  # a value before, none after
    only_new: int  # none before, a value after
    total_old: Fraction  # over every partner with a value on that side
    total_new: Fraction
    increase: Fraction  # the sum of the changes of partners who get more (>= 0)
    decrease: Fraction  # the sum of the changes of partners who get less (<= 0)
    largest_decreases: list[Mover] = field(default_factory=list)
    largest_increases: list[Mover] = field(default_factory=list)
    output: str | None = None  # the output compared (None: the tracks' scores)

    @property
    def changed(self) -> bool:
        return bool(self.more or self.less or self.only_old or self.only_new)

    @property
    def had(self) -> bool:
        """Some partner has a value before (an output added in NEW has none)."""
        return bool(self.partners or self.only_old)

    @property
    def has(self) -> bool:
        """Some partner has a value after (an output NEW removes has none)."""
        return bool(self.partners or self.only_new)


def score_amounts(
    old_eval: Evaluation, new_eval: Evaluation, pairs: list[tuple[str, str, str, str]], limit: int = MOVERS
) -> list[AmountComparison]:
    """The reported scores of compared tracks, one comparison per (id, title, old track,
    new track) whose tracks both have a score."""
    out = []
    for cid, title, old_track, new_track in pairs:
        a, b = old_eval.scores.get(old_track), new_eval.scores.get(new_track)
        if a is None or b is None:
            continue
        out.append(compare_amounts(cid, title, "points", old_track, new_track, old_eval.levels[PID], a, b, limit))
    return out


def output_amounts(
    old_eval: Evaluation, new_eval: Evaluation, pairs: list[tuple[str, str, str, str]], limit: int = MOVERS
) -> list[AmountComparison]:
    """The outputs of compared tracks, one comparison per output name of either track, for
    each (id, title, old track, new track): the new track's outputs in order, then those only
    the old one has."""
    old_tracks, new_tracks = old_eval.program.track_map, new_eval.program.track_map
    ids = old_eval.levels[PID]
    out = []
    for cid, title, old_track, new_track in pairs:
        outputs = {o.name: o for o in old_tracks[old_track].outputs}
        outputs.update({o.name: o for o in new_tracks[new_track].outputs})  # the new title and type
        for name, o in outputs.items():
            a, b = old_eval.outputs.get((old_track, name)), new_eval.outputs.get((new_track, name))
            none = ScoreColumn(pl.Series(name, [None] * len(ids), dtype=pl.Int64), 1, wide=False)
            c = compare_amounts(
                f"{cid}.{name}", f"{title}: {o.label}", _unit(o.type), old_track, new_track, ids, a or none, b or none, limit
            )
            c.output = name
            out.append(c)
    return out


def _unit(t: ir.Type) -> str | None:
    if t.kind is ir.Kind.MONEY:
        return t.currency
    return "%" if t.kind is ir.Kind.PERCENT else None


def compare_amounts(
    cid: str,
    title: str,
    unit: str | None,
    old_track: str,
    new_track: str,
    ids: pl.Series,
    old: ScoreColumn,
    new: ScoreColumn,
    limit: int = MOVERS,
) -> AmountComparison:
    """Compare two exact columns of the same partners (same order), partner by partner."""
    if old.wide or new.wide or old.exact or new.exact or old.precise or new.precise:
        return _in_python(cid, title, unit, old_track, new_track, ids, old, new, limit)
    common = math.lcm(old.scale, new.scale)
    # both as whole numbers of 1/common: Int64 values times a factor below 2^63 fit Int128
    frame = (
        pl.DataFrame({PID: ids, "o": old.values, "n": new.values})
        .with_columns(
            pl.col("o").cast(pl.Int128) * pl.lit(common // old.scale, pl.Int128),
            pl.col("n").cast(pl.Int128) * pl.lit(common // new.scale, pl.Int128),
        )
        .with_columns((pl.col("n") - pl.col("o")).alias("d"))
    )
    stats = frame.select(
        both=(pl.col("d").is_not_null()).sum(),
        more=(pl.col("d") > 0).sum(),
        less=(pl.col("d") < 0).sum(),
        same=(pl.col("d") == 0).sum(),
        only_old=(pl.col("o").is_not_null() & pl.col("n").is_null()).sum(),
        only_new=(pl.col("o").is_null() & pl.col("n").is_not_null()).sum(),
        total_old=pl.col("o").sum(),
        total_new=pl.col("n").sum(),
        increase=pl.col("d").filter(pl.col("d") > 0).sum(),
        decrease=pl.col("d").filter(pl.col("d") < 0).sum(),
    ).row(0, named=True)

    def movers(descending: bool, sign) -> list[Mover]:
        picked = frame.filter(sign(pl.col("d"))).sort(["d", PID], descending=[descending, False]).head(limit)
        return [Mover(r[PID], Fraction(int(r["o"]), common), Fraction(int(r["n"]), common)) for r in picked.iter_rows(named=True)]

    return AmountComparison(
        cid,
        title,
        unit,
        old_track,
        new_track,
        int(stats["both"]),
        int(stats["more"]),
        int(stats["same"]),
        int(stats["less"]),
        int(stats["only_old"]),
        int(stats["only_new"]),
        Fraction(int(stats["total_old"] or 0), common),
        Fraction(int(stats["total_new"] or 0), common),
        Fraction(int(stats["increase"] or 0), common),
        Fraction(int(stats["decrease"] or 0), common),
        movers(False, lambda d: d < 0),
        movers(True, lambda d: d > 0),
    )


def _in_python(cid, title, unit, old_track, new_track, ids: pl.Series, old: ScoreColumn, new: ScoreColumn, limit: int) -> AmountComparison:
    """The same comparison one row at a time, for values beyond 128-bit arithmetic."""
    more = less = same = only_old = only_new = 0
    total_old = total_new = increase = decrease = Fraction(0)
    changes: list[Mover] = []
    for k, pid in enumerate(ids.to_list()):
        a, b = old.fraction(k), new.fraction(k)
        total_old += a or 0
        total_new += b or 0
        if a is None or b is None:
            only_old += a is not None
            only_new += b is not None
            continue
        if b > a:
            more += 1
            increase += b - a
        elif b < a:
            less += 1
            decrease += b - a
        else:
            same += 1
        if a != b:
            changes.append(Mover(pid, a, b))
    down = sorted((m for m in changes if m.change < 0), key=lambda m: (m.change, m.partner_id))[:limit]  # type: ignore[operator]
    up = sorted((m for m in changes if m.change > 0), key=lambda m: (-m.change, m.partner_id))[:limit]  # type: ignore[operator]
    return AmountComparison(
        cid,
        title,
        unit,
        old_track,
        new_track,
        more + less + same,
        more,
        same,
        less,
        only_old,
        only_new,
        total_old,
        total_new,
        increase,
        decrease,
        down,
        up,
    )
