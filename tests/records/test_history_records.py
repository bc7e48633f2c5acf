"""A records program over months (`tier eval --history` on a folder of tables): every
month's records metrics as of its first day, the same as evaluating that day alone, by
both history engines."""

from __future__ import annotations

import datetime as dt

from tests.conftest import PROGRAMS, ROOT
from tierlang.engine import evaluate
from tierlang.history import evaluate_history

RECORDS = PROGRAMS / "cloudpartner2022-records.tier"
SAMPLE = ROOT / "examples" / "records"


def test_history_of_records_matches_each_month_alone():
    h = evaluate_history(RECORDS, SAMPLE, start=dt.date(2023, 5, 1), end=dt.date(2023, 7, 1))
    long = h.long()
    assert sorted(set(long["month"].to_list())) == [dt.date(2023, 5, 1), dt.date(2023, 6, 1), dt.date(2023, 7, 1)]
    for month in (dt.date(2023, 5, 1), dt.date(2023, 6, 1), dt.date(2023, 7, 1)):
        ev = evaluate(str(RECORDS), str(SAMPLE), as_of=month)
        want = {(p, t, lv or None, s) for p, t, lv, s in ev.long().iter_rows()}
        got = {(p, t, lv, s) for p, m, t, lv, s, _ in long.filter(long["month"] == month).iter_rows()}
        assert got == want, month


def test_history_engines_agree_on_records():
    a = evaluate_history(RECORDS, SAMPLE, start=dt.date(2023, 6, 1), end=dt.date(2023, 7, 1))
    b = evaluate_history(RECORDS, SAMPLE, start=dt.date(2023, 6, 1), end=dt.date(2023, 7, 1), engine="interpreter")
    assert a.long().sort(["partner_id", "month", "track"]).equals(b.long().sort(["partner_id", "month", "track"]))
