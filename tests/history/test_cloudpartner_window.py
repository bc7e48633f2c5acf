"""The Cloud Partner Program's qualification window on a long table (DESIGN §4.4, reference
§1.3): from 2023-09-19 a designation is held in a month when it qualifies in that month or in
any of the five before. Months are evaluated as of their first day, so September 2023 (as of
2023-09-01) is still a month that stands alone, and October 2023 is the window's first month."""

from __future__ import annotations

import datetime as _dt

import polars as pl
import pytest

from tests.conftest import PROGRAMS
from tierlang import dates
from tierlang.data import from_frame
from tierlang.history import evaluate_history
from tierlang.loader import load_program

D = _dt.date
MONTHS = list(dates.month_range(D(2023, 3, 1), D(2024, 6, 1)))

# partner -> the months (first days) in which its data qualifies for data_ai
QUALIFIES = {
    "before": [D(2023, 4, 1)],  # out of every window: qualified in April only
    "august": [D(2023, 8, 1)],  # September stands alone (not held); October … January in the window
    "september": [D(2023, 9, 1)],  # qualified in the last month before the rule
    "october": [D(2023, 10, 1)],  # qualifies once in the window's first month: five more months
    "never": [],
    "always": MONTHS,
}


@pytest.fixture(scope="module")
def history():
    prog = load_program(PROGRAMS / "cloudpartner2022.tier", checks=False).program
    full = {name: value for name, value in next(p for p in prog.partners if p.name == "full_marks").values}
    rows = []
    for pid, good in QUALIFIES.items():
        for m in MONTHS:
            values = dict(full)
            if m not in good:
                values["data_ai_net_customer_adds"] = 0  # a metric at 0 points: not designated
            rows.append({"partner_id": pid, "month": m.isoformat(), **{k: str(v) for k, v in values.items()}})
    frame = pl.DataFrame(rows)
    ds = from_frame(frame, prog, history=True)
    return {engine: evaluate_history(prog, ds, engine=engine) for engine in ("vectorized", "interpreter")}


def _held(h, pid: str, track: str = "data_ai") -> dict[str, tuple[str | None, str | None]]:
    got = h.long().filter((pl.col("partner_id") == pid) & (pl.col("track") == track))
    return {m.strftime("%Y-%m"): (lvl, by) for m, lvl, by in got.select("month", "level", "held_by").rows()}


@pytest.mark.parametrize("engine", ["vectorized", "interpreter"])
def test_window_boundaries(history, engine):
    h = history[engine]
    q, w = ("designated", "qualified"), ("designated", "qualification_window")
    none = (None, None)
    before = _held(h, "before")
    assert before["2023-04"] == q and all(v == none for k, v in before.items() if k != "2023-04")
    august = _held(h, "august")
    assert august["2023-08"] == q
    assert august["2023-09"] == none  # evaluated as of 2023-09-01: the window is not in force yet
    assert [august[m] for m in ("2023-10", "2023-11", "2023-12", "2024-01")] == [w] * 4
    assert august["2024-02"] == none  # the window of February 2024 is September … February
    september = _held(h, "september")
    assert september["2023-09"] == q
    assert [september[m] for m in ("2023-10", "2023-11", "2023-12", "2024-01", "2024-02")] == [w] * 5
    assert september["2024-03"] == none
    october = _held(h, "october")
    assert october["2023-10"] == q
    assert [october[m] for m in ("2023-11", "2023-12", "2024-01", "2024-02", "2024-03")] == [w] * 5  # exactly five more
    assert october["2024-04"] == none
    assert set(_held(h, "never").values()) == {none}
    assert set(_held(h, "always").values()) == {q}


@pytest.mark.parametrize("engine", ["vectorized", "interpreter"])
def test_status_track_reads_held_designations(history, engine):
    """The badge and partner_status read the designations the window keeps: every other
    designation is earned every month (full marks), so the badge follows data_ai's window."""
    h = history[engine]
    assert _held(h, "october", "microsoft_cloud")["2023-12"] == ("designated", "qualified")
    assert _held(h, "october", "partner_status")["2023-12"] == ("microsoft_cloud", "qualified")
    assert _held(h, "october", "microsoft_cloud")["2024-04"] == (None, None)
    assert _held(h, "october", "partner_status")["2024-04"] == ("solutions_partner", "qualified")
    assert _held(h, "august", "microsoft_cloud")["2023-09"] == (None, None)


def test_engines_agree(history):
    assert history["vectorized"].long().equals(history["interpreter"].long())


def test_scores_are_each_months_own(history):
    got = history["vectorized"].long().filter((pl.col("partner_id") == "october") & (pl.col("track") == "data_ai"))
    by_month = dict(zip(got["month"].dt.strftime("%Y-%m"), got["score"]))
    assert by_month["2023-10"] == "100" and by_month["2023-11"] == "70"  # held by the window with 70 points
