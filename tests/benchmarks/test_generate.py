"""benchmarks/generate.py: the synthetic partners every speed benchmark reads, the same values
in every layout, the same files from every run."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tests.benchmarks.helpers import ROWS, run_script, script

generate = script("generate")


def test_every_layout_holds_the_same_partners(tmp_path: Path):
    run = run_script("generate.py", ROWS, tmp_path / "data", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    paths = {Path(line) for line in run.stdout.splitlines()}
    assert paths == {generate.path_for(ROWS, tmp_path / "data", layout) for layout in generate.LAYOUTS}
    text = pl.read_csv(generate.path_for(ROWS, tmp_path / "data", "csv"), infer_schema=False)
    assert text.shape == (ROWS, len(generate.COLUMNS) + 2) and text["partner_id"].n_unique() == ROWS
    decimal = pl.read_parquet(generate.path_for(ROWS, tmp_path / "data", "decimal.parquet"))
    assert decimal.select(pl.all().cast(pl.String)).equals(text)
    floats = pl.read_parquet(generate.path_for(ROWS, tmp_path / "data", "float.parquet"))
    lines = pl.read_ndjson(generate.path_for(ROWS, tmp_path / "data", "jsonl"))
    assert floats.drop("anniversary").rows() == lines.select(floats.columns).drop("anniversary").rows()
    assert floats["data_ai_usage_growth_pct"].to_list() == [float(x) for x in text["data_ai_usage_growth_pct"]]


def test_the_values_depend_on_the_row_alone():
    assert generate.frame(ROWS).equals(generate.frame(ROWS))
    assert generate.frame(5).equals(generate.frame(ROWS).head(5))
