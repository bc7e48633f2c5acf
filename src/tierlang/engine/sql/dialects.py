"""What tierlang needs to know about each SQL dialect (sqlglot knows the rest).

Kept small on purpose, like Malloy's dialect flags: the integer types exact arithmetic runs
in, how a query raises an error, and how integers are divided (only the score text divides,
and only by a constant). Everything else — quoting, function names, CTE syntax — is sqlglot's
generator for the dialect.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Dialect", "DIALECTS", "dialect", "RUNNABLE"]


@dataclass(frozen=True)
class Dialect:
    """One SQL dialect.

    - `sqlglot`: sqlglot's name for it.
    - `narrow`, `wide`: the integer types exact arithmetic runs in: `narrow` (64 bits) when
      the values are known to allow it, else `wide` (a 128-bit integer or a 38-digit
      decimal of scale 0; PostgreSQL's unconstrained NUMERIC has no limit below ours), and
      `wide_limit`, the largest magnitude the arithmetic may reach in `wide`.
    - `text`: the string type.
    - `score`: the exact decimal type of the contract's `score` column (six places, as
      tierlang's Parquet and DuckDB outputs write it).
    - `raise_fn`: a function that raises its message as an error and may stand for a value
      of any type (None: no such function; the query casts the message to a number, which
      fails with the message in the database's error).
    - `int_div`: whether sqlglot's integer division is exact for the wide type in this
      dialect (else: floor of the decimal quotient, corrected by one multiplication).
    - `typeof`: a function giving a column's type name that the planner folds to a constant
      (DuckDB's `typeof`): the compiled query then reads each column by its type's fast path.
    - `booleans`: whether Boolean values can be selected as columns (T-SQL: no).
    - `materialize`: whether the planner substitutes a CTE's expressions into the query that
      reads it (PostgreSQL inlines CTEs read once, and copies an expression wherever its
      column is read): CTEs are then marked MATERIALIZED where the copies would grow
      (`query._fences`), so planning stays fast and each value is computed once per row.
    - `prune`: each CTE of the chain passes on only the columns read after it, not `*`
      (PostgreSQL: a MATERIALIZED CTE stores every column it selects; DuckDB: planning a
      chain of CTEs that each carry every column before them takes time quadratic in its
      length).
    - `fuse`: write each column read once into the expression that reads it, and lay the
      rest out one CTE per level of what they read (`query._fused`): DuckDB runs each CTE
      as a projection over every row.
    - `narrow_raw`: the raw query (`tier compile --emit sql`) reads and computes in `narrow`
      when the program's constants fit it, each column checked against its 64-bit limit
      (TL412 beyond it; `compile_sql(wide=True)`, `--wide`, keeps `wide`): DuckDB's 128-bit
      arithmetic cost a quarter of the query. Sums and products compute in `narrow` too
      when the limits that keeps them there are wide enough (`query._narrow_plan`).
    - `one_check`: the raw query checks missing values, ranges, limits, repeated ids and
      constraints of the read columns in one filter (`inputs._one_filter`) rather than one CASE
      per column (needs `raise_fn`).
    - `code_point`: how the dialect's regular expressions write a character by its code
      point (a format string), with which the query tells a partner_id of blanks only
      (`data.WHITESPACE`: control and invisible characters, unreadable in a literal);
      None: they cannot, and the query trims the blanks written by `chr`. (PostgreSQL's
      `chr` of a code point above 255 fails, when the query is planned, in a database not
      encoded in UTF-8; its regular expressions take `\\u3000` in any encoding.)
    - `chr`: a function giving the character of a Unicode code point (Spark's takes it
      modulo 256: the query uses it for ASCII characters only there).
    - `padded`: text comparisons (`=`, `IN`) ignore trailing spaces, and most collations
      ignore case (SQL Server): the raw query compares a value with the words it may be
      (enum values, `true`/`false`) exactly, both sides ending in a non-blank character, in a
      binary collation (`inputs._Raw.one_of`). Its text type there is Unicode (NVARCHAR), so
      that no character (a blank a partner_id may not end in) becomes `?` in a code page.
    - `stages`: lay the columns out as one CTE per stage of the compiler rather than per score
      and track (Spark's analyzer gives up on long chains of CTEs: about 15 instead of 80).
    """

    name: str
    sqlglot: str
    narrow: str = "BIGINT"
    wide: str = "DECIMAL(38, 0)"
    text: str = "VARCHAR"
    score: str = "DECIMAL(38, 6)"
    raise_fn: str | None = None
    int_div: bool = True
    typeof: str | None = None
    booleans: bool = True
    wide_limit: int = 2**126
    materialize: bool = False
    prune: bool = False
    stages: bool = False
    fuse: bool = False
    narrow_raw: bool = False
    one_check: bool = False
    code_point: str | None = "\\x{{{:X}}}"
    chr: str = "CHR"
    padded: bool = False


DIALECTS: dict[str, Dialect] = {
    d.name: d
    for d in (
        Dialect(
            "duckdb", "duckdb", wide="HUGEINT", raise_fn="error", typeof="typeof", prune=True, fuse=True, narrow_raw=True, one_check=True
        ),
        # PostgreSQL's NUMERIC holds 131072 digits before the point: no practical limit.
        Dialect(
            "postgres",
            "postgres",
            wide="NUMERIC",
            text="TEXT",
            score="NUMERIC(38, 6)",
            wide_limit=10**1000,
            materialize=True,
            prune=True,
            code_point="\\u{:04X}",
        ),
        # Spark's DIV returns a 64-bit long: the score text divides decimals instead.
        Dialect("spark", "spark", text="STRING", raise_fn="raise_error", int_div=False, stages=True),
        # BigQuery's NUMERIC(P, S) keeps at most 29 digits before the point: 38 need BIGNUMERIC.
        Dialect("bigquery", "bigquery", narrow="INT64", wide="BIGNUMERIC", text="STRING", score="BIGNUMERIC(38, 6)", raise_fn="ERROR"),
        Dialect("snowflake", "snowflake", wide="NUMBER(38, 0)", int_div=False, code_point=None),
        Dialect(
            "tsql",
            "tsql",
            wide="DECIMAL(38, 0)",
            text="NVARCHAR(MAX)",
            int_div=False,
            booleans=False,
            code_point=None,
            chr="NCHAR",
            padded=True,
        ),
    )
}

#: Dialects tierlang runs itself (the others are printed for their warehouses).
RUNNABLE = ("duckdb", "postgres", "spark")


def dialect(name: str) -> Dialect:
    """The dialect called `name` (ValueError naming the known ones otherwise)."""
    try:
        return DIALECTS[name]
    except KeyError:
        raise ValueError(f"unknown SQL dialect {name!r} (known: {', '.join(DIALECTS)})") from None
