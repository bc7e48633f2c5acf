"""What the benchmark scripts share: timing, the machine's description, and RESULTS.md.

benchmarks/RESULTS.md is shared by the benchmark scripts: each owns one section between its
own markers, `<!-- NAME:start -->` and `<!-- NAME:end -->`, and rewrites only that section, so
running one benchmark never erases another's results.

Sections: `bench_run` (benchmarks/run.py: `tier eval` against the baseline), `bench_check`
(benchmarks/bench_check.py: parse + check of the shipped programs), `bench_diff`
(benchmarks/bench_diff.py: the impact diff), `bench_explain` (benchmarks/bench_explain.py:
explain of one partner), `bench_history` and `bench_records` (whole `tier eval` processes against
a hand-written baseline process: `alternate`), `bench_scale` (benchmarks/bench_scale.py: 1M
against 10M partners, eval and diff --data, peak memory), `bench_sql` (benchmarks/bench_sql.py:
the compiled query in DuckDB, PostgreSQL and Spark), `bench_lsp` and `bench_lsp_requests`
(benchmarks/bench_lsp.py: `tier lsp` after an edit, and its answers to requests).

Every script has a smoke test in tests/benchmarks/ that runs it at its smallest size into a copy
of this file (tests/benchmarks/helpers.py).
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
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


def cpu_times(fn, runs: int) -> list[float]:
    """The CPU times (user + system, this process) of `runs` calls of `fn`, in seconds:
    steadier than wall time when other work shares the cores."""
    times = []
    for _ in range(runs):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return times


def median_cpu(fn, runs: int) -> float:
    """The median of `cpu_times(fn, runs)`."""
    return statistics.median(cpu_times(fn, runs))


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


def src_env() -> dict[str, str]:
    """The environment of a benchmarked process: this checkout's tierlang first on the path."""
    return dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))


def load_average() -> str:
    """The load average (1, 5, 15 minutes), as the results state it."""
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "unknown"


def run_process(cmd: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of the process and its children, peak RSS in GB) of one
    run of `cmd`; a failing command ends the benchmark with its error output."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=src_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"command failed: {' '.join(cmd)}\n{err}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024 / 1024


def alternate(commands: dict[str, list[str]], runs: int) -> dict[str, list[float]]:
    """Run each of the (two) `commands` `runs` times, alternating which goes first, printing
    each run; returns each one's median [wall s, CPU s, peak GB]."""
    times: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
    order = list(commands.items())
    for k in range(runs):
        for name, cmd in order if k % 2 == 0 else order[::-1]:
            times[name].append(run_process(cmd))
            wall, cpu, mem = times[name][-1]
            print(f"{name:9} wall {wall:6.2f} s  cpu {cpu:6.2f} s  peak {mem:5.2f} GB  load {load_average()}", file=sys.stderr)
    return {n: [statistics.median(t[i] for t in v) for i in range(3)] for n, v in times.items()}
