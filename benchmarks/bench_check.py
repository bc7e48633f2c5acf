"""Benchmark: parse + check of each shipped program (target: <= 0.2 s for the largest).

Measures, per program, in this process (after one warm-up so Lark's grammar cache is hot,
as it is for every run after the first on a machine):
- baseline: Lark's raw LALR parse of the text into a parse tree (no AST, no checks);
- parse:    text -> AST (`tierlang.syntax.parser.parse`);
- check:    the full `load_program` (parse, extends, lowering, ladder and unused checks);
and, once, `tier check` as a fresh process (interpreter start and imports included).
Reports medians of N runs and the ratio to the baseline.

    python benchmarks/bench_check.py [--runs N] [PROGRAM ...]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tierlang import load_program
from tierlang.syntax.parser import parse, parser

ROOT = Path(__file__).resolve().parents[1]


def _median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("programs", nargs="*", type=Path)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args(argv)
    programs = args.programs or sorted((ROOT / "programs").glob("*.tier"))
    if not programs:
        print("no programs to benchmark", file=sys.stderr)
        return 2
    lark = parser()
    print(f"{'program':32} {'lines':>6} {'baseline':>10} {'parse':>10} {'check':>10} {'ratio':>7} {'process':>9}")
    worst = 0.0
    for path in programs:
        text = path.read_text(encoding="utf-8")
        load_program(path)  # warm-up
        base = _median(lambda: lark.parse(text), args.runs)  # noqa: B023 - evaluated immediately
        parsed = _median(lambda: parse(text, str(path)), args.runs)  # noqa: B023
        checked = _median(lambda: load_program(path), args.runs)  # noqa: B023
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tierlang", "check", str(path)], capture_output=True, check=False)
        process = time.perf_counter() - t0
        worst = max(worst, checked)
        print(
            f"{path.name:32} {text.count(chr(10)):>6} {base * 1000:>8.1f}ms {parsed * 1000:>8.1f}ms "
            f"{checked * 1000:>8.1f}ms {checked / base:>6.1f}x {process * 1000:>7.0f}ms"
        )
    print(f"largest parse + check: {worst * 1000:.1f} ms (target <= 200 ms): {'ok' if worst <= 0.2 else 'OVER TARGET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
