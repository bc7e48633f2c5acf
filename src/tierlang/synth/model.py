"""The generator behind `tier synth`: a synthetic partner population for one or more programs.

The model (the knobs are in calibration.toml, the narrative in docs/synth.md):

1. **Partners.** A headcount from a Zipf law (many small organizations, few large ones), a
   partner-wide capability (lognormal), segment flags, an engagement flag (logistic in size
   and segment) and whether the partner manages its numbers to the thresholds.
2. **Tracks pursued.** Every track that reads columns is a *group*. An engaged partner
   pursues each group of a program with probability `max(1, breadth × size^e) / (groups in
   the program)`, scaled by segment, at most 1; partners that are not engaged pursue far
   fewer. Each pursued group gets a strength shared by its columns.
3. **Values.** A column a partner does not pursue is 0 (or false, the first enum value, the
   range's minimum). Otherwise its natural value is
   `scale × (level × size^e × capability × strength × noise × segment + shift) + scale × noise₂`,
   where `scale` is the column's smallest positive threshold. A partner who aims moves a value
   within reach of the next threshold to a landing point at or around it.
4. **Exactness.** Values are whole numbers of units (1 for counts, 10^-d for decimals):
   continuous values are rounded stochastically, so that they stay unbiased, and decimals are
   built from integers, never from binary floats. Every value is clipped to its declared range.

Every random number is a counter-based draw (`rng.word`: SplitMix64 of the seed, a stream
name and the partner's row), so the population is a pure function of (programs, rows, seed,
calibration, anniversary date), its first n rows do not depend on how many rows were asked
for, and a column's draws are computed only for the partners who pursue it.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce

import polars as pl

from tierlang import ir
from tierlang.synth import showcase
from tierlang.synth.calibration import Calibration, load_calibration
from tierlang.synth.constraints import REDRAWS, STALLS, Fit
from tierlang.synth.rng import ROW, check_arithmetic, normal_pair, stream_key, uniform, word
from tierlang.synth.schema import Column, Schema, SynthError, Threshold, build_schema

__all__ = ["Population", "synthesize", "RESERVED", "PARTNER_ID", "ANNIVERSARY", "FALLBACK_ANCHOR"]

PARTNER_ID = "partner_id"
ANNIVERSARY = "anniversary"
RESERVED = (PARTNER_ID, ANNIVERSARY)
#: Anniversaries start here when no program has an effective date (a fixed date, so that the
#: output never depends on the day it is generated).
FALLBACK_ANCHOR = _dt.date(2000, 1, 1)
#: Largest magnitude a generated value may reach before it is made exact: every integer up to
#: 2^53 is exact in float64, and 18 digits is what the data loader reads exactly.
_LIMIT = float(2**53)
_DECIMAL_PRECISION = 18
_DECIMAL_KINDS = frozenset({ir.Kind.NUMBER, ir.Kind.PERCENT, ir.Kind.MONEY})
_YEAR = 365  # days


@dataclass
class Population:
    """A generated population: `frame` has `partner_id`, one typed column per metric column
    (Int64 counts, Decimal decimals, Boolean, Date, String enums), `anniversary` and the
    profile columns (size, segment flags)."""

    frame: pl.DataFrame
    schema: Schema
    metric_columns: list[str]
    profile_columns: list[str]
    decimals: dict[str, int]  # decimal places of each decimal column
    anchor: _dt.date  # the first possible anniversary
    # a small sample (synth/showcase.py): the (program, track, level) it could not show
    not_shown: tuple[str, ...] = ()


def synthesize(
    programs: list[ir.Program],
    rows: int | None = None,
    *,
    seed: int = 0,
    calibration: Calibration | None = None,
    anniversary_from: _dt.date | None = None,
) -> Population:
    """Generate `rows` partners (default: the calibration's population.organizations) for
    `programs`. Raises `SynthError` for anything it cannot do (no program, rows < 1,
    incompatible shared columns, a profile column clashing with a metric column)."""
    cal = calibration or load_calibration()
    if not programs:
        raise SynthError("no program given", hint="name at least one .tier file")
    rows = cal["population"]["organizations"] if rows is None else rows
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise SynthError(f"rows must be a whole number of at least 1, not {rows!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SynthError(f"seed must be a whole number of at least 0, not {seed!r}")
    schema = build_schema(programs)
    anchor = anniversary_from or schema.anchor or FALLBACK_ANCHOR
    if rows < showcase.SHOWCASE_BELOW:
        return _showcase(programs, schema, cal, seed, rows, anchor)
    return _Generator(schema, cal, seed, rows, anchor).run()


def _showcase(programs: list[ir.Program], schema: Schema, cal: Calibration, seed: int, rows: int, anchor: _dt.date) -> Population:
    """A small sample chosen to show every level (see `synth.showcase`)."""
    pool = _Generator(schema, showcase.pool_calibration(cal), seed, showcase.POOL, anchor, streams="showcase/").run()
    per_row, wanted = showcase.shown(programs, pool.frame)
    chosen, _ = showcase.pick(per_row, wanted, rows)
    parts = [pool.frame[chosen]] if chosen else []
    if rows > len(chosen):
        parts.append(_Generator(schema, cal, seed, rows - len(chosen), anchor).run().frame)
    frame = pl.concat(parts, how="vertical")
    ids = pl.lit("P") + pl.int_range(1, frame.height + 1, dtype=pl.Int64).cast(pl.String).str.zfill(7)
    frame = frame.with_columns(ids.alias(PARTNER_ID))
    per_row, _ = showcase.shown(programs, frame)
    missing = wanted - set().union(*per_row)
    return Population(
        frame, pool.schema, pool.metric_columns, pool.profile_columns, pool.decimals, anchor, tuple(showcase.describe(missing))
    )


# ------------------------------------------------------------------ helpers


def _sigmoid(x: pl.Expr) -> pl.Expr:
    return 1.0 / (1.0 + (-x).exp())


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _log(x: float) -> float:
    """log that maps 0 to -inf (exp(-inf) = 0): a knob of 0 switches an effect off."""
    return math.log(x) if x > 0 else -math.inf


def _if(cond: pl.Expr, then, otherwise) -> pl.Expr:
    then = then if isinstance(then, pl.Expr) else pl.lit(then)
    otherwise = otherwise if isinstance(otherwise, pl.Expr) else pl.lit(otherwise)
    return pl.when(cond).then(then).otherwise(otherwise)


def _upper_units(t: Threshold, scale: int) -> int:
    """The smallest value on a grid of 1/scale that is on the upper side of `t`."""
    v = t.value * scale
    if v.denominator == 1:
        return int(v) if t.upper_closed else int(v) + 1
    return math.ceil(v)


def _lower_units(t: Threshold, scale: int) -> int:
    """The largest value on a grid of 1/scale that is on the lower side of `t`."""
    v = t.value * scale
    if v.denominator == 1:
        return int(v) - 1 if t.upper_closed else int(v)
    return math.floor(v)


def _decimal(units: pl.Expr, d: int) -> pl.Expr:
    """Whole numbers of 10^-d as an exact Decimal: an integer times the decimal 10^-d, which
    polars multiplies exactly (integer product, scales added), never through a binary float."""
    step = pl.lit(Decimal(1).scaleb(-d), pl.Decimal(_DECIMAL_PRECISION, d))
    return (units.cast(pl.Decimal(_DECIMAL_PRECISION, 0)) * step).cast(pl.Decimal(_DECIMAL_PRECISION, d))


def _rescale(units: pl.Expr, d_from: int, d_to: int) -> pl.Expr:
    """Whole numbers of 10^-d_from as whole numbers of 10^-d_to (rounded down)."""
    if d_to >= d_from:
        return units * 10 ** (d_to - d_from)
    return units // 10 ** (d_from - d_to)


# Names of the working columns (they contain a colon, which no metric column can).
_SIZE, _LN_SIZE, _CAPABILITY, _ENGAGED, _AIMS, _SEG_LOG, _BG_LOG, _ANNIV_U = (
    ":employees",
    ":ln_size",
    ":capability",
    ":engaged",
    ":aims",
    ":segment_log_intensity",
    ":background_log_intensity",
    ":anniversary_u",
)
_PARTNER = [ROW, _LN_SIZE, _CAPABILITY, _ENGAGED, _AIMS, _SEG_LOG, _BG_LOG]


def _flag(seg: str) -> str:
    return f":segment:{seg}"


def pursued_column(group: str) -> str:
    """The working column saying whether a partner pursues a group (a track reading columns)."""
    return f":pursued:{group}"


def _group_word(group: str) -> str:
    return f":word:track:{group}"


def _group_strength(group: str) -> str:
    return f":strength:{group}"


def _column_word(column: str) -> str:
    return f":word:{column}"


_BREADTH, _STRENGTH = ":breadth", ":strength"


# ------------------------------------------------------------------ the generator


class _Generator:
    def __init__(self, schema: Schema, cal: Calibration, seed: int, rows: int, anchor: _dt.date, streams: str = "") -> None:
        self.schema = schema
        self.streams = streams  # a prefix of every random stream's name: another population
        self.cal = cal
        self.seed = seed
        self.n = rows
        self.anchor = anchor
        self.segments = cal.segments
        self.knobs = {c.name: cal.column(c.name, c.kind.value) for c in schema.columns.values()}
        self._check_profile_names()
        self.fit = Fit(schema, {c.name: self._grid(c) for c in schema.columns.values()}, self._exact_ranges())

    def _check_profile_names(self) -> None:
        taken = {c: "a metric column" for c in self.schema.columns}
        taken.update({c: "a column tier synth always writes" for c in RESERVED})
        names = [("size.column", self.cal["size"]["column"])]
        names += [(f"segments.{s.name}.column", s.column) for s in self.segments]
        for knob, name in names:
            if not name:
                continue
            if name in taken:
                raise SynthError(
                    f"the profile column '{name}' (calibration knob {knob}) is also {taken[name]}",
                    hint=f'set {knob} to another name (or to "" to leave it out) in a file given with --calibration',
                )
            taken[name] = f"the profile column of {knob}"

    def _word(self, stream: str, j: int = 0, k: int = 1) -> pl.Expr:
        return word(stream_key(self.seed, self.streams + stream), j, k)

    def run(self) -> Population:
        out = self.units()
        decimals = self.decimals()
        frame = out.lazy().select(self.output(decimals)).collect()
        profile = [c for c in frame.columns if c not in self.schema.columns and c not in RESERVED]
        return Population(frame, self.schema, list(self.schema.columns), profile, decimals, self.anchor)

    def units(self) -> pl.DataFrame:
        """Every partner's values as whole units (numbers), ordinals (dates), bools and enum
        indexes, with ROW, the profile and whether it pursues each group (`pursued_column(group)`):
        what `output` turns into the written columns (and `synth.history` evolves month by
        month). Every row keeps the programs' input constraints (`synth.constraints`): a row
        that repair cannot mend is drawn again from other streams."""
        out = self.fit.repair(self._drawn())
        if not self.fit:
            return out
        stalls = 0
        for attempt in range(1, REDRAWS + 1):
            bad = out.select(self.fit.broken()).to_series()
            if not bad.any() or stalls == STALLS:
                break
            rows = out.filter(bad)[ROW]
            again = _Generator(self.schema, self.cal, self.seed, rows.len(), self.anchor, streams=f"{self.streams}redraw:{attempt}/")
            redrawn = self.fit.repair(again._drawn()).with_columns(rows)
            mended = redrawn.filter(~redrawn.select(self.fit.broken()).to_series())
            stalls = 0 if mended.height else stalls + 1
            out = pl.concat([out.filter(~bad), mended.select(out.columns), out.filter(bad).join(mended.select(ROW), on=ROW, how="anti")])
            out = out.sort(ROW)
        bad = out.select(self.fit.broken()).to_series()
        if bad.any():
            label, count = self.fit.most_broken(out)
            raise SynthError(
                f"cannot generate partners that keep the constraint {label}: {count:,} of {self.n:,} partners "
                f"still break it after drawing them again {attempt} times",
                hint="the constraint may be impossible within the metrics' declared ranges, or rarely met by "
                "independent values (a constraint joined by `or`, a `!=`); check its metrics' ranges, or relax it",
            )
        return out

    def _drawn(self) -> pl.DataFrame:
        """The partners as drawn, with the calibration's `[constraints]` caps."""
        check_arithmetic()
        df = pl.DataFrame({ROW: pl.int_range(0, self.n, dtype=pl.UInt64, eager=True)})
        df = df.with_columns(self._partner_size())
        df = df.with_columns(self._partner_traits())
        df = df.with_columns(self._engagement())
        df = df.with_columns(self._group_words())
        df = df.with_columns(self._groups()[:1])
        df = df.with_columns(self._groups()[1:])
        values = self._columns(df)
        keep = (ROW, _SIZE, _ANNIV_U, *(_flag(s.name) for s in self.segments), *(pursued_column(g) for g in self.schema.groups))
        out = pl.DataFrame([df[c] for c in keep] + values)
        del df, values  # the working columns are no longer needed: free them before the output
        for left, total in self.constraint_caps():
            out = out.with_columns(total.alias(left))
        return out

    def decimals(self) -> dict[str, int]:
        """Decimal places of each decimal column."""
        return {c.name: self._places(c) for c in self.schema.columns.values() if c.kind in _DECIMAL_KINDS}

    # -------------------------------------------------------------- partners

    def _partner_size(self) -> list[pl.Expr]:
        size_k = self.cal["size"]
        # Discrete Pareto by inversion: P(size >= s) = (minimum / s) ^ tail_index.
        u = uniform(self._word("partner", 0, 2), 0)
        employees = (u.pow(-1.0 / size_k["tail_index"]) * size_k["minimum"]).floor().clip(upper_bound=size_k["maximum"])
        return [employees.alias(_SIZE)]

    def _partner_traits(self) -> list[pl.Expr]:
        ln_size = (pl.col(_SIZE) / self.cal["size"]["reference"]).log()
        w = self._word("partner", 1, 2)
        capability, _ = normal_pair(uniform(w, 0, 16), uniform(w, 1, 16))
        out = [ln_size.alias(_LN_SIZE), (capability * self.cal["capability"]["sigma"]).alias(_CAPABILITY)]
        out.append(uniform(w, 2, 16).alias(_ANNIV_U))
        for seg in self.segments:
            p = _sigmoid(ln_size * seg.size_log_odds + _logit(min(seg.share, 1 - 1e-12)))
            out.append((uniform(self._word(f"segment:{seg.name}"), 0) < p).alias(_flag(seg.name)))
        return out

    def _engagement(self) -> list[pl.Expr]:
        eng, bg = self.cal["engagement"], self.cal["background"]
        logit = pl.col(_LN_SIZE) * eng["size_log_odds"] + eng["log_odds"]
        seg_log = pl.lit(0.0)
        for seg in self.segments:
            flag = pl.col(_flag(seg.name)).cast(pl.Float64)
            logit = logit + flag * seg.engagement_log_odds
            seg_log = seg_log + flag * math.log(seg.intensity)
        engaged = uniform(self._word("partner", 0, 2), 1) < _sigmoid(logit)
        aims = uniform(self._word("partner", 1, 2), 3, 16) < _if(engaged, self.cal["aim"]["rate"], bg["aim"])
        return [
            engaged.alias(_ENGAGED),
            aims.alias(_AIMS),
            seg_log.alias(_SEG_LOG),
            _if(engaged, 0.0, _log(bg["intensity"])).alias(_BG_LOG),
        ]

    def _group_words(self) -> list[pl.Expr]:
        return [self._word(f"track:{g}").alias(_group_word(g)) for g in self.schema.groups]

    def _groups(self) -> list[pl.Expr]:
        """Whether each partner pursues each group. (A group's strength is drawn from the
        same word, for the pursuing partners only: see `_draws`.)"""
        pk, bg = self.cal["pursuit"], self.cal["background"]
        per_program: dict[str, int] = {}
        for g in self.schema.groups.values():
            per_program[g.program] = per_program.get(g.program, 0) + 1
        # The expected number of a program's tracks an engaged partner pursues: at least one
        # (being engaged means pursuing something), more for larger partners.
        breadth = ((pl.col(_LN_SIZE) * pk["size_elasticity"]).exp() * pk["breadth"]).clip(lower_bound=1.0)
        out = [breadth.alias(_BREADTH)]
        for g in self.schema.groups.values():
            p = pl.col(_BREADTH) / per_program[g.program]
            for seg in self.segments:
                if any(seg.matches(c) for c in g.columns):
                    p = p * _if(pl.col(_flag(seg.name)), seg.pursuit, seg.others)
            p = p.clip(0.0, 1.0) * _if(pl.col(_ENGAGED), 1.0, bg["pursuit"])
            out.append((uniform(pl.col(_group_word(g.key)), 0) < p).alias(pursued_column(g.key)))
        return out

    # -------------------------------------------------------------- columns

    def _columns(self, df: pl.DataFrame) -> list[pl.Series]:
        """Every metric column as whole units (numbers, dates as ordinals), bools or enum
        indexes. Values are computed only for the partners who pursue a track reading the
        column (often a few percent of them); the others get the column's resting value."""
        by_groups: dict[tuple[str, ...], list[Column]] = {}
        for col in self.schema.columns.values():
            by_groups.setdefault(tuple(col.groups), []).append(col)
        computed: dict[str, pl.Series] = {}
        for groups, cols in by_groups.items():
            if groups:
                active = reduce(lambda a, b: a | b, (pl.col(pursued_column(g)) for g in groups))
                needed = [*_PARTNER, *(c for g in groups for c in (pursued_column(g), _group_word(g)))]
            else:  # read by no track: every engaged partner has it
                active = pl.col(_ENGAGED)
                needed = list(_PARTNER)
            sub = df.lazy().select(needed).filter(active).collect()
            # Draw once per subset: each group's strength, each column's word.
            sub = sub.with_columns(
                [self._strength(g).alias(_group_strength(g)) for g in groups]
                + [self._word(f"column:{c.name}").alias(_column_word(c.name)) for c in cols]
            )
            if len(groups) > 1:
                # The partner's strength in the pursued groups that read the column, averaged.
                pursued = [pl.col(pursued_column(g)).cast(pl.Float64) for g in groups]
                total = pl.sum_horizontal([pl.col(_group_strength(g)) * p for g, p in zip(groups, pursued)])
                sub = sub.with_columns((total / pl.sum_horizontal(pursued).clip(lower_bound=1.0)).alias(_STRENGTH))
            else:
                sub = sub.with_columns((pl.col(_group_strength(groups[0])) if groups else pl.lit(0.0)).alias(_STRENGTH))
            sub = sub.with_columns([self._raw(c) for c in cols])
            sub = sub.select([pl.col(ROW), *(self._finish(c) for c in cols)])
            index = sub[ROW].cast(pl.Int64)
            for c in cols:
                rest = self._resting(c)
                full = pl.repeat(rest, self.n, dtype=sub[c.name].dtype, eager=True)
                computed[c.name] = full.scatter(index, sub[c.name]).rename(c.name)
        return [computed[c] for c in self.schema.columns]

    def _resting(self, col: Column):
        """The value of a column for partners who do not pursue it."""
        if col.kind is ir.Kind.BOOL:
            return False
        if col.kind is ir.Kind.ENUM:
            return 0
        if col.kind is ir.Kind.DATE:
            return self.anchor.toordinal()
        lo, hi = self._range_units(col, self._grid(col))
        return min(max(0, lo), hi)

    def _places(self, col: Column) -> int:
        """Decimal places of a column's values (0 for all but decimal kinds)."""
        return (self.knobs[col.name].decimals or 0) if col.kind in _DECIMAL_KINDS else 0

    def _grid(self, col: Column) -> int:
        return 10 ** self._places(col)

    def _draws(self, col: Column) -> _Draws:
        """The random draws of one column for a pursuing partner, from its word (the same
        expressions in every stage)."""
        knobs = self.knobs[col.name]
        w = pl.col(_column_word(col.name))
        z1, z2 = normal_pair(uniform(w, 0, 16), uniform(w, 1, 16))
        u_misc = uniform(w, 3, 16)
        # A structural zero (the column does not apply to this partner) takes the low part of
        # u_misc; the landing point of an aiming partner the rest, rescaled to (0, 1).
        zero = knobs.zero_share
        return _Draws(
            z1=z1,
            z2=z2,
            u_round=uniform(w, 2, 16),
            applies=u_misc >= zero,
            u_land=(u_misc - zero) / max(1.0 - zero, 1e-12),
        )

    def _strength(self, group: str) -> pl.Expr:
        w = pl.col(_group_word(group))
        z, _ = normal_pair(uniform(w, 2, 16), uniform(w, 3, 16))
        return z * self.cal["pursuit"]["sigma"]

    def _raw(self, col: Column) -> pl.Expr:
        """The column's value before aiming and clipping."""
        knobs = self.knobs[col.name]
        d = self._draws(col)
        log_relative = (
            pl.col(_LN_SIZE) * knobs.size_elasticity
            + pl.col(_CAPABILITY)
            + pl.col(_STRENGTH)
            + d.z1 * knobs.sigma
            + pl.col(_SEG_LOG)
            + pl.col(_BG_LOG)
        )
        kind = col.kind
        rest = pl.lit(self._resting(col))
        if kind is ir.Kind.BOOL:
            if knobs.true_share <= 0:
                value = pl.lit(False)
            elif knobs.true_share >= 1:
                value = d.applies
            else:
                value = d.applies & (d.u_round < _sigmoid(log_relative + _logit(knobs.true_share)))
        elif kind is ir.Kind.ENUM:
            k = len(col.type.values)
            # Ordered enums rise with the partner (the median partner sits in the middle);
            # unordered ones are spread evenly.
            q = _sigmoid(log_relative) if col.type.ordered else d.u_round
            value = _if(d.applies, (q * k).floor().clip(0, k - 1).cast(pl.Int64), rest.cast(pl.Int64))
        elif kind is ir.Kind.DATE:
            # Dates fall in the two years before the anchor date (e.g. "certified since").
            value = _if(d.applies, self.anchor.toordinal() - (d.u_round * 730.0).floor().cast(pl.Int64), rest.cast(pl.Int64))
        else:
            grid = self._grid(col)
            scale = knobs.scale if knobs.scale is not None else self._scale(col)
            natural = ((log_relative + _log(knobs.level)).exp() + knobs.shift) * scale + d.z2 * (knobs.noise * scale)
            if knobs.cap is not None:
                natural = natural.clip(upper_bound=knobs.cap)
            # Stochastic rounding to the grid: floor(x + U) is x on average.
            units = (natural * grid + d.u_round).clip(-_LIMIT, _LIMIT).floor().cast(pl.Int64)
            value = _if(d.applies, units, rest.cast(pl.Int64))
        return value.alias(col.name)

    def _finish(self, col: Column) -> pl.Expr:
        """Aim, then clip to the declared range (numbers and dates)."""
        raw = pl.col(col.name)
        if col.kind in (ir.Kind.BOOL, ir.Kind.ENUM):
            return raw
        value = self._aim(col, raw)
        if col.kind is not ir.Kind.DATE:
            value = value.clip(*self._range_units(col, self._grid(col)))
        return value.alias(col.name)

    def _scale(self, col: Column) -> float:
        positive = [t.value for t in col.thresholds if t.value > 0]
        return float(min(positive)) if positive else 1.0

    def _exact_ranges(self) -> dict[str, tuple[int | None, int | None]]:
        """Each numeric column's declared range in units (None: unbounded that way)."""
        out: dict[str, tuple[int | None, int | None]] = {}
        for col in self.schema.columns.values():
            if col.type.is_numeric:
                grid = self._grid(col)
                lo = None if col.minimum is None else math.ceil(col.minimum * grid)
                out[col.name] = (lo, None if col.maximum is None else math.floor(col.maximum * grid))
        return out

    def _range_units(self, col: Column, grid: int) -> tuple[int, int]:
        limit = 10**_DECIMAL_PRECISION - 1
        lo = -limit if col.minimum is None else max(math.ceil(col.minimum * grid), -limit)
        hi = limit if col.maximum is None else min(math.floor(col.maximum * grid), limit)
        return lo, hi

    def _aim(self, col: Column, v: pl.Expr) -> pl.Expr:
        """Move a value within reach of the next threshold to a landing point around it, for
        partners who aim and to whom the column applies."""
        knobs = self.knobs[col.name]
        if not knobs.aim or not col.thresholds:
            return v
        ak = self.cal["aim"]
        grid = self._grid(col)
        higher = col.direction != "lower"
        if higher:
            targets = sorted({_upper_units(t, grid) for t in col.thresholds})
        else:
            targets = sorted({_lower_units(t, grid) for t in col.thresholds}, reverse=True)
        d = self._draws(col)
        offset = self._landing_offset(d.u_land)
        aimed = None
        for t in targets:  # the next threshold is the first one the value has not reached
            # Reach and steps are relative to the threshold; for a date (an ordinal day
            # number) relative to a year.
            size = _YEAR if col.kind is ir.Kind.DATE else abs(t)
            reach = max(math.floor(ak["reach"] * size), ak["reach_units"])
            step = max(1, math.floor(size * ak["landing_step"]))
            below = v < t if higher else v > t
            within = v >= t - reach if higher else v <= t + reach
            point = t + offset * step if higher else t - offset * step
            aimed = (pl.when(below) if aimed is None else aimed.when(below)).then(_if(within, point, v))
        assert aimed is not None
        return _if(pl.col(_AIMS) & d.applies, aimed.otherwise(v), v)

    def _landing_offset(self, u: pl.Expr) -> pl.Expr:
        """Where an aiming partner lands, in steps from the threshold, drawn with the landing
        weights."""
        ak = self.cal["aim"]
        offsets, weights = ak["landing_offsets"], ak["landing_weights"]
        total = float(sum(weights))
        expr = None
        cumulative = 0.0
        for o, w in zip(offsets[:-1], weights[:-1]):
            cumulative += w / total
            expr = (pl.when(u < cumulative) if expr is None else expr.when(u < cumulative)).then(pl.lit(o, pl.Int64))
        last = pl.lit(offsets[-1], pl.Int64)
        return last if expr is None else expr.otherwise(last)

    # -------------------------------------------------------------- constraints and output

    def constraint_caps(self) -> list[tuple[str, pl.Expr]]:
        """(column, capped value) for every constraint `left <= sum(right)`, in order."""
        numeric = [c.name for c in self.schema.columns.values() if c.type.is_numeric]
        out = []
        for constraint in self.cal.constraints:
            for left, right in constraint.bind(numeric):
                col = self.schema.columns[left]
                d = self._places(col)
                total = pl.sum_horizontal([_rescale(pl.col(r), self._places(self.schema.columns[r]), d) for r in right])
                out.append((left, pl.min_horizontal(pl.col(left), total).clip(*self._range_units(col, self._grid(col)))))
        return out

    def output(self, decimals: dict[str, int]) -> list[pl.Expr]:
        """The written columns, from the frame of `units`."""
        ids = pl.lit("P") + (pl.col(ROW).cast(pl.Int64) + 1).cast(pl.String).str.zfill(7)
        out = [ids.alias(PARTNER_ID)]
        for col in self.schema.columns.values():
            value = pl.col(col.name)
            if col.kind is ir.Kind.ENUM:
                value = value.replace_strict(dict(enumerate(col.type.values)), return_dtype=pl.String)
            elif col.kind is ir.Kind.DATE:
                value = pl.lit(_dt.date.fromordinal(1), pl.Date) + pl.duration(days=value - 1)
            elif col.name in decimals:
                value = _decimal(value, decimals[col.name])
            out.append(value.alias(col.name))
        offsets = (pl.col(_ANNIV_U) * 365.0).floor().cast(pl.Int64)
        out.append((pl.lit(self.anchor, pl.Date) + pl.duration(days=offsets)).alias(ANNIVERSARY))
        if self.cal["size"]["column"]:
            out.append(pl.col(_SIZE).cast(pl.Int64).alias(self.cal["size"]["column"]))
        for seg in self.segments:
            if seg.column:
                out.append(pl.col(_flag(seg.name)).alias(seg.column))
        return out


@dataclass
class _Draws:
    z1: pl.Expr
    z2: pl.Expr
    u_round: pl.Expr
    applies: pl.Expr
    u_land: pl.Expr
