"""DESIGN §4.4 on records, held to an independent reading: `tier eval
programs/cloudpartner2022-records.tier FOLDER --history --from .. --to ..` against the Azure
designations computed by hand for every month (as of its first day) and the six-month
qualification window of reference §1.3 (from 2023-09-19: held when qualified in the month or
in any of the five before, including months before --from)."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

from tests.contracts import records_reference as ref

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "programs" / "cloudpartner2022-records.tier"


def test_six_month_window_on_records(tmp_path: Path) -> None:
    first, last = dt.date(2023, 10, 1), dt.date(2024, 9, 1)
    folder = tmp_path / "data"
    ref.generate_history(folder, first, last, partners=80, seed=7)
    out = tmp_path / "history.csv"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tierlang",
            "eval",
            str(PROGRAM),
            str(folder),
            "--history",
            "--from",
            "2023-10",
            "--to",
            "2024-09",
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
    got = {(r["partner_id"], r["month"], r["track"]): r for r in rows}

    qualified: dict[tuple[str, dt.date, str], bool] = {}
    scores: dict[tuple[str, dt.date, str], str] = {}
    m = ref.month_add(first, -5)
    while m <= last:
        for pid, metrics in ref.metrics(folder, m).items():
            for track, (level, score) in ref.designations(metrics).items():
                qualified[(pid, m, track)] = level == "designated"
                scores[(pid, m, track)] = ref.score_text(score)
        m = ref.month_add(m, 1)

    mismatches, held_by_window = [], 0
    m = first
    while m <= last:
        for pid in {k[0] for k in qualified}:
            for track in ref.AZURE_PREFIXES:
                now = qualified[(pid, m, track)]
                window = any(qualified[(pid, ref.month_add(m, -k), track)] for k in range(6))
                row = got.get((pid, m.isoformat(), track))
                want_level = "designated" if window else ""
                if row is None or row["level"] != want_level or row["score"] != scores[(pid, m, track)]:
                    mismatches.append((pid, m, track, row, want_level, scores[(pid, m, track)]))
                elif now != (row["held_by"] == "qualified") or (window and not row["held_by"]) or (not window and row["held_by"]):
                    mismatches.append((pid, m, track, row["held_by"], now, window))
                held_by_window += window and not now
        m = ref.month_add(m, 1)
    assert not mismatches, mismatches[:10]
    assert held_by_window > 0  # the data exercises the window
