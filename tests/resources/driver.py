"""Run every command on one shape at several sizes, in this process, and print what each
took: wall time, CPU time (this process's, all threads: what the growth tests compare, since
wall time on a shared machine is mostly the neighbours' load) and the growth of the peak
resident memory (Linux: the peak is reset before each command through /proc/self/clear_refs).
Each size is measured `repeats` times, interleaved, and the least of each figure is kept: a
neighbour's load only ever adds to them. Used by test_resources.py in a child process with a
timeout, so that a runaway fails the test instead of hanging it.

    python -m tests.resources.driver SHAPE REPEATS N1 N2 ... > measurements.json
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

from tests.resources.shapes import data, program
from tierlang.cli import main

COMMANDS = {
    "check": ["check", "{p}"],
    "check --witness": ["check", "--witness", "{p}"],
    "eval": ["eval", "{p}", "{d}", "-o", "{out}/r.csv"],
    "eval --engine interpreter": ["eval", "--engine", "interpreter", "{p}", "{d}", "-o", "{out}/ri.csv"],
    "explain": ["explain", "{p}", "{d}", "--partner", "P0007"],
    "diff --data": ["diff", "{p}", "{q}", "--data", "{d}", "-o", "{out}/diff.txt"],
    "docs": ["docs", "{p}", "-o", "{out}/guide.md"],
    "eval --engine duckdb": ["eval", "--engine", "duckdb", "{p}", "{d}", "-o", "{out}/rd.csv"],
}
#: Commands measured on some shapes only. DuckDB plans a `choose ... when` track in linear
#: time since its query is written one CTE per stage past 128 group CTEs (64 variants took
#: 3.2 CPU seconds before, 0.24 after), and chains of gates since each CTE passes on only the
#: columns read after it (320 -> 640 gates: 2.3 -> 5.1 CPU s for the command before, 1.6 ->
#: 2.4 after; benchmarks/RESULTS.md, issue 12). Derived chains are the exact compiler's (the
#: polars engine's too: their scales double with each `/ 2`), left to the other commands.
ONLY = {"eval --engine duckdb": ("classified", "gates", "variants")}


def _kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def measure(shape: str, n: int, folder: Path) -> dict[str, dict]:
    p, q, d = folder / f"{shape}{n}.tier", folder / f"{shape}{n}-b.tier", folder / f"{shape}{n}.csv"
    p.write_text(program(shape, n), encoding="utf-8")
    q.write_text(program(shape, n, version="2", threshold=8), encoding="utf-8")
    d.write_text(data(shape, n), encoding="utf-8")
    out = {}
    runner = CliRunner()
    for name, args in COMMANDS.items():
        if shape not in ONLY.get(name, (shape,)):
            continue
        argv = [a.format(p=p, q=q, d=d, out=folder) for a in args]
        gc.collect()  # the previous command's garbage is not this one's cost
        peak_ok = _reset_peak()
        before = _kb("VmRSS")
        start, cpu = time.perf_counter(), time.process_time()
        result = runner.invoke(main, argv)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        grown = max(0, _kb("VmHWM") - before) if peak_ok else None
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise RuntimeError(f"{name} on {shape} {n} raised {result.exception!r}\n{result.output}")
        out[name] = {"seconds": seconds, "cpu_seconds": cpu, "memory_kb": grown, "exit": result.exit_code}
    return out


def least(runs: list[dict[str, dict]]) -> dict[str, dict]:
    """Per command, the least of each figure over repeated runs (the exit code of the first)."""
    out = {}
    for command, first in runs[0].items():
        out[command] = dict(first)
        for key in ("seconds", "cpu_seconds", "memory_kb"):
            if first[key] is not None:
                out[command][key] = min(run[command][key] for run in runs)
    return out


def main_() -> None:
    shape, repeats, sizes = sys.argv[1], int(sys.argv[2]), [int(x) for x in sys.argv[3:]]
    os.environ["TIER_NO_CACHE"] = "1"  # measure the work, not the cache
    with tempfile.TemporaryDirectory() as tmp:
        measure(shape, sizes[0], Path(tmp))  # warm up: imports, compiled grammar, thread pools
        runs: dict[int, list] = {n: [] for n in sizes}
        for _ in range(repeats):
            for n in sizes:
                runs[n].append(measure(shape, n, Path(tmp)))
    json.dump({n: least(r) for n, r in runs.items()}, sys.stdout)


if __name__ == "__main__":
    main_()
