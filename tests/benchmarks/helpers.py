"""What the smoke tests of benchmarks/ share (their fixtures: tests/benchmarks/conftest.py):
running a script as RESULTS.md says it is run (a fresh process, the smallest sizes its options
allow, every file in a temporary folder) and reading the section it wrote into a copy of
benchmarks/RESULTS.md.

The scripts are never timed here (timings are never asserted in tests): the tests only catch
a script that crashes, writes nothing, or writes a section that lost its rows."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "RESULTS.md"
sys.path.insert(0, str(BENCH))

from common import markers  # noqa: E402  (benchmarks/ is not a package)


def script(name: str):
    """The module of benchmarks/NAME.py, imported (benchmarks/ is on the path, not a package)."""
    return importlib.import_module(name)


#: The fewest partners the tests generate: enough for every track to have rows.
ROWS = 20


def run_script(name: str, *args: object, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """`python benchmarks/NAME ARGS` as its own process in `cwd` (a temporary folder: the
    scripts find the checkout from their own path, never from the working directory), its
    output captured as text."""
    return subprocess.run(
        [sys.executable, str(BENCH / name), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def _split(path: Path, name: str) -> tuple[str, str, str]:
    """(before, body, after) of section `name` of the Markdown file at `path`."""
    text = path.read_text(encoding="utf-8")
    start, end = markers(name)
    i, j = text.find(start), text.find(end)
    assert 0 <= i < j, f"no {name} section in {path}"
    return text[: i + len(start)], text[i + len(start) : j], text[j:]


def section(path: Path, name: str) -> str:
    """The body of section `name` of the Markdown file at `path` (between its markers)."""
    return _split(path, name)[1]


def outside(path: Path, name: str) -> str:
    """The text of the file at `path` without section `name`'s body: what a benchmark writing
    that section must leave byte for byte as it was."""
    before, _, after = _split(path, name)
    return before + after


def assert_only_section_changed(results: Path, name: str) -> str:
    """That `results` differs from benchmarks/RESULTS.md in section `name` alone and that the
    section changed; returns its new body."""
    assert outside(results, name) == outside(RESULTS, name), f"text outside the {name} section changed"
    body = section(results, name)
    assert body != section(RESULTS, name), f"the {name} section was not rewritten"
    return body
