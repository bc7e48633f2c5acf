"""The peak memory one piece of work takes, measured in a child process (a fresh heap)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import ROOT


def peak_growth_mb(setup: str, work: str, timeout: int = 300) -> float | None:
    """How much the peak resident memory of a new Python process grows while it runs `work`,
    after `setup` (both Python source; setup should warm up imports and thread pools). None
    where the peak cannot be reset (no /proc/self/clear_refs)."""
    script = "\n".join(
        [
            "from tests.resources.driver import _kb, _reset_peak",
            textwrap.dedent(setup),
            "if not _reset_peak():\n    print('none')\n    raise SystemExit(0)",
            "before = _kb('VmRSS')",
            textwrap.dedent(work),
            "print(_kb('VmHWM') - before)",
        ]
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr[-3000:]
    last = out.stdout.split()[-1]
    return None if last == "none" else int(last) / 1024
