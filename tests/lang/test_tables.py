"""Band tables: syntax, checks, evaluation in every engine, monotonicity, explain, guide, diff."""

from __future__ import annotations

import textwrap
from fractions import Fraction

import polars as pl
import pytest

from tierlang import load_program
from tierlang.data import from_frame
from tierlang.diff.structural import LOOSENED, TIGHTENED, structural_diff
from tierlang.engine import evaluate_dataset
from tierlang.engine.explain import explain_partner, render_text
from tierlang.render.guide import render_guide
from tierlang.syntax.formatter import format_module
from tierlang.syntax.parser import parse

HEAD = 'program p {\n  version "1"\n}\n\n'

CSAT = """
metric responses "CSAT responses": count
param first_band_points = 2
table csat_points "CSAT points": number {
  by responses
  ..<10:    0
  10..19:   first_band_points
  20..<50:  5
  50..:    20
}
track t {
  score s {
    csat: points csat_points
  }
  level l {
    require s >= 5
  }
}
"""

SHARE = """
metric attrition "Attrition": percent { range 0..100 lower is better }
metric revenue "Revenue": money USD { range 0.. }
metric market: enum(mature, emerging)
table share "Share of points": percent {
  by attrition, revenue
  columns:   ..<1_000_000, 1_000_000..<5_000_000, 5_000_000..
  ..<5:       50,  75, 100
  5..<10:     25,  50,  75
  10..:        0,  25,  50
}
table fee "Annual fee": money USD {
  by market
  mature:   10_000 USD
  emerging:  5_000
}
track isv {
  score points {
    base: points share
  }
  level listed
  level premier {
    require points >= 50 and fee <= 6_000
  }
}
table benefit "Marketing funds": money USD {
  by isv
  none:     0
  listed:   500
  premier:  2_500
}
track status {
  level member
  level funded {
    require benefit > 0
  }
}
"""


def _load(tmp_path, body: str, name: str = "p.tier"):
    path = tmp_path / name
    path.write_text(HEAD + textwrap.dedent(body).lstrip(), encoding="utf-8")
    return load_program(path)


def _program(tmp_path, body: str, name: str = "p.tier"):
    result = _load(tmp_path, body, name)
    assert result.ok and not [d for d in result.diagnostics if d.code != "TL250"], result.diagnostics
    return result.program


def _problems(tmp_path, body: str) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in _load(tmp_path, body).diagnostics]


def _eval(program, rows: dict[str, list]):
    frame = pl.DataFrame({k: [None if v is None else str(v) for v in vs] for k, vs in rows.items()}, schema={k: pl.String for k in rows})
    ds = from_frame(frame, program)
    a = evaluate_dataset(program, ds, engine="interpreter")
    b = evaluate_dataset(program, ds, engine="vectorized")
    assert list(a.rows()) == list(b.rows())
    return a


# ------------------------------------------------------------------ syntax


def test_tables_format_as_tables_and_round_trip():
    text = HEAD + textwrap.dedent(SHARE).lstrip()
    once = format_module(parse(text).module)
    assert format_module(parse(once).module) == once
    # a grid: each cell right-aligned under its column's band
    assert "  columns: ..<1_000_000, 1_000_000..<5_000_000, 5_000_000..\n" in once
    assert "  ..<5:              50,                    75,         100\n" in once
    assert "  mature:   10_000 USD\n  emerging:      5_000\n" in once


def test_band_ends_may_be_parameters(tmp_path):
    body = CSAT.replace("param first_band_points = 2\n", "param first_band_points = 2\nparam top = 50\n").replace("50..:", "top..:")
    body = body.replace("20..<50:", "20..<top:")
    program = _program(tmp_path, body)
    (table,) = program.tables
    assert table.rows[3].low == 50 and table.rows[3].low_param == "top"


# ------------------------------------------------------------------ checks


@pytest.mark.parametrize(
    "rows,message",
    [
        ("..<10: 0\n  10..<20: 2\n  30..: 5", "has a gap between its rows '10..<20' and '30..': values from 20 up to 30 match no row"),
        ("..<10: 0\n  10..20: 2\n  20..: 5", "contradict: 20 is in both"),
        ("..<10: 0\n  20..: 2\n  10..<20: 5", "go from the lowest band up"),
        ("..<10: 0\n  10..<10: 2\n  10..: 5", "holds no value"),
        ("10..<20: 2\n  20..: 5", "values from 0 up to 10 match no row"),
        ("..<10: 0\n  10..<20: 2", "values from 20 match no row"),
        ("..<10: 0\n  else: 1\n  10..: 2", "`else` comes once, as the last row"),
    ],
)
def test_bands_are_checked(tmp_path, rows, message):
    body = f"metric n: count\ntable t1: number {{\n  by n\n  {rows}\n}}\ntrack t {{ level l {{ require t1 >= 1 }} }}\n"
    problems = _problems(tmp_path, body)
    assert [c for c, _ in problems] == ["TL234"], problems
    assert message in problems[0][1]


def test_counts_need_no_fractions_between_bands_but_decimals_do(tmp_path):
    counts = "metric n: count\ntable t1: number {\n  by n\n  0..9: 0\n  10..19: 2\n  20..: 5\n}\ntrack t { level l { require t1 >= 1 } }\n"
    assert _problems(tmp_path, counts) == []
    percents = "metric g: percent { range 0..100 }\ntable t1: number {\n  by g\n  0..4.9: 0\n  5..9.9: 2\n  10..: 5\n}\ntrack t { level l { require t1 >= 1 } }\n"
    ((code, message),) = _problems(tmp_path, percents)
    assert code == "TL234" and "values above 4.9 and below 5 match no row" in message


def test_named_bands_cover_every_value_once(tmp_path):
    base = "metric m: enum(a, b, c)\ntable t1: number {{\n  by m\n  {rows}\n}}\ntrack t {{ level l {{ require t1 >= 1 }} }}\n"
    assert _problems(tmp_path, base.format(rows="a: 1\n  else: 2")) == []
    assert "has no row for b, c" in _problems(tmp_path, base.format(rows="a: 1"))[0][1]
    assert _problems(tmp_path, base.format(rows="a: 1\n  d: 2\n  else: 0"))[0][0] == "TL218"
    assert "twice" in _problems(tmp_path, base.format(rows="a: 1\n  a: 2\n  else: 0"))[0][1]
    assert "is a range" in _problems(tmp_path, base.format(rows="..<5: 1\n  else: 0"))[0][1]


def test_shape_is_checked(tmp_path):
    one = "metric n: count\ntable t1: number {{\n  {body}\n}}\ntrack t {{ level l {{ require t1 >= 1 }} }}\n"
    assert "needs one `by` line" in _problems(tmp_path, one.format(body="..: 1"))[0][1]
    assert "has one key, so it has no columns" in _problems(tmp_path, one.format(body="by n\n  columns: ..\n  ..: 1"))[0][1]
    two = "metric n: count\nmetric k: count\ntable t1: number {{\n  by n, k\n  {body}\n}}\ntrack t {{ level l {{ require t1 >= 1 }} }}\n"
    assert "needs one `columns:` line" in _problems(tmp_path, two.format(body="..: 1"))[0][1]
    assert "has 1 cell; the table has 2 columns" in _problems(tmp_path, two.format(body="columns: ..<5, 5..\n  ..: 1"))[0][1]
    money = "metric n: count\ntable t1: money USD {\n  by n\n  ..: 5 EUR\n}\ntrack t { level l { require t1 >= 1 } }\n"
    assert _problems(tmp_path, money)[0][0] == "TL203"
    unused = "metric n: count\ntable t1: number {\n  by n\n  ..: 1\n}\ntrack t { level l { require n >= 1 } }\n"
    assert [c for c, _ in _problems(tmp_path, unused)] == ["TL252"]


# ------------------------------------------------------------------ evaluation


def test_one_key_table_values_at_every_edge(tmp_path):
    program = _program(tmp_path, CSAT)
    ev = _eval(program, {"partner_id": list("ABCDEFG"), "responses": [0, 9, 10, 19, 20, 49, 50]})
    assert [ev.score(p, "t") for p in "ABCDEFG"] == [0, 0, 2, 2, 5, 5, 20]
    assert [ev.level(p, "t") for p in "ABCDEFG"] == [None, None, None, None, "l", "l", "l"]


def test_two_keys_enums_and_levels(tmp_path):
    program = _program(tmp_path, SHARE)
    rows = {
        "partner_id": ["A", "B", "C", "D"],
        "attrition": ["4.99", "5", "10", "0"],
        "revenue": ["999999.99", "1000000", "5000000", "10"],
        "market": ["emerging", "emerging", "mature", "mature"],
    }
    ev = _eval(program, rows)
    assert [ev.score(p, "isv") for p in "ABCD"] == [50, 50, 50, 50]
    assert [ev.level(p, "isv") for p in "ABCD"] == ["premier", "premier", "listed", "listed"]
    assert [ev.level(p, "status") for p in "ABCD"] == ["funded"] * 4


# ------------------------------------------------------------------ monotonicity, explain, guide, diff


def test_a_rising_table_is_monotone_and_a_falling_one_is_not(tmp_path):
    assert _problems(tmp_path, CSAT) == []
    falling = CSAT.replace("  50..:    20\n", "  50..:     1\n")
    ((code, message),) = _problems(tmp_path, falling)
    assert code == "TL317" and "the cells of table 'csat_points' fall along its bands of 'responses'" in message


def test_explain_names_the_cell_and_the_next_one(tmp_path):
    program = _program(tmp_path, CSAT)
    text = render_text(explain_partner(program, {"responses": Fraction(19)}), program)
    assert "CSAT points: 10 to 19 → 2; next: 20 to 49 → 5" in text
    assert "Smallest change: +1 CSAT response (+3 points) → s 5 ≥ 5" in text
    assert "full points at 50" in text


def test_the_guide_shows_each_table(tmp_path):
    md = render_guide(_program(tmp_path, SHARE), audience="reviewer")
    assert "| Attrition ↓ · Revenue → | less than 1,000,000 USD | 1,000,000 USD to less than 5,000,000 USD | 5,000,000 USD or more |" in md
    assert "| 5% to less than 10% | 25% | 50% | 75% |" in md
    assert "| no level | 0 USD |" in md and "| premier | 2,500 USD |" in md
    assert "points from the table “Share of points”, by Attrition and Revenue" in md


def test_diff_classifies_cells_and_band_ends(tmp_path):
    old = _program(tmp_path, CSAT, "a.tier")
    new = _program(tmp_path, CSAT.replace("  20..<50:  5", "  20..<50:  4"), "b.tier")
    ((change),) = structural_diff(old, new)
    assert change.describe() == "table csat_points › 20 to 49: cell changed from 5 to 4" and change.effect == TIGHTENED
    moved = _program(tmp_path, CSAT.replace("first_band_points = 2", "first_band_points = 3"), "c.tier")
    ((change),) = structural_diff(old, moved)
    assert change.effect == LOOSENED  # a cell from a parameter: reported at the parameter
