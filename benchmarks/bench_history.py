"""Benchmark: a history of 430,000 partners × 24 months (target: at most 1.5× a hand-written
polars query, DESIGN §7).

Data: `tier synth programs/cloudpartner2022.tier --months 24 --from 2022-10` (the default
population of 430,000 organizations, month-to-month persistence, partners joining and
leaving), written once to benchmarks/data/ (git-ignored) as Parquet and reused.

Measured, each as its own process (interpreter start, imports and program loading included),
alternating, --runs times each (default 3):
- `tier eval programs/cloudpartner2022.tier HISTORY --history -o out.parquet`: every month
  evaluated exactly, the qualification window, the badge and status from the held
  designations, the DESIGN §4.4 rows written;
- `benchmarks/baseline_history.py HISTORY out.parquet`: the same rules hand-written as one
  polars query in Float64 (benchmarks/baseline.py's), the same window, the same rows.
Wall time, CPU time (user + system, all threads) and peak memory; then the levels and
held_by of both outputs are compared row by row.

    python benchmarks/bench_history.py [--partners N] [--months N] [--runs N] [--data FILE] [--data-dir DIR]
                                       [--results FILE] [--no-results]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
sys.path.insert(0, str(HERE))

import polars as pl  # noqa: E402
from common import alternate, load_average, machine, src_env, write_section  # noqa: E402  (benchmarks/ is not a package)

DATA = HERE / "data"
RESULTS = HERE / "RESULTS.md"
PROGRAM = ROOT / "programs" / "cloudpartner2022.tier"
TARGET = 1.5


def _data(partners: int, months: int, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"history-{partners}x{months}.parquet"
    if not path.exists():
        print(f"writing {partners:,} partners × {months} months to {path} ...", file=sys.stderr)
        cmd = [sys.executable, "-m", "tierlang", "synth", str(PROGRAM), "--rows", str(partners), "--months", str(months)]
        cmd += ["--from", "2022-10", "--seed", "2013", "-o", str(path)]
        subprocess.run(cmd, check=True, env=src_env())
    return path


def _compare(ours: Path, theirs: Path) -> tuple[int, int]:
    """(rows, rows whose level or held_by differ) of the two outputs."""
    keys = ["partner_id", "month", "track"]
    a = pl.scan_parquet(ours).select(*keys, "level", "held_by")
    b = pl.scan_parquet(theirs).select(*keys, pl.col("level").alias("level_b"), pl.col("held_by").alias("held_by_b"))
    joined = a.join(b, on=keys, how="full", coalesce=True)
    differ = ~(pl.col("level").eq_missing(pl.col("level_b")) & pl.col("held_by").eq_missing(pl.col("held_by_b")))
    rows, wrong = joined.select(pl.len(), differ.sum()).collect().row(0)
    return int(rows), int(wrong)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--partners", type=int, default=430_000)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--data", type=Path, default=None, help="a history file to use (default: made once by tier synth)")
    ap.add_argument(
        "--data-dir", type=Path, default=DATA, help="where the history is made once and the outputs are written (default benchmarks/data)"
    )
    ap.add_argument(
        "--results",
        type=Path,
        default=RESULTS,
        help="the Markdown file whose bench_history section is written (default benchmarks/RESULTS.md)",
    )
    ap.add_argument("--no-results", action="store_true", help="print only; write no results file")
    args = ap.parse_args(argv)
    data = args.data or _data(args.partners, args.months, args.data_dir)
    rows_in = pl.scan_parquet(data).select(pl.len()).collect().item()
    os.environ["TIER_CACHE_DIR"] = tempfile.mkdtemp(prefix="tier-bench-cache-")
    subprocess.run([sys.executable, "-m", "tierlang", "check", str(PROGRAM)], check=True, env=src_env(), capture_output=True)
    load_before = load_average()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.data_dir) as tmp:
        ours, theirs = Path(tmp) / "tier.parquet", Path(tmp) / "baseline.parquet"
        tier = [sys.executable, "-m", "tierlang", "eval", str(PROGRAM), str(data), "--history", "-o", str(ours)]
        base = [sys.executable, str(HERE / "baseline_history.py"), str(data), str(theirs)]
        med = alternate({"tier": tier, "baseline": base}, args.runs)
        rows_out, wrong = _compare(ours, theirs)
    ratio, cpu_ratio = med["tier"][0] / med["baseline"][0], med["tier"][1] / med["baseline"][1]
    print(f"ratio wall {ratio:.2f}, cpu {cpu_ratio:.2f}; {wrong:,} of {rows_out:,} rows differ", file=sys.stderr)
    if not args.no_results:
        write_section(args.results, "bench_history", _section(args, rows_in, rows_out, wrong, med, ratio, cpu_ratio, load_before))
        print(f"updated {args.results}", file=sys.stderr)
    return 0 if ratio <= TARGET else 1


def _section(args, rows_in: int, rows_out: int, wrong: int, med: dict, ratio: float, cpu_ratio: float, load_before: str) -> str:
    ok = "met" if ratio <= TARGET else "missed"
    lines = [
        "## History (`tier eval --history`), benchmarks/bench_history.py",
        "",
        f"Measured {_dt.date.today().isoformat()} on {'; '.join(f'{k} {v}' for k, v in machine().items())}. "
        f"{args.partners:,} partners × {args.months} months of cloudpartner2022 from `tier synth --months` "
        f"({rows_in:,} partner-months: partners join and leave), Parquet; every run a fresh process; medians of "
        f"{args.runs} {'run' if args.runs == 1 else 'runs'}, alternating. Load average (1/5/15 min) before / after: {load_before} / {load_average()}.",
        "",
        "| | wall | CPU (user + system) | peak memory |",
        "|---|---:|---:|---:|",
        f"| `tier eval programs/cloudpartner2022.tier HISTORY --history -o out.parquet` | {med['tier'][0]:.2f} s | {med['tier'][1]:.2f} s | "
        f"{med['tier'][2]:.2f} GB |",
        f"| `benchmarks/baseline_history.py HISTORY out.parquet` | {med['baseline'][0]:.2f} s | {med['baseline'][1]:.2f} s | "
        f"{med['baseline'][2]:.2f} GB |",
        f"| ratio | **{ratio:.2f}×** | {cpu_ratio:.2f}× | |",
        "",
        f"Target (DESIGN §7): at most {TARGET:g}× the hand-written query: **{ok}** (wall time). Both write the same "
        f"{rows_out:,} rows (partner × month × 8 tracks, DESIGN §4.4); {wrong:,} differ in level or held_by (the "
        "baseline computes in binary floats and validates nothing; tierlang is exact and checks every value).",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
