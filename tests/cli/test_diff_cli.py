"""`tier diff`: formats, files, exit codes 0 / 1 / 2, and bad input without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from tests.conftest import FIXTURES, PROGRAMS, ROOT
from tierlang import load_program
from tierlang.cli import main
from tierlang.synth import synthesize, write_population

DIFF = FIXTURES / "diff"
V1, V2 = str(DIFF / "shop_v1.tier"), str(DIFF / "shop_v2.tier")
DATA = str(DIFF / "shop_partners.csv")


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def run(*args: str):
    return CliRunner().invoke(main, ["diff", *args])


def test_structural_diff_to_stdout():
    r = run(V1, V2)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("tier diff: shop 1 → shop 2\n")
    assert "tightened  param gold_people: value" in r.stdout
    assert "Impact" not in r.stdout
    assert r.stderr == ""


def test_impact_with_data():
    r = run(V1, V2, "--data", DATA)
    assert r.exit_code == 0, r.output
    assert "12 partners: 4 lose status (33.3%), 2 gain, 6 keep." in r.stdout
    assert "Outreach: 4 partners lose status." in r.stdout


@pytest.mark.parametrize("suffix,start", [(".html", "<!DOCTYPE html>"), (".md", "# Diff: shop 1"), (".json", "{")])
def test_output_suffix_chooses_the_format(tmp_path, suffix, start):
    out = tmp_path / f"report{suffix}"
    r = run(V1, V2, "--data", DATA, "-o", str(out))
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").startswith(start)
    assert r.stderr == f"wrote {out}\n"


def test_json_format_to_stdout():
    r = run(V1, V2, "--data", DATA, "--format", "json", "--limit", "1")
    data = json.loads(r.stdout)
    assert data["schema"] == "tierlang.diff/1"
    # --limit cuts the text and Markdown reports; the JSON holds the whole list
    assert len(data["impact"]["outreach"]["partners"]) == 4 and data["impact"]["outreach"]["total"] == 4


def test_outreach_file_holds_the_whole_list(tmp_path):
    out = tmp_path / "calls.csv"
    r = run(V1, V2, "--data", DATA, "--limit", "1", "--outreach-file", str(out))
    assert r.exit_code == 0, r.output
    calls = pl.read_csv(out)
    assert calls["partner_id"].to_list() == ["P03", "P01", "P08", "P04"]
    assert calls.columns == ["partner_id", "next_anniversary", "old", "new", "lost"]


def test_fail_flags():
    assert run(V1, V2, "--data", DATA, "--fail-on-loss").exit_code == 1
    assert run(V1, V1, "--data", DATA, "--fail-on-loss").exit_code == 0
    assert run(V1, V2, "--fail-on-tightened").exit_code == 1
    assert run(V1, V1, "--fail-on-tightened").exit_code == 0


def test_missing_columns_exit_2_without_traceback(tmp_path):
    data = tmp_path / "p.csv"
    pl.DataFrame({"partner_id": ["A", "B"], "anniversary": ["2009-12-01", "2010-03-15"]}).write_csv(data)
    r = run(str(PROGRAMS / "mspp2009.tier"), str(PROGRAMS / "mpn2010.tier"), "--data", str(data))
    assert r.exit_code == 2
    assert "Traceback" not in r.output and "is missing" in r.stderr


def test_shipped_mapping_is_found_and_can_be_turned_off(tmp_path):
    programs = [load_program(PROGRAMS / f"{n}.tier").program for n in ("mspp2009", "mpn2010")]
    data = tmp_path / "p.csv"
    write_population(synthesize(programs, rows=300, seed=11).frame, data, "csv")
    args = [str(PROGRAMS / "mspp2009.tier"), str(PROGRAMS / "mpn2010.tier"), "--data", str(data)]
    found = run(*args)
    assert found.exit_code == 0, found.output
    assert "compared through: programs/mappings/mspp2009-mpn2010.tiermap" in found.stdout
    assert "Status: Company status" in found.stdout
    off = run(*args, "--no-mapping")
    assert off.exit_code == 0
    assert "No status comparison" in off.stdout
    b = run(*args, "--mapping", str(PROGRAMS / "mappings" / "mspp2009-mpn2010.by-difficulty.tiermap"))
    assert "Status: Company status (by difficulty)" in b.stdout


@pytest.mark.parametrize(
    "args,message",
    [
        (["--fail-on-loss"], "--fail-on-loss needs --data"),
        (["--data", DATA, "--mapping", str(DIFF / "legacy-shop.tiermap"), "--no-mapping"], "exclude each other"),
        (["--months", "-1"], "-1 is not in the range"),
    ],
)
def test_usage_errors_exit_2(args, message):
    r = run(V1, V2, *args)
    assert r.exit_code == 2
    assert message in r.output


def test_mapping_errors_show_the_line(tmp_path):
    bad = tmp_path / "bad.tiermap"
    bad.write_text("mapping legacy -> shop\ncompare tier -> status {\n  rank 0: registered -> membr\n}\n")
    r = run(str(DIFF / "legacy.tier"), V1, "--data", DATA, "--mapping", str(bad))
    assert r.exit_code == 2
    assert "error[TL502]: 'membr' is not a level of status" in r.stderr
    assert "3 |   rank 0: registered -> membr" in r.stderr
    assert "Traceback" not in r.output


def test_data_errors_name_file_row_and_column(tmp_path):
    data = tmp_path / "p.csv"
    frame = pl.read_csv(DATA, infer_schema=False)
    frame.with_columns(
        pl.when(pl.col("partner_id") == "P02").then(pl.lit("3.5")).otherwise(pl.col("certified")).alias("certified")
    ).write_csv(data)
    r = run(V1, V2, "--data", str(data))
    assert r.exit_code == 2
    assert f"{data.name}:3:" in r.stderr.replace(str(data), data.name) and "certified" in r.stderr


def test_program_with_errors_exits_2(tmp_path):
    bad = tmp_path / "bad.tier"
    bad.write_text('program p { version "1" }\ntrack t { level l { require nothing >= 1 } }\n')
    r = run(str(bad), V2)
    assert r.exit_code == 2
    assert "has errors" in r.stderr


def test_unwritable_output_exits_2(tmp_path):
    r = run(V1, V2, "-o", str(tmp_path / "missing" / "r.html"))
    assert r.exit_code == 2 and "does not exist" in r.stderr


def test_outputs_never_overwrite_inputs_or_each_other(tmp_path):
    new = tmp_path / "new.tier"
    new.write_text(Path(V2).read_text())
    r = run(V1, str(new), "-o", str(new))
    assert r.exit_code == 2 and "would overwrite an input" in r.stderr
    assert new.read_text() == Path(V2).read_text()
    # checked before any work: the first file is not written when the second cannot be
    r = run(V1, V2, "-o", str(tmp_path / "a.md"), "-o", str(tmp_path / "a.md"))
    assert r.exit_code == 2 and "would overwrite the output of -o" in r.stderr
    r = run(V1, V2, "-o", str(tmp_path / "b.md"), "-o", str(tmp_path / "nowhere" / "c.md"))
    assert r.exit_code == 2 and not (tmp_path / "b.md").exists()


@pytest.mark.parametrize("fmt", ["text", "md", "html", "json"])
def test_no_outreach_rows_and_no_months(fmt):
    r = run(V1, V2, "--data", DATA, "--limit", "0", "--months", "0", "--format", fmt)
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output


def test_json_lines_data(tmp_path):
    data = tmp_path / "p.jsonl"
    pl.read_csv(DATA).write_ndjson(data)
    r = run(V1, V2, "--data", str(data))
    assert r.exit_code == 0, r.output
    assert "12 partners: 4 lose status" in r.stdout


def test_unknown_data_format_exits_2(tmp_path):
    data = tmp_path / "p.txt"
    data.write_text("partner_id\nA\n")
    r = run(V1, V2, "--data", str(data))
    assert r.exit_code == 2
    assert "cannot tell the format" in r.stderr and "Traceback" not in r.output
