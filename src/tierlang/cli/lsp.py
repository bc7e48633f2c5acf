"""`tier lsp`: the language server for editors."""

from __future__ import annotations

import click

from tierlang.cli import main


@main.command()
@click.option("--stdio", is_flag=True, help="Talk over standard input and output (the only way; accepted because editors pass it).")
def lsp(stdio: bool) -> None:
    """Run the language server: diagnostics as you type, hover, go to definition, references,
    rename, completion, formatting, quick fixes, outline and the file's examples in place.

    Editors start it and talk to it over standard input and output (the Language Server
    Protocol); docs/editors.md shows how to set up VS Code, Neovim, Helix and others. It runs
    until the editor closes it.
    """
    import sys

    from tierlang.lsp.server import main as serve  # pygls: only when the server runs

    if sys.stdin.isatty():  # a person, not an editor: say what this is waiting for
        click.echo(
            "tier lsp: the language server is waiting for an editor on standard input (Ctrl-C to stop; see docs/editors.md)", err=True
        )
    serve()
