"""`evaluate_history`: the long table in, the partner × month × track result out (see the
package docstring for what it means, `reference` for the exact definition)."""

from __future__ import annotations

import datetime as _dt
import math
import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace

import polars as pl

from tierlang import dates, ir
from tierlang.data import ANNIVERSARY, MONTH, PID, Dataset, _DeferredDataset, load_dataset
from tierlang.engine.api import ProgramError, evaluate_levels, score_columns
from tierlang.engine.results import SCORE_DECIMAL, ScoreColumn, decimal_text_expr, decimal_value_expr, named, score_series
from tierlang.history import frame as F
from tierlang.history.plan import level_column, rounds
from tierlang.history.reference import reference_partner
from tierlang.passes.holds import QUALIFIED

__all__ = ["History", "HistoryError", "evaluate_history", "prepare", "partner_inputs", "ENGINES", "HISTORY_SCHEMA"]

#: The engines of a history: every month's levels come from the engine named (the SQL
#: engines run the compiled query over all partner-months at once, each row's month its
#: evaluation date); the status rules over the months are then applied by polars, except
#: for the interpreter, which is the reference and applies them itself.
ENGINES = ("vectorized", "interpreter", "duckdb", "spark")

#: The DESIGN §4.4 output columns.
HISTORY_SCHEMA = {PID: pl.String, MONTH: pl.Date, "track": pl.String, "level": pl.String, "score": pl.String, "held_by": pl.String}

ProgramAt = Callable[[_dt.date], ir.Program]

#: Grid rows turned into long rows at a time when a history is written (`History.long_lazy`).
WRITE_ROWS = 1_000_000


class HistoryError(Exception):
    """A history cannot be evaluated as asked (no months in range, no month column …)."""


@dataclass
class History:
    """A program evaluated over a history.

    `grid` has one row per partner and month of the whole history (`first` … the last
    month, partners in order of first appearance), `__data__` (whether the partner has a row
    that month), and per track: `H:<track>` (level index
    held, -1 none), `B:<track>` (held_by code: 0 none, 1 qualified, 2 + i the track's i-th
    rule in `program.holds_of(track)`), `E:<track>` (the level the month's rules give) and
    `S:<track>` (the month's exact score: integers over `score_scales[track]`, or exact
    decimal text for a track in `text_scores`; null for a month without data or a track
    without a score). `months` are the months written (`start` … `end`)."""

    program: ir.Program
    dataset: Dataset
    engine: str
    first: _dt.date
    months: list[_dt.date]
    partner_ids: list[str]
    grid: pl.DataFrame
    program_at: ProgramAt | None = None  # the program in force on a day (dated parameters)
    score_scales: dict[str, int] = field(default_factory=dict)
    text_scores: frozenset[str] = frozenset()  # scores too large for 128-bit integers, as text

    shown: tuple[str, ...] | None = None  # the tracks to write (see Evaluation.shown)

    @property
    def tracks(self) -> list[str]:
        return [t.name for t in self.program.shown_tracks(self.shown)]

    def held_by_names(self, track: str) -> dict[int, str | None]:
        names: dict[int, str | None] = {0: None, 1: QUALIFIED}
        for i, h in enumerate(self.program.holds_of(track)):
            names[2 + i] = h.name
        return names

    def _written(self, grid: pl.DataFrame | None = None) -> pl.LazyFrame:
        grid = self.grid if grid is None else grid
        return grid.lazy().filter(pl.col(MONTH) >= pl.lit(self.months[0], pl.Date))

    def score_expr(self, track: str, decimal: bool = False) -> pl.Expr:
        """The track's scores as exact decimal text, or with `decimal` as `SCORE_DECIMAL`
        (Parquet: the same value as a decimal number), as `tier eval` writes them."""
        col = pl.col(f"S:{track}")
        if track in self.text_scores:
            return col.cast(SCORE_DECIMAL) if decimal else col
        scale = self.score_scales.get(track)
        if scale is None:
            return pl.lit(None, SCORE_DECIMAL if decimal else pl.String)
        return decimal_value_expr(col, scale) if decimal else decimal_text_expr(col, scale)

    def _long_rows(self, grid: pl.DataFrame, t: ir.Track, decimal: bool) -> pl.LazyFrame:
        """The long rows of track `t` for the grid rows `grid` (the whole grid or a slice)."""
        held_by = self.held_by_names(t.name)
        return self._written(grid).select(
            pl.col(PID),
            pl.col(MONTH),
            pl.lit(t.name).alias("track"),
            named(pl.col(F.held(t.name)), t.level_names).alias("level"),
            self.score_expr(t.name, decimal).alias("score"),
            named(pl.col(F.held_by_code(t.name)), [held_by.get(i) for i in range(max(held_by) + 1)]).alias("held_by"),
        )

    def long_lazy(self, decimal: bool = False) -> pl.LazyFrame:
        """partner_id, month, track, level, score, held_by (DESIGN §4.4): track by track
        (program order), then partner by partner, month by month. `score` is exact decimal
        text, or with `decimal=True` the same value as `SCORE_DECIMAL`.

        The rows are made `WRITE_ROWS` grid rows of one track at a time, as a source polars
        pulls from (a sink streams them to the file): as one lazy concat of the tracks'
        queries, polars' streaming engine ran every track's branch at once and held about
        2 GB more at 430,000 partners × 24 months."""
        from polars.io.plugins import register_io_source

        shown = self.program.shown_tracks(self.shown)
        if not shown:
            return pl.LazyFrame(schema=HISTORY_SCHEMA)
        schema = self._long_rows(self.grid.clear(), shown[0], decimal).collect_schema()

        def batches(with_columns, predicate, n_rows, batch_size):
            left = n_rows
            for t in shown:
                for at in range(0, self.grid.height, WRITE_ROWS):
                    lf = self._long_rows(self.grid.slice(at, WRITE_ROWS), t, decimal)
                    if predicate is not None:
                        lf = lf.filter(predicate)
                    if with_columns is not None:
                        lf = lf.select(with_columns)
                    df = lf.collect() if left is None else lf.head(left).collect()
                    yield df
                    if left is not None:
                        left -= df.height
                        if left <= 0:
                            return

        return register_io_source(batches, schema=schema)

    def long(self, decimal: bool = False) -> pl.DataFrame:
        return self.long_lazy(decimal).collect()

    def summary(self) -> dict[str, list[tuple[_dt.date, dict[str | None, int], int]]]:
        """Per track, per month written: (month, partners per level in ladder order with None
        first, how many of the level holders a status rule keeps)."""
        exprs = []
        shown = self.program.shown_tracks(self.shown)
        for t in shown:
            h, b = pl.col(F.held(t.name)), pl.col(F.held_by_code(t.name))
            exprs.append((h < 0).sum().alias(f"{t.name}\0none"))
            exprs += [(h == i).sum().alias(f"{t.name}\0{i}") for i in range(len(t.level_names))]
            exprs.append((b >= 2).sum().alias(f"{t.name}\0kept"))
        got = self._written().group_by(MONTH).agg(exprs).sort(MONTH).collect()
        out: dict[str, list] = {}
        for t in shown:
            rows = []
            for rec in got.iter_rows(named=True):
                counts: dict[str | None, int] = {None: rec[f"{t.name}\0none"]}
                for i, name in enumerate(t.level_names):
                    counts[name] = rec[f"{t.name}\0{i}"]
                rows.append((rec[MONTH], counts, rec[f"{t.name}\0kept"]))
            out[t.name] = rows
        return out

    def metadata(self) -> dict[str, str | None]:
        p = self.program
        return {
            "program": p.name,
            "version": p.version,
            "content_hash": p.content_hash,
            "from": dates.month_text(self.months[0]),
            "to": dates.month_text(self.months[-1]),
            "history_starts": dates.month_text(self.first),
            "engine": self.engine,
            "data": self.dataset.path,
        }

    def drop_inputs(self) -> None:
        """Forget the input rows (the dataset's frame; its errors and rejects stay): what is
        written comes from the grid alone, and 430,000 partners × 24 months of inputs are
        gigabytes. `partner_inputs` and a diff's reasons need them: keep them for those."""
        if isinstance(self.dataset, _DeferredDataset):
            self.dataset.frame = None  # read again only if asked for
        else:
            self.dataset = replace(self.dataset, frame=self.dataset.frame.clear())

    def partner_rows(self, partner_id: str) -> pl.DataFrame:
        """One partner's grid rows (every month of the history), or an empty frame."""
        return self.grid.filter(pl.col(PID) == partner_id)


# ------------------------------------------------------------------ entry point


def evaluate_history(
    program: ir.Program | str | os.PathLike,
    data: str | os.PathLike | Dataset,
    *,
    start: _dt.date | None = None,
    end: _dt.date | None = None,
    engine: str = "vectorized",
    on_error: str = "stop",
    program_at: ProgramAt | None = None,
    tables=None,
    options=None,
) -> History:
    """Evaluate `program` at every month of the long table `data` (see the package
    docstring) and write the months from `start` to `end` (default: the data's first and
    last). `program_at(day)` gives the program with the parameters in force on `day`
    (default: the program's file loaded for that day); `options` are the data's reading
    options (`tierlang.data.ReadOptions`: CSV separator and encoding, Excel sheet).

    A program that reads records takes a folder of tables (or a mapping, as
    `tierlang.evaluate`; `tables` as there): each month's records metrics are computed as of
    its first day (`tierlang.records.history`), from as far before `start` as the
    program's status rules look back (`tierlang.records.history.months_back`)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine in ("duckdb", "spark"):
        read = program if isinstance(program, ir.Program) else _programs(program, program_at)[0]
        if read.record_metrics or read.row_tracks:
            raise HistoryError(
                f"{read.name} computes metrics from related tables: a history of records runs on the vectorized "
                f"or the interpreter engine, not {engine} (tier eval --engine {engine} evaluates records at one date)"
            )
    streamed = _streamed(program, data, start, end, on_error, program_at, options, tables) if engine == "vectorized" else None
    first_round = None
    if streamed is not None:
        base, program_at, dataset, inputs, months, start, first_round = streamed
    else:
        base, program_at, dataset, months, start = prepare(program, data, start, end, on_error, program_at, options, tables)
        inputs = dataset
    end = months[-1]
    rows = inputs.frame.filter(pl.col(MONTH) <= pl.lit(end, pl.Date))
    partner_ids = rows[PID].unique(maintain_order=True).to_list()
    rows = rows.with_columns(_positions(rows, partner_ids, months))
    base = program_at(start)
    grid = _grid(partner_ids, months, rows)
    scales: dict[str, int] = {}
    text: set[str] = set()
    if engine != "interpreter":
        grid = _vectorized(base, program_at, inputs, rows, grid, months, scales, text, first_round, engine)
    else:
        grid = _reference(base, program_at, dataset, rows, grid, months, scales, text)
    written = [m for m in months if m >= start]
    return History(base, dataset, engine, months[0], written, partner_ids, grid, program_at, scales, frozenset(text))


def prepare(
    program: ir.Program | str | os.PathLike,
    data: str | os.PathLike | Dataset,
    start: _dt.date | None,
    end: _dt.date | None,
    on_error: str = "stop",
    program_at: ProgramAt | None = None,
    options=None,
    tables=None,
    partners: Collection[str] | None = None,
) -> tuple[ir.Program, ProgramAt, Dataset, list[_dt.date], _dt.date]:
    """What a history's evaluation starts from: the program, `program_at`, the validated
    dataset, every month of the history (from its first, which may be before `start`) and
    the first month written. `partners`: for a records program, compute the records metrics
    of these partners only (`tier explain --history`: a partner's metrics are its own rows')."""
    base, program_at = _programs(program, program_at)
    if not isinstance(data, Dataset) and (base.record_metrics or tables or not isinstance(data, str | os.PathLike) or os.path.isdir(data)):
        if start is None or end is None:
            raise HistoryError(
                "a history of records needs its months (the tables hold no list of them): give the first"
                " and the last with --from and --to, e.g. --from 2023-01 --to 2023-12"
            )
        from tierlang.records.history import history_dataset

        data = history_dataset(_monthly(program, program_at), data, start, end, tables=tables, on_error=on_error, partners=partners)
    dataset = data if isinstance(data, Dataset) else load_dataset(data, base, on_error=on_error, history=True, options=options)
    if MONTH not in dataset.frame.columns:
        raise HistoryError("the data has no month column: a history has one row per partner and month")
    months, start = _range(dataset.frame, start, end)
    return base, program_at, dataset, months, start


def _range(frame: pl.DataFrame, start: _dt.date | None, end: _dt.date | None) -> tuple[list[_dt.date], _dt.date]:
    """Every month of the history of `frame`'s rows (from the first, which may be before
    `start`) and the first month written."""
    data_months = frame.select(pl.col(MONTH).min().alias("lo"), pl.col(MONTH).max().alias("hi")).row(0)
    if data_months[0] is None and (start is None or end is None):
        raise HistoryError("the data has no rows: give --from and --to, or a history with rows")
    start = dates.month_start(start) if start is not None else data_months[0]
    end = dates.month_start(end) if end is not None else data_months[1]
    if end < start:
        raise HistoryError(f"the range ends ({dates.month_text(end)}) before it starts ({dates.month_text(start)})")
    first = min(start, data_months[0]) if data_months[0] is not None else start
    return list(dates.month_range(first, end)), start


@dataclass(frozen=True)
class _FirstRound:
    """The first round's levels and scores, computed while the file was read (`_streamed`):
    columns `L:<track>`, `S:<track>` (and `SD:<track>`) of the rows."""

    program: ir.Program
    compiled: object  # the vectorized engine's compiled plan (tierlang.engine.vectorized.Compiled)


def _streamed(program, data, start, end, on_error: str, program_at, options, tables):
    """A history file read, checked and evaluated for the first round in one lazy query that
    polars streams: the input columns are never all in memory (for 430,000 partners × 24
    months they are gigabytes); only what later rounds read is kept. Returns what
    `evaluate_history` starts from — (program, program_at, the dataset (read again only if
    asked for), the rows kept, every month, the first month written, the first round) — or
    None when the input takes `prepare` instead: records, a frame, a program with dated
    parameters, a file only `load_dataset` reads, any problem in the data (which `prepare`
    then reports exactly) or a value the Int64 plan cannot hold."""
    if on_error != "stop" or tables or program_at is not None or not isinstance(data, str | os.PathLike) or not os.path.isfile(data):
        return None
    base, program_at = _programs(program, None)
    if base.record_metrics or _dated(base):
        return None
    from tierlang.data import BAD, ROW, scan_dataset
    from tierlang.engine.errors import EvaluationError
    from tierlang.engine.vectorized import NoInt64, compile_program

    scan = scan_dataset(data, base, options=options, history=True)
    if scan is None:
        return None
    first, *later = rounds(base)
    need = [
        m
        for m in dict.fromkeys(
            name for r in later for t in r.program.tracks for name in ir.metrics_read(t, r.program.metric_map, r.program.gate_map)
        )
        if m in base.metric_map
    ]
    keep = [MONTH, *([ANNIVERSARY] if ANNIVERSARY in scan.frame.collect_schema().names() else []), *need]
    try:
        compiled = compile_program(first.program, scan.scales, widest=pl.Int64, as_of_column=MONTH)
    except (NoInt64, EvaluationError):
        return None
    query = compiled.plan(scan.frame, keep=(BAD, *keep)).select(ROW, PID, "__fallback__", BAD, *keep, pl.col(r"^(L|S|SD):.*$"))
    try:
        out, duplicates = pl.collect_all([query, scan.duplicates], engine="streaming")
    except pl.exceptions.PolarsError:
        return None
    if duplicates.item() or out.select(pl.col(BAD).any() | pl.col("__fallback__").any()).item():
        return None
    out = out.drop("__fallback__", BAD)
    months, start = _range(out, start, end)
    inputs = Dataset(
        path=scan.path,
        format=scan.format,
        frame=out,
        scales={m: s for m, s in scan.scales.items() if m in need},
        metrics=tuple(m for m in scan.metrics if m.name in need),
        total_rows=out.height,
        columns=scan.columns,
    )
    return base, program_at, scan.dataset(out.height), inputs, months, start, _FirstRound(first.program, compiled)


def partner_inputs(dataset: Dataset, partner_id: str, end: _dt.date) -> tuple[dict, dict] | None:
    """One partner's values and anniversaries by month (up to `end`), or None when the
    partner has no row."""
    has_ann = ANNIVERSARY in dataset.frame.columns
    rows = dataset.frame.filter((pl.col(PID) == partner_id) & (pl.col(MONTH) <= pl.lit(end, pl.Date)))
    if rows.height == 0:
        return None
    values, anniversaries = {}, {}
    for rec in rows.iter_rows(named=True):  # a records history's ratios come with their denominators
        values[rec[MONTH]] = dataset._values(rec)
        if has_ann:
            anniversaries[rec[MONTH]] = rec[ANNIVERSARY]
    return values, anniversaries


def _programs(program, program_at: ProgramAt | None) -> tuple[ir.Program, ProgramAt]:
    """The program (as given, or loaded for its effective date) and `program_at`, memoised
    per set of dated parameters' values (a program without dated parameters is lowered once:
    the evaluation date reaches the rules through the data's month column)."""
    from tierlang.loader import load_program

    def load(path, day: _dt.date | None) -> ir.Program:
        r = load_program(path, day, checks=False)
        if not r.ok:
            raise ProgramError(str(path), r.errors)
        assert r.program is not None
        return r.program

    if isinstance(program, ir.Program):
        base, path = program, (program.files[-1] if program.files else None)
    else:
        path = os.fspath(program)
        base = load(path, None)
    if program_at is None:
        program_at = (lambda day: load(path, day)) if path is not None and _dated(base) else (lambda day: base)
    cache: dict[tuple, ir.Program] = {}

    def memo(day: _dt.date) -> ir.Program:
        key = _epoch(base, day)
        if key not in cache:
            cache[key] = program_at(day)
        return cache[key]

    return base, memo


def _monthly(program, program_at: ProgramAt) -> ProgramAt:
    """The program lowered for each evaluation date: a records program's windows are dates
    of its own month (the rules' program, `program_at`, changes only with dated parameters)."""
    from tierlang.loader import load_program

    path = program.files[-1] if isinstance(program, ir.Program) and program.files else program
    if isinstance(path, ir.Program):
        return program_at

    def load(day: _dt.date) -> ir.Program:
        r = load_program(path, day, checks=False)
        if not r.ok:
            raise ProgramError(str(path), r.errors)
        assert r.program is not None
        return r.program

    return load


def _dated(program: ir.Program) -> bool:
    return any(p.dated for p in program.params)


def _epoch(program: ir.Program, day: _dt.date) -> tuple:
    """What the program's meaning depends on at `day`: the values of its dated parameters."""
    out = []
    for p in program.params:
        value = p.initial if p.initial is not None else p.value
        for when, v in p.dated:
            if when <= day:
                value = v
        out.append(value)
    return tuple(out)


def _grid(partner_ids: list[str], months: list[_dt.date], rows: pl.DataFrame) -> pl.DataFrame:
    """Partners × months, sorted by partner then month, with each row's anniversary (`rows`
    has each row's position in the grid, `_positions`)."""
    n, m = len(partner_ids), len(months)
    at = pl.int_range(0, n * m, dtype=pl.Int64)
    grid = pl.select(
        pl.lit(pl.Series(PID, partner_ids, dtype=pl.String)).gather(at // m).alias(PID),
        pl.lit(pl.Series(MONTH, months, dtype=pl.Date)).gather(at % m).alias(MONTH),
        (at % m).cast(pl.Int32).alias(F.K),
    )
    g = rows[F.ROWNUM]
    grid = grid.with_columns(_filled(n * m, False, pl.Boolean).scatter(g, True).alias(F.DATA))
    if ANNIVERSARY in rows.columns:
        ann = _filled(n * m, None, pl.Date).scatter(g, rows[ANNIVERSARY]).alias(F.ANN)
        grid = grid.with_columns(ann).with_columns(pl.col(F.ANN).forward_fill().backward_fill().over(PID))
    else:
        grid = grid.with_columns(pl.lit(None, pl.Date).alias(F.ANN))
    return grid


def _positions(rows: pl.DataFrame, partner_ids: list[str], months: list[_dt.date]) -> pl.Series:
    """Each data row's position in the grid."""
    index = pl.DataFrame(
        {PID: pl.Series(partner_ids, dtype=pl.String), "__p__": pl.int_range(0, len(partner_ids), dtype=pl.Int64, eager=True)}
    )
    first = months[0]
    mi = (pl.col(MONTH).dt.year().cast(pl.Int64) * 12 + pl.col(MONTH).dt.month().cast(pl.Int64)) - (first.year * 12 + first.month)
    got = rows.select(PID, mi.alias("__m__")).join(index, on=PID, how="left", maintain_order="left")
    return (got["__p__"] * len(months) + got["__m__"]).rename(F.ROWNUM)


# ------------------------------------------------------------------ the vectorized engine


def _scores(name: str, n: int, parts: list[tuple[pl.Series, ScoreColumn]], scales: dict[str, int], text: set[str]) -> pl.Series:
    """A track's scores over the grid, from each epoch's evaluation: integers over the least
    common multiple of the epochs' scales (exact; `scales` gets it), or text when a score is
    too large for 128-bit integers (`text` gets the track)."""
    track = name[2:]
    if not parts:
        return _filled(n, None, pl.Int64).alias(name)
    if any(sc.exact or sc.den is not None for _, sc in parts):  # over a ratio's denominator: as text
        out = _filled(n, None, pl.String)
        for at, sc in parts:
            out = out.scatter(at, pl.DataFrame(sc.columns()).select(sc.text().alias("s"))["s"])
        text.add(track)
        return out.alias(name)
    scale = math.lcm(*(sc.scale for _, sc in parts))
    dtype = pl.Int128 if any(sc.values.dtype == pl.Int128 or sc.wide for _, sc in parts) else pl.Int64
    out = _filled(n, None, dtype)
    for at, sc in parts:
        values = sc.values.cast(dtype)
        out = out.scatter(at, values if sc.scale == scale else values * (scale // sc.scale))
    scales[track] = scale
    return out.alias(name)


def _vectorized(
    base: ir.Program,
    program_at: ProgramAt,
    dataset: Dataset,
    rows: pl.DataFrame,
    grid: pl.DataFrame,
    months,
    scales,
    text,
    first_round: _FirstRound | None = None,
    engine: str = "vectorized",
) -> pl.DataFrame:
    epochs = _epochs(base, program_at, months)
    n = grid.height
    plans = {id(p): rounds(p) for p, _ in epochs}
    for r in range(len(plans[id(epochs[0][0])])):
        earned: dict[str, pl.Series] = {}
        scores: dict[str, list[tuple[pl.Series, ScoreColumn]]] = {}
        if r == 0 and first_round is not None:  # evaluated while the file was read (one epoch)
            at = rows[F.ROWNUM]
            got_scores = score_columns(first_round.program.tracks, first_round.compiled, rows, wide=False)  # type: ignore[arg-type]
            for t in plans[id(epochs[0][0])][0].tracks:
                earned[t] = _filled(n, -1, pl.Int16).scatter(at, rows[f"L:{t}"].cast(pl.Int16).fill_null(-1))
                if t in got_scores:
                    scores[t] = [(at, got_scores[t])]
            epochs_now = []
        else:
            epochs_now = epochs
        for program, epoch_months in epochs_now:
            rnd = plans[id(program)][r]
            part = rows if len(epochs) == 1 else rows.filter(pl.col(MONTH).is_in(pl.Series(epoch_months, dtype=pl.Date).implode()))
            if part.height == 0:
                continue
            levels = {level_column(u): grid[F.held(u)].gather(part[F.ROWNUM]).cast(pl.Int64) for u in rnd.reads}
            part = part.with_columns([s.alias(c) for c, s in levels.items()])
            ds = replace(
                dataset,
                frame=part,
                scales={**dataset.scales, **{c: 1 for c in levels}},
                metrics=tuple(m for m in rnd.program.input_metrics if m.name in part.columns),
                errors=[],
                rejects=None,
            )
            got, got_scores = evaluate_levels(rnd.program, ds, as_of_column=MONTH, engine=engine)
            at = part[F.ROWNUM]
            for t in rnd.tracks:
                earned[t] = earned.get(t, _filled(n, -1, pl.Int16)).scatter(at, got[t])
                sc = got_scores.get(t)
                if sc is not None:
                    scores.setdefault(t, []).append((at, sc))
            del part, ds, got, got_scores
        own = plans[id(epochs[0][0])][r].tracks
        grid = grid.with_columns(
            [earned.get(t, _filled(n, -1, pl.Int16)).alias(F.earned(t)) for t in own]
            + [_scores(f"S:{t}", n, scores.get(t, []), scales, text) for t in own]
        )
        lf = grid.lazy()
        for t in own:
            if base.holds_of(t):
                lf = F.apply_holds(lf, base, t, months[0], len(months))
            else:
                e = pl.col(F.earned(t))
                lf = lf.with_columns(
                    e.alias(F.held(t)), pl.when(e >= 0).then(pl.lit(1, pl.Int8)).otherwise(pl.lit(0, pl.Int8)).alias(F.held_by_code(t))
                )
        grid = lf.collect()
    return grid


def _ids(grid: pl.DataFrame, months) -> list[str]:
    return grid[PID].gather_every(len(months)).to_list()


def _filled(n: int, value, dtype: pl.DataType) -> pl.Series:
    return pl.select(pl.repeat(value, n, dtype=dtype)).to_series()


def _epochs(base: ir.Program, program_at: ProgramAt, months: list[_dt.date]) -> list[tuple[ir.Program, list[_dt.date]]]:
    """The months grouped by the program in force (dated parameters), in order."""
    out: dict[tuple, tuple[ir.Program, list[_dt.date]]] = {}
    for m in months:
        key = _epoch(base, m)
        if key not in out:
            out[key] = (program_at(m), [])
        out[key][1].append(m)
    return list(out.values())


# ------------------------------------------------------------------ the reference engine


def _reference(
    base: ir.Program, program_at: ProgramAt, dataset: Dataset, rows: pl.DataFrame, grid: pl.DataFrame, months, scales, text
) -> pl.DataFrame:
    has_ann = ANNIVERSARY in rows.columns
    by_partner: dict[str, tuple[dict, dict]] = {}
    for rec in rows.iter_rows(named=True):
        vals, anns = by_partner.setdefault(rec[PID], ({}, {}))
        vals[rec[MONTH]] = dataset._values(rec)
        if has_ann:
            anns[rec[MONTH]] = rec[ANNIVERSARY]
    columns: dict[str, list] = {}
    for t in base.tracks:
        for prefix in ("H", "B", "E", "S"):
            columns[f"{prefix}:{t.name}"] = []
    for pid in _ids(grid, months):
        vals, anns = by_partner[pid]
        ph = reference_partner(program_at, pid, months, vals, anns)
        for t in base.tracks:
            codes = {None: 0, "": 0, QUALIFIED: 1, **{h.name: 2 + i for i, h in enumerate(base.holds_of(t.name))}}
            columns[f"H:{t.name}"] += [t.level_index(v) for v in ph.levels[t.name]]
            columns[f"E:{t.name}"] += [t.level_index(v) for v in ph.earned[t.name]]
            columns[f"B:{t.name}"] += [codes[b] for b in ph.held_by[t.name]]
            columns[f"S:{t.name}"] += ph.scores[t.name]
    dtypes = {"H": pl.Int16, "E": pl.Int16, "B": pl.Int8}
    out = []
    for c, v in columns.items():
        if c[0] != "S":
            out.append(pl.Series(c, v, dtype=dtypes[c[0]]))
        elif any(x is not None for x in v):
            out.append(_scores(c, len(v), [(pl.int_range(0, len(v), eager=True), score_series(c, v))], scales, text))
        else:
            out.append(_filled(len(v), None, pl.Int64).alias(c))
    return grid.with_columns(out)
