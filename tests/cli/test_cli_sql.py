"""`tier eval --engine duckdb`: the same files, the same validation and messages, the same
results as the polars engine."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.cli.cli_helpers import DATA, PROGRAM, ROOT, run


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_duckdb_engine_writes_what_the_polars_engine_writes(tmp_path, suffix):
    data = tmp_path / f"partners{suffix}"
    frame = pl.read_csv(DATA, infer_schema=False)
    if suffix == ".csv":
        frame.write_csv(data)
    elif suffix == ".parquet":
        pl.read_csv(DATA).write_parquet(data)
    else:
        pl.read_csv(DATA).write_ndjson(data)
    outs = {}
    for engine in ("vectorized", "duckdb"):
        out = run("eval", PROGRAM, str(data), "--engine", engine, "-o", str(tmp_path / f"{engine}.csv"))
        assert out.exit_code == 0, out.stderr
        assert f"engine {engine}" in out.stderr
        outs[engine] = (tmp_path / f"{engine}.csv").read_text()
    assert outs["duckdb"] == outs["vectorized"]


def test_duckdb_engine_reports_bad_data_as_every_engine_does(tmp_path):
    bad = tmp_path / "bad.csv"
    text = Path(DATA).read_text().splitlines()
    header = text[0].split(",")
    row = text[1].split(",")
    row[header.index("deployments")] = "3.5"
    bad.write_text("\n".join([text[0], ",".join(row), *text[2:]]) + "\n")
    errs = {}
    for engine in ("vectorized", "duckdb"):
        out = run("eval", PROGRAM, str(bad), "--engine", engine)
        assert out.exit_code == 2
        errs[engine] = out.stderr
    assert errs["duckdb"] == errs["vectorized"]
    assert "bad.csv:2:" in errs["duckdb"] and "deployments" in errs["duckdb"]


def test_history_on_the_duckdb_engine_writes_what_the_polars_engine_writes(tmp_path):
    """Each month's levels from the compiled query (status rules, a window and an anniversary,
    applied as with polars): the same file, byte for byte."""
    program = str(ROOT / "programs" / "cloudpartner2022.tier")
    history = tmp_path / "history.parquet"
    out = run("synth", program, "--months", "8", "--rows", "300", "-o", str(history))
    assert out.exit_code == 0, out.stderr
    outs = {}
    for engine in ("vectorized", "duckdb"):
        out = run("eval", program, str(history), "--history", "--engine", engine, "-o", str(tmp_path / f"{engine}.csv"))
        assert out.exit_code == 0, out.stderr
        assert f"engine {engine}" in out.stderr
        outs[engine] = (tmp_path / f"{engine}.csv").read_text()
    assert outs["duckdb"] == outs["vectorized"] and outs["duckdb"].count("\n") > 300


def test_a_history_of_records_is_not_for_the_duckdb_engine():
    program = str(ROOT / "programs" / "cloudpartner2022-records.tier")
    out = run(
        "eval", program, str(ROOT / "examples" / "records"), "--history", "--from", "2023-01", "--to", "2023-03", "--engine", "duckdb"
    )
    assert out.exit_code == 2, out.stderr
    assert "a history of records runs on the vectorized or the interpreter engine, not duckdb" in out.stderr
    assert "Traceback" not in out.stderr
