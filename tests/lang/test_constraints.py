"""Input constraints: checked on every row (TL416), refused when not about the data (TL237),
respected by explain and the witness search."""

from __future__ import annotations

import textwrap
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.cli.cli_helpers import run
from tierlang import ir, load_program
from tierlang.data import DataLoadError, from_frame
from tierlang.engine.explain import explain_partner, render_text
from tierlang.passes.constraints import broken

PROGRAM = """
program c {
  version "1"
}

metric certified "Certified professionals": count
metric gold_mcps "Unique gold MCPs": count
metric share "Share": percent { range 0..100 }

constraint gold_within "Unique gold MCPs within certified": gold_mcps <= certified { source "S3" }
constraint half: not (2 * share > 100 and gold_mcps == 0)

track comp {
  level silver {
    require certified >= 2
  }
  level gold {
    require gold_mcps >= 4
  }
}
"""


def _program(tmp_path):
    path = tmp_path / "c.tier"
    path.write_text(textwrap.dedent(PROGRAM).lstrip(), encoding="utf-8")
    return path


def test_rows_that_break_a_constraint_are_data_errors(tmp_path):
    path = _program(tmp_path)
    prog = load_program(path).program
    frame = pl.DataFrame(
        {"partner_id": ["a", "b", "c"], "certified": ["5", "3", "4"], "gold_mcps": ["3", "5", "0"], "share": ["10", "0", "50.5"]}
    )
    with pytest.raises(DataLoadError) as e:
        from_frame(frame, prog)
    errors = [(d.code, d.row, d.column) for d in e.value.errors]
    assert errors == [("TL416", 2, "certified"), ("TL416", 3, "gold_mcps")]
    assert (
        "breaks the constraint 'gold_within' (Unique gold MCPs within certified): certified is 3, gold_mcps is 5"
        in e.value.errors[0].message
    )
    ds = from_frame(frame, prog, on_error="report")
    assert ds.partner_ids == ["a"] and ds.rejects is not None and ds.rejects.height == 2


def test_eval_cli(tmp_path):
    path = _program(tmp_path)
    data = tmp_path / "d.csv"
    data.write_text("partner_id,certified,gold_mcps,share\na,5,3,0\nb,3,5,0\n", encoding="utf-8")
    result = run("eval", str(path), str(data))
    assert result.exit_code == 2 and "error[TL416]: row 3, column 'certified'" in result.stderr


def test_constraints_must_be_about_the_data(tmp_path):
    base = 'program p {{ version "1" }}\nmetric a: count\nmetric b: count\nflag: metric f: bool\n{decl}\ntrack t {{ score s {{ x: points a }} level l }}\n'
    cases = {
        "constraint k: min(a, b) <= 10": "TL237",
        "constraint k: s >= 1": "TL200",
        "constraint k: t": "TL237",
        "constraint k: 1 <= 2": "TL237",
    }
    for decl, code in cases.items():
        path = tmp_path / "p.tier"
        path.write_text(base.replace("flag: metric f: bool\n", "").format(decl=decl), encoding="utf-8")
        codes = [d.code for d in load_program(path).diagnostics if d.is_error]
        assert codes == [code], (decl, codes)


def test_explain_proposes_only_changes_that_keep_every_constraint(tmp_path):
    prog = load_program(_program(tmp_path)).program
    ok = render_text(explain_partner(prog, {"certified": Fraction(5), "gold_mcps": Fraction(3), "share": Fraction(0)}), prog)
    assert "Smallest change: +1 Unique gold MCP →" in ok and "constraint" not in ok
    # one more gold MCP alone would break gold_within: the plan adds a certified professional
    both = explain_partner(prog, {"certified": Fraction(3), "gold_mcps": Fraction(3), "share": Fraction(0)})
    text = render_text(both, prog)
    assert "to keep the constraint 'gold_within' (Unique gold MCPs within certified), Certified professionals must change as well" in text
    assert "Smallest change: +1 Unique gold MCP and +1 Certified professional → gold_mcps >= 4 holds" in text
    (plan,) = both[0].missing[0].plans
    after = {"certified": Fraction(3), "share": Fraction(0)} | {c.metric: c.new for c in plan.changes}
    assert after == {"certified": Fraction(4), "gold_mcps": Fraction(4), "share": Fraction(0)} and broken(prog, after) == []
    assert broken(prog, {"certified": Fraction(3), "gold_mcps": Fraction(4), "share": Fraction(0)})[0].name == "gold_within"
    assert broken(prog, {"certified": Fraction(3), "gold_mcps": Fraction(0), "share": Fraction(51)})[0].name == "half"
    assert broken(prog, {"certified": Fraction(3), "gold_mcps": Fraction(0), "share": Fraction(50)}) == []


def test_a_change_no_constraint_allows_is_not_proposed(tmp_path):
    # certified is capped by its range: gold_within cannot be kept by raising it
    prog = load_program(
        tmp_path / "c.tier", text=PROGRAM.replace('"Certified professionals": count', '"Certified professionals": count { range 0..3 }')
    ).program
    stuck = render_text(explain_partner(prog, {"certified": Fraction(3), "gold_mcps": Fraction(3), "share": Fraction(0)}), prog)
    assert "Smallest change" not in stuck
    assert "a change that breaks the constraint 'gold_within' (Unique gold MCPs within certified) is not proposed" in stuck


@given(
    st.integers(0, 6),
    st.integers(0, 6),
    st.integers(0, 6),
    st.sampled_from(["<=", "<", ">=", ">", "=="]),
    st.integers(-3, 3),
)
def test_repair_keeps_the_constraints_and_moves_only_free_metrics(a, b, c, op, k):
    from tierlang.passes.constraints import repair

    text = (
        'program r { version "1" }\nmetric a: count\nmetric b: count\nmetric c: number\n'
        f"constraint one: a + {k} {op} b\nconstraint two: b <= 2 * c + 1\ntrack t {{ level l {{ require a >= 0 }} }}\n"
    )
    prog = load_program("r.tier", text=text).program
    values = {"a": Fraction(a), "b": Fraction(b), "c": Fraction(c)}
    got = repair(prog, values, {"a"})
    # b can always rise (c follows it), and fall to a + k - 1 when that is a count
    if op in ("<=", "<") or a + k >= 1:
        assert got is not None
    if got is not None:
        assert broken(prog, got) == [] and got["a"] == a
        assert all(isinstance(v, Fraction) and v >= 0 for v in (got["a"], got["b"])) and got["b"].denominator == 1


_FRACTIONS = st.one_of(st.none(), st.integers(-40, 40).map(Fraction), st.fractions(min_value=-40, max_value=40, max_denominator=12))


@given(
    st.lists(st.fractions(min_value=-5, max_value=5, max_denominator=6), min_size=3, max_size=3),
    st.sampled_from(["<=", "<", ">=", ">", "==", "!="]),
    st.fixed_dictionaries({"a": _FRACTIONS, "b": _FRACTIONS, "c": _FRACTIONS}),
    st.sets(st.sampled_from(["a", "b", "c"])),
    st.fixed_dictionaries({"a": _FRACTIONS, "b": _FRACTIONS, "c": _FRACTIONS}),
)
def test_broken_is_exact_whole_or_not_and_when_told_what_changed(coefs, op, before, changed, moved):
    # the check runs in integers when every value is whole, in Fractions otherwise: both
    # against the sum written out here; and with `changed`, the same answer as a full check
    from tierlang.passes.constraints import linear

    x, y, z = (f"({c.numerator} / {c.denominator})" for c in coefs)
    text = (
        'program r { version "1" }\nmetric a: number\nmetric b: number\nmetric c: number\n'
        f"constraint one: {x} * a + 1 / 3 {op} {y} * b - {z} * c\nconstraint two: a <= 2 * b + 1 / 4\n"
        "constraint three: c >= 0 or a == 1\ntrack t { level l { require a >= 0 } }\n"
    )
    prog = load_program("r.tier", text=text).program
    assert prog is not None

    def holds(e, vals):
        if isinstance(e, (ir.And, ir.Or)):
            kids = [holds(k, vals) for k in e.items]
            win = isinstance(e, ir.Or)
            return win if win in kids else None if None in kids else not win
        (lc, lk), (rc, rk) = linear(e.left, prog.metric_map), linear(e.right, prog.metric_map)
        if any(vals[n] is None for n in (*lc, *rc)):
            return None
        left = lk + sum(v * vals[n] for n, v in lc.items())
        right = rk + sum(v * vals[n] for n, v in rc.items())
        return {"<=": left <= right, "<": left < right, ">=": left >= right, ">": left > right, "==": left == right, "!=": left != right}[
            e.op
        ]

    after = {**before, **{n: moved[n] for n in changed}}
    for vals in (before, after):
        assert broken(prog, vals) == [c for c in prog.constraints if holds(c.expr, vals) is False]
    assert broken(prog, after, changed, broken(prog, before)) == broken(prog, after)


def test_format_round_trip(tmp_path):
    assert run("fmt", "--check", str(_program(tmp_path))).exit_code == 0


def test_the_guide_lists_the_constraints(tmp_path):
    from tierlang.render.guide import render_guide

    md = render_guide(load_program(_program(tmp_path)).program, audience="reviewer")
    assert "Every row must also meet these constraints between its columns" in md
    assert "| Unique gold MCPs within certified (`gold_within`) | Unique gold MCPs is at most Certified professionals |  | S3 |" in md


@pytest.mark.parametrize(
    ("program", "values", "constraint"),
    [
        ("mspp2009", {"csat_responses_12m": "10", "csat_max_responses_one_customer": "30"}, "one_customer_within"),
        ("mspp2009", {"exclusive_certified_professionals": "2", "certified_individuals_3pt": "1"}, "exclusive_within"),
        ("mpn2010", {"desktop_gold_unique_mcps": "5", "desktop_certified_professionals": "4"}, "desktop_unique_within"),
    ],
)
def test_shipped_programs_refuse_impossible_data(program, values, constraint):
    # issue 14: more unique gold MCPs than certified professionals was awarded gold; more CSAT
    # responses from one customer than in total gave a negative countable figure
    from tests.conftest import ROOT

    prog = load_program(ROOT / "programs" / f"{program}.tier").program
    row = {"partner_id": "P"} | {m.column: "false" if m.type.kind is ir.Kind.BOOL else "0" for m in prog.input_metrics if m.column}
    row.update(values)
    with pytest.raises(DataLoadError) as e:
        from_frame(pl.DataFrame({k: [v] for k, v in row.items()}), prog)
    assert [d.code for d in e.value.errors] == ["TL416"] and f"'{constraint}'" in e.value.errors[0].message


def test_tier_test_fails_an_example_that_breaks_a_constraint(tmp_path):
    path = _program(tmp_path)
    examples = (
        "\nexample fine {\n  given { certified = 5, gold_mcps = 4, share = 0 }\n  expect comp = gold\n}\n"
        '\nexample impossible "More gold MCPs than certified" {\n  given { certified = 3, gold_mcps = 5, share = 0 }\n'
        "  expect comp = gold\n}\n"
    )
    path.write_text(path.read_text() + examples, encoding="utf-8")
    result = run("test", str(path))
    assert result.exit_code == 1
    assert 'example impossible "More gold MCPs than certified"' in result.stdout
    assert (
        "error: its values break the constraint 'gold_within' (Unique gold MCPs within certified): certified is 3, gold_mcps is 5"
        in result.stdout
    )
    assert "1 passed, 1 failed" in result.stdout


def test_sql_queries_check_the_constraints(tmp_path):
    import duckdb

    from tierlang.engine.sql import compile_sql

    prog = load_program(_program(tmp_path)).program
    for dialect in ("duckdb", "postgres", "spark", "bigquery", "snowflake", "tsql"):
        assert "TL416" in compile_sql(prog, dialect).sql(), dialect
    con = duckdb.connect()
    con.execute("CREATE TABLE partners (partner_id TEXT, certified INTEGER, gold_mcps INTEGER, share DOUBLE)")
    con.execute("INSERT INTO partners VALUES ('a', 5, 3, 10), ('b', 3, 5, 0)")
    query = compile_sql(prog, "duckdb").sql()
    with pytest.raises(duckdb.Error) as e:
        con.execute(query).fetchall()
    assert (
        "tier: TL416 table partners, partner_id 'b', column certified: breaks the constraint 'gold_within' "
        "(Unique gold MCPs within certified): certified is 3, gold_mcps is 5" in str(e.value)
    )
    # `half` reads a decimal: exact at the column's scale (50.5% of 2 is above 100)
    con.execute("UPDATE partners SET gold_mcps = 0, share = 50.5 WHERE partner_id = 'b'")
    with pytest.raises(duckdb.Error, match=r"column gold_mcps: breaks the constraint 'half': gold_mcps is 0, share is 50500000/1000000"):
        con.execute(query).fetchall()
    con.execute("UPDATE partners SET share = 50 WHERE partner_id = 'b'")
    assert sorted(con.execute(query).fetchall()) == [("a", "comp", "silver", None), ("b", "comp", "silver", None)]


def test_tier_eval_db_stops_at_a_row_that_breaks_a_constraint(postgres, tmp_path):
    import subprocess
    import sys

    psycopg = pytest.importorskip("psycopg")
    path = _program(tmp_path)
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS constrained")
        conn.execute("CREATE TABLE constrained (partner_id TEXT, certified INTEGER, gold_mcps INTEGER, share NUMERIC(5, 2))")
        conn.execute("INSERT INTO constrained VALUES ('a', 5, 3, 10), ('b', 3, 5, 0)")
    args = [sys.executable, "-m", "tierlang", "eval", str(path), "--db", postgres.url, "--table", "partners=constrained"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "error[TL416]" in out.stderr and "partner_id 'b', column 'certified': breaks the constraint 'gold_within'" in out.stderr


def test_a_constraint_cannot_read_a_records_metric(tmp_path):
    text = (
        'program r { version "1" effective 2024-01-01 }\n'
        'table certified "Certified people" {\n  column person_id: text\n}\n'
        "metric people: count = count distinct person_id of certified\n"
        "metric gold: count\n"
        "constraint gold_within: gold <= people\n"
        "track spec { level member { require people >= 1 and gold >= 0 } }\n"
    )
    (d,) = [d for d in load_program(tmp_path / "r.tier", text=text).diagnostics if d.is_error]
    assert d.code == "TL237" and "reads 'people', which is computed from related tables" in d.message


def test_diff_checks_both_programs_constraints_on_one_read(tmp_path):
    # mspp2009 -> mpn2010 reads the file once for both: each program's constraints are kept
    # (a constraint over metrics one read lacks crashed the diff)
    from tests.conftest import ROOT

    frame = pl.read_csv(ROOT / "examples" / "partners.csv", infer_schema_length=0)
    path = tmp_path / "p.csv"
    frame.write_csv(path)
    ok = run("diff", str(ROOT / "programs" / "mspp2009.tier"), str(ROOT / "programs" / "mpn2010.tier"), "--data", str(path))
    assert ok.exit_code == 0, ok.output
    bad = frame.with_columns(
        pl.when(pl.col("partner_id") == frame["partner_id"][0])
        .then(pl.lit("99"))
        .otherwise(pl.col("desktop_gold_unique_mcps"))
        .alias("desktop_gold_unique_mcps")
    )
    bad.write_csv(path)
    result = run("diff", str(ROOT / "programs" / "mspp2009.tier"), str(ROOT / "programs" / "mpn2010.tier"), "--data", str(path))
    assert result.exit_code == 2 and "TL416" in result.stderr and "desktop_unique_within" in result.stderr


def test_a_parents_constraint_over_metrics_a_child_counts_from_records_is_dropped():
    # mpn2010-records.tier restates mpn2010's people counts from records; mpn2010's constraints
    # over them (unique gold within certified) have nothing left to check, and are not errors.
    from tests.conftest import PROGRAMS
    from tierlang import load_program

    result = load_program(PROGRAMS / "mpn2010-records.tier")
    assert result.program is not None, [d.message for d in result.diagnostics]
    assert not [d for d in result.diagnostics if d.code == "TL237"]
