"""Undecided requirements (`unknown`, `discretionary`, `by invitation`): three-valued
conditions, the `undecided` column of tier eval, explain, the guide, the diff and SQL."""

from __future__ import annotations

import json
from fractions import Fraction

import duckdb
import polars as pl
import pytest

from tests.cli.cli_helpers import run
from tests.engine.engine_helpers import write_case
from tierlang import load_program
from tierlang.data import from_frame
from tierlang.diff.structural import structural_diff
from tierlang.engine import evaluate_dataset
from tierlang.engine.explain import explain_partner, render_text
from tierlang.engine.interpreter import all3, any3, at_least3
from tierlang.engine.sql import Unsupported, compile_sql
from tierlang.render.guide import render_guide

PROGRAM = """
program und {
  version "1"
}

metric revenue "Revenue": money USD
metric certified "Certified people": count

track status "Status" {
  level member
  level gold {
    require revenue >= 1_000_000
    require discretionary "Microsoft reserves the right to decline (S7)"
  }
  level platinum {
    require certified >= 10
    require by invitation
  }
}

track elite "Elite" {
  level yes {
    require status at gold
  }
}

track either "Either" {
  level one {
    require any { certified >= 20, unknown "not in any source" }
  }
  level two {
    require at least 2 of { certified >= 5, revenue >= 10, not unknown }
  }
}
"""

# a: gold decided by revenue? no: discretionary stays open -> member, undecided platinum
DATA = "partner_id,revenue,certified\na,2000000,12\nb,500000,12\nc,2000000,3\nd,0,25\n"


def _files(tmp_path):
    return write_case(tmp_path, "und", PROGRAM, DATA)


def _dataset(prog):
    frame = pl.read_csv(DATA.encode(), schema_overrides={"revenue": pl.String, "certified": pl.String})
    return from_frame(frame, prog)


def test_kleene_logic():
    assert all3([True, None]) is None and all3([None, False]) is False and all3([True]) is True
    assert any3([False, None]) is None and any3([None, True]) is True and any3([False]) is False
    assert at_least3([True, None, False], 1) is True
    assert at_least3([True, None, False], 2) is None
    assert at_least3([True, None, False], 3) is False


def test_levels_held_for_certain_and_undecided_in_every_engine(tmp_path):
    program, _ = _files(tmp_path)
    prog = load_program(program).program
    ds = _dataset(prog)
    a, b = (evaluate_dataset(prog, ds, engine=e) for e in ("interpreter", "vectorized"))
    assert a.long().equals(b.long())
    got = {(p, t): (b.level(p, t), b.undecided_level(p, t)) for p in "abcd" for t in ("status", "elite", "either")}
    # a meets revenue and certified: gold and platinum wait on the vendor; the highest is named
    assert got["a", "status"] == ("member", "platinum")
    # b fails revenue: gold is decided (no), and platinum needs gold (cumulative)
    assert got["b", "status"] == ("member", None)
    assert got["c", "status"] == ("member", "gold")
    # a track that reads an undecided level is undecided in turn
    assert got["a", "elite"] == (None, "yes") and got["b", "elite"] == (None, None)
    # any { true, unknown } holds; at least 2 of { true, false, not unknown } is undecided
    assert got["d", "either"] == ("one", "two")
    # any { false, unknown } is undecided, and two (cumulative) stands on it
    assert got["c", "either"] == (None, "two")
    assert got["a", "either"] == (None, "two")


def test_sql_writes_the_same_undecided_column(tmp_path):
    program, data = _files(tmp_path)
    prog = load_program(program).program
    query = compile_sql(prog, "duckdb")
    assert "-- reads the table partners; returns partner_id, track, level, score, undecided" in query.sql()
    con = duckdb.connect()
    con.execute(f"CREATE TABLE partners AS SELECT * FROM read_csv('{data}', all_varchar = true)")
    rows = {(r[0], r[1]): (r[2], r[4]) for r in con.execute(query.sql()).fetchall()}
    ev = evaluate_dataset(prog, _dataset(prog), engine="interpreter")
    assert rows == {(p, t): (ev.level(p, t), ev.undecided_level(p, t)) for p in "abcd" for t in ("status", "elite", "either")}
    with pytest.raises(Unsupported, match="no Boolean values"):
        compile_sql(prog, "tsql")


def test_a_folded_undecided_condition_keeps_the_column_in_every_engine(tmp_path):
    # any { true, unknown } is true: the compiler folds the unknown away, the column stays
    path = tmp_path / "f.tier"
    path.write_text(
        'program f { version "1" }\nmetric m: count\ntrack t { level l { require any { m >= 0, unknown } } }\n', encoding="utf-8"
    )
    prog = load_program(path).program
    ds = from_frame(pl.DataFrame({"partner_id": ["P"], "m": ["0"]}), prog)
    a, b = (evaluate_dataset(prog, ds, engine=e) for e in ("interpreter", "vectorized"))
    assert a.long().equals(b.long()) and a.long()["undecided"].to_list() == [None]


def test_eval_writes_undecided_after_the_four_columns(tmp_path):
    program, data = _files(tmp_path)
    out = tmp_path / "r.csv"
    result = run("eval", str(program), str(data), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "partner_id,track,level,score,undecided"
    assert "a,status,member,,platinum" in lines and "b,status,member,," in lines and "a,elite,,,yes" in lines
    gaps = run("eval", str(program), str(data), "--gaps", "-o", str(out))
    assert gaps.exit_code == 0, gaps.stderr
    assert (
        'c,status,member,,gold,gold,,0,"discretionary ""Microsoft reserves the right to decline (S7)"" (cannot be decided from data)"'
        in (out.read_text().splitlines())
    )
    bare = tmp_path / "bare.tier"
    bare.write_text('program bare { version "1" }\nmetric certified: count\ntrack t { level l { require certified >= 1 } }\n')
    assert run("eval", str(bare), str(data), "-o", str(out)).exit_code == 0
    assert out.read_text().splitlines()[0] == "partner_id,track,level,score"


def test_explain_says_what_no_data_decides(tmp_path):
    program, _ = _files(tmp_path)
    prog = load_program(program).program
    xs = explain_partner(prog, {"revenue": Fraction(2_000_000), "certified": Fraction(12)}, partner_id="a")
    text = render_text(xs, prog, "a")
    assert "Status: holds member\n  platinum: cannot be decided from data (the partner may hold it)" in text
    assert '? discretionary "Microsoft reserves the right to decline (S7)"' in text
    assert "cannot be decided from data: at the vendor's discretion — Microsoft reserves the right to decline (S7)" in text
    assert "gold cannot be decided from data" in text
    data = xs[0].to_data(prog)
    assert data["undecided"] == "platinum" and data["missing"][0]["undecided"] is True and data["missing"][0]["plans"] == []
    result = run("explain", str(program), str(tmp_path / "und.csv"), "--partner", "c", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert '"undecided": "gold"' in result.stdout


def test_guide_and_diff(tmp_path):
    program, _ = _files(tmp_path)
    prog = load_program(program).program
    md = render_guide(prog)
    assert "at the vendor's discretion — Microsoft reserves the right to decline (S7) (cannot be decided from data)" in md
    assert "by invitation (cannot be decided from data)" in md
    old = tmp_path / "old.tier"
    old.write_text(program.read_text().replace('discretionary "Microsoft reserves the right to decline (S7)"', "false"), encoding="utf-8")
    (c,) = structural_diff(load_program(old).program, prog)
    assert "false → discretionary" in c.describe() or "false to discretionary" in c.describe(), c.describe()
    result = run("diff", str(old), str(program), "--data", str(tmp_path / "und.csv"), "--format", "json")
    assert result.exit_code == 0, result.stderr
    notes = " ".join(json.loads(result.stdout)["impact"]["data"]["notes"])
    assert "Status (new program): 2 partners may hold a higher level that no data decides" in notes


def test_only_requirements_may_depend_on_an_undecided_condition(tmp_path):
    base = 'program p {{ version "1" }}\nmetric m: count\n{decl}\n'
    cases = {
        "track t { score s { a: points 1 when unknown } level l }": "TL236",
        "gate g: discretionary\ntrack t { score s { a: points 1 when g } level l }": "TL236",
        "track t { level l { require unknown } }\ntrack u { choose a when t else b variant a { level x } variant b { level x } }": "TL236",
        "track t { level l { require unknown } }\ntable k: number { by t\n none: 0\n l: 1 }\ntrack u { output o: number = k level x }": "TL236",
    }
    for decl, code in cases.items():
        path = tmp_path / "p.tier"
        path.write_text(base.format(decl=decl), encoding="utf-8")
        codes = [d.code for d in load_program(path).diagnostics if d.is_error]
        assert codes == [code], (decl, codes)


def test_format_round_trip(tmp_path):
    program, _ = _files(tmp_path)
    result = run("fmt", "--check", str(program))
    assert result.exit_code == 0, result.stdout + result.stderr


def test_check_no_false_ladder_warning(tmp_path):
    program, _ = _files(tmp_path)
    result = run("check", "--strict", "--format", "json", str(program))
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout) == [], result.stdout


RECORDS_PROGRAM = """
program r { version "1" effective 2024-01-01 }

table certified "Certified people" {
  column person_id: text
  column certification: text
}

metric people "Certified people": count = count distinct person_id of certified

track spec "Specialization" {
  level member { require people >= 1 }
  level gold {
    require people >= 2
    require discretionary "the vendor reviews each application"
  }
}
"""


def test_undecided_requirements_in_a_records_program(tmp_path):
    # every engine, DuckDB included, agrees on a records program with an undecided requirement
    program = tmp_path / "r.tier"
    program.write_text(RECORDS_PROGRAM.lstrip(), encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "partners.csv").write_text("partner_id\nA\nB\nC\n", encoding="utf-8")
    (data / "certified.csv").write_text("partner_id,person_id,certification\nA,p1,x\nA,p2,y\nB,p3,x\n", encoding="utf-8")
    outs = []
    for engine in ("interpreter", "vectorized", "duckdb"):
        out = tmp_path / f"{engine}.csv"
        result = run("eval", str(program), str(data), "--as-of", "2024-06-01", "--engine", engine, "-o", str(out))
        assert result.exit_code == 0, result.stderr
        outs.append(out.read_text())
    assert outs[0] == outs[1] == outs[2]  # the SQL engines compute records metrics too
    assert outs[0].splitlines() == ["partner_id,track,level,score,undecided", "A,spec,member,,gold", "B,spec,member,,", "C,spec,,,"]
