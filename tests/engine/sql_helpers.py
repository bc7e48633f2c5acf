"""Helpers for the SQL engine tests: tables in DuckDB typed as loaders type them, results
read back in the `tier eval` long form."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import duckdb
import polars as pl

from tierlang import ir

#: How a column may arrive in a database table: as text (a CSV loaded without inference, a
#: VARCHAR column), or typed the way DuckDB's CSV inference or a Parquet writer types it.
LAYOUTS = ("text", "double", "decimal", "inferred")

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
LITERAL_POINTS_DATA = {"partner_id": ["A", "B", "C", "D"], "x": ["0", "1", "2", "1500000000"]}


def _decimal_type(values: list[str | None]) -> str:
    places = max((len(v.split(".")[1]) for v in values if v is not None and "." in v), default=0)
    return f"DECIMAL(38, {places})"


def column_type(m: ir.Metric | None, values: list[str | None], layout: str) -> str:
    """The SQL type of a column of metric `m` in `layout` (partner_id and unknown columns: text)."""
    if m is None or layout == "text":
        return "VARCHAR"
    k = m.type.kind
    if k is ir.Kind.COUNT:
        return "BIGINT"
    if k in (ir.Kind.NUMBER, ir.Kind.PERCENT, ir.Kind.MONEY):
        if layout == "decimal":
            return _decimal_type(values)
        if layout == "double":
            return "DOUBLE"
        # what read_csv_auto makes of it: BIGINT when every value is whole, else DOUBLE
        whole = all(v is None or Fraction(v).denominator == 1 for v in values)
        return "BIGINT" if whole else "DOUBLE"
    if k is ir.Kind.BOOL:
        return "BOOLEAN"
    if k is ir.Kind.DATE:
        return "DATE"
    return "VARCHAR"


def load_table(
    con: duckdb.DuckDBPyConnection, program: ir.Program, data: dict[str, list[str | None]], layout: str, name: str = "partners"
) -> None:
    """`data` (column → text values, None missing) as the table `name`, typed per `layout`."""
    by_column = {m.column or m.name: m for m in program.input_metrics}
    frame = pl.DataFrame({c: pl.Series(c, v, dtype=pl.String) for c, v in data.items()})
    con.register("__frame", frame)
    casts = []
    for c, values in data.items():
        t = column_type(by_column.get(c), values, layout)
        src = _quote(c)
        if t == "BOOLEAN":
            casts.append(f"CAST(lower({src}) AS BOOLEAN) AS {src}")
        else:
            casts.append(f"CAST({src} AS {t}) AS {src}")
    con.execute(f"CREATE OR REPLACE TABLE {_quote(name)} AS SELECT {', '.join(casts)} FROM __frame")
    con.unregister("__frame")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def run_long(con: duckdb.DuckDBPyConnection, sql: str) -> pl.DataFrame:
    """A long-form result (partner_id, track, level, score and, for a program with undecided
    requirements, undecided), sorted, as text columns: the score, a DECIMAL(38, 6), as the
    text `tier eval` writes (trailing zeros dropped), so the values are compared."""
    cursor = con.execute(sql)
    assert [str(d[1]) for d in cursor.description if d[0] == "score"] == ["DECIMAL(38,6)"], cursor.description
    rows = [tuple(score_text(v) if d[0] == "score" else v for v, d in zip(row, cursor.description)) for row in cursor.fetchall()]
    frame = pl.DataFrame(rows, schema={d[0]: pl.String for d in cursor.description}, orient="row")
    return frame.sort(["partner_id", "track"])


def score_text(value: Decimal | None) -> str | None:
    """A DECIMAL score as `tier eval`'s text: 52.500000 is 52.5, 70.000000 is 70."""
    if value is None:
        return None
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def sorted_long(evaluation) -> pl.DataFrame:
    """The contract's four columns and `undecided` when there is one (a query returns no
    outputs), sorted."""
    long = evaluation.long()
    cols = ["partner_id", "track", "level", "score"] + (["undecided"] if "undecided" in long.columns else [])
    return long.select(cols).sort(["partner_id", "track"])


# Found by the Spark property tests (2026-12-06). `choose best` with one scored variant asked
# for the greatest of one score: GREATEST with one argument, which Spark refuses to analyze.
ONE_SCORED_BEST = """
program one_scored { version "1" effective 2023-01-01 }
metric x: count
metric y: count
track t {
  choose best
  variant scored { score s { a: points x } level l { require s >= 2 } }
  variant plain { level l { require y >= 1 } }
}
"""
ONE_SCORED_BEST_DATA = {"partner_id": ["A", "B", "C", "D"], "x": ["0", "3", "1", "5"], "y": ["1", "0", "0", "2"]}

# A table whose cells are all equal is a constant: its key is never read, yet the engines'
# query cast it to the working type, BIGINT when the values read are small, and a huge key
# overflowed it (Spark: CAST_OVERFLOW). `banded` reads its key.
HUGE_KEYS = """
program huge_keys { version "1" effective 2023-01-01 }
metric m0: money USD { default 0 USD }
metric m1: number { default 0 }
table flat: number {
  by m0
  ..<0: 1
  0..: 1
}
table banded: number {
  by m1
  ..<10: 1
  10..: 4
}
track t {
  level l0 { require flat >= 1 }
  level l1 { require banded >= 4 }
}
"""
HUGE_KEYS_DATA = {
    "partner_id": ["A", "B", "C", "D"],
    "m0": ["-10000000000000000000000000", "1" + "0" * 30, "5", "0.5"],
    "m1": ["12", "3", "7", None],
}
# Keys read by the query past 64 bits (128-bit arithmetic), and past 2^126: the engines
# evaluate that row with the interpreter; a query that reads the table itself stops with
# TL412 (too large to read exactly).
HUGE_KEYS_READ_DATA = {
    "partner_id": [*HUGE_KEYS_DATA["partner_id"], "E", "F"],
    "m0": [*HUGE_KEYS_DATA["m0"], None, "-3"],
    "m1": [*HUGE_KEYS_DATA["m1"], "1" + "0" * 20, "9" * 38],
}


# A small records program: aggregates with `per` and `having`, windows, a ratio of records
# metrics, a max with a default (tests/engine/test_sql_records.py, test_sql_spark.py).
SMALL_RECORDS = """
program small_records { version "1" effective 2023-01-01 }
table usage {
  column tenant: text
  column month: month
  column seats: count
  column amount: money USD { range .. }
  column paid: bool
}
param threshold = 100 USD
metric customers: count = count distinct tenant of usage where paid and month in last 2 months
    per tenant, month having sum amount >= threshold
metric now: money USD = sum amount of usage where month in last month { range .. }
metric before: money USD = sum amount of usage where month in same month last year { range .. }
metric growth: number = (now - before) * 100 / before { range .. default 0 }
metric biggest: count = max seats of usage { default 0 }
track t {
  score s { a: points 10 * clamp(growth / 30)  b: points 5 * clamp(customers / 2)  c: points biggest }
  level l { require s >= 10 }
}
"""


# Records metrics with declared ranges their formulas can leave: a sum (a terminating decimal),
# a ratio (a fraction in the message) and a third. Every engine refuses the same partner, or
# none (tests/engine/test_sql_records.py).
RANGED_RECORDS = """
program ranged_records { version "1" effective 2023-01-01 }
table usage {
  column tenant: text
  column month: month
  column seats: count
  column amount: money USD { range .. }
}
metric spend: money USD = sum amount of usage where month in last month { range 0 USD .. 1000 USD }
metric before: money USD = sum amount of usage where month in same month last year { range .. }
metric growth: percent = (spend - before) * 100 / before { range -50 .. 200 default 0 }
metric seat_total: count = sum seats of usage
metric thirds: number = seat_total / 3 { range .. 4 }
track t {
  score s { a: points 10 * clamp(spend / 500 USD)  b: points 5 * clamp(growth / 100)  c: points thirds }
  level l { require s >= 10 }
}
"""


# partner_ids with blanks (tests/engine/test_sql_blanks.py, test_sql_spark.py): each with the
# loader's verdict, "empty" (nothing but blanks), "blanks" (blanks before or after it) or
# None (accepted). Blanks are Unicode's White_Space (what polars' strip_chars() strips): the
# zero-width space U+200B and the ASCII separator U+001C are not blanks.
IDS: dict[str | None, str | None] = {
    None: "empty",
    "": "empty",
    " ": "empty",
    "\t": "empty",
    "\u3000": "empty",
    "\x85\n\u2028": "empty",
    "A\t": "blanks",
    "\tA": "blanks",
    " A": "blanks",
    "A ": "blanks",
    "A\u00a0": "blanks",
    "\u2000A\u205f": "blanks",
    "A\r\n": "blanks",
    "it's ": "blanks",
    "A B": None,
    "\u200b": None,
    "\x1c": None,
    "e\u0301": None,
}
IDS_PROGRAM = """
program ids { version "1" effective 2023-01-01 }
metric n: count
track t {
  score s { a: points n }
  level l { require s >= 1 }
}
"""


def id_verdict(pid: str | None, verdict: str | None) -> tuple[str, str] | None:
    """The error (code, message without where it is) that a partner_id with `verdict` gets."""
    if verdict is None:
        return None
    return ("TL410", "partner_id is empty" if verdict == "empty" else f"partner_id '{pid}' has blanks around it")


def loader_verdict(program: ir.Program, pid: str | None) -> tuple[str, str] | None:
    """What tierlang's loader says of a table of one partner whose id is `pid` (n = 1): its
    first error (code, message without the row), or None."""
    from tierlang.data import DataLoadError, from_frame

    try:
        from_frame(pl.DataFrame({"partner_id": [pid], "n": ["1"]}, schema={"partner_id": pl.String, "n": pl.String}), program)
    except DataLoadError as e:
        err = e.errors[0]
        return err.code, err.message.split(": ", 1)[1]
    return None
