"""Structural diff: an edit script over two IRs, classified tightened / loosened."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from tests.conftest import FIXTURES, PROGRAMS
from tierlang import load_program
from tierlang.diff.report import is_text
from tierlang.diff.structural import LOOSENED, NEUTRAL, TIGHTENED, align_requirements, structural_diff
from tierlang.ir import Const, Kind, Requirement, Type

FLIP = {TIGHTENED: LOOSENED, LOOSENED: TIGHTENED}


def _load(path=None, text=None, tmp=None):
    result = load_program(path if text is None else tmp / "p.tier", text=text)
    assert result.program is not None, result.diagnostics
    return result.program


def _by_describe(changes):
    return {c.describe(): c for c in changes}


def test_fixture_pair():
    old = _load(FIXTURES / "diff" / "old.tier")
    new = _load(FIXTURES / "diff" / "new.tier")
    got = {(c.effect, c.describe()) for c in structural_diff(old, new)}
    assert got == {
        ("neutral", "program: version changed from 1 to 2"),
        ("neutral", "program: effective changed from 2022-01-01 to 2023-01-01"),
        ("tightened", "param gate_people: value changed from 1 to 2"),
        ("tightened", "old_only: track removed"),
        ("tightened", "comp › s: cap changed from none to 40"),
        ("tightened", "comp › s › adds: points changed from 30 * clamp(adds / 3) to 30 * clamp(adds / 5)"),
        ("loosened", "comp › s › people: points changed from 10 * clamp(mcps / 4) to 15 * clamp(mcps / 4)"),
        ("tightened", "comp › silver › requirement 2: requirement changed from refs >= 3 to refs >= 3 and mcps >= 1"),
        ("loosened", "comp › gold › requirement 1: requirement changed from mcps >= 4 to mcps >= 3"),
        ("tightened", "comp › gold › requirement 3: requirement added (refs >= 5)"),
        ("loosened", "comp › platinum: level added"),
    }


def test_diff_of_a_program_with_itself_is_empty():
    prog = _load(FIXTURES / "valid" / "showcase.tier")
    assert structural_diff(prog, prog) == []


def test_mirror():
    old = _load(FIXTURES / "diff" / "old.tier")
    new = _load(FIXTURES / "diff" / "new.tier")
    forward = structural_diff(old, new)
    backward = structural_diff(new, old)
    assert len(forward) == len(backward)
    swap = {"added": "removed", "removed": "added", "changed": "changed"}
    back = {(c.kind, c.path, c.what): c for c in backward}
    for c in forward:
        m = back[(c.kind, c.path, c.what)]
        assert m.action == swap[c.action]
        if c.action == "changed":
            assert (m.old, m.new) == (c.new, c.old)
        assert m.effect == FLIP.get(c.effect, c.effect)


def test_formatting_comments_and_order_are_not_changes(tmp_path):
    a = 'program p { version "1" }\nmetric a: count\nmetric b: count\ntrack t { level l { require a >= 1 and b >= 2 } }\n'
    b = '# reordered\nprogram p {\n  version "1"\n}\nmetric b: count  # moved\nmetric a: count\n\ntrack t {\n  level l {\n    require a >= 1 and b >= 2\n  }\n}\n'
    (tmp_path / "a.tier").write_text(a)
    (tmp_path / "b.tier").write_text(b)
    assert structural_diff(_load(tmp_path / "a.tier"), _load(tmp_path / "b.tier")) == []


def test_param_change_reported_once_not_at_every_use(tmp_path):
    base = 'program p {{ version "1" }}\nmetric a: count\nparam n = {n}\ntrack t {{ level l {{ require a >= n }} level m {{ require a >= n + 1 }} }}\n'
    (tmp_path / "a.tier").write_text(base.format(n=2))
    (tmp_path / "b.tier").write_text(base.format(n=3))
    changes = structural_diff(_load(tmp_path / "a.tier"), _load(tmp_path / "b.tier"))
    assert [(c.kind, c.what, c.old, c.new, c.effect) for c in changes] == [("param", "value", "2", "3", TIGHTENED)]


def test_lower_is_better_and_max_points(tmp_path):
    base = (
        'program p {{ version "1" }}\nmetric late: count {{ lower is better }}\nmetric x: count\n'
        "track t {{ score s {{ x: points {pts} * clamp(x / 4) }} level l {{ require late <= {late} and s >= 5 }} }}\n"
    )
    (tmp_path / "a.tier").write_text(base.format(pts=10, late=3))
    (tmp_path / "b.tier").write_text(base.format(pts=20, late=5))
    effects = {c.kind: c.effect for c in structural_diff(_load(tmp_path / "a.tier"), _load(tmp_path / "b.tier"))}
    assert effects == {"line": LOOSENED, "requirement": LOOSENED}


# ------------------------------------------------------------------ real programs, extends, schedules


def _mirror(forward, backward):
    """B → A is A → B with old and new swapped and effects flipped."""
    swap = {"added": "removed", "removed": "added", "changed": "changed"}
    assert len(forward) == len(backward)
    back = {(c.kind, c.path, c.what): c for c in backward}
    for c in forward:
        m = back[(c.kind, c.path, c.what)]
        assert m.action == swap[c.action]
        assert (m.old, m.new) == (c.new, c.old)
        assert m.effect == FLIP.get(c.effect, c.effect)
        assert (m.old_span, m.new_span) == (c.new_span, c.old_span)


def test_2022_to_2023_names_exactly_the_security_changes():
    old = _load(PROGRAMS / "cloudpartner2022.tier")
    new = _load(PROGRAMS / "cloudpartner2023.tier")
    changes = structural_diff(old, new)
    rules = [c for c in changes if not is_text(c)]
    assert [(c.kind, c.path, c.what, c.old, c.new, c.effect) for c in rules] == [
        (
            "param",
            ("param security_step1_gate_size",),
            "value",
            "1",
            "2 since 2023-12-01 (1 before)",
            TIGHTENED,
        ),
        (
            "param",
            ("param security_step2_gate_size",),
            "value",
            "1",
            "2 since 2023-12-01 (1 before)",
            TIGHTENED,
        ),
    ]
    # both locations: the parent's declaration and the child's override
    for c in rules:
        assert c.old_span.file.endswith("cloudpartner2022.tier") and c.new_span.file.endswith("cloudpartner2023.tier")
    # what else changed is text: the program's labels and the two restated column descriptions
    text = {(c.declaration, c.what) for c in changes if is_text(c)}
    assert ("metric", "security_intermediate_certified") in {d for d, _ in text}
    assert ("metric", "business_apps_intermediate_certified") in {d for d, _ in text}
    assert all(c.effect == NEUTRAL for c in changes if is_text(c))


def test_2022_to_2023_mirrors():
    old = _load(PROGRAMS / "cloudpartner2022.tier")
    new = _load(PROGRAMS / "cloudpartner2023.tier")
    _mirror(structural_diff(old, new), structural_diff(new, old))


def test_shop_fixture_mirrors_and_classifies():
    old = _load(FIXTURES / "diff" / "shop_v1.tier")
    new = _load(FIXTURES / "diff" / "shop_v2.tier")
    forward = structural_diff(old, new)
    _mirror(forward, structural_diff(new, old))
    effects = {(c.kind, c.path[-1], c.action): c.effect for c in forward if not is_text(c)}
    assert effects == {
        ("param", "param gold_people", "changed"): TIGHTENED,
        ("param", "param pass_mark", "changed"): TIGHTENED,
        ("requirement", "requirement refs", "changed"): LOOSENED,
        ("requirement", "requirement growth", "added"): TIGHTENED,
        ("line", "adds", "changed"): LOOSENED,
    }


def test_extends_child_diffs_as_exactly_its_restatements(tmp_path):
    (tmp_path / "parent.tier").write_text(
        'program p { version "1" effective 2024-01-01 }\nmetric a: count\nparam n = 2\ntrack t { level l { require a >= n } }\n'
    )
    (tmp_path / "child.tier").write_text('program c { extends "parent.tier" version "2" effective 2024-06-01 }\noverride param n = 3\n')
    changes = structural_diff(_load(tmp_path / "parent.tier"), _load(tmp_path / "child.tier"))
    rules = [(c.kind, c.what, c.old, c.new, c.effect) for c in changes if not is_text(c)]
    assert rules == [("param", "value", "2", "3", TIGHTENED)]
    change = next(c for c in changes if c.kind == "param")
    assert change.old_span.file.endswith("parent.tier") and change.new_span.file.endswith("child.tier")


def test_a_dated_schedule_alone_is_a_classified_change(tmp_path):
    base = 'program p {{ version "1" }}\nmetric a: count\nparam n = 2 {{ {dated} }}\ntrack t {{ level l {{ require a >= n }} }}\n'
    (tmp_path / "a.tier").write_text(base.format(dated=""))
    (tmp_path / "b.tier").write_text(base.format(dated="from 2030-01-01 = 1"))
    (change,) = [c for c in structural_diff(_load(tmp_path / "a.tier"), _load(tmp_path / "b.tier")) if not is_text(c)]
    assert (change.old, change.new, change.effect) == ("2", "2, then 1 from 2030-01-01", LOOSENED)


def test_schedule_that_moves_both_ways_is_undecided(tmp_path):
    base = 'program p {{ version "1" }}\nmetric a: count\nparam n = 2 {{ {dated} }}\ntrack t {{ level l {{ require a >= n }} }}\n'
    (tmp_path / "a.tier").write_text(base.format(dated="from 2030-01-01 = 3"))
    (tmp_path / "b.tier").write_text(base.format(dated="from 2030-01-01 = 1 from 2031-01-01 = 4"))
    (change,) = [c for c in structural_diff(_load(tmp_path / "a.tier"), _load(tmp_path / "b.tier")) if not is_text(c)]
    assert change.effect is None


def _requirement_effects(tmp_path, old: str, new: str) -> list[tuple[str | None, str | None, str | None]]:
    base = 'program p {{ version "1" effective 2025-01-01 }}\nmetric a: count\n{params}\ntrack t {{ level l {{ require {req} }} }}\n'
    for name, (params, req) in (("a.tier", old.split("|")), ("b.tier", new.split("|"))):
        (tmp_path / name).write_text(base.format(params=params, req=req))
    changes = structural_diff(_load(tmp_path / "a.tier"), _load(tmp_path / "b.tier"))
    return [(c.old, c.new, c.effect) for c in changes if c.kind == "requirement"]


def test_a_number_replaced_by_a_parameter_is_compared_by_value(tmp_path):
    # was undecided: `a >= 2` -> `a >= th` is a threshold raised to 3
    assert _requirement_effects(tmp_path, "|a >= 2", "param th = 3|a >= th") == [("a >= 2", "a >= th", TIGHTENED)]
    assert _requirement_effects(tmp_path, "param th = 3|a >= th", "|a >= 2") == [("a >= th", "a >= 2", LOOSENED)]
    assert _requirement_effects(tmp_path, "|a >= 2", "param th = 2|a >= th") == [("a >= 2", "a >= th", NEUTRAL)]
    assert _requirement_effects(tmp_path, "param m = 2|a >= m", "param th = 4|a >= th") == [("a >= m", "a >= th", TIGHTENED)]


def test_a_parameter_with_a_schedule_is_compared_on_every_date(tmp_path):
    rising = "param th = 1 { from 2025-06-01 = 3 }|a >= th"
    # from 1 it only rises: tightened; from 2 it first falls (1) then rises (3): undecided
    assert _requirement_effects(tmp_path, "|a >= 1", rising) == [("a >= 1", "a >= th", TIGHTENED)]
    assert _requirement_effects(tmp_path, "|a >= 2", rising) == [("a >= 2", "a >= th", None)]


def _req(text: str, label: str | None = None):
    """A requirement whose meaning is `text` (a constant named after a parameter)."""
    return Requirement(Const(Fraction(1), Type(Kind.NUMBER), param=text), label)


def test_align_requirements_pairs_labels_then_sequence():
    old = [_req("a"), _req("b", "refs"), _req("c")]
    new = [_req("b2", "refs"), _req("a"), _req("x"), _req("y")]
    assert align_requirements(old, new) == [(1, 0), (0, 1), (2, 2), (None, 3)]


def test_change_declaration():
    old = _load(FIXTURES / "diff" / "shop_v1.tier")
    new = _load(FIXTURES / "diff" / "shop_v2.tier")
    decls = {c.declaration for c in structural_diff(old, new)}
    assert {("param", "gold_people"), ("param", "pass_mark"), ("track", "competency"), ("track", "cloud"), ("program", "")} == decls


def test_a_schedule_reads_around_the_compared_date(tmp_path):
    # "1 → 1 (1 until 2023-06-30, 2 from 2023-07-01)" read as if nothing had changed
    base = 'program p {{ version "1" effective 2022-10-03 }}\nmetric a: count\nparam n = 1 {{ {dated} }}\ntrack t {{ level l {{ require a >= n }} }}\n'
    (tmp_path / "a.tier").write_text(base.format(dated=""))
    (tmp_path / "b.tier").write_text(base.format(dated="from 2023-07-01 = 2 from 2024-07-01 = 3"))

    def texts(as_of=None):
        a, b = (load_program(tmp_path / name, as_of).program for name in ("a.tier", "b.tier"))
        (c,) = [c for c in structural_diff(a, b) if not is_text(c)]
        return c.old, c.new

    assert texts() == ("1", "1, then 2 from 2023-07-01, then 3 from 2024-07-01")
    assert texts(date(2023, 8, 1)) == ("1", "2 since 2023-07-01 (1 before), then 3 from 2024-07-01")
    assert texts(date(2024, 7, 1)) == ("1", "3 since 2024-07-01 (2 before)")


def test_a_changed_gate_moves_the_tracks_through_every_gate_that_reads_it(tmp_path):
    # a gate read through `not`, by two gates, and by a track that reads it directly too:
    # its effect is its own direction composed along each path (one analysis for all gates)
    program = """program p {{
  version "{v}"
  effective 2024-01-01
}}
metric a: count
metric b: count
gate low: a >= {low}
gate none_low: not low
gate both: low and b >= 1
gate mixed: none_low or b >= {mixed}
track up {{
  level silver {{
    require both
  }}
}}
track down {{
  level silver {{
    require none_low
  }}
}}
track twoway {{
  level silver {{
    require mixed and low
  }}
}}
"""
    old = _load(text=program.format(v=1, low=5, mixed=3), tmp=tmp_path)
    changes = _by_describe(structural_diff(old, _load(text=program.format(v=2, low=6, mixed=4), tmp=tmp_path)))
    # `low` feeds `up` (tightened), `down` through not (loosened) and `twoway` both ways
    assert changes["gate low: condition changed from a >= 5 to a >= 6"].effect is None
    assert changes["gate mixed: condition changed from none_low or b >= 3 to none_low or b >= 4"].effect == TIGHTENED
    only_up = program.replace("require none_low", "require b >= 2").replace("require mixed and low", "require b >= 3")
    old = _load(text=only_up.format(v=1, low=5, mixed=3), tmp=tmp_path)
    changes = _by_describe(structural_diff(old, _load(text=only_up.format(v=2, low=6, mixed=3), tmp=tmp_path)))
    assert changes["gate low: condition changed from a >= 5 to a >= 6"].effect == TIGHTENED
    only_down = program.replace("require both", "require b >= 2").replace("require mixed and low", "require b >= 3")
    old = _load(text=only_down.format(v=1, low=5, mixed=3), tmp=tmp_path)
    changes = _by_describe(structural_diff(old, _load(text=only_down.format(v=2, low=6, mixed=3), tmp=tmp_path)))
    assert changes["gate low: condition changed from a >= 5 to a >= 6"].effect == LOOSENED
