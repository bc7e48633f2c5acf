"""Plain-English phrasing of every IR condition and expression node (render/english.py)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from tierlang import ir, load_program
from tierlang.ir import Kind, Type
from tierlang.render.english import (
    English,
    Phrase,
    amount,
    describe,
    humanize,
    join_words,
    number,
    sentence_noun,
    singular,
)

BASE = """
program t "T" { version "1" effective 2024-01-01 }
metric pros "Certified professionals": count
metric refs "Customer references": count
metric growth "Usage growth": percent { range .. }
metric rev "Annual revenue": money USD
metric acr "ACR growth": money USD { range .. }
metric seats "Seats": count { range .. unit "seats" }
metric ok "Licensing assessment passed": bool
metric region "Region": enum(emea, amer)
metric maturity "Maturity": enum(basic < managed < optimized)
metric joined "Join date": date
metric adds: count { range .. }
param min_pros "Minimum" = 4 { source "S1" from 2025-01-01 = 5 }
param guess = 10 { assumed "no source" }
gate experts "Two experts": pros >= 2
group comps "Competencies"
track a "Server" in comps { level silver "Silver" { require pros >= 1 } level gold "Gold" { require pros >= 2 } }
track b "Data" in comps { level silver "Silver" { require pros >= 1 } level gold "Gold" { require pros >= 2 } }
track d "Infrastructure" {
  score capability "Partner capability score" {
    category perf "Performance" { adds "Net adds": points 30 * clamp(adds / 3) }
    skill "Skilling": points 10
  }
  level designated "Designated" { require capability >= 1 }
}
"""


def program_with(require: str = "pros >= 1", line: str = "5") -> ir.Program:
    text = BASE + f'track t "Test" {{ score cap2 "Second score" {{ l1 "Line one": points {line} }} level x "X" {{ require {require} }} }}\n'
    result = load_program("t.tier", text=text, checks=False)
    assert result.ok, [str(d.message) for d in result.diagnostics]
    assert result.program is not None
    return result.program


def requirement(require: str) -> tuple[ir.Expr, English]:
    p = program_with(require)
    t = p.track_map["t"]
    return t.variants[0].levels[0].requirements[0].expr, English(p, "t")


def phrase(require: str) -> str:
    expr, english = requirement(require)
    return english.condition(expr).flat()


def quantity(expr_text: str) -> str:
    expr, english = requirement(f"({expr_text}) >= 0")
    assert isinstance(expr, ir.Compare)
    return english.quantity(expr.left)


def points(line: str):
    p = program_with(line=line)
    return English(p, "t").points(p.track_map["t"].variants[0].scores[0].items[0].points)


# ------------------------------------------------------------------ words and numbers


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(70), "70"),
        (Fraction(1250), "1,250"),
        (Fraction(50_000), "50,000"),
        (Fraction(5, 2), "2.5"),
        (Fraction(2501, 2), "1,250.5"),
        (Fraction(-7, 4), "-1.75"),
        (Fraction(10, 3), "about 3.33"),
        (Fraction(1, 3000), "about 0.000333"),
        (Fraction(0), "0"),
    ],
)
def test_number_is_exact_unless_it_cannot_be(value, text):
    assert number(value) == text


def test_amount_carries_units():
    assert amount(Fraction(5), Type(Kind.PERCENT)) == "5%"
    assert amount(Fraction(1250), Type(Kind.MONEY, currency="USD")) == "1,250 USD"
    assert amount(Fraction(4), Type(Kind.COUNT), "people") == "4 people"
    assert amount(True) == "yes" and amount(False) == "no"
    assert amount(dt.date(2022, 10, 3)) == "2022-10-03"
    assert amount("gold") == "gold"


def test_word_helpers():
    assert humanize("net_adds") == "Net adds"
    assert sentence_noun("Net customer adds") == "net customer adds"
    assert sentence_noun("Azure Solutions Architect Experts") == "Azure Solutions Architect Experts"
    assert sentence_noun("ACR growth") == "ACR growth"
    assert sentence_noun("Net customer adds (Data & AI)") == "net customer adds (Data & AI)"
    assert sentence_noun("Net customer adds, Azure") == "net customer adds, Azure"
    assert singular("net customer adds (Data & AI)") == "net customer add (Data & AI)"
    assert singular("Competencies") == "Competency"
    assert singular("net customer adds") == "net customer add"
    assert singular("Usage growth") == "Usage growth"
    assert singular("status") == "status"
    assert join_words(["a"]) == "a" and join_words(["a", "b"]) == "a and b" and join_words(["a", "b", "c"]) == "a, b and c"


# ------------------------------------------------------------------ Compare


@pytest.mark.parametrize(
    ("require", "text"),
    [
        ("pros >= 4", "at least 4 certified professionals"),
        ("pros > 0", "more than 0 certified professionals"),
        ("pros <= 1", "at most 1 certified professional"),
        ("pros < 3", "fewer than 3 certified professionals"),
        ("pros == 1", "exactly 1 certified professional"),
        ("pros != 2", "not exactly 2 certified professionals"),
        ("4 <= pros", "at least 4 certified professionals"),  # constant first: flipped
        ("seats >= 10", "at least 10 seats"),
        ("adds >= 2", "at least 2 adds"),  # no title: the name, in words
        ("growth >= 5", "Usage growth of at least 5%"),
        ("growth < 5", "Usage growth of less than 5%"),
        ("growth == 5", "Usage growth of exactly 5%"),
        ("growth != 5", "Usage growth other than 5%"),
        ("rev >= 100_000 USD", "Annual revenue of at least 100,000 USD"),
        ("rev > 1250.5 USD", "Annual revenue of more than 1,250.5 USD"),
        ("ok == true", "Licensing assessment passed: yes"),
        ("ok == false", "Licensing assessment passed: no"),
        ("ok != true", "Licensing assessment passed: no"),
        ("region == emea", "Region is emea"),
        ("region != amer", "Region is not amer"),
        ("maturity >= managed", "Maturity is managed or higher"),
        ("maturity > basic", "Maturity is higher than basic"),
        ("maturity <= managed", "Maturity is managed or lower"),
        ("maturity < optimized", "Maturity is lower than optimized"),
        ("joined <= 2023-01-01", "Join date on or before 2023-01-01"),
        ("joined > 2023-01-01", "Join date after 2023-01-01"),
        ("pros >= refs", "Certified professionals is at least Customer references"),
        ("pros + refs >= 5", "Certified professionals + Customer references is at least 5"),
        ("pros + refs != 5", "Certified professionals + Customer references does not equal 5"),
    ],
)
def test_compare(require, text):
    assert phrase(require) == text


def test_parameters_are_annotated_with_source_schedule_and_assumption():
    assert phrase("pros >= min_pros") == "at least 4 certified professionals (parameter min_pros, source S1; 5 from 2025-01-01)"
    assert phrase("pros >= guess") == "at least 10 certified professionals (parameter guess, an assumption)"
    expr, english = requirement("pros >= min_pros")
    assert English(english.program, "t", param_notes=False).condition(expr).flat() == "at least 4 certified professionals"


def test_parameter_note_after_a_change_says_since_when():
    text = BASE + 'track t "Test" { level x "X" { require pros >= min_pros } }\n'
    p = load_program("t.tier", dt.date(2025, 6, 1), text=text, checks=False).program
    assert p is not None
    expr = p.track_map["t"].variants[0].levels[0].requirements[0].expr
    assert English(p, "t").condition(expr).flat() == "at least 5 certified professionals (parameter min_pros, source S1; since 2025-01-01)"


# ------------------------------------------------------------------ ScoreRef and Every


@pytest.mark.parametrize(
    ("require", "text"),
    [
        ("cap2 >= 3", "a Second score of at least 3"),
        ("cap2 != 3", "a Second score other than 3"),
        ("cap2.l1 > 0", "more than 0 points for Line one"),
        ("cap2.l1 >= 1", "at least 1 point for Line one"),
        ("d.capability >= 70", "a Partner capability score of at least 70 in Infrastructure"),
        ("d.capability.perf >= 20", "at least 20 points in Performance (Infrastructure)"),
        ("d.capability.adds == 30", "exactly 30 points for Net adds (Infrastructure)"),
        ("cap2 >= d.capability", "the Second score is at least the Partner capability score in Infrastructure"),
        ("every cap2.points > 0", "every line of the Second score earns more than 0 points"),
        ("every d.capability.points >= 1", "every line of the Partner capability score in Infrastructure earns at least 1 point"),
        ("not every cap2.points > 0", "some line of the Second score earns at most 0 points"),
    ],
)
def test_scores_and_every(require, text):
    assert phrase(require) == text


# ------------------------------------------------------------------ GateRef, TrackAt, GroupCount, bools


@pytest.mark.parametrize(
    ("require", "text"),
    [
        ("experts", "meets gate “Two experts”"),
        ("not experts", "does not meet gate “Two experts”"),
        ("a at gold", "holds Gold in Server"),
        ("a at silver", "holds Silver or higher in Server"),
        ("a", "holds any level of Server"),
        ("d", "holds Infrastructure"),
        ("d at designated", "holds Infrastructure"),
        ("not (a at gold)", "does not hold Gold in Server"),
        ("at least 1 of comps at gold", "holds Gold in at least 1 competency"),
        ("at least 2 of comps at silver", "holds Silver or higher in at least 2 competencies"),
        ("all of comps at gold", "holds Gold in all 2 competencies"),
        ("at least 1 of comps", "holds at least 1 competency"),
        ("all of comps", "holds all 2 competencies"),
        ("not (at least 2 of comps at gold)", "holds Gold in fewer than 2 competencies"),
        ("not (at least 1 of comps)", "holds no competency"),
        ("not (all of comps at gold)", "does not hold Gold in all 2 competencies"),
        ("ok", "Licensing assessment passed: yes"),
        ("not ok", "Licensing assessment passed: no"),
    ],
)
def test_gates_tracks_groups(require, text):
    assert phrase(require) == text


def test_boolean_constants():
    p = program_with()
    english = English(p)
    true = ir.Const(True, Type(Kind.BOOL))
    assert english.condition(true).flat() == "always"
    assert english.condition(ir.Not(true)).flat() == "never"


# ------------------------------------------------------------------ And, Or, AtLeast, Not


def test_and_or_read_inline_when_short():
    assert phrase("pros >= 1 and refs >= 1") == "at least 1 certified professional and at least 1 customer reference"
    assert phrase("pros >= 1 or ok") == "at least 1 certified professional or Licensing assessment passed: yes"


def test_lists_nest_and_merge():
    expr, english = requirement("all { pros >= 1, all { refs >= 1, ok }, any { experts, a at gold, at least 2 of { d, b, growth > 0 } } }")
    p = english.condition(expr)
    assert p.text == "all of:" and len(p.items) == 4  # the inner `all` merged into the outer one
    assert [i.text for i in p.items[:3]] == [
        "at least 1 certified professional",
        "at least 1 customer reference",
        "Licensing assessment passed: yes",
    ]
    anyof = p.items[3]
    assert anyof.text == "any of:" and anyof.items[2].text == "at least 2 of:"
    assert p.flat() == (
        "all of: at least 1 certified professional; at least 1 customer reference; Licensing assessment passed: yes; "
        "(any of: meets gate “Two experts”; holds Gold in Server; "
        "(at least 2 of: holds Infrastructure; holds any level of Data; Usage growth of more than 0%))"
    )
    assert str(p) == p.flat()


@pytest.mark.parametrize(
    ("require", "lead", "count"),
    [
        ("at least 2 of { pros >= 1, refs >= 1, ok }", "at least 2 of:", 3),
        ("at least 1 of { pros >= 1, refs >= 1 }", "any of:", 2),
        ("at least 2 of { pros >= 1, refs >= 1 }", "all of:", 2),
        ("not any { pros >= 1, refs >= 1, ok }", "none of:", 3),
        ("not all { pros >= 1, refs >= 1, ok }", "not all of:", 3),
        ("not (at least 2 of { pros >= 1, refs >= 1, ok })", "fewer than 2 of:", 3),
        ("not (at least 1 of { pros >= 1, refs >= 1, ok })", "none of:", 3),
        ("not (at least 3 of { pros >= 1, refs >= 1, ok })", "not all of:", 3),
    ],
)
def test_at_least_and_negated_lists(require, lead, count):
    expr, english = requirement(require)
    p = english.condition(expr)
    assert (p.text, len(p.items)) == (lead, count)


@pytest.mark.parametrize(
    ("require", "text"),
    [
        ("not (pros >= 4)", "fewer than 4 certified professionals"),
        ("not (growth < 5)", "Usage growth of at least 5%"),
        ("not (region == emea)", "Region is not emea"),
        ("not not (pros >= 4)", "at least 4 certified professionals"),
    ],
)
def test_not_is_pushed_into_comparisons(require, text):
    assert phrase(require) == text


def test_not_of_anything_else_falls_back_to_a_list():
    p = program_with()
    weird = ir.Not(ir.Const(Fraction(3), Type(Kind.NUMBER)))  # not reachable from .tier text
    out = English(p).condition(weird)
    assert out.text == "not:" and out.items == (Phrase("3"),)


# ------------------------------------------------------------------ quantities: Const, MetricRef, Arith, Neg, Func


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        ("pros", "Certified professionals"),
        ("pros + refs * 2", "Certified professionals + Customer references × 2"),
        ("(pros + refs) * 2", "(Certified professionals + Customer references) × 2"),
        ("pros - (refs - 1)", "Certified professionals - (Customer references - 1)"),
        ("pros - refs - 1", "Certified professionals - Customer references - 1"),
        ("pros / (2 * 3)", "Certified professionals ÷ (2 × 3)"),
        ("-adds", "-Adds"),
        ("-(adds + 1)", "-(Adds + 1)"),
        ("min(pros, refs)", "the smaller of Certified professionals and Customer references"),
        ("min(pros, refs, seats)", "the smallest of Certified professionals, Customer references and Seats"),
        ("max(pros, refs)", "the larger of Certified professionals and Customer references"),
        ("max(0, acr) / 1250 USD", "ACR growth (negative values count as 0) ÷ 1,250 USD"),
        ("max(acr, 0 USD)", "ACR growth (negative values count as 0)"),
        ("min(pros, refs) * 2", "(the smaller of Certified professionals and Customer references) × 2"),
        ("clamp(growth / 10)", "Usage growth ÷ 10, kept between 0 and 1"),
        ("clamp(growth, 0, 50)", "Usage growth, kept between 0% and 50%"),
        ("cap2", "the Second score"),
        ("cap2.l1", "the points for Line one"),
        ("d.capability.perf", "the points in Performance (Infrastructure)"),
    ],
)
def test_quantity(expr, text):
    assert quantity(expr) == text


def test_const_quantities_keep_their_units():
    p = program_with()
    english = English(p)
    assert english.quantity(ir.Const(Fraction(1250), Type(Kind.MONEY, currency="USD"))) == "1,250 USD"
    assert english.quantity(ir.Const(Fraction(5, 2), Type(Kind.NUMBER))) == "2.5"
    assert english.quantity(ir.Const(dt.date(2024, 1, 1), Type(Kind.DATE))) == "2024-01-01"


# ------------------------------------------------------------------ points formulas


@pytest.mark.parametrize(
    ("line", "text", "target", "maximum"),
    [
        ("30 * clamp(adds / 3)", "30 points at 3 adds, pro rata (10 points each)", "3", 30),
        ("clamp(adds / 3) * 30", "30 points at 3 adds, pro rata (10 points each)", "3", 30),
        ("40 * clamp(pros / 10)", "40 points at 10 certified professionals, pro rata (4 points each)", "10", 40),
        ("10 * clamp(pros / 6)", "10 points at 6 certified professionals, pro rata (about 1.67 points each)", "6", 10),
        ("10 * clamp(pros / 1)", "10 points for at least 1 certified professional", "1", 10),
        ("15 * clamp(seats / 30)", "15 points at 30 seats, pro rata (1 point per 2 seats)", "30 seats", 15),
        ("20 * clamp(growth / 20)", "20 points when Usage growth reaches 20%, pro rata (1 point per 1%)", "20%", 20),
        ("40 * clamp(growth / 20)", "40 points when Usage growth reaches 20%, pro rata (2 points per 1%)", "20%", 40),
        ("20 * clamp(acr / 25000 USD)", "20 points when ACR growth reaches 25,000 USD, pro rata (1 point per 1,250 USD)", "25,000 USD", 20),
        (
            "20 * clamp((adds + pros) / 10)",
            "20 points when Adds + Certified professionals reaches 10, pro rata (2 points each)",
            "10",
            20,
        ),
        (
            "25 * clamp(max(pros / 5, refs / 10))",
            "25 points when Certified professionals reaches 5 or Customer references reaches 10, whichever gives more, pro rata",
            "5 or 10",
            25,
        ),
        (
            "min(20, max(0, acr) / 1250 USD + max(0, seats) / 125)",
            "1 point per 1,250 USD of ACR growth (negative values count as 0) plus "
            "1 point per 125 seats (negative values count as 0), up to 20 points",
            None,
            20,
        ),
        ("min(30, growth)", "1 point per 1% of Usage growth, up to 30 points", "30%", 30),
        ("min(growth * 2, 30)", "2 points per 1% of Usage growth, up to 30 points", "15%", 30),
        ("2 * adds", "2 points per add", None, None),
        ("pros / 4", "1 point per 4 certified professionals", None, None),
        ("5", "5 points", None, 5),
        ("1", "1 point", None, 1),
        ("10 - growth / 10", "points equal to 10 - Usage growth ÷ 10", None, None),
        ("min(20, growth - 5)", "points equal to the smaller of 20 and Usage growth - 5", None, None),
    ],
)
def test_points_formulas(line, text, target, maximum):
    rule = points(line)
    assert (rule.text, rule.target, rule.maximum) == (text, target, maximum)


def test_points_formula_notes_its_parameters():
    rule = points("min_pros * clamp(pros / guess)")
    assert rule.text == "4 points at 10 certified professionals, pro rata (0.4 points each)"
    assert rule.notes == ("parameter min_pros, source S1; 5 from 2025-01-01", "parameter guess, an assumption")
    assert str(rule) == rule.text + " (parameter min_pros, source S1; 5 from 2025-01-01; parameter guess, an assumption)"


# ------------------------------------------------------------------ variants


def test_selection_best_and_classified():
    text = (
        BASE
        + """
track mw "Modern Work" {
  choose best
  variant ent "Enterprise" { score s "PCS" { x: points 1 } level l }
  variant smb "SMB" { score s "PCS" { x: points 1 } level l }
}
track ba "Business Apps" {
  choose ent when pros >= 5 else mid when pros >= min_pros else smb
  variant ent "Enterprise" { level l }
  variant mid { level l }
  variant smb "SMB" { level l }
}
track plain { level l }
"""
    )
    p = load_program("t.tier", text=text, checks=False).program
    assert p is not None
    english = English(p)
    assert english.selection(p.track_map["mw"]) == (
        "Scored on both Enterprise and SMB; the better result counts: the higher level, and on a tie the higher PCS."
    )
    assert english.selection(p.track_map["ba"]) == (
        "Enterprise when at least 5 certified professionals; otherwise Mid when at least 4 certified professionals "
        "(parameter min_pros, source S1; 5 from 2025-01-01); otherwise SMB."
    )
    assert english.selection(p.track_map["plain"]) is None


def test_variant_scores_are_named_from_inside_and_outside():
    text = (
        BASE
        + """
track mw "Modern Work" {
  choose best
  variant ent "Enterprise" { score s "PCS" { x: points 1 } level l { require s >= 1 } }
  variant smb "SMB" { score s "PCS" { x: points 1 } level l { require s >= 1 } }
}
track other { level l { require mw.s >= 2 } }
"""
    )
    p = load_program("t.tier", text=text, checks=False).program
    assert p is not None
    inside = p.track_map["mw"].variants[1].levels[0].requirements[0].expr
    outside = p.track_map["other"].variants[0].levels[0].requirements[0].expr
    assert English(p, "mw", "smb").condition(inside).flat() == "a PCS of at least 1"
    assert English(p, "other").condition(outside).flat() == "a PCS of at least 2 in Modern Work"
    # seen from the other variant, a variant's own score says whose it is
    assert English(p, "mw", "ent").condition(inside).flat() == "a PCS of at least 1 (SMB)"


# ------------------------------------------------------------------ describe


def test_describe_any_expression():
    p = program_with("pros >= 4 and refs > 2")
    expr = p.track_map["t"].variants[0].levels[0].requirements[0].expr
    assert describe(expr, p, "t") == "at least 4 certified professionals and more than 2 customer references"
    assert describe(ir.MetricRef("growth"), p) == "Usage growth"
    assert describe(ir.MetricRef("ok"), p) == "Licensing assessment passed: yes"


# ------------------------------------------------------------------ issue 19: wording


def test_a_noun_phrase_is_made_singular_at_its_head():
    title = "Months this year with at least 2 LinkedIn posts"
    assert sentence_noun(title) == "months this year with at least 2 LinkedIn posts"
    assert singular(sentence_noun(title)) == "month this year with at least 2 LinkedIn posts"
    assert singular("customers with at least 2 workloads") == "customer with at least 2 workloads"
    assert singular("Certified people") == "Certified person"
    assert singular("Acrobat units") == "Acrobat unit"


def test_a_rate_per_a_titled_count_reads_as_english():
    text = BASE + 'metric posting "Months this year with at least 2 LinkedIn posts": count\n'
    text += "track s { score p { l: points 5 * posting } level x { require p >= 5 } }\n"
    p = load_program("t.tier", text=text, checks=False).program
    line = p.track_map["s"].variants[0].scores[0].lines[0]
    assert str(English(p).points(line.points)) == "5 points per month this year with at least 2 LinkedIn posts"


def test_a_date_switch_reads_as_the_dates_it_holds_on():
    text = BASE + "param switch = 0 { from 2025-01-01 = 1 }\nparam window = 0 { from 2025-01-01 = 1 from 2025-07-01 = 0 }\n"
    text += "track s { score p { on: points 10 when switch >= 1  w: points 3 when window >= 1 } level x { require p >= 5 } }\n"
    p = load_program("t.tier", text=text, checks=False).program
    on, w = p.track_map["s"].variants[0].scores[0].lines
    english = English(p, param_notes=False)
    assert str(english.condition(on.when)) == "from 2025-01-01 on"
    assert str(english.condition(w.when)) == "from 2025-01-01 to 2025-06-30"
    assert str(english.condition(ir.Not(w.when))) == "until 2024-12-31 or from 2025-07-01 on"
    assert "0 is at least 1" not in str(English(p).condition(on.when))
