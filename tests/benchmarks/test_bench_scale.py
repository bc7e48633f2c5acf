"""benchmarks/bench_scale.py: `tier eval` and `tier diff --data` on N and 10 × N partners (the
file made ten times over with new ids), one run, N the fewest partners."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tests.benchmarks.helpers import ROWS, assert_only_section_changed, run_script


def test_both_sizes(partners: Path, tmp_path: Path, results: Path):
    run = run_script("bench_scale.py", "--rows", ROWS, "--runs", 1, "--data", partners, "--results", results, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    big = pl.read_parquet(partners / f"partners_{10 * ROWS}.decimal.parquet")
    assert big.height == 10 * ROWS and big["partner_id"].n_unique() == 10 * ROWS
    body = assert_only_section_changed(results, "bench_scale")
    assert f"## {10 * ROWS:,} partners in bounded memory" in body
    cases = [line.split(" | ")[0] for line in body.splitlines() if line.startswith("| decimal.parquet")]
    assert cases == [
        "| decimal.parquet: tier eval → CSV",
        "| decimal.parquet: tier eval → Parquet",
        "| decimal.parquet: tier diff --data → JSON",
    ]
