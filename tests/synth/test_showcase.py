"""Small samples show every level (issue 19: `tier synth --rows 20` gave almost all zeros)."""

from __future__ import annotations

from click.testing import CliRunner

from tests.conftest import PROGRAMS
from tests.synth.conftest import load_text
from tierlang import evaluate
from tierlang.cli import main
from tierlang.synth import synthesize
from tierlang.synth.showcase import SHOWCASE_BELOW, pick


def _levels_shown(programs, frame) -> dict[tuple[str, str], set]:
    out = {}
    for p in programs:
        ev = evaluate(p, frame)
        for t in p.tracks:
            out[(p.name, t.name)] = set(ev.levels[t.name].to_list())
    return out


def test_twenty_rows_show_every_level_of_every_track(programs):
    progs = [programs["cloudpartner2022"], programs["mpn2010"]]
    pop = synthesize(progs, 20, seed=0)
    assert pop.frame.height == 20 and pop.not_shown == ()
    assert pop.frame["partner_id"].to_list() == [f"P{k:07}" for k in range(1, 21)]
    shown = _levels_shown(progs, pop.frame)
    for p in progs:
        for t in p.tracks:
            floor = all(not v.levels[0].requirements for v in t.variants)  # `level member`: nobody holds none
            assert shown[(p.name, t.name)] == {*([] if floor else [None]), *t.level_names}, (p.name, t.name)


def test_a_small_sample_is_deterministic_and_the_rest_is_ordinary(programs):
    progs = [programs["mspp2009"]]
    a = synthesize(progs, 30, seed=4).frame
    assert a.equals(synthesize(progs, 30, seed=4).frame)
    assert not a.equals(synthesize(progs, 30, seed=5).frame)
    # few rows are needed to show mspp2009's three levels; the others are drawn as usual, so
    # most of them are only registered
    levels = evaluate(progs[0], a).levels["partner_level"].to_list()
    assert levels.count("registered") >= 20 and {"certified", "gold_certified"} <= set(levels)


def test_what_does_not_fit_is_reported(programs):
    pop = synthesize([programs["mpn2010"]], 1, seed=0)
    assert pop.frame.height == 1 and pop.not_shown
    assert all(s.startswith("mpn2010 ") for s in pop.not_shown)


def test_from_the_threshold_on_samples_are_drawn(programs):
    progs = [programs["mspp2009"]]
    big = synthesize(progs, SHOWCASE_BELOW, seed=5).frame
    assert big.equals(synthesize(progs, SHOWCASE_BELOW + 500, seed=5).frame.head(SHOWCASE_BELOW))


def test_greedy_pick():
    rows = [{("p", "t", "")}, {("p", "t", "a"), ("p", "u", "")}, {("p", "t", "b")}, {("p", "u", "x")}]
    wanted = set().union(*rows)
    assert pick(rows, wanted, 10) == ([1, 0, 2, 3], set())
    assert pick(rows, wanted, 2) == ([1, 0], {("p", "t", "b"), ("p", "u", "x")})


def test_cli_notes_what_it_cannot_show(tmp_path):
    r = CliRunner().invoke(main, ["synth", str(PROGRAMS / "mpn2010.tier"), "--rows", "2", "-o", str(tmp_path / "p.csv")])
    assert r.exit_code == 0, r.output
    assert "not shown in 2 rows" in r.stderr


def test_a_small_sample_keeps_the_shipped_constraints(programs):
    # the showcase rows are picked from engaged partners, who have the largest values: the
    # programs' subset limits (unique gold MCPs among certified professionals, ...) still hold
    # (evaluate checks every row against every constraint: a broken one is a DataLoadError)
    progs = [programs["mspp2009"], programs["mpn2010"]]
    assert sum(len(p.constraints) for p in progs) > 10
    frame = synthesize(progs, 20, seed=0).frame
    for p in progs:
        evaluate(p, frame)


def test_a_small_sample_keeps_a_users_subset_limit(tmp_path):
    # the second trial's program: active customers above acquired ones broke the ratio rule's
    # sense; the program's constraint keeps them in bounds while every level is still shown
    program = load_text(
        tmp_path,
        'program acme { version "1" effective 2025-01-01 }\n'
        "metric acquired: count\nmetric active: count\n"
        "constraint active_within: active <= acquired\n"
        "track status {\n  level silver { require acquired >= 10 }\n"
        "  level gold { require active >= 0.7 * acquired and acquired >= 20 }\n}\n",
    )
    for seed in range(4):
        pop = synthesize([program], 20, seed=seed)
        assert (pop.frame["active"] <= pop.frame["acquired"]).all() and pop.not_shown == ()
        assert set(evaluate(program, pop.frame).levels["status"].to_list()) == {None, "silver", "gold"}
