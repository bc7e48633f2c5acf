"""`tier synth` from the command line: output, determinism, and clear errors (exit 2, no
traceback) for bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from tests.conftest import PROGRAMS, ROOT
from tierlang.cli import main

MSPP = str(PROGRAMS / "mspp2009.tier")
CLOUD = str(PROGRAMS / "cloudpartner2022.tier")


def run(*args: str):
    return CliRunner().invoke(main, ["synth", *args])


def test_writes_a_csv(in_tmp):
    result = run(MSPP, CLOUD, "--rows", "300", "--seed", "3", "-o", "p.csv")
    assert result.exit_code == 0, result.output
    assert "wrote 300 partners" in result.output
    frame = pl.read_csv(in_tmp / "p.csv")
    assert frame.height == 300
    assert {"partner_id", "anniversary", "competencies_held", "data_ai_net_customer_adds"} <= set(frame.columns)


def test_same_options_same_bytes_and_format_option(in_tmp):
    assert run(MSPP, "--rows", "200", "-o", "a.out", "--format", "jsonl").exit_code == 0
    assert run(MSPP, "--rows", "200", "-o", "b.jsonl").exit_code == 0
    assert (in_tmp / "a.out").read_bytes() == (in_tmp / "b.jsonl").read_bytes()


def test_standard_output(in_tmp):
    result = CliRunner().invoke(main, ["synth", MSPP, "--rows", "5", "-o", "-"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("partner_id,") and len(lines) == 6


def test_anniversary_from(in_tmp):
    assert run(MSPP, "--rows", "500", "-o", "p.csv", "--anniversary-from", "2010-11-01").exit_code == 0
    ann = pl.read_csv(in_tmp / "p.csv", try_parse_dates=True)["anniversary"]
    assert str(ann.min()) >= "2010-11-01" and str(ann.max()) <= "2011-10-31"


def test_calibration_override(in_tmp):
    (in_tmp / "knobs.toml").write_text('[size]\ncolumn = "headcount"\n[segments.dynamics]\ncolumn = ""\n', encoding="utf-8")
    assert run(MSPP, "--rows", "50", "-o", "p.csv", "--calibration", "knobs.toml").exit_code == 0
    columns = pl.read_csv(in_tmp / "p.csv").columns
    assert "headcount" in columns and "employees" not in columns and "dynamics_partner" not in columns


# ------------------------------------------------------------------ errors: exit 2


def _usage_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output, result.output


def test_unknown_program(in_tmp):
    _usage_error(run("nope.tier", "-o", "p.csv"), "nope.tier", "does not exist")


def test_rows_must_be_positive(in_tmp):
    _usage_error(run(MSPP, "--rows", "0", "-o", "p.csv"), "--rows", "0 is not in the range 1<=x<=10000000")
    _usage_error(run(MSPP, "--rows", "-3", "-o", "p.csv"), "--rows")


def test_incompatible_columns(in_tmp):
    (in_tmp / "a.tier").write_text(
        'program a { version "1" effective 2020-01-01 }\nmetric n: count\ntrack t { level l { require n >= 1 } }\n'
    )
    (in_tmp / "b.tier").write_text('program b { version "1" effective 2020-01-01 }\nmetric n: bool\ntrack t { level l { require n } }\n')
    _usage_error(run("a.tier", "b.tier", "-o", "p.csv"), "column 'n' has incompatible types: bool in b (metric n) but count in a", "hint:")
    assert not (in_tmp / "p.csv").exists()


def test_program_with_errors(in_tmp):
    (in_tmp / "bad.tier").write_text('program a { version "1" }\ntrack t { level l { require missing >= 1 } }\n')
    _usage_error(run("bad.tier", "-o", "p.csv"), "bad.tier has errors")


def test_unknown_extension(in_tmp):
    _usage_error(run(MSPP, "-o", "p.txt"), "cannot tell the output format")


def test_bad_calibration(in_tmp):
    (in_tmp / "k.toml").write_text("[aim]\nrate = 2\n", encoding="utf-8")
    _usage_error(run(MSPP, "-o", "p.csv", "--calibration", "k.toml"), "'aim.rate' must be <= 1")
    (in_tmp / "k.toml").write_text("[aim]\nrat = 0.5\n", encoding="utf-8")
    _usage_error(run(MSPP, "-o", "p.csv", "--calibration", "k.toml"), "'aim.rat' is not a knob (did you mean 'rate'?)")
    (in_tmp / "k.toml").write_text("[aim\n", encoding="utf-8")
    _usage_error(run(MSPP, "-o", "p.csv", "--calibration", "k.toml"), "is not valid TOML")


def test_profile_column_clash(in_tmp):
    (in_tmp / "a.tier").write_text(
        'program a { version "1" effective 2020-01-01 }\nmetric employees: count\ntrack t { level l { require employees >= 1 } }\n'
    )
    _usage_error(run("a.tier", "-o", "p.csv"), "the profile column 'employees' (calibration knob size.column) is also a metric column")


def test_unwritable_output(in_tmp):
    _usage_error(run(MSPP, "--rows", "5", "-o", "missing/dir/p.csv"), "the folder of missing/dir/p.csv does not exist")


def test_real_process(tmp_path):
    """One real run: `python -m tierlang synth ...` in a fresh interpreter."""
    out = tmp_path / "p.parquet"
    cmd = [sys.executable, "-m", "tierlang", "synth", MSPP, "--rows", "1000", "--seed", "7", "-o", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    assert "wrote 1,000 partners" in done.stderr
    assert pl.read_parquet(out).height == 1000
    bad = subprocess.run([*cmd[:5], "--rows", "0", "-o", str(out)], capture_output=True, text=True, cwd=ROOT, env=env)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "'--rows': 0 is not in the range 1<=x<=10000000" in bad.stderr


def test_a_program_given_twice_is_a_usage_error(in_tmp, tmp_path):
    copy = tmp_path / "copy.tier"
    copy.write_text(Path(MSPP).read_text())
    for args in ((MSPP, MSPP), (MSPP, str(copy))):
        _usage_error(run(*args, "--rows", "3", "-o", "p.csv"), "PROGRAMS", "is given more than once")
