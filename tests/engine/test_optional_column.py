"""A metric declared `optional` may be missing from the data: every row takes its default,
and the commands say so (issue 19); without `optional` a missing column stays an error
(DESIGN §4), even with a default."""

from __future__ import annotations

import json

import polars as pl
import pytest
from click.testing import CliRunner

from tierlang import evaluate, load_program
from tierlang.cli import main
from tierlang.data import DataLoadError, load_dataset

PROGRAM = """program opt { version "1" }
metric pros: count
metric survey_done "Customer survey completed": bool { default false optional }
metric refs: count { default 2 optional column "references" }
metric audits: count { default 0 }
track t { level ok { require pros >= 1 and refs >= 2 } level gold { require survey_done } }
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "p.tier").write_text(PROGRAM)
    (tmp_path / "d.csv").write_text("partner_id,pros,audits\na,1,0\nb,0,0\n")
    pl.DataFrame({"partner_id": ["a", "b"], "pros": [1, 0], "audits": [0, 0]}).write_parquet(tmp_path / "d.parquet")
    (tmp_path / "d.jsonl").write_text('{"partner_id": "a", "pros": 1, "audits": 0}\n{"partner_id": "b", "pros": 0, "audits": 0}\n')
    return tmp_path


def _program(files):
    result = load_program(files / "p.tier")
    assert result.ok, [d.message for d in result.diagnostics]
    return result.program


@pytest.mark.parametrize("suffix", ["csv", "parquet", "jsonl"])
def test_an_absent_optional_column_takes_the_default(files, suffix):
    p = _program(files)
    ds = load_dataset(files / f"d.{suffix}", p)
    assert [m.name for m in ds.absent] == ["survey_done", "refs"]
    assert ds.notes == [
        "column 'survey_done' is not in the file: every row takes the default false (optional metric 'survey_done')",
        "column 'references' is not in the file: every row takes the default 2 (optional metric 'refs')",
    ]
    assert ds.values("a") == {"pros": 1, "survey_done": False, "refs": 2, "audits": 0}
    ev = evaluate(p, files / f"d.{suffix}")  # the one-pass scan path, for files
    assert ev.levels["t"].to_list() == ["ok", None]
    assert ev.dataset.notes == ds.notes


def test_a_missing_column_with_a_default_but_not_optional_is_still_an_error(files):
    (files / "e.csv").write_text("partner_id,pros\na,1\n")
    with pytest.raises(DataLoadError) as e:
        load_dataset(files / "e.csv", _program(files))
    assert [x.message for x in e.value.errors] == ["column 'audits' is missing (metric 'audits')"]


def test_optional_needs_a_default(tmp_path):
    result = load_program(
        tmp_path / "p.tier", text='program p { version "1" }\nmetric m: count { optional }\ntrack t { level l { require m >= 1 } }\n'
    )
    (d,) = [d for d in result.diagnostics if d.severity == "error"]
    assert d.code == "TL210" and d.message == "'m' is optional but has no default"


def test_the_commands_say_so(files):
    runner = CliRunner()
    r = runner.invoke(main, ["eval", str(files / "p.tier"), str(files / "d.csv")])
    assert r.exit_code == 0 and "note: column 'survey_done' is not in the file" in r.stderr
    r = runner.invoke(main, ["explain", str(files / "p.tier"), str(files / "d.csv"), "--partner", "a"])
    assert r.exit_code == 0 and "note: column 'references' is not in the file" in r.stderr
    r = runner.invoke(main, ["diff", str(files / "p.tier"), str(files / "p.tier"), "--data", str(files / "d.csv"), "--format", "json"])
    assert r.exit_code == 0 and len(json.loads(r.stdout)["impact"]["data"]["notes"]) == 2


def test_a_present_optional_column_is_read_as_usual(files):
    (files / "f.csv").write_text("partner_id,pros,audits,survey_done,references\na,1,0,true,\n")
    ds = load_dataset(files / "f.csv", _program(files))
    assert ds.absent == () and ds.notes == []
    assert ds.values("a") == {"pros": 1, "survey_done": True, "refs": 2, "audits": 0}


def test_the_formatter_keeps_optional():
    from tierlang.syntax.formatter import format_module
    from tierlang.syntax.parser import parse

    text = format_module(parse(PROGRAM, "p.tier").module)
    assert "default false\n  optional\n" in text or "default false optional" in text
    assert format_module(parse(text, "p.tier").module) == text
