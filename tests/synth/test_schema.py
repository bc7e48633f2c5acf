"""What `tier synth` reads from the IR: columns, thresholds, groups, and the errors for
programs that cannot be generated together."""

from __future__ import annotations

from fractions import Fraction

import pytest

from tests.synth.conftest import load_text
from tierlang.synth.schema import SynthError, Threshold, build_schema, thresholds

HEADER = 'program p { version "1" effective 2022-01-01 }\n'


def _thresholds(tmp_path, body: str) -> dict[str, set[Threshold]]:
    return thresholds(load_text(tmp_path, HEADER + body))


def test_comparison_gives_its_constant(tmp_path):
    found = _thresholds(
        tmp_path,
        """
metric mcps: count
metric refs: count
track c {
  level silver { require mcps >= 2  require refs > 3 }
}
""",
    )
    assert found["mcps"] == {Threshold(Fraction(2), upper_closed=True)}
    # `refs > 3`: the boundary 3 itself is on the lower side.
    assert found["refs"] == {Threshold(Fraction(3), upper_closed=False)}


def test_clamp_target_and_min_cap_are_thresholds(tmp_path):
    found = _thresholds(
        tmp_path,
        """
metric adds: count { range .. }
metric refs: count
track t {
  score s {
    adds_line: points 30 * clamp(adds / 3)
    refs_line: points min(20, 2 * refs)
  }
  level l { require s >= 10 }
}
""",
    )
    assert {t.value for t in found["adds"]} == {Fraction(0), Fraction(3)}
    assert {t.value for t in found["refs"]} == {Fraction(10)}


def test_several_metrics_share_the_needed_amount(tmp_path):
    found = _thresholds(
        tmp_path,
        """
metric azure: count { range .. }
metric m365: count { range .. }
track t {
  score s { adds: points 20 * clamp((azure + m365) / 10) }
  level l { require s >= 10 }
}
""",
    )
    assert {t.value for t in found["azure"]} == {Fraction(0), Fraction(5)}
    assert {t.value for t in found["m365"]} == {Fraction(0), Fraction(5)}


def test_derived_metrics_and_lower_is_better(tmp_path):
    program = load_text(
        tmp_path,
        HEADER
        + """
metric responses: count
metric from_one: count { lower is better }
metric countable: count = responses - max(0, from_one - 8)
track t { level l { require countable >= 10 } }
""",
    )
    cols = build_schema([program]).columns
    # The kink of max(0, from_one - 8) is at 8; countable >= 10 puts 10 on responses (and
    # -2 on from_one, outside its range, so dropped).
    assert {t.value for t in cols["from_one"].thresholds} == {Fraction(8)}
    assert {t.value for t in cols["responses"].thresholds} == {Fraction(10)}
    assert cols["from_one"].direction == "lower"


def test_date_comparison(tmp_path):
    found = _thresholds(tmp_path, "metric joined: date\ntrack t { level l { require joined < 2021-07-01 } }\n")
    import datetime as dt

    assert found["joined"] == {Threshold(Fraction(dt.date(2021, 7, 1).toordinal()), upper_closed=True)}


def test_shipped_programs_thresholds(programs):
    schema = build_schema([programs["mspp2009"], programs["cloudpartner2022"]])
    cols = schema.columns
    assert {t.value for t in cols["csat_responses_12m"].thresholds} == {Fraction(v) for v in (10, 20, 50, 100, 200)}
    assert {t.value for t in cols["competencies_held"].thresholds} == {Fraction(1)}
    assert {t.value for t in cols["customer_references"].thresholds} == {Fraction(10)}
    assert {t.value for t in cols["data_ai_usage_growth_pct"].thresholds} == {Fraction(0), Fraction(20)}
    # Modern Work: 30 points at 1,000 users through CPOR or 4,000 through DPOR (max of two).
    assert {t.value for t in cols["modern_work_usage_growth_dpor_ent"].thresholds} == {Fraction(0), Fraction(4000)}


def test_union_of_columns_and_groups(programs):
    schema = build_schema([programs["mspp2009"], programs["mpn2010"]])
    mspp = {m.column for m in programs["mspp2009"].input_metrics}
    mpn = {m.column for m in programs["mpn2010"].input_metrics}
    assert set(schema.columns) == mspp | mpn
    # csat_responses_12m is read by both programs: declared twice, one column.
    csat = schema.columns["csat_responses_12m"]
    assert [p for p, _ in csat.declared_by] == ["mspp2009", "mpn2010"]
    assert "mspp2009/partner_level" in csat.groups and "mpn2010/erp" in csat.groups
    # A competency's columns belong to its track; the status track reads none directly.
    erp = schema.groups["mpn2010/erp"].columns
    assert {"erp_certified_professionals", "erp_license_revenue_usd", "csat_responses_12m"} <= set(erp)
    assert not any(c.startswith("crm_") for c in erp)
    assert "mpn2010/network_status" not in schema.groups


def test_incompatible_shared_column_is_an_error(tmp_path):
    a = load_text(tmp_path, HEADER + "metric n: count\ntrack t { level l { require n >= 1 } }\n", "a.tier")
    b = load_text(
        tmp_path, HEADER.replace("program p", "program q") + "metric n: money USD\ntrack t { level l { require n >= 1 USD } }\n", "b.tier"
    )
    with pytest.raises(SynthError) as e:
        build_schema([a, b])
    assert "column 'n' has incompatible types: money USD in q (metric n) but count in p (metric n)" in e.value.message
    assert e.value.hint


def test_disjoint_ranges_are_an_error(tmp_path):
    a = load_text(tmp_path, HEADER + "metric n: count { range 0..5 }\ntrack t { level l { require n >= 1 } }\n", "a.tier")
    b = load_text(
        tmp_path,
        HEADER.replace("program p", "program q") + "metric n: count { range 10.. }\ntrack t { level l { require n >= 11 } }\n",
        "b.tier",
    )
    with pytest.raises(SynthError, match="no value valid in every program"):
        build_schema([a, b])


def test_shared_ranges_intersect(tmp_path):
    a = load_text(tmp_path, HEADER + "metric n: count { range ..50 }\ntrack t { level l { require n >= 1 } }\n", "a.tier")
    b = load_text(
        tmp_path,
        HEADER.replace("program p", "program q") + "metric n: count { range -5.. }\ntrack t { level l { require n >= 2 } }\n",
        "b.tier",
    )
    col = build_schema([a, b]).columns["n"]
    assert (col.minimum, col.maximum) == (Fraction(-5), Fraction(50))
    assert {t.value for t in col.thresholds} == {Fraction(1), Fraction(2)}
