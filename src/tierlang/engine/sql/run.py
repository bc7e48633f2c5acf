"""Running compiled queries: DuckDB in-process over a validated dataset.

The dataset is validated by tierlang's loader (`tierlang.data`) — the same checks and the
same messages as every other engine — and handed to DuckDB as an Arrow table without a copy.
The query is compiled for the dataset's column scales and measured magnitudes (64-bit
integers when the values allow, as in the polars engine), returns the polars engine's plan
columns, and becomes an `Evaluation` the same way; rows whose values are too large for
128-bit arithmetic are evaluated by the interpreter, as the polars engine does.
"""

from __future__ import annotations

import polars as pl

from tierlang import ir
from tierlang.data import PID, ROW, Dataset
from tierlang.engine.exact import NoInt64
from tierlang.engine.results import Evaluation
from tierlang.engine.sql.query import Unsupported, compile_sql

__all__ = ["evaluate_duckdb", "plan_frame"]


def plan_frame(out: pl.DataFrame) -> pl.DataFrame:
    """A plan result read back from a database, in the dataset's row order, with the score
    columns as integers (a 128-bit integer arrives as DECIMAL(38, 0) through Arrow)."""
    casts = []
    for name, dtype in out.schema.items():
        if name.startswith("S:") and isinstance(dtype, pl.Decimal):
            casts.append(pl.col(name).cast(pl.Int128))
        elif name.startswith(("L:", "V:")):
            casts.append(pl.col(name).cast(pl.Int16))
    out = out.with_columns(casts) if casts else out
    return out.sort(ROW) if ROW in out.columns else out


def evaluate_duckdb(program: ir.Program, dataset: Dataset, detail: bool = False, threads: int | None = None) -> Evaluation:
    """Evaluate a validated dataset with the compiled query in an in-process DuckDB.

    Raises `NoInt64` when the program's constants do not fit DuckDB's 128-bit integers
    (the caller evaluates every row exactly instead)."""
    import duckdb

    from tierlang.engine.api import _evaluation, _patch
    from tierlang.engine.vectorized import magnitudes_of

    frame = dataset.frame
    magnitudes = magnitudes_of(frame, list(dataset.scales))
    try:
        query = compile_sql(
            program, "duckdb", table="partners", scales=dataset.scales, magnitudes=magnitudes, output="plan", detail=detail, keep=(ROW,)
        )
    except Unsupported as e:
        raise NoInt64(str(e)) from None
    needed = [ROW, PID, *(m.name for m in program.input_metrics if m.name in frame.columns)]
    # Arrow has no 128-bit integer: such columns (at most 38 digits, as the loader reads
    # them) travel as DECIMAL(38, 0), which the query casts back to HUGEINT.
    table = frame.select([pl.col(c).cast(pl.Decimal(38, 0)) if frame.schema[c] == pl.Int128 else pl.col(c) for c in needed])
    con = duckdb.connect(config={"threads": threads} if threads else {})
    try:
        con.register("partners", table)
        out = plan_frame(con.sql(query.sql()).pl())
    finally:
        con.close()
    ev = _evaluation(program, dataset, query.plan, out, detail, engine="duckdb", wide=query.plan.itype != "BIGINT")
    flagged = out["__fallback__"]
    if flagged.any():
        _patch(ev, [i for i, f in enumerate(flagged.to_list()) if f])
    return ev
