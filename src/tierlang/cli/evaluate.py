"""`tier eval`, `tier explain`, `tier test`: evaluate programs on data and on their examples."""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

import click

from tierlang import atomic, terminal
from tierlang.cli import main
from tierlang.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    MAX_DATA_ERRORS,
    ProgramPath,
    _parse_table,
    as_of_option,
    check_data_path,
    check_outputs,
    check_table_paths,
    distinct_paths,
    emit_diagnostics,
    history_hint,
    load_or_exit,
    make_read_options,
    needs_as_of,
    os_error_text,
    program_argument,
    read_options,
    report_data_errors,
    table_option,
    warn_formula_ids,
)
from tierlang.cli.history import MonthParam
from tierlang.diagnostics import SourceMap
from tierlang.numbers import plural

#: --format choices: the result formats, by the name `tierlang.formats` gives them.
_RESULT_FORMATS = ["table", "csv", "jsonl", "parquet", "xlsx", "duckdb", "sqlite"]


class _Progress:
    """Phase and percent on stderr, only when stderr is a terminal and the run is long
    enough (over half a second) to deserve it; erased when done."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.start = time.monotonic()
        self.shown = False

    def __call__(self, phase: str, done: int = 0, total: int = 0) -> None:
        if not self.enabled or time.monotonic() - self.start < 0.5:
            return
        pct = f" {100 * done // total}%" if total and done else ""
        err = terminal.raw(sys.stderr)  # our own escapes: past the filter for inputs' ones
        err.write(f"\r\x1b[2K{phase}{pct} ({time.monotonic() - self.start:.1f}s)")
        err.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            err = terminal.raw(sys.stderr)
            err.write("\r\x1b[2K")
            err.flush()
            self.shown = False


def _report_data_errors(diags, total: int, bad_rows: int, rejects: str | None = None) -> None:
    where = (
        f"; wrote them with their reasons to {rejects}"
        if rejects
        else "; `--on-error report` evaluates the good rows and writes these to a reject file"
    )
    report_data_errors(diags, total, f"tier: {bad_rows} {plural(bad_rows, 'row')} with errors{where}" if bad_rows else None)


def _summary(ev) -> str:
    from tierlang.output import metadata_line

    lines = [f"{metadata_line(ev.metadata())}: {ev.partner_count:,} {plural(ev.partner_count, 'partner')}, engine {ev.engine}"]
    width = max((len(t) for t in ev.tracks), default=5)
    for track, counts in ev.summary().items():
        parts = [f"{lvl or 'none'} {n:,}" for lvl, n in counts.items()]
        lines.append(f"  {track.ljust(width)}  " + " · ".join(parts))
    if ev.fallback_rows:
        lines.append(f"  ({ev.fallback_rows} rows with very large values were evaluated by the exact interpreter)")
    lines += [f"note: {n}" for n in ev.dataset.notes]
    return "\n".join(lines)


def checked_tracks(prog, program: str, tracks: tuple[str, ...]) -> tuple[str, ...] | None:
    """`--track` names, checked against the program (None: none given)."""
    for t in tracks:
        if t not in prog.track_map:
            raise click.BadParameter(f"no track '{t}' in {program} (tracks: {', '.join(prog.track_map)})", param_hint="--track")
    return tuple(tracks) or None


@main.command(name="eval")
@program_argument
@click.argument("data", type=click.Path(), required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_RESULT_FORMATS),
    default=None,
    help="Output format. Default: from the -o file name; without -o, a table on a terminal and csv when piped.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default=None, help="Write the results here.")
@click.option(
    "--engine",
    type=click.Choice(["vectorized", "interpreter", "duckdb", "spark"]),
    default="vectorized",
    show_default=True,
    help="How to evaluate: polars (vectorized), the exact interpreter, or the compiled SQL query in an in-process DuckDB or in Spark (local mode; SPARK_MASTER picks a cluster). Every engine gives the same results.",
)
@as_of_option
@click.option(
    "--on-error",
    type=click.Choice(["stop", "report"]),
    default="stop",
    show_default=True,
    help="stop: any bad row stops the run (exit 2). report: evaluate the good rows, write the bad ones to a reject file (exit 1).",
)
@click.option(
    "--rejects", type=click.Path(dir_okay=False), default=None, help="Reject file for --on-error report (default: DATA-NAME.rejects.csv)."
)
@read_options
@click.option(
    "--gaps",
    is_flag=True,
    help="Add what each partner lacks for its next level: next_level, points_missing, requirements_missing, missing.",
)
@click.option(
    "--track",
    "tracks",
    multiple=True,
    metavar="TRACK",
    help="Write only this track (repeatable; default: every track not marked internal). Every track is still evaluated for the rules that read it.",
)
@click.option(
    "--history",
    is_flag=True,
    help="DATA is a history (one row per partner and month, a `month` column YYYY-MM-01): evaluate every month, with the program's status rules.",
)
@click.option(
    "--from", "start", type=MonthParam(), default=None, help="With --history: the first month written (default: the data's first)."
)
@click.option("--to", "end", type=MonthParam(), default=None, help="With --history: the last month written (default: the data's last).")
@click.option(
    "--db",
    "db",
    default=None,
    metavar="URL",
    help="Read the partners from a PostgreSQL database instead of DATA (postgresql://user@host/db; the password from the URL, PGPASSWORD or ~/.pgpass) and evaluate there.",
)
@click.option(
    "--table",
    "tables",
    multiple=True,
    metavar="NAME=PATH",
    callback=_parse_table,
    help="Read the table NAME from PATH instead of DATA/NAME.* (repeatable; `partners` too). With --db: read the program's table NAME from the database table PATH (e.g. partners=crm.partners); default: the table named NAME.",
)
@click.option(
    "--into",
    default=None,
    metavar="TABLE",
    help="With --db: write the results to this table of the database (created or replaced in one transaction).",
)
def eval_(
    program: str,
    data: str,
    fmt: str | None,
    output: str | None,
    engine: str,
    as_of,
    on_error: str,
    rejects: str | None,
    separator: str,
    encoding: str,
    sheet: str | None,
    gaps: bool,
    history: bool,
    start,
    end,
    db: str | None,
    tables: dict[str, str],
    into: str | None,
    tracks: tuple[str, ...],
) -> None:
    """Evaluate PROGRAM on the partners in DATA (CSV, Parquet, JSON Lines or Excel).

    For a program that reads related tables (records), DATA is a folder holding one file
    per table, named after it (partners.csv, certifications.parquet, ...), or the partner
    table with --table NAME=PATH for the others; --as-of is then required.

    Writes one row per partner per track: partner_id, track, level (empty when nothing
    is earned), score (exact decimal text; DECIMAL(38, 6) in Parquet and DuckDB; empty for
    tracks without a score). An Excel workbook (.xlsx) has one row per partner and a column
    group per track; a DuckDB or SQLite file gets the table `results`. CSV and JSON Lines
    files get a sidecar FILE.meta.json naming the program, its version and content hash;
    the other formats carry the same inside. A summary of partners per track and level goes
    to stderr.

    With --gaps, every row also says what the partner lacks for the next level of the
    track: "within 5 points of a designation" is the filter
    `points_missing <= 5 and requirements_missing = 0` (docs/cli.md).

    With --history, DATA holds one row per partner and month and every month from --from
    to --to is evaluated as of its first day; the rows are partner_id, month, track,
    level, score and held_by (`qualified`, the status rule that keeps the level, or empty),
    and the summary counts partners per month.
    """
    from tierlang.data import DataLoadError
    from tierlang.engine import evaluate
    from tierlang.engine.errors import EvaluationError
    from tierlang.formats import BINARY_RESULTS, UnknownFormat, result_format

    if output == "-":
        output = None
    if output is not None:
        check_outputs(
            [program, data, *tables.values()], [(output, "-o")]
        )  # before the name's format: overwriting an input is the worse mistake
        try:
            fmt = result_format(output, fmt)
        except UnknownFormat as e:
            raise click.BadParameter(str(e), param_hint="-o") from None
    elif fmt is None:
        # the table is for people; piped or redirected, the whole result as CSV
        fmt = "table" if _stdout_is_terminal() else "csv"
    if fmt in BINARY_RESULTS and output is None:
        raise click.UsageError(f"--format {fmt} needs -o FILE")
    if db is not None or into is not None or (tables and data is None):  # without DATA, --table names database tables
        from tierlang.cli.database import eval_db

        db_tables = tuple(f"{k}={v}" for k, v in tables.items())
        eval_db(
            program, data, db, db_tables, into, fmt, output, engine, as_of, on_error, rejects, gaps, history or bool(start or end), tracks
        )
    if data is None:
        raise click.UsageError("missing DATA (a CSV, Parquet or JSON Lines file), or --db URL")
    if rejects is not None and on_error != "report":
        raise click.UsageError("--rejects names the reject file of --on-error report; add --on-error report")
    check_data_path(data)
    check_table_paths(tables)
    options = make_read_options(separator, encoding, sheet, data)
    if (start or end) and not history:
        raise click.UsageError("--from and --to pick the months of a history; add --history")
    if history:
        from tierlang.cli.history import check_options

        check_options(fmt, as_of, gaps, start, end, engine)
    if on_error == "report" and rejects is None:
        rejects = f"{Path(data).stem}.rejects.csv"
    sidecar = output + ".meta.json" if output is not None and fmt in ("csv", "jsonl") else None
    check_outputs([program, data, *tables.values()], [(output, "-o"), (sidecar, "-o"), (rejects, "--rejects")])
    progress = _Progress()
    prog = load_or_exit(program, as_of)
    shown = checked_tracks(prog, program, tracks)
    if history:
        from tierlang.cli import history as history_cli

        history_cli.run(program, data, prog, fmt, output, engine, start, end, on_error, rejects, tables, options, shown)
    needs_as_of(prog, as_of, program)
    if engine in ("duckdb", "spark") and (prog.record_metrics or prog.row_tracks):
        from tierlang.engine.sql.records import refusal

        why = refusal(prog)
        if why is not None:
            raise click.UsageError(f"--engine {engine} cannot evaluate {prog.name}: {why}; use --engine vectorized or interpreter")
    if Path(data).is_dir() and not (prog.related_tables or tables):
        raise click.BadParameter(f"{data} is a folder; {program} reads one partner table: name its file", param_hint="DATA")
    progress("reading data")
    try:
        # one call: a clean file can be read, checked and evaluated in a single pass
        # levels as codes where the writer turns them into text: 10M partners' levels as text are gigabytes
        coded = fmt in ("csv", "jsonl", "parquet")
        ev = evaluate(
            prog,
            data,
            engine=engine,
            on_error=on_error,
            progress=progress,
            detail=gaps,
            tables=tables or None,
            options=options,
            coded=coded,
        )
    except DataLoadError as e:
        progress.clear()
        _report_data_errors(e.diagnostics(MAX_DATA_ERRORS), e.error_count, e.bad_rows)
        hint = history_hint(e)
        if hint:
            click.echo(hint, err=True)
        sys.exit(EXIT_USAGE)
    except (EvaluationError, ValueError) as e:  # a program the checker let through but that cannot be evaluated
        progress.clear()
        click.echo(f"tier: {program} cannot be evaluated: {e}", err=True)
        sys.exit(EXIT_USAGE)
    ev.shown = shown
    if ev.warnings:
        progress.clear()
        emit_diagnostics(ev.warnings, SourceMap())
    finish(ev, fmt, output, gaps, progress)
    from tierlang.data import PID

    dataset = ev.dataset
    warn_formula_ids(ev.levels[PID], dataset.rejects)
    from tierlang.data.advice import fraction_percents

    for warning in fraction_percents(dataset):
        click.echo(warning, err=True)
    bad_data = False
    if dataset.errors:
        target = rejects
        assert target is not None and dataset.rejects is not None
        _write_rejects(dataset.rejects, target)
        bad = dataset.rejects.height
        _report_data_errors(dataset.diagnostics(MAX_DATA_ERRORS), dataset.error_count, bad, target)
        bad_data = True
    for name, td in ev.tables.items():
        if td.error_count:
            assert rejects is not None and td.rejects is not None
            target = str(Path(rejects).with_name(Path(rejects).name.removesuffix(".rejects.csv") + f".{name}.rejects.csv"))
            _write_rejects(td.rejects, target)
            _report_data_errors(td.diagnostics(MAX_DATA_ERRORS), td.error_count, td.rejects.height, target)
            bad_data = True
    sys.exit(EXIT_FINDINGS if bad_data else EXIT_OK)


def finish(ev, fmt: str, output: str | None, gaps: bool, progress: _Progress) -> None:
    """Write an evaluation's results (with --gaps, what each partner lacks) and the summary."""
    from tierlang.engine.results import ScoreTooLarge
    from tierlang.output import write_results
    from tierlang.output.database import DatabaseError
    from tierlang.output.excel import DoesNotFit

    found = None
    if gaps:
        from tierlang.engine.gaps import gaps as find_gaps

        progress("finding gaps")
        found = find_gaps(ev)
    if output is None:
        progress.clear()  # the results go to the terminal: a progress line would run into them
    else:
        progress("writing results")
    meta = ev.metadata()
    try:
        write_results(ev, fmt, output, meta, found)
    except (OSError, ScoreTooLarge, DoesNotFit, DatabaseError) as e:
        progress.clear()
        why = os_error_text(e, output or "") if isinstance(e, OSError) else e
        click.echo(f"tier: cannot write {output or 'the results'}: {why}", err=True)
        sys.exit(EXIT_USAGE)
    progress.clear()
    click.echo(_summary(ev), err=True)
    if output is not None:
        click.echo(f"wrote {output}", err=True)


def _write_rejects(frame, target: str) -> None:
    try:
        with atomic.replacing(target) as (tmp,):
            frame.write_csv(tmp)
    except OSError as e:
        click.echo(f"tier: cannot write the reject file {target}: {os_error_text(e, target)}", err=True)
        sys.exit(EXIT_USAGE)


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


@main.command()
@program_argument
@click.argument("data", type=click.Path())
@click.option("--partner", "partner_ids", required=True, multiple=True, help="The partner_id to explain (repeatable: each in turn).")
@click.option("--track", "tracks", multiple=True, help="Explain only this track (repeatable; default: every track not marked internal).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@as_of_option
@table_option
@click.option("--history", is_flag=True, help="DATA is a history: tell, month by month, when and why each level was held, kept or lost.")
@click.option("--from", "start", type=MonthParam(), default=None, help="With --history: the first month told (default: the data's first).")
@click.option("--to", "end", type=MonthParam(), default=None, help="With --history: the last month told (default: the data's last).")
@read_options
def explain(
    program: str,
    data: str,
    partner_ids: tuple[str, ...],
    tracks: tuple[str, ...],
    fmt: str,
    as_of,
    tables,
    history: bool,
    start,
    end,
    separator: str,
    encoding: str,
    sheet: str | None,
) -> None:
    """Explain partners one by one: why each holds its level on each track, what is missing
    for each level above it (exact gaps) and the smallest changes that would get it there.

    With several --partner options, the explanations follow one another in the order given
    (as a JSON list with --format json). For a program that reads records, DATA is a folder
    of tables (as for tier eval) and the explanation also says, in records, what counted and
    what missed for each metric.

    With --history, DATA is a history (one row per partner and month; for a program that
    reads records, a folder of tables, each month's records as of its first day) and the
    explanation is a timeline: the months each level was qualified for, kept by a status rule (which one,
    since when) or lost, with the requirements that failed."""
    from tierlang.data import PID, DataLoadError, load_dataset
    from tierlang.engine.explain import explain_partner, prepare, render_text

    check_data_path(data)
    if (start or end) and not history:
        raise click.UsageError("--from and --to pick the months of a history; add --history")
    if history and as_of is not None:
        raise click.UsageError("--as-of does not go with --history: each month is evaluated as of its first day")
    options = make_read_options(separator, encoding, sheet, data)
    prog = load_or_exit(program, as_of)
    if not history:  # a history's months are its evaluation dates
        needs_as_of(prog, as_of, program)
    # default: the tracks tier eval writes (an internal helper track only when named)
    tracks = tuple(t.name for t in prog.shown_tracks(checked_tracks(prog, program, tuple(dict.fromkeys(tracks)))))
    partner_ids = tuple(dict.fromkeys(partner_ids))
    if history:
        from tierlang.cli import history as history_cli

        history_cli.explain(program, data, prog, partner_ids, tracks, fmt, start, end, options)
    records = None
    try:
        # Only the partners' rows are validated strictly; other rows' problems do not matter here.
        if prog.related_tables or tables or Path(data).is_dir():
            import tierlang.records.explain  # noqa: F401  (with the tables, not with the first partner's explanation)
            from tierlang.data.tables import load_records

            records = load_records(data, prog, on_error="report", tables=tables or None, options=options)
            dataset = records.dataset
            emit_diagnostics([w for w in records.warnings if w.code == "TL423"], SourceMap())
        else:
            dataset = load_dataset(data, prog, on_error="report", options=options)
    except DataLoadError as e:
        _report_data_errors(e.diagnostics(MAX_DATA_ERRORS), e.error_count, e.bad_rows)
        sys.exit(EXIT_USAGE)
    for note in dataset.notes:
        click.echo(f"note: {note}", err=True)
    prepare(prog, tracks or None)
    found = {}
    record_notes = {}
    record_traces = {}
    for partner_id in partner_ids:
        values = dataset.values(partner_id)
        if values is not None and records is not None:
            if partner_id in records.rejected:
                click.echo(f"tier: partner '{partner_id}' has bad records: " + "; ".join(records.rejected[partner_id]), err=True)
                sys.exit(EXIT_USAGE)
            try:
                values, record_notes[partner_id], record_traces[partner_id] = _records_of(prog, records, partner_id, values, tracks)
            except DataLoadError as e:  # a table's file changed after its check (TableData.unchanged)
                _report_data_errors(e.diagnostics(MAX_DATA_ERRORS), e.error_count, e.bad_rows)
                sys.exit(EXIT_USAGE)
        if values is None:
            rejected = [err for err in dataset.errors if err.partner_id == partner_id]
            if rejected:
                emit_diagnostics(dataset.diagnostics(MAX_DATA_ERRORS), SourceMap())
                click.echo(f"tier: partner '{partner_id}' has data errors (above)", err=True)
            else:
                known = dataset.frame[PID].head(3).to_list()
                some = f"e.g. {', '.join(known)}" if known else "it has no partner without data errors"
                click.echo(f"tier: no partner '{partner_id}' in {data} ({some})", err=True)
            sys.exit(EXIT_USAGE)
        found[partner_id] = values
    from tierlang.engine.errors import EvaluationError

    # What is loaded by now (the program, the data) outlives the explanations: the collector
    # need not walk it in every full collection they trigger (one cost a partner 50-60 ms).
    gc.freeze()
    try:
        explained = [(pid, explain_partner(prog, values, tracks or None, pid)) for pid, values in found.items()]
    except EvaluationError as e:
        click.echo(f"tier: {program} cannot be evaluated: {e}", err=True)
        sys.exit(EXIT_USAGE)
    finally:
        gc.unfreeze()  # collectable again (a caller that runs commands in process)
    if fmt == "json":
        payloads = []
        for pid, expl in explained:
            payload = {
                "partner_id": pid,
                "program": prog.name,
                "version": prog.version,
                "content_hash": prog.content_hash,
                "tracks": [x.to_data(prog) for x in expl],
            }
            if pid in record_notes:
                payload["as_of"] = prog.as_of.isoformat() if prog.as_of else None
                from tierlang.records.explain import RowTrackNote

                notes = record_notes[pid]
                payload["records"] = [n.to_data() for n in notes if not isinstance(n, RowTrackNote)]
                if any(isinstance(n, RowTrackNote) for n in notes):
                    payload["row_tracks"] = [n.to_data() for n in notes if isinstance(n, RowTrackNote)]
                payload["changes_in_records"] = [{"track": t, "change": c} for t, c in _record_changes(prog, expl, record_traces[pid])]
            payloads.append(payload)
        click.echo(json.dumps(payloads[0] if len(payloads) == 1 else payloads, indent=2, ensure_ascii=False))
    else:
        texts = []
        for pid, expl in explained:
            text = render_text(expl, prog, pid)
            if pid in record_notes:
                text += _records_text(prog, expl, record_notes[pid], record_traces[pid])
            texts.append(text)
        click.echo("\n".join(texts), nl=False)
    sys.exit(EXIT_OK)


def _records_of(prog, records, partner_id: str, values: dict, tracks) -> tuple[dict, list, dict]:
    """The partner's records metrics (reference stage) added to its values, the notes of
    how each came out, for the metrics the explained tracks read, and their traces."""
    from tierlang import ir
    from tierlang.records import explain_records, partner_rows
    from tierlang.records.explain import notes_for, row_track_notes, with_near_misses

    pr = explain_records(prog, records, partner_id)
    values = {**values, **{k: v for k, v in pr.values.items() if v is not None}}
    # in reading order (Program.reads is a set: its order changed from one process to the next)
    groups = {g.name: g.tracks for g in prog.groups}
    read = [
        m
        for t in (tracks or prog.track_map)
        for m in ir.metrics_read(prog.track_map[t], prog.metric_map, prog.gate_map, prog.track_map, groups)
        if prog.metric_map[m].records is not None
    ]
    notes = notes_for(prog, pr, list(dict.fromkeys(read)))
    rows = partner_rows(records, partner_id)
    with_near_misses(prog, notes, pr, rows)
    return values, row_track_notes(prog, read, rows) + notes, pr.traces


def _records_text(prog, explained, notes, traces) -> str:
    from tierlang.records.explain import RowTrackNote, render_notes, render_row_tracks, window_line

    lines = ["From the records" + (f" ({window_line(prog)})" if window_line(prog) else "") + ":"]
    lines += render_row_tracks([n for n in notes if isinstance(n, RowTrackNote)])
    lines += render_notes([n for n in notes if not isinstance(n, RowTrackNote)], prog)
    changes = [f"  {prog.track_map[t].label}: {said}" for t, said in _record_changes(prog, explained, traces)]
    if changes:
        lines.append("In records terms, the smallest changes above are:")
        lines += changes
    return "\n".join(lines) + "\n"


def _record_changes(prog, explained, traces) -> list[tuple[str, str]]:
    """Each track's first smallest change per missing requirement, said as records: (track
    name, text), without repeats. `traces`: the partner's records traces (a people rule's
    change depends on its people)."""
    from tierlang.records.explain import change_text

    changes = []
    for x in explained:
        for m in x.missing:
            for p in m.plans[:1]:
                for c in p.changes:
                    said = change_text(prog, c.metric, c.delta, traces)
                    if said is not None:
                        changes.append((x.track.name, said))
    return list(dict.fromkeys(changes))


@main.command(name="test")
@click.argument("programs", nargs=-1, required=True, type=ProgramPath())
@as_of_option
def test_(programs: tuple[str, ...], as_of) -> None:
    """Run the examples embedded in program files. Exits 1 when an example fails.

    An example that says `as of DATE` runs with the parameters in force on that date;
    the others use --as-of (default: each program's effective date).
    """
    from tierlang.engine.examples import run_examples
    from tierlang.loader import load_program

    programs = distinct_paths(programs)
    total = passed = 0
    broken = 0
    failures: list[str] = []
    for f in programs:
        result = load_program(f, as_of, checks=False)
        if not result.ok:
            emit_diagnostics(result.errors, result.sources)
            click.echo(f"tier: {f} has errors; its examples were not run", err=True)
            broken += 1
            continue
        assert result.program is not None

        def load_at(day, path=f):
            dated = load_program(path, day, checks=False)
            assert dated.program is not None  # the same file loaded cleanly above
            return dated.program

        for outcome in run_examples(result.program, load_at):
            total += 1
            if outcome.passed:
                passed += 1
            else:
                failures.append(outcome.report(result.program))
    for text in failures:
        click.echo(text)
    failed = total - passed
    files = f"{len(programs)} {plural(len(programs), 'file')}"
    summary = f"tier test: {total} {plural(total, 'example')} in {files}: {passed} passed, {failed} failed"
    if broken:
        summary += f", {broken} {plural(broken, 'file')} not loaded"
    click.echo(summary)
    sys.exit(EXIT_USAGE if broken and not failed else EXIT_FINDINGS if failed or broken else EXIT_OK)
