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


def test_the_benchmark_writes_its_section(tmp_path):
    """The whole run, as RESULTS.md is written (few partners, one round): a first explanation
    measured in a new process, a row per program, the verdict."""
    results = tmp_path / "RESULTS.md"
    results.write_text("# Results\n", encoding="utf-8")
    code = bench_explain.main(["--every", "2500", "--rounds", "1", "--results", str(results)])
    text = results.read_text(encoding="utf-8")
    assert code in (0, 1)
    assert "## `explain` of one partner after load" in text
    for path in PROGRAMS:
        row = next(line for line in text.splitlines() if line.startswith(f"| {path.name} |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 10 and all(float(c) > 0 for c in cells[5:9]) and float(cells[9]) >= 0, row
    assert ("**met**." in text) == (code == 0)
