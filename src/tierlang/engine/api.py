"""The evaluation API behind `tierlang.engine` (imported on first use: it needs polars)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from tierlang import ir
from tierlang.data import BAD, MISSED, PID, ROW, Dataset, ReadOptions, Scan, from_frame, load_dataset, scan_dataset
from tierlang.data.advice import percent_aggregates, percent_warnings
from tierlang.engine.errors import EvaluationError
from tierlang.engine.exact import Plan
from tierlang.engine.results import Evaluation, ScoreColumn, named, requirement_columns, score_series
from tierlang.engine.vectorized import NoInt64, compile_program, magnitudes_of
from tierlang.passes.undecided import undecided_tracks
from tierlang.recursion import deep_recursion

if TYPE_CHECKING:
    from tierlang.engine.interpreter import PartnerResult

__all__ = [
    "evaluate",
    "evaluate_dataset",
    "evaluate_scan",
    "evaluate_levels",
    "score_columns",
    "Evaluation",
    "ScoreColumn",
    "ProgramError",
    "ENGINES",
]

ENGINES = ("vectorized", "interpreter", "duckdb", "spark")

Progress = Callable[[str, int, int], None]  # (phase, done, total)


class ProgramError(Exception):
    """The program has errors (see `diagnostics`)."""

    def __init__(self, path: str, diagnostics) -> None:
        self.path = path
        self.diagnostics = diagnostics
        super().__init__(f"{path} has errors: " + "; ".join(d.message for d in diagnostics[:3]))


@deep_recursion()  # the compilers recurse over expressions, through references
def evaluate(
    program: ir.Program | str | os.PathLike,
    data: Dataset | pl.DataFrame | str | os.PathLike | Mapping[str, object],
    *,
    engine: str = "vectorized",
    as_of=None,
    on_error: str = "stop",
    detail: bool = False,
    progress: Progress | None = None,
    tables: Mapping[str, str | os.PathLike] | None = None,
    options: ReadOptions | None = None,
    coded: bool = False,
) -> Evaluation:
    """Evaluate `program` (an IR program or a .tier path) on `data` (a `Dataset`, a polars
    DataFrame, a CSV / Parquet / JSON Lines path, a folder of one file per table, or a
    mapping of table names to files or DataFrames: DESIGN §4.2). `tables` points a
    program's related tables at files elsewhere. `as_of` is the evaluation date (the date
    the program's dated parameters and records windows are resolved for).

    Raises `ProgramError` for a program with errors and `tierlang.data.DataLoadError` for
    bad data (with `on_error="report"`, bad rows are skipped and listed in
    `Evaluation.dataset.errors` instead; partners with bad records are left out whole and
    listed in `Evaluation.rejected`). `options`: how to read the file (a CSV file's
    separator and encoding, an Excel workbook's sheet; `tierlang.data.ReadOptions`), and
    every file of a folder of tables. `coded`: `Evaluation.levels` and `variants` hold
    `pl.Enum` columns of the names instead of text: the same values in a byte or two a row
    (`tier eval` on 10M partners), which `long` writes as text."""
    if not isinstance(program, ir.Program):
        from tierlang.loader import load_program

        result = load_program(program, as_of, checks=False)
        if not result.ok:
            raise ProgramError(str(program), result.errors)
        program = result.program  # type: ignore[assignment]
    elif as_of is not None and program.related_tables and program.as_of != as_of:
        raise ValueError(
            f"this program was loaded for {program.as_of}, not {as_of}: its records windows are resolved for that date; "
            "load it with load_program(path, as_of), or pass the path"
        )
    assert isinstance(program, ir.Program)
    if not isinstance(data, Dataset) and (
        program.related_tables or tables or isinstance(data, Mapping) or (not isinstance(data, pl.DataFrame) and Path(data).is_dir())
    ):
        return _coded(_evaluate_records(program, data, engine, on_error, detail, progress, tables, options), coded)
    if isinstance(data, Dataset):
        dataset = data
    elif isinstance(data, pl.DataFrame):
        dataset = from_frame(data, program, on_error=on_error)
    else:
        if engine == "vectorized":
            ev = _single_pass(program, data, detail, progress, options, coded)
            if ev is not None:
                return ev
        dataset = load_dataset(data, program, on_error=on_error, options=options)
    return _coded(evaluate_dataset(program, dataset, engine=engine, detail=detail, progress=progress), coded)


def _coded(ev: Evaluation, coded: bool) -> Evaluation:
    """`ev` with its levels and variants as `pl.Enum` columns, when `coded` (see `evaluate`)."""
    if coded:
        tracks = ev.program.tracks
        ev.levels = ev.levels.with_columns(pl.col(t.name).cast(pl.Enum(list(t.level_names))) for t in tracks)
        ev.variants = ev.variants.with_columns(
            pl.col(t.name).cast(pl.Enum([v.name for v in t.variants])) for t in tracks if t.name in ev.variants.columns
        )
    return ev


def _single_pass(
    program: ir.Program,
    path: str | os.PathLike,
    detail: bool,
    progress: Progress | None,
    options: ReadOptions | None = None,
    coded: bool = False,
) -> Evaluation | None:
    """Read, validate and evaluate a file in one lazy query, or None when that is not the
    whole story and the two stages (`load_dataset`, then `evaluate_dataset`) must run.

    One query lets polars stream the file through validation and evaluation on every core
    without materializing the input columns (for 1M partners from Parquet: a third less
    wall time, half the page faults). It needs what the two stages learn from the data up
    front: column scales known from the file's types (`scan_dataset`), and Int64 arithmetic
    with a per-row overflow check instead of the measured magnitudes. A row that fails a
    check or would overflow (or a value that breaks a conversion) sends the whole file to
    the two stages, which report the problems and evaluate big values exactly, as always."""
    scan = scan_dataset(path, program, options=options, guess=True)
    if scan is None:
        return None
    if progress:
        progress("evaluating")
    got = evaluate_scan([program], scan, detail, coded=coded, advice=True)
    return None if got is None else got[0]


def evaluate_scan(
    programs: Sequence[ir.Program], scan: Scan, detail: bool, keep: Iterable[str] = (), coded: bool = False, advice: bool = False
) -> list[Evaluation] | None:
    """Each of `programs` evaluated on one `Scan` (the programs read the scan's columns: the
    same file validated for all of them, `tierlang.diff` reads one file for two programs),
    or None when a row fails a check, a partner_id may repeat, a value would overflow Int64
    or the query fails: then the two stages must run, which report every problem exactly.

    The queries are collected together, so polars reads the file while it evaluates and
    never holds the input columns. `keep`: input columns each evaluation's dataset keeps
    (`Dataset.columns_of` answers from them). `coded`: levels and variants as `pl.Enum`
    columns of their names rather than text (the same values, a byte a row instead of
    tens: the diff holds two evaluations of every partner). `advice`: the advice on values
    (`Dataset.advice`) computed by aggregates of the columns the pass keeps for them."""
    names = set(scan.frame.collect_schema().names())
    kept = [n for n in dict.fromkeys(keep) if n in names]
    try:
        compiled = [compile_program(p, scan.scales, widest=pl.Int64) for p in programs]
    except (NoInt64, EvaluationError):
        return None  # the two stages deal with it (and report bad data first, as always)
    guesses = (MISSED,) if scan.guessed else ()
    aggregates = percent_aggregates(scan.metrics, scan.scales) if advice else []
    # The duplicate check and the advice's aggregates read what the evaluation keeps of the
    # one pass (partner ids, the percent columns), rather than read the file again: a CSV
    # file would be parsed whole again, and a Parquet column decoded again costs more than
    # keeping it (4 percent columns of 1M partners: 32 MB). Reading them beside the query
    # with polars' common-subplan elimination kept every validated input column in memory
    # (10M partners: 1.4 -> 4.6 GB).
    percents = [m.name for m in scan.metrics if m.type.kind is ir.Kind.PERCENT and m.name in names] if aggregates else []
    first = (BAD, *kept, *guesses, *percents)
    queries = [c.plan(scan.frame, detail, keep=first if i == 0 else (BAD,)) for i, c in enumerate(compiled)]
    try:
        got = pl.collect_all(queries)  # together: two programs (the diff) share the read
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException):  # the two stages say what is wrong
        return None
    outs = got[: len(queries)]
    repeats, stats = scan.repeats(outs[0]), [outs[0].select(aggregates)] if aggregates else []
    if repeats:
        return None
    if scan.guess_missed(outs[0]):
        # A decimal column has other places than its first rows (values misread at the guess
        # may have tripped checks too): read it again at the places a first streaming look
        # finds (`data.places`), still in bounded memory; what that pass flags is real.
        del got, outs, stats  # the misread evaluations: not held while the file is read again
        again = scan.loader.scan()
        return None if again is None else evaluate_scan(programs, again, detail, keep, coded, advice)
    if any(out.select(pl.col(BAD).any() | pl.col("__fallback__").any()).item() for out in outs):
        return None
    rows = outs[0].height
    kept_frame = outs[0].select(kept)
    found = percent_warnings(scan.metrics, stats[0].row(0, named=True) if stats else {}, scan.scales) if advice else None
    return [
        _evaluation(p, scan.dataset(rows, kept_frame, p.column_metrics, found), c, out, detail, coded=coded)
        for p, c, out in zip(programs, compiled, outs)
    ]


def _evaluate_records(program, data, engine, on_error, detail, progress, tables, options=None) -> Evaluation:
    """A program on a partner table and its related tables: read them, compute the records
    metrics (the reference stage for the interpreter engine, polars otherwise), evaluate."""
    from tierlang.data.tables import PARTNERS, load_records
    from tierlang.records import with_records

    if isinstance(data, pl.DataFrame):
        data = {PARTNERS: data}
    if progress:
        progress("reading data")
    records = load_records(data, program, on_error=on_error, tables=tables, options=options)
    if progress:
        progress("computing records metrics")
    if engine in ("duckdb", "spark"):  # the records stage runs in the database too
        from tierlang.engine.sql.run import evaluate_records_sql

        if progress:
            progress("evaluating")
        ev = evaluate_records_sql(program, records, engine, detail)
    else:
        dataset = with_records(program, records, engine="reference" if engine == "interpreter" else "polars")
        ev = evaluate_dataset(program, dataset, engine=engine, detail=detail, progress=progress)
    ev.warnings = list(records.warnings)
    ev.rejected = dict(records.rejected)
    ev.tables = records.tables
    return ev


def records_refused(program: ir.Program, what: str) -> str:
    """Why `what` (an SQL engine, --db) cannot evaluate a program that reads records."""
    from tierlang.passes.rowtracks import rollup_names

    rollups = rollup_names(program)
    own = [m.name for m in program.record_metrics if m.name not in rollups]
    names = ", ".join(own[:3]) + (" ..." if len(own) > 3 else "")
    per_row = ", ".join(f"'{t.name}' (per {t.column} of {t.table})" for t in program.row_tracks)
    said = "; ".join(x for x in (f"records: {names}" if own else "", f"tracks per row: {per_row}" if per_row else "") if x)
    return (
        f"{program.name} computes metrics from related tables ({said}), which {what} does not evaluate yet; "
        "use --engine vectorized or interpreter with DATA a folder of tables and --as-of DATE"
    )


@deep_recursion()
def evaluate_dataset(
    program: ir.Program,
    dataset: Dataset,
    *,
    engine: str = "vectorized",
    detail: bool = False,
    progress: Progress | None = None,
    as_of_column: str | None = None,
) -> Evaluation:
    """Evaluate a validated dataset (see `evaluate`). `as_of_column` names a Date column of
    the dataset's frame holding each row's evaluation date (a history's months); without
    it every row is evaluated as of the program's date."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "vectorized":
        try:
            return _vectorized(program, dataset, detail, progress, as_of_column)
        except NoInt64:
            pass  # the program's own constants do not fit 64 bits: every row exactly
    if engine in ("duckdb", "spark"):
        if program.record_metrics:  # the query would read records metrics as partner columns
            raise ValueError(records_refused(program, f"the {engine} engine"))
        from tierlang.engine.sql import run

        if progress:
            progress("evaluating", 0, len(dataset))
        try:
            if engine == "duckdb":
                return run.evaluate_duckdb(program, dataset, detail, as_of_column=as_of_column)
            return run.evaluate_spark(program, dataset, detail, as_of_column=as_of_column)
        except NoInt64:
            pass  # the program's own constants do not fit 128 bits: every row exactly
    return _interpreted(program, dataset, detail, progress, engine, as_of_column)


def _row_dates(dataset: Dataset, as_of_column: str | None) -> list | None:
    return dataset.frame[as_of_column].to_list() if as_of_column else None


def _compiled(program: ir.Program, dataset: Dataset, as_of_column: str | None):
    """The polars plan of `program` for the dataset's scales, measured magnitudes and ratio
    denominators (raises `NoInt64` when the program's constants overflow every type)."""
    columns = list(dataset.scales) + list(dataset.denominators.values())
    return compile_program(
        program, dataset.scales, magnitudes_of(dataset.frame, columns), as_of_column=as_of_column, denominators=dataset.denominators
    )


def _vectorized(
    program: ir.Program, dataset: Dataset, detail: bool, progress: Progress | None, as_of_column: str | None = None
) -> Evaluation:
    compiled = _compiled(program, dataset, as_of_column)
    if progress:
        progress("evaluating", 0, len(dataset))
    out = compiled.plan(dataset.frame.lazy(), detail).collect()
    ev = _evaluation(program, dataset, compiled, out, detail)
    flagged = out["__fallback__"]
    if flagged.any():
        _patch(ev, [i for i, f in enumerate(flagged.to_list()) if f], _row_dates(dataset, as_of_column))
    if progress:
        progress("evaluating", len(dataset), len(dataset))
    return ev


def _evaluation(
    program: ir.Program,
    dataset: Dataset,
    compiled: Plan,
    out: pl.DataFrame,
    detail: bool,
    engine: str = "vectorized",
    wide: bool | None = None,
    coded: bool = False,
) -> Evaluation:
    """The `Evaluation` of a compiled plan's output (see `Compiled.plan`; the SQL engines
    return the same columns). `wide`: the scores may need 128-bit arithmetic as text
    (default: unless the plan ran in Int64). `coded`: levels and variants as `pl.Enum`
    (see `evaluate_scan`)."""
    if wide is None:
        wide = compiled.itype != pl.Int64
    tracks = program.tracks
    level_cols = []
    for t in tracks:
        dtype = pl.Enum(list(t.level_names)) if coded else pl.String
        level_cols.append(named(pl.col(f"L:{t.name}"), t.level_names, dtype).alias(t.name))
    variant_cols = []
    for t in tracks:
        if len(t.variants) > 1:
            names = [v.name for v in t.variants]
            dtype = pl.Enum(names) if coded else pl.String
            variant_cols.append(named(pl.col(f"V:{t.name}"), names, dtype).alias(t.name))
    levels = out.select([pl.col(ROW), pl.col(PID), *level_cols])
    variants = out.select([pl.col(PID), *variant_cols])
    scores = score_columns(tracks, compiled, out, wide)
    undecided = None
    maybe = undecided_tracks(program)  # from the program alone, as the interpreter has it
    if any(t.name in maybe for t in tracks):
        cols = []
        for t in (t for t in tracks if t.name in maybe):
            if compiled.tracks[t.name].possible is None:  # folded away: the data decides it
                cols.append(pl.lit(None, pl.String).alias(t.name))
                continue
            may = pl.when(pl.col(f"P:{t.name}") > pl.col(f"L:{t.name}")).then(pl.col(f"P:{t.name}"))
            cols.append(named(may, t.level_names).alias(t.name))
        undecided = out.select([pl.col(PID), *cols])
    outputs = {}
    for t in tracks:
        for o, n in compiled.tracks[t.name].outputs.items():
            col = f"O:{t.name}:{o}"
            values = out[col] if col in out.columns else pl.Series(col, [n.const * n.scale] * out.height, dtype=pl.Int64)  # type: ignore[operator]
            outputs[(t.name, o)] = ScoreColumn(values.rename(col), n.scale, wide=wide)
    reqs = requirement_columns(program)
    det = out.select([pl.col(PID), *[pl.col(r.column) for r in reqs]]) if detail else None
    return Evaluation(program, dataset, engine, levels, variants, scores, det, reqs if detail else [], 0, outputs, undecided)


def score_columns(tracks: Iterable[ir.Track], compiled: Plan, out: pl.DataFrame, wide: bool) -> dict[str, ScoreColumn]:
    """The scores of `tracks` in a compiled plan's output (`S:<track>`, `SD:<track>`)."""
    scores = {}
    for t in tracks:
        scale = compiled.score_scale(t.name)
        if scale is not None and f"S:{t.name}" in out.columns:
            # The compiler's overflow analysis covers score * 10^6 in its integer type.
            den = out[f"SD:{t.name}"] if f"SD:{t.name}" in out.columns else None
            scores[t.name] = ScoreColumn(out[f"S:{t.name}"].rename(f"S:{t.name}"), scale, wide=wide, den=den)
    return scores


def evaluate_levels(
    program: ir.Program, dataset: Dataset, as_of_column: str | None = None, engine: str = "vectorized"
) -> tuple[dict[str, pl.Series], dict[str, ScoreColumn]]:
    """Each track's level index per row (Int16, -1 for none) and its scores, as the
    vectorized engine gives them, without the level names and requirement columns of an
    `Evaluation` (a history reads indices: for 10M rows the names alone are gigabytes).
    Rows the Int64 plan cannot hold exactly take the whole `evaluate_dataset` path, as does
    every other `engine` (the SQL engines run their compiled query)."""
    if engine != "vectorized":
        ev = evaluate_dataset(program, dataset, engine=engine, as_of_column=as_of_column)
        return level_indices(program, ev), ev.scores
    try:
        compiled = _compiled(program, dataset, as_of_column)
    except NoInt64:
        compiled = None
    if compiled is not None:
        plan = compiled.plan(dataset.frame.lazy())
        out = plan.select(pl.exclude(ROW, PID)).collect()  # only what is read below
        if not out["__fallback__"].any():
            levels = {t.name: out[f"L:{t.name}"].cast(pl.Int16).fill_null(-1) for t in program.tracks}
            return levels, score_columns(program.tracks, compiled, out, compiled.itype != pl.Int64)
        del out
    ev = evaluate_dataset(program, dataset, as_of_column=as_of_column)
    return level_indices(program, ev), ev.scores


def level_indices(program: ir.Program, ev: Evaluation) -> dict[str, pl.Series]:
    """Each track's level per row of `ev` as its index in the track's levels (Int16, -1 none)."""
    return {t.name: ev.levels[t.name].cast(pl.Enum(list(t.level_names))).to_physical().cast(pl.Int16).fill_null(-1) for t in program.tracks}


def _patch(ev: Evaluation, indices: list[int], as_of: list | None = None) -> None:
    """Re-evaluate the rows whose values are too large for Int64 with the interpreter
    (`as_of`: each row's evaluation date, for a history)."""
    from tierlang.engine.interpreter import Interpreter  # only for such rows: `tier eval` rarely needs it

    interp = Interpreter(ev.program)
    decode = ev.dataset
    frame = decode.frame
    levels = {t: ev.levels[t].to_list() for t in ev.tracks}
    variants = {c: ev.variants[c].to_list() for c in ev.variants.columns if c != PID}
    score_vals = {t: sc.values.to_list() for t, sc in ev.scores.items()}
    output_vals = {key: oc.values.to_list() for key, oc in ev.outputs.items()}
    undecided = {c: ev.undecided[c].to_list() for c in ev.undecided.columns if c != PID} if ev.undecided is not None else {}
    det = {c: ev.detail[c].to_list() for c in ev.detail.columns if c != PID} if ev.detail is not None else {}
    for k in indices:
        pid = frame[PID][k]
        values = decode.row_values(k)
        r = interp.evaluate(values, pid, as_of=as_of[k] if as_of else None)
        for t, tr in r.tracks.items():
            levels[t][k] = tr.level
            if t in variants:
                variants[t][k] = tr.variant
            if t in score_vals and tr.score is not None:
                den = ev.scores[t].den
                v = tr.score * ev.scores[t].scale * (1 if den is None else int(den[k]))
                assert v.denominator == 1, "a score is not a multiple of its column's scale"
                score_vals[t][k] = int(v)
            for o, value in tr.outputs.items():
                v = value * ev.outputs[(t, o)].scale  # type: ignore[operator]
                assert v.denominator == 1, "an output is not a multiple of its column's scale"
                output_vals[(t, o)][k] = int(v)
            if t in undecided:
                undecided[t][k] = tr.undecided
        for col, passed in _requirement_outcomes(r).items():
            if col in det:
                det[col][k] = passed
    ev.levels = ev.levels.with_columns([pl.Series(t, levels[t], dtype=pl.String) for t in ev.tracks])
    if variants:
        ev.variants = ev.variants.with_columns([pl.Series(t, v, dtype=pl.String) for t, v in variants.items()])
    for t, vals in score_vals.items():
        ev.scores[t] = _patched(ev.scores[t], vals)
    for key, vals in output_vals.items():
        ev.outputs[key] = _patched(ev.outputs[key], vals)
    if ev.undecided is not None:
        ev.undecided = ev.undecided.with_columns([pl.Series(t, v, dtype=pl.String) for t, v in undecided.items()])
    if ev.detail is not None:
        ev.detail = ev.detail.with_columns([pl.Series(c, v, dtype=pl.Boolean) for c, v in det.items()])
    ev.fallback_rows = len(indices)


def _patched(old: ScoreColumn, vals: list) -> ScoreColumn:
    """A column of exact values (`vals`, at `old`'s scale) after some rows were evaluated by
    the interpreter: values too large even for Int128 text arithmetic stay exact Fractions
    on the side."""
    exact = {
        k: Fraction(v, old.scale * (1 if old.den is None else int(old.den[k])))
        for k, v in enumerate(vals)
        if v is not None and abs(v) * 10**6 >= 2**126
    }
    ints = [None if k in exact else v for k, v in enumerate(vals)]
    big = any(v is not None and abs(v) > 2**63 - 1 for v in ints)
    return ScoreColumn(pl.Series(old.values.name, ints, dtype=pl.Int128 if big else pl.Int64), old.scale, True, exact, old.den)


def _requirement_outcomes(r: PartnerResult) -> dict[str, bool]:
    from tierlang.engine.exact import requirement_column

    out = {}
    for t, tr in r.tracks.items():
        for vname, vr in tr.variants.items():
            for lr in vr.levels:
                for i, rr in enumerate(lr.requirements):
                    out[requirement_column(t, vname, lr.name, i)] = rr.passed
    return out


def _interpreted(
    program: ir.Program, dataset: Dataset, detail: bool, progress: Progress | None, engine: str, as_of_column: str | None = None
) -> Evaluation:
    from tierlang.engine.interpreter import Interpreter

    interp = Interpreter(program)
    row_dates = _row_dates(dataset, as_of_column)
    tracks = program.tracks
    pids: list[str] = []
    levels: dict[str, list[str | None]] = {t.name: [] for t in tracks}
    variants: dict[str, list[str | None]] = {t.name: [] for t in tracks if len(t.variants) > 1}
    scores: dict[str, list[Fraction | None]] = {t.name: [] for t in tracks if t.has_score}
    outputs: dict[tuple[str, str], list[Fraction | None]] = {(t.name, o.name): [] for t in tracks for o in t.outputs}
    maybe = undecided_tracks(program)
    undecided: dict[str, list[str | None]] = {t.name: [] for t in tracks if t.name in maybe}
    reqs = requirement_columns(program)
    det: dict[str, list[bool]] = {r.column: [] for r in reqs} if detail else {}
    total = len(dataset)
    step = max(1, total // 100)
    for k, (pid, values) in enumerate(dataset.rows()):
        r = interp.evaluate(values, pid, as_of=row_dates[k] if row_dates else None)
        pids.append(pid)
        for t, tr in r.tracks.items():
            levels[t].append(tr.level)
            if t in variants:
                variants[t].append(tr.variant)
            if t in scores:
                scores[t].append(tr.score)
            for o, value in tr.outputs.items():
                outputs[(t, o)].append(value)  # type: ignore[arg-type]
            if t in undecided:
                undecided[t].append(tr.undecided)
        if detail:
            for col, passed in _requirement_outcomes(r).items():
                det[col].append(passed)
        if progress and k % step == 0:
            progress("evaluating", k, total)
    if progress:
        progress("evaluating", total, total)
    rows = dataset.frame[ROW]
    lv = pl.DataFrame([rows, pl.Series(PID, pids, dtype=pl.String)] + [pl.Series(t, v, dtype=pl.String) for t, v in levels.items()])
    vv = pl.DataFrame([pl.Series(PID, pids, dtype=pl.String)] + [pl.Series(t, v, dtype=pl.String) for t, v in variants.items()])
    sc = {t: score_series(f"S:{t}", v) for t, v in scores.items()}
    oc = {key: score_series(f"O:{key[0]}:{key[1]}", v) for key, v in outputs.items()}
    dd = (
        pl.DataFrame([pl.Series(PID, pids, dtype=pl.String)] + [pl.Series(c, v, dtype=pl.Boolean) for c, v in det.items()])
        if detail
        else None
    )
    ud = (
        pl.DataFrame([pl.Series(PID, pids, dtype=pl.String)] + [pl.Series(t, v, dtype=pl.String) for t, v in undecided.items()])
        if undecided
        else None
    )
    return Evaluation(program, dataset, "interpreter", lv, vv, sc, dd, reqs if detail else [], 0, oc, ud)
