"""benchmarks/bench_explain.py still runs: it calls tierlang's explain internals the way `tier
explain` does, and once crashed on the records programs for weeks (a changed return value of
`cli.evaluate._records_of`) without any test noticing. One partner of each program with example
data, through the benchmark's own `explainer`."""

from __future__ import annotations

import pytest

from tests.benchmarks.helpers import ROOT, assert_only_section_changed, run_script, script

bench_explain = script("bench_explain")

PROGRAMS = sorted(p for p in (ROOT / "programs").glob("*.tier") if bench_explain.has_example_data(p))


def test_some_programs_have_records():
    assert any(bench_explain.load_program(p, checks=False).program.related_tables for p in PROGRAMS)


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_the_benchmark_explains_a_partner(path):
    ids, explain = bench_explain.explainer(path)
    assert ids
    text = explain(ids[-1])
    assert ids[-1] in text


def test_the_benchmark_as_run(tmp_path, results):
    """The script itself, as RESULTS.md runs it (one round here): every 5000th partner (one of
    examples/partners.csv, every partner of examples/records), the first explanation measured
    in a new process, its section written. (It explained all 5,000 partners of each program
    when N was the number of partners, or more.)"""
    run = run_script("bench_explain.py", "--every", 5000, "--rounds", 1, "--results", results, cwd=tmp_path, timeout=180)
    (verdict,) = [line for line in run.stdout.splitlines() if line.startswith("slowest explain:")]
    # exit 1 says the target was missed (timings are not asserted here), never a crash
    assert run.returncode == (0 if ": ok;" in verdict else 1), run.stderr
    body = assert_only_section_changed(results, "bench_explain")
    rows = {
        line.strip("| ").split(" | ")[0]: line.strip("| ").split(" | ")
        for line in body.splitlines()
        if line.startswith("| ") and ".tier" in line
    }
    assert {name: cells[1] for name, cells in rows.items()} == {p.name: ("8" if "records" in p.name else "1") for p in PROGRAMS}
    for cells in rows.values():
        # CPU median, slowest, first explanation, slowest single run: measured; prepare: may round to 0
        assert len(cells) == 10 and all(float(c) > 0 for c in cells[5:9]) and float(cells[9]) >= 0, cells
    assert ("**met**." in body) == (run.returncode == 0)
    assert "Not measured: mpn2010-records.tier" in body
