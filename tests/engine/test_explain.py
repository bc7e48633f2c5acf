"""Explanations: exact facts, and plans that really reach the next level."""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.engine.engine_helpers import load_fixture
from tierlang.engine.explain import explain_partner, expr_text, number_text, render_text
from tierlang.engine.interpreter import Interpreter
from tierlang.loader import load_program

PROG = load_fixture("designations.tier")


def partner(**v):
    base = dict(experts=F(2), adds=F(3), certified=F(10), growth=F(20), deployments=F(6), acr=F(0), workloads=F(0))
    base.update(v)
    return base


def test_exact_gap_and_gate_fact():
    (x,) = explain_partner(PROG, partner(experts=F(1), certified=F(3)), ["data"])
    assert x.result.level is None
    total, every = x.missing
    assert total.why == [
        "needs 10 more points of Partner capability score: has 60, Data & AI designation needs at least 70",
        "room left per category: Performance 0 of 30; Skilling 40 of 40 (gated: Intermediate certifications); Customer success 0 of 30",
    ]
    assert every.why == ["Intermediate certifications earns 0 points; Data & AI designation needs every line more than 0"]
    plan = total.plans[0]
    # opening the skilling gate (a second expert) releases the 12 points the line holds back
    assert [(c.metric, c.old, c.new, c.points) for c in plan.changes] == [("experts", 1, 2, 12)]
    assert plan.result == 72 and plan.reaches == "capability 72 ≥ 70"


def test_threshold_delta_wording():
    (x,) = explain_partner(PROG, {**partner(certified=F(2)), "tier": "silver"}, ["ladder"])
    assert x.result.level == "silver"
    (m,) = x.missing
    assert m.why == ["needs 2 more Intermediate-certified people: has 2, Gold needs at least 4"]
    assert [(c.metric, c.new) for c in m.plans[0].changes] == [("certified", 4)]


def test_one_more_reads_as_english():
    (x,) = explain_partner(PROG, {**partner(certified=F(3)), "tier": "silver"}, ["ladder"])
    assert x.missing[0].why == ["needs 1 more Intermediate-certified person: has 3, Gold needs at least 4"]


def test_non_terminating_numbers_are_marked():
    assert number_text(F(200, 3)) == "66.666667…"
    assert number_text(F(1234567, 2)) == "617,283.5"


def test_expr_text_round_trips_the_shape():
    req = PROG.track_map["data"].variants[0].levels[0].requirements
    assert [expr_text(r.expr, "data") for r in req] == ["capability >= 70", "every capability.points > 0"]
    usage = PROG.track_map["security"].variants[0].scores[0].part("usage")
    assert expr_text(usage.points) == "min(20, max(0, acr) / 1250 USD + max(0, growth) / 125)"


def test_render_text_mentions_the_variant_choice():
    text = render_text(explain_partner(PROG, partner(workloads=F(5)), ["apps", "work"]), PROG, "P")
    assert "scored on Enterprise, because workloads >= 5: is 5" in text
    assert "scored on Enterprise, the better of: Enterprise: no level, 12 points; SMB: no level, 6 points" in text


counts = st.integers(0, 12).map(F)


@settings(max_examples=40)
@given(
    experts=st.integers(0, 3).map(F),
    adds=st.integers(-3, 8).map(F),
    certified=counts,
    growth=st.sampled_from([F(-5), F(0), F(1, 2), F(12), F(1999, 100), F(25)]),
    deployments=counts,
    acr=st.sampled_from([F(0), F(-300), F(1250), F(3000050, 100)]),
)
def test_every_plan_reaches_its_goal(experts, adds, certified, growth, deployments, acr):
    values = partner(experts=experts, adds=adds, certified=certified, growth=growth, deployments=deployments, acr=acr)
    interp = Interpreter(PROG)
    for x in explain_partner(PROG, values, ["data", "security"]):
        for m in x.missing:
            for plan in m.plans:
                changed = dict(values)
                for c in plan.changes:
                    changed[c.metric] = c.new
                score = interp.evaluate(changed, tracks=[x.track.name])[x.track.name].selected.scores["capability"].points
                assert score == plan.result
                if m.text.startswith("capability >="):
                    assert score >= F(70), (values, plan)


NORTHWIND = load_program(Path(__file__).resolve().parents[2] / "examples" / "tutorial" / "northwind.tier").program


@settings(max_examples=60)
@given(
    sellers=st.integers(0, 6).map(F),
    engineers=st.integers(0, 8).map(F),
    customers=st.integers(-3, 10).map(F),
    revenue=st.one_of(st.integers(0, 300_000).map(F), st.integers(0, 30_000_000).map(lambda c: F(c, 100))),
    satisfaction=st.integers(0, 50).map(lambda x: F(x, 10)),
)
def test_explanations_of_money_scores_render(sellers, engineers, customers, revenue, satisfaction):
    # Revenue earns 30 points per 250,000 USD: plans that add revenue land on scores that do
    # not terminate within 6 places (once a traceback: "40…" was read back as a number).
    values = dict(
        certified_sellers=sellers, certified_engineers=engineers, new_customers=customers, revenue=revenue, satisfaction=satisfaction
    )
    explanations = explain_partner(NORTHWIND, values)
    assert "Partner P" in render_text(explanations, NORTHWIND, "P")
    for x in explanations:
        for m in x.missing:
            for plan in m.plans:
                assert plan.reaches and plan.changes


def test_a_plan_that_reaches_a_non_terminating_score():
    values = dict(certified_sellers=F(2), certified_engineers=F(1), new_customers=F(3), revenue=F(1000), satisfaction=F(9, 2))
    (x,) = explain_partner(NORTHWIND, values)
    plans = x.missing[0].plans
    assert plans[0].reaches == "partner_score 40… ≥ 40"
    assert plans[0].result > 40


def test_a_line_reading_a_product_of_another_metric_is_explained(tmp_path):
    # Found by `make fuzz`: the breakpoints of a line as a function of m4 asked for the value
    # of `m0 * 2` as a constant, and `tier explain` ended in a TypeError traceback.
    text = (
        'program p {\n  version "1"\n}\nmetric m0: count\nmetric m4: count\nmetric d0: number = m0 * 2 - m4\n'
        "track t {\n  score s {\n    a: points 15 * clamp(d0 / 1250)\n  }\n  level silver {\n    require s >= 10\n  }\n}\n"
    )
    prog = load_program(tmp_path / "p.tier", text=text).program
    explanation = explain_partner(prog, {"m0": F(3), "m4": F(1)})
    assert "silver" in render_text(explanation, prog)


def test_the_plan_search_stops_at_its_budget_and_says_so(tmp_path, monkeypatch):
    # a score on 80 metrics, each worth one point, three needed: all C(80, 3) combinations
    # of metrics took minutes (issue 17: searches end at a budget, with a message)
    from tierlang.engine import explain

    n = 80
    text = 'program e "E" {\n  version "1"\n  effective 2024-01-01\n}\n'
    text += "".join(f"metric m{i}: count\n" for i in range(n))
    text += "track t {\n  score s {\n" + "".join(f"    l{i}: points 1 * clamp(m{i} / 5)\n" for i in range(n))
    text += "  }\n  level silver {\n    require s >= 3\n  }\n}\n"
    prog = load_program(tmp_path / "e.tier", text=text).program
    searches = []
    real = explain._Explainer.search
    monkeypatch.setattr(explain._Explainer, "search", lambda self, *a: searches.append(1) or real(self, *a))
    (ex,) = explain_partner(prog, {f"m{i}": F(0) for i in range(n)})
    (missing,) = ex.missing
    assert len(searches) == explain.PLAN_BUDGET
    assert missing.why[-1].startswith("the search for the smallest change stopped at its budget (5,000 combinations")
    assert [c.metric for c in missing.plans[0].changes] == ["m0", "m1", "m2"]  # three metrics, found in time
    # one metric short: found among the first combinations, no note
    (ex,) = explain_partner(prog, {**{f"m{i}": F(0) for i in range(n)}, "m5": F(5), "m6": F(5)})
    assert not any("budget" in line for m in ex.missing for line in m.why)


def test_prepare_works_out_every_line_fact_before_the_first_explanation():
    """`prepare` (what `tier explain` runs as part of the load) leaves the first explanation
    nothing of the program's static line facts to work out, and changes no word of it."""
    from tierlang.engine import explain as ex

    path = Path(__file__).resolve().parents[2] / "programs" / "cloudpartner2022.tier"
    program = load_program(path, checks=False).program
    partner = {m.name: F(0) for m in program.metrics if m.type.is_numeric and m.derived is None and m.records is None}
    before = render_text(explain_partner(program, partner), program)

    again = load_program(path, checks=False).program
    assert again is not program  # its own line facts, none worked out yet
    ex.prepare(again)
    facts = ex._shared(again).line_info
    assert set(facts) == {id(line) for t in again.tracks for v in t.variants for s in v.scores for line in s.lines}
    prepared = dict(facts)
    assert render_text(explain_partner(again, partner), again) == before
    assert facts == prepared  # the explanation found every fact it needed already there
