"""benchmarks/run.py (`make bench`): `tier eval` against benchmarks/baseline.py, whole processes.
One layout at the fewest partners and runs (three: results are medians); the layout with the
most cases (the uncached `tier eval` too)."""

from __future__ import annotations

from pathlib import Path

from tests.benchmarks.helpers import ROWS, assert_only_section_changed, run_script


def test_one_layout(partners: Path, tmp_path: Path, results: Path):
    run = run_script(
        "run.py",
        "--rows",
        ROWS,
        "--repeat",
        3,
        "--layouts",
        "decimal.parquet",
        "--data",
        partners,
        "--results",
        results,
        "--no-check",
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("run 3/3 ") == 3  # tier eval, tier eval without the cache, the baseline
    body = assert_only_section_changed(results, "bench_run")
    cases = [line.split(" | ")[0] for line in body.splitlines() if line.startswith("| decimal.parquet: ")]
    assert cases == [
        "| decimal.parquet: tier eval",
        "| decimal.parquet: tier eval, no program cache",
        "| decimal.parquet: baseline",
        "| decimal.parquet: tier eval ≤ 1.2× the baseline",
    ]
    assert f"- decimal.parquet: the baseline's levels differ from tier's exact ones on 0 of {8 * ROWS:,} partner-track rows." in body
    assert f"- Data: {ROWS:,} synthetic partners" in body


def test_fewer_than_three_runs_is_refused(tmp_path: Path):
    run = run_script("run.py", "--repeat", 1, "--no-check", cwd=tmp_path)
    assert run.returncode == 2
    assert "--repeat 1: at least 3" in run.stderr
