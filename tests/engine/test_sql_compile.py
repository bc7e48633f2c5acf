"""`tier compile --emit sql`: golden SQL per dialect (each parsed back by sqlglot), names that
try to inject SQL, the options' errors, and refusals."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
import sqlglot

from tests.cli.cli_helpers import run
from tests.conftest import check_golden
from tests.engine.engine_helpers import FIXTURES, load_text
from tests.engine.sql_helpers import ONE_SCORED_BEST, load_table, run_long, sorted_long
from tierlang.engine import evaluate
from tierlang.engine.sql import DIALECTS, Unsupported, compile_sql
from tierlang.loader import load_program

GOLDEN = Path(__file__).resolve().parent / "golden_sql"
PROGRAM = str(FIXTURES / "designations.tier")


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_golden_sql_per_dialect(dialect):
    out = run("compile", "--emit", "sql", "--dialect", dialect, PROGRAM)
    assert out.exit_code == 0, out.stderr
    # the content hash changes whenever the IR gains a field: not this test's concern
    text = re.sub(r"sha256:[0-9a-f]{12}", "sha256:...", out.stdout)
    check_golden(GOLDEN / f"designations.{dialect}.sql", text)
    statements = sqlglot.parse(out.stdout, read=DIALECTS[dialect].sqlglot)
    assert len([s for s in statements if s is not None]) == 1


def test_view_wraps_the_query():
    out = run("compile", "--emit", "sql", "--view", "analytics.tier_results", PROGRAM)
    assert out.exit_code == 0, out.stderr
    (stmt,) = [s for s in sqlglot.parse(out.stdout, read="duckdb") if s is not None]
    assert isinstance(stmt, sqlglot.exp.Create) and stmt.args["kind"] == "VIEW"
    assert stmt.this.sql("duckdb") == '"analytics"."tier_results"'
    con = duckdb.connect()
    con.execute("CREATE SCHEMA analytics")
    load_table(
        con,
        load_text(Path(PROGRAM).read_text()),
        {
            "partner_id": ["a"],
            "experts": ["2"],
            "adds": ["1"],
            "certified": ["3"],
            "growth": ["1.5"],
            "deployments": ["2"],
            "acr": ["10"],
            "workloads": ["1"],
            "tier": ["gold"],
            "audited": ["true"],
        },
        "text",
    )
    con.execute(out.stdout)
    assert con.execute("SELECT count(*) FROM analytics.tier_results").fetchone() == (len(load_text(Path(PROGRAM).read_text()).tracks),)


def test_table_option_reads_another_table():
    out = run("compile", "--emit", "sql", "--table", "partners=crm.partners_2024", PROGRAM)
    assert out.exit_code == 0, out.stderr
    assert '"crm"."partners_2024"' in out.stdout and 'FROM "partners"' not in out.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--dialect", "postgres"], "--dialect only goes with --emit sql"),
        (["--emit", "sql", "--table", "partners"], "expected NAME=TABLE"),
        (["--emit", "sql", "--table", "people=x"], "reads no table 'people'"),
        (["--emit", "sql", "--table", "partners=a..b"], "is not a table name"),
        (["--emit", "sql", "--view", "x\ny"], "control characters"),
        (["--emit", "sql", "--decimals", "19"], "19 is not in the range 0<=x<=18"),
        (["--emit", "sql", "--dialect", "oracle"], "'oracle' is not one of"),
    ],
)
def test_usage_errors(args, message):
    out = run("compile", *args, PROGRAM)
    assert out.exit_code == 2
    assert message in out.stderr


HOSTILE = """
program hostile "x" {
  version "1\\n; DROP TABLE partners; -- */ evil"
  effective 2022-01-01
}
metric n "n": count { column "n\\"; DROP TABLE partners; --" }
metric v "v": number { column "v'); DROP TABLE partners; --" }
track t "t" {
  score s { a: points 10 * clamp(n / 3)  b: points 5 * clamp(v / 7) }
  level ok "ok" { require s >= 5 }
}
"""


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_hostile_names_stay_names(dialect):
    """Column names, a version string and table and view names that try to break out of their
    quotes or comments are quoted by sqlglot: the text parses back as one statement, and the
    names reach the tree as identifiers."""
    prog = load_text(HOSTILE)
    text = compile_sql(prog, dialect, table='p"; DROP TABLE x; --', view="v`]; DROP TABLE y").sql()
    statements = [s for s in sqlglot.parse(text, read=DIALECTS[dialect].sqlglot) if s is not None]
    assert len(statements) == 1
    names = {c.name for c in statements[0].find_all(sqlglot.exp.Column)}
    assert 'n"; DROP TABLE partners; --' in names and "v'); DROP TABLE partners; --" in names
    assert not any(isinstance(s, sqlglot.exp.Drop) for s in statements[0].walk())


def test_hostile_names_run_in_duckdb():
    prog = load_text(HOSTILE)
    data = {"partner_id": ["a", "b'; --"], 'n"; DROP TABLE partners; --': ["3", "1"], "v'); DROP TABLE partners; --": ["7", "0.5"]}
    con = duckdb.connect()
    load_table(con, prog, data, "text")
    got = run_long(con, compile_sql(prog, "duckdb").sql())
    assert got["level"].to_list() == [None, "ok"] or got.sort("partner_id")["level"].to_list() == ["ok", None]
    assert con.execute("SELECT count(*) FROM partners").fetchone() == (2,)
    import polars as pl

    expected = sorted_long(evaluate(prog, pl.DataFrame(data), engine="interpreter"))
    assert got.equals(expected)


def test_constants_too_large_for_a_dialect_are_refused():
    prog = load_text(
        """
program big { version "1" effective 2022-01-01 }
metric n: count
track t { score s { a: points n * 100000000000000000000000000000000000000000 } level l { require s >= 1 } }
"""
    )
    with pytest.raises(Unsupported, match="cannot be evaluated exactly in duckdb"):
        compile_sql(prog, "duckdb")
    assert "AS DECIMAL)" in compile_sql(prog, "postgres").sql()  # PostgreSQL's unbounded NUMERIC has room


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_greatest_and_least_of_one_value_are_the_value(dialect):
    """`choose best` with one scored variant: no GREATEST of one argument (Spark refuses it)."""
    tree = compile_sql(load_text(ONE_SCORED_BEST), dialect).tree
    calls = list(tree.find_all(sqlglot.exp.Greatest, sqlglot.exp.Least))
    assert calls and all(c.expressions for c in calls)


def test_duckdb_rule_ctes_are_fused():
    """DuckDB's query writes a column read once into its reader (its source line kept as a
    comment) and lays the rest out by level: the Cloud Partner Program's ~80 CTEs of rules
    become about a dozen, and every column still computed is read after it."""
    prog = load_program(Path(__file__).resolve().parents[2] / "programs" / "cloudpartner2022.tier").program
    duck = sqlglot.parse_one(compile_sql(prog, "duckdb").sql(), read="duckdb")
    postgres = sqlglot.parse_one(compile_sql(prog, "postgres").sql(), read="postgres")
    ctes = [c.alias for c in duck.find(sqlglot.exp.With).expressions]
    assert len(ctes) <= 16 < len(postgres.find(sqlglot.exp.With).expressions), ctes
    assert ctes[:3] == ["partners_read", "partners_checked", "rules_1"] and ctes[-1] == "results"
    assert re.search(r"\) /\* cloudpartner2022.tier:\d+ \*/", compile_sql(prog, "duckdb").sql())  # an inlined rule keeps its line
    # an inlined column is not computed on its own: fewer named columns than the other layouts
    named = {a.alias for a in duck.find_all(sqlglot.exp.Alias)}
    assert "cat_data_ai_capability_performance" not in named  # a copy of the points line
    assert "cat_data_ai_capability_performance" in {a.alias for a in postgres.find_all(sqlglot.exp.Alias)}
