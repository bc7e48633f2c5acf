"""Shell completion (docs/cli.md): click's completion protocol through the real `tier`
entry point, commands loaded lazily included."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TIER = shutil.which("tier", path=str(Path(sys.executable).parent)) or "tier"


def _complete(words: str, shell: str = "bash") -> list[str]:
    parts = words.split(" ")
    env = {**os.environ, "COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1), "_TIER_COMPLETE": f"{shell}_complete"}
    p = subprocess.run([TIER], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    return [line.split(",", 1)[1] for line in p.stdout.splitlines() if "," in line]


def test_commands_complete():
    assert _complete("tier ev") == ["eval"]
    assert {"check", "diff", "docs", "eval", "explain"} <= set(_complete("tier "))


def test_options_and_choices_complete():
    assert "--format" in _complete("tier eval --for")
    assert _complete("tier eval --format ") == ["table", "csv", "jsonl", "parquet", "xlsx", "duckdb", "sqlite"]
    assert _complete("tier docs --audience ") == ["partner", "reviewer"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_source_scripts_the_docs_name(shell):
    env = {**os.environ, "_TIER_COMPLETE": f"{shell}_source"}
    p = subprocess.run([TIER], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0 and "_TIER_COMPLETE" in p.stdout
