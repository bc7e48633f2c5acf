"""Benchmark: 10M partners in bounded memory (issue 18, item 4).

`tier eval` (to CSV and to Parquet) and `tier diff --data` (cloudpartner2022 against
cloudpartner2023, JSON report) on 1M and on 10M partners from Parquet, each a whole process,
alternating 1M and 10M: wall time, CPU time (user + system) and peak resident memory (wait4).
Targets: peak memory at 10M at most 6 GB, and CPU at 10M at most 1.1 × 10 × the CPU at 1M.

The 1M file is benchmarks/generate.py's (DECIMAL or Float64 Parquet); the 10M file is that
file ten times with new partner ids (P0… to P9…), written once, lazily, beside it.

    python benchmarks/bench_scale.py [--data DIR] [--runs N] [--layouts decimal.parquet,float.parquet]

The results go to the bench_scale section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (benchmarks/ is not a package)
from common import load_average, machine, run_process, write_section  # noqa: E402

MEMORY_GB = 6.0
GROWTH = 1.1 * 10  # CPU at 10M / CPU at 1M, at most


def ten_times(one: Path, rows: int) -> Path:
    """`one` (rows partners) ten times with new partner ids, as one Parquet file (made once)."""
    import polars as pl

    out = one.with_name(one.name.replace(f"_{rows}.", f"_{rows * 10}."))
    if out.exists():
        return out
    tmp = out.with_name(out.name + ".tmp")
    parts = [
        pl.scan_parquet(one).with_columns(pl.concat_str([pl.lit(f"P{k}"), pl.col("partner_id").str.slice(1)]).alias("partner_id"))
        for k in range(10)
    ]
    pl.concat(parts).sink_parquet(tmp, row_group_size=125_000)
    tmp.rename(out)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(HERE / "data"), help="Where the inputs are kept (default benchmarks/data).")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--layouts", default="decimal.parquet", help="decimal.parquet and/or float.parquet, comma-separated")
    ap.add_argument("--results", default=str(HERE / "RESULTS.md"))
    args = ap.parse_args()
    layouts = tuple(x for x in args.layouts.split(",") if x)
    start = {**machine(), "load average at start": load_average()}
    files = generate.write(args.rows, Path(args.data), layouts)
    py = sys.executable
    old, new = str(ROOT / "programs" / "cloudpartner2022.tier"), str(ROOT / "programs" / "cloudpartner2023.tier")
    out = Path(tempfile.mkdtemp(prefix="tier-bench-scale-"))
    cases: dict[str, dict[int, list[str]]] = {}
    for layout, one in files.items():
        sizes = {args.rows: one, args.rows * 10: ten_times(one, args.rows)}
        for what, ext in (("tier eval → CSV", "csv"), ("tier eval → Parquet", "parquet"), ("tier diff --data → JSON", "json")):
            cmds = {}
            for n, path in sizes.items():
                target = str(out / f"r{n}.{ext}")
                if ext == "json":
                    cmds[n] = [py, "-m", "tierlang", "diff", old, new, "--data", str(path), "-o", target]
                else:
                    cmds[n] = [py, "-m", "tierlang", "eval", old, str(path), "-o", target]
            cases[f"{layout}: {what}"] = cmds
    runs: dict[tuple[str, int], list[tuple[float, float, float, str]]] = {}
    for k in range(args.runs):
        for name, cmds in cases.items():
            order = list(cmds.items()) if k % 2 == 0 else list(cmds.items())[::-1]
            for n, cmd in order:
                load = load_average()
                wall, cpu, peak = run_process(cmd)
                runs.setdefault((name, n), []).append((wall, cpu, peak, load))
                print(f"{name} {n:>10,}: wall {wall:7.2f} s  cpu {cpu:7.2f} s  peak {peak:5.2f} GB  load {load}", file=sys.stderr)
    for f in out.iterdir():
        f.unlink()
    out.rmdir()
    start["load average at end"] = load_average()
    write_section(Path(args.results), "bench_scale", section(args, start, cases, runs))
    print(f"wrote the bench_scale section of {args.results}", file=sys.stderr)


def section(args, info: dict, cases: dict, runs: dict) -> str:
    def med(name: str, n: int, i: int) -> float:
        return statistics.median(r[i] for r in runs[(name, n)])

    small, big = args.rows, args.rows * 10
    lines = [
        f"## {big:,} partners in bounded memory (benchmarks/bench_scale.py)",
        "",
        f"Written by `benchmarks/bench_scale.py` on {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}: whole processes, "
        f"{args.runs} run(s) each, alternating {small:,} and {big:,} partners; medians; peak RSS from wait4; the 1-minute "
        "load average when each run started. The 10M file is the 1M file ten times with new partner ids.",
        "",
        *[f"- {k}: {v}" for k, v in info.items()],
        "",
        f"| case | CPU {small:,} (s) | CPU {big:,} (s) | CPU ratio (≤ {GROWTH:g}) | wall {small:,} / {big:,} (s) | "
        f"peak {small:,} / {big:,} (GB, ≤ {MEMORY_GB:g} at 10M) | loads | |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for name in cases:
        c1, c10 = med(name, small, 1), med(name, big, 1)
        p1, p10 = max(r[2] for r in runs[(name, small)]), max(r[2] for r in runs[(name, big)])
        ok = c10 / c1 <= GROWTH and p10 <= MEMORY_GB
        loads = ", ".join(r[3].split(" / ")[0] for n in (small, big) for r in runs[(name, n)])
        lines.append(
            f"| {name} | {c1:.2f} | {c10:.2f} | {c10 / c1:.2f} | {med(name, small, 0):.1f} / {med(name, big, 0):.1f} | "
            f"{p1:.2f} / {p10:.2f} | {loads} | {'met' if ok else '**not met**'} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
