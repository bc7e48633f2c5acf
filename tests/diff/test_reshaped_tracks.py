"""A track with variants in one version and a single path in the other (issue 19's
traceback): one classified change with both spans, then what differs on each path."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tierlang import load_program
from tierlang.cli import main
from tierlang.diff.structural import LOOSENED, NEUTRAL, TIGHTENED, structural_diff

HEAD = 'program p {{ version "{v}" }}\nmetric x: count\nmetric y: count\nmetric big: bool\n'
CLASSIFIED = "track t { choose b when big else s  variant b { level ok { require x >= 2 } }  variant s { level ok { require x >= 1 } } }\n"
BEST = "track t { choose best  variant b { level ok { require x >= 2 and big } }  variant s { level ok { require y >= 1 and big } } }\n"


def _files(tmp_path, old_track: str, new_track: str):
    old, new = tmp_path / "old.tier", tmp_path / "new.tier"
    old.write_text(HEAD.format(v=1) + old_track)
    new.write_text(HEAD.format(v=2) + new_track)
    return old, new


def _changes(old, new):
    a, b = (load_program(p).program for p in (old, new))
    return structural_diff(a, b)


def _rule(changes):
    return [(c.path, c.what, c.old, c.new, c.effect) for c in changes if c.kind != "program"]


def test_variants_lost_is_one_classified_change_with_both_spans(tmp_path):
    old, new = _files(tmp_path, CLASSIFIED, "track t { level ok { require x >= 1 } }\n")
    changes = [c for c in _changes(old, new) if c.kind != "program"]
    assert _rule(changes) == [
        (("t",), "variants", "variants b, s: b when big, else s", "one path (no variants)", LOOSENED),
        (("t", "b → one path", "ok", "requirement 1"), "requirement", "x >= 2", "x >= 1", LOOSENED),
    ]
    head = changes[0]
    assert head.old_span.file.endswith("old.tier") and head.new_span.file.endswith("new.tier")
    assert all(None not in c.path for c in changes)


def test_variants_gained_mirrors(tmp_path):
    old, new = _files(tmp_path, "track t { level ok { require x >= 1 } }\n", CLASSIFIED)
    assert _rule(_changes(old, new)) == [
        (("t",), "variants", "one path (no variants)", "variants b, s: b when big, else s", TIGHTENED),
        (("t", "one path → b", "ok", "requirement 1"), "requirement", "x >= 1", "x >= 2", TIGHTENED),
    ]


@pytest.mark.parametrize(
    "single,effect",
    [
        ("x >= 2 and big", TIGHTENED),  # the same as one of the best-of paths: the other path is lost
        ("big", LOOSENED),  # no stricter than either path
        ("x >= 2 and y >= 1 and big", TIGHTENED),  # both paths at once
        ("x >= 1", None),
    ],
)
def test_best_of_variants_lost(tmp_path, single, effect):
    old, new = _files(tmp_path, BEST, f"track t {{ level ok {{ require {single} }} }}\n")
    head = _changes(old, new)[1]
    assert (head.what, head.effect) == ("variants", effect)


def test_identical_paths_are_neutral(tmp_path):
    same = "track t { choose best  variant b { level ok { require x >= 1 } }  variant s { level ok { require x >= 1 } } }\n"
    old, new = _files(tmp_path, same, "track t { level ok { require x >= 1 } }\n")
    assert _rule(_changes(old, new)) == [(("t",), "variants", "best of b, s", "one path (no variants)", NEUTRAL)]


@pytest.mark.parametrize("fmt", ["text", "md", "html", "json"])
@pytest.mark.parametrize("forward", [True, False])
def test_cli_reports_it_in_every_format_both_ways(tmp_path, fmt, forward):
    old, new = _files(tmp_path, CLASSIFIED, "track t { level ok { require x >= 1 } }\n")
    data = tmp_path / "d.csv"
    data.write_text("partner_id,x,y,big\na,1,0,true\nb,2,0,true\nc,1,0,false\nd,0,0,false\n")
    a, b = (old, new) if forward else (new, old)
    for extra in ([], ["--data", str(data)]):
        r = CliRunner().invoke(main, ["diff", str(a), str(b), "--format", fmt, *extra])
        assert r.exit_code == 0, r.output
        assert "Traceback" not in r.output
        if fmt == "json":
            doc = json.loads(r.stdout)
            paths = [c["path"] for c in doc["changes"]]
            assert ["t"] in paths and all(None not in p for p in paths)
        else:
            assert "one path (no variants)" in r.stdout


def test_a_loss_on_a_reshaped_track_names_both_changes(tmp_path):
    old, new = _files(tmp_path, "track t { level ok { require x >= 1 } }\n", CLASSIFIED)
    data = tmp_path / "d.csv"
    data.write_text("partner_id,x,y,big\na,1,0,true\nb,2,0,true\n")
    doc = json.loads(CliRunner().invoke(main, ["diff", str(old), str(new), "--data", str(data), "--format", "json"]).stdout)
    (comparison,) = doc["impact"]["comparisons"]
    (attribution,) = comparison["attributions"]
    assert attribution["partners"] == 1
    named = {tuple(doc["changes"][i]["path"]) for i in attribution["changes"]}
    assert named == {("t",), ("t", "one path → b", "ok", "requirement 1")}
