"""A history file is read, checked and evaluated for its first round in one streamed query
(`tierlang.history.engine._streamed`); the result must be the two stages' (load the whole
file, then evaluate) exactly, and anything the streamed query cannot settle goes the two
stages' way."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import polars as pl
import pytest

from tests.conftest import PROGRAMS, ROOT
from tierlang.data import load_dataset
from tierlang.history import engine as history_engine
from tierlang.history import evaluate_history
from tierlang.loader import load_program
from tierlang.synth.history import synthesize_history


def _program(name: str):
    r = load_program(PROGRAMS / name, checks=False)
    assert r.program is not None
    return r.program


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A synthetic history of cloudpartner2022 (twelve months from 2023-06, partners joining
    and leaving, anniversaries), as Parquet and as CSV."""
    root = tmp_path_factory.mktemp("streamed")
    months = synthesize_history([_program("cloudpartner2022.tier")], rows=300, months=12, seed=5, first_month=dt.date(2023, 6, 1))
    frame = pl.concat(list(months))
    assert frame["anniversary"].null_count() < frame.height
    parquet, csv = root / "h.parquet", root / "h.csv"
    frame.write_parquet(parquet)
    frame.write_csv(csv)
    return parquet, csv


@pytest.mark.parametrize("program", ["cloudpartner2022.tier", "cloudpartner2022-enrolled.tier"])
@pytest.mark.parametrize("fmt", [0, 1])
def test_streamed_equals_the_two_stages(files, program, fmt):
    path = files[fmt]
    prog = _program(program)
    # both stream: CSV decimals as text take their places from a first look (`data.places`)
    assert history_engine._streamed(prog, path, None, None, "stop", None, None, None) is not None
    streamed = evaluate_history(prog, path)
    staged = evaluate_history(prog, load_dataset(path, prog, history=True))
    assert streamed.months == staged.months and streamed.partner_ids == staged.partner_ids
    assert streamed.long().equals(staged.long())
    assert streamed.summary() == staged.summary()
    # the dataset is read again only when asked for: a partner's inputs, as for explain
    pid = streamed.partner_ids[0]
    assert history_engine.partner_inputs(streamed.dataset, pid, streamed.months[-1]) == history_engine.partner_inputs(
        staged.dataset, pid, staged.months[-1]
    )


def test_what_the_stream_cannot_settle_takes_the_two_stages(tmp_path):
    prog = _program("cloudpartner2022.tier")
    bad = tmp_path / "dup.csv"
    frame = pl.concat(list(synthesize_history([prog], rows=5, months=2, seed=1)))
    pl.concat([frame, frame.head(1)]).write_csv(bad)
    assert history_engine._streamed(prog, bad, None, None, "stop", None, None, None) is None
    r = subprocess.run(
        [sys.executable, "-m", "tierlang", "eval", str(PROGRAMS / "cloudpartner2022.tier"), str(bad), "--history"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 2 and "TL411" in r.stderr
    # dated parameters (cloudpartner2023's Security gates from 2023-12-01): month by month
    assert history_engine._streamed(_program("cloudpartner2023.tier"), bad, None, None, "stop", None, None, None) is None


def test_a_later_round_that_reads_metrics(tmp_path):
    """`status` comes in the second round (it reads the held designations) and reads a metric
    too: the streamed query keeps that column for it, and nothing else."""
    fixture = ROOT / "tests" / "fixtures" / "history"
    text = (
        (fixture / "rules.tier").read_text().replace("require at least 1 of designations", "require at least 1 of designations and b >= 1")
    )
    program = tmp_path / "rules.tier"
    program.write_text(text)
    data = tmp_path / "history.parquet"
    pl.read_csv(fixture / "history.csv", try_parse_dates=True).write_parquet(data)
    r = load_program(program, checks=False)
    assert r.program is not None
    prog = r.program
    got = history_engine._streamed(prog, data, None, None, "stop", None, None, None)
    assert got is not None and "b" in got[3].frame.columns and "a" not in got[3].frame.columns
    staged = evaluate_history(prog, load_dataset(data, prog, history=True))
    assert evaluate_history(prog, data).long().equals(staged.long())


@pytest.mark.parametrize("decimal", [False, True])
def test_long_rows_are_made_a_slice_at_a_time(files, monkeypatch, decimal):
    """`History.long_lazy` makes each track's rows a few grid rows at a time; the rows are
    those of one query over the whole grid, in the same order, and a query on them (a
    filter, a projection, a head) reads them as any lazy frame."""
    h = evaluate_history(_program("cloudpartner2022-enrolled.tier"), files[0], start=dt.date(2023, 9, 1))
    whole = pl.concat([h._long_rows(h.grid, t, decimal) for t in h.program.tracks]).collect()
    assert whole.height == h.grid.filter(pl.col("month") >= dt.date(2023, 9, 1)).height * len(h.program.tracks)
    monkeypatch.setattr(history_engine, "WRITE_ROWS", 7)
    lf = h.long_lazy(decimal)
    assert lf.collect().equals(whole)
    assert lf.head(20).collect().equals(whole.head(20))
    some = (pl.col("track") == "security") & pl.col("held_by").is_not_null()
    assert lf.filter(some).select("partner_id", "level").collect().equals(whole.filter(some).select("partner_id", "level"))
    assert h.long_lazy(decimal).collect_schema() == whole.schema


def test_long_rows_hold_one_slice_of_one_track(files, monkeypatch):
    """The batches are what keeps a written history's memory flat: every query the source
    runs covers at most `WRITE_ROWS` grid rows of one track, a sink sees every slice of
    every track once, and a head stops asking for slices once it has its rows."""
    h = evaluate_history(_program("cloudpartner2022.tier"), files[0])
    monkeypatch.setattr(history_engine, "WRITE_ROWS", 500)
    made: list[tuple[str, int]] = []
    long_rows = type(h)._long_rows

    def spy(self, grid, track, decimal):
        made.append((track.name, grid.height))
        return long_rows(self, grid, track, decimal)

    monkeypatch.setattr(type(h), "_long_rows", spy)
    lf = h.long_lazy(True)
    made.clear()
    out = lf.collect()
    tracks = [t.name for t in h.program.shown_tracks(h.shown)]
    slices = -(-h.grid.height // 500)
    assert h.grid.height > 1000 and all(n <= 500 for _, n in made)
    assert [t for t, _ in made] == [t for t in tracks for _ in range(slices)]
    assert sum(n for _, n in made) == h.grid.height * len(tracks) and out.height == h.grid.height * len(tracks)
    head = h.long_lazy(True).head(10)
    made.clear()
    assert head.collect().height == 10 and made == [(tracks[0], 500)]


def test_a_history_of_no_rows_has_the_long_columns(files):
    empty = evaluate_history(_program("cloudpartner2022.tier"), files[0])
    empty.grid = empty.grid.clear()
    assert empty.long().height == 0 and empty.long().columns == ["partner_id", "month", "track", "level", "score", "held_by"]
