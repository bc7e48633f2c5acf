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
from tests.engine.sql_helpers import LAYOUTS, load_table, run_long, sorted_long
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


# Points of 2.5 are `CASE WHEN ... THEN 5 ELSE 0 END` at scale 2; a line over 10^9 lifts the
# score's scale to 2 * 10^9, so that CASE is multiplied by 10^9: 32-bit if the literals are
# left to the database's typing (CI failure of 2026-12-05: "Overflow in multiplication of
# INT32 (5 * 500000000)").
LITERAL_POINTS = """
program literal_points { version "1" effective 2023-01-01 }
metric x: count
track t {
  score s {
    a: points 2.5 when x >= 1
    b: points x / 1000000000
    c: points 3 when x >= 2
  }
  level l { require s >= 2 }
}
track u {
  score v { only: points 2500 when x >= 1 }
  level l { require v >= 2500 }
}
"""


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
    data = {"partner_id": ["A", "B", "C", "D"], "x": ["0", "1", "2", "1500000000"]}
    load_table(con, prog, data, layout)
    got = run_long(con, compile_sql(prog, "duckdb").sql())
    assert got.equals(_reference(prog, data)), got
    assert got.filter(pl.col("partner_id") == "D")["score"].to_list() == ["7", "2500"]
