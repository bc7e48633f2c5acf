"""`tier check`, `tier fmt`, `tier compile`."""

from __future__ import annotations

import difflib
import json
import sys
from dataclasses import replace

import click

from tierlang import atomic, ir
from tierlang.cli import main
from tierlang.cli.common import (
    DIAGNOSTIC_FORMATS,
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    ProgramPath,
    as_of_option,
    distinct_paths,
    emit_diagnostics,
    load_or_exit,
    needs_as_of,
    program_argument,
)
from tierlang.diagnostics import Diagnostic, Note, Severity, SourceMap, decode_source, render_json, sort_key
from tierlang.files import MAX_PROGRAM_BYTES, program_file_problem, read_program_bytes
from tierlang.loader import load_program
from tierlang.numbers import plural
from tierlang.passes.monotonicity import BUDGET, SEE_WITNESS, WITNESS_BUDGET, analyse, format_witness, search_budget
from tierlang.syntax.formatter import format_module


@main.command()
@click.argument("files", nargs=-1, required=True, type=ProgramPath())
@click.option("--format", "fmt", type=DIAGNOSTIC_FORMATS, default="human", show_default=True, help="Output style for diagnostics.")
@click.option("--strict", is_flag=True, help="Treat warnings as findings (exit 1); acknowledged ones do not count.")
@click.option(
    "--all-findings",
    is_flag=True,
    help='Also list the findings the programs acknowledge (`acknowledge CODE "reason"`), each with its reason.',
)
@click.option(
    "--witness",
    is_flag=True,
    help="Show the monotonicity evidence: for each TL31x finding, the pair of partners that confirms it; then the tracks proved monotone.",
)
@as_of_option
def check(files: tuple[str, ...], fmt: str, strict: bool, all_findings: bool, witness: bool, as_of) -> None:
    """Check program files: syntax, names, types and units, `extends`, ladders, monotonicity.

    Prints every problem found (not only the first) and exits 1 when there are errors
    (or warnings, with --strict). Monotonicity findings (TL310-TL316) are warnings; with
    --format json their witnesses are always in each diagnostic's `data`. A warning the
    program acknowledges, with a reason, is counted but not shown (--all-findings shows it)
    and never fails --strict.
    """
    all_diags = []
    acknowledged: list[Diagnostic] = []
    sources = SourceMap()
    verdicts: list[str] = []
    files = distinct_paths(files)
    for f in files:
        # --witness: search harder before saying "could not confirm".
        with search_budget(WITNESS_BUDGET if witness else BUDGET):
            result = load_program(f, as_of)
        all_diags.extend(result.diagnostics)
        # whole only when they are shown: a count needs no witness search
        acknowledged.extend(result.acknowledged if all_findings else result.quiet)
        sources.update(result.sources)
        if witness and result.program is not None and result.ok:
            verdicts.append(_verdicts(f, result.program))
    if witness and fmt != "json":
        all_diags = [_with_witnesses(d) for d in all_diags]
        acknowledged = [_with_witnesses(d) for d in acknowledged]
    unique = _once(all_diags)
    quiet = _once(acknowledged)
    if all_findings:
        shown = sorted([*unique, *(_with_reason(d) if fmt != "json" else d for d in quiet)], key=sort_key)
    else:
        shown = unique
    if fmt == "json":
        click.echo(render_json(shown), nl=False)
    else:
        emit_diagnostics(shown, sources, fmt, err=False)
        for line in verdicts:
            click.echo(line, err=True)
        errors = sum(d.severity is Severity.ERROR for d in unique)
        warnings = sum(d.severity is Severity.WARNING for d in unique)
        if fmt == "human":
            summary = f"checked {len(files)} {plural(len(files), 'file')}: "
            summary += "no problems" if not unique else f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
            if quiet:
                summary += f" ({len(quiet)} acknowledged" + (")" if all_findings else ": --all-findings lists them)")
            click.echo(summary, err=True)
    failed = any(d.is_error for d in unique) or (strict and any(d.severity is Severity.WARNING for d in unique))
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def _once(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """A parent loaded by several files reports its problems once."""
    seen = set()
    unique = []
    for d in diagnostics:
        key = (d.code, d.message, d.span)
        if key not in seen:
            seen.add(key)
            unique.append(d)
    return unique


def _with_reason(d: Diagnostic) -> Diagnostic:
    """An acknowledged finding, for human and gnu output: marked, with its reason."""
    reason = (d.data or {}).get("acknowledged")
    return replace(d, message=f"{d.message} (acknowledged)", notes=(*d.notes, Note(f"acknowledged: {reason}")))


def _with_witnesses(d: Diagnostic) -> Diagnostic:
    """A monotonicity finding with its witness tables as notes (human and gnu output)."""
    if not d.data or "witnesses" not in d.data:
        return d
    tables = tuple(Note(format_witness(w)) for w in d.data["witnesses"])  # type: ignore[union-attr]
    return replace(d, notes=tuple(n for n in d.notes if n.message != SEE_WITNESS) + tables)


def _verdicts(path: str, program: ir.Program) -> str:
    """One line per file: which tracks are proved monotone, which are not."""
    report = analyse(program, levels=None)  # the static verdicts only; findings carry their witnesses
    proved = report.monotone
    others = [t for t in report.verdicts if t not in proved]
    text = f"{path}: monotone: {', '.join(proved) or '(none)'}"
    if others:
        text += f"; not monotone: {', '.join(others)}"
    return text


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 if any file would change.")
@click.option("--diff", "show_diff", is_flag=True, help="Write nothing; print a unified diff; exit 1 if any file would change.")
def fmt(files: tuple[str, ...], check_only: bool, show_diff: bool) -> None:
    """Format program files in the canonical layout (in place).

    Keeps comments, never changes meaning, and is idempotent. `-` reads standard input and
    writes the result to standard output.
    """
    from tierlang.syntax.parser import parse  # Lark: not for a `tier check` the program cache answers

    changed = 0
    broken = 0
    files = distinct_paths(files)
    for f in files:
        if f == "-":
            raw, name = sys.stdin.buffer.read(MAX_PROGRAM_BYTES + 1), "<stdin>"
            if len(raw) > MAX_PROGRAM_BYTES:
                raise click.BadParameter(
                    f"standard input is larger than the {MAX_PROGRAM_BYTES // 2**20} MiB a program may have", param_hint="FILES"
                )
        else:
            problem = program_file_problem(f)
            if problem is not None:
                raise click.BadParameter(f"{f} {problem}", param_hint="FILES")
            raw, name = read_program_bytes(f), f
        text, bad = decode_source(raw, name)
        result = parse(text, name) if bad is None else None
        if result is None or result.module is None:
            emit_diagnostics([bad] if result is None else result.diagnostics, SourceMap({name: text}))
            broken += 1
            continue
        # a blank file has no layout to fix (`tier check` reports what it lacks)
        out = format_module(result.module) if text.strip() else text
        if f == "-" and not (check_only or show_diff):
            click.echo(out, nl=False)
            continue
        if out == text:
            continue
        changed += 1
        if show_diff:
            click.echo(
                "".join(difflib.unified_diff(text.splitlines(True), out.splitlines(True), f"{name} (original)", f"{name} (formatted)")),
                nl=False,
            )
        elif check_only:
            click.echo(f"would reformat {name}")
        else:
            bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""  # kept as the file had it
            atomic.write_text(f, bom + out)  # a program is never left half rewritten
            click.echo(f"reformatted {name}", err=True)
    if broken or ((check_only or show_diff) and changed):
        sys.exit(EXIT_FINDINGS)


@main.command(name="compile")
@program_argument
@click.option("--emit", type=click.Choice(["ir", "ast", "sql"]), default="ir", show_default=True, help="What to print.")
@click.option("--no-spans", is_flag=True, help="Leave out source positions (ir, ast).")
@click.option(
    "--dialect",
    type=click.Choice(["duckdb", "postgres", "spark", "bigquery", "snowflake", "tsql"]),
    default=None,
    help="SQL dialect for --emit sql (default: duckdb).",
)
@click.option(
    "--view", default=None, metavar="NAME", help="--emit sql: wrap the query as CREATE OR REPLACE VIEW NAME (SCHEMA.NAME allowed)."
)
@click.option(
    "--table",
    "tables",
    multiple=True,
    metavar="NAME=TABLE",
    help="--emit sql: read the program's table NAME from TABLE (e.g. partners=analytics.partners_2024); default: the table named NAME.",
)
@click.option(
    "--decimals",
    type=click.IntRange(0, 18),
    default=None,
    help="--emit sql: decimal places the query reads exactly (default 6); a value with more places stops the query with an error, never rounded.",
)
@click.option(
    "--wide",
    is_flag=True,
    default=None,
    help="--emit sql (DuckDB): compute in 128-bit integers; by default the query computes in 64-bit ones "
    "when the program allows and stops with TL412 at a value too large for them.",
)
@as_of_option
def compile_(
    program: str,
    emit: str,
    no_spans: bool,
    dialect: str | None,
    view: str | None,
    tables: tuple[str, ...],
    decimals: int | None,
    wide: bool | None,
    as_of,
) -> None:
    """Print a program's IR (or AST) as JSON, or the program as one SQL query.

    --emit sql prints a query that reads the table `partners` (one row per partner, the
    program's columns in any numeric or text type) and returns the `tier eval` results:
    partner_id, track, level, score (an exact DECIMAL(38, 6)). docs/sql.md has the details.
    """
    sql_only = {"--dialect": dialect, "--view": view, "--table": tables or None, "--decimals": decimals, "--wide": wide}
    misplaced = [name for name, value in sql_only.items() if value is not None]
    if emit != "sql" and misplaced:
        raise click.UsageError(f"{', '.join(misplaced)} only {'goes' if len(misplaced) == 1 else 'go'} with --emit sql")
    if emit == "ast":
        from tierlang.syntax.parser import parse

        text, bad = decode_source(read_program_bytes(program), program)
        result = parse(text, program) if bad is None else None
        if result is None or result.module is None:
            emit_diagnostics([bad] if result is None else result.diagnostics, SourceMap({program: text}))
            sys.exit(EXIT_USAGE)
        click.echo(json.dumps(ir.to_data(result.module, spans=not no_spans), indent=2, default=str))
        return
    prog = load_or_exit(program, as_of)
    if emit == "sql":
        needs_as_of(prog, as_of, program)  # the records windows are dates in the query
        _emit_sql(prog, dialect or "duckdb", view, tables, decimals, bool(wide))
        return
    click.echo(ir.to_json(prog, spans=not no_spans), nl=False)


def _emit_sql(prog: ir.Program, dialect: str, view: str | None, tables: tuple[str, ...], decimals: int | None, wide: bool = False) -> None:
    from tierlang.cli.database import table_map
    from tierlang.engine.sql import DEFAULT_DECIMALS, Unsupported, compile_sql, table_name
    from tierlang.engine.sql.records import records_tables

    mapping = table_map(tables, prog.name, ("partners", *records_tables(prog)))
    if view is not None:
        try:
            table_name(view)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--view") from None
    try:
        query = compile_sql(
            prog,
            dialect,
            table=mapping.pop("partners", "partners"),
            decimals=DEFAULT_DECIMALS if decimals is None else decimals,
            view=view,
            tables=mapping,
            wide=wide,
        )
    except Unsupported as e:
        click.echo(f"tier: {e}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(query.sql(), nl=False)
