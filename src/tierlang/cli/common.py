"""Shared pieces of the CLI: options, program loading, diagnostics output."""

from __future__ import annotations

import datetime as _dt
import sys

import click

from tierlang import ir
from tierlang.diagnostics import Diagnostic, SourceMap, render
from tierlang.loader import LoadResult, load_program

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

DIAGNOSTIC_FORMATS = click.Choice(["human", "gnu", "json"])


class DateParam(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, _dt.date):
            return value
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date; write YYYY-MM-DD", param, ctx)


as_of_option = click.option(
    "--as-of",
    type=DateParam(),
    default=None,
    help="Evaluate dated parameters as of this date (default: the program's effective date).",
)

program_argument = click.argument("program", type=click.Path(exists=True, dir_okay=False))


def emit_diagnostics(diagnostics: list[Diagnostic], sources: SourceMap, fmt: str = "human", err: bool = True) -> None:
    if diagnostics or fmt == "json":
        click.echo(render(diagnostics, sources, fmt), nl=False, err=err)


def load_or_exit(path: str, as_of: _dt.date | None = None) -> ir.Program:
    """Load a program for a command that needs a valid one: on errors, print them and exit 2
    (the program is this command's input)."""
    result: LoadResult = load_program(path, as_of, checks=False)
    if not result.ok:
        emit_diagnostics([d for d in result.diagnostics if d.is_error], result.sources)
        click.echo(f"tier: {path} has errors; run `tier check {path}` for details", err=True)
        sys.exit(EXIT_USAGE)
    assert result.program is not None
    return result.program
