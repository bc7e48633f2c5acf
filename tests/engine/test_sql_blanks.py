"""Blanks in text, the compiled SQL (run by DuckDB and PostgreSQL on a table of text columns)
against tierlang's loader. partner_ids: the same refusals, codes and messages (TL410:
"partner_id is empty", "partner_id 'X' has blanks around it"; blanks are the characters
polars' strip_chars() strips, `data.WHITESPACE`; Spark: tests/engine/test_sql_spark.py).
Values: blanks around a count tolerated (spaces, tabs; blanks only: missing), around a
decimal, Boolean, date or enum value an error, with the loader's codes."""

from __future__ import annotations

import sys

import duckdb
import polars as pl
import pytest

from tests.engine.engine_helpers import load_text
from tests.engine.sql_helpers import IDS, IDS_PROGRAM, id_verdict, loader_verdict, run_long, sorted_long
from tierlang.data import WHITESPACE, DataLoadError, from_frame
from tierlang.engine import evaluate_dataset
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


def test_postgres_checks_ids_in_a_latin1_database(postgres):
    """The query names the blanks by code point in a regular expression: PostgreSQL's chr()
    of one above 255 fails, when the query is planned, in a database not encoded in UTF-8."""
    import dataclasses

    psycopg = pytest.importorskip("psycopg")
    from tierlang.engine.sql.database import evaluate_postgres

    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS latin1")
        conn.execute("CREATE DATABASE latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
    url = dataclasses.replace(postgres, database="latin1").url
    for pid in ("A", "\u00a0", "A\u00a0", "\t\x85"):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS partners")
            conn.execute("CREATE TABLE partners (partner_id TEXT, n BIGINT)")
            conn.execute("INSERT INTO partners VALUES (%s, 1)", (pid,))
        try:
            evaluate_postgres(PROGRAM, url)
            got = None
        except DataLoadError as e:
            (err,) = e.errors
            got = err.code, err.message.split("column 'partner_id': ", 1)[1]
        assert got == loader_verdict(PROGRAM, pid), repr(pid)


VALUES_PROGRAM = load_text("""
program values { version "1" effective 2023-01-01 }
metric n: count
metric m: count { default 2 }
metric x: number
metric b: bool
metric d: date
metric e: enum(silver < gold)
track t {
  score s { a: points n + m + x }
  level l { require s >= 1 and b and e >= gold and d >= 2020-01-01 }
}
""")
GOOD = {"partner_id": "A", "n": "1", "m": "3", "x": "1.5", "b": "true", "d": "2023-01-01", "e": "gold"}
#: (column, value, the loader's code; None: accepted)
VALUES = [
    ("n", " 3", None),
    ("n", "3\t", None),
    ("n", "\t+3 ", None),
    ("n", "   ", "TL403"),  # blanks only: missing, and n has no default
    ("n", "\t", "TL403"),
    ("m", " \t ", None),  # missing: m's default
    ("n", "\u00a03", "TL404"),  # no-break space: not tolerated
    ("n", "\n3", "TL404"),
    ("n", "3 3", "TL404"),
    ("x", " 1.5", "TL405"),
    ("x", "1.5\t", "TL405"),
    ("x", "   ", "TL405"),
    ("b", " true", "TL408"),
    ("b", "TRUE\u3000", "TL408"),
    ("b", "True", None),
    ("d", " 2023-01-01", "TL409"),
    ("d", "2023-01-01\u00a0", "TL409"),
    ("e", "gold ", "TL407"),
    ("e", "\tgold", "TL407"),
]


def _first_error(row: dict[str, str]) -> str | None:
    try:
        from_frame(_frame(row), VALUES_PROGRAM)
    except DataLoadError as e:
        return e.errors[0].code
    return None


def _frame(row: dict[str, str]) -> pl.DataFrame:
    return pl.DataFrame({k: [v] for k, v in row.items()}, schema={k: pl.String for k in row})


@pytest.mark.parametrize("column,value,code", VALUES, ids=repr)
def test_duckdb_reads_blanks_in_values_as_the_loader(column, value, code):
    row = {**GOOD, column: value}
    assert _first_error(row) == code
    con = duckdb.connect()
    con.execute("CREATE TABLE partners (" + ", ".join(f"{k} VARCHAR" for k in row) + ")")
    con.execute("INSERT INTO partners VALUES (" + ", ".join("?" for _ in row) + ")", list(row.values()))
    sql = compile_sql(VALUES_PROGRAM, "duckdb").sql()
    if code is None:
        want = sorted_long(evaluate_dataset(VALUES_PROGRAM, from_frame(_frame(row), VALUES_PROGRAM), engine="interpreter"))
        assert run_long(con, sql).equals(want)
    else:
        with pytest.raises(duckdb.Error) as e:
            con.execute(sql).fetchall()
        found = DATA_ERROR.search(str(e.value))
        assert found is not None and found.group(1) == code and found.group(4) == column, str(e.value)


def test_postgres_reads_blanks_in_values_as_the_loader(postgres):
    psycopg = pytest.importorskip("psycopg")
    from tierlang.engine.sql.database import evaluate_postgres

    for column, value, code in VALUES:
        row = {**GOOD, column: value}
        with psycopg.connect(postgres.url, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS partners")
            conn.execute("CREATE TABLE partners (" + ", ".join(f"{k} TEXT" for k in row) + ")")
            conn.execute("INSERT INTO partners VALUES (" + ", ".join("%s" for _ in row) + ")", list(row.values()))
        try:
            got = sorted_long(evaluate_postgres(VALUES_PROGRAM, postgres.url))
        except DataLoadError as e:
            (err,) = e.errors
            assert (err.code, err.column) == (code, column), (column, value, err)
            continue
        assert code is None, (column, value)
        assert got.equals(sorted_long(evaluate_dataset(VALUES_PROGRAM, from_frame(_frame(row), VALUES_PROGRAM), engine="interpreter")))


def _sql_server_equal(a: str, b: str) -> bool:
    """SQL Server's `=` in its default collations: trailing spaces ignored, case ignored."""
    return a.rstrip(" ").casefold() == b.rstrip(" ").casefold()


def test_tsql_compares_words_exactly_and_reads_text_as_unicode():
    """No SQL Server here: the T-SQL text, parsed by sqlglot. SQL Server's `=` and `IN` ignore
    trailing spaces (and, in most collations, case): 'gold ', 'GOLD' and 'true ' would pass
    where tierlang's loader refuses them. Each word is compared with '|' after both sides, in
    a binary collation; text is NVARCHAR (VARCHAR would turn a blank such as U+3000 around a
    partner_id into '?', which the id check would pass), and the id check reads the code
    points of the first and last characters, not an `=`."""
    import sqlglot
    from sqlglot import exp

    sql = compile_sql(VALUES_PROGRAM, "tsql").sql()
    tree = sqlglot.parse_one(sql, read="tsql")
    assert "AS NVARCHAR(MAX))" in sql and " VARCHAR" not in sql
    words = {}
    for node in tree.find_all(exp.In):
        if isinstance(node.this, exp.Collate):
            assert node.this.expression.name == "Latin1_General_100_BIN2"
            added = node.this.this.unnest()
            assert isinstance(added, exp.Add) and added.expression.name == "|"  # T-SQL concatenates with +
            column = next(added.this.find_all(exp.Column)).name
            words.setdefault(column, []).extend(w.name for w in node.expressions)
    assert words == {"b": ["true|", "false|"], "e": ["silver|", "gold|"]}
    # with '|' after both sides, SQL Server's comparison is exact but for case: a binary
    # collation compares code points
    for value, word in [("gold ", "gold"), ("gold", "gold"), ("GOLD", "gold"), ("true  ", "true")]:
        assert _sql_server_equal(value, word) and _sql_server_equal(value + "|", word + "|") == (value.casefold() == word)
    # a partner_id repeated: grouped and compared the same exact way ('p1', 'P1' and 'p1 ' are
    # three ids to the loader, one group to SQL Server's GROUP BY)
    (group,) = [g for g in tree.find_all(exp.Group) if "partner_id" in g.sql("tsql")]
    (key,) = group.expressions
    assert isinstance(key, exp.Collate) and key.expression.name == "Latin1_General_100_BIN2"
    assert isinstance(key.this.unnest(), exp.Add) and key.this.unnest().expression.name == "|"
    (compared,) = [e for e in tree.find_all(exp.EQ) if e.expression.name == "repeated"]
    assert compared.this.sql("tsql") == key.sql("tsql").replace("[partner_id]", "[partners_read].[partner_id]")
    # the partner_id's last character, by its code point (RIGHT keeps trailing spaces)
    rights = [u for u in tree.find_all(exp.Unicode) if isinstance(u.this, exp.Right)]
    assert rights and next(rights[0].this.find_all(exp.Column)).name == "partner_id"
