"""Near misses as data: per partner and track, the next level and what it still lacks.

`gaps(evaluation)` reads an evaluation made with per-requirement detail (`detail=True`) and
returns, for every partner and track (vectorized, one polars pass):

- `next_level`: the level above the one held (the lowest level when none is held); empty
  at the top of the ladder;
- `points_missing`: how many points the score still needs for the next level's points
  threshold (a requirement `score >= constant` on the track's reported score), exact; 0 when
  the score is enough; empty when the next level sets no points threshold;
- `requirements_missing`: how many of the next level's other requirements fail (the levels
  below it included, when they are cumulative);
- `missing`: the failing requirements by label (or as written), and those no data decides
  (`unknown`, `discretionary`, `by invitation`: listed, not counted), with the units missing for
  a plain `metric >= constant` (`mcps (2 more)`), separated by "; ".

"Within 5 points of a designation" is then one filter: `points_missing <= 5 and
requirements_missing = 0` (a partner with 72 points that fails another requirement has
`points_missing` 0 and `requirements_missing` 1: it is not 5 points away).

A track with several scoring paths is read on the path the partner was scored on (the one
its reported score comes from), like its score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import polars as pl

from tierlang import ir
from tierlang.data import PID
from tierlang.engine.results import Evaluation, ScoreColumn, decimal_text_expr
from tierlang.engine.vectorized import requirement_column
from tierlang.numbers import exact_text
from tierlang.render.source import expr_text

__all__ = ["GAP_COLUMNS", "Gaps", "gaps", "needed_levels", "points_threshold"]

#: The gap columns every output gains with `--gaps`, in order.
GAP_COLUMNS = ("next_level", "points_missing", "requirements_missing", "missing")

_FLIP = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}


def needed_levels(levels: tuple[ir.Level, ...], index: int) -> list[int]:
    """The levels whose requirements level `index` needs: itself, and the ones below while
    levels are cumulative."""
    out = [index]
    i = index
    while levels[i].cumulative and i > 0:
        i -= 1
        out.append(i)
    return out


def _oriented(e: ir.Expr) -> tuple[ir.Expr, str, Fraction] | None:
    """`side op constant` for a comparison of something with a constant (either way round)."""
    from tierlang.passes.constants import const_value, is_constant

    if not isinstance(e, ir.Compare):
        return None
    if is_constant(e.right) and not is_constant(e.left):
        value = const_value(e.right)
        return (e.left, e.op, value) if isinstance(value, Fraction) else None
    if is_constant(e.left) and not is_constant(e.right):
        value = const_value(e.left)
        return (e.right, _FLIP[e.op], value) if isinstance(value, Fraction) else None
    return None


def points_threshold(track: ir.Track, variant: ir.Variant, req: ir.Requirement) -> Fraction | None:
    """The points a requirement asks of the variant's reported score (`capability >= 70`),
    or None when it is not such a threshold."""
    got = _oriented(req.expr)
    score = variant.primary_score
    if got is None or score is None:
        return None
    side, op, value = got
    if op == ">=" and isinstance(side, ir.ScoreRef) and side.track == track.name and side.score == score.name and side.part is None:
        return value
    return None


def _units_short(program: ir.Program, req: ir.Requirement) -> tuple[ir.Metric, Fraction] | None:
    """(metric, threshold) for a requirement `input metric >= constant` on a numeric metric."""
    got = _oriented(req.expr)
    if got is None:
        return None
    side, op, value = got
    if op != ">=" or not isinstance(side, ir.MetricRef):
        return None
    m = program.metric_map.get(side.name)
    if m is None or m.derived is not None or m.type.kind not in (ir.Kind.COUNT, ir.Kind.NUMBER, ir.Kind.PERCENT, ir.Kind.MONEY):
        return None
    return m, value


def _requirement_name(req: ir.Requirement, own_track: str) -> str:
    return req.label or expr_text(req.expr, own_track=own_track)


@dataclass
class Gaps:
    """The gap columns of one evaluation, partners in the evaluation's order.

    `frame` has `partner_id` and per track `next:<track>` (String), `rm:<track>` (UInt32:
    requirements missing) and `miss:<track>` (String); `points[track]` holds the exact
    points missing (a `ScoreColumn` over `pm:<track>`, in `frame`) for tracks with a points
    threshold somewhere on their ladder."""

    frame: pl.DataFrame
    points: dict[str, ScoreColumn]


def gaps(ev: Evaluation) -> Gaps:
    """The near misses of every partner on every track of `ev` (see the module doc). The
    evaluation must carry per-requirement detail (`evaluate(..., detail=True)`)."""
    if ev.detail is None:
        raise ValueError("gaps need an evaluation with per-requirement detail (detail=True)")
    program = ev.program
    frame = pl.concat(
        [
            ev.levels.select(pl.col(PID), *(pl.col(t).alias(f"L:{t}") for t in ev.tracks)),
            ev.variants.select(*(pl.col(c).alias(f"V:{c}") for c in ev.variants.columns if c != PID)),
            ev.detail.drop(PID),
            pl.DataFrame([c for t, sc in ev.scores.items() for c in sc.columns()]),
        ],
        how="horizontal",
    )
    units = {}
    for t in program.tracks:
        for v in t.variants:
            for level in v.levels:
                for req in level.requirements:
                    got = _units_short(program, req)
                    if got is not None:
                        units[got[0].name] = got[0]
    if units:
        scales = {name: ev.dataset.scales.get(name, 1) for name in units}
        # only these columns (a file read in one pass reads just them again, not every input)
        source = ev.dataset.columns_of(units).select([pl.col(name).alias(f"in:{name}") for name in units])
        if source.height != frame.height:  # pragma: no cover - the evaluation is of this dataset
            raise ValueError("the evaluation and its dataset have different rows")
        frame = frame.hstack(source)
    else:
        scales = {}
    exprs: list[pl.Expr] = []
    points: dict[str, ScoreColumn] = {}
    for t in program.shown_tracks(ev.shown):  # the tracks written
        exprs += _track_gaps(ev, t, scales, points)
    out = frame.select([pl.col(PID), *exprs])
    for name, sc in points.items():
        sc.values = out[f"pm:{name}"]
    return Gaps(out, points)


def _track_gaps(ev: Evaluation, t: ir.Track, scales: dict[str, int], points: dict[str, ScoreColumn]) -> list[pl.Expr]:
    names = t.level_names
    held = pl.col(f"L:{t.name}")
    # next level index: one above the held level (0 when none is held); None at the top
    index = pl.lit(-1, pl.Int32)
    for i, name in enumerate(names):
        index = pl.when(held == name).then(pl.lit(i, pl.Int32)).otherwise(index)
    nxt = index + 1
    next_name = pl.lit(None, pl.String)
    for i, name in enumerate(names):
        next_name = pl.when(nxt == i).then(pl.lit(name)).otherwise(next_name)
    on_variant = (lambda v: pl.col(f"V:{t.name}") == v.name) if len(t.variants) > 1 else (lambda v: pl.lit(True))
    # (case, level index, requirement index, requirement, points threshold or None) per
    # requirement the next level needs, for each scoring path and next level
    needed = []
    for v in t.variants:
        for n in range(len(names)):
            case = on_variant(v) & (nxt == n)
            for li in needed_levels(v.levels, n):
                level = v.levels[li]
                for ri, req in enumerate(level.requirements):
                    threshold = points_threshold(t, v, req) if t.name in ev.scores else None
                    passed = pl.col(requirement_column(t.name, v.name, level.name, ri))
                    needed.append((case, passed, req, threshold))
    out = [next_name.alias(f"next:{t.name}")]
    thresholds = [(case, value) for case, _, _, value in needed if value is not None]
    pm_text = None
    if thresholds:
        sc = ev.scores[t.name]
        # points missing in units of 1/scale: threshold * scale - score, at least 0
        scale = sc.scale
        for _, value in thresholds:
            scale = math.lcm(scale, value.denominator)
        score = pl.col(f"S:{t.name}").cast(pl.Int128) * (scale // sc.scale)
        # scores over a ratio metric's per-partner denominator (`ScoreColumn.den`): the
        # threshold is brought over the same denominator
        den = pl.col(sc.den.name).cast(pl.Int128) if sc.den is not None else pl.lit(1, pl.Int128)
        pm = pl.lit(None, pl.Int128)
        for case, value in thresholds:
            short = pl.max_horizontal(pl.lit(int(value * scale), pl.Int128) * den - score, pl.lit(0, pl.Int128))
            pm = pl.when(case).then(pl.max_horizontal(pm, short)).otherwise(pm)
        out.append(pm.alias(f"pm:{t.name}"))
        over = sc.den.clear() if sc.den is not None else None  # names the denominator column, which the frame holds
        column = ScoreColumn(pl.Series(f"pm:{t.name}", [], dtype=pl.Int128), scale, wide=True, den=over)
        points[t.name] = column
        pm_text = decimal_text_expr(pm, scale, den=den if sc.den is not None else None)
    texts: list[pl.Expr] = []
    counted: list[pl.Expr] = []
    for case, passed, req, threshold in needed:
        fails = case & ~passed.fill_null(True)
        name = _requirement_name(req, t.name)
        # a requirement no data decides does not fail: it is listed, not counted
        texts.append(pl.when(case & passed.is_null()).then(pl.lit(f"{name} (cannot be decided from data)")))
        if threshold is not None:
            assert pm_text is not None
            texts.append(pl.when(fails).then(pl.concat_str([pl.lit(f"{name} ("), pm_text, pl.lit(" more points)")])))
        else:
            counted.append(fails)
            texts.append(pl.when(fails).then(_with_units(name, req, ev.program, scales)))
    rm = pl.sum_horizontal(counted) if counted else pl.lit(0)
    out.append(pl.when(next_name.is_null()).then(None).otherwise(rm.cast(pl.UInt32)).alias(f"rm:{t.name}"))
    missing = pl.concat_list(texts).list.drop_nulls().list.join("; ") if texts else pl.lit("")
    out.append(pl.when(next_name.is_null()).then(None).otherwise(missing).alias(f"miss:{t.name}"))
    return out


def _with_units(name: str, req: ir.Requirement, program: ir.Program, scales: dict[str, int]) -> pl.Expr:
    """The requirement's name, with "(N more)" when it is a plain `metric >= constant`."""
    got = _units_short(program, req)
    if got is None:
        return pl.lit(name)
    m, value = got
    scale = scales.get(m.name, 1)
    if (value * scale).denominator != 1 or 10 ** (len(str(scale)) - 1) != scale:
        return pl.lit(name)  # a threshold finer than the data's decimals: no clean number
    short = pl.lit(int(value * scale), pl.Int128) - pl.col(f"in:{m.name}").cast(pl.Int128)
    unit = f" {m.unit}" if m.unit else f" {m.type.currency}" if m.type.kind is ir.Kind.MONEY else ""
    return pl.concat_str([pl.lit(f"{name} ("), _scaled_text(short, scale), pl.lit(f" more{unit})")])


def _scaled_text(values: pl.Expr, scale: int) -> pl.Expr:
    """Integers meaning `values / scale` (a power of ten) as exact decimal text."""
    if scale == 1:
        return values.cast(pl.String)
    places = len(str(scale)) - 1
    return decimal_text_expr(values, scale, decimals=places)


def gap_text(value: Fraction | None) -> str | None:
    """An exact gap as text for people and JSON (`3.4`, `80/3`)."""
    return None if value is None else exact_text(value)
