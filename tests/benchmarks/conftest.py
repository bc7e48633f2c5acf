"""The fixtures of the smoke tests of benchmarks/ (their helpers: tests/benchmarks/helpers.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.benchmarks.helpers import RESULTS, ROWS


@pytest.fixture
def results(tmp_path: Path) -> Path:
    """A copy of benchmarks/RESULTS.md to write into (the real one is never touched)."""
    copy = tmp_path / "RESULTS.md"
    shutil.copyfile(RESULTS, copy)
    return copy


@pytest.fixture(scope="session")
def partners(tmp_path_factory) -> Path:
    """A folder of benchmarks/generate.py's files of ROWS partners, every layout (the `--data`
    folder of run.py, bench_scale.py and bench_sql.py)."""
    import generate

    folder = tmp_path_factory.mktemp("partners")
    generate.write(ROWS, folder, tuple(generate.LAYOUTS))
    return folder
