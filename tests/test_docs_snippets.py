"""Every ```tier block in the docs is a complete program that parses and checks clean."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT
from tierlang import load_program
from tierlang.diagnostics import render_human

DOCS = sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]
BLOCK = re.compile(r"^```tier\n(.*?)^```", re.S | re.M)


def _snippets():
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            line = text[: match.start()].count("\n") + 2
            yield pytest.param(path, line, match.group(1), id=f"{path.relative_to(ROOT)}:{line}")


SNIPPETS = list(_snippets())


def test_language_reference_has_snippets():
    assert sum(1 for p in SNIPPETS if p.values[0].name == "language.md") >= 10


@pytest.mark.parametrize("path,line,text", SNIPPETS)
def test_snippet_checks_clean(path, line, text, tmp_path):
    # A snippet is checked as a file of its own (extends paths stay relative to the docs).
    result = load_program(tmp_path / "snippet.tier", text=text)
    errors = [d for d in result.diagnostics if d.is_error]
    assert not errors, f"{path.name}:{line}\n" + render_human(errors, result.sources)


def test_reserved_words_listed_in_language_reference():
    from tierlang.syntax.parser import keywords

    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    section = text[text.index("## Reserved words") :]
    listed = set(re.findall(r"[a-z]+", section.split("`")[1]))
    assert listed == set(keywords())
