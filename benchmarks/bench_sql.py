"""SQL benchmark (DESIGN §7): the compiled query in DuckDB against a hand-written DuckDB query,
and PostgreSQL and Spark timings beside the polars engine, on the same 1M partners.

    python benchmarks/bench_sql.py [--rows N] [--repeat K] [--no-postgres] [--no-spark] [--data DIR] [--results FILE]

1. DuckDB (in process, 2 threads): the table `partners` is loaded once per input type users
   have — Parquet with DECIMAL(18, 2) decimals, Parquet with DOUBLE decimals (Float64), CSV
   through DuckDB's inference (`read_csv_auto`) — then, alternating K times, the query
   `tier compile --emit sql --dialect duckdb` prints and benchmarks/baseline_duckdb.sql (the
   same rules hand-written in DOUBLE, no validation) each write their long result to a table
   (CREATE TABLE AS). Wall and CPU time of the statement; loading is not timed. The levels of
   both are compared (the baseline's binary floats tip some).
2. PostgreSQL (a throw-away local server, tests/pgserver.py): the CSV copied into a table
   (not timed), then `write_into` (the results table created inside the database) and
   `evaluate_postgres` (results read back), beside the polars engine (`evaluate` of the same
   CSV, in process).
3. Spark (local mode, every core): `--engine spark` on the loaded dataset (the SparkSession's
   start not timed), beside the polars engine on the same dataset.

Writes the `bench_sql` section of RESULTS.md. Timings are never asserted in tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import generate  # noqa: E402
from common import machine, write_section  # noqa: E402

PROGRAM = ROOT / "programs" / "cloudpartner2022.tier"
TARGET = 1.2


def timed(fn, *args) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process, all threads) of one call."""
    w, c = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - w, time.process_time() - c


def bench_duckdb(program, compiled: str, baseline: str, csv: Path, parquet: Path, f64: Path, repeat: int) -> list[dict]:
    import duckdb

    loads = {
        "Parquet, DECIMAL(18, 2)": f"SELECT * FROM read_parquet('{parquet}')",
        "Parquet, DOUBLE": f"SELECT * FROM read_parquet('{f64}')",
        "CSV (read_csv_auto)": f"SELECT * FROM read_csv_auto('{csv}')",
    }
    rows = []
    for label, load in loads.items():
        con = duckdb.connect(config={"threads": 2})
        con.execute(f"CREATE TABLE partners AS {load}")
        runs: dict[str, list[tuple[float, float]]] = {"compiled": [], "hand-written": []}
        for _ in range(repeat):
            runs["compiled"].append(timed(con.execute, f"CREATE OR REPLACE TABLE out_tier AS {compiled}"))
            runs["hand-written"].append(timed(con.execute, f"CREATE OR REPLACE TABLE out_base AS {baseline}"))
        wrong = con.execute(
            "SELECT count(*) FROM out_tier t JOIN out_base b USING (partner_id, track) WHERE coalesce(t.level, '') <> coalesce(b.level, '')"
        ).fetchone()[0]
        con.close()
        med = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
        cpu = {k: statistics.median(c for _, c in v) for k, v in runs.items()}
        rows.append({"input": label, "runs": runs, "wall": med, "cpu": cpu, "wrong": wrong})
        print(
            f"duckdb {label}: compiled {med['compiled']:.2f} s, hand-written {med['hand-written']:.2f} s, ratio {med['compiled'] / med['hand-written']:.2f}",
            flush=True,
        )
    return rows


def bench_postgres(program, csv: Path, repeat: int) -> dict:
    import psycopg

    from tests import pgserver
    from tierlang.engine import evaluate
    from tierlang.engine.sql.database import evaluate_postgres, write_into

    server, stop = pgserver.start(statement_timeout="30min")
    try:
        header = csv.open().readline().strip().split(",")
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("CREATE TABLE partners (" + ", ".join(f'"{c}" TEXT' for c in header) + ")")
            with conn.cursor().copy("COPY partners FROM STDIN WITH (FORMAT csv, HEADER true)") as copy, csv.open("rb") as f:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
            # typed as a warehouse would type it: counts bigint, decimals numeric(18, 2), in one
            # ALTER TABLE (one per column rewrote the 1M-row table once per column)
            changes = []
            for m in program.input_metrics:
                c = m.column or m.name
                t = "BIGINT" if m.type.kind.value == "count" else "NUMERIC(18, 2)"
                changes.append(f'ALTER COLUMN "{c}" TYPE {t} USING "{c}"::{t}')
            conn.execute("ALTER TABLE partners " + ", ".join(changes))
            conn.execute("ANALYZE partners")
        out = {"into": [], "read back": [], "polars": []}
        for _ in range(repeat):
            out["into"].append(timed(lambda: write_into(program, server.url, into="results"))[0])
            out["read back"].append(timed(lambda: evaluate_postgres(program, server.url))[0])
            out["polars"].append(timed(lambda: evaluate(program, str(csv)).long())[0])
        return {k: statistics.median(v) for k, v in out.items()} | {"runs": out}
    finally:
        stop()


def bench_spark(program, parquet: Path, repeat: int) -> dict:
    from tierlang.data import load_dataset
    from tierlang.engine import evaluate_dataset
    from tierlang.engine.sql.run import spark_session

    ds = load_dataset(parquet, program)
    t0 = time.perf_counter()
    spark_session()
    start = time.perf_counter() - t0
    evaluate_dataset(program, ds, engine="spark")  # warm: the JVM compiles the plan's code once
    out = {"spark": [], "polars": []}
    for _ in range(repeat):
        out["spark"].append(timed(lambda: evaluate_dataset(program, ds, engine="spark").long())[0])
        out["polars"].append(timed(lambda: evaluate_dataset(program, ds, engine="vectorized").long())[0])
    return {k: statistics.median(v) for k, v in out.items()} | {"runs": out, "start": start}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--results", default=str(HERE / "RESULTS.md"))
    ap.add_argument(
        "--data",
        type=Path,
        default=HERE / "data",
        help="folder of partners_N.{csv,decimal.parquet,float.parquet} (written there when missing)",
    )
    args = ap.parse_args()

    from tierlang.engine.sql import compile_sql
    from tierlang.loader import load_program

    info = {**machine(), "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    paths = generate.write(args.rows, args.data, ("csv", "decimal.parquet", "float.parquet"))
    csv, parquet, f64 = paths["csv"], paths["decimal.parquet"], paths["float.parquet"]
    program = load_program(PROGRAM).program
    compiled = compile_sql(program, "duckdb").sql().rstrip().rstrip(";")
    baseline = (HERE / "baseline_duckdb.sql").read_text()
    duck = bench_duckdb(program, compiled, baseline, csv, parquet, f64, args.repeat)
    pg = None if args.no_postgres else bench_postgres(program, csv, args.repeat)
    spark = None if args.no_spark else bench_spark(program, parquet, args.repeat)
    info["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    write_section(Path(args.results), "bench_sql", section(args, info, duck, pg, spark))
    print(f"wrote the bench_sql section of {args.results}")


def section(args, info, duck, pg, spark) -> str:
    lines = [
        "## SQL: the compiled query against a hand-written one (benchmarks/bench_sql.py)",
        "",
        f"Written by `benchmarks/bench_sql.py` on {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}, "
        f"{args.rows:,} synthetic partners (benchmarks/generate.py), {args.repeat} runs each, alternating; medians.",
        "",
        *[f"- {k}: {v}" for k, v in info.items()],
        "",
        "### DuckDB (in process, 2 threads; the long result written to a table)",
        "",
        "| input | compiled query (s) | hand-written (s) | ratio (target ≤ 1.2) | CPU ratio | levels the hand-written query gets wrong |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in duck:
        ratio = r["wall"]["compiled"] / r["wall"]["hand-written"]
        cpu = r["cpu"]["compiled"] / r["cpu"]["hand-written"]
        ok = "met" if ratio <= TARGET else "**not met**"
        lines.append(
            f"| {r['input']} | {r['wall']['compiled']:.2f} | {r['wall']['hand-written']:.2f} | {ratio:.2f} ({ok}) | {cpu:.2f} | {r['wrong']:,} |"
        )
    lines += [
        "",
        "The compiled query reads every column exactly (a DOUBLE as its shortest decimal text, "
        "checked), checks every value, computes in exact integers and writes scores as exact "
        "text; the hand-written one reads DOUBLEs and validates nothing.",
        "",
    ]
    if pg:
        lines += [
            "### PostgreSQL (a local server, the table typed BIGINT / NUMERIC(18, 2))",
            "",
            "| case | median (s) |",
            "|---|---:|",
            f"| `tier eval --db … --into results` (computed and written inside the database) | {pg['into']:.2f} |",
            f"| `tier eval --db …` (one row per partner read back) | {pg['read back']:.2f} |",
            f"| polars engine on the same data as CSV (read, validate, evaluate, in process) | {pg['polars']:.2f} |",
            "",
        ]
    if spark:
        lines += [
            "### Spark (local mode, pyspark)",
            "",
            "| case | median (s) |",
            "|---|---:|",
            f"| `--engine spark` on the loaded dataset (compiled query, results back through Arrow) | {spark['spark']:.2f} |",
            f"| polars engine on the same dataset | {spark['polars']:.2f} |",
            f"| SparkSession start (once per process, not in the rows above) | {spark['start']:.1f} |",
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
