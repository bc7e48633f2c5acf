"""`tier diff --data` reads a typed file once, lazily, for both programs (`impact._streamed`,
`engine.evaluate_scan`): the input columns are never held and levels come as codes, so 10M
partners fit in a few GB. Whichever path runs (the streamed one, or the two stages of
`load_datasets` that report bad data), the report is the same, byte for byte."""

from __future__ import annotations

import json

import polars as pl
import pytest

from tests.conftest import FIXTURES, PROGRAMS, ROOT
from tests.engine.engine_helpers import paths_taken, typed_frame
from tierlang import load_program
from tierlang.data import PID, DataLoadError
from tierlang.diff import diff, impact, to_data
from tierlang.render.diff import render_diff
from tierlang.synth import synthesize, write_population

DIFF = FIXTURES / "diff"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # file names in reports are relative to the working directory


def _paths(monkeypatch) -> list[str]:
    """Record which path each `evaluate_pair` took."""
    return paths_taken(monkeypatch, impact, "_streamed", "streamed", "two stages")


def _reports(old, new, data, monkeypatch) -> tuple[list[str], list[str]]:
    """Every rendering of the diff by each path: (streamed, two stages), and the paths taken."""
    taken = _paths(monkeypatch)
    report = diff(old, new, data=data)
    streamed = [json.dumps(to_data(report), sort_keys=True), *(render_diff(report, fmt) for fmt in ("text", "md", "html"))]
    monkeypatch.setattr(impact, "_streamed", lambda *args: None)
    report = diff(old, new, data=data)
    staged = [json.dumps(to_data(report), sort_keys=True), *(render_diff(report, fmt) for fmt in ("text", "md", "html"))]
    assert taken == ["streamed"]
    return streamed, staged


@pytest.mark.parametrize(("old", "new"), [("cloudpartner2022", "cloudpartner2023"), ("mpn2010", "cloudpartner2022")])
def test_the_streamed_diff_is_the_two_stage_diff(old, new, tmp_path, monkeypatch):
    programs = [load_program(PROGRAMS / f"{n}.tier").program for n in (old, new)]
    data = tmp_path / "p.parquet"
    write_population(synthesize(programs, rows=2000, seed=11).frame, data, "parquet")
    streamed, staged = _reports(PROGRAMS / f"{old}.tier", PROGRAMS / f"{new}.tier", data, monkeypatch)
    assert streamed == staged


def test_the_shop_fixture_streamed_from_typed_parquet(tmp_path, monkeypatch):
    old = load_program(DIFF / "shop_v1.tier").program
    text = pl.read_csv(DIFF / "shop_partners.csv", infer_schema=False)
    data = tmp_path / "shop.parquet"
    typed_frame(old, text.to_dict(as_series=False)).write_parquet(data)
    streamed, staged = _reports(DIFF / "shop_v1.tier", DIFF / "shop_v2.tier", data, monkeypatch)
    assert streamed == staged
    # the CSV file streams too (its text decimals' places come from a first look at them)
    monkeypatch.undo()
    monkeypatch.chdir(ROOT)
    streamed, staged = _reports(DIFF / "shop_v1.tier", DIFF / "shop_v2.tier", DIFF / "shop_partners.csv", monkeypatch)
    assert streamed == staged and "shop_partners.csv" in streamed[1]


@pytest.mark.parametrize(("old", "new"), [("cloudpartner2022", "cloudpartner2023"), ("mpn2010", "cloudpartner2022")])
def test_the_streamed_diff_from_csv_is_the_two_stage_diff(old, new, tmp_path, monkeypatch):
    programs = [load_program(PROGRAMS / f"{n}.tier").program for n in (old, new)]
    data = tmp_path / "p.csv"
    write_population(synthesize(programs, rows=500, seed=12).frame, data, "csv")
    streamed, staged = _reports(PROGRAMS / f"{old}.tier", PROGRAMS / f"{new}.tier", data, monkeypatch)
    assert streamed == staged


def test_the_streamed_evaluations_hold_levels_as_codes(tmp_path):
    old = load_program(PROGRAMS / "cloudpartner2022.tier").program
    new = load_program(PROGRAMS / "cloudpartner2023.tier").program
    data = tmp_path / "p.parquet"
    write_population(synthesize([old], rows=300, seed=2).frame, data, "parquet")
    got = impact._streamed(old, new, data, None)
    assert got is not None
    a, b = got
    assert all(isinstance(a.levels.schema[t], pl.Enum) for t in a.tracks)
    assert b.levels[PID].equals(a.levels[PID])
    assert a.dataset.has_anniversary and b.dataset.metrics == new.input_metrics
    assert a.dataset._frame is None  # nothing asked for the input columns


def test_a_bad_row_takes_the_two_stages_which_name_it(tmp_path, monkeypatch):
    old = load_program(PROGRAMS / "cloudpartner2022.tier").program
    frame = synthesize([old], rows=50, seed=4).frame
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 7).then(-5).otherwise(pl.col("data_ai_deployments")).alias("data_ai_deployments")
    )
    data = tmp_path / "p.parquet"
    write_population(frame, data, "parquet")
    taken = _paths(monkeypatch)
    with pytest.raises(DataLoadError) as err:
        diff(PROGRAMS / "cloudpartner2022.tier", PROGRAMS / "cloudpartner2023.tier", data=data)
    assert taken == ["two stages"]
    assert [(e.row, e.column) for e in err.value.errors] == [(8, "data_ai_deployments")]  # Parquet rows count from 1, no header


def test_a_repeated_partner_takes_the_two_stages(tmp_path, monkeypatch):
    old = load_program(PROGRAMS / "cloudpartner2022.tier").program
    frame = synthesize([old], rows=20, seed=4).frame
    data = tmp_path / "p.parquet"
    pl.concat([frame, frame.head(1)]).write_parquet(data)
    taken = _paths(monkeypatch)
    with pytest.raises(DataLoadError) as err:
        diff(PROGRAMS / "cloudpartner2022.tier", PROGRAMS / "cloudpartner2023.tier", data=data)
    assert taken == ["two stages"]
    assert {e.code for e in err.value.errors} == {"TL411"}
