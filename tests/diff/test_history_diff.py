"""`tier diff --history`: a transition played out month by month on a history."""

from __future__ import annotations

import datetime as _dt
import json

import pytest

from tests.cli.cli_helpers import ROOT, run
from tests.conftest import FIXTURES
from tierlang.diff.history import history_impact
from tierlang.diff.mapping import identity_mapping
from tierlang.loader import load_program

HERE = FIXTURES / "history" / "transition"
D = _dt.date


def _programs():
    return [load_program(HERE / f"{n}.tier", checks=False).program for n in ("old", "new")]


def _impact(**kw):
    old, new = _programs()
    return history_impact(old, new, HERE / "history.csv", identity_mapping(old, new, None), **kw)


def _losses(h):
    return [(o.partner_id, o.loses_in, o.old, o.new) for o in h.outreach]


def test_each_partner_moves_at_its_anniversary():
    h = _impact()
    # C has no anniversary: it moves on NEW's effective date; A at 2023-06-15 (July's
    # evaluation); B's and D's next anniversaries (2024-02-10, 2024-03-01) are after the history
    assert _losses(h) == [("C", D(2023, 4, 1), "Silver", "none"), ("A", D(2023, 7, 1), "Silver", "none")]
    (status,) = h.comparisons
    assert status.status and (status.lose, status.gain) == (2, 0)
    by_month = {r.month: r for r in status.months}
    assert [by_month[D(2023, m, 1)].moved for m in range(1, 9)] == [0, 0, 0, 1, 1, 1, 2, 2]
    assert [by_month[D(2023, m, 1)].new_losses for m in range(1, 9)] == [0, 0, 0, 1, 0, 0, 1, 0]
    assert [by_month[D(2023, m, 1)].losing for m in range(1, 9)] == [0, 0, 0, 1, 1, 1, 2, 2]
    # what C needs, the month it loses: the new silver's revenue
    assert h.outreach[0].needs == ("Revenue of at least 200,000 USD (has 150,000 USD)",)


def test_everyone_on_a_date_and_grandfathering():
    h = _impact(transition=D(2023, 5, 1))
    assert _losses(h) == [
        ("A", D(2023, 5, 1), "Silver", "none"),
        ("C", D(2023, 5, 1), "Silver", "none"),
        ("D", D(2023, 5, 1), "Silver", "none"),
    ]
    g = _impact(grandfather=D(2023, 5, 31))
    assert _losses(g) == [("C", D(2023, 6, 1), "Silver", "none"), ("A", D(2023, 7, 1), "Silver", "none")]


def test_range_limits_what_is_written():
    h = _impact(start=D(2023, 5, 1), end=D(2023, 6, 1))
    assert [r.month for r in h.comparisons[0].months] == [D(2023, 5, 1), D(2023, 6, 1)]
    assert _losses(h) == [("C", D(2023, 5, 1), "Silver", "none")]  # C lost in April: May is its first month written


@pytest.mark.parametrize("fmt", ["text", "md", "html", "json"])
def test_cli_formats(fmt, tmp_path):
    out = tmp_path / f"report.{ {'text': 'txt'}.get(fmt, fmt) }"
    r = run(
        "diff", str(HERE / "old.tier"), str(HERE / "new.tier"), "--data", str(HERE / "history.csv"), "--history", "-o", str(out), cwd=ROOT
    )
    assert r.exit_code == 0, r.stderr
    text = out.read_text()
    if fmt == "json":
        data = json.loads(text)["history"]
        assert [o["partner_id"] for o in data["outreach"]] == ["C", "A"]
        assert data["transition"] == "anniversary" and data["effective"] == "2023-04-01"
    else:
        assert "C" in text and "2023-07" in text and "moves" in text


def test_cli_options(tmp_path):
    old, new, data = str(HERE / "old.tier"), str(HERE / "new.tier"), str(HERE / "history.csv")
    r = run("diff", old, new, "--data", data, "--history", "--transition", "2023-05-01", "--format", "json", cwd=ROOT)
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["history"]["transition"] == "2023-05-01"
    r = run("diff", old, new, "--data", data, "--grandfather", "2023-05-31", cwd=ROOT)
    assert r.exit_code == 2 and "--grandfather goes with --history" in r.stderr
    r = run("diff", old, new, "--data", data, cwd=ROOT)  # a history read as a snapshot
    assert r.exit_code == 2 and "a month column: add --history" in r.stderr
    r = run("diff", old, new, "--data", data, "--history", "--transition", "soon", cwd=ROOT)
    assert r.exit_code == 2 and "anniversary" in r.stderr
    outreach = tmp_path / "outreach.csv"
    r = run("diff", old, new, "--data", data, "--history", "--outreach-file", str(outreach), cwd=ROOT)
    assert r.exit_code == 0, r.stderr
    assert outreach.read_text().splitlines()[0] == "partner_id,loses_in,moves,anniversary,old,new"


def test_fail_on_loss_and_nobody_losing():
    old, new, data = str(HERE / "old.tier"), str(HERE / "new.tier"), str(HERE / "history.csv")
    r = run("diff", old, new, "--data", data, "--history", "--fail-on-loss", cwd=ROOT)
    assert r.exit_code == 1
    # the same program on both sides: nobody loses, the outreach list is empty
    r = run("diff", old, old, "--data", data, "--history", "--fail-on-loss", "--format", "md", cwd=ROOT)
    assert r.exit_code == 0, r.stderr
    assert "Nobody loses status." in r.stdout
