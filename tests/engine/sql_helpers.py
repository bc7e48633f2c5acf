"""Helpers for the SQL engine tests: tables in DuckDB typed as loaders type them, results
read back in the `tier eval` long form."""

from __future__ import annotations

from fractions import Fraction

import duckdb
import polars as pl

from tierlang import ir

#: How a column may arrive in a database table: as text (a CSV loaded without inference, a
#: VARCHAR column), or typed the way DuckDB's CSV inference or a Parquet writer types it.
LAYOUTS = ("text", "double", "decimal", "inferred")


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
    """A long-form result (partner_id, track, level, score), sorted, as text columns."""
    rows = con.execute(sql).fetchall()
    frame = pl.DataFrame(rows, schema={"partner_id": pl.String, "track": pl.String, "level": pl.String, "score": pl.String}, orient="row")
    return frame.sort(["partner_id", "track"])


def sorted_long(evaluation) -> pl.DataFrame:
    return evaluation.long().sort(["partner_id", "track"])
