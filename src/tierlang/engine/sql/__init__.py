"""The SQL backend: programs compiled to one query per dialect through sqlglot.

    >>> from tierlang.engine.sql import compile_sql
    >>> print(compile_sql(program, "postgres").sql())

- `dialects`: what tierlang needs to know per dialect (integer types, errors, division).
- `backend`: the exact compiler's leaf operations as sqlglot trees (`tierlang.engine.exact`).
- `inputs`: the partners table read exactly, raw (any column types) or as validated by tierlang.
- `query`: the compiler's columns laid out as named CTEs; the `tier eval` output contract.

docs/sql.md describes the dialects, the exactness guarantee and its limits.
"""

from tierlang.engine.sql.dialects import DIALECTS, RUNNABLE, Dialect, dialect
from tierlang.engine.sql.inputs import DEFAULT_DECIMALS, MAX_DECIMALS, table_name
from tierlang.engine.sql.query import SqlQuery, Unsupported, compile_sql

__all__ = [
    "compile_sql",
    "SqlQuery",
    "Unsupported",
    "DIALECTS",
    "RUNNABLE",
    "Dialect",
    "dialect",
    "DEFAULT_DECIMALS",
    "MAX_DECIMALS",
    "table_name",
]
