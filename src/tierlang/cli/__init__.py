"""The `tier` command line. Thin: each command parses options and calls the library.

Commands live in one module per area and register themselves on `main` below. A module is
imported only when one of its commands runs (or for `tier --help`): `tier eval` need not
load the diff, the renderers and jinja2 (a tenth of a second of every run).
"""

from __future__ import annotations

import importlib

import click

from tierlang import __version__
from tierlang.recursion import allow_deep_recursion

#: command name -> the module (under tierlang.cli) that defines it
COMMAND_MODULES = {
    "check": "check",
    "fmt": "check",
    "compile": "check",
    "diff": "diff",
    "docs": "docs",
    "eval": "evaluate",
    "explain": "evaluate",
    "test": "evaluate",
    "synth": "synth",
}


class _LazyGroup(click.Group):
    """A group whose commands are imported on first use (click's documented pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            importlib.import_module(f"tierlang.cli.{COMMAND_MODULES[cmd_name]}")  # registers it on `main`
        return self.commands.get(cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="tier")
def main() -> None:
    """tierlang: write, check, evaluate and compare partner-program rules.

    Exit codes: 0 ok, 1 findings (errors in a program, failing tests, formatting
    differences), 2 usage or input errors.

    Loaded programs are cached in ~/.cache/tierlang (or $TIER_CACHE_DIR); set
    TIER_NO_CACHE=1 to turn the cache off.
    """
    allow_deep_recursion()  # every pass recurses over expressions, up to MAX_EXPR_DEPTH deep
