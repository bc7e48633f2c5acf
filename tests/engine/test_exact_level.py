"""`at exactly LEVEL` (issue 19): that level and not a higher one, in every engine, the
formatter, the checker, the guide's English and explain; `at LEVEL` stays "or higher"."""

from __future__ import annotations

from fractions import Fraction as F

import polars as pl

from tierlang import evaluate, load_program
from tierlang.engine.explain import explain_partner
from tierlang.engine.interpreter import Interpreter
from tierlang.passes.monotonicity import analyse
from tierlang.render.english import English
from tierlang.syntax.formatter import format_module
from tierlang.syntax.parser import parse

PROGRAM = """program ex { version "1" }
metric pts: count
group tiers "Tiers"
track status "Partner status" in tiers {
  level provider "Provider" { require pts >= 1 }
  level gold "Gold" { require pts >= 10 }
  level platinum "Platinum" { require pts >= 50 }
}
track other "Other status" in tiers {
  level provider "Provider" { require pts >= 2 }
  level gold "Gold" { require pts >= 20 }
  level platinum "Platinum" { require pts >= 60 }
}
track commission "Provider commission" {
  score rate { provider: points 8 when status at exactly provider  gold: points 12 when status at gold }
  level paid "Paid" { require status at exactly provider }
}
track both_gold { level yes { require all of tiers at exactly gold } }
track one_gold { level yes { require at least 1 of tiers at exactly gold } }
track top { level yes { require status at exactly platinum } }
"""


def _program():
    result = load_program("ex.tier", text=PROGRAM)
    assert result.ok, [d.message for d in result.diagnostics]
    return result.program


EXPECTED = {  # pts: (commission, rate, both_gold, one_gold, top)
    0: (None, 0, None, None, None),
    1: ("paid", 8, None, None, None),
    5: ("paid", 8, None, None, None),
    10: (None, 12, None, "yes", None),
    20: (None, 12, "yes", "yes", None),
    50: (None, 12, None, "yes", "yes"),
    60: (None, 12, None, None, "yes"),
}


def test_engines_agree_on_exact_levels():
    p = _program()
    frame = pl.DataFrame({"partner_id": [f"p{v}" for v in EXPECTED], "pts": list(EXPECTED)})
    ev = evaluate(p, frame)
    levels = ev.levels.to_dicts()
    interp = Interpreter(p)
    for k, (row, (pts, want)) in enumerate(zip(levels, EXPECTED.items())):
        got = (row["commission"], row["both_gold"], row["one_gold"], row["top"])
        assert got == (want[0], *want[2:]), pts
        assert ev.scores["commission"].fraction(k) == want[1]
        r = interp.evaluate({"pts": F(pts)})
        assert (r["commission"].level, r["both_gold"].level, r["one_gold"].level, r["top"].level) == got
        assert r["commission"].score == want[1]


def format_source(text: str) -> str:
    return format_module(parse(text, "ex.tier").module)


def test_format_round_trips_and_source_text():
    text = format_source(PROGRAM)
    assert "status at exactly provider" in text and "all of tiers at exactly gold" in text
    assert "at least 1 of tiers at exactly gold" in text
    assert format_source(text) == text


def test_english_says_or_higher_and_exactly():
    p = _program()
    english = English(p)
    paid = p.track_map["commission"].variants[0].levels[0].requirements[0].expr
    assert str(english.condition(paid)) == "holds exactly Provider (not a higher level) in Partner status"
    gold_line = p.track_map["commission"].variants[0].scores[0].lines[1]
    assert str(english.condition(gold_line.when)) == "holds Gold or higher in Partner status"
    top = p.track_map["top"].variants[0].levels[0].requirements[0].expr
    assert str(english.condition(top)) == "holds Platinum in Partner status"  # nothing above it
    both = p.track_map["both_gold"].variants[0].levels[0].requirements[0].expr
    assert str(english.condition(both)) == "holds exactly Gold (not a higher level) in all 2 tiers"


def test_the_checker_reports_an_exact_level_a_level_rests_on():
    p = _program()
    report = analyse(p)
    codes = {(f.code, f.span.line) for f in report.findings}
    assert ("TL312", 16) in codes  # commission's `paid` rests on `status at exactly provider`
    paid = next(f for f in report.findings if f.span.line == 16 and f.origin.reason == "exact level")
    w = paid.searches["commission"].witness
    assert w is not None and w.level_lower == "paid" and w.level_higher is None
    assert {line for _, line in codes} == {16, 18, 19}  # exactly the top level (line 20) is monotone


def test_explain_says_which_level_is_wanted():
    p = _program()
    x = explain_partner(p, {"pts": F(20)}, ["commission"])[0]
    assert x.missing[0].why == ["needs exactly Provider (not a higher level) in Partner status: it holds Gold"]


def test_the_diff_classifies_at_made_exact(tmp_path):
    from tierlang.diff.structural import LOOSENED, TIGHTENED, structural_diff

    a = load_program("a.tier", text=PROGRAM).program
    b = load_program("b.tier", text=PROGRAM.replace("require status at exactly provider", "require status at provider")).program
    (change,) = [c for c in structural_diff(b, a) if c.kind == "requirement"]
    assert (change.old, change.new, change.effect) == ("status at provider", "status at exactly provider", TIGHTENED)
    (back,) = [c for c in structural_diff(a, b) if c.kind == "requirement"]
    assert back.effect == LOOSENED
