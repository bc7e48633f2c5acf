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
        if name.startswith(("S:", "SD:", "O:")) and isinstance(dtype, pl.Decimal):
            casts.append(pl.col(name).cast(pl.Int128))
        elif name.startswith(("L:", "V:", "P:")):
            casts.append(pl.col(name).cast(pl.Int16))
    out = out.with_columns(casts) if casts else out
    return out.sort(ROW) if ROW in out.columns else out


def evaluate_duckdb(
    program: ir.Program, dataset: Dataset, detail: bool = False, threads: int | None = None, as_of_column: str | None = None
) -> Evaluation:
    """Evaluate a validated dataset with the compiled query in an in-process DuckDB
    (`as_of_column`: a Date column giving each row's evaluation date, as in `evaluate_dataset`).

    Raises `NoInt64` when the program's constants do not fit DuckDB's 128-bit integers
    (the caller evaluates every row exactly instead)."""
    import duckdb

    query, table = _compiled(program, dataset, "duckdb", detail, as_of_column)
    con = duckdb.connect(config={"threads": threads} if threads else {})
    try:
        con.register("partners", table)
        out = plan_frame(con.sql(query.sql()).pl())
    finally:
        con.close()
    return _results(program, dataset, query, out, detail, "duckdb", as_of_column)


def _compiled(program: ir.Program, dataset: Dataset, dialect: str, detail: bool, as_of_column: str | None = None):
    """The plan query for `dialect`, compiled for the dataset's scales and magnitudes, and
    the columns it reads as the table `partners`."""
    from tierlang.engine.vectorized import magnitudes_of

    frame = dataset.frame
    magnitudes = magnitudes_of(frame, list(dataset.scales))
    try:
        query = compile_sql(
            program,
            dialect,
            table="partners",
            scales=dataset.scales,
            magnitudes=magnitudes,
            output="plan",
            detail=detail,
            keep=(ROW,),
            as_of_column=as_of_column,
        )
    except Unsupported as e:
        raise NoInt64(str(e)) from None
    needed = [ROW, PID, *([as_of_column] if as_of_column else []), *(m.name for m in program.input_metrics if m.name in frame.columns)]
    # Arrow has no 128-bit integer: such columns (at most 38 digits, as the loader reads
    # them) travel as DECIMAL(38, 0), which the query casts back to a 128-bit integer.
    table = frame.select([pl.col(c).cast(pl.Decimal(38, 0)) if frame.schema[c] == pl.Int128 else pl.col(c) for c in needed])
    return query, table


def _results(
    program: ir.Program, dataset: Dataset, query, out: pl.DataFrame, detail: bool, engine: str, as_of_column: str | None = None
) -> Evaluation:
    """The plan's output as an `Evaluation`, rows the query flagged evaluated by the interpreter."""
    from tierlang.engine.api import _evaluation, _patch, _row_dates

    ev = _evaluation(program, dataset, query.plan, out, detail, engine=engine, wide=query.plan.itype != "BIGINT")
    flagged = out["__fallback__"]
    if flagged.any():
        _patch(ev, [i for i, f in enumerate(flagged.to_list()) if f], _row_dates(dataset, as_of_column))
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


def evaluate_spark(
    program: ir.Program, dataset: Dataset, detail: bool = False, session=None, as_of_column: str | None = None
) -> Evaluation:
    """Evaluate a validated dataset with the compiled query in Spark (local mode by default;
    `session`: a SparkSession of the caller's, e.g. on a cluster; `as_of_column` as in
    `evaluate_duckdb`)."""
    import pyarrow as pa

    query, table = _compiled(program, dataset, "spark", detail, as_of_column)
    spark = session or spark_session()
    spark.createDataFrame(table.to_arrow()).createOrReplaceTempView("partners")
    result: pa.Table = spark.sql(query.sql(pretty=False).rstrip().rstrip(";")).toArrow()
    out = plan_frame(pl.from_arrow(result))  # type: ignore[arg-type]
    return _results(program, dataset, query, out, detail, "spark", as_of_column)


def exact_text(frame: pl.DataFrame, scales: dict[str, int]) -> tuple[pl.DataFrame, dict[str, int]]:
    """`frame` with each scaled integer column (value = integer / scale, scale a power of 10)
    as its exact decimal text, and the decimal places of each: what a raw query reads back
    exactly, whatever the database's number types."""
    places: dict[str, int] = {}
    columns = []
    for c, s in scales.items():
        if c not in frame.columns:
            continue
        k = len(str(s)) - 1
        assert s == 10**k, f"scale {s} of column {c} is not a power of 10"
        places[c] = k
        v = pl.col(c).cast(pl.Int128)
        text = v.abs().cast(pl.String) if k == 0 else (v.abs() // s).cast(pl.String) + "." + (v.abs() % s).cast(pl.String).str.zfill(k)
        columns.append(pl.when(v.is_null()).then(None).otherwise(pl.when(v < 0).then(pl.lit("-")).otherwise(pl.lit("")) + text).alias(c))
    return (frame.with_columns(columns) if columns else frame), places


def records_inputs(program: ir.Program, records) -> tuple[dict[str, pl.DataFrame], dict[str, int], frozenset[str]]:
    """The tables of a validated `Records` as the raw query reads them (numbers as exact
    text), the decimal places of each number column (`compile_sql(places=...)`), and the
    related tables that are absent (read as empty)."""
    from tierlang.engine.sql.records import records_tables

    ds = records.dataset
    partners, places = exact_text(ds.frame.drop(ROW, strict=False), ds.scales)
    frames = {"partners": partners}
    absent = set()
    kept = ds.frame[PID].implode()
    for name in records_tables(program):
        data = records.tables.get(name)
        if data is None or data.path is None:
            absent.add(name)
            continue
        # rows of partners left out (on_error="report") go with them
        frame, own = exact_text(data.frame.drop(ROW, strict=False).filter(pl.col(PID).is_in(kept)), data.scales)
        frames[name] = frame
        places.update({f"{name}.{c}": k for c, k in own.items()})
    return frames, places, frozenset(absent)


def evaluate_records_sql(program: ir.Program, records, engine: str, detail: bool = False) -> Evaluation:
    """A records program in DuckDB or Spark: the tables tierlang's loader validated (the
    same checks and messages as every engine), registered under their names, and the query
    of `tier compile --emit sql`, the records stage included, run on them."""
    from sqlglot import exp

    from tierlang.engine.api import _evaluation
    from tierlang.engine.sql.backend import col
    from tierlang.records import check_ranges
    from tierlang.records.frames import Values, den_column

    frames, places, absent = records_inputs(program, records)
    query = compile_sql(program, engine, output="plan", detail=detail, places=places, absent_tables=absent, decimals=0, check_ranges=False)
    # the records metrics come back with the plan and are range-checked here, as the polars
    # stage checks them (the same partner named first, the others counted)
    rec = query.records
    assert rec is not None and isinstance(query.tree, exp.Select)
    ranged = [m.name for m in program.record_metrics if m.name in rec.scales and (m.minimum is not None or m.maximum is not None)]
    metrics = [c for m in ranged for c in (m, den_column(m)) if c == m or m in rec.ratios]
    query.tree.select(*(col(c) for c in metrics), copy=False)
    text = query.sql(pretty=False)
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect()
        try:
            for name, frame in frames.items():
                con.register(name, frame)
            out = con.sql(text).pl()
        finally:
            con.close()
    else:
        spark = spark_session()
        for name, frame in frames.items():
            spark.createDataFrame(frame.to_arrow()).createOrReplaceTempView(name)
        tree = _checkpointed(spark, query.tree, query.dialect.sqlglot)
        out = pl.from_arrow(spark.sql(tree.sql(query.dialect.sqlglot)).toArrow())  # type: ignore[assignment]
    ds = records.dataset
    out = plan_frame(ds.frame.select(ROW, PID).join(out, on=PID, how="left"))  # type: ignore[arg-type]
    if metrics:
        check_ranges(
            program,
            Values(
                out.select(PID, *(pl.col(c).cast(pl.Int128) for c in metrics)), {m: rec.scales[m] for m in ranged}, rec.ratios & set(ranged)
            ),
        )
        out = out.drop(metrics)
    return _evaluation(program, ds, query.plan, out, detail, engine=engine, wide=True)


def _checkpointed(spark, tree, dialect: str):
    """`tree` without the CTEs that read the tables (`partners_read`, `partners_checked`,
    `rows_<table>`): each is computed once, checkpointed and registered as a view of that
    name, which the rest of the query reads.

    Spark inlines every deterministic CTE at each of its references: a related table's
    rows, read by every aggregate over it, and the partners, read by each related table's
    check, would otherwise be copied into the plan dozens of times, and analyzing that plan
    took minutes for the Cloud Partner Program's records query."""
    with_ = tree.args.get("with_")
    if with_ is None:
        return tree
    tree = tree.copy()
    with_ = tree.args["with_"]
    kept = []
    for cte in with_.expressions:
        if cte.alias in ("partners_read", "partners_checked") or cte.alias.startswith("rows_"):
            spark.sql(cte.this.sql(dialect)).localCheckpoint().createOrReplaceTempView(cte.alias)
        else:
            kept.append(cte)
    with_.set("expressions", kept)
    return tree
