"""partner_ids with blanks: the compiled SQL refuses exactly what tierlang's loader refuses,
with the same code and message (TL410: "partner_id is empty", "partner_id 'X' has blanks
around it"), run by DuckDB and PostgreSQL on a table (Spark: tests/engine/test_sql_spark.py).
Blanks are the characters polars' strip_chars() strips: `data.WHITESPACE`."""

from __future__ import annotations

import sys

import duckdb
import polars as pl
import pytest

from tests.engine.engine_helpers import load_text
from tests.engine.sql_helpers import IDS, IDS_PROGRAM, id_verdict, loader_verdict
from tierlang.data import WHITESPACE, DataLoadError
from tierlang.engine.sql import compile_sql
from tierlang.engine.sql.inputs import DATA_ERROR

PROGRAM = load_text(IDS_PROGRAM)


def test_whitespace_is_what_the_loader_strips():
    """Every code point that polars' strip_chars() strips, and no other, is in WHITESPACE."""
    points = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    stripped = pl.Series([chr(c) for c in points]).str.strip_chars()
    assert "".join(chr(c) for c, s in zip(points, stripped) if s == "") == WHITESPACE


@pytest.mark.parametrize("pid", list(IDS), ids=repr)
def test_the_loader_refuses_ids_with_blanks(pid):
    assert loader_verdict(PROGRAM, pid) == id_verdict(pid, IDS[pid])


@pytest.mark.parametrize("pid", list(IDS), ids=repr)
def test_duckdb_refuses_what_the_loader_refuses(pid):
    con = duckdb.connect()
    con.execute("CREATE TABLE partners (partner_id VARCHAR, n BIGINT)")
    con.execute("INSERT INTO partners VALUES (?, 1)", [pid])
    try:
        con.execute(compile_sql(PROGRAM, "duckdb").sql()).fetchall()
        got = None
    except duckdb.Error as e:
        found = DATA_ERROR.search(str(e))
        assert found is not None, str(e)
        assert found.group(3) == ("(empty)" if pid is None else pid)
        got = found.group(1), found.group(5)
    assert got == loader_verdict(PROGRAM, pid)


def test_postgres_refuses_what_the_loader_refuses(postgres):
    """`tier eval --db` runs the compiled query in PostgreSQL, whose data errors it reports."""
    psycopg = pytest.importorskip("psycopg")
    from tierlang.engine.sql.database import evaluate_postgres

    for pid in IDS:
        with psycopg.connect(postgres.url, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS partners")
            conn.execute("CREATE TABLE partners (partner_id TEXT, n BIGINT)")
            conn.execute("INSERT INTO partners VALUES (%s, 1)", (pid,))
        try:
            evaluate_postgres(PROGRAM, postgres.url)
            got = None
        except DataLoadError as e:
            (err,) = e.errors
            got = err.code, err.message.split("column 'partner_id': ", 1)[1]
        assert got == loader_verdict(PROGRAM, pid), repr(pid)
