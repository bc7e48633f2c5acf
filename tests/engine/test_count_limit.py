"""A count has at most 18 digits (|n| <= 999999999999999999, `data.MAX_COUNT`), leading zeros,
a sign and the blanks a count may have around it aside: tierlang's loader, in every input form
(text, CSV, JSON Lines strings and numbers, Parquet text, int64, uint64 and DECIMAL(38, 0)
columns), and the compiled SQL, on every column type it may meet (DuckDB narrow and --wide,
PostgreSQL, Spark), accept the same values and refuse the same ones with the same TL412
message, before a range check (TL406)."""

from __future__ import annotations

import decimal
import json

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.engine.engine_helpers import load_text
from tests.engine.sql_helpers import run_long, sorted_long
from tierlang.data import MAX_COUNT, DataLoadError, from_frame, load_dataset
from tierlang.engine import evaluate_dataset
from tierlang.engine.sql import compile_sql
from tierlang.engine.sql.inputs import DATA_ERROR

PROGRAM = load_text("""
program limits { version "1" effective 2023-01-01 }
metric n: count { range .. }
metric c: count
metric h: count { range 0 .. 100 }
track t { level l { require n >= 1 and c >= 0 and h >= 0 } }
""")
COLUMNS = ("n", "c", "h")
GOOD = {"partner_id": "P1", "n": "1", "c": "1", "h": "1"}

#: counts as written in a text cell; the boundaries, 64 bits' own, and the forms the loader
#: tolerates (sign, leading zeros, spaces and tabs around)
VALUES = [
    "999999999999999999",
    "-999999999999999999",
    "+999999999999999999",
    "1000000000000000000",
    "-1000000000000000000",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "99999999999999999999999999",
    "000000000000000000000999999999999999999",
    "-0001000000000000000000",
    " \t+0999999999999999999 ",
    " 1000000000000000000\t",
    "0",
    "-1",
    "101",
]
CASES = [(column, value) for column in COLUMNS for value in VALUES]


def verdict(column: str, value: str, shown: str) -> tuple[str, str | None] | None:
    """What every reader says of `value` in `column`: None (accepted), ("TL412", message) or
    ("TL406", None) (below or above the column's range; the loader and the SQL word the range
    differently). `shown`: the value as the message quotes it (the text, or the number of a
    typed column)."""
    n = int(value.strip(" \t"))
    if abs(n) > MAX_COUNT:
        return "TL412", f"'{shown}' is too large for a count (at most 18 digits)"
    if (column in ("c", "h") and n < 0) or (column == "h" and n > 100):
        return "TL406", None
    return None


def _problem(code: str, message: str) -> tuple[str, str | None]:
    return code, (message if code == "TL412" else None)


def loader_verdict(load) -> tuple[str, str | None] | None:
    """The loader's verdict (see `verdict`) of the data `load()` reads."""
    try:
        load()
    except DataLoadError as e:
        (err,) = e.errors
        return _problem(err.code, err.message.split(f"column '{err.column}': ", 1)[1])
    return None


def _row(column: str, value) -> dict:
    return {**GOOD, column: value}


def _typed(value: str) -> int:
    return int(value.strip(" \t"))


@pytest.mark.parametrize("column,value", CASES, ids=repr)
def test_the_loader_reads_counts_up_to_18_digits_in_every_form(tmp_path, column, value):
    text_frame = pl.DataFrame({k: [v] for k, v in _row(column, value).items()}, schema={k: pl.String for k in GOOD})
    want = verdict(column, value, value)
    assert loader_verdict(lambda: from_frame(text_frame, PROGRAM)) == want

    csv = tmp_path / "d.csv"
    csv.write_text(",".join(GOOD) + "\n" + ",".join(_row(column, value).values()) + "\n", encoding="utf-8")
    assert loader_verdict(lambda: load_dataset(csv, PROGRAM)) == want, "csv"

    jsonl = tmp_path / "d.jsonl"
    jsonl.write_text(json.dumps(_row(column, value)) + "\n", encoding="utf-8")
    assert loader_verdict(lambda: load_dataset(jsonl, PROGRAM)) == want, "jsonl text"

    n = _typed(value)
    if str(n) == value:  # a JSON number
        jsonl.write_text(json.dumps({**{k: int(v) if k != "partner_id" else v for k, v in GOOD.items()}, column: n}) + "\n")
        assert loader_verdict(lambda: load_dataset(jsonl, PROGRAM)) == want, "jsonl number"

    typed = verdict(column, value, str(n))
    parquet = tmp_path / "d.parquet"
    for kind, fits in (
        (pa.string(), True),
        (pa.int64(), -(2**63) <= n < 2**63),
        (pa.uint64(), 0 <= n < 2**64),
        (pa.decimal128(38, 0), True),
    ):
        if not fits:
            continue
        values = {k: [int(v)] for k, v in GOOD.items() if k != "partner_id"}
        values[column] = [value if kind == pa.string() else (decimal.Decimal(n) if kind == pa.decimal128(38, 0) else n)]
        table = pa.table({"partner_id": ["P1"], **{k: pa.array(v, kind if k == column else pa.int64()) for k, v in values.items()}})
        pq.write_table(table, parquet)
        assert loader_verdict(lambda: load_dataset(parquet, PROGRAM)) == (want if kind == pa.string() else typed), str(kind)


def _interpreter(column: str, value: str) -> pl.DataFrame:
    frame = pl.DataFrame({k: [v] for k, v in _row(column, value).items()}, schema={k: pl.String for k in GOOD})
    return sorted_long(evaluate_dataset(PROGRAM, from_frame(frame, PROGRAM), engine="interpreter"))


def _sql_verdict(message: str, column: str) -> tuple[str, str | None]:
    found = DATA_ERROR.search(message)
    assert found is not None and found.group(4) == column, message
    return _problem(found.group(1), found.group(5))


#: DuckDB column types a count may arrive in: (type, whether a value fits it)
DUCKDB_TYPES = [
    ("VARCHAR", None),
    ("BIGINT", lambda n: -(2**63) <= n < 2**63),
    ("HUGEINT", lambda n: -(2**127) <= n < 2**127),
    ("UBIGINT", lambda n: 0 <= n < 2**64),
    ("DECIMAL(38, 0)", lambda n: abs(n) < 10**38),
]


@pytest.mark.parametrize("wide", [False, True], ids=["64-bit", "wide"])
def test_duckdb_refuses_the_counts_the_loader_refuses(wide):
    sql = compile_sql(PROGRAM, "duckdb", wide=wide).sql()
    for column, value in CASES:
        n = _typed(value)
        for type_, fits in DUCKDB_TYPES:
            if fits is not None and not fits(n):
                continue
            con = duckdb.connect()
            con.execute(
                "CREATE TABLE partners (partner_id VARCHAR, "
                + ", ".join(f"{c} {type_ if c == column else 'BIGINT'}" for c in COLUMNS)
                + ")"
            )
            con.execute("INSERT INTO partners VALUES (?, ?, ?, ?)", [GOOD["partner_id"], *(value if c == column else 1 for c in COLUMNS)])
            want = verdict(column, value, value if fits is None else str(n))
            try:
                got = run_long(con, sql)
            except duckdb.Error as e:
                assert _sql_verdict(str(e), column) == want, (type_, column, value)
                continue
            assert want is None, (type_, column, value)
            assert got.equals(_interpreter(column, value)), (type_, column, value)


def test_postgres_refuses_the_counts_the_loader_refuses(postgres):
    psycopg = pytest.importorskip("psycopg")
    from tierlang.engine.sql.database import evaluate_postgres

    for column, value in CASES:
        n = _typed(value)
        for type_, fits in (("TEXT", None), ("BIGINT", lambda n: -(2**63) <= n < 2**63), ("NUMERIC", lambda n: True)):
            if fits is not None and not fits(n):
                continue
            with psycopg.connect(postgres.url, autocommit=True) as conn:
                conn.execute("DROP TABLE IF EXISTS partners")
                conn.execute(
                    "CREATE TABLE partners (partner_id TEXT, "
                    + ", ".join(f"{c} {type_ if c == column else 'BIGINT'}" for c in COLUMNS)
                    + ")"
                )
                conn.execute(
                    "INSERT INTO partners VALUES (%s, %s, %s, %s)", [GOOD["partner_id"], *(value if c == column else 1 for c in COLUMNS)]
                )
            want = verdict(column, value, value if fits is None else str(n))
            try:
                got = sorted_long(evaluate_postgres(PROGRAM, postgres.url))
            except DataLoadError as e:
                (err,) = e.errors
                assert _problem(err.code, err.message.split(f"column '{column}': ", 1)[1]) == want, (type_, column, value)
                continue
            assert want is None, (type_, column, value)
            assert got.equals(_interpreter(column, value)), (type_, column, value)


#: Spark's column types a count may arrive in (as DUCKDB_TYPES)
SPARK_TYPES = [("string", None), ("long", lambda n: -(2**63) <= n < 2**63), ("decimal(38,0)", lambda n: abs(n) < 10**38)]


@pytest.mark.slow
def test_spark_refuses_the_counts_the_loader_refuses():
    """As DuckDB and PostgreSQL above. A query takes Spark about a second: the accepted
    values are read in one table per column type, and the refused ones are those of `n`
    (no range) and the negative ones of `c` (TL412 before TL406)."""
    pytest.importorskip("pyspark")
    from pyspark.errors import PySparkException

    from tierlang.engine.sql.run import spark_session

    spark = spark_session()
    sql = compile_sql(PROGRAM, "spark").sql(pretty=False)

    def view(type_: str, rows: list[tuple[str, str, object]]) -> None:
        """The table `partners` of one partner per (id, column, value); the others' columns 1."""
        schema = "partner_id string, " + ", ".join(f"{c} {type_}" for c in COLUMNS)
        one = "1" if type_ == "string" else decimal.Decimal(1) if type_.startswith("decimal") else 1
        data = [(pid, *(cell if c == column else one for c in COLUMNS)) for pid, column, cell in rows]
        spark.createDataFrame(data, schema).createOrReplaceTempView("partners")

    for type_, fits in SPARK_TYPES:
        accepted, refused = [], []
        for column, value in CASES:
            n = _typed(value)
            if fits is not None and not fits(n):
                continue
            cell = value if fits is None else (decimal.Decimal(n) if type_.startswith("decimal") else n)
            want = verdict(column, value, value if fits is None else str(n))
            if want is None:
                accepted.append((f"P{len(accepted)}", column, cell, value))
            elif column == "n" or (column == "c" and n < 0):
                refused.append((column, cell, want))
        view(type_, [a[:3] for a in accepted])
        got = sorted((r["partner_id"], r["track"], r["level"]) for r in spark.sql(sql).collect())
        text = pl.DataFrame(
            [{**GOOD, "partner_id": pid, column: value} for pid, column, _, value in accepted], schema={k: pl.String for k in GOOD}
        )
        want_levels = sorted_long(evaluate_dataset(PROGRAM, from_frame(text, PROGRAM), engine="interpreter"))
        assert got == want_levels.select("partner_id", "track", "level").rows(), type_
        for column, cell, want in refused:
            view(type_, [("P1", column, cell)])
            with pytest.raises(PySparkException) as e:  # RAISE_ERROR's message is the error's parameter
                spark.sql(sql).collect()
            assert _sql_verdict(e.value.getMessageParameters()["errorMessage"], column) == want, (type_, column, cell)
