"""Program files that are not programs (issue 17, item 13): devices, FIFOs, huge files,
parents that are not .tier files, and outputs over a parent program."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.cli.cli_helpers import run
from tierlang.files import MAX_PROGRAM_BYTES, program_family

PROGRAM = 'program p "P" {\n  version "1"\n  effective 2024-01-01\n}\nmetric sales: count\ntrack t {\n  level silver {\n    require sales >= 1\n  }\n}\n'


def child(name: str, extends: str) -> str:
    return f'program {name} "{name}" {{\n  version "2"\n  effective 2024-01-01\n  extends "{extends}"\n}}\n'


def tier(*args: str, cwd, timeout: float = 60) -> subprocess.CompletedProcess:
    """`tier ARGS` as a real process: a hang fails the test at `timeout` instead of hanging it."""
    return subprocess.run(
        [sys.executable, "-m", "tierlang", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "TIER_NO_CACHE": "1"},
    )


@pytest.mark.parametrize("command", [["check"], ["fmt", "--check"], ["docs"]])
def test_a_device_is_refused_before_reading(tmp_path, command):
    proc = tier(*command, "/dev/zero", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "/dev/zero is not a regular file" in proc.stderr
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "p.tier")
    proc = tier("check", "p.tier", cwd=tmp_path, timeout=30)
    assert proc.returncode == 2
    assert "p.tier is not a regular file" in proc.stderr
    (tmp_path / "c.tier").write_text(child("c", "p.tier"))
    proc = tier("check", "c.tier", cwd=tmp_path, timeout=30)
    assert proc.returncode == 1
    assert "TL225" in proc.stdout and "p.tier is not a regular file" in proc.stdout


def test_a_program_over_the_size_limit_is_refused(tmp_path):
    (tmp_path / "big.tier").write_bytes(PROGRAM.encode() + b"# padding\n" * (MAX_PROGRAM_BYTES // 10 + 1))
    r = run("check", "big.tier", cwd=tmp_path)
    assert r.exit_code == 2
    assert "larger than the 4 MiB a program file may have" in r.stderr
    (tmp_path / "c.tier").write_text(child("c", "big.tier"))
    r = run("check", "c.tier", cwd=tmp_path)
    assert r.exit_code == 1 and "TL225" in r.stdout and "larger than the 4 MiB" in r.stdout


def test_a_parent_that_is_not_a_tier_file_is_not_read_or_shown(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("hunter2 is the password\n")
    (tmp_path / "c.tier").write_text(child("c", "secret.txt"))
    (tmp_path / "link.tier").symlink_to(secret)
    (tmp_path / "d.tier").write_text(child("d", "link.tier"))
    for name in ("c.tier", "d.tier"):
        r = run("check", name, cwd=tmp_path)
        assert r.exit_code == 1
        assert "TL225" in r.stdout and "is not a .tier file" in r.stdout
        assert "hunter2" not in r.stdout + r.stderr


def test_outputs_never_overwrite_a_parent_program(tmp_path):
    (tmp_path / "base.tier").write_text(PROGRAM)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "mid.tier").write_text(child("mid", "../base.tier"))
    (tmp_path / "top.tier").write_text(child("top", "sub/mid.tier"))
    (tmp_path / "d.csv").write_text("partner_id,sales\nA,2\n")
    for args in (
        ["docs", "top.tier", "-o", "base.tier", "--format", "md"],
        ["eval", "top.tier", "d.csv", "-o", "sub/mid.tier", "--format", "csv"],
        ["diff", "top.tier", "base.tier", "-o", "sub/mid.tier", "--format", "md"],
    ):
        r = run(*args, cwd=tmp_path)
        assert r.exit_code == 2, (args, r.stderr)
        assert "a parent program of top.tier" in r.stderr
    assert (tmp_path / "base.tier").read_text() == PROGRAM
    assert (tmp_path / "sub" / "mid.tier").read_text() == child("mid", "../base.tier")


def test_program_family_follows_extends_and_stops_at_cycles(tmp_path):
    (tmp_path / "a.tier").write_text(child("a", "b.tier"))
    (tmp_path / "b.tier").write_text(child("b", "a.tier"))
    family = program_family(tmp_path / "a.tier")
    assert sorted(family) == sorted([str((tmp_path / "a.tier").resolve()), str((tmp_path / "b.tier").resolve())])


def test_standard_input_over_the_size_limit_is_refused(tmp_path):
    with open("/dev/zero", "rb") as zeros:
        proc = subprocess.run(
            [sys.executable, "-m", "tierlang", "fmt", "-"], stdin=zeros, capture_output=True, text=True, timeout=60, cwd=tmp_path
        )
    assert proc.returncode == 2
    assert "standard input is larger than the 4 MiB a program may have" in proc.stderr


def test_no_output_is_written_over_a_program_mapping_or_settings_file(tmp_path):
    (tmp_path / "p.tier").write_text(PROGRAM)
    (tmp_path / "d.csv").write_text("partner_id,sales\nA,2\n")
    for name in ("other.tier", "m.tiermap", "calibration.toml"):
        (tmp_path / name).write_text("keep")
        r = run("eval", "p.tier", "d.csv", "-o", name, "--format", "csv", cwd=tmp_path)
        assert r.exit_code == 2 and "is named like a program or settings file" in r.stderr, r.stderr
        assert (tmp_path / name).read_text() == "keep"


def test_a_sources_file_that_is_a_fifo_is_refused(tmp_path):
    (tmp_path / "p.tier").write_text(PROGRAM)
    os.mkfifo(tmp_path / "s.sources.toml")
    proc = tier("docs", "p.tier", "--audience", "reviewer", "--sources", "s.sources.toml", "-o", "g.md", cwd=tmp_path, timeout=30)
    assert proc.returncode == 2 and "is not a regular file" in proc.stderr
