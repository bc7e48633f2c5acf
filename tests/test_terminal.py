"""Escape sequences and bidirectional overrides from inputs never reach a terminal as such
(issue 17, item 6): partner ids, bad cell values, program text and titles are shown with
their control characters escaped, on standard error always and on standard output when it
is a terminal; redirected output stays exact."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys

import pytest

from tests.cli.cli_helpers import run
from tierlang.terminal import visible

#: OSC 52 (write the clipboard), a screen clear, a one-character CSI, a right-to-left override
NASTY = "\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x9b31m\u202etxt.exe"

PROGRAM = """program p "Partners\u202e{nasty}" {{
  version "1"
}}
metric sellers "Sellers": count
track t {{
  level silver {{
    require sellers >= 2
  }}
}}
"""


def test_visible_escapes_controls_and_bidi_and_keeps_the_rest():
    assert visible(NASTY) == "\\x1b]52;c;cm0gLXJmIH4=\\x07\\x1b[2J\\x9b31m\\u202etxt.exe"
    assert visible("Zoë\tGold\n✓ 日本") == "Zoë\tGold\n✓ 日本"
    assert visible("a\rb") == "a\\x0db"


def _files(tmp_path):
    (tmp_path / "p.tier").write_text(PROGRAM.format(nasty="\\u0000"), encoding="utf-8")
    (tmp_path / "d.csv").write_text(f'partner_id,sellers\n"{NASTY}",3\nP2,"4{NASTY}"\n', encoding="utf-8")


def _assert_clean(text: str) -> None:
    for c in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert c not in text, repr(text[:500])


def test_messages_show_bad_values_escaped(tmp_path):
    _files(tmp_path)
    r = run("eval", "p.tier", "d.csv", "-o", "out.csv", cwd=tmp_path)
    assert r.exit_code == 2
    _assert_clean(r.stderr)
    assert "4\\x1b]52;c;cm0gLXJmIH4=\\x07" in r.stderr  # (off a terminal, click drops the CSI sequences itself)


def test_program_text_in_diagnostics_is_escaped(tmp_path):
    (tmp_path / "p.tier").write_text(PROGRAM.replace("sellers >= 2", f"sellers >= 2 {NASTY}").format(nasty=""), encoding="utf-8")
    r = run("check", "p.tier", cwd=tmp_path)
    assert r.exit_code == 1
    _assert_clean(r.output + r.stderr)


def _on_terminal(args, cwd):
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tierlang.cli", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        env={**os.environ, "TIER_NO_CACHE": "1"},
    )
    os.close(slave)
    chunks = []
    while select.select([master], [], [], 120)[0]:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    proc.wait(timeout=60)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize(
    "args",
    [
        ["eval", "p.tier", "d.csv", "--on-error", "report"],
        ["explain", "p.tier", "d.csv", "--partner", NASTY],
        ["docs", "p.tier"],
        ["diff", "p.tier", "p.tier", "--data", "d.csv", "--on-error", "report"],
    ],
    ids=["eval", "explain", "docs", "diff"],
)
def test_what_a_terminal_shows_is_escaped(tmp_path, args):
    _files(tmp_path)
    (tmp_path / "p.tier").write_text(PROGRAM.format(nasty=NASTY.replace("\x1b", "\\u001b")), encoding="utf-8")
    shown = _on_terminal(args, tmp_path)
    _assert_clean(shown)
    assert "Traceback" not in shown


def test_redirected_results_keep_ids_exact(tmp_path):
    _files(tmp_path)
    r = run("eval", "p.tier", "d.csv", "--on-error", "report", "--format", "csv", cwd=tmp_path)
    assert NASTY in r.stdout  # data, not a message: byte for byte
    _assert_clean(r.stderr)
