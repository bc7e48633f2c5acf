"""benchmarks/bench_diff.py: the impact diff of both program pairs from Parquet and CSV (a
`tier synth` population of the fewest partners, one run each)."""

from __future__ import annotations

from pathlib import Path

from tests.benchmarks.helpers import ROWS, assert_only_section_changed, run_script


def test_both_pairs_from_both_formats(tmp_path: Path, results: Path):
    data = tmp_path / "data"
    run = run_script("bench_diff.py", "--partners", ROWS, "--runs", 1, "--data", data, "--results", results, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in data.iterdir()) == [f"synth-{ROWS}.csv", f"synth-{ROWS}.parquet"]
    body = assert_only_section_changed(results, "bench_diff")
    rows = [line.split(" | ")[:2] for line in body.splitlines() if "→" in line and line.startswith("| ")]
    assert rows == [
        ["| cloudpartner2022 → cloudpartner2023", "parquet"],
        ["| cloudpartner2022 → cloudpartner2023", "csv"],
        ["| mpn2010 → cloudpartner2022", "parquet"],
        ["| mpn2010 → cloudpartner2022", "csv"],
    ]
    assert "The target is met for every pair" in body
