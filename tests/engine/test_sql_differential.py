"""Differential property tests for the SQL backend: the compiled query, run by DuckDB on a
table typed the way a loader types it (text, binary floats, decimals, DuckDB's inference),
returns exactly the interpreter's levels and score texts, for generated programs and
boundary data (tests/engine/strategies.py)."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.engine.engine_helpers import load_text
from tests.engine.sql_helpers import LAYOUTS, load_table, run_long, sorted_long
from tests.engine.strategies import programs_with_data
from tierlang.data import from_frame
from tierlang.engine import evaluate_dataset
from tierlang.engine.sql import compile_sql


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
