"""Issue 14, item 7 (smaller gaps that forced workarounds): each with its own test."""

from __future__ import annotations

import json
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


INTERNAL = """program internal_demo {
  version "1"
}

metric adds "Net customer adds": count
metric seats "Seats": count

track helper "Seats band" {
  internal
  level some {
    require seats >= 10
  }
}

track partner "Partner" {
  level silver {
    require adds >= 2
  }
  level gold {
    require adds >= 5 and helper at some
  }
}
"""
INTERNAL_DATA = "partner_id,adds,seats\na,5,10\nb,5,0\nc,1,20\n"


def test_internal_tracks_are_evaluated_but_not_written(tmp_path):
    path = _write(tmp_path, INTERNAL, "i.tier")
    data = tmp_path / "i.csv"
    data.write_text(INTERNAL_DATA, encoding="utf-8")
    assert run("fmt", "--check", str(path)).exit_code == 0
    written = []
    for engine in ("interpreter", "vectorized", "duckdb"):
        out = tmp_path / f"{engine}.csv"
        result = run("eval", str(path), str(data), "--engine", engine, "-o", str(out))
        assert result.exit_code == 0, result.stderr
        assert "helper" not in result.stderr  # nor in the summary
        written.append(out.read_text())
    assert written[0] == written[1] == written[2]
    assert written[0].splitlines() == ["partner_id,track,level,score", "a,partner,gold,", "b,partner,silver,", "c,partner,,"]
    # the SQL query writes the same rows
    prog = load_program(path).program
    con = duckdb.connect()
    con.execute(f"CREATE TABLE partners AS SELECT * FROM read_csv('{data}', all_varchar = true)")
    assert sorted(r[:3] for r in con.execute(compile_sql(prog, "duckdb").sql()).fetchall()) == [
        ("a", "partner", "gold"),
        ("b", "partner", "silver"),
        ("c", "partner", None),
    ]
    assert {r[1] for r in con.execute(compile_sql(prog, "duckdb", tracks=("helper",)).sql()).fetchall()} == {"helper"}
    # explain leaves the helper out unless it is named
    explained = run("explain", str(path), str(data), "--partner", "b")
    assert "Partner: holds silver" in explained.stdout and "\nSeats band: " not in explained.stdout
    assert "\nSeats band: holds no level" in run("explain", str(path), str(data), "--partner", "b", "--track", "helper").stdout


def test_eval_track_selects_the_tracks_written(tmp_path):
    path = _write(tmp_path, INTERNAL, "i.tier")
    data = tmp_path / "i.csv"
    data.write_text(INTERNAL_DATA, encoding="utf-8")
    out = tmp_path / "o.csv"
    result = run("eval", str(path), str(data), "--track", "helper", "--gaps", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "partner_id,track,level,score,next_level,points_missing,requirements_missing,missing"
    assert lines[1:] == ["a,helper,some,,,,,", "b,helper,,,some,,1,seats >= 10 (10 more)", "c,helper,some,,,,,"]
    both = run("eval", str(path), str(data), "--track", "partner", "--track", "helper", "-o", str(out))
    assert both.exit_code == 0 and [line.split(",")[1] for line in out.read_text().splitlines()[1:]] == ["helper"] * 3 + ["partner"] * 3
    bad = run("eval", str(path), str(data), "--track", "helpers")
    assert bad.exit_code == 2 and "no track 'helpers'" in bad.stderr and "(tracks: helper, partner)" in bad.stderr


def test_internal_is_an_attribute_of_tracks_only(tmp_path):
    text = INTERNAL.replace('metric seats "Seats": count', 'metric seats "Seats": count { internal }')
    errors = [(d.code, d.message) for d in load_program(_write(tmp_path, text, "x.tier")).diagnostics if d.is_error]
    assert errors == [("TL210", "'internal' is not an attribute of a metric")]


PARENT = """program fy21 "Consulting FY21" {
  version "FY21"
  effective 2021-02-01
}

metric points: count
metric csat: number

track tier "Consulting tier" {
  level base
  level ridge {
    require points >= 100
  }
  level crest {
    require points >= 300
    require csat >= 4.0
  }
  level summit {
    require points >= 600
  }
}
"""

CHILD = """program fy22 "Consulting FY22" {
  extends "parent.tier"
  version "FY22"
  effective 2022-02-01
}

# FY22 raised only the Crest bar.
override level tier.crest "Crest" {
  require points >= 400
  require csat >= 4.2
}
"""


def test_override_one_level_of_a_parents_track(tmp_path):
    _write(tmp_path, PARENT, "parent.tier")
    child = _write(tmp_path, CHILD, "child.tier")
    result = load_program(child)
    assert not [d for d in result.diagnostics if d.is_error]
    levels = result.program.track_map["tier"].variants[0].levels
    assert [lv.name for lv in levels] == ["base", "ridge", "crest", "summit"]  # in place
    assert levels[2].title == "Crest" and len(levels[2].requirements) == 2
    ds = from_frame(pl.DataFrame({"partner_id": ["a", "b"], "points": ["350", "450"], "csat": ["4.5", "4.5"]}), result.program)
    a, b = (evaluate_dataset(result.program, ds, engine=e) for e in ("interpreter", "vectorized"))
    assert a.long().equals(b.long()) and [a.level(p, "tier") for p in "ab"] == ["ridge", "crest"]
    assert run("fmt", "--check", str(child)).exit_code == 0
    changes = structural_diff(load_program(tmp_path / "parent.tier").program, result.program)
    assert [(c.effect, c.old, c.new) for c in changes if c.kind == "requirement"] == [
        ("tightened", "points >= 300", "points >= 400"),
        ("tightened", "csat >= 4", "csat >= 4.2"),
    ]


def test_override_level_names_what_is_missing(tmp_path):
    _write(tmp_path, PARENT, "parent.tier")
    for old, new, message in [
        ("tier.crest", "tiers.crest", "nothing to override: the parent declares no track 'tiers'"),
        ("tier.crest", "tier.peak", "nothing to override: track 'tier' has no level 'peak'"),
    ]:
        child = _write(tmp_path, CHILD.replace(old, new), "child.tier")
        assert [(d.code, d.message) for d in load_program(child).diagnostics if d.is_error] == [("TL222", message)]
    alone = _write(tmp_path, CHILD.replace('  extends "parent.tier"\n', ""), "alone.tier")
    assert "TL226" in [d.code for d in load_program(alone).diagnostics]


def test_override_level_in_a_track_with_variants(tmp_path):
    parent = PARENT.replace(
        """track tier "Consulting tier" {
  level base""",
        """track tier "Consulting tier" {
  choose small when points < 50 else large
  variant small {
    level base
    level ridge {
      require points >= 10
    }
    level crest {
      require points >= 30
    }
    level summit {
      require points >= 40
    }
  }
  variant large {
  level base""",
    ).replace("    require points >= 600\n  }\n}", "    require points >= 600\n  }\n  }\n}")
    _write(tmp_path, parent, "parent.tier")
    child = load_program(_write(tmp_path, CHILD, "child.tier"))
    assert not [d for d in child.diagnostics if d.is_error], [d.message for d in child.diagnostics]
    for v in child.program.track_map["tier"].variants:  # both variants take the new level
        assert next(lv for lv in v.levels if lv.name == "crest").title == "Crest"


def test_the_editor_reads_a_level_override(tmp_path):
    from tierlang.lsp.session import Session

    _write(tmp_path, PARENT, "parent.tier")
    child = _write(tmp_path, CHILD, "child.tier")
    session = Session([tmp_path])
    found = {(o.symbol.kind, o.symbol.name, o.definition) for o in session.index(child).occurrences}
    assert {("track", "tier", False), ("level", "crest", True), ("metric", "points", False)} <= found


RENAMING = """mapping fy21 -> fy22r "Ridge is now Reef" {
}

compare tier -> tier {
  rank 0: base -> base
  rank 1: ridge -> reef
  rank 2: crest -> crest
  rank 3: summit -> summit
}
"""


def test_levels_renamed_through_a_mapping_are_shown_as_renames(tmp_path):
    old = _write(tmp_path, PARENT, "fy21.tier")
    renamed = PARENT.replace("ridge", "reef").replace("program fy21", "program fy22r").replace("points >= 300", "points >= 320")
    new = _write(tmp_path, renamed, "fy22r.tier")
    mapping = _write(tmp_path, RENAMING, "m.tiermap")
    plain = run("diff", str(old), str(new), "--no-mapping")
    assert "tier › ridge: level removed" in plain.stdout and "tier › reef: level added" in plain.stdout
    result = run("diff", str(old), str(new), "--mapping", str(mapping))
    assert result.exit_code == 0, result.output
    assert "tier › reef: name: ridge → reef" in result.stdout
    assert "level removed" not in result.stdout and "level added" not in result.stdout
    assert "points >= 300 → points >= 320" in result.stdout  # the rest as before
    # a renamed level that also changed says both, under its new name
    changed = renamed.replace("require points >= 100", "require points >= 150")
    _write(tmp_path, changed, "fy22r.tier")
    both = run("diff", str(old), str(new), "--mapping", str(mapping), "--format", "json")
    data = json.loads(both.stdout)
    reef = [(c["path"], c["what"], c["old"], c["new"]) for c in data["changes"] if "reef" in c["path"]]
    assert (["tier", "reef"], "name", "ridge", "reef") in reef
    assert (["tier", "reef", "requirement 1"], "requirement", "points >= 100", "points >= 150") in reef


def test_a_rule_reading_an_output_says_so(tmp_path):
    text = 'program lim { version "1" }\nmetric m: count\ntrack t {\n  output fee "Fee": money USD = 10 USD\n  level l { require fee >= 1 USD and m >= 0 }\n}\n'
    (d,) = [d for d in load_program(_write(tmp_path, text, "lim.tier")).diagnostics if d.is_error]
    assert (d.code, d.message) == ("TL205", "'fee' is an output of track 't': rules cannot read outputs")
