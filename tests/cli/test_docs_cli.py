"""`tier docs`: output formats, files, dates and bad input (exit codes 0 / 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import tierlang
from tierlang.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "docs"
GUIDE = str(FIXTURES / "guide.tier")


def run(*args: str):
    return CliRunner().invoke(main, ["docs", *args])


def test_markdown_to_stdout_by_default():
    r = run(GUIDE)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("# Contoso Partner Program\n")
    assert r.stderr == ""


def test_html_by_format_option():
    r = run(GUIDE, "--format", "html")
    assert r.exit_code == 0
    assert r.stdout.startswith("<!DOCTYPE html>")


def test_output_file_suffix_chooses_html(tmp_path):
    out = tmp_path / "guide.html"
    r = run(GUIDE, "-o", str(out))
    assert r.exit_code == 0
    assert r.stdout == "" and f"wrote {out}" in r.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_format_option_and_suffix_must_agree(tmp_path):
    # Markdown in a file named .html would open as a broken page: refused, nothing written
    out = tmp_path / "guide.html"
    r = run(GUIDE, "--output", str(out), "--format", "md")
    assert r.exit_code == 2 and "names a html file but --format is md" in r.stderr
    assert not out.exists()


def test_format_option_names_the_format_of_an_unknown_ending(tmp_path):
    out = tmp_path / "guide.txt"
    r = run(GUIDE, "--output", str(out), "--format", "md")
    assert r.exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("# Contoso")


@pytest.mark.parametrize("name", ["guide.pdf", "guide", "guide.docx"])
def test_unknown_output_ending_is_refused(tmp_path, name):
    out = tmp_path / name
    r = run(GUIDE, "-o", str(out))
    assert r.exit_code == 2 and "name the file .md or .html, or choose --format" in r.stderr
    assert not out.exists()


def test_dash_output_is_stdout():
    r = run(GUIDE, "-o", "-", "--format", "html")
    assert r.exit_code == 0 and r.stdout.startswith("<!DOCTYPE html>")


def test_as_of_picks_dated_parameters():
    r = run(GUIDE, "--as-of", "2024-08-01")
    assert r.exit_code == 0
    assert "| Values as of | 2024-08-01 |" in r.stdout
    assert "at least 5 certified professionals" in r.stdout


def test_program_with_errors_prints_diagnostics_and_exits_2():
    r = run(str(FIXTURES / "broken.tier"))
    assert r.exit_code == 2
    assert r.stdout == ""
    assert "error[TL203]" in r.stderr and "error[TL200]" in r.stderr
    assert "broken.tier has errors" in r.stderr
    assert "Traceback" not in r.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([GUIDE, "--format", "pdf"], "'pdf' is not one of 'md', 'html'"),
        ([GUIDE, "--as-of", "2024-13-01"], "is not a date"),
        ([GUIDE, "--bogus"], "No such option"),
        ([], "Missing argument 'PROGRAM'"),
        (["no/such/file.tier"], "does not exist"),
        ([str(FIXTURES)], "is a directory"),
    ],
)
def test_bad_usage_exits_2(args, message):
    r = run(*args)
    assert r.exit_code == 2
    assert message in r.stderr
    assert r.stdout == ""


def test_unwritable_output_exits_2_without_traceback(tmp_path):
    r = run(GUIDE, "-o", str(tmp_path / "missing-dir" / "guide.md"))
    assert r.exit_code == 2
    assert "the folder of" in r.stderr and "does not exist" in r.stderr
    assert r.exception is None or isinstance(r.exception, SystemExit)


def test_the_guide_never_overwrites_its_program(tmp_path):
    program = tmp_path / "p.tier"
    program.write_text(Path(GUIDE).read_text())
    r = run(str(program), "-o", str(program))
    assert r.exit_code == 2 and "would overwrite an input" in r.stderr
    assert program.read_text() == Path(GUIDE).read_text()


def test_real_process():
    """`python -m tierlang docs` in a fresh interpreter: templates load from the package."""
    env = dict(os.environ, PYTHONPATH=str(Path(tierlang.__file__).resolve().parents[1]))
    proc = subprocess.run(
        [sys.executable, "-m", "tierlang", "docs", GUIDE, "--format", "html"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("<!DOCTYPE html>")
    assert "Contoso Partner Program" in proc.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "tierlang", "docs", str(FIXTURES / "broken.tier")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert bad.returncode == 2 and "error[TL200]" in bad.stderr and bad.stdout == ""
