"""The records recipes of docs/cookbook.md and docs/language.md run: their examples hold."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT
from tierlang.engine.examples import run_examples
from tierlang.loader import load_program

BLOCK = re.compile(r"^```tier\n(.*?)^```", re.S | re.M)
PAGES = [ROOT / "docs" / "cookbook.md", ROOT / "docs" / "language.md", ROOT / "docs" / "tutorial.md"]
SNIPPETS = [
    pytest.param(m.group(1), id=f"{page.name}:{page.read_text(encoding='utf-8')[: m.start()].count(chr(10)) + 2}")
    for page in PAGES
    for m in BLOCK.finditer(page.read_text(encoding="utf-8"))
    if "given records" in m.group(1)
]


def test_there_are_records_recipes():
    assert len(SNIPPETS) >= 6


@pytest.mark.parametrize("text", SNIPPETS)
def test_records_recipe_examples_hold(text, tmp_path):
    path = tmp_path / "recipe.tier"
    path.write_text(text, encoding="utf-8")
    program = load_program(path, checks=False).program
    assert program is not None and program.examples
    outcomes = list(run_examples(program, lambda day: load_program(path, day, checks=False).program))
    assert all(o.passed for o in outcomes), "\n".join(o.report(program) for o in outcomes if not o.passed)
