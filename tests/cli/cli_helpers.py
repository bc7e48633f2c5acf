"""Helpers for CLI tests: a CliRunner that keeps stderr apart, fixture paths, golden files."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import check_golden
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
    """Compare with tests/cli/golden/NAME (TIER_UPDATE_GOLDEN=1 rewrites it instead)."""
    check_golden(GOLDEN / name, text)
