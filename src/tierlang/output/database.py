"""Results as a database table: DuckDB (exact DECIMAL scores) or SQLite.

The long layout (DESIGN §4: `partner_id, track, level, score`, and the gap columns with
gaps) becomes the table `results`, and the metadata (program, version, content hash) the
table `results_metadata` (key, value). Both tables are replaced in one transaction; other
tables of an existing database are kept.

Scores are typed numbers so that `score >= 65` compares numbers, not text: DuckDB stores them
as DECIMAL(38, 6), exactly the decimal text; SQLite has no decimal type and stores them as
8-byte floats, which keep 15 significant digits, so a score of more digits than that (over
a billion points at 6 places) is refused rather than rounded, with DuckDB as the way out.
"""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING

import polars as pl

from tierlang.engine.results import Evaluation

if TYPE_CHECKING:
    from tierlang.engine.gaps import Gaps

__all__ = ["write_database", "RESULTS_TABLE", "METADATA_TABLE", "DatabaseError"]

RESULTS_TABLE = "results"
METADATA_TABLE = "results_metadata"

#: Significant digits an SQLite REAL keeps exactly.
_SQLITE_DIGITS = 15


class DatabaseError(ValueError):
    """The database cannot take the results (not a database, locked, a score too long)."""


def write_database(ev: Evaluation, path: str, kind: str, meta: dict, gaps: Gaps | None = None) -> None:
    """Write `ev` into the database file `path` (`kind`: duckdb or sqlite)."""
    from tierlang.output import metadata_rows

    rows = metadata_rows(meta)
    if kind == "duckdb":
        _duckdb(ev, path, rows, gaps)
    elif kind == "sqlite":
        _sqlite(ev, path, rows, gaps)
    else:
        raise ValueError(f"unknown database kind {kind!r}")


def _duckdb(ev: Evaluation, path: str, meta: list[tuple[str, str]], gaps: Gaps | None) -> None:
    import duckdb

    # DuckDB reads Parquet natively: the typed long frame passes through a temporary file
    # (DECIMAL(38, 6) scores arrive as DECIMAL(38, 6)), with no Arrow dependency.
    with tempfile.TemporaryDirectory(prefix="tier-") as tmp:
        staged = os.path.join(tmp, "results.parquet")
        ev.long_lazy(decimal=True, gaps=gaps).sink_parquet(staged)
        try:
            con = duckdb.connect(path)
        except duckdb.Error as e:
            raise DatabaseError(f"{path} cannot be opened as a DuckDB database: {_first_line(e)}") from None
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute(f"CREATE OR REPLACE TABLE {RESULTS_TABLE} AS SELECT * FROM read_parquet(?)", [staged])
            con.execute(f"CREATE OR REPLACE TABLE {METADATA_TABLE} (key VARCHAR PRIMARY KEY, value VARCHAR)")
            con.executemany(f"INSERT INTO {METADATA_TABLE} VALUES (?, ?)", meta)
            con.execute("COMMIT")
        except duckdb.Error as e:
            raise DatabaseError(f"cannot write the results into {path}: {_first_line(e)}") from None
        finally:
            con.close()


def _sqlite(ev: Evaluation, path: str, meta: list[tuple[str, str]], gaps: Gaps | None) -> None:
    frame = ev.long(gaps=gaps)
    numeric = ["score"] + (["points_missing"] if gaps is not None else [])
    for c in numeric:
        longest = frame.select(pl.col(c).str.replace_all(r"[-.]", "").str.strip_chars_start("0").str.len_chars().max()).item()
        if longest is not None and longest > _SQLITE_DIGITS:
            raise DatabaseError(
                f"a value of {c} has more than {_SQLITE_DIGITS} significant digits, more than SQLite keeps exactly; write .duckdb instead"
            )
    typed = frame.with_columns([pl.col(c).cast(pl.Float64) for c in numeric])
    sql_types = {"score": "NUMERIC", "points_missing": "NUMERIC", "requirements_missing": "INTEGER"}
    columns = ", ".join(f'"{c}" {sql_types.get(c, "TEXT")}' for c in typed.columns)
    marks = ", ".join("?" for _ in typed.columns)
    import sqlite3  # here: `tier eval` imports this module for DatabaseError, and sqlite3 costs 1.5 ms

    try:
        con = sqlite3.connect(path)
    except sqlite3.Error as e:
        raise DatabaseError(f"{path} cannot be opened as an SQLite database: {e}") from None
    try:
        with con:  # one transaction: the old tables stay until the new ones are complete
            con.execute(f"DROP TABLE IF EXISTS {RESULTS_TABLE}")
            con.execute(f"CREATE TABLE {RESULTS_TABLE} ({columns})")
            con.executemany(f"INSERT INTO {RESULTS_TABLE} VALUES ({marks})", typed.iter_rows())
            con.execute(f"DROP TABLE IF EXISTS {METADATA_TABLE}")
            con.execute(f"CREATE TABLE {METADATA_TABLE} (key TEXT PRIMARY KEY, value TEXT)")
            con.executemany(f"INSERT INTO {METADATA_TABLE} VALUES (?, ?)", meta)
    except sqlite3.DatabaseError as e:
        raise DatabaseError(f"cannot write the results into {path}: {e}") from None
    finally:
        con.close()


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
