"""DESIGN §4.2 held to an independent reading: `tier eval programs/cloudpartner2022-records.tier
FOLDER --as-of DATE` against metrics and designations computed by hand from the contract's text
(tests/contracts/records_reference.py), on boundary-heavy folders at several as-of dates."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from tests.contracts import records_reference as ref

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "programs" / "cloudpartner2022-records.tier"
AS_OF = ["2023-06-15", "2024-07-31", "2024-08-01", "2023-01-01", "2024-03-31", "2023-12-31"]


def _tier(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tierlang", *args], capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize("as_of", AS_OF)
def test_azure_designations_match_an_independent_reading(tmp_path: Path, as_of: str) -> None:
    day = dt.date.fromisoformat(as_of)
    folder = tmp_path / "data"
    ref.generate(folder, day, partners=150, seed=AS_OF.index(as_of))
    out = tmp_path / "out.csv"
    run = _tier("eval", str(PROGRAM), str(folder), "--as-of", as_of, "-o", str(out))
    assert run.returncode == 0, run.stderr
    with open(out, newline="") as f:
        got = {(r["partner_id"], r["track"]): (r["level"], r["score"]) for r in csv.DictReader(f)}
    expected_metrics = ref.metrics(folder, day)
    mismatches = []
    designated = 0
    for pid, m in expected_metrics.items():
        for track, (level, score) in ref.designations(m).items():
            want = (level, ref.score_text(score))
            designated += level == "designated"
            if got.get((pid, track)) != want:
                mismatches.append((pid, track, got.get((pid, track)), want))
        for track in ("modern_work", "business_apps"):
            assert got[(pid, track)][0] == "", (pid, track, got[(pid, track)])
    assert not mismatches, mismatches[:10]
    assert designated > 0  # the generated folder reaches the threshold somewhere
