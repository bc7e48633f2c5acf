"""Property tests (hypothesis): a better partner never earns less — unless the checker
said so, and then its witness is real.

- Shipped programs: for every track the checker proves monotone, random partners p and
  random improvements q ≥ p (in `tierlang.order`) satisfy level(q) ≥ level(p). For every
  finding, each witness is evaluated again and must be a real counterexample.
- Random programs (tests/monotonicity/strategies.py): when the checker says a track is
  monotone, no random pair p ≤ q breaks it; when it gives a witness, the witness is real.

Every level comes from the exact reference interpreter. Example counts: see conftest.py
(and docs/monotonicity.md).
"""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from tests.conftest import PROGRAMS
from tests.monotonicity import strategies as gen
from tests.monotonicity.conftest import PAIRS_PER_PROGRAM, RANDOM, RANDOM_BUDGET, SHIPPED
from tierlang import ir, load_program
from tierlang.engine.interpreter import Interpreter
from tierlang.order import leq
from tierlang.passes.monotonicity import analyse, boundary_values

SHIPPED_PROGRAMS = sorted(PROGRAMS.glob("*.tier"))


@cache
def _shipped(name: str):
    result = load_program(PROGRAMS / name, checks=False)
    assert result.ok, result.diagnostics
    program = result.program
    return program, analyse(program), boundary_values(program), Interpreter(program)


def _levels(interp: Interpreter, values) -> dict[str, int]:
    return {t: r.level_index for t, r in interp.evaluate(values).tracks.items()}


def _assert_witnesses_real(program: ir.Program, report, interp: Interpreter) -> int:
    """Every witness of every finding, evaluated again: an ordered pair whose better
    partner holds a lower level. Returns how many there were."""
    count = 0
    for f in report.findings:
        for track, search in f.searches.items():
            w = search.witness
            if w is None:
                continue
            count += 1
            assert leq(program, w.lower, w.higher), f"{f.code} {track}: the witness pair is not ordered"
            low = interp.evaluate(w.lower, tracks=[track])[track]
            high = interp.evaluate(w.higher, tracks=[track])[track]
            assert (low.level, high.level) == (w.level_lower, w.level_higher)
            assert high.level_index < low.level_index, f"{f.code} {track}: the witness does not lose a level"
    return count


@st.composite
def partner_pairs(draw, name: str):
    """A partner near the rules' boundaries (often a sample partner of the program with
    some values changed) and a random improvement of it."""
    program, _, bounds, _ = _shipped(name)
    seeds = [dict(p.values) for p in program.partners] + [dict(e.given) for e in program.examples]
    base = draw(st.sampled_from(seeds)) if seeds and draw(st.booleans()) else {}
    p = {}
    for m in program.input_metrics:
        keep = m.name in base and draw(st.integers(0, 3)) > 0
        p[m.name] = base[m.name] if keep else draw(gen.value(m, bounds[m.name]))
    q = {m.name: draw(gen.improvement(m, p[m.name])) for m in program.input_metrics}
    return p, q


@pytest.mark.parametrize("path", SHIPPED_PROGRAMS, ids=lambda p: p.stem)
def test_shipped_witnesses_are_real(path):
    program, report, _, interp = _shipped(path.name)
    confirmed = _assert_witnesses_real(program, report, interp)
    # Every finding in a shipped program is confirmed: none is a mere suspicion.
    assert confirmed == sum(len(f.searches) for f in report.findings)


@pytest.mark.parametrize("path", SHIPPED_PROGRAMS, ids=lambda p: p.stem)
def test_shipped_monotone_tracks_never_lose_a_level(path):
    program, report, _, interp = _shipped(path.name)
    monotone = report.monotone

    @SHIPPED
    @given(partner_pairs(path.name))
    def check(pair):
        p, q = pair
        assert leq(program, p, q)
        before, after = _levels(interp, p), _levels(interp, q)
        held = sum(before[t] >= 0 for t in monotone)
        event(f"tracks held by p: {'none' if not held else 'some' if held < len(monotone) else 'all'}")
        for t in monotone:
            assert after[t] >= before[t], f"'{t}' is proved monotone, yet {p} -> {q} takes it from {before[t]} to {after[t]}"

    check()


@RANDOM
@given(st.data())
def test_random_programs(data):
    program = data.draw(gen.programs(), label="program")
    report = analyse(program, budget=RANDOM_BUDGET)
    if program.name == "monotone":
        # Built only from monotone constructs: the proof must go through (no false alarm).
        assert report.findings == [], [(f.code, f.origin.node) for f in report.findings]
    interp = Interpreter(program)
    event(f"tracks proved monotone: {len(report.monotone)} of {len(program.tracks)}")
    found = _assert_witnesses_real(program, report, interp)
    unconfirmed = sum(1 for f in report.findings for s in f.searches.values() if s.witness is None)
    event(f"findings confirmed: {found}, unconfirmed: {unconfirmed}")
    monotone = report.monotone
    if not monotone:
        return
    for _ in range(PAIRS_PER_PROGRAM):
        p = {m.name: data.draw(gen.value(m, None), label=f"p.{m.name}") for m in program.metrics}
        q = {m.name: data.draw(gen.improvement(m, p[m.name]), label=f"q.{m.name}") for m in program.metrics}
        before, after = _levels(interp, p), _levels(interp, q)
        for t in monotone:
            assert after[t] >= before[t], f"'{t}' is proved monotone, yet {p} -> {q} takes it from {before[t]} to {after[t]}"
