"""docs/cli.md stays in sync with `tier --help`: every command the CLI has is documented
there with its usage line, summary, arguments, options, choices and option help, and the
page documents no command that does not exist.

The test walks `tierlang.cli.main`, so a new command fails it until its section is written.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from tierlang.cli import COMMAND_MODULES, main

CLI_MD = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def normalize(text: str) -> str:
    """Compare text as a reader sees it: Markdown escapes removed, whitespace collapsed."""
    return " ".join(re.sub(r"\\(.)", r"\1", text).split())


def sections() -> dict[str, str]:
    """`## tier NAME` sections of docs/cli.md, by command name."""
    text = CLI_MD.read_text(encoding="utf-8")
    out = {}
    for m in re.finditer(r"^## tier (\S+)\n(.*?)(?=^## |\Z)", text, re.S | re.M):
        out[m.group(1)] = m.group(2)
    return out


def mentions(section: str, flag: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", section) is not None


CTX = click.Context(main, info_name="tier")
COMMANDS = main.list_commands(CTX)  # what `tier --help` lists (commands are imported lazily)


def test_the_lazy_command_map_names_every_command_and_nothing_else():
    for name in COMMANDS:
        assert main.get_command(CTX, name) is not None, f"'{name}' is listed but no module defines it"
    assert sorted(main.commands) == COMMANDS == sorted(COMMAND_MODULES)


def test_every_command_has_a_section_and_no_section_is_stale():
    documented = sections()
    assert sorted(documented) == COMMANDS


@pytest.mark.parametrize("name", COMMANDS)
def test_command_section_matches_help(name):
    cmd = main.get_command(CTX, name)
    section = sections().get(name)
    assert section is not None, f"docs/cli.md has no '## tier {name}' section"
    ctx = click.Context(cmd, info_name=f"tier {name}")
    usage = " ".join([f"tier {name}", *cmd.collect_usage_pieces(ctx)])
    assert usage in section, f"usage line {usage!r} missing from the '{name}' section"
    summary = (cmd.help or "").split("\n\n")[0]
    assert normalize(summary) in normalize(section), f"the summary of '{name}' differs from its --help"
    for param in cmd.params:
        if isinstance(param, click.Argument):
            assert param.human_readable_name in section, f"argument {param.human_readable_name} of '{name}' undocumented"
            continue
        for flag in [*param.opts, *param.secondary_opts]:
            assert mentions(section, flag), f"option {flag} of '{name}' undocumented"
        choices = getattr(param.type, "choices", None) or ()
        for choice in choices:
            assert mentions(section, str(choice)), f"choice {choice!r} of {param.opts[-1]} ('{name}') undocumented"
        help_text = getattr(param, "help", None) or ""
        first = normalize(help_text.split("[default")[0])
        assert first in normalize(section), f"help of {param.opts[-1]} ('{name}') differs from docs/cli.md: {first!r}"


def test_top_level_options_are_documented():
    intro = CLI_MD.read_text(encoding="utf-8").split("\n## ", 1)[0]
    for param in main.params:
        for flag in [*param.opts, *param.secondary_opts]:
            assert mentions(intro, flag), f"top-level option {flag} undocumented"
    ctx = click.Context(main, info_name="tier")
    for flag in main.get_help_option(ctx).opts:  # type: ignore[union-attr]
        assert mentions(intro, flag)
