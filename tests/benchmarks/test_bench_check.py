"""benchmarks/bench_check.py: parse + check of a shipped program (one run: the smallest), and
no figures for a program that does not check clean (its `tier check` processes failed, and the
script timed them as if they had worked)."""

from __future__ import annotations

from pathlib import Path

from tests.benchmarks.helpers import ROOT, assert_only_section_changed, run_script


def test_a_program(tmp_path: Path, results: Path):
    run = run_script("bench_check.py", "--runs", 1, "--results", results, ROOT / "programs" / "mspp2009.tier", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "largest parse + check:" in run.stdout
    body = assert_only_section_changed(results, "bench_check")
    assert "medians (and least) of 1 runs" in body
    (row,) = [line.strip("| ").split(" | ") for line in body.splitlines() if line.startswith("| mspp")]
    assert row[0] == "mspp2009.tier" and len(row) == 9
    assert row[4] == row[5]  # one run: its median is its least
    assert ("**met**" in body) == (float(row[5]) <= 100)


def test_a_program_with_errors_is_not_measured(tmp_path: Path, results: Path):
    bad = tmp_path / "bad.tier"
    bad.write_text('program p { version "1" effective 2024-01-01 }\nmetric sales: count\ngate g: sale >= 1\n', encoding="utf-8")
    run = run_script("bench_check.py", "--runs", 1, "--results", results, bad, cwd=tmp_path)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "TL200" in run.stderr and "bad.tier" in run.stderr
    assert "largest parse + check:" not in run.stdout
    assert results.read_bytes() == (ROOT / "benchmarks" / "RESULTS.md").read_bytes()
