"""The reference interpreter on small fixture programs: the IR semantics one by one."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from tests.engine.engine_helpers import load_fixture, load_text
from tierlang.engine.interpreter import Interpreter, MissingValue

BASE = dict(experts=F(2), adds=F(3), certified=F(10), growth=F(20), deployments=F(6), acr=F(25000), workloads=F(6))


@pytest.fixture(scope="module")
def prog():
    return load_fixture("designations.tier")


@pytest.fixture(scope="module")
def interp(prog):
    return Interpreter(prog)


def run(interp, **changes):
    return interp.evaluate({**BASE, **changes})


def test_capped_linear_points_are_exact(interp):
    # three customer adds at 10 points each with a category cap of 30 reach exactly 30
    r = run(interp, adds=F(4))
    perf = r["data"].selected.scores["capability"].part("performance")
    assert perf.raw == 40 and perf.points == 30
    # thirds add up to exactly 70 and qualify: 14 + 100/3 + 50/3 + 6
    r = run(interp, experts=F(0), adds=F(7), certified=F(5), growth=F(0), deployments=F(5), acr=F(7500), workloads=F(0))
    assert r["security"].score == 70 and r["security"].level == "designated"


def test_score_cap_and_category_cap(interp):
    r = run(interp)
    s = r["data"].selected.scores["capability"]
    assert s.points == 100 and s.raw == 100
    assert s.part("success").points == 30  # 20 + 10, uncapped category


def test_when_gate_earns_zero_until_it_holds(interp):
    r = run(interp, experts=F(1))
    line = r["data"].selected.scores["capability"].part("certified")
    assert line.gate is False and line.points == 0 and line.raw == 40
    assert line.gate_trace is not None and line.gate_trace.children[0].actual == 1


def test_dated_parameter_is_picked_by_as_of(prog):
    import datetime as dt

    from tests.engine.engine_helpers import FIXTURES
    from tierlang.loader import load_program

    later = load_program(FIXTURES / "designations.tier", dt.date(2024, 1, 1), checks=False).program
    assert later.param_map["expert_min"].value == 3
    r = Interpreter(later).evaluate(dict(BASE))
    assert r["data"].selected.scores["capability"].part("certified").gate is False


def test_every_reads_lines_inside_categories(interp):
    r = run(interp, deployments=F(0))
    req = r["data"].selected.levels[0].requirements[1]
    assert not req.passed
    assert [k.note for k in req.trace.children if not k.value] == ["deployments"]


def test_requirement_trace_has_actual_and_threshold(interp):
    r = run(interp, adds=F(0), growth=F(0))
    req = r["data"].selected.levels[0].requirements[0]
    assert req.requirement.label == "total"
    assert (req.passed, req.actual, req.threshold) == (False, F(50), F(70))


def test_line_trace_has_target_cap_and_inputs(interp):
    r = run(interp, certified=F(4))
    line = r["data"].selected.scores["capability"].part("certified")
    assert (line.points, line.target, line.cap, line.inputs) == (F(16), F(10), F(40), {"certified": F(4)})
    usage = r["security"].selected.scores["capability"].part("usage")
    assert usage.target is None and usage.cap == 20  # two metrics: no single target


def test_classified_variant_first_match(interp):
    assert run(interp, workloads=F(5))["apps"].variant == "enterprise"
    r = run(interp, workloads=F(4), adds=F(5), certified=F(5))
    assert r["apps"].variant == "smb" and r["apps"].score == 35 and r["apps"].level == "designated"
    assert r["apps"].choice[0][1].value is False


def test_best_of_level_then_score_then_first_declared(interp):
    r = run(interp, adds=F(7))  # both designated; enterprise 20 > smb 14
    assert (r["work"].variant, r["work"].level, r["work"].score) == ("enterprise", "designated", 20)
    r = run(interp, adds=F(-1))  # both 0 points, no level: the first declared
    assert r["work"].variant == "enterprise"


def test_best_of_prefers_level_over_score():
    prog = load_text(
        """
program p { version "1" effective 2022-01-01 }
metric x: count
track t {
  choose best
  variant big { score s { a: points x * 10 } level l { require x >= 5 } }
  variant small { score s { a: points x } level l { require x >= 2 } }
}
"""
    )
    r = Interpreter(prog).evaluate({"x": F(3)})
    assert (r["t"].variant, r["t"].level, r["t"].score) == ("small", "l", 3)


def test_cumulative_and_independent_levels(interp):
    assert run(interp)["ladder"].level == "silver"  # tier defaults to bronze: gold needs silver
    assert interp.evaluate({**BASE, "tier": "gold"})["ladder"].level == "gold"
    r2 = interp.evaluate({**BASE, "tier": "bronze", "audited": True})
    assert r2["ladder"].level == "platinum"  # independent: needs only `audited`
    r3 = interp.evaluate({**BASE, "certified": F(1), "audited": True})
    assert r3["ladder"].level == "platinum"  # even without silver
    lv = r3["ladder"].selected.levels
    assert [(x.own, x.met) for x in lv] == [(False, False), (False, False), (True, True)]


def test_track_refs_group_counts_and_score_refs(interp):
    r = run(interp)
    assert r["status"].level == "partner"  # two areas designated; `cloud` needs all four
    cloud = r["status"].selected.levels[2]
    group = cloud.requirements[0].trace.children[0]
    assert group.kind == "GroupCount" and group.left == 2 and group.right == 4


def test_missing_value_raises_only_when_read(prog):
    it = Interpreter(prog)
    r = it.evaluate({"certified": F(3)}, tracks=["ladder"])
    assert r["ladder"].level == "silver" and list(r.tracks) == ["ladder"]
    with pytest.raises(MissingValue) as e:
        it.evaluate({"certified": F(3)}, tracks=["data"])
    assert e.value.metric == "adds"  # the first metric the track reads


def test_score_ref_to_selected_variant():
    prog = load_text(
        """
program p { version "1" effective 2022-01-01 }
metric x: count
track t {
  choose a when x >= 5 else b
  variant a { score s { l: points x * 2 } level on }
  variant b { score s { l: points x } level on }
}
track u { level ok { require t.s >= 8 } }
"""
    )
    it = Interpreter(prog)
    assert it.evaluate({"x": F(5)})["u"].level == "ok"  # variant a: 10
    assert it.evaluate({"x": F(4)})["u"].level is None  # variant b: 4
