"""`tier diff --as-of DATE`: both programs compared as of one date, so a change a dated
parameter makes inside one version shows up (issue 19); the header says which date."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from tests.diff.versions import write_versions
from tierlang import load_program
from tierlang.cli import main
from tierlang.diff import diff, to_data

OLD = 'program g { version "1" effective 2023-01-01 }\nparam gate = 1\nmetric people: count\ntrack t { level ok { require people >= gate } }\n'
NEW = OLD.replace('version "1" effective 2023-01-01', 'version "2" effective 2023-06-01').replace(
    "param gate = 1", "param gate = 1 { from 2024-01-01 = 2 }"
)
DATA = "partner_id,people,anniversary\na,1,2024-03-01\nb,2,2023-09-01\n"


@pytest.fixture
def files(tmp_path):
    return write_versions(tmp_path, OLD, NEW, DATA)


def test_without_as_of_each_program_is_read_at_its_effective_date(files):
    report = diff(files / "old.tier", files / "new.tier", data=files / "d.csv", months=1)
    assert report.as_of is None and report.compared == "each program as of its own effective date"
    (c,) = report.impact.comparisons
    assert (c.gain, c.keep, c.lose) == (0, 2, 0)  # the rise on 2024-01-01 is not in force yet
    assert report.impact.effective == dt.date(2023, 6, 1)


def test_as_of_compares_both_on_that_day(files):
    report = diff(files / "old.tier", files / "new.tier", data=files / "d.csv", months=1, as_of=dt.date(2024, 2, 1))
    assert report.old.as_of == report.new.as_of == dt.date(2024, 2, 1)
    (c,) = report.impact.comparisons
    assert (c.keep, c.lose) == (1, 1)  # partner a has 1 person; the gate is 2 from 2024-01-01
    assert report.impact.effective == dt.date(2024, 2, 1)  # the timeline starts on the comparison date
    data = to_data(report)
    assert data["as_of"] == "2024-02-01" and data["new"]["as_of"] == "2024-02-01"


def test_an_earlier_as_of_keeps_the_effective_date_as_the_timeline_start(files):
    report = diff(files / "old.tier", files / "new.tier", data=files / "d.csv", months=1, as_of=dt.date(2023, 3, 1))
    assert report.impact.effective == dt.date(2023, 6, 1)


def test_a_loaded_program_must_be_loaded_for_that_date(files):
    a = load_program(files / "old.tier").program
    with pytest.raises(ValueError, match="load it with as_of"):
        diff(a, files / "new.tier", as_of=dt.date(2024, 2, 1))


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_the_header_says_which_date(files, fmt):
    runner = CliRunner()
    base = ["diff", str(files / "old.tier"), str(files / "new.tier"), "--data", str(files / "d.csv"), "--format", fmt]
    plain = runner.invoke(main, base)
    dated = runner.invoke(main, [*base, "--as-of", "2024-02-01"])
    assert plain.exit_code == 0 and dated.exit_code == 0, dated.output
    assert "each program as of its own effective date" in plain.stdout
    assert "both programs as of 2024-02-01" in " ".join(dated.stdout.split())


def test_cli_json_and_bad_dates(files):
    runner = CliRunner()
    r = runner.invoke(main, ["diff", str(files / "old.tier"), str(files / "new.tier"), "--as-of", "2024-02-01", "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["as_of"] == "2024-02-01"
    bad = runner.invoke(main, ["diff", str(files / "old.tier"), str(files / "new.tier"), "--as-of", "2024-13-01"])
    assert bad.exit_code == 2 and "is not a date; write YYYY-MM-DD" in bad.output
