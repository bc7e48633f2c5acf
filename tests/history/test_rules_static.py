"""Status rules outside a history: lowering, formatting, rounds of evaluation and the
structural diff."""

from __future__ import annotations

import pytest

from tests.conftest import PROGRAMS
from tests.engine.engine_helpers import load_text
from tierlang import ir
from tierlang.diff.structural import LOOSENED, TIGHTENED, structural_diff
from tierlang.history.plan import level_column, rounds
from tierlang.loader import load_program
from tierlang.syntax.formatter import format_module
from tierlang.syntax.parser import parse

BASE = """
program p { version "1" effective 2023-01-01 }
group designations "Designations"
metric a: count
metric b: count
track x in designations { level designated { require a >= 1 } }
track y in designations { level designated { require b >= 1 } }
track badge { level holder { require all of designations } }
track status { level member level partner { require at least 1 of designations } level top { require badge } }
"""


def test_holds_lower_with_their_tracks_and_kinds():
    prog = load_text(
        BASE
        + """
hold window "Window" for designations { window 6 months from 2023-09-19 source "S9 [C]" }
hold review for x { promotion after 2 months }
hold legacy for status { held on 2023-01-01 until 2023-06-30 }
"""
    )
    window, review, legacy = prog.holds
    assert (window.kind, window.tracks, window.length, str(window.since), window.source) == (
        "window",
        ("x", "y"),
        ir.Duration(months=6),
        "2023-09-19",
        "S9 [C]",
    )
    assert [h.name for h in prog.holds_of("x")] == ["review", "window"]  # lag applies first
    assert (legacy.kind, str(legacy.held_on), str(legacy.until)) == ("grandfather", "2023-01-01", "2023-06-30")


def test_programs_without_holds_keep_their_content_hash():
    """`holds` is left out of the hashed IR while empty: published hashes stay valid."""
    prog = load_text(BASE)
    assert "holds" not in ir.to_data(prog, defaults=False)
    assert "holds" in ir.to_data(load_text(BASE + "hold w for x { window 2 months }\n"), defaults=False)


def test_hold_formatting_round_trips():
    text = BASE + 'hold legacy "Logos" for status, x {\n  held on 2010-10-31 until 2011-10-31\n  from 2010-01-01\n  doc "d"\n}\n'
    module = parse(text, "p.tier").module
    out = format_module(module)
    assert 'hold legacy "Logos" for status, x {\n  held on 2010-10-31 until 2011-10-31\n  from 2010-01-01\n  doc "d"\n}' in out
    assert parse(out, "p.tier").module == module
    assert format_module(parse(out, "p.tier").module) == out


def test_override_and_remove_a_hold(tmp_path):
    (tmp_path / "parent.tier").write_text(BASE + "hold w for x { window 2 months }\nhold v for y { window 2 months }\n")
    (tmp_path / "child.tier").write_text(
        'program c { extends "parent.tier" version "2" }\noverride hold w for x { window 3 months }\nremove hold v\n'
    )
    prog = load_program(tmp_path / "child.tier", checks=False).program
    assert [(h.name, h.length) for h in prog.holds] == [("w", ir.Duration(months=3))]


def test_rounds_read_held_levels():
    prog = load_text(BASE + "hold w for designations { window 2 months }\n")
    r0, r1 = rounds(prog)
    # badge and status read the designations' held levels; status reads badge (no rule:
    # held is earned) in the same round
    assert (r0.tracks, r1.tracks) == (("x", "y"), ("badge", "status"))
    assert r1.reads == ("x", "y") and [t.name for t in r1.program.tracks] == ["badge", "status"]
    cond = r1.program.track_map["badge"].variants[0].levels[0].requirements[0].expr
    assert isinstance(cond, ir.AtLeast) and cond.n == 2
    assert cond.items[0] == ir.Compare(">=", ir.MetricRef(level_column("x")), ir.Const(0, ir.Type(ir.Kind.COUNT)))
    top = r1.program.track_map["status"].variants[0].levels[2].requirements[0].expr
    assert top == ir.TrackAt("badge")
    # a rule on badge puts status in a round of its own, reading badge's held level
    r = rounds(load_text(BASE + "hold w for designations { window 2 months }\nhold v for badge { window 2 months }\n"))
    assert [x.tracks for x in r] == [("x", "y"), ("badge",), ("status",)]
    assert r[2].reads == ("x", "y", "badge") and level_column("badge") in r[2].program.metric_map


def test_without_rules_one_round_is_the_program():
    prog = load_text(BASE)
    (only,) = rounds(prog)
    assert only.program is prog and only.reads == ()


@pytest.mark.parametrize(
    ("old", "new", "what", "effect"),
    [
        ("window 6 months", "window 3 months", "length", TIGHTENED),
        ("window 3 months", "window 6 months", "length", LOOSENED),
        ("promotion after 1 months", "promotion after 2 months", "length", TIGHTENED),
        ("until 2023-06-30", "until 2023-12-31", "until", LOOSENED),
        ("window 3 months from 2023-01-01", "window 3 months from 2023-06-01", "since", TIGHTENED),
        ("window 3 months", "window 3 months from 2023-06-01", "since", TIGHTENED),
    ],
)
def test_structural_diff_of_a_changed_hold(old, new, what, effect):
    a = load_text(BASE + f"hold h for x {{ {old} }}\n")
    b = load_text(BASE + f"hold h for x {{ {new} }}\n")
    (change,) = structural_diff(a, b)
    assert (change.kind, change.path, change.what, change.effect) == ("hold", ("hold h",), what, effect)
    assert change.declaration == ("hold", "h")


def test_structural_diff_of_added_and_removed_holds():
    a = load_text(BASE + "hold w for x { window 2 months }\n")
    b = load_text(BASE + "hold lag for x { promotion after 1 month }\n")
    changes = {(c.action, c.path): c.effect for c in structural_diff(a, b)}
    assert changes == {("removed", ("hold w",)): TIGHTENED, ("added", ("hold lag",)): TIGHTENED}


def test_shipped_cloud_programs_hold_the_window():
    for name in ("cloudpartner2022", "cloudpartner2023"):
        prog = load_program(PROGRAMS / f"{name}.tier", checks=False).program
        (window,) = prog.holds
        assert (window.kind, window.length, str(window.since)) == ("window", ir.Duration(months=6), "2023-09-19")
        assert window.tracks == prog.group_map["designations"].tracks
