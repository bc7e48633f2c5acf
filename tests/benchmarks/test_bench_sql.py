"""benchmarks/bench_sql.py: the compiled query against the hand-written DuckDB queries
(benchmarks/baseline_duckdb*.sql) as the script runs it, at the fewest partners, one run;
then its PostgreSQL and Spark parts on the tests' own server and SparkSession (the session's
`postgres` fixture; the Spark tests' session), as the section is made of them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.benchmarks.helpers import ROOT, ROWS, assert_only_section_changed, run_script, script
from tierlang.loader import load_program

bench_sql, generate = script("bench_sql"), script("generate")


def test_duckdb_as_run(partners: Path, tmp_path: Path, results: Path):
    args = ["--rows", ROWS, "--repeat", 1, "--no-postgres", "--no-spark", "--data", partners, "--results", results]
    run = run_script("bench_sql.py", *args, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    body = assert_only_section_changed(results, "bench_sql")
    inputs = [line.split(" | ")[0] for line in body.splitlines() if line.startswith(("| Parquet", "| CSV"))]
    assert inputs == ["| Parquet, DECIMAL(18, 2)", "| Parquet, DOUBLE", "| CSV (read_csv_auto)"]
    # the exact hand-written query writes the compiled query's levels and scores, whatever the input
    assert body.count("exact, checked 0 levels / 0 scores") == 3
    assert "### PostgreSQL" not in body and "### Spark" not in body


def _section(pg=None, spark=None) -> str:
    args = dataclasses.make_dataclass("Args", ["rows", "repeat"])(ROWS, 1)
    return bench_sql.section(args, {}, [], pg, spark)


def test_postgres(postgres, partners: Path):
    import psycopg

    with psycopg.connect(postgres.url, autocommit=True) as conn:  # a database of its own on the tests' server
        conn.execute("DROP DATABASE IF EXISTS bench_sql")
        conn.execute("CREATE DATABASE bench_sql")
    program = load_program(ROOT / "programs" / "cloudpartner2022.tier").program
    pg = bench_sql.bench_postgres(
        program, generate.path_for(ROWS, partners, "csv"), 1, dataclasses.replace(postgres, database="bench_sql").url
    )
    assert {k: len(v) for k, v in pg["runs"].items()} == {"into": 1, "read back": 1, "polars": 1}
    assert all(pg[k][1] > 0 for k in ("into", "read back", "polars"))
    assert "| `tier eval --db … --into results` (computed and written inside the database) |" in _section(pg=pg)


@pytest.mark.slow
def test_spark(partners: Path):
    pytest.importorskip("pyspark")
    program = load_program(ROOT / "programs" / "cloudpartner2022.tier").program
    spark = bench_sql.bench_spark(program, generate.path_for(ROWS, partners, "decimal.parquet"), 1)
    assert {k: len(v) for k, v in spark["runs"].items()} == {"spark": 1, "polars": 1}
    assert spark["spark"][1] > 0 and spark["start"] >= 0
    assert "| `--engine spark` on the loaded dataset" in _section(spark=spark)
