"""`tier eval PROGRAM --db URL`: evaluate in a PostgreSQL database (tierlang.engine.sql.database)."""

from __future__ import annotations

import sys

import click

from tierlang.cli.common import EXIT_OK, EXIT_USAGE, MAX_DATA_ERRORS, load_or_exit
from tierlang.numbers import plural


def table_map(tables: tuple[str, ...], program_name: str, reads: tuple[str, ...] = ("partners",)) -> dict[str, str]:
    """`--table NAME=TABLE` options as {NAME: TABLE} (usage errors for bad ones); `reads`:
    the tables the program reads."""
    from tierlang.engine.sql import table_name

    out = {}
    for item in tables:
        name, sep, target = item.partition("=")
        name, target = name.strip(), target.strip()
        if not sep or not name or not target:
            raise click.BadParameter(f"expected NAME=TABLE, got {item!r}", param_hint="--table")
        if name not in reads:
            raise click.BadParameter(f"{program_name} reads no table {name!r} (it reads: {', '.join(reads)})", param_hint="--table")
        try:
            table_name(target)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--table") from None
        out[name] = target
    return out


def eval_db(program, data, db, tables, into, fmt, output, engine, as_of, on_error, rejects, gaps, history, tracks=None) -> None:
    """The --db branch of `tier eval` (exits)."""
    from tierlang.cli.evaluate import _Progress, _report_data_errors, checked_tracks, finish
    from tierlang.data import DataLoadError
    from tierlang.engine.sql import table_name
    from tierlang.engine.sql.database import DatabaseError, evaluate_postgres, safe_url, write_into
    from tierlang.records import RecordsRangeError

    if db is None:
        raise click.UsageError("--table and --into go with --db URL")
    if data is not None:
        raise click.UsageError("give DATA (a file) or --db URL, not both")
    if history:
        raise click.UsageError("--history reads a file; with --db, evaluate one date")
    if engine != "vectorized":
        raise click.UsageError("--db evaluates in the database; --engine does not apply")
    if on_error != "stop" or rejects is not None:
        raise click.UsageError("--on-error report reads files; with --db the first bad value stops the run")
    if into is not None:
        if output is not None:
            raise click.UsageError("--into writes the results to the database and -o to a file: choose one")
        if gaps:
            raise click.UsageError("--gaps writes to a file (-o), not with --into")
        try:
            table_name(into)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--into") from None
    from tierlang.cli.common import needs_as_of
    from tierlang.engine.sql.records import records_tables, refusal

    prog = load_or_exit(program, as_of)
    shown = checked_tracks(prog, program, tracks)
    needs_as_of(prog, as_of, program)
    why = refusal(prog)
    if why is not None:
        raise click.UsageError(f"--db cannot evaluate {prog.name}: {why}; use a folder of tables and --engine vectorized or interpreter")
    mapping = table_map(tables, prog.name, ("partners", *records_tables(prog)))
    source = mapping.pop("partners", "partners")
    progress = _Progress()
    progress("evaluating in the database")
    try:
        if into is not None:
            summary = write_into(prog, db, table=source, into=into, tracks=shown, tables=mapping)
            progress.clear()
            click.echo(_summary_text(prog, summary, f"{safe_url(db)} table {source}"), err=True)
            rows = sum(next(iter(summary.values())).values()) * len(summary) if summary else 0
            click.echo(f"wrote {rows:,} {plural(rows, 'row')} to {into}", err=True)
            sys.exit(EXIT_OK)
        ev = evaluate_postgres(prog, db, table=source, detail=gaps, tables=mapping)
        ev.shown = shown
        if ev.warnings:  # related tables the database lacks
            from tierlang.cli.common import emit_diagnostics
            from tierlang.diagnostics import SourceMap

            progress.clear()
            emit_diagnostics(ev.warnings, SourceMap())
    except DataLoadError as e:
        progress.clear()
        _report_data_errors(e.diagnostics(MAX_DATA_ERRORS), e.error_count, e.bad_rows)
        sys.exit(EXIT_USAGE)
    except DatabaseError as e:
        progress.clear()
        click.echo(f"tier: {e}", err=True)
        sys.exit(EXIT_USAGE)
    except RecordsRangeError as e:  # the program's formula leaves its range: as with a file
        progress.clear()
        click.echo(f"tier: {program} cannot be evaluated: {e}", err=True)
        sys.exit(EXIT_USAGE)
    finish(ev, fmt, output, gaps, progress)
    sys.exit(EXIT_OK)


def _summary_text(prog, summary: dict, source: str) -> str:
    n = sum(next(iter(summary.values())).values()) if summary else 0
    lines = [
        f"{prog.name} {prog.version or ''} (sha256:{prog.content_hash[:12]}): {n:,} {plural(n, 'partner')} in {source}, engine postgres".replace(
            "  ", " "
        )
    ]
    width = max((len(t) for t in summary), default=5)
    for track, counts in summary.items():
        lines.append(f"  {track.ljust(width)}  " + " · ".join(f"{lvl or 'none'} {k:,}" for lvl, k in counts.items()))
    return "\n".join(lines)
