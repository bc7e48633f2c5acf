"""What the benchmark scripts share: timing, the machine's description, and RESULTS.md.

benchmarks/RESULTS.md is shared by the benchmark scripts: each owns one section between its
own markers, `<!-- NAME:start -->` and `<!-- NAME:end -->`, and rewrites only that section, so
running one benchmark never erases another's results.

Sections: `bench_run` (benchmarks/run.py: `tier eval` against the baseline), `bench_check`
(benchmarks/bench_check.py: parse + check of the shipped programs), `bench_diff`
(benchmarks/bench_diff.py: the impact diff), `bench_explain` (benchmarks/bench_explain.py:
explain of one partner).
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from pathlib import Path

TITLE = "# Benchmark results\n"


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def write_section(path: Path, name: str, body: str) -> None:
    """Put `body` (Markdown, without the markers) between the markers of section `name` in
    the file at `path`, leaving every byte outside them as it was. A section the file does
    not have yet goes at its end (a missing file starts with the title)."""
    start, end = markers(name)
    block = f"{start}\n{body.strip(chr(10))}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else TITLE
    i, j = text.find(start), text.find(end)
    if 0 <= i < j:
        text = text[:i] + block + text[j + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def median_time(fn, runs: int) -> float:
    """The median wall time of `runs` calls of `fn`, in seconds."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def median_cpu(fn, runs: int) -> float:
    """The median CPU time (user + system, this process) of `runs` calls of `fn`, in seconds:
    steadier than wall time when other work shares the cores."""
    times = []
    for _ in range(runs):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def machine() -> dict[str, str]:
    """The machine and software the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GB"
    except (OSError, StopIteration, ValueError):
        pass
    import polars as pl

    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "polars": f"{pl.__version__} ({pl.thread_pool_size()} threads)",
    }
