"""SQL benchmark (DESIGN §7): the compiled query in DuckDB against a hand-written DuckDB query,
and PostgreSQL and Spark timings beside the polars engine, on the same 1M partners.

    python benchmarks/bench_sql.py [--rows N] [--repeat K] [--no-duckdb] [--no-postgres] [--no-spark] [--data DIR] [--results FILE]

1. DuckDB (in process, 2 threads): the table `partners` is loaded once per input type users
   have — Parquet with DECIMAL(18, 2) decimals, Parquet with DOUBLE decimals (Float64), CSV
   through DuckDB's inference (`read_csv_auto`) — then, alternating K times, the query
   `tier compile --emit sql --dialect duckdb` prints and two hand-written queries of the same
   rules — benchmarks/baseline_duckdb.sql (DOUBLE, no validation) and
   benchmarks/baseline_duckdb_exact.sql (exact integers, input checked) — each write their
   long result to a table (CREATE TABLE AS). Wall and CPU time of the statement; loading is
   not timed. The levels and scores of each baseline are compared with the compiled query's.
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
#: The hand-written DuckDB queries: DOUBLE and unchecked, as an analyst writes them quickly;
#: exact and checked, as a careful one writes them (what the compiled query also does).
BASELINES = {"DOUBLE, unchecked": "baseline_duckdb", "exact, checked": "baseline_duckdb_exact"}


def timed(fn, *args, server=None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one call: this process's, all threads, plus the CPU the
    process `server` (a database server or a JVM, with its children) spent meanwhile."""
    w, c, s = time.perf_counter(), time.process_time(), proc_cpu(server)
    fn(*args)
    return time.perf_counter() - w, time.process_time() - c + proc_cpu(server) - s


def proc_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) of process `pid`, its children that ended, and its live
    children (PostgreSQL's backends, a JVM's threads), from /proc; 0 without a pid."""
    if pid is None:
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")

    def fields(p: str) -> list[str]:
        # the command name (in parentheses) may hold spaces: split after its closing one
        return Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()

    total = sum(int(x) for x in fields(str(pid))[11:15])
    for p in os.listdir("/proc"):
        if p.isdigit() and p != str(pid):
            try:
                f = fields(p)
            except OSError:
                continue
            if f[1] == str(pid):
                total += int(f[11]) + int(f[12])
    return total / tick


def bench_duckdb(compiled: str, baselines: dict[str, str], csv: Path, parquet: Path, f64: Path, repeat: int) -> list[dict]:
    """Each input type: the compiled query and each hand-written baseline, alternating (the
    order turns round each run), CPU and wall time of the statement; then how many levels and
    scores each baseline writes differently from the compiled query."""
    import duckdb

    loads = {
        "Parquet, DECIMAL(18, 2)": f"SELECT * FROM read_parquet('{parquet}')",
        "Parquet, DOUBLE": f"SELECT * FROM read_parquet('{f64}')",
        "CSV (read_csv_auto)": f"SELECT * FROM read_csv_auto('{csv}')",
    }
    queries = {"compiled": compiled, **baselines}
    rows = []
    for label, load in loads.items():
        con = duckdb.connect(config={"threads": 2})
        con.execute(f"CREATE TABLE partners AS {load}")
        runs: dict[str, list[tuple[float, float]]] = {k: [] for k in queries}
        order = list(queries.items())
        for k in range(repeat):
            for name, sql in order if k % 2 == 0 else order[::-1]:
                runs[name].append(timed(con.execute, f'CREATE OR REPLACE TABLE "out {name}" AS {sql}'))
        wrong = {
            name: con.execute(
                f"SELECT count(*) FILTER (coalesce(t.level, '') <> coalesce(b.level, '')), "
                f"count(*) FILTER (CAST(t.score AS DECIMAL(38, 6)) IS DISTINCT FROM CAST(b.score AS DECIMAL(38, 6))) "
                f'FROM "out compiled" t JOIN "out {name}" b USING (partner_id, track)'
            ).fetchone()
            for name in baselines
        }
        con.close()
        med = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
        cpu = {k: statistics.median(c for _, c in v) for k, v in runs.items()}
        rows.append({"input": label, "runs": runs, "wall": med, "cpu": cpu, "wrong": wrong})
        print(
            f"duckdb {label}: CPU "
            + ", ".join(f"{k} {v:.2f} s" for k, v in cpu.items())
            + ", ratios "
            + ", ".join(f"{cpu['compiled'] / cpu[k]:.2f}" for k in baselines),
            flush=True,
        )
    return rows


def bench_postgres(program, csv: Path, repeat: int, url: str | None = None) -> dict:
    """`tier eval --db` into a table and read back, beside the polars engine, on the CSV loaded
    into the database at `url` (its tables partners and results are replaced); by default a
    throw-away local server (tests/pgserver.py, as the tests start one)."""
    if url is None:
        from tests import pgserver

        server, stop = pgserver.start(statement_timeout="30min")
        try:
            return bench_postgres(program, csv, repeat, server.url)
        finally:
            stop()

    import psycopg

    from tierlang.engine import evaluate
    from tierlang.engine.sql.database import evaluate_postgres, write_into

    header = csv.open().readline().strip().split(",")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS partners")
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
        # the postmaster: the parent of this connection's backend
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        postmaster = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    out = {"into": [], "read back": [], "polars": []}
    for k in range(repeat):
        cases = [
            ("into", lambda: write_into(program, url, into="results"), postmaster),
            ("read back", lambda: evaluate_postgres(program, url), postmaster),
            ("polars", lambda: evaluate(program, str(csv)).long(), None),
        ]
        for name, fn, pid in cases if k % 2 == 0 else cases[::-1]:
            out[name].append(timed(fn, server=pid))
            print(f"postgres {name}: {out[name][-1][0]:.2f} s wall, {out[name][-1][1]:.2f} s CPU", flush=True)
    return medians(out)


def bench_spark(program, parquet: Path, repeat: int) -> dict:
    from tierlang.data import load_dataset
    from tierlang.engine import evaluate_dataset
    from tierlang.engine.sql.run import spark_session

    ds = load_dataset(parquet, program)
    t0 = time.perf_counter()
    session = spark_session()
    start = time.perf_counter() - t0
    jvm = session.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
    evaluate_dataset(program, ds, engine="spark")  # warm: the JVM compiles the plan's code once
    out = {"spark": [], "polars": []}
    for k in range(repeat):
        cases = [
            ("spark", lambda: evaluate_dataset(program, ds, engine="spark").long(), jvm),
            ("polars", lambda: evaluate_dataset(program, ds, engine="vectorized").long(), None),
        ]
        for name, fn, pid in cases if k % 2 == 0 else cases[::-1]:
            out[name].append(timed(fn, server=pid))
            print(f"spark {name}: {out[name][-1][0]:.2f} s wall, {out[name][-1][1]:.2f} s CPU", flush=True)
    return medians(out) | {"start": start}


def medians(out: dict[str, list[tuple[float, float]]]) -> dict:
    """Each case's median (wall, CPU) seconds, and the runs."""
    return {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in out.items()} | {"runs": out}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-duckdb", action="store_true")
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
    baselines = {name: (HERE / f"{file}.sql").read_text() for name, file in BASELINES.items()}
    duck = [] if args.no_duckdb else bench_duckdb(compiled, baselines, csv, parquet, f64, args.repeat)
    pg = None if args.no_postgres else bench_postgres(program, csv, args.repeat)
    spark = None if args.no_spark else bench_spark(program, parquet, args.repeat)
    info["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    write_section(Path(args.results), "bench_sql", section(args, info, duck, pg, spark))
    print(f"wrote the bench_sql section of {args.results}")


def duck_lines(duck) -> list[str]:
    lines = [
        "### DuckDB (in process, 2 threads; the long result written to a table)",
        "",
        "CPU seconds (user + system, all threads) of the statement, medians; ratio = compiled ÷ hand-written (target ≤ 1.2).",
        "",
        "| input | compiled query | hand-written, DOUBLE, unchecked | ratio | hand-written, exact, checked | ratio | wall: compiled / DOUBLE / exact (s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in duck:
        cpu, wall = r["cpu"], r["wall"]
        cells = []
        for name in BASELINES:
            ratio = cpu["compiled"] / cpu[name]
            cells += [f"{cpu[name]:.2f}", f"{ratio:.2f} ({'met' if ratio <= TARGET else '**not met**'})"]
        walls = " / ".join(f"{wall[k]:.2f}" for k in ("compiled", *BASELINES))
        lines.append(f"| {r['input']} | {cpu['compiled']:.2f} | {' | '.join(cells)} | {walls} |")
    lines += [
        "",
        "Rows where a hand-written query writes another level or score than the compiled query "
        "(scores compared as DECIMAL(38, 6): the DOUBLE query's binary scores rounded to six places): "
        + "; ".join(f"{r['input']}: " + ", ".join(f"{n} {lv:,} levels / {sc:,} scores" for n, (lv, sc) in r["wrong"].items()) for r in duck)
        + ".",
        "",
        "The compiled query reads every column exactly (a DOUBLE as its shortest decimal text, "
        "checked), checks every value, computes in exact integers and writes scores as DECIMAL(38, 6) "
        "(the contract's exact decimal). benchmarks/baseline_duckdb.sql reads DOUBLEs and validates nothing; "
        "benchmarks/baseline_duckdb_exact.sql checks missing values, ranges and repeated ids, "
        "reads decimals as DECIMAL(18, 6) and computes in 64-bit integers over a denominator per "
        "track, and writes DECIMAL(18, 6) scores.",
        "",
    ]
    return lines


def section(args, info, duck, pg, spark) -> str:
    lines = [
        "## SQL: the compiled query against a hand-written one (benchmarks/bench_sql.py)",
        "",
        f"Written by `benchmarks/bench_sql.py` on {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}, "
        f"{args.rows:,} synthetic partners (benchmarks/generate.py), {args.repeat} runs each, alternating; medians.",
        "",
        *[f"- {k}: {v}" for k, v in info.items()],
        "",
    ]
    if duck:
        lines += duck_lines(duck)
    if pg:
        lines += [
            "### PostgreSQL (a local server, the table typed BIGINT / NUMERIC(18, 2))",
            "",
            "CPU is this process's plus the server's (the postmaster and its backends, from /proc).",
            "",
            "| case | wall (s) | CPU (s) |",
            "|---|---:|---:|",
            f"| `tier eval --db … --into results` (computed and written inside the database) | {pg['into'][0]:.2f} | {pg['into'][1]:.2f} |",
            f"| `tier eval --db …` (one row per partner read back) | {pg['read back'][0]:.2f} | {pg['read back'][1]:.2f} |",
            f"| polars engine on the same data as CSV (read, validate, evaluate, in process) | {pg['polars'][0]:.2f} | {pg['polars'][1]:.2f} |",
            "",
        ]
    if spark:
        lines += [
            "### Spark (local mode, pyspark)",
            "",
            "CPU is this process's plus the JVM's (all its threads, from /proc).",
            "",
            "| case | wall (s) | CPU (s) |",
            "|---|---:|---:|",
            f"| `--engine spark` on the loaded dataset (compiled query, results back through Arrow) | {spark['spark'][0]:.2f} | {spark['spark'][1]:.2f} |",
            f"| polars engine on the same dataset | {spark['polars'][0]:.2f} | {spark['polars'][1]:.2f} |",
            f"| SparkSession start (once per process, not in the rows above) | {spark['start']:.1f} | |",
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
