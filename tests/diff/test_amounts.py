"""Who earns more or less (issue 19): a level that stays while what it pays moves shows in
the impact report, exactly, partner by partner."""

from __future__ import annotations

import json
from fractions import Fraction as F

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.diff.versions import write_versions
from tierlang.cli import main
from tierlang.diff import diff
from tierlang.diff.amounts import compare_amounts
from tierlang.engine.results import ScoreColumn
from tierlang.render.templating import signed

OLD = """program comm { version "1" effective 2024-01-01 }
metric sales: money USD
metric certs: count
track reseller "Reseller" {
  score commission "Commission (%)" { base: points 100 when sales >= 1000 }
  level listed "Listed" { require certs >= 1 }
}
"""
NEW = OLD.replace('version "1" effective 2024-01-01', 'version "2" effective 2024-07-01').replace("points 100 when", "points 50 when")
DATA = "partner_id,sales,certs\na,5000,1\nb,500,1\nc,2000,0\nd,1000,2\n"


@pytest.fixture
def files(tmp_path):
    return write_versions(tmp_path, OLD, NEW, DATA)


def test_a_commission_cut_shows_although_every_partner_keeps_its_level(files):
    report = diff(files / "old.tier", files / "new.tier", data=files / "d.csv")
    (c,) = report.impact.comparisons
    assert (c.gain, c.keep, c.lose) == (0, 4, 0)
    (a,) = report.impact.amounts
    assert (a.title, a.more, a.same, a.less) == ("Reseller: Commission (%)", 0, 1, 3)
    assert (a.total_old, a.total_new, a.increase, a.decrease) == (300, 150, 0, -150)
    assert [(m.partner_id, m.old, m.new, m.change) for m in a.largest_decreases] == [
        ("a", 100, 50, -50),
        ("c", 100, 50, -50),
        ("d", 100, 50, -50),
    ]


@pytest.mark.parametrize("fmt", ["text", "md", "html", "json"])
def test_every_format_reports_it(files, fmt):
    r = CliRunner().invoke(
        main, ["diff", str(files / "old.tier"), str(files / "new.tier"), "--data", str(files / "d.csv"), "--format", fmt]
    )
    assert r.exit_code == 0, r.output
    if fmt == "json":
        (a,) = json.loads(r.stdout)["impact"]["amounts"]
        assert (a["less"], a["total_old"], a["total_new"], a["decrease"]) == (3, "300", "150", "-150")
        assert a["largest_decreases"][0] == {"partner_id": "a", "old": "100", "new": "50", "change": "-50"}
    elif fmt == "text":
        assert "Reseller: Commission (%)                               0          1          3" in r.stdout
        assert "in all 300 → 150 points (−150)" in r.stdout
    else:
        assert "Scores, partner by partner" in r.stdout and "a −50" in r.stdout


def _column(values: list[F | None], scale: int, wide: bool) -> ScoreColumn:
    ints = [None if v is None else int(v * scale) for v in values]
    return ScoreColumn(pl.Series("s", ints, dtype=pl.Int128 if wide else pl.Int64), scale, wide=wide)


fractions = st.one_of(st.none(), st.integers(-(10**6), 10**6).map(lambda n: F(n, 6)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(fractions, fractions), min_size=1, max_size=30))
def test_exact_with_different_scales_and_the_same_in_python(rows):
    # old in sixths scaled by 6, new written on a scale of 4 (values in sixths need a common scale)
    old = [a for a, _ in rows]
    new = [None if b is None else F(round(b * 4), 4) for _, b in rows]
    ids = pl.Series("partner_id", [f"p{i:03}" for i in range(len(rows))])
    fast = compare_amounts("t", "T", "points", "t", "t", ids, _column(old, 6, False), _column(new, 4, False))
    slow = compare_amounts("t", "T", "points", "t", "t", ids, _column(old, 6, True), _column(new, 4, True))
    assert fast == slow
    both = [(a, b) for a, b in zip(old, new) if a is not None and b is not None]
    assert (fast.more, fast.same, fast.less) == (sum(b > a for a, b in both), sum(b == a for a, b in both), sum(b < a for a, b in both))
    assert fast.total_old == sum(a for a in old if a is not None) and fast.total_new == sum(b for b in new if b is not None)
    assert fast.increase + fast.decrease == sum(b - a for a, b in both)
    assert fast.only_old == sum(a is not None and b is None for a, b in zip(old, new))
    if fast.largest_decreases:
        assert fast.largest_decreases[0].change == min(b - a for a, b in both)


def test_a_rounded_column_is_compared_by_its_exact_scores():
    # a score whose exact value needs more than 128 bits is written rounded (`precise` keeps
    # it): rounded, 1/3 and 0.333333 would differ; exactly, nothing changed
    ids = pl.Series("partner_id", ["a", "b"])
    third = ScoreColumn(pl.Series("s", [333333, 1000000], dtype=pl.Int64), 10**6, wide=False, precise={0: F(1, 3)})
    exact = ScoreColumn(pl.Series("s", [1, 3], dtype=pl.Int64), 3, wide=False)
    a = compare_amounts("t", "T", "points", "t", "t", ids, third, exact)
    assert (a.more, a.same, a.less, a.total_old, a.total_new) == (0, 2, 0, F(4, 3), F(4, 3))


def test_a_change_without_a_finite_decimal_keeps_its_sign_on_the_number():
    assert [signed(F(-2900, 3)), signed(F(10, 3)), signed(F(-3, 2)), signed(F(0))] == ["about −966.67", "about +3.33", "−1.5", "0"]


OUT_OLD = """program comm { version "1" effective 2024-01-01 }
metric sales "Sales": money USD
metric certs "Certified people": count
track reseller "Reseller" {
  output commission "Commission": money USD = sales * 0.1
  output funds "Marketing funds": money USD = 500 USD
  level listed "Listed" { require certs >= 1 }
}
"""
OUT_NEW = (
    OUT_OLD.replace('version "1" effective 2024-01-01', 'version "2" effective 2024-07-01')
    .replace("sales * 0.1", "sales * 0.05")
    .replace('  output funds "Marketing funds": money USD = 500 USD\n', "")
)


@pytest.fixture
def outputs(tmp_path):
    return write_versions(tmp_path, OUT_OLD, OUT_NEW, DATA)


def test_an_output_cut_is_reported_with_its_currency(outputs):
    report = diff(outputs / "old.tier", outputs / "new.tier", data=outputs / "d.csv")
    commission, funds = report.impact.amounts
    assert (commission.id, commission.title, commission.output, commission.unit) == (
        "reseller.commission",
        "Reseller: Commission",
        "commission",
        "USD",
    )
    assert (commission.less, commission.total_old, commission.total_new) == (4, 850, F(425))
    assert [(m.partner_id, m.change) for m in commission.largest_decreases][:2] == [("a", -250), ("c", -100)]
    # an output the new version drops: every partner had one and has none
    assert (funds.output, funds.partners, funds.only_old, funds.total_old, funds.had, funds.has) == ("funds", 0, 4, 2000, True, False)


@pytest.mark.parametrize("fmt", ["text", "md", "html", "json"])
def test_every_format_reports_an_output(outputs, fmt):
    args = ["diff", str(outputs / "old.tier"), str(outputs / "new.tier"), "--data", str(outputs / "d.csv"), "--format", fmt]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    if fmt == "json":
        a = json.loads(r.stdout)["impact"]["amounts"]
        assert [(x["id"], x["output"], x["unit"], x["total_new"]) for x in a] == [
            ("reseller.commission", "commission", "USD", "425"),
            ("reseller.funds", "funds", "USD", "0"),
        ]
    elif fmt == "text":
        assert "Scores and amounts (partner by partner)" in r.stdout
        assert "in all 850 → 425 USD (−425)" in r.stdout and "in all 2,000 USD → none\n    4 had a value and have none now\n" in r.stdout
    else:
        assert "Scores and amounts, partner by partner" in r.stdout and "850 USD" in r.stdout and "none" in r.stdout
