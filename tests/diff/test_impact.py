"""Impact diff: transition matrices, attribution on hand-built partners, outreach order,
renewal timeline, mapped comparisons, and the golden reports of the small fixtures."""

from __future__ import annotations

import datetime as _dt
import json

import polars as pl
import pytest

from tests.conftest import FIXTURES, PROGRAMS, ROOT, check_golden
from tierlang import load_program
from tierlang.data import DataLoadError
from tierlang.diff import diff, to_data
from tierlang.diff.impact import load_datasets, next_anniversary, timeline_dates
from tierlang.render.diff import render_diff
from tierlang.synth import synthesize, write_population

DIFF = FIXTURES / "diff"
GOLDEN = DIFF / "golden"
SHOP_DATA = DIFF / "shop_partners.csv"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    """File names in reports are relative to the working directory: run from the root."""
    monkeypatch.chdir(ROOT)


def shop():
    return diff(DIFF / "shop_v1.tier", DIFF / "shop_v2.tier", data=SHOP_DATA)


def comparison(report, cid):
    return next(c for c in report.impact.comparisons if c.id == cid)


def cell(c, old, new):
    rows = [r.name for r in c.rows]
    cols = [x.name for x in c.cols]
    return c.matrix[rows.index(old)][cols.index(new)]


# ------------------------------------------------------------------ P against itself


@pytest.mark.parametrize("name", ["shop_v1", "cloudpartner2022"])
def test_a_program_against_itself_changes_nothing(name, tmp_path):
    path = DIFF / f"{name}.tier" if (DIFF / f"{name}.tier").exists() else PROGRAMS / f"{name}.tier"
    program = load_program(path).program
    data = tmp_path / "p.csv"
    write_population(synthesize([program], rows=400, seed=3).frame, data, "csv")
    report = diff(path, path, data=data)
    assert report.changes == []
    for c in report.impact.comparisons:
        assert c.gain == c.lose == 0 and c.keep == 400
        assert all(n == 0 for i, row in enumerate(c.matrix) for j, n in enumerate(row) if i != j)
        assert c.attributions == [] and c.unattributed == 0
        assert all(row == c.timeline[0] for row in c.timeline)
        assert set(c.losses_realized) == {0}
    assert report.impact.outreach_total == 0


# ------------------------------------------------------------------ hand-built partners (shop_partners.csv)


def test_matrices_and_counts():
    report = shop()
    imp = report.impact
    assert imp.partners == 12
    status = imp.status
    assert status.id == "status" and status.status
    assert (status.gain, status.keep, status.lose) == (2, 6, 4)
    assert cell(status, "premier", "partner") == 1  # P01
    assert cell(status, "partner", "member") == 3  # P03, P04, P08
    assert cell(status, "member", "partner") == 2  # P09, P10
    comp = comparison(report, "competency")
    assert (comp.gain, comp.keep, comp.lose) == (2, 7, 3)
    assert cell(comp, "gold", "silver") == 2  # P01, P11
    assert cell(comp, "silver", None) == 1  # P04
    cloud = comparison(report, "cloud")
    assert (cloud.gain, cloud.keep, cloud.lose) == (0, 10, 2)
    assert sum(map(sum, cloud.matrix)) == 12


def test_each_loss_is_attributed_to_the_requirement_that_now_fails():
    report = shop()
    comp = comparison(report, "competency")
    got = {(a.level, a.label): (a.partners, a.examples, a.counterpart) for a in comp.attributions}
    assert got == {
        ("gold", "gold_people"): (2, ["P01", "P11"], True),  # 4 certified: held under 4, fails under 5
        ("silver", "growth"): (1, ["P04"], False),  # a new requirement (adds >= 0) fails
    }
    gold = next(a for a in comp.attributions if a.label == "gold_people")
    assert gold.text == "at least 5 certified people"
    assert gold.source_text == "certified >= gold_people"
    assert [report.changes[i].describe() for i in gold.changes] == ["param gold_people: value changed from 4 to 5"]
    growth = next(a for a in comp.attributions if a.label == "growth")
    assert [report.changes[i].describe() for i in growth.changes] == [
        "competency › silver › requirement growth: requirement added (adds >= 0)"
    ]
    # survey and refs held before and still hold for these partners: not attributed
    assert all(a.label not in ("survey", "refs", "people") for a in comp.attributions)
    assert comp.unattributed == 0


def test_a_failing_requirement_that_failed_before_is_not_attributed():
    report = shop()
    cloud = comparison(report, "cloud")
    (a,) = cloud.attributions
    assert (a.label, a.partners, a.examples) == ("total", 2, ["P03", "P08"])
    changed = {report.changes[i].what for i in a.changes}
    assert changed == {"value", "points"}  # pass_mark 60 -> 70 and the adds line


def test_status_losses_name_what_is_lost():
    imp = shop().impact
    assert imp.outreach_scope == "status" and imp.outreach_total == 4
    rows = [(r.partner_id, r.next_anniversary, r.old_level, r.new_level, [cid for cid, _, _ in r.losses]) for r in imp.outreach]
    # ordered by next anniversary on or after the new effective date (2024-07-01)
    assert rows == [
        ("P03", _dt.date(2024, 7, 1), "partner", "member", ["cloud"]),
        ("P01", _dt.date(2024, 9, 15), "premier", "partner", ["competency"]),
        ("P08", _dt.date(2024, 12, 31), "partner", "member", ["cloud"]),
        ("P04", _dt.date(2025, 2, 28), "partner", "member", ["competency"]),  # 29 February in a common year
    ]
    assert imp.outreach_frame.columns == ["partner_id", "next_anniversary", "old", "new", "lost"]
    assert imp.outreach_frame.height == 4


def test_outreach_any_scope_and_limit():
    report = diff(DIFF / "shop_v1.tier", DIFF / "shop_v2.tier", data=SHOP_DATA, outreach_scope="any", limit=2)
    imp = report.impact
    # P11 loses gold but keeps its status: only on the "any" list
    assert imp.outreach_total == 5 and "P11" in imp.outreach_frame["partner_id"].to_list()
    assert len(imp.outreach) == 2


def test_timeline_switches_each_partner_at_its_anniversary():
    imp = shop().impact
    assert imp.effective == _dt.date(2024, 7, 1)
    assert imp.dates[:3] == [_dt.date(2024, 7, 1), _dt.date(2024, 7, 31), _dt.date(2024, 8, 31)]
    assert len(imp.dates) == 14 and imp.dates[-1] == _dt.date(2025, 7, 31)
    status = imp.status
    labels = [k.label for k in status.classes]
    assert labels == ["none", "Member", "Partner", "Premier"]  # "none": nobody, the ladder has a floor
    # before: member P06 P09 P10, partner P02 P03 P04 P07 P08 P11, premier P01 P05 P12; on the
    # effective date P03 (anniversary 07-01) drops to member and P10 (no anniversary) rises
    assert status.timeline[0] == [0, 3, 6, 3]
    assert status.losses_realized == [1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4, 4, 4, 4]
    # after a year everyone has renewed: the new distribution
    final = [sum(cell(status, r.name, c) for r in status.rows) for c in (None, "member", "partner", "premier")]
    assert status.timeline[-1] == final
    assert imp.unknown_anniversary == 1


def test_next_anniversary():
    frame = pl.DataFrame(
        {"a": [_dt.date(2020, 2, 29), _dt.date(2019, 7, 1), _dt.date(2019, 6, 30), _dt.date(2030, 1, 2), None]},
    )
    got = frame.select(next_anniversary(pl.col("a"), _dt.date(2024, 7, 1)).alias("n"))["n"].to_list()
    assert got == [_dt.date(2025, 2, 28), _dt.date(2024, 7, 1), _dt.date(2025, 6, 30), _dt.date(2025, 1, 2), None]
    leap = frame.select(next_anniversary(pl.col("a"), _dt.date(2023, 3, 1)).alias("n"))["n"].to_list()
    assert leap[0] == _dt.date(2024, 2, 29)


def test_timeline_dates():
    assert timeline_dates(_dt.date(2024, 1, 31), 2) == [_dt.date(2024, 1, 31), _dt.date(2024, 2, 29), _dt.date(2024, 3, 31)]
    assert timeline_dates(_dt.date(2023, 12, 1), 0) == [_dt.date(2023, 12, 1), _dt.date(2023, 12, 31)]


def test_without_anniversary_column_everyone_renews_on_the_effective_date(tmp_path):
    data = tmp_path / "p.csv"
    pl.read_csv(SHOP_DATA).drop("anniversary").write_csv(data)
    imp = diff(DIFF / "shop_v1.tier", DIFF / "shop_v2.tier", data=data).impact
    assert not imp.anniversary and imp.unknown_anniversary == 12
    assert imp.status.losses_realized[0] == imp.status.lose
    assert [r.next_anniversary for r in imp.outreach] == [None] * 4
    assert [r.partner_id for r in imp.outreach] == ["P01", "P03", "P04", "P08"]


# ------------------------------------------------------------------ mapped comparisons


def test_mapped_comparison_takes_the_best_old_level():
    report = diff(DIFF / "legacy.tier", DIFF / "shop_v1.tier", data=SHOP_DATA, mapping=DIFF / "legacy-shop.tiermap")
    imp = report.impact
    comp = comparison(report, "competency")
    assert comp.declared and comp.old_tracks == ("area_a", "area_b")
    # P01: gold in A, silver in B -> its old level is gold
    assert [r.name for r in comp.rows] == [None, "silver", "gold"]
    assert (comp.gain, comp.keep, comp.lose) == (0, 11, 1)
    (people, refs) = sorted(comp.attributions, key=lambda a: a.label)
    # P08: silver in B (3 people), no competency in shop: both silver requirements fail;
    # there is no old requirement to compare with
    assert (people.label, people.examples, people.counterpart, people.changes) == ("people", ["P08"], False, [])
    assert refs.label == "refs"
    assert imp.status.id == "status" and imp.status.declared
    assert [k.label for k in imp.status.classes] == ["none", "Registered → Member", "Certified / Partner", "Gold Certified → Premier"]
    assert [(u.side, u.track) for u in imp.uncompared] == [("new", "cloud")]


def test_mapping_without_status_comparison_lists_any_loss(tmp_path):
    path = tmp_path / "m.tiermap"
    path.write_text(
        "mapping legacy -> shop\ncompare area_a, area_b -> competency { rank 0: none -> none rank 1: silver -> silver rank 2: gold -> gold }\n"
    )
    imp = diff(DIFF / "legacy.tier", DIFF / "shop_v1.tier", data=SHOP_DATA, mapping=path).impact
    assert imp.status is None and imp.outreach_scope == "any"
    assert [r.partner_id for r in imp.outreach] == ["P08"]


# ------------------------------------------------------------------ data


def test_shared_columns_are_read_once(tmp_path):
    old = load_program(DIFF / "shop_v1.tier").program
    new = load_program(DIFF / "shop_v2.tier").program
    a, b = load_datasets(SHOP_DATA, old, new)
    assert a.frame.columns == b.frame.columns
    assert b.metrics == new.input_metrics


def test_data_errors_name_the_row_and_column(tmp_path):
    data = tmp_path / "p.csv"
    data.write_text("partner_id,certified,references,adds,survey_done,points,a_people,b_people\nP1,2,3,x,true,1,1,1\n")
    with pytest.raises(DataLoadError) as err:
        diff(DIFF / "shop_v1.tier", DIFF / "shop_v2.tier", data=data)
    (e,) = err.value.errors
    assert (e.row, e.column) == (2, "adds")


def test_data_for_the_new_program_only_is_checked_too(tmp_path):
    data = tmp_path / "p.csv"
    pl.read_csv(SHOP_DATA).drop("a_people").write_csv(data)
    with pytest.raises(DataLoadError) as err:
        diff(DIFF / "shop_v1.tier", DIFF / "legacy.tier", data=data)
    assert "column 'a_people' is missing" in err.value.errors[0].message


# ------------------------------------------------------------------ real programs on synthetic partners


def test_2022_to_2023_losses_come_from_security_only(tmp_path):
    old = load_program(PROGRAMS / "cloudpartner2022.tier").program
    data = tmp_path / "p.parquet"
    write_population(synthesize([old], rows=3000, seed=5).frame, data, "parquet")
    report = diff(PROGRAMS / "cloudpartner2022.tier", PROGRAMS / "cloudpartner2023.tier", data=data)
    imp = report.impact
    losing = {c.id for c in imp.comparisons if c.lose}
    assert losing and losing <= {"security", "microsoft_cloud", "partner_status"}
    assert all(c.gain == 0 for c in imp.comparisons)
    security = comparison(report, "security")
    related = {report.changes[i].path[0] for a in security.attributions for i in a.changes}
    assert related == {"param security_step1_gate_size", "param security_step2_gate_size"}


def test_mpn2010_to_cloudpartner2022_uses_the_shipped_mapping(tmp_path):
    programs = [load_program(PROGRAMS / f"{n}.tier").program for n in ("mpn2010", "cloudpartner2022")]
    data = tmp_path / "p.csv"
    write_population(synthesize(programs, rows=2000, seed=7).frame, data, "csv")
    imp = diff(PROGRAMS / "mpn2010.tier", PROGRAMS / "cloudpartner2022.tier", data=data).impact
    assert imp.mapping.path.endswith("mpn2010-cloudpartner2022.tiermap")
    assert imp.status.old_tracks == ("network_status",) and imp.status.new_track == "partner_status"
    assert sum(map(sum, imp.status.matrix)) == 2000
    assert imp.outreach_total == imp.status.lose


# ------------------------------------------------------------------ golden reports


@pytest.mark.parametrize("fmt,suffix", [("text", "txt"), ("md", "md"), ("json", "json")])
def test_golden_impact_reports(fmt, suffix):
    check_golden(GOLDEN / f"shop.{suffix}", render_diff(shop(), fmt))


@pytest.mark.parametrize("fmt,suffix", [("text", "txt"), ("md", "md"), ("json", "json")])
def test_golden_structural_reports(fmt, suffix):
    report = diff(DIFF / "old.tier", DIFF / "new.tier")
    check_golden(GOLDEN / f"structural.{suffix}", render_diff(report, fmt))


def test_golden_mapped_report():
    report = diff(DIFF / "legacy.tier", DIFF / "shop_v1.tier", data=SHOP_DATA, mapping=DIFF / "legacy-shop.tiermap")
    check_golden(GOLDEN / "legacy-shop.txt", render_diff(report, "text"))


def test_terminal_report_fits_80_columns():
    for report in (shop(), diff(DIFF / "old.tier", DIFF / "new.tier")):
        for line in render_diff(report, "text").splitlines():
            assert len(line) <= 80, line


def test_json_is_exact_and_complete():
    data = to_data(shop())
    assert data["schema"] == "tierlang.diff/1"
    json.dumps(data)  # serializable
    status = next(c for c in data["impact"]["comparisons"] if c["status"])
    assert status["old_levels"][1] == {"level": "member", "label": "Member", "rank": "0"}
    assert data["impact"]["outreach"]["partners"][0]["next_anniversary"] == "2024-07-01"
    assert data["summary"] == {"tightened": 3, "loosened": 2, "neutral": 0, "undecided": 0, "text": 2}


def _program(tmp_path, name, metrics, require):
    path = tmp_path / f"{name}.tier"
    path.write_text(
        f'program {name} "{name}" {{\n  version "1"\n  effective 2024-01-01\n}}\n'
        f"{metrics}\n"
        f'track t "T" {{\n  level ok "OK" {{ require {require} }}\n}}\n',
        encoding="utf-8",
    )
    return load_program(path).program


def test_a_metric_read_differently_under_one_name_is_checked_for_each_program(tmp_path):
    old = _program(tmp_path, "old", 'metric adds "Adds": count\nmetric a "A": count = adds + 1', "a >= 1")
    new = _program(tmp_path, "new", 'metric a "A": count { range 0..5 }\nmetric adds "Adds": count { range 0..5 }', "a >= 1 and adds >= 1")
    data = tmp_path / "p.csv"
    data.write_text("partner_id,adds,a\nP1,3,4\nP2,5,0\n")
    a, b = load_datasets(data, old, new)
    assert a.frame.columns == ["__row__", "partner_id", "adds"]
    assert b.frame.columns == ["__row__", "partner_id", "a", "adds"]
    assert b.frame["a"].to_list() == [4, 0]  # new's own input, though old derives a metric of that name
    data.write_text("partner_id,adds,a\nP1,7,6\n")
    with pytest.raises(DataLoadError) as err:
        load_datasets(data, old, new)
    assert sorted(e.column for e in err.value.errors) == ["a", "adds"]  # new's ranges; old's has none


def test_errors_of_both_programs_columns_are_reported_together(tmp_path):
    old = _program(tmp_path, "old", 'metric x "X": count', "x >= 1")
    new = _program(tmp_path, "new", 'metric y "Y": count', "y >= 1")
    data = tmp_path / "p.csv"
    data.write_text("partner_id,x,y\nP1,one,2\nP2,1,two\n")
    with pytest.raises(DataLoadError) as err:
        load_datasets(data, old, new)
    assert [(e.row, e.column) for e in err.value.errors] == [(2, "x"), (3, "y")]
