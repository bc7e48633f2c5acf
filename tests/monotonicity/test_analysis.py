"""The static analysis: what is proved monotone, what is reported, with which code and span."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT
from tierlang import load_program
from tierlang.passes.monotonicity import analyse

HEAD = 'program p { version "1" }\n'


def _report(tmp_path, body: str, **kw):
    result = load_program(tmp_path / "p.tier", text=HEAD + body)
    assert result.program is not None and result.ok, result.diagnostics
    return result.program, analyse(result.program, **kw)


def _codes(report) -> list[tuple[str, int]]:
    """(code, line in the body) of each finding."""
    return [(f.code, f.span.line - 1) for f in report.findings]


MONOTONE = {
    "thresholds, caps, clamp, gates": """
metric adds: count { range .. }
metric certs: count
metric experts: count
gate g: experts >= 2
track t {
  score s max 100 {
    category c max 50 { a: points 30 * clamp(adds / 3)  b: points 40 * clamp(certs / 10) when g }
    d: points min(20, certs * 2)
  }
  level silver { require s >= 20 and every s.points > 0 }
  level gold { require at least 2 of { s >= 60, certs >= 5, any { adds >= 3, experts >= 4 } } }
}
""",
    "lower is better used as such": """
metric days_late: count { lower is better }
metric certs: count
metric lost: count { lower is better }
metric gross: count
track t {
  score s { a: points 10 * clamp((gross - lost) / 5) }
  level l { require days_late <= 3 and not (days_late > 10) and s >= 5 and certs > 0 }
}
""",
    "best-of variants and references to monotone tracks": """
metric a: count
metric b: count
group gs
track x in gs {
  choose best
  variant e { score s { p: points 10 * clamp(a / 5) } level d { require s >= 7 } }
  variant m { score s { p: points 10 * clamp(b / 5) } level d { require s >= 7 } }
}
track y {
  level one { require x at d }
  level two { require all of gs at d and x }
}
""",
    "tiered bands (mspp2009's CSAT points)": """
metric responses: count
track t {
  score s {
    b1: points 2 when responses >= 10 and responses < 20
    b2: points 5 when responses >= 20 and responses < 50
    b3: points 10 when responses >= 50
  }
  level l { require s >= 5 }
}
""",
    "fixed metrics: dates, unordered enums, ordered enums without a direction": """
metric region: enum(americas, emea)
metric tier: enum(bronze < silver < gold)
metric joined: date
metric certs: count
track t { level l { require region != emea and tier == silver and joined <= 2024-06-30 and certs >= 2 } }
""",
}


@pytest.mark.parametrize("body", MONOTONE.values(), ids=MONOTONE.keys())
def test_proved_monotone(tmp_path, body):
    program, report = _report(tmp_path, body)
    assert report.findings == []
    assert report.monotone == [t.name for t in program.tracks]


FINDINGS = {
    "not": ("metric x: count\ntrack t { level l { require not (x >= 5) } }", [("TL310", 2)]),
    "comparison": ("metric x: count\ntrack t { level l { require x <= 5 } }", [("TL311", 2)]),
    "lower is better that helps": ("metric late: count { lower is better }\ntrack t { level l { require late >= 1 } }", [("TL311", 2)]),
    "two metrics compared": ("metric x: count\nmetric y: count\ntrack t { level l { require x >= y } }", [("TL311", 3)]),
    "equality": ("metric x: count\ntrack t { level l { require x == 3 } }", [("TL312", 2)]),
    "ordered enum with a direction": (
        "metric b: enum(bronze < silver < gold) { higher is better }\ntrack t { level l { require b != gold } }",
        [("TL312", 2)],
    ),
    "classified": (
        """metric w: count
metric n: count
track t {
  choose e when w >= 5 else s
  variant e { level d { require n >= 20 } }
  variant s { level d { require n >= 5 } }
}""",
        [("TL313", 4)],
    ),
    "subtraction": (
        "metric x: count\nmetric y: count\ntrack t { score s { a: points 10 + x - y } level l { require s >= 12 } }",
        [("TL314", 3)],
    ),
    "negative factor": ("metric x: count\ntrack t { score s { a: points -2 * x + 10 } level l { require s >= 4 } }", [("TL314", 2)]),
    "gate on negative points": (
        "metric g: percent { range -100.. }\nmetric base: count\nmetric adds: count\n"
        "track t { score s { a: points 10 * clamp(adds / 5)  u: points g / 5 when base >= 10 } level l { require s >= 8 } }",
        [("TL315", 4)],
    ),
    "bands with a gap": (
        """metric r: count
track t {
  score s {
    b1: points 2 when r >= 10 and r < 20
    b2: points 5 when r >= 30
  }
  level l { require s >= 2 }
}""",
        [("TL311", 4)],
    ),
    "best-of score read elsewhere": (
        # Enterprise can have the higher total without its level (every line must score);
        # when SMB reaches its level, the reported score switches to SMB's lower total.
        """metric a: count
metric c: count
metric b: count
track x {
  choose best
  variant e { score s { p: points 10 * clamp(a / 5)  q: points 10 * clamp(c / 5) } level d { require s >= 7 and every s.points > 0 } }
  variant m { score s { p: points 10 * clamp(b / 5) } level d { require s >= 7 } }
}
track y { level l { require x.s >= 9 } }""",
        [("TL316", 9)],
    ),
}


@pytest.mark.parametrize("body,expected", FINDINGS.values(), ids=FINDINGS.keys())
def test_findings_name_the_construct(tmp_path, body, expected):
    _, report = _report(tmp_path, body)
    assert _codes(report) == expected
    for f in report.findings:
        assert f.confirmed, f"{f.code}: the witness search should confirm this finding"


def test_reference_to_a_non_monotone_track_is_a_note_on_its_finding(tmp_path):
    program, report = _report(
        tmp_path,
        """metric x: count
metric y: count
track a { level l { require not (x >= 5) } }
track b { level l { require a at l and y >= 1 } }
track c { level l { require b } }
""",
    )
    (f,) = report.findings
    assert (f.code, f.direct, list(f.dependents)) == ("TL310", ["a"], ["b", "c"])
    assert f.dependents["b"].span.line == 5 and f.dependents["c"].span.line == 6  # the references
    assert not report.verdicts["c"].monotone and report.verdicts["c"].findings == [f]
    assert all(s.witness is not None for s in f.searches.values())
    (d,) = report.diagnostics(program)
    assert d.code == "TL310" and "track 'a' is not monotone" in d.message
    assert [n.span.line for n in d.notes if n.span] == [5, 6]


def test_a_construct_used_by_two_tracks_is_one_finding(tmp_path):
    _, report = _report(
        tmp_path,
        """metric x: count
gate small: not (x >= 10)
track a { level l { require small } }
track b { level l { require small } }
""",
    )
    (f,) = report.findings
    assert f.direct == ["a", "b"] and f.span.line == 3


def test_unconfirmed_finding_says_so(tmp_path):
    # Enterprise is *less* strict: classification by growth never hurts, but the analysis
    # cannot know; the witness search finds nothing and says so.
    program, report = _report(
        tmp_path,
        """metric w: count
metric n: count
track t {
  choose e when w >= 5 else s
  variant e { level d { require n >= 2 } }
  variant s { level d { require n >= 5 } }
}""",
    )
    (f,) = report.findings
    assert not f.confirmed and f.searches["t"].evaluated > 0
    (d,) = report.diagnostics(program)
    assert any("could not confirm for 't'" in n.message for n in d.notes)
    assert d.data["confirmed"] is False and d.data["witnesses"][0]["confirmed"] is False


def test_without_an_evaluator_the_findings_say_so(tmp_path):
    program, report = _report(tmp_path, "metric x: count\ntrack t { level l { require x <= 5 } }", levels=None)
    (d,) = report.diagnostics(program)
    assert d.code == "TL311" and any("reference interpreter is not available" in n.message for n in d.notes)


PAGES = sorted((ROOT / "docs" / "errors").glob("TL31*.md"))


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_error_page_examples_are_confirmed(page, tmp_path):
    """Each TL31x page's example is a real counterexample, not only a suspicion."""
    text = page.read_text(encoding="utf-8")
    (bad,) = re.findall(r"^```tier-bad\n(.*?)^```", text, re.S | re.M)
    result = load_program(tmp_path / "p.tier", text=bad, checks=False)
    report = analyse(result.program)
    assert [f.code for f in report.findings] == [page.stem]
    assert report.findings[0].confirmed
