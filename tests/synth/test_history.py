"""`tier synth --months`: a history with month-to-month persistence that `tier eval --history`
reads back without errors."""

from __future__ import annotations

import datetime as _dt
import subprocess
import sys

import polars as pl
import pytest

from tests.conftest import ROOT
from tierlang.history import evaluate_history
from tierlang.synth import SynthError, synthesize
from tierlang.synth.history import synthesize_history, write_history

ROWS, MONTHS = 1500, 8


@pytest.fixture(scope="module")
def history(programs):
    return list(synthesize_history([programs["cloudpartner2022"]], rows=ROWS, months=MONTHS, seed=3))


def test_the_first_month_is_the_snapshot_population(programs, history):
    snap = synthesize([programs["cloudpartner2022"]], rows=ROWS, seed=3).frame
    first = history[0]
    assert first["month"].unique().to_list() == [_dt.date(2022, 10, 1)]  # cloudpartner2022 is effective 2022-10-03
    joined = snap.filter(pl.col("partner_id").is_in(first["partner_id"].implode()))
    assert first.drop("month").equals(joined)


def test_months_are_consecutive_and_partners_join_and_leave(history):
    months = [f["month"][0] for f in history]
    assert months == [_dt.date(2022 + (9 + k) // 12, (9 + k) % 12 + 1, 1) for k in range(MONTHS)]
    ids = [set(f["partner_id"]) for f in history]
    everyone = set().union(*ids)
    assert len(everyone) == ROWS
    assert ids[0] != everyone and ids[-1] != everyone  # someone joins later, someone leaves early
    assert len(ids[0] & ids[-1]) > 0.8 * ROWS


def test_values_move_but_persist_and_stay_exact(programs, history):
    schema = {c: t for c, t in history[0].schema.items()}
    for frame in history[1:]:
        assert dict(frame.schema) == schema  # counts Int64, decimals Decimal: never floats
    a, b = history[3], history[4]
    both = a.join(b, on="partner_id", suffix=":next")
    col = "modern_work_intermediate_certified"
    moved = both.filter(pl.col(col) != pl.col(f"{col}:next")).height
    assert 0 < moved < both.filter(pl.col(col) > 0).height  # some move, not all of those who have any
    adds = pl.concat(history)["data_ai_net_customer_adds"]
    assert adds.min() < 0 < adds.max()  # signed columns cross zero
    assert pl.concat(history)["data_ai_deployments"].min() >= 0  # counts stay in range


def test_designations_persist_month_to_month(tmp_path, programs, history):
    path = tmp_path / "h.parquet"
    write_history(iter(history), path, "parquet")
    h = evaluate_history(programs["cloudpartner2022"], path)
    g = h.grid.select("partner_id", "month", (pl.col("E:partner_status") >= 1).alias("sp"))
    g = g.with_columns(pl.col("sp").shift(-1).over("partner_id").alias("next"))
    stay = g.filter(pl.col("sp") & pl.col("next").is_not_null())["next"].mean()
    assert 0.75 < stay < 0.99  # about 9 in 10 (docs/synth.md)


def test_same_seed_same_bytes_and_formats(tmp_path, programs):
    outs = []
    for i in range(2):
        path = tmp_path / f"h{i}.csv"
        write_history(synthesize_history([programs["mpn2010"]], rows=200, months=3, seed=9), path, "csv")
        outs.append(path.read_bytes())
    assert outs[0] == outs[1]
    lines = outs[0].decode().splitlines()
    assert lines[0].startswith("partner_id,month,") and sum(1 for line in lines if line.startswith("partner_id")) == 1
    jsonl = tmp_path / "h.jsonl"
    write_history(synthesize_history([programs["mpn2010"]], rows=200, months=3, seed=9), jsonl, "jsonl")
    assert pl.read_ndjson(jsonl).height == len(lines) - 1


def test_bad_months(programs):
    with pytest.raises(SynthError, match="months must be"):
        list(synthesize_history([programs["mpn2010"]], rows=10, months=0))
    with pytest.raises(SynthError, match="end after 9999"):
        list(synthesize_history([programs["mpn2010"]], rows=10, months=12, first_month=_dt.date(9999, 6, 1)))


def test_cli(tmp_path):
    out = tmp_path / "h.csv"
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "tierlang",
            "synth",
            "programs/cloudpartner2022.tier",
            "--rows",
            "50",
            "--months",
            "3",
            "--from",
            "2023-08",
            "-o",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert p.returncode == 0, p.stderr
    assert "(3 months)" in p.stderr
    frame = pl.read_csv(out, try_parse_dates=True)
    assert sorted(frame["month"].unique().to_list()) == [_dt.date(2023, 8, 1), _dt.date(2023, 9, 1), _dt.date(2023, 10, 1)]
    p = subprocess.run(
        [sys.executable, "-m", "tierlang", "synth", "programs/mpn2010.tier", "--from", "2023-08", "-o", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert p.returncode == 2 and "add --months N" in p.stderr
