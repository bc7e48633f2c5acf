"""Time and memory grow at most linearly with the size of a program, for every command.

Each shape of tests/resources/shapes.py (n variants of `choose best`, a chain of n derived
metrics or gates each reading the one before twice, n variants chosen by `choose ... when`)
is run through check, check --witness, eval (both engines), explain, diff --data and docs at
a small and a large size, in a child process with a timeout (a runaway fails instead of
hanging the suite). Each command's growth from the small size to the large one must stay
within `SLACK` times the growth of the size (plus a fixed allowance for noise on a shared
machine): the exponential and quadratic blow-ups of issue 17 grow hundreds of times more.

Sizes: the default profile (`make test`, CI) uses small programs; HYPOTHESIS_PROFILE=thorough
uses programs sixteen times larger (a few minutes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.resources.shapes import SHAPES

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
#: (small, large) size per shape; the large one is 4x (16x when thorough) the small one.
SIZES = {
    "variants": (4, 64 if THOROUGH else 16),
    "derived": (10, 160 if THOROUGH else 40),
    "gates": (10, 160 if THOROUGH else 40),
    "classified": (4, 64 if THOROUGH else 16),
}
#: How much faster than the size a command may grow (noise, and the n log n of sorting).
SLACK = 3
#: Allowances for timer and allocator noise, whatever the size.
SECONDS = 1.0
MEGABYTES = 64
TIMEOUT = 900 if THOROUGH else 240


@pytest.fixture(scope="module", params=SHAPES)
def measured(request):
    shape = request.param
    small, large = SIZES[shape]
    proc = subprocess.run(
        [sys.executable, "-m", "tests.resources.driver", shape, str(small), str(large)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout)
    return shape, small, large, results[str(small)], results[str(large)]


def test_every_command_runs(measured):
    shape, _, _, a, b = measured
    for command, m in {**a, **b}.items():
        assert m["exit"] in (0, 1), f"{command} on {shape}: exit {m['exit']}"


def test_time_grows_linearly(measured):
    shape, small, large, a, b = measured
    ratio = large / small
    # CPU seconds: wall time on a shared 2-core machine measures the neighbours' load
    slow = {
        command: (a[command]["cpu_seconds"], b[command]["cpu_seconds"])
        for command in a
        if b[command]["cpu_seconds"] > SLACK * ratio * max(a[command]["cpu_seconds"], 0.01) + SECONDS
    }
    assert not slow, f"{shape}: CPU seconds at n={small} and n={large}: {slow}"


def test_memory_grows_linearly(measured):
    shape, small, large, a, b = measured
    if a["check"]["memory_kb"] is None:
        pytest.skip("no peak-memory reset on this system (/proc/self/clear_refs)")
    ratio = large / small
    hungry = {
        command: (a[command]["memory_kb"] // 1024, b[command]["memory_kb"] // 1024)
        for command in a
        if b[command]["memory_kb"] > SLACK * ratio * a[command]["memory_kb"] + MEGABYTES * 1024
    }
    assert not hungry, f"{shape}: peak memory growth (MB) at n={small} and n={large}: {hungry}"
