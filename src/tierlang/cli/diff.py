"""`tier diff`: what changed between two program versions, and who it affects."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tierlang import atomic
from tierlang.cli import main
from tierlang.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    MAX_DATA_ERRORS,
    DateParam,
    ProgramPath,
    check_outputs,
    check_table_paths,
    emit_diagnostics,
    history_hint,
    load_or_exit,
    make_read_options,
    needs_as_of,
    os_error_text,
    read_options,
    report_data_errors,
    table_option,
    write_output,
)
from tierlang.cli.history import MonthParam
from tierlang.data import DataLoadError
from tierlang.diff.mapping import MappingError
from tierlang.diff.report import diff as diff_programs
from tierlang.diff.structural import TIGHTENED
from tierlang.formats import UnknownFormat, result_format
from tierlang.history.engine import HistoryError
from tierlang.numbers import plural
from tierlang.render.diff import FORMATS, render_diff

#: Output file endings and the report format each names.
_SUFFIX_FORMATS = {".txt": "text", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json"}


class TransitionParam(click.ParamType):
    """`anniversary`, or a date (YYYY-MM-DD) on which every partner moves."""

    name = "anniversary|DATE"

    def convert(self, value, param, ctx):
        if value == "anniversary" or not isinstance(value, str):
            return value
        try:
            return DateParam().convert(value, param, ctx)
        except click.BadParameter:
            self.fail(f"{value!r} is neither 'anniversary' nor a date (YYYY-MM-DD)", param, ctx)


@main.command()
@click.argument("old", type=ProgramPath())
@click.argument("new", type=ProgramPath())
@click.option(
    "--data",
    type=click.Path(exists=True),
    metavar="FILE",
    help="Partner data (CSV, Parquet, JSON Lines or Excel; a folder of tables for programs that read records) to measure the impact on: both programs are evaluated on it.",
)
@table_option
@click.option(
    "--mapping",
    type=ProgramPath(),
    metavar="FILE",
    help="A .tiermap file comparing tracks of different names.  [default: mappings/OLD-NEW.tiermap next to the programs, when it exists]",
)
@click.option("--no-mapping", is_flag=True, help="Do not look for a shipped mapping: compare tracks of the same name only.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default=None,
    help="text (terminal, 80 columns), md, html (one self-contained file) or json.  [default: from the -o suffix, else text]",
)
@click.option(
    "-o",
    "--output",
    "outputs",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    multiple=True,
    metavar="FILE",
    help="Write the report to FILE instead of standard output; repeat for several files (- is standard output).",
)
@click.option(
    "--months",
    type=click.IntRange(0, 120),
    default=12,
    show_default=True,
    help="Timeline: NEW's effective date, then the end of its month and of each of the N months after it.",
)
@click.option(
    "--limit",
    type=click.IntRange(0),
    default=25,
    show_default=True,
    help="Outreach rows in the text and Markdown reports (the HTML and JSON reports hold the whole list).",
)
@click.option(
    "--outreach",
    "outreach_scope",
    type=click.Choice(["status", "any"]),
    default="status",
    show_default=True,
    help="Who is on the outreach list: partners who lose status, or who lose a level on any compared track.",
)
@click.option(
    "--outreach-file",
    type=click.Path(dir_okay=False, writable=True),
    metavar="FILE",
    help="Write the whole outreach list as CSV (partner_id, next_anniversary, old, new, lost).",
)
@click.option(
    "--as-of",
    type=DateParam(),
    default=None,
    help="Compare both programs as of this date (YYYY-MM-DD): dated parameters and rules take their values on that day, and records windows (last month, last 12 months) end before it; required with --data for programs that read records.  [default: each program at its own effective date]",
)
@read_options
@click.option(
    "--history",
    is_flag=True,
    help="--data is a history (one row per partner and month): play the transition out month by month.",
)
@click.option(
    "--from", "start", type=MonthParam(), default=None, help="With --history: the first month reported (default: the data's first)."
)
@click.option("--to", "end", type=MonthParam(), default=None, help="With --history: the last month reported (default: the data's last).")
@click.option(
    "--transition",
    type=TransitionParam(),
    default="anniversary",
    show_default=True,
    help="With --history: when a partner moves to NEW: at its first anniversary on or after NEW's effective date, or everyone on a DATE.",
)
@click.option(
    "--grandfather",
    type=DateParam(),
    default=None,
    help="With --history: a partner keeps at least its old status through this date (e.g. old logos valid until 2011-10-31).",
)
@click.option("--fail-on-loss", is_flag=True, help="Exit 1 when any partner loses a level on a compared track (needs --data).")
@click.option("--fail-on-tightened", is_flag=True, help="Exit 1 when a rule change is tightened or cannot be classified.")
def diff(
    old: str,
    new: str,
    data: str | None,
    tables: dict[str, str],
    mapping: str | None,
    no_mapping: bool,
    fmt: str | None,
    outputs: tuple[str, ...],
    months: int,
    limit: int,
    outreach_scope: str,
    outreach_file: str | None,
    as_of,
    separator: str,
    encoding: str,
    sheet: str | None,
    history: bool,
    start,
    end,
    transition,
    grandfather,
    fail_on_loss: bool,
    fail_on_tightened: bool,
) -> None:
    """Compare two program versions: rule changes, and with --data who gains and who loses.

    Without --data: the rule changes (tracks, levels, metrics, parameters, requirements,
    points), each with both source locations and classified tightened, loosened, neutral
    or undecided. With --data: both programs are evaluated on the same partners; the report
    adds transition matrices per track and for the program status, the requirements that now
    fail, the outreach list (partners who lose status, earliest renewal first) and a
    month-by-month timeline. Programs with different tracks are compared through a mapping
    (docs/diff.md).

    With --history, the data is a history (one row per partner and month): both programs
    are evaluated every month with their status rules, each partner moves to NEW under
    --transition (and --grandfather), and the report shows, month by month, partners per
    status, who loses and who gains, and the outreach list by the month each partner would
    lose status, with what it needs in NEW that month.

    Each program is read as of its own effective date, unless --as-of names one date for
    both: then a change a dated parameter makes inside one version (a grace year ending, a
    threshold rising on a date) shows up without writing a third file.
    """
    if mapping and no_mapping:
        raise click.UsageError("--mapping and --no-mapping exclude each other")
    if data is None:
        for flag, given in (  # a mapping without data still names level renames in the rule changes
            ("--outreach-file", outreach_file),
            ("--fail-on-loss", fail_on_loss),
            ("--history", history),
            ("--table", tables),
        ):
            if given:
                raise click.UsageError(f"{flag} needs --data")
    if not history:
        for flag, given in (
            ("--from", start),
            ("--to", end),
            ("--transition", transition != "anniversary"),
            ("--grandfather", grandfather),
        ):
            if given:
                raise click.UsageError(f"{flag} goes with --history (a history as --data)")
    else:
        if as_of is not None:
            raise click.UsageError("--as-of does not go with --history: each month is read as of its first day")
        if tables:
            raise click.UsageError("--table goes without --history: a history of records is one folder of tables")
    if start and end and end < start:
        raise click.BadParameter(f"{end:%Y-%m} is before --from {start:%Y-%m}", param_hint="--to")
    check_outputs([old, new, data, mapping], [*((out, "-o") for out in outputs), (outreach_file, "--outreach-file")])
    try:
        targets = [(out, _format_of(out, fmt)) for out in (outputs or ("-",))]
    except UnknownFormat as e:
        raise click.BadParameter(str(e), param_hint="-o") from None
    options = make_read_options(separator, encoding, sheet, data)
    a = load_or_exit(old, as_of)
    b = load_or_exit(new, as_of)
    if data is not None and not history:  # a history's months are its evaluation dates
        needs_as_of(a, as_of, old)
        needs_as_of(b, as_of, new)
    check_table_paths(tables)
    reads = ["partners", *dict.fromkeys(t.name for p in (a, b) for t in p.related_tables)]
    for name in tables:
        if name not in reads:
            raise click.BadParameter(f"neither program reads a table {name!r} (they read: {', '.join(reads)})", param_hint="--table")
    try:
        report = diff_programs(
            a,
            b,
            data,
            mapping,
            find=not no_mapping,
            months=months,
            # every row: the HTML and JSON reports show the whole list (a history's rows say what
            # each partner needs for the first --limit of them: one more evaluation each)
            limit=limit if history else None,
            outreach_scope=outreach_scope,
            as_of=as_of,
            read_options=options,
            history=history,
            tables=tables or None,
            start=start,
            end=end,
            transition=transition,
            grandfather=grandfather,
        )
    except MappingError as e:
        emit_diagnostics(e.diagnostics, e.sources)
        click.echo(f"tier: the mapping {mapping or 'for these programs'} has errors", err=True)
        sys.exit(EXIT_USAGE)
    except DataLoadError as e:
        _data_errors(e)
        sys.exit(EXIT_USAGE)
    except HistoryError as e:  # an empty history, a range that ends before it starts
        click.echo(f"tier: {data}: {e}", err=True)
        sys.exit(EXIT_USAGE)
    except OSError as e:
        click.echo(f"tier: cannot read {e.filename or 'a file'}: {e.strerror or e}", err=True)
        sys.exit(EXIT_USAGE)
    if report.warnings:
        from tierlang.diagnostics import SourceMap

        emit_diagnostics(report.warnings, SourceMap())
    rendered: dict[str, str] = {}
    for out, out_fmt in targets:
        if out_fmt not in rendered:
            rendered[out_fmt] = render_diff(report, out_fmt, limit=limit)
        write_output(out, rendered[out_fmt])
    found = report.impact if report.impact is not None else report.history
    if found is not None and outreach_file:
        from tierlang.data import PID
        from tierlang.spreadsheet import formula_warning, neutralized

        # a call list, opened in a spreadsheet: text that would run as a formula stays text
        warning = formula_warning(found.outreach_frame[PID])
        if warning:
            click.echo(warning, err=True)
        try:
            with atomic.replacing(outreach_file) as (tmp,):
                neutralized(found.outreach_frame).write_csv(tmp)
        except OSError as e:
            click.echo(f"tier: cannot write {outreach_file}: {os_error_text(e, outreach_file)}", err=True)
            sys.exit(EXIT_USAGE)
        n = found.outreach_total
        click.echo(f"wrote {outreach_file} ({n:,} {plural(n, 'partner')})", err=True)
    failed = False
    if fail_on_tightened and any(c.effect in (TIGHTENED, None) for _, c in report.rule_changes):
        failed = True
    if fail_on_loss and found is not None and any(c.lose for c in found.comparisons):
        failed = True
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def _format_of(output: str, fmt: str | None) -> str:
    """A file's format: its ending decides (.txt, .md, .html, .json), else --format; standard
    output is --format or text. Each of several -o files is written in its own format."""
    if output == "-":
        return fmt or "text"
    suffix = Path(output).suffix.lower()
    if suffix in _SUFFIX_FORMATS:
        return _SUFFIX_FORMATS[suffix]
    return result_format(output, fmt, _SUFFIX_FORMATS)


def _data_errors(e: DataLoadError) -> None:
    closing = history_hint(e) or f"tier: {e.path} cannot be used for this comparison: fix the data and run again"
    report_data_errors(e.diagnostics(MAX_DATA_ERRORS), e.error_count, closing)
