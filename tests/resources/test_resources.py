"""Time and memory grow at most linearly with the size of a program, for every command.

Each shape of tests/resources/shapes.py (n variants of `choose best`, a chain of n derived
metrics or gates each reading the one before twice, n variants chosen by `choose ... when`)
is run through check, check --witness, eval (both engines; DuckDB too on the classified,
gates and variants shapes, tests/resources/driver.py `ONLY`), explain, diff --data and docs at
sizes one doubling apart, n and 2n, and at size 1 (what a command costs whatever the
program: parsing the data, writing the output), in a child process with a timeout (a
runaway fails instead of hanging the suite). What the program adds to a command's cost must
grow at most `GROWTH` times from n to 2n: twice for linear work, with room for noise and
the log n of sorting; quadratic work grows four times and fails once it costs more than
the allowance for noise at n (`judge`; test_the_judge_catches_quadratic_work shows it does
on real measurements of a quadratic function).

Sizes: the default profile (`make test`, CI: about a minute of CPU) uses programs of a few
dozen rules; HYPOTHESIS_PROFILE=thorough programs four times larger (hundreds of variants).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.resources.shapes import SHAPES

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
#: n per shape (the programs are measured at 1, n and 2n): large enough that what the program
#: adds outweighs the noise in most commands.
SIZES = {
    "variants": 128 if THOROUGH else 32,
    "derived": 320 if THOROUGH else 80,
    "gates": 320 if THOROUGH else 80,
    "classified": 128 if THOROUGH else 32,
}
#: Each size is measured this many times and the least figures kept (load only adds).
REPEATS = 3 if THOROUGH else 2
#: How much what the program adds may grow from n to 2n: 2 when linear, 4 when quadratic.
GROWTH = 2.6
#: Allowances for timer, scheduler and allocator noise, whatever the size.
CPU_NOISE = 0.04
MEMORY_NOISE_KB = 64 * 1024
TIMEOUT = 1200 if THOROUGH else 300


def judge(base: float, at_n: float, at_2n: float, noise: float) -> bool:
    """Does a figure grow at most linearly? `base` is its value at size 1, `at_n` and `at_2n`
    at sizes n and 2n: what the program adds (beyond `base`) may grow at most `GROWTH`
    times, give or take `noise`."""
    return at_2n - base <= GROWTH * max(at_n - base, 0) + noise


def _drive(shape: str, n: int) -> tuple[dict, dict, dict]:
    """The driver's figures for `shape` at sizes 1, n and 2n."""
    proc = subprocess.run(
        [sys.executable, "-m", "tests.resources.driver", shape, str(REPEATS), "1", str(n), str(2 * n)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout)
    return results["1"], results[str(n)], results[str(2 * n)]


def _slow(base: dict, a: dict, b: dict) -> dict[str, tuple[float, float, float]]:
    """The commands whose CPU seconds at sizes 1, n, 2n do not grow linearly."""
    cpu = {command: (base[command]["cpu_seconds"], a[command]["cpu_seconds"], b[command]["cpu_seconds"]) for command in a}
    return {command: t for command, t in cpu.items() if not judge(*t, CPU_NOISE)}


@pytest.fixture(scope="module", params=SHAPES)
def measured(request):
    shape = request.param
    n = SIZES[shape]
    sizes = _drive(shape, n)
    if _slow(*sizes):
        # Load from neighbours only adds CPU seconds (a busy 2-core machine inflated one
        # command's 2n figure by 70%): a suspect shape is measured once more and the least
        # figures kept. Quadratic work stays quadratic in both.
        again = _drive(shape, n)
        for first, second in zip(sizes, again, strict=True):
            for command, m in first.items():
                m["cpu_seconds"] = min(m["cpu_seconds"], second[command]["cpu_seconds"])
    return shape, n, *sizes


def test_every_command_runs(measured):
    shape, n, base, a, b = measured
    # at every size: the base too (a base that fails to parse measures nothing of the rules;
    # the classified shape's did, when the sizes' results were merged here into one)
    for size, results in ((1, base), (n, a), (2 * n, b)):
        for command, m in results.items():
            assert m["exit"] in (0, 1), f"{command} on {shape} {size}: exit {m['exit']}"


def test_time_grows_linearly(measured):
    shape, n, base, a, b = measured
    # CPU seconds: wall time on a shared 2-core machine measures the neighbours' load
    slow = {command: [round(x, 3) for x in t] for command, t in _slow(base, a, b).items()}
    assert not slow, f"{shape}: CPU seconds at sizes 1, {n} and {2 * n}: {slow}"


def test_memory_grows_linearly(measured):
    shape, n, base, a, b = measured
    if a["check"]["memory_kb"] is None:
        pytest.skip("no peak-memory reset on this system (/proc/self/clear_refs)")
    kb = {command: (base[command]["memory_kb"], a[command]["memory_kb"], b[command]["memory_kb"]) for command in a}
    hungry = {command: [x // 1024 for x in t] for command, t in kb.items() if not judge(*t, MEMORY_NOISE_KB)}
    assert not hungry, f"{shape}: peak memory growth (MB) at sizes 1, {n} and {2 * n}: {hungry}"


def _cpu(work, n: int) -> float:
    """The least CPU seconds of two runs of work(n)."""
    spent = []
    for _ in range(2):
        start = time.process_time()
        work(n)
        spent.append(time.process_time() - start)
    return min(spent)


def _linear(n: int) -> int:
    return sum(i * i % 7 for i in range(n * 300))


def _quadratic(n: int) -> int:
    return sum(i * j % 7 for i in range(n) for j in range(n // 4))


def test_the_judge_catches_quadratic_work():
    # real measurements, sized so that n costs about what a command of the suite does
    n = 3000
    quadratic = [_cpu(_quadratic, size) for size in (1, n, 2 * n)]
    linear = [_cpu(_linear, size) for size in (1, n, 2 * n)]
    assert quadratic[1] > CPU_NOISE, quadratic  # enough work to tell
    assert not judge(*quadratic, CPU_NOISE), quadratic
    assert judge(*linear, CPU_NOISE), linear
    # tier diff --data on 1, 80 and 160 gates, before it composed the gates' signs (N^2)
    assert not judge(0.018, 0.381, 1.166, CPU_NOISE)
