"""The qualification window of reference §1.3 on the records program, at its boundaries
(DESIGN §4.4): `tier eval programs/cloudpartner2022-records.tier FOLDER --history` on a
folder built so that each partner qualifies for Data & AI in known months only.

Every partner has the same Azure usage (enough for every usage metric in every month) and ten
Data & AI certified people; what differs is when its four gate people (two Azure Solutions
Architect Experts, two Azure Administrator Associates) count, and the 40 intermediate points
stand behind that gate: a partner qualifies exactly in the months, evaluated as of their first
day, on which its gate certifications are valid.

The rule starts on 2023-09-19, so September 2023 (as of 1 September) still stands alone and
October 2023 is the window's first month; the window looks back over the five months before,
including months before the rule's date."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import PROGRAMS, ROOT

RECORDS = PROGRAMS / "cloudpartner2022-records.tier"
SERVICES = [
    "Azure SQL Database",
    "Azure Cosmos DB",
    "Azure Machine Learning",
    "Azure Databricks",
    "Azure Synapse Analytics",
    "Azure Functions",
]

#: partner -> (earned_on, expires_on) of its gate people; None: no gate people at all.
GATES: dict[str, tuple[str, str] | None] = {
    "always": ("2020-01-01", ""),
    "never": None,
    "oct_once": ("2023-09-20", "2023-10-20"),  # counts as of 2023-10-01 only
    "aug_once": ("2023-07-20", "2023-08-20"),  # as of 2023-08-01 only: before the rule's date
    "apr_once": ("2023-03-20", "2023-04-20"),  # as of 2023-04-01 only: within six months of 2023-09
    "dec_jan": ("2023-11-20", "2024-01-20"),  # as of 2023-12-01 and 2024-01-01
}


def _month(i: int) -> dt.date:
    return dt.date(2021 + i // 12, 1 + i % 12, 1)


def _folder(root: Path) -> Path:
    folder = root / "records"
    folder.mkdir()
    with open(folder / "partners.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["partner_id", "anniversary"])
        for pid in GATES:
            w.writerow([pid, ""])
    with open(folder / "certifications.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["partner_id", "person_id", "certification", "linked", "earned_on", "expires_on"])
        for pid, gate in GATES.items():
            for k in range(10):
                w.writerow([pid, f"ai{k}", "Azure AI Engineer Associate", "true", "2020-01-01", ""])
            if gate is not None:
                for k, cert in enumerate(["Azure Solutions Architect Expert"] * 2 + ["Azure Administrator Associate"] * 2):
                    w.writerow([pid, f"gate{k}", cert, "true", gate[0], gate[1]])
    with open(folder / "azure_usage.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["partner_id", "tenant_id", "month", "service", "offer", "association", "acr_usd"])
        # One more tenant at 2,000 USD every month from 2021-01: twelve net adds a year, growth
        # above 20 %, six services deployed, in every month evaluated here.
        for pid in GATES:
            for i in range(48):
                for t in range(i + 1):
                    w.writerow([pid, f"t{t}", _month(i).isoformat(), SERVICES[t % len(SERVICES)], "Azure Plan", "CSP_T1", "2000.00"])
    return folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return _folder(tmp_path_factory.mktemp("window"))


@pytest.fixture(scope="module")
def history(folder: Path) -> dict[tuple[str, str], tuple[str, str, str]]:
    out = folder.parent / "history.csv"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tierlang",
            "eval",
            str(RECORDS),
            str(folder),
            "--history",
            "--from",
            "2023-03",
            "--to",
            "2024-06",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["partner_id", "month", "track", "level", "score", "held_by"]
    return {(r["partner_id"], r["month"][:7]): (r["level"], r["score"], r["held_by"]) for r in rows if r["track"] == "data_ai"}


def _months(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _timeline(history, pid: str) -> dict[str, str]:
    """month -> held_by ('' when not designated); checks level and score agree with it."""
    out = {}
    for month in _months("2023-03", "2024-06"):
        level, score, held_by = history[(pid, month)]
        assert (level == "designated") == bool(held_by), (pid, month, level, held_by)
        assert (held_by == "qualified") == (score != "" and float(score) >= 70), (pid, month, score, held_by)
        out[month] = held_by
    return out


def _expect(qualified: set[str], window: set[str]) -> dict[str, str]:
    return {m: "qualified" if m in qualified else "qualification_window" if m in window else "" for m in _months("2023-03", "2024-06")}


def test_always_and_never(history):
    assert set(_timeline(history, "always").values()) == {"qualified"}
    assert set(_timeline(history, "never").values()) == {""}


def test_qualifying_once_keeps_the_designation_exactly_five_more_months(history):
    # Qualified in 2023-10 only: kept November to March by the window, gone in April.
    assert _timeline(history, "oct_once") == _expect({"2023-10"}, set(_months("2023-11", "2024-03")))


def test_before_the_rule_date_each_month_stands_alone(history):
    # Qualified in 2023-08 only. September 2023 is evaluated as of 1 September, before the rule
    # (2023-09-19): not held. October is the window's first month, and its window (May to
    # October) includes August: held from October to January, five months after August.
    assert _timeline(history, "aug_once") == _expect({"2023-08"}, set(_months("2023-10", "2024-01")))


def test_a_qualification_outside_the_first_window_is_not_carried_into_it(history):
    # Qualified in 2023-04 only: September would keep it under a six-month window (April to
    # September), but the rule does not apply yet; October's window starts in May.
    assert _timeline(history, "apr_once") == _expect({"2023-04"}, set())


def test_the_window_counts_from_the_last_qualifying_month(history):
    assert _timeline(history, "dec_jan") == _expect({"2023-12", "2024-01"}, set(_months("2024-02", "2024-06")))


def test_a_records_history_starts_as_far_back_as_its_status_rules_reach():
    from tierlang.loader import load_program
    from tierlang.records.history import months_back

    def program(name: str):
        r = load_program(PROGRAMS / name, checks=False)
        assert r.program is not None
        return r.program

    assert months_back(program("cloudpartner2022-records.tier")) == 6  # a six-month window
    assert months_back(program("cloudpartner2022-enrolled.tier")) == 12 + 2  # anniversary; 30 days' grace
    assert months_back(replace(program("cloudpartner2022-records.tier"), holds=())) == 0


def test_explain_tells_the_window_on_records(folder: Path):
    run = subprocess.run(
        [sys.executable, "-m", "tierlang", "explain", str(RECORDS), str(folder), "--history", "--from", "2023-09", "--to", "2024-04"]
        + ["--partner", "oct_once", "--track", "data_ai"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    assert "2023-10            held: qualified" in run.stdout
    assert "2023-11 … 2024-03  held: kept by the 6-month window; last qualified 2023-10 (qualification_window)" in run.stdout
