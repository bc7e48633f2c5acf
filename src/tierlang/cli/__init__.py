"""The `tier` command line. Thin: each command parses options and calls the library.

Commands live in one module per area and register themselves on `main` below.
"""

from __future__ import annotations

import click

from tierlang import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="tier")
def main() -> None:
    """tierlang: write, check, evaluate and compare partner-program rules.

    Exit codes: 0 ok, 1 findings (errors in a program, failing tests, formatting
    differences), 2 usage or input errors.
    """


def _register() -> None:
    import tierlang.cli.diff
    import tierlang.cli.docs  # noqa: F401  (a plain import stays one line, however the list grows)
    from tierlang.cli import check, evaluate, synth  # noqa: F401  (each module adds its commands to `main`)


_register()
