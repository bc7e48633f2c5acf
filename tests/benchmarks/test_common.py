"""benchmarks/common.py: the helpers every benchmark script writes RESULTS.md and times its
processes with."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.benchmarks.helpers import ROOT, script

common = script("common")


def test_write_section_replaces_only_its_own_section(tmp_path: Path):
    path = tmp_path / "R.md"
    path.write_text(
        "# T\n\nbefore\n<!-- a:start -->\nold a\n<!-- a:end -->\nbetween\n<!-- b:start -->\nold b\n<!-- b:end -->\nafter", "utf-8"
    )
    common.write_section(path, "a", "\nnew a\n\n")
    assert path.read_text("utf-8") == (
        "# T\n\nbefore\n<!-- a:start -->\nnew a\n<!-- a:end -->\nbetween\n<!-- b:start -->\nold b\n<!-- b:end -->\nafter"
    )


def test_write_section_appends_a_new_section_and_starts_a_missing_file(tmp_path: Path):
    path = tmp_path / "R.md"
    common.write_section(path, "a", "one")
    assert path.read_text("utf-8") == common.TITLE + "\n<!-- a:start -->\none\n<!-- a:end -->\n"
    common.write_section(path, "b", "two")
    assert path.read_text("utf-8").endswith("<!-- a:end -->\n\n<!-- b:start -->\ntwo\n<!-- b:end -->\n")


def test_medians_call_the_function_once_per_run():
    calls = []
    assert common.median_time(lambda: calls.append(1), 3) >= 0
    assert common.median_cpu(lambda: calls.append(1), 5) >= 0
    assert len(calls) == 8


def test_machine_load_and_environment():
    info = common.machine()
    assert set(info) == {"cpu", "cores", "memory", "os", "python", "polars"}
    assert info["python"] == ".".join(map(str, sys.version_info[:3]))
    assert len(common.load_average().split(" / ")) == 3
    assert common.src_env()["PYTHONPATH"] == str(ROOT / "src")


def test_run_process_measures_a_process_and_stops_on_a_failing_one():
    wall, cpu, peak = common.run_process([sys.executable, "-c", "sum(range(10**6))"])
    assert wall > 0 and cpu > 0 and peak > 0
    with pytest.raises(SystemExit, match="boom"):
        common.run_process([sys.executable, "-c", "import sys; sys.exit('boom')"])


def test_alternate_runs_each_command_and_gives_medians(tmp_path: Path, capsys):
    log = tmp_path / "log"
    cmd = [sys.executable, "-c", f"open({str(log)!r}, 'a').write(__import__('sys').argv[1])"]
    med = common.alternate({"a": [*cmd, "a"], "b": [*cmd, "b"]}, 3)
    assert log.read_text() == "abbaab"  # the order turns round every run
    assert set(med) == {"a", "b"} and all(len(v) == 3 and v[1] > 0 for v in med.values())
    assert capsys.readouterr().err.count(" wall ") == 6
