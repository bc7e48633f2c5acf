"""Shell examples in README.md and docs/ run for real.

- ```sh blocks: every line that runs `tier` is executed (in a scratch directory holding
  copies of programs/ and examples/) and must exit 0, or the code named by a trailing
  `# exit N` comment. A line ending in `# illustrative` is not run; `make` lines are not run
  (they are what runs this test).
- ```console blocks: `$ command` lines are executed the same way, on a terminal (a pseudo-
  terminal: what the reader sees when typing them, e.g. `tier eval`'s table), and their
  output (stdout and stderr together, as a terminal shows them) must match the lines that follow; a line `...` matches any number of
  lines, `...` inside a line matches any text there, and a trailing `[exit N]` line states a
  non-zero exit code.
- ```text blocks are illustrative and never run.
"""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCS = sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]
FENCE = re.compile(r"^```(sh|console)\n(.*?)^```", re.S | re.M)
EXIT = re.compile(r"\s+#\s*exit\s+(\d+)\s*$")


def _examples():
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            line = text[: m.start()].count("\n") + 2
            yield pytest.param(path, m.group(1), m.group(2), id=f"{path.relative_to(ROOT)}:{line}")


EXAMPLES = list(_examples())


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory) -> Path:
    """A scratch directory with the repository's programs and examples, and `tier` on PATH."""
    root = tmp_path_factory.mktemp("docs-shell")
    for name in ("programs", "examples"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, root / name)
    bin_dir = root / ".bin"
    bin_dir.mkdir()
    shim = bin_dir / "tier"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tierlang "$@"\n')
    shim.chmod(0o755)
    return root


def _env(sandbox: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{sandbox / '.bin'}{os.pathsep}{env['PATH']}"
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["COLUMNS"] = "80"
    return env


def _run(command: str, sandbox: Path) -> subprocess.CompletedProcess:
    command = command.replace(".venv/bin/tier", "tier")
    return subprocess.run(["bash", "-c", command], cwd=sandbox, env=_env(sandbox), capture_output=True, text=True, timeout=300)


def _run_on_terminal(command: str, sandbox: Path) -> tuple[int, list[str]]:
    """Run `command` with stdout and stderr on a pseudo-terminal: its exit code and the lines
    a terminal shows (carriage-return overwrites, such as a progress line, resolved)."""
    command = command.replace(".venv/bin/tier", "tier")
    master, slave = pty.openpty()
    proc = subprocess.Popen(["bash", "-c", command], cwd=sandbox, env=_env(sandbox), stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 300)
        if not ready:
            proc.kill()
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: every writer has closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    code = proc.wait(timeout=60)
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", b"".join(chunks).decode("utf-8").replace("\r\n", "\n"))
    return code, [line.rsplit("\r", 1)[-1] for line in text.rstrip("\n").split("\n")] if text.strip() else []


def _runs_tier(command: str) -> bool:
    return re.search(r"(^|[\s;|&(])(\.venv/bin/)?tier\s", command) is not None


def _line_matches(expected: str, actual: str) -> bool:
    """Equal, or equal but for `...` inside the expected line (any text there)."""
    expected, actual = expected.rstrip(), actual.rstrip()
    if "..." not in expected:
        return expected == actual
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual) is not None


def _matches(expected: list[str], actual: list[str]) -> bool:
    """Line-by-line match where a `...` line stands for any number of lines."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head.strip() == "...":
        return any(_matches(rest, actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and _line_matches(head, actual[0]) and _matches(rest, actual[1:])


def test_docs_have_shell_examples():
    assert EXAMPLES


@pytest.mark.parametrize("path,kind,body", EXAMPLES)
def test_shell_example(path, kind, body, sandbox):
    if kind == "sh":
        for raw in body.splitlines():
            line = raw.strip()
            if not line or line.startswith("#") or line.endswith("# illustrative") or not _runs_tier(line):
                continue
            m = EXIT.search(line)
            want = int(m.group(1)) if m else 0
            command = EXIT.sub("", line)
            command = re.sub(r"\s+#.*$", "", command)
            proc = _run(command, sandbox)
            assert proc.returncode == want, f"{path.name}: `{command}` exited {proc.returncode}\n{proc.stdout}{proc.stderr}"
        return
    # console: $ command, then its expected output
    blocks: list[tuple[str, list[str]]] = []
    for raw in body.splitlines():
        if raw.startswith("$ "):
            blocks.append((raw[2:], []))
        elif blocks:
            blocks[-1][1].append(raw)
    for command, expected in blocks:
        want = 0
        if expected and re.fullmatch(r"\[exit \d+\]", expected[-1].strip()):
            want = int(expected.pop().strip()[6:-1])
        code, actual = _run_on_terminal(command, sandbox)
        assert code == want, f"{path.name}: `{command}` exited {code}\n" + "\n".join(actual)
        assert _matches(expected, actual), f"{path.name}: output of `{command}` differs:\n" + "\n".join(actual)
