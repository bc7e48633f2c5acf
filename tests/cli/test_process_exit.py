"""The `tier` process (`cli.run`): it leaves without the interpreter's teardown, so what the
teardown would have done must still happen — standard output flushed whole, exit functions
run, exit codes as `cli.main` decides them, 141 when the reader of standard output goes away."""

from __future__ import annotations

import subprocess
import sys

from tests.cli.cli_helpers import DATA, PROGRAM, ROOT

TIER = [sys.executable, "-m", "tierlang"]


def _tier(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*TIER, *args], capture_output=True, text=True, timeout=120, cwd=ROOT, **kw)


def test_standard_output_is_flushed_whole():
    r = _tier("eval", str(PROGRAM), str(DATA), "--format", "csv")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    inproc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from tierlang.cli import main; sys.argv = ['tier', *sys.argv[1:]]; main()",
            "eval",
            str(PROGRAM),
            str(DATA),
            "--format",
            "csv",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert inproc.returncode == 0 and lines == inproc.stdout.splitlines()
    assert lines[0] == "partner_id,track,level,score" and len(lines) > 10
    assert r.stderr.splitlines()[0].startswith("designations")  # standard error flushed too


def test_exit_codes_are_the_commands(tmp_path):
    bad = tmp_path / "bad.tier"
    bad.write_text("program bad {\n  version 1\n  metric x: count\n  nonsense here\n}\n", encoding="utf-8")
    assert _tier("check", str(PROGRAM)).returncode == 0
    assert _tier("check", str(bad)).returncode == 1
    assert _tier("check", str(tmp_path / "missing.tier")).returncode == 2
    assert _tier("--version").returncode == 0


def test_exit_functions_run(tmp_path):
    mark = tmp_path / "ran"
    code = (
        "import atexit, sys\n"
        f"atexit.register(lambda: open({str(mark)!r}, 'w').write('ran'))\n"
        f"sys.argv = ['tier', 'check', {str(PROGRAM)!r}]\n"
        "from tierlang.cli import run\n"
        "run()\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert mark.read_text() == "ran"


def test_a_closed_pipe_exits_141(tmp_path):
    # megabytes of synthetic partners to standard output; the reader takes a few bytes and goes
    p = subprocess.Popen(
        [*TIER, "synth", str(PROGRAM), "--rows", "200000", "-o", "-"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT
    )
    assert p.stdout is not None and p.stderr is not None
    assert p.stdout.read(10)
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == 141, err
    assert "Traceback" not in err
