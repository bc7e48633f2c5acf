"""Written populations load back through the engine's data loader (tierlang.data) without
errors, in every format, for every shipped program, and evaluate identically."""

from __future__ import annotations

import json

import polars as pl
import pytest

import tierlang
from tests.synth.conftest import SHIPPED
from tierlang.data import load_dataset
from tierlang.synth import synthesize, write_population
from tierlang.synth.output import format_for
from tierlang.synth.schema import SynthError


@pytest.fixture(scope="module")
def written(programs, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("synth")
    pop = synthesize([programs[n] for n in SHIPPED], 2_000, seed=21)
    paths = {}
    for fmt in ("csv", "parquet", "jsonl"):
        paths[fmt] = tmp / f"partners.{fmt}"
        write_population(pop.frame, paths[fmt], fmt)
    return pop, paths


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
@pytest.mark.parametrize("name", SHIPPED)
def test_loads_without_errors(programs, written, name, fmt):
    _, paths = written
    dataset = load_dataset(paths[fmt], programs[name])
    assert len(dataset) == 2_000 and not dataset.errors
    assert dataset.has_anniversary


@pytest.mark.parametrize("name", SHIPPED)
def test_every_format_evaluates_the_same(programs, written, name):
    pop, paths = written
    results = [tierlang.evaluate(programs[name], paths[fmt]).long() for fmt in ("csv", "parquet", "jsonl")]
    results.append(tierlang.evaluate(programs[name], pop.frame).long())
    assert all(r.equals(results[0]) for r in results[1:])


def test_jsonl_writes_decimals_as_numbers(written):
    pop, paths = written
    first = paths["jsonl"].read_text(encoding="utf-8").splitlines()[0]
    record = json.loads(first, parse_float=str)
    assert list(record) == pop.frame.columns
    places = pop.decimals["erp_license_revenue_usd"]
    text = record["erp_license_revenue_usd"]
    assert isinstance(text, str) and len(text.split(".")[1]) == places  # a JSON number, e.g. 0.00
    assert record["anniversary"] == pop.frame["anniversary"][0].isoformat()
    assert isinstance(record["dynamics_partner"], bool)


def test_parquet_keeps_exact_types(written):
    pop, paths = written
    back = pl.read_parquet(paths["parquet"])
    assert back.schema == pop.frame.schema
    assert back.equals(pop.frame)


def test_format_from_extension():
    assert format_for("a.csv", None) == "csv"
    assert format_for("a.PARQUET", None) == "parquet"
    assert format_for("a.ndjson", None) == "jsonl"
    assert format_for("-", None) == "csv"
    assert format_for("a.txt", "jsonl") == "jsonl"
    with pytest.raises(SynthError, match="cannot tell the output format"):
        format_for("a.txt", None)
