"""benchmarks/bench_records.py and the baseline it runs, benchmarks/baseline_records.py: a
`tier synth --records` folder of the fewest partners, one run each."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tests.benchmarks.helpers import ROWS, assert_only_section_changed, run_script


def test_tier_against_the_baseline_then_the_baselines_metrics(tmp_path: Path, results: Path):
    data = tmp_path / "data"
    run = run_script("bench_records.py", "--partners", ROWS, "--runs", 1, "--data-dir", data, "--results", results, cwd=tmp_path)
    body = assert_only_section_changed(results, "bench_records")
    # exit 1 says a target was missed (a few partners: mostly process start), never a crash
    assert run.returncode == (0 if "CPU time): **met**" in body and "GB: **met**" in body else 1), run.stderr
    assert "Traceback" not in run.stderr
    assert [p.name for p in data.iterdir()] == [f"records-{ROWS}"]  # the outputs' folder is gone
    folder = data / f"records-{ROWS}"
    assert f"| {folder} (partners {ROWS}, certifications " in body
    # the baseline, the snapshot and both forms of the program agree on these partners
    assert f"Both write {8 * ROWS:,} rows (partner × 8 tracks); 0 differ in level." in body
    assert "the snapshot the records were built to: 0 of " in body
    assert f"0 of {8 * ROWS:,} rows differ in level or score" in body

    # the baseline's other output: the metrics alone
    metrics = tmp_path / "metrics.csv"
    done = run_script("baseline_records.py", folder, "2023-06-15", metrics, "--metrics", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    got = pl.read_csv(metrics)
    snapshot = pl.read_parquet(folder / "snapshot.parquet")
    assert got.height == ROWS and set(got.columns) <= set(snapshot.columns) and len(got.columns) > 20
