"""`tier docs`: the partner-facing program guide."""

from __future__ import annotations

import sys

import click

from tierlang.cli import main
from tierlang.cli.common import EXIT_USAGE, as_of_option, check_outputs, load_or_exit, program_argument, write_output
from tierlang.formats import UnknownFormat, result_format
from tierlang.render.guide import AUDIENCES, FORMATS, render_guide
from tierlang.render.sources import SourceList, SourcesError, load_sources, sources_beside

#: Output file endings and the guide format each names.
_SUFFIX_FORMATS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}


@main.command()
@program_argument
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default=None,
    help="md (GitHub-flavoured Markdown) or html (one self-contained file).  [default: html when FILE ends in .html, else md]",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    default="-",
    metavar="FILE",
    help="Write the guide to FILE instead of standard output.",
)
@click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    default="partner",
    show_default=True,
    help="partner: plain text for the partners the program is for; reviewer: also the internal names, parameters, sources and content hash.",
)
@click.option(
    "--sources",
    "sources_path",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE",
    help="The sources file (TOML) naming the program's source tags, for the reviewer's Sources appendix.  [default: PROGRAM.sources.toml beside the program, when there is one]",
)
@click.option(
    "--data-dictionary",
    is_flag=True,
    help="Write only the data dictionary and the parameters (Markdown), as in docs/programs/.",
)
@as_of_option
def docs(program: str, fmt: str | None, output: str, audience: str, sources_path: str | None, data_dictionary: bool, as_of) -> None:
    """Write a program's guide for partners (Markdown or HTML).

    The guide gives every track and level, every requirement in plain English, points
    tables, gates, scoring paths and what is measured. For partners (the default) it leaves
    out the program's internal names, parameter names and source citations; --audience
    reviewer keeps them, with the data dictionary, the parameters, the content hash and a
    Sources appendix: each source tag cited, what cites it, and what it names (title, date,
    address) and what each confidence mark means, from the program's sources file
    (PROGRAM.sources.toml beside it, or --sources). A program with errors is not
    rendered: its diagnostics go to standard error (exit 2).
    """
    if data_dictionary and fmt == "html":
        raise click.UsageError("--data-dictionary writes Markdown; drop --format html")
    check_outputs([program], [(output, "-o")])
    if output != "-":
        try:
            fmt = result_format(output, fmt, _SUFFIX_FORMATS)
        except UnknownFormat as e:
            raise click.BadParameter(str(e), param_hint="-o") from None
    if data_dictionary and fmt == "html":
        raise click.UsageError("--data-dictionary writes Markdown: name the file .md")
    if sources_path is not None and (audience != "reviewer" or data_dictionary):
        raise click.UsageError("--sources names the tags of the reviewer's guide: add --audience reviewer")
    fmt = fmt or "md"
    prog = load_or_exit(program, as_of)
    sources = None if audience != "reviewer" or data_dictionary else _sources(program, sources_path)
    write_output(output, render_guide(prog, fmt, data_dictionary=data_dictionary, audience=audience, sources=sources))


def _sources(program: str, path: str | None) -> SourceList | None:
    """The sources file given, or the one beside the program; a bad one stops (exit 2)."""
    found = path if path is not None else sources_beside(program)
    if found is None:
        return None
    try:
        return load_sources(found)
    except SourcesError as e:
        click.echo(f"tier: {e}", err=True)
        sys.exit(EXIT_USAGE)
