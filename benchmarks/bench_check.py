"""Benchmark: parse + check of each shipped program (target: <= 0.1 s for the largest).

Measures, per program, in CPU time (user + system: the machine is shared, and wall time
mostly measures the others' work), in this process (after one warm-up so Lark's grammar
cache is hot, as it is for every run after the first on a machine):
- baseline: Lark's raw LALR parse of the text into a parse tree (no AST, no checks);
- parse:    text -> AST (`tierlang.syntax.parser.parse`);
- check:    the full `load_program` (parse of the file and of the parents it extends,
            lowering, ladder, unused and monotonicity checks): what the target is about;
and `tier check` as a fresh process (interpreter start and imports included, tierlang's modules
byte-compiled first as an installed `tier` has them; its CPU time),
with the program cache off and with it filled (tierlang.cache).
Reports medians of N runs (and the least of the check's runs, which the target is judged on:
the same code's runs vary by half again on a shared machine, and other work only adds) and the
ratio to the baseline; with `--results FILE`, also writes
them to the bench_check section of that file (benchmarks/RESULTS.md; `benchmarks/run.py`
does this on every run), leaving the rest of the file as it is.

    python benchmarks/bench_check.py [--runs N] [--results FILE] [PROGRAM ...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from tierlang import load_program
from tierlang.syntax.parser import parse, parser

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from common import cpu_times, median_cpu, write_section  # noqa: E402  (benchmarks/ is not a package)

TARGET = 0.1  # seconds of CPU: parse + check of any shipped program, without the program cache (DESIGN §7)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("programs", nargs="*", type=Path)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--results", type=Path, default=None, help="also write the bench_check section of this Markdown file")
    args = ap.parse_args(argv)
    programs = args.programs or sorted((ROOT / "programs").glob("*.tier"))
    if not programs:
        print("no programs to benchmark", file=sys.stderr)
        return 2
    # parse + check is what is measured: the program cache (tierlang.cache) would skip both
    os.environ["TIER_NO_CACHE"] = "1"
    cached_env = {k: v for k, v in os.environ.items() if k != "TIER_NO_CACHE"}
    cached_env["TIER_CACHE_DIR"] = tempfile.mkdtemp(prefix="tier-bench-cache-")
    # byte-compiled first, as `pip install` leaves an installed `tier` (PYTHONDONTWRITEBYTECODE
    # would make every process compile tierlang's sources again; benchmarks/run.py does the same)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=True)
    lark = parser()
    print(
        f"{'program':32} {'lines':>6} {'baseline':>10} {'parse':>10} {'check':>10} {'least':>10} {'ratio':>7} {'process':>9} {'cached':>8}"
    )
    worst = worst_median = 0.0  # the largest least and median parse + check
    load_before = os.getloadavg()
    rows = []
    for path in programs:
        text = path.read_text(encoding="utf-8")
        _tier_check(path, None)  # a program that does not check clean stops here, before any figure
        load_program(path)  # warm-up
        base = median_cpu(lambda: lark.parse(text), args.runs)  # noqa: B023 - evaluated immediately
        parsed = median_cpu(lambda: parse(text, str(path)), args.runs)  # noqa: B023
        checks = cpu_times(lambda: load_program(path), args.runs)  # noqa: B023
        checked, least = statistics.median(checks), min(checks)
        process = statistics.median(_tier_check(path, None) for _ in range(3))
        _tier_check(path, cached_env)  # fills the cache
        cached = statistics.median(_tier_check(path, cached_env) for _ in range(3))
        worst = max(worst, least)
        worst_median = max(worst_median, checked)
        rows.append((path.name, text.count(chr(10)), base, parsed, checked, least, process, cached))
        print(
            f"{path.name:32} {text.count(chr(10)):>6} {base * 1000:>8.1f}ms {parsed * 1000:>8.1f}ms "
            f"{checked * 1000:>8.1f}ms {least * 1000:>8.1f}ms {checked / base:>6.1f}x {process * 1000:>7.0f}ms {cached * 1000:>6.0f}ms"
        )
    shutil.rmtree(cached_env["TIER_CACHE_DIR"], ignore_errors=True)
    print(
        f"largest parse + check: {worst * 1000:.1f} ms CPU, least of {args.runs} (median {worst_median * 1000:.1f} ms; "
        f"target <= {TARGET * 1000:.0f} ms): {'ok' if worst <= TARGET else 'OVER TARGET'}; load average {os.getloadavg()[0]:.1f}"
    )
    if args.results is not None:
        write_section(args.results, "bench_check", _section(rows, args.runs, worst, worst_median, load_before))
        print(f"wrote the bench_check section of {args.results}")
    return 0


def _tier_check(path: Path, env: dict[str, str] | None) -> float:
    """`tier check PATH` as a fresh process; its CPU time (user + system), in seconds. A
    failing `tier check` (a program with errors, or a crash) ends the benchmark with its
    output: its time would not be that of checking the program."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, "-m", "tierlang", "check", str(path)], capture_output=True, text=True, check=False, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(
            f"`tier check {path}` failed (exit {proc.returncode}); only programs that check clean are measured\n{proc.stdout}{proc.stderr}"
        )
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _section(rows: list[tuple], runs: int, worst: float, worst_median: float, load_before: tuple[float, ...]) -> str:
    load = f"{' / '.join(f'{x:.2f}' for x in load_before)} before, {' / '.join(f'{x:.2f}' for x in os.getloadavg())} after"
    lines = [
        "## Parse + check of the shipped programs (benchmarks/bench_check.py)",
        "",
        f"Measured {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}, CPU time (user + system), medians (and least) of {runs} runs in a "
        f"warm process (Lark's grammar cache hot); load average (1/5/15 min) {load}. **baseline**: Lark's raw LALR "
        "parse of the text; **parse**: text → AST; **check**: `load_program` (parse of the file and of the parents it "
        "`extends`, lowering, ladder, unused and monotonicity checks), with the program cache off; **process**: "
        "`tier check FILE` as a fresh process, median of 3 (interpreter start and imports included), program cache "
        "off; **cached**: the same with the program cache filled by an earlier run (tierlang.cache), as users have it "
        "after the first command on a program.",
        "",
        "| program | lines | baseline (ms CPU) | parse (ms CPU) | check (ms CPU) | check, least (ms CPU) | check / baseline "
        "| process (ms CPU) | cached (ms CPU) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *[
            f"| {name} | {lines:,} | {base * 1000:.1f} | {parsed * 1000:.1f} | {checked * 1000:.1f} | {least * 1000:.1f} "
            f"| {checked / base:.1f}× | {process * 1000:.0f} | {cached * 1000:.0f} |"
            for name, lines, base, parsed, checked, least, process, cached in rows
        ],
        "",
        f"Target (DESIGN §7): parse + check of any shipped program ≤ {TARGET * 1000:.0f} ms, without the program cache, "
        f"judged on each program's least CPU time of the {runs} runs (what the work costs: on this machine the same "
        "code's runs vary by half again, and other work only adds). "
        f"Largest: {worst * 1000:.1f} ms CPU, "
        + ("**met**" if worst <= TARGET else "**not met**")
        + f"; by the median of the runs {worst_median * 1000:.1f} ms, "
        + ("met." if worst_median <= TARGET else "not met."),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
