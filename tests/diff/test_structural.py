"""Structural diff: an edit script over two IRs, classified tightened / loosened."""

from __future__ import annotations

from tests.conftest import FIXTURES
from tierlang import load_program
from tierlang.diff.structural import LOOSENED, TIGHTENED, structural_diff

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
