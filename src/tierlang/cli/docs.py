"""`tier docs`: the partner-facing program guide."""

from __future__ import annotations

import click

from tierlang.cli import main
from tierlang.cli.common import as_of_option, check_outputs, load_or_exit, program_argument, write_output
from tierlang.formats import UnknownFormat, result_format
from tierlang.render.guide import AUDIENCES, FORMATS, render_guide

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
    "--data-dictionary",
    is_flag=True,
    help="Write only the data dictionary and the parameters (Markdown), as in docs/programs/.",
)
@as_of_option
def docs(program: str, fmt: str | None, output: str, audience: str, data_dictionary: bool, as_of) -> None:
    """Write a program's guide for partners (Markdown or HTML).

    The guide gives every track and level, every requirement in plain English, points
    tables, gates, scoring paths and what is measured. For partners (the default) it leaves
    out the program's internal names, parameter names and source citations; --audience
    reviewer keeps them, with the data dictionary, the parameters and the content hash. A
    program with errors is not rendered: its diagnostics go to standard error (exit 2).
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
    fmt = fmt or "md"
    prog = load_or_exit(program, as_of)
    write_output(output, render_guide(prog, fmt, data_dictionary=data_dictionary, audience=audience))
