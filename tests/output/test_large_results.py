"""What keeps `tier eval` on 10M partners within a few GB changes no output: levels held as
codes (`evaluate(coded=True)`) and a large Parquet result streamed to its file
(`output.SINK_ROWS`) write the same results as text levels and a collected frame."""

from __future__ import annotations

import polars as pl
import pyarrow.parquet as pq
import pytest

from tests.conftest import PROGRAMS
from tierlang import load_program, output
from tierlang.engine import evaluate
from tierlang.engine.gaps import gaps
from tierlang.output import write_results
from tierlang.synth import synthesize, write_population


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    program = load_program(PROGRAMS / "cloudpartner2022.tier").program
    path = tmp_path_factory.mktemp("large") / "p.parquet"
    write_population(synthesize([program], rows=600, seed=8).frame, path, "parquet")
    return program, path


def _written(ev, fmt, path, found=None) -> bytes:
    write_results(ev, fmt, str(path), ev.metadata(), found)
    return path.read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_coded_levels_write_the_same_bytes(population, tmp_path, fmt):
    program, path = population
    text = evaluate(program, path, detail=True)
    coded = evaluate(program, path, detail=True, coded=True)
    assert all(isinstance(coded.levels.schema[t], pl.Enum) for t in coded.tracks)
    assert coded.summary() == text.summary()
    assert _written(coded, fmt, tmp_path / f"a.{fmt}") == _written(text, fmt, tmp_path / f"b.{fmt}")
    # with the gap columns too (they compare levels with names)
    assert _written(coded, fmt, tmp_path / f"c.{fmt}", gaps(coded)) == _written(text, fmt, tmp_path / f"d.{fmt}", gaps(text))


def test_coded_levels_from_the_two_stages_and_the_interpreter(population, tmp_path):
    program, path = population
    csv = tmp_path / "p.csv"
    pl.read_parquet(path).write_csv(csv)  # text decimals: the two stages
    for ev in (evaluate(program, csv, coded=True), evaluate(program, path, engine="interpreter", coded=True)):
        assert all(isinstance(ev.levels.schema[t], pl.Enum) for t in ev.tracks)
        assert _written(ev, "csv", tmp_path / "a.csv") == _written(evaluate(program, path), "csv", tmp_path / "b.csv")


def test_a_large_parquet_result_is_streamed_to_the_same_file(population, tmp_path, monkeypatch):
    program, path = population
    ev = evaluate(program, path, coded=True)
    collected = tmp_path / "collected.parquet"
    _written(ev, "parquet", collected)
    monkeypatch.setattr(output, "SINK_ROWS", 0)
    streamed = tmp_path / "streamed.parquet"
    _written(ev, "parquet", streamed)
    assert pl.read_parquet(streamed).equals(pl.read_parquet(collected))
    meta = pq.ParquetFile(streamed).metadata.metadata
    assert meta[b"tierlang.content_hash"] == program.content_hash.encode()
    assert pq.ParquetFile(streamed).schema_arrow == pq.ParquetFile(collected).schema_arrow
