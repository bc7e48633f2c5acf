"""Helpers for CLI tests: a CliRunner that keeps stderr apart, fixture paths, golden files."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from tierlang.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "engine"
GOLDEN = Path(__file__).resolve().parent / "golden"
PROGRAM = str(FIXTURES / "designations.tier")
DATA = str(FIXTURES / "partners.csv")


def run(*args: str, cwd: Path | None = None):
    """Run `tier ARGS` in-process; returns click's Result (stdout, stderr, exit_code)."""
    runner = CliRunner()
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return runner.invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def golden(name: str, text: str) -> None:
    """Compare with tests/cli/golden/NAME; UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"output differs from {path} (UPDATE_GOLDEN=1 to accept)"
