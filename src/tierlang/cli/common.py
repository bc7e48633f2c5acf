"""Shared pieces of the CLI: options, program loading, diagnostics output."""

from __future__ import annotations

import datetime as _dt
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import click

from tierlang import atomic, ir
from tierlang.diagnostics import Diagnostic, SourceMap, render
from tierlang.files import program_family, program_file_problem
from tierlang.formats import detect_format
from tierlang.loader import LoadResult, load_program
from tierlang.numbers import plural

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

DIAGNOSTIC_FORMATS = click.Choice(["human", "gnu", "json"])


class DateParam(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, _dt.date):
            return value
        try:
            # fromisoformat alone also takes 20250101 and 2025-W01-1
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
                raise ValueError(value)
            return _dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date; write YYYY-MM-DD", param, ctx)


as_of_option = click.option(
    "--as-of",
    type=DateParam(),
    default=None,
    help="Evaluate dated parameters as of this date (default: the program's effective date). A program that reads records needs it to evaluate data: its windows of months and rows in force are read as of it.",
)


class ProgramPath(click.Path):
    """A program or mapping file named on the command line: it must exist and be a regular
    file of a readable size (`tierlang.files`), else a usage error before any work."""

    def __init__(self) -> None:
        super().__init__(exists=True, dir_okay=False)

    def convert(self, value, param, ctx):
        value = super().convert(value, param, ctx)
        problem = program_file_problem(value)
        if problem is not None:
            self.fail(f"{os.fspath(value)} {problem}", param, ctx)
        return value


program_argument = click.argument("program", type=ProgramPath())

#: --separator spellings of the characters a shell makes hard to type.
_SEPARATOR_NAMES = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ",", "pipe": "|"}


def read_options(f):
    """--separator, --encoding and --sheet: how to read a data file beyond its format."""
    f = click.option("--sheet", metavar="NAME", default=None, help="Excel data (.xlsx): the sheet to read (default: the first).")(f)
    f = click.option(
        "--encoding",
        metavar="NAME",
        default="utf-8",
        show_default=True,
        help="CSV data: the file's text encoding (cp1252 for Excel on Windows, latin-1, utf-16, ...).",
    )(f)
    f = click.option(
        "--separator",
        metavar="CHAR",
        default=",",
        show_default=True,
        help="CSV data: the character between cells (';', tab, '|').",
    )(f)
    return f


def make_read_options(separator: str, encoding: str, sheet: str | None, data: str | None):
    """The `ReadOptions` of the three options, checked against the data file's format (a
    usage error names the option that does not fit)."""
    from tierlang.data import ReadOptions

    sep = _SEPARATOR_NAMES.get(separator.lower(), separator)
    fmt = detect_format(data) if data else None
    if fmt not in (None, "csv"):
        for flag, given in (("--separator", sep != ","), ("--encoding", encoding.lower().replace("_", "-") not in ("utf-8", "utf8"))):
            if given:
                raise click.BadParameter(f"{data} is not a CSV file: {flag} reads CSV files only", param_hint=flag)
    if sheet is not None and fmt not in (None, "xlsx"):
        raise click.BadParameter(f"{data} is not an Excel workbook: --sheet reads .xlsx files only", param_hint="--sheet")
    try:
        return ReadOptions(sep, encoding, sheet)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--separator" if "separator" in str(e) else "--encoding") from None


def _parse_table(ctx, param, values) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        name, sep, path = v.partition("=")
        if not sep or not name or not path:
            raise click.BadParameter(f"{v!r}: write NAME=PATH, e.g. certifications=exports/certs.parquet", param=param)
        if name in out:
            raise click.BadParameter(f"table '{name}' is given twice", param=param)
        # `tier eval` reads --table as a database table with --db: it checks the files itself
        if not any(p.name == "db" for p in ctx.command.params):
            _check_table_path(path, param)
        out[name] = path
    return out


def _check_table_path(path: str, param=None) -> None:
    if not Path(path).is_file():
        message = f"{path} does not exist" if not Path(path).exists() else f"{path} is not a file"
        raise click.BadParameter(message, param=param, param_hint=None if param is not None else "--table")


def check_table_paths(tables: dict[str, str]) -> None:
    """The files of --table NAME=PATH (the related tables read from files) must exist."""
    for path in tables.values():
        _check_table_path(path)


table_option = click.option(
    "--table",
    "tables",
    multiple=True,
    metavar="NAME=PATH",
    callback=_parse_table,
    help="Read the table NAME from PATH instead of DATA/NAME.* (repeatable; `partners` too).",
)


def check_data_path(data: str) -> None:
    """DATA must be a file (the partner table) or a folder (one file per table)."""
    if not Path(data).exists():
        raise click.BadParameter(f"{data} does not exist", param_hint="DATA")


def needs_as_of(prog: ir.Program, as_of: _dt.date | None, path: str) -> None:
    """A program that computes metrics from records is evaluated on data only for a date the
    user names: its windows of months, and the rows in force, are relative to it."""
    if as_of is None and prog.record_metrics:
        raise click.UsageError(
            f"{path} computes metrics from records, and every evaluation has a date: its windows"
            " of months (`last month`) and the rows in force (earned, not expired) are read as of"
            f" that day, which tier never guesses. Give it with --as-of YYYY-MM-DD, {as_of_example(prog)}"
        )


def as_of_example(prog: ir.Program | None = None) -> str:
    """ "e.g. --as-of 2024-06-30" for a message that asks for an evaluation date: the
    program's effective date (a day it is in force) where it has one."""
    if prog is not None and prog.effective is not None:
        return f"e.g. --as-of {prog.effective.isoformat()} (the program's effective date)"
    return "e.g. --as-of 2024-06-30"


def emit_diagnostics(diagnostics: list[Diagnostic], sources: SourceMap, fmt: str = "human", err: bool = True) -> None:
    if diagnostics or fmt == "json":
        click.echo(render(diagnostics, sources, fmt), nl=False, err=err)


#: Data problems listed on the terminal (all of them go to a reject file or the JSON output).
MAX_DATA_ERRORS = 20


def history_hint(error) -> str | None:
    """For a snapshot read of a history (repeated partner ids beside a `month` column): say
    so, instead of leaving a reader with thousands of duplicate-id errors."""
    if "month" in getattr(error, "columns", {}) and any(e.code == "TL411" for e in getattr(error, "errors", [])):
        return "tier: the data has a month column: add --history to read one row per partner and month"
    return None


def report_data_errors(diagnostics: list[Diagnostic], total: int, closing: str | None = None) -> None:
    """Data problems on stderr with their file, row and column: the first `MAX_DATA_ERRORS`,
    how many more there are of `total`, then `closing` (what to do about them)."""
    emit_diagnostics(diagnostics, SourceMap())
    if total > len(diagnostics):
        more = total - len(diagnostics)
        click.echo(f"... and {more:,} more {plural(more, 'problem')}", err=True)
    if closing:
        click.echo(closing, err=True)


def load_or_exit(path: str, as_of: _dt.date | None = None) -> ir.Program:
    """Load a program for a command that needs a valid one: on errors, print them and exit 2
    (the program is this command's input)."""
    result: LoadResult = load_program(path, as_of, checks=False)
    if not result.ok:
        emit_diagnostics([d for d in result.diagnostics if d.is_error], result.sources)
        if detect_format(path) is not None:
            click.echo(f"tier: {path} looks like a data file, not a program: name the program first", err=True)
        else:
            dated = f" --as-of {as_of.isoformat()}" if as_of else ""
            click.echo(f"tier: {path} has errors; run `tier check{dated} {path}` for details", err=True)
        sys.exit(EXIT_USAGE)
    assert result.program is not None
    return result.program


def distinct_paths(paths: Iterable[str]) -> tuple[str, ...]:
    """`paths` without repeats (the same file named twice, however spelt), in order."""
    seen: dict[str, str] = {}
    for p in paths:
        seen.setdefault(os.path.realpath(p), p)
    return tuple(seen.values())


#: Endings of the files tierlang reads and never writes as a command's output.
_NEVER_WRITTEN = (".tier", ".tiermap", ".toml")


def check_outputs(inputs: Iterable[str | None], outputs: Iterable[tuple[str | None, str]]) -> None:
    """Stop with a usage error (exit 2) before any work when an output file would overwrite
    an input (a program's parents included) or another output, or cannot be written where it
    is meant to go.

    `outputs` pairs each path (None or "-": standard output, not checked) with the option
    that names it, for the message."""
    taken: dict[str, tuple[str, str]] = {}
    for p in inputs:
        if p is not None and p != "-":
            # a program's parents are inputs too, though not named here
            parents = program_family(p) if detect_format(p) is None else [os.path.realpath(p)]
            for n, real in enumerate(parents):
                taken.setdefault(real, (p, "an input" if n == 0 else f"{real}, a parent program of {p}"))
    for path, option in outputs:
        if path is None or path == "-":
            continue
        real = os.path.realpath(path)
        if real in taken:
            raise click.BadParameter(f"{path} would overwrite {taken[real][1]}; write it elsewhere", param_hint=option)
        if real.endswith(_NEVER_WRITTEN):
            # whatever --format says: an output over a program, a mapping or a settings file is a typo
            raise click.BadParameter(
                f"{path} is named like a program or settings file ({', '.join(_NEVER_WRITTEN)}), which no command writes: choose another name",
                param_hint=option,
            )
        if os.path.isdir(real):
            raise click.BadParameter(f"{path} is a folder", param_hint=option)
        if not os.path.isdir(os.path.dirname(real)):
            raise click.BadParameter(f"the folder of {path} does not exist", param_hint=option)
        taken[real] = (path, f"the output of {option}")


def write_output(output: str, text: str) -> None:
    """Write a rendered text to the file `output` ("-": standard output), saying so on
    stderr; a file that cannot be written is a usage error (exit 2)."""
    if output == "-":
        click.echo(text, nl=False)
        return
    try:
        atomic.write_text(output, text)
    except OSError as e:
        click.echo(f"tier: cannot write {output}: {os_error_text(e, output)}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"wrote {output}", err=True)


def warn_formula_ids(evaluated, rejects=None) -> None:
    """Warn on stderr when partner ids (`evaluated`: a Series of those evaluated; `rejects`:
    the rejected rows, if any) would run as spreadsheet formulas (`tierlang.spreadsheet`).
    The evaluated ids come from the results, not the dataset: a file read in one pass has
    no frame of its own, and asking for it would read the whole file a second time."""
    import polars as pl

    from tierlang.data import PID
    from tierlang.spreadsheet import FORMULA_START, formula_warning

    ids = [evaluated]
    if rejects is not None and PID in rejects.columns:
        ids.append(rejects[PID].cast(pl.String))
    # the few that start like a formula, then each once: the same ids, in the same order, as
    # `unique` first would give, without hashing a million of them (a tenth of a second)
    starts = pl.concat(ids).drop_nulls()
    starts = starts.filter(starts.str.contains(FORMULA_START))
    warning = formula_warning(starts.unique(maintain_order=True))
    if warning:
        click.echo(warning, err=True)


def os_error_text(e: OSError, path: str) -> str:
    """What went wrong, once: polars' I/O errors repeat the path after the reason."""
    text = e.strerror or str(e)
    return text.removesuffix(f": {path}").removesuffix(f" {path}")
