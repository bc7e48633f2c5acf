"""Property tests: the polars history engine agrees with the reference on random programs,
status rules and histories; the anniversary rule never lets a level go before a renewal; a
one-month window gives each month's snapshot results."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings

from tests.engine.engine_helpers import load_text
from tests.history.helpers import history as _history
from tests.history.helpers import outcome as _outcome
from tests.history.strategies import histories
from tierlang.data import MONTH, PID
from tierlang.engine import evaluate
from tierlang.history.reference import renews
from tierlang.loader import load_program


@settings(max_examples=80)
@given(histories())
def test_engines_agree(case):
    text, data, _, _ = case
    a, b = _history(text, data, "interpreter"), _history(text, data, "vectorized")
    assert _outcome(a).equals(_outcome(b)), text
    assert a.long().equals(b.long()), text


@settings(max_examples=40)
@given(histories())
def test_duckdb_agrees(case):
    """Each month's levels computed by the compiled SQL query in DuckDB (each row's month its
    evaluation date) give the same timelines as the polars engine."""
    text, data, _, _ = case
    a, b = _history(text, data, "vectorized"), _history(text, data, "duckdb")
    assert b.engine == "duckdb"
    assert _outcome(a).equals(_outcome(b)), text
    assert a.long().equals(b.long()), text


@settings(max_examples=40)
@given(histories(kinds=("lag", "window", "anniversary")))
def test_anniversary_keeps_the_level_until_a_renewal(case):
    """A level the anniversary rule keeps does not end before the next anniversary (lag and
    window come before it; nothing after it can lower a level)."""
    text, data, _, _ = case
    h = _history(text, data, "vectorized")
    for t in h.program.tracks:
        rule = next((r for r in h.program.holds_of(t.name) if r.kind == "anniversary"), None)
        if rule is None or [r.kind for r in h.program.holds_of(t.name)][-1] != "anniversary":
            continue
        for pid in h.partner_ids:
            rows = h.partner_rows(pid).select(MONTH, "__ann__", f"H:{t.name}", f"E:{t.name}").rows()
            enrolled = None
            for i in range(1, len(rows)):
                month, ann, level, _ = rows[i]
                prev_month, _, prev_level, _ = rows[i - 1]
                if enrolled is None and prev_level >= 0:
                    enrolled = prev_month
                anniversary = ann if ann is not None else enrolled
                active = rule.since is None or prev_month >= rule.since
                if active and level < prev_level:
                    assert renews(anniversary, prev_month, month), (text, pid, month)


@settings(max_examples=40)
@given(histories(kinds=("window",)))
def test_a_one_month_window_gives_the_snapshots(case):
    text, data, _, _ = case
    text = "\n".join(line for line in text.splitlines() if not line.startswith("hold "))
    text += "\nhold one for " + ", ".join(t.name for t in load_text(text).tracks) + " { window 1 month }\n"
    h = _history(text, data, "vectorized")
    frame = pl.DataFrame(data, schema={c: pl.String for c in data})
    for month in h.months:
        day = month.isoformat()
        rows = frame.filter(pl.col(MONTH) == day).drop(MONTH, "anniversary")
        if rows.height == 0:
            continue
        prog = load_program("test.tier", month, text=text, checks=False).program
        snap = evaluate(prog, rows)
        got = h.grid.filter(pl.col(MONTH) == month).filter(pl.col(PID).is_in(rows[PID].implode()))
        for t in prog.tracks:
            held = got.select(pl.col(f"H:{t.name}").replace_strict(dict(enumerate(t.level_names)), default=None, return_dtype=pl.String))
            want = snap.levels.select(PID, t.name).join(got.select(PID, held.to_series().alias("h")), on=PID)
            assert want[t.name].to_list() == want["h"].to_list(), (text, day, t.name)


HELD_KEY = """
program held_key { version "1" effective 2023-01-01 }
metric m: number
track t0 { level gold { require m >= 10 } }
table fee: number {
  by t0
  none: 0
  gold: 5
}
track t1 {
  score s { x: points fee }
  level l { require s >= 1 }
}
hold h for t0 { until 2023-03-01 }
"""


def test_a_table_keyed_by_a_track_reads_the_level_held():
    """In March t0 is kept by `until` without being earned: the table keyed by t0 reads the
    level held, as a requirement reading t0 does, in the reference and in polars (the
    reference read the level earned)."""
    data = {"partner_id": ["P"] * 3, "month": ["2023-01-01", "2023-02-01", "2023-03-01"], "m": ["0", "10", "0"]}
    for engine in ("interpreter", "vectorized"):
        long = _history(HELD_KEY, data, engine).long()
        rows = long.filter(pl.col("month") == pl.date(2023, 3, 1)).sort("track").select("track", "level", "score").rows()
        assert rows == [("t0", "gold", None), ("t1", "l", "5")], (engine, rows)
