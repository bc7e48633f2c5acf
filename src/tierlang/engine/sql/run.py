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

__all__ = ["evaluate_duckdb", "evaluate_spark", "plan_frame", "spark_session"]


def plan_frame(out: pl.DataFrame) -> pl.DataFrame:
    """A plan result read back from a database, in the dataset's row order, with the score
    columns as integers (a 128-bit integer arrives as DECIMAL(38, 0) through Arrow)."""
    casts = []
    for name, dtype in out.schema.items():
        if name.startswith(("S:", "O:")) and isinstance(dtype, pl.Decimal):
            casts.append(pl.col(name).cast(pl.Int128))
        elif name.startswith(("L:", "V:", "P:")):
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


_SPARK = None


def spark_session():
    """The process's SparkSession, made on first use: local mode on every core unless
    SPARK_MASTER or a running session says otherwise, ANSI SQL (overflow is an error, never a
    wrapped or null number), no web UI."""
    global _SPARK
    if _SPARK is None:
        import os

        from pyspark.sql import SparkSession

        local = "SPARK_MASTER" not in os.environ
        if local:  # a local session listens on the loopback interface only
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = SparkSession.builder.master(os.environ.get("SPARK_MASTER", "local[*]")).appName("tierlang")
        if local:
            builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        _SPARK = (
            builder.config("spark.sql.ansi.enabled", "true")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.driver.memory", os.environ.get("TIER_SPARK_DRIVER_MEMORY", "2g"))
            .getOrCreate()
        )
        _SPARK.sparkContext.setLogLevel("ERROR")
    return _SPARK


def evaluate_spark(program: ir.Program, dataset: Dataset, detail: bool = False, session=None) -> Evaluation:
    """Evaluate a validated dataset with the compiled query in Spark (local mode by default;
    `session`: a SparkSession of the caller's, e.g. on a cluster)."""
    import pyarrow as pa

    from tierlang.engine.api import _evaluation, _patch
    from tierlang.engine.vectorized import magnitudes_of

    frame = dataset.frame
    magnitudes = magnitudes_of(frame, list(dataset.scales))
    try:
        query = compile_sql(
            program, "spark", table="partners", scales=dataset.scales, magnitudes=magnitudes, output="plan", detail=detail, keep=(ROW,)
        )
    except Unsupported as e:
        raise NoInt64(str(e)) from None
    needed = [ROW, PID, *(m.name for m in program.input_metrics if m.name in frame.columns)]
    table = frame.select([pl.col(c).cast(pl.Decimal(38, 0)) if frame.schema[c] == pl.Int128 else pl.col(c) for c in needed])
    spark = session or spark_session()
    spark.createDataFrame(table.to_arrow()).createOrReplaceTempView("partners")
    result: pa.Table = spark.sql(query.sql(pretty=False).rstrip().rstrip(";")).toArrow()
    out = plan_frame(pl.from_arrow(result))  # type: ignore[arg-type]
    ev = _evaluation(program, dataset, query.plan, out, detail, engine="spark", wide=query.plan.itype != "BIGINT")
    flagged = out["__fallback__"]
    if flagged.any():
        _patch(ev, [i for i, f in enumerate(flagged.to_list()) if f])
    return ev
