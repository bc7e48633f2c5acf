"""Outputs: amounts a program computes per partner and track, as columns after the four."""

from __future__ import annotations

import json
from fractions import Fraction

import polars as pl

from tests.cli.cli_helpers import run
from tests.engine.engine_helpers import write_case
from tierlang import load_program
from tierlang.data import from_frame
from tierlang.diff.structural import structural_diff
from tierlang.engine import evaluate_dataset
from tierlang.engine.explain import explain_partner, render_text
from tierlang.engine.sql import compile_sql
from tierlang.render.guide import render_guide

PROGRAM = """
program fees {
  version "1"
}

metric market "Market class": enum(mature, emerging)
metric adds "Net customer adds": count
table base_fee "Base fee": money USD {
  by market
  mature:   4_730
  emerging: 2_365
}
table funds "Marketing funds": money USD {
  by partner
  none:       0
  silver:   500
  gold:   2_500
}
track partner "Partner" {
  output fee "Annual fee": money USD = base_fee {
    source "S7 [C]"
  }
  output funds "Marketing funds": money USD = funds
  output per_point "Funds per point": money USD = funds / 3
  score s {
    a: points 10 * clamp(adds / 5)
  }
  level silver {
    require adds >= 2
  }
  level gold {
    require adds >= 5
  }
}
track other {
  level member
}

example gold_emerging {
  given { market = "emerging", adds = 7 }
  expect partner = gold
  expect partner.fee = 2365 USD
  expect partner.funds = 2500
  expect partner.per_point = 2500 / 3
}
"""

DATA = "partner_id,market,adds\nA,mature,0\nB,emerging,2\nC,mature,7\n"


def _files(tmp_path):
    return write_case(tmp_path, "fees", PROGRAM, DATA)


def test_outputs_in_every_engine(tmp_path):
    program, _ = _files(tmp_path)
    prog = load_program(program).program
    frame = pl.DataFrame({"partner_id": ["A", "B", "C"], "market": ["mature", "emerging", "mature"], "adds": ["0", "2", "7"]})
    ds = from_frame(frame, prog)
    a, b = (evaluate_dataset(prog, ds, engine=e) for e in ("interpreter", "vectorized"))
    assert a.long().equals(b.long())
    assert [b.output(p, "partner", "fee") for p in "ABC"] == [4730, 2365, 4730]
    assert [b.output(p, "partner", "per_point") for p in "ABC"] == [0, Fraction(500, 3), Fraction(2500, 3)]
    assert b.output("A", "other", "fee") is None


def test_eval_writes_outputs_after_the_four_columns(tmp_path):
    program, data = _files(tmp_path)
    out = tmp_path / "r.csv"
    result = run("eval", str(program), str(data), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "partner_id,track,level,score,fee,funds,per_point"
    assert "B,partner,silver,4,2365,500,166.666667" in lines
    assert "B,other,member,,,," in lines
    meta = json.loads((tmp_path / "r.csv.meta.json").read_text())
    assert meta["outputs"] == "fee: money USD; funds: money USD; per_point: money USD"
    parquet = tmp_path / "r.parquet"
    assert run("eval", str(program), str(data), "-o", str(parquet)).exit_code == 0
    df = pl.read_parquet(parquet)
    assert df.columns[:5] == ["partner_id", "track", "level", "score", "fee"] and str(df["fee"][0]) == "4730.000000"


def test_a_program_without_outputs_keeps_the_four_columns(tmp_path):
    program, data = _files(tmp_path)
    bare = tmp_path / "bare.tier"
    bare.write_text('program bare { version "1" }\nmetric adds: count\ntrack t { level l { require adds >= 1 } }\n', encoding="utf-8")
    out = tmp_path / "b.csv"
    assert run("eval", str(bare), str(data), "-o", str(out)).exit_code == 0
    assert out.read_text().splitlines()[0] == "partner_id,track,level,score"
    assert "outputs" not in json.loads((tmp_path / "b.csv.meta.json").read_text())


def test_examples_guide_explain_and_diff(tmp_path):
    program, data = _files(tmp_path)
    assert run("test", str(program)).exit_code == 0
    prog = load_program(program).program
    md = render_guide(prog, audience="reviewer")
    assert "- **Annual fee** (`fee`) (money USD): base fee by Market class (table “Base fee”). Source: S7 \\[C\\]." in md
    assert "Partner, Annual fee: 2,365 USD; Partner, Marketing funds: 2,500 USD" in md
    assert "(`fee`)" not in render_guide(prog)
    text = render_text(explain_partner(prog, {"market": "emerging", "adds": Fraction(2)}), prog)
    assert "Marketing funds: 500 USD (Marketing funds: silver → 500 USD; next: gold → 2,500 USD)" in text
    changed = tmp_path / "changed.tier"
    changed.write_text(program.read_text().replace("funds / 3", "funds / 4"), encoding="utf-8")
    (c,) = structural_diff(prog, load_program(changed).program)
    assert c.describe() == "partner › output per_point: formula changed from funds / 3 to funds / 4" and c.effect is None


def test_outputs_are_checked(tmp_path):
    base = 'program p {{ version "1" }}\nmetric m: money USD\ntrack t {{\n  {line}\n  score s {{ a: points 1 }}\n  level l\n}}\n'
    cases = {
        "output o: money EUR = m": "TL202",
        "output o: bool = m": "TL202",
        "output s: money USD = m": "TL201",
        "output level: money USD = m": "TL201",
        "output o: number = nothing": "TL200",
    }
    for line, code in cases.items():
        path = tmp_path / "p.tier"
        path.write_text(base.format(line=line), encoding="utf-8")
        assert [d.code for d in load_program(path).diagnostics] == [code], line


def test_sql_says_it_leaves_outputs_to_tier_eval(tmp_path):
    program, _ = _files(tmp_path)
    sql = compile_sql(load_program(program).program, "duckdb").sql()
    assert "-- not in this query: the program's outputs (partner.fee, partner.funds, partner.per_point); tier eval writes them" in sql
