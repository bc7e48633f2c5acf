"""Issue 14, item 7 (smaller gaps that forced workarounds): each with its own test."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from tests.cli.cli_helpers import run
from tierlang import load_program
from tierlang.data import from_frame
from tierlang.diff.structural import structural_diff
from tierlang.engine import evaluate_dataset
from tierlang.engine.sql import compile_sql
from tierlang.render.guide import render_guide

GROUPS = """program g {
  version "1"
}

metric azure "Azure deployments": count
metric security "Security seats": count

group competencies "Competencies"
group cloud "Cloud specializations"

track infra "Infrastructure" in competencies, cloud {
  level gold {
    require azure >= 5
  }
}

track sec "Security" in competencies {
  level gold {
    require security >= 10
  }
}

track elite "Elite" {
  level one {
    require at least 1 of cloud at gold
  }
  level two {
    require at least 2 of competencies at gold
  }
}
"""

ROWS = {"partner_id": ["a", "b", "c"], "azure": ["5", "5", "0"], "security": ["0", "10", "10"]}


def _write(tmp_path: Path, text: str, name: str = "g.tier") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_track_in_several_groups_counts_in_each_in_every_engine(tmp_path):
    prog = load_program(_write(tmp_path, GROUPS)).program
    assert {g.name: g.tracks for g in prog.groups} == {"competencies": ("infra", "sec"), "cloud": ("infra",)}
    assert prog.track_map["infra"].groups == ("competencies", "cloud")
    ds = from_frame(pl.DataFrame(ROWS), prog)
    a, b = (evaluate_dataset(prog, ds, engine=e) for e in ("interpreter", "vectorized"))
    assert a.long().equals(b.long())
    assert {p: a.level(p, "elite") for p in "abc"} == {"a": "one", "b": "two", "c": None}
    con = duckdb.connect()
    con.execute("CREATE TABLE partners AS SELECT * FROM (VALUES ('a', 5, 0), ('b', 5, 10), ('c', 0, 10)) t(partner_id, azure, security)")
    rows = {(r[0], r[1]): r[2] for r in con.execute(compile_sql(prog, "duckdb").sql()).fetchall()}
    assert rows == {(p, t): a.level(p, t) for p in "abc" for t in ("infra", "sec", "elite")}


def test_several_groups_format_document_and_diff(tmp_path):
    path = _write(tmp_path, GROUPS)
    assert run("fmt", "--check", str(path)).exit_code == 0
    prog = load_program(path).program
    guide = render_guide(prog, audience="reviewer")
    assert "one of the competencies and cloud specializations" in guide.lower()
    both = load_program(_write(tmp_path, GROUPS.replace('"Security" in competencies', '"Security" in competencies, cloud'), "b.tier"))
    changes = [c for c in structural_diff(prog, both.program) if c.kind == "track"]
    assert [(c.path, c.what, c.old, c.new) for c in changes] == [(("sec",), "groups", "competencies", "competencies, cloud")]


def test_naming_a_group_twice_or_an_unknown_one(tmp_path):
    twice = load_program(_write(tmp_path, GROUPS.replace("in competencies, cloud", "in cloud, competencies, cloud"))).diagnostics
    assert [(d.code, d.message) for d in twice if d.is_error] == [("TL201", "track 'infra' names group 'cloud' twice")]
    unknown = load_program(_write(tmp_path, GROUPS.replace("in competencies, cloud", "in competencies, clouds"))).diagnostics
    assert [(d.message, d.hint) for d in unknown if d.code == "TL200"] == [("unknown group 'clouds'", "did you mean 'cloud'?")]


def test_the_editor_finds_every_group_of_a_track(tmp_path):
    from tierlang.lsp.session import Session

    path = _write(tmp_path, GROUPS)
    session = Session([tmp_path])
    line = GROUPS.split("\n").index('track infra "Infrastructure" in competencies, cloud {') + 1
    found = {(o.symbol.kind, o.symbol.name) for o in session.index(path).occurrences if o.span.line == line}
    assert found == {("track", "infra"), ("group", "competencies"), ("group", "cloud")}
