"""Explain, second pass (issue 19): every level not held, ratio rules, and wording."""

from __future__ import annotations

from fractions import Fraction as F

from tierlang.engine.explain import explain_partner, render_text
from tierlang.loader import load_program


def _program(text: str):
    result = load_program("p.tier", text='program p { version "1" }\n' + text, checks=False)
    assert result.ok, [d.message for d in result.diagnostics]
    return result.program


def test_one_more_of_a_count_reads_as_a_singular_noun():
    p = _program('metric acrobat "Acrobat units": count\ntrack t { level ok { require acrobat >= 1 } }\n')
    (x,) = explain_partner(p, {"acrobat": F(0)})
    assert x.missing[0].why == ["needs 1 more Acrobat unit: has 0, ok needs at least 1"]
    assert "+1 Acrobat unit →" in render_text([x], p)


LADDER = """
metric certs "Certified people": count
metric refs "Customer references": count
metric audited "Audit passed": bool
track comp "Competency" {
  level silver "Silver" { require certs >= 2 and refs >= 3 }
  level gold "Gold" independent { require audited }
  level platinum "Platinum" { require certs >= 10 }
}
"""


def test_every_level_not_held_is_explained():
    p = _program(LADDER)
    (x,) = explain_partner(p, {"certs": F(1), "refs": F(1), "audited": False})
    assert x.next_level.name == "silver"
    assert [(g.level.name, g.below.name if g.below else None) for g in x.higher] == [("gold", None), ("platinum", "gold")]
    gold, platinum = x.higher
    assert gold.missing[0].why == ["Audit passed is false; Gold needs it true"]
    assert platinum.missing[0].why == ["needs 9 more Certified people: has 1, Platinum needs at least 10"]
    text = render_text([x], p)
    # a partner short of Silver is told that Gold needs one yes/no, whatever Silver needs
    assert "  For Gold (independent of the levels below):\n    ✗ audited\n      Audit passed is false; Gold needs it true\n" in text
    assert "  For Platinum, also everything Gold needs, and:\n    ✗ certs >= 10\n" in text
    data = x.to_data(p)
    assert [g["level"] for g in data["higher_levels"]] == ["gold", "platinum"]
    assert data["higher_levels"][1]["also_needs"] == "gold"
    assert data["next_level"] == "silver" and data["missing"][0]["requirement"] == "certs >= 2 and refs >= 3"


def test_a_level_whose_own_requirements_hold_says_so():
    p = _program("metric a: count\nmetric b: count\ntrack t { level s { require a >= 1 } level g { require b >= 1 } }\n")
    (x,) = explain_partner(p, {"a": F(0), "b": F(5)})
    (g,) = x.higher
    assert g.missing == [] and g.below.name == "s"
    assert "  For g: everything s needs; its own requirements hold." in render_text([x], p)


def test_the_highest_level_has_nothing_above():
    p = _program(LADDER)
    (x,) = explain_partner(p, {"certs": F(10), "refs": F(3), "audited": True})
    assert x.result.level == "platinum" and x.next_level is None and x.higher == []


def test_and_conditions_get_one_plan_with_every_change():
    p = _program(LADDER)
    (x,) = explain_partner(p, {"certs": F(1), "refs": F(1), "audited": False})
    (plan,) = x.missing[0].plans
    assert [(c.metric, c.new) for c in plan.changes] == [("certs", 2), ("refs", 3)]


RATIO = """
metric active "Active customers": count
metric acquired "Acquired customers": count
metric certs "Certified people": count
metric late "Late reports": count { lower is better }
track t "Retention" {
  level silver "Silver" { require active >= 0.7 * acquired }
  level gold "Gold" { require active + 2 * certs > acquired }
  level platinum "Platinum" { require late * 10 <= active }
}
"""


def test_a_ratio_rule_gets_a_smallest_change():
    p = _program(RATIO)
    (x,) = explain_partner(p, {"active": F(5), "acquired": F(10), "certs": F(0), "late": F(3)})
    (m,) = x.missing
    assert m.why == ["Active customers is 5; Silver needs at least 7 (0.7 * acquired)"]
    # raising active closes it; lowering acquired (losing customers) is no advice
    assert [[(c.metric, c.old, c.new) for c in plan.changes] for plan in m.plans] == [[("active", 5, 7)]]


def test_a_sum_rule_offers_each_metric_nearest_first_and_checks_strictness():
    p = _program(RATIO)
    (x,) = explain_partner(p, {"active": F(8), "acquired": F(10), "certs": F(1), "late": F(0)})
    (m,) = x.missing  # gold: 8 + 2 > 10 fails (strict)
    assert [[(c.metric, c.new) for c in plan.changes] for plan in m.plans] == [[("active", 9)], [("certs", 2)]]


def test_a_lower_is_better_metric_is_lowered():
    p = _program(RATIO)
    values = {"active": F(20), "acquired": F(10), "certs": F(10), "late": F(3)}
    (x,) = explain_partner(p, values)
    assert x.result.level == "gold"
    (m,) = x.missing  # platinum: 30 <= 20 fails
    assert [[(c.metric, c.new) for c in plan.changes] for plan in m.plans] == [[("late", 2)], [("active", 30)]]


TOGETHER = """
metric acquired "Customers acquired": count
metric active "Active customers": count
track status "Partner status" {
  level silver "Silver" { require acquired >= 10 }
  level gold "Gold" {
    require active >= 0.7 * acquired
    require acquired >= 20
  }
}
"""


def _changes(plan) -> list[tuple[str, F, F]]:
    return [(c.metric, c.old, c.new) for c in plan.changes]


def test_changes_that_move_each_others_bar_are_given_together():
    p = _program(TOGETHER)
    (x,) = explain_partner(p, {"acquired": F(12), "active": F(5)})
    # alone: +4 active (8.4 of 12) and +8 acquired; together 20 acquired need 14 active
    assert [_changes(m.plans[0]) for m in x.missing] == [[("active", 5, 9)], [("acquired", 12, 20)]]
    assert _changes(x.together) == [("active", 5, 14), ("acquired", 12, 20)]
    assert "    All together: +9 Active customers and +8 Customers acquired → Gold is met\n" in render_text([x], p)
    assert x.to_data(p)["together"]["changes"][0] == {
        "metric": "active",
        "title": "Active customers",
        "from": "5",
        "to": "14",
        "change": "9",
        "points": None,
    }


def test_a_cumulative_level_together_includes_the_level_below():
    p = _program(TOGETHER)
    (x,) = explain_partner(p, {"acquired": F(3), "active": F(3)})
    (gold,) = x.higher
    # gold's own ratio holds now (3 of 3) and fails once acquired reaches 20
    assert [m.requirement.expr.op for m in gold.missing] == [">="] and len(gold.missing) == 1
    assert _changes(gold.together) == [("acquired", 3, 20), ("active", 3, 14)]
    assert x.together is None  # silver: one requirement, its own change says it all


def test_independent_changes_are_not_repeated_together():
    p = _program(LADDER)
    (x,) = explain_partner(p, {"certs": F(1), "refs": F(1), "audited": False})
    platinum = x.higher[1]
    assert x.together is None and platinum.together is not None  # platinum also needs gold's audit
    assert [(c.metric, c.new) for c in platinum.together.changes] == [("certs", 10), ("audited", True)]
    text = render_text([x], p)
    assert "      Smallest change: Audit passed: true → audited holds\n" in text
    assert "    All together: +9 Certified people and Audit passed: true → Platinum is met\n" in text
    audit = x.to_data(p)["higher_levels"][0]["missing"][0]["plans"][0]["changes"][0]
    assert (audit["from"], audit["to"], audit["change"]) == (False, True, None)
    p = _program("metric a: count\nmetric b: count\ntrack t { level g { require a >= 1\n require b >= 2 } }\n")
    (x,) = explain_partner(p, {"a": F(0), "b": F(0)})
    assert len(x.missing) == 2 and x.together is None and "All together" not in render_text([x], p)
