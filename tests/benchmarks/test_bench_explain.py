"""benchmarks/bench_explain.py still runs: it calls tierlang's explain internals the way `tier
explain` does, and once crashed on the records programs for weeks (a changed return value of
`cli.evaluate._records_of`) without any test noticing. One partner of each program with example
data, through the benchmark's own `explainer`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_explain  # noqa: E402  (benchmarks/ is not a package)

PROGRAMS = sorted(p for p in (ROOT / "programs").glob("*.tier") if bench_explain.has_example_data(p))


def test_some_programs_have_records():
    assert any(bench_explain.load_program(p, checks=False).program.related_tables for p in PROGRAMS)


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_the_benchmark_explains_a_partner(path):
    ids, explain = bench_explain.explainer(path)
    assert ids
    text = explain(ids[-1])
    assert ids[-1] in text
