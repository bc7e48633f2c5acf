"""Differential property tests for the SQL backend: the compiled query, run by DuckDB on a
table typed the way a loader types it (text, binary floats, decimals, DuckDB's inference),
returns exactly the interpreter's levels and score texts, for generated programs and
boundary data (tests/engine/strategies.py)."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlglot import exp

from tests.engine.engine_helpers import load_text
from tests.engine.sql_helpers import (
    HUGE_KEYS,
    HUGE_KEYS_DATA,
    HUGE_KEYS_READ_DATA,
    LAYOUTS,
    LITERAL_POINTS,
    LITERAL_POINTS_DATA,
    ONE_SCORED_BEST,
    ONE_SCORED_BEST_DATA,
    load_table,
    run_long,
    sorted_long,
)
from tests.engine.strategies import programs_with_data
from tierlang.data import from_frame
from tierlang.engine import evaluate_dataset
from tierlang.engine.sql import DIALECTS, compile_sql
from tierlang.engine.sql.backend import literal_only


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    yield c
    c.close()


def _reference(prog, data):
    frame = pl.DataFrame(data, schema={c: pl.String for c in data})
    return sorted_long(evaluate_dataset(prog, from_frame(frame, prog), engine="interpreter"))


@settings(max_examples=60, deadline=None)
@given(programs_with_data(max_rows=12), st.sampled_from(LAYOUTS))
def test_duckdb_raw_query_agrees_with_the_interpreter(con, case, layout):
    text, data = case
    prog = load_text(text)
    expected = _reference(prog, data)
    load_table(con, prog, data, layout)
    got = run_long(con, compile_sql(prog, "duckdb").sql())
    assert got.equals(expected), f"{layout}\n{text}\n{got}\n{expected}"


DATES = """
program dated { version "1" effective 2024-03-31 }
param validity = 12 months
param grace = 30 days
metric approved_on: date
metric renewed_on: date { default 2020-01-01 }
metric tier: enum(bronze < silver < gold) { default "bronze" }
metric audited: bool { default false }
track t {
  level valid { require approved_on + validity > as_of }
  level renewed { require renewed_on >= as_of - 1 month - grace or (audited and tier >= silver) }
}
"""


@pytest.mark.parametrize("layout", ["text", "inferred"])
def test_dates_enums_and_booleans(con, layout):
    """Date arithmetic at month ends (2024-02-29 + 12 months is 2025-02-28), enum order and
    Booleans, against the interpreter."""
    prog = load_text(DATES)
    days = ["2023-03-31", "2023-04-01", "2023-02-28", "2024-02-29", "2023-03-30", "2024-01-31", "2024-02-01", None]
    data = {
        "partner_id": [f"P{i}" for i in range(len(days))],
        "approved_on": ["2023-03-31", "2023-04-01", "2023-03-30", "2024-02-29", "2023-02-28", "2023-05-15", "2024-03-31", "2022-01-01"],
        "renewed_on": days,
        "tier": ["gold", "silver", "bronze", None, "gold", "bronze", "silver", "gold"],
        "audited": ["true", "false", "TRUE", None, "true", "false", "true", "false"],
    }
    load_table(con, prog, data, layout)
    got = run_long(con, compile_sql(prog, "duckdb").sql())
    assert got.equals(_reference(prog, data)), got


def _engines(text, data, engine):
    prog = load_text(text)
    ds = from_frame(pl.DataFrame(data, schema={c: pl.String for c in data}), prog)
    return evaluate_dataset(prog, ds, engine="interpreter", detail=True), evaluate_dataset(prog, ds, engine=engine, detail=True)


@settings(max_examples=40, deadline=None)
@given(programs_with_data(max_rows=12))
def test_duckdb_engine_agrees_with_the_interpreter(case):
    """`tier eval --engine duckdb`: levels, exact scores, chosen variants and every
    requirement's outcome."""
    text, data = case
    a, b = _engines(text, data, "duckdb")
    assert b.engine == "duckdb"
    assert list(a.rows()) == list(b.rows()), text
    assert a.long().equals(b.long()), text
    assert a.variants.equals(b.variants), text
    assert a.detail.equals(b.detail), text


@settings(max_examples=15, deadline=None)
@given(programs_with_data(max_rows=8, big=True))
def test_duckdb_engine_agrees_on_huge_values(case):
    """128-bit arithmetic, and past it the interpreter for the rows that need it."""
    text, data = case
    a, b = _engines(text, data, "duckdb")
    assert list(a.rows()) == list(b.rows()), text
    assert a.long().equals(b.long()), text
    assert a.detail.equals(b.detail), text


def _arithmetic_on_literals_only(tree: exp.Expression) -> list[str]:
    """Sums, differences and products whose operands are both built from literals alone."""
    return [node.sql() for node in tree.find_all(exp.Add, exp.Sub, exp.Mul) if literal_only(node.this) and literal_only(node.expression)]


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_points_from_literals_take_the_working_type_in_every_dialect(dialect):
    """No operation of the compiled query leaves the working type to a database's typing of
    bare literals (INTEGER in DuckDB, PostgreSQL, Spark and T-SQL), and no column computed
    from literals alone is stored as one."""
    q = compile_sql(load_text(LITERAL_POINTS), dialect)
    assert _arithmetic_on_literals_only(q.tree) == []
    columns = [a for a in q.tree.find_all(exp.Alias) if a.alias.startswith(("line_", "score_"))]
    assert columns and all(not literal_only(a.this) for a in columns)
    # the query still parses back in its own dialect
    assert sqlglot.parse_one(q.sql(), read=DIALECTS[dialect].sqlglot) is not None


@pytest.mark.parametrize("layout", LAYOUTS)
def test_points_from_literals_times_large_scales_in_duckdb(con, layout):
    prog = load_text(LITERAL_POINTS)
    data = LITERAL_POINTS_DATA
    load_table(con, prog, data, layout)
    got = run_long(con, compile_sql(prog, "duckdb").sql())
    assert got.equals(_reference(prog, data)), got
    assert got.filter(pl.col("partner_id") == "D")["score"].to_list() == ["7", "2500"]


def test_points_from_literals_times_large_scales_in_the_duckdb_engine():
    a, b = _engines(LITERAL_POINTS, LITERAL_POINTS_DATA, "duckdb")
    assert a.long().equals(b.long()) and a.detail.equals(b.detail)


REGRESSIONS = {"one scored best": (ONE_SCORED_BEST, ONE_SCORED_BEST_DATA), "huge keys": (HUGE_KEYS, HUGE_KEYS_DATA)}


@pytest.mark.parametrize("case", [*REGRESSIONS, "huge keys read"])
def test_regressions_in_the_duckdb_engine(case):
    """Cases the Spark property tests found (tests/engine/sql_helpers.py), in DuckDB."""
    a, b = _engines(*REGRESSIONS.get(case, (HUGE_KEYS, HUGE_KEYS_READ_DATA)), "duckdb")
    assert list(a.rows()) == list(b.rows())
    assert a.long().equals(b.long()) and a.detail.equals(b.detail)


@pytest.mark.parametrize("layout", ["text", "decimal"])
@pytest.mark.parametrize("case", list(REGRESSIONS))
def test_regressions_in_the_duckdb_query(con, case, layout):
    text, data = REGRESSIONS[case]
    prog = load_text(text)
    load_table(con, prog, data, layout)
    got = run_long(con, compile_sql(prog, "duckdb").sql())
    assert got.equals(_reference(prog, data)), got


def test_a_program_of_many_rules_is_compiled_stage_by_stage(con):
    """Past GROUP_CTE_LIMIT CTEs named after its groups, a query gets one CTE per stage: DuckDB
    planned the chain of 265 CTEs of 64 variants in 15 s (projection placement), its 13 stages
    in a fraction of a second. Both shapes give the interpreter's results."""
    from tests.resources.shapes import data as shape_data
    from tests.resources.shapes import program as shape_program
    from tierlang.engine.sql.query import GROUP_CTE_LIMIT

    def table(n: int) -> dict[str, list[str | None]]:
        header, *rows = [line.split(",") for line in shape_data("variants", n).splitlines()]
        return {c: [r[i] for r in rows] for i, c in enumerate(header)}

    ctes = {}
    for n in (8, 40, 80):
        prog = load_text(shape_program("variants", n))
        sql = compile_sql(prog, "duckdb").sql()
        ctes[n] = len(sqlglot.parse_one(sql, read="duckdb").find(exp.With).expressions)
        load_table(con, prog, table(n), "text")
        assert run_long(con, sql).equals(_reference(prog, table(n))), n
    assert ctes[8] < GROUP_CTE_LIMIT and ctes[40] == ctes[80] < 30, ctes
    assert "stage_" not in compile_sql(load_text(shape_program("variants", 8)), "duckdb").sql()
    a, b = _engines(shape_program("variants", 40), table(40), "duckdb")  # tier eval --engine duckdb
    assert a.long().equals(b.long())
