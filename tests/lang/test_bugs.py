"""Regression tests for the bugs a new user hit writing other vendors' programs (issue 14)."""

from __future__ import annotations

import json
import textwrap

import polars as pl

from tests.cli.cli_helpers import run
from tests.conftest import PROGRAMS
from tierlang import load_program
from tierlang.diff.structural import LOOSENED, TIGHTENED, structural_diff
from tierlang.render.guide import build_guide, render_guide

HEAD = 'program p { version "1" }\n'


def _load(tmp_path, text: str, name: str = "p.tier"):
    path = tmp_path / name
    path.write_text(HEAD + textwrap.dedent(text), encoding="utf-8")
    return load_program(path)


def _program(tmp_path, text: str, name: str = "p.tier"):
    result = _load(tmp_path, text, name)
    assert result.ok, result.diagnostics
    return result.program


def _codes(result) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in result.diagnostics]


def _effects(old, new) -> dict[str, str | None]:
    return {c.describe(): c.effect for c in structural_diff(old, new)}


# ------------------------------------------------------------------ diff classification


def test_lowering_a_category_cap_through_a_parameter_tightens(tmp_path):
    text = """
        metric m: count
        param cap = {cap}
        track t {{
          score s {{
            category c max cap {{
              a: points 10 * m
            }}
          }}
          level l {{ require s >= 100 }}
        }}
    """
    old = _program(tmp_path, text.format(cap=350), "a.tier")
    new = _program(tmp_path, text.format(cap=275), "b.tier")
    assert _effects(old, new) == {"param cap: value changed from 350 to 275": TIGHTENED}
    assert _effects(new, old) == {"param cap: value changed from 275 to 350": LOOSENED}


def test_a_score_cap_parameter_is_classified_too(tmp_path):
    text = """
        metric m: count
        param cap = {cap}
        track t {{
          score s max cap {{ a: points 10 * m }}
          level l {{ require s >= 10 }}
        }}
    """
    old = _program(tmp_path, text.format(cap=50), "a.tier")
    new = _program(tmp_path, text.format(cap=40), "b.tier")
    assert list(_effects(old, new).values()) == [TIGHTENED]


def test_a_gate_from_true_to_a_condition_tightens(tmp_path):
    text = """
        metric a: bool
        metric b: bool
        gate g: {cond}
        track t {{ level l {{ require g }} }}
    """
    old = _program(tmp_path, text.format(cond="true"), "a.tier")
    new = _program(tmp_path, text.format(cond="at least 1 of { a, b }"), "b.tier")
    assert list(_effects(old, new).values()) == [TIGHTENED]
    assert list(_effects(new, old).values()) == [LOOSENED]


def test_a_condition_gaining_an_alternative_loosens(tmp_path):
    text = """
        metric a: bool
        metric b: bool
        track t {{ level l {{ require {cond} }} }}
    """
    old = _program(tmp_path, text.format(cond="a"), "a.tier")
    new = _program(tmp_path, text.format(cond="a or b"), "b.tier")
    assert list(_effects(old, new).values()) == [LOOSENED]


def test_at_least_parameter_of_and_its_diff(tmp_path):
    text = """
        metric a: bool
        metric b: bool
        metric c: bool
        param n = {n}
        track t {{ level l {{ require at least n of {{ a, b, c }} }} }}
    """
    old = _program(tmp_path, text.format(n=1), "a.tier")
    new = _program(tmp_path, text.format(n=2), "b.tier")
    assert _effects(old, new) == {"param n: value changed from 1 to 2": TIGHTENED}
    assert not [d for d in _load(tmp_path, text.format(n=1), "c.tier").diagnostics if d.code == "TL250"]


# ------------------------------------------------------------------ checks and messages


def test_clamp_with_low_above_high_is_an_error(tmp_path):
    result = _load(tmp_path, "metric m: count\ntrack t { level l { require clamp(m, 5, 1) >= 1 } }\n")
    assert not result.ok
    assert [c for c, _ in _codes(result)] == ["TL213"]
    assert "low bound 5 above its high bound 1" in result.diagnostics[0].message


def test_clamp_bounds_from_parameters_are_checked(tmp_path):
    text = "metric m: count\nparam lo = 3\nparam hi = 2\ntrack t { level l { require clamp(m, lo, hi) >= 1 } }\n"
    assert [c for c, _ in _codes(_load(tmp_path, text))] == ["TL213"]


def test_a_category_inside_a_category_says_so(tmp_path):
    text = "metric m: count\ntrack t { score s { category outer { category inner { a: points m } } } level l { require s >= 1 } }\n"
    result = _load(tmp_path, text)
    assert [c for c, _ in _codes(result)] == ["TL119"]
    assert "cannot hold another category" in result.diagnostics[0].message


def test_a_line_named_like_its_category(tmp_path):
    text = "metric m: count\ntrack t { score s { category skilling { skilling: points m } } level l { require s >= 1 } }\n"
    result = _load(tmp_path, text)
    assert _codes(result) == [("TL201", "line 'skilling' has the name of its category")]  # no false TL233


def test_a_quoted_enum_value_in_a_rule(tmp_path):
    result = _load(tmp_path, 'metric market: enum(mature, emerging)\ntrack t { level l { require market == "mature" } }\n')
    (d,) = result.diagnostics
    assert d.code == "TL205" and "without quotes" in d.message
    assert "`market == mature`" in d.hint


def test_a_label_inside_a_list(tmp_path):
    result = _load(tmp_path, "metric m: count\ntrack t { level l { require any { first: m > 1, second: m > 2 } } }\n")
    (d,) = result.diagnostics
    assert d.code == "TL120" and "require NAME:" in d.message


def test_at_least_a_name_that_is_no_parameter(tmp_path):
    result = _load(tmp_path, "metric a: bool\nmetric b: bool\ntrack t { level l { require at least a of { a, b } } }\n")
    (d,) = result.diagnostics
    assert d.code == "TL205" and "'a' is a metric" in d.message
    result = _load(tmp_path, "metric a: bool\nparam half = 1.5\ntrack t { level l { require at least half of { a } } }\n", "q.tier")
    assert [c for c, _ in _codes(result)] == ["TL202"]


# ------------------------------------------------------------------ explain


SHOP = """
    metric spend "Shopping spend": money USD
    metric growth "Usage growth": percent { range .. }
    metric validations "Key validations": count
    metric a: bool
    metric b: bool
    param nothing = 0
    gate g "Two validations": validations >= 2
    track t {
      score s { x "Growth": points 20 * clamp(growth / 20) when g }
      level platinum "Platinum" {
        require spend < 500
        require at least 1 of { a, b }
        require s >= 15
        require never: nothing >= 1
        require g
        require growth >= 25
      }
    }
"""


def _explain(tmp_path, *partners: str) -> str:
    program = tmp_path / "shop.tier"
    program.write_text(HEAD + textwrap.dedent(SHOP), encoding="utf-8")
    data = tmp_path / "shop.csv"
    data.write_text("partner_id,spend,growth,validations,a,b\nA,500,3,0,false,false\nB,100,30,5,true,false\n", encoding="utf-8")
    result = run("explain", str(program), str(data), *[x for p in partners for x in ("--partner", p)])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_explain_wording(tmp_path):
    out = _explain(tmp_path, "A")
    assert "needs less Shopping spend: has 500 USD, Platinum needs less than 500 USD" in out  # was "needs 0 USD less"
    assert "needs 1 more of these 2 to hold (0 hold, 1 needed)" in out
    assert "nothing >= 1 never holds" in out  # was "needs 1 more of 1: has 0"
    assert "needs Usage growth 22 percentage points higher: has 3%" in out
    assert "“Two validations”" in out and "until g holds" not in out and "✗ g\n" not in out  # gate titles, not ids


def test_explain_plans_speak_of_percentage_points():
    from tierlang.engine.explain import explain_partner, render_text

    program = load_program(PROGRAMS / "cloudpartner2022.tier").program
    frame = pl.read_csv(PROGRAMS.parent / "examples" / "partners.csv", infer_schema_length=0)
    from tierlang.data import from_frame

    dataset = from_frame(frame, program)
    values = dataset.values("P0000004")
    text = render_text(explain_partner(program, values, ["data_ai"]), program)
    assert "percentage points, to" in text and "+12.6%" not in text


def test_explain_several_partners_explains_each(tmp_path):
    out = _explain(tmp_path, "A", "B")
    assert out.index("Partner A") < out.index("Partner B")


def test_explain_several_partners_as_json(tmp_path):
    _explain(tmp_path, "A")
    result = run("explain", str(tmp_path / "shop.tier"), str(tmp_path / "shop.csv"), "--partner", "A", "--partner", "B", "--format", "json")
    data = json.loads(result.stdout)
    assert [d["partner_id"] for d in data] == ["A", "B"]


# ------------------------------------------------------------------ the guide


def test_guide_does_not_add_up_bands_that_never_apply_together():
    program = load_program(PROGRAMS / "mspp2009.tier").program
    guide = build_guide(program)
    (score,) = guide.sections[0].tracks[0].variants[0].scores
    csat = next(i for i in score.items if i.name == "csat")
    assert csat.lines_total == 20 and csat.banded  # the best band, not 2 + 5 + 10 + 15 + 20
    assert "one band applies, at most 20" in render_guide(program, audience="reviewer")


# ------------------------------------------------------------------ the diff report's outreach


def test_outreach_names_a_track_with_no_counterpart(tmp_path):
    from tierlang.diff import diff
    from tierlang.render.diff import render_diff

    old = tmp_path / "old.tier"
    old.write_text(
        'program old { version "1" status status }\n'
        "metric a: count\nmetric b: count\n"
        "track kept { level silver { require a >= 1 } }\n"
        "track gone { level silver { require b >= 1 } }\n"
        "track status { level member level partner { require kept or gone } }\n",
        encoding="utf-8",
    )
    new = tmp_path / "new.tier"
    new.write_text(
        'program new { version "2" status status }\n'
        "metric a: count\n"
        "track kept { level silver { require a >= 1 } }\n"
        "track status { level member level partner { require kept } }\n",
        encoding="utf-8",
    )
    data = tmp_path / "d.csv"
    data.write_text("partner_id,a,b\nP1,0,1\nP2,1,0\n", encoding="utf-8")
    report = diff(old, new, data=data)
    (row,) = report.impact.outreach
    assert row.partner_id == "P1" and row.unmatched == (("gone", "silver"),)
    assert row.lost == ["gone (no counterpart)"]
    md = render_diff(report, "md")
    assert "| gone (no counterpart) |" in md


def test_a_parameter_used_only_in_a_constraint_is_used(tmp_path):
    """TL250 said a parameter read only by a `constraint` was never used (found by synth4)."""
    text = """
        param ratio = 2
        metric a: count
        metric b: count
        constraint c1 "C": a <= ratio * b
        track t { level ok { require a >= 1 and b >= 1 } }
    """
    assert not [d for d in _load(tmp_path, text).diagnostics if d.code == "TL250"]
