"""Outputs are written whole or not at all (issue 17, item 5): an interrupted write leaves
the previous file and its sidecar as they were, and no temporary file behind."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import polars as pl
import pytest

from tests.cli.cli_helpers import DATA, PROGRAM, run
from tierlang import atomic


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_failed_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic.replacing(target) as (tmp,):
        with open(tmp, "w") as f:
            f.write("half of the new")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert _leftovers(tmp_path) == []


def test_a_write_replaces_and_keeps_the_permissions(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    os.chmod(target, 0o640)
    atomic.write_text(target, "new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / "fresh.txt"
    atomic.write_text(fresh, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_symlink_is_written_through(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    atomic.write_text(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_a_device_is_written_directly(tmp_path):
    with atomic.replacing(os.devnull) as (tmp,):
        assert tmp == os.devnull
        with open(tmp, "w") as f:
            f.write("nothing")
    assert os.path.exists(os.devnull) and not os.path.isfile(os.devnull)


def test_ctrl_c_between_two_renames_waits_for_both(tmp_path, monkeypatch):
    a, b = tmp_path / "results.csv", tmp_path / "results.csv.meta.json"
    a.write_text("old results")
    b.write_text("old meta")
    real_replace = os.replace

    def replace_then_interrupt(src, dst):
        real_replace(src, dst)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C right after the first rename

    monkeypatch.setattr(atomic.os, "replace", replace_then_interrupt)
    with pytest.raises(KeyboardInterrupt), atomic.replacing(a, b) as (ta, tb):
        Path(ta).write_text("new results")
        Path(tb).write_text("new meta")
    assert (a.read_text(), b.read_text()) == ("new results", "new meta")
    assert _leftovers(tmp_path) == []


def test_an_interrupted_eval_keeps_the_previous_results_and_metadata(tmp_path, monkeypatch):
    out = tmp_path / "results.csv"
    assert run("eval", PROGRAM, DATA, "-o", str(out)).exit_code == 0
    before = (out.read_bytes(), (tmp_path / "results.csv.meta.json").read_bytes())

    def half_then_ctrl_c(self, path, *args, **kwargs):
        with open(path, "w") as f:
            f.write("partner_id,track,level,score\nP1,")
        raise KeyboardInterrupt

    monkeypatch.setattr(pl.LazyFrame, "sink_csv", half_then_ctrl_c)
    r = run("eval", PROGRAM, DATA, "-o", str(out))
    assert r.exit_code == 130
    assert (out.read_bytes(), (tmp_path / "results.csv.meta.json").read_bytes()) == before
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("args", [["docs", PROGRAM, "-o", "{out}"], ["diff", PROGRAM, PROGRAM, "-o", "{out}"]])
def test_rendered_outputs_are_replaced_whole(tmp_path, monkeypatch, args):
    out = tmp_path / "out.md"
    out.write_text("previous")

    def fail(self, *a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(type(out), "write_text", fail)
    r = run(*[a.format(out=out) for a in args])
    assert r.exit_code == 2 and "No space left on device" in r.stderr
    monkeypatch.undo()
    assert out.read_text() == "previous"
    assert _leftovers(tmp_path) == []


def test_fmt_rewrites_a_program_whole(tmp_path, monkeypatch):
    program = tmp_path / "p.tier"
    program.write_text('program p {\n  version   "1"\n}\n')
    os.chmod(program, 0o644)
    assert run("fmt", str(program)).exit_code == 0
    assert program.read_text() == 'program p {\n  version "1"\n}\n'
    assert program.stat().st_mode & 0o777 == 0o644
    assert _leftovers(tmp_path) == []
