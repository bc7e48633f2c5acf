"""`tier test` passes on every shipped program and valid fixture (the examples hold)."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES, PROGRAMS
from tierlang import load_program
from tierlang.engine.examples import run_examples

FILES = sorted(PROGRAMS.glob("*.tier")) + sorted((FIXTURES / "valid").glob("*.tier"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_examples_pass(path):
    program = load_program(path, checks=False).program
    assert program is not None
    outcomes = list(run_examples(program, lambda day: load_program(path, day, checks=False).program))
    failures = [o.report(program) for o in outcomes if not o.passed]
    assert not failures, "\n".join(failures)


def test_shipped_programs_have_examples_for_every_track():
    for path in sorted(PROGRAMS.glob("*.tier")):
        program = load_program(path, checks=False).program
        covered = {e.path[0] for ex in program.examples for e in ex.expectations}
        missing = {t.name for t in program.tracks} - covered
        assert not missing, f"{path.name}: no example expects {sorted(missing)}"
