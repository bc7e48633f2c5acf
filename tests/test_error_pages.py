"""docs/errors: one page per diagnostic code; each page's bad example produces its code."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT
from tierlang import load_program

ERRORS = ROOT / "docs" / "errors"
PAGES = sorted(ERRORS.glob("TL*.md"))
BLOCK = r"^```{kind}\n(.*?)^```"


def _codes_in_source() -> set[str]:
    codes = set()
    for path in (ROOT / "src").rglob("*.py"):
        codes.update(re.findall(r'"(TL\d{3})"', path.read_text(encoding="utf-8")))
    return codes


def test_every_code_has_a_page():
    pages = {p.stem for p in PAGES}
    missing = sorted(_codes_in_source() - pages)
    assert not missing, f"codes without a page in docs/errors/: {missing}"


def test_index_lists_every_page():
    index = (ERRORS / "README.md").read_text(encoding="utf-8")
    for page in PAGES:
        assert f"({page.name})" in index, f"docs/errors/README.md does not link {page.name}"


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_bad_example_produces_its_code(page, tmp_path):
    text = page.read_text(encoding="utf-8")
    assert text.startswith(f"# {page.stem}: ")
    bad = re.findall(BLOCK.format(kind="tier-bad"), text, re.S | re.M)
    if not bad:
        pytest.skip("no single-program example on this page")
    parent = re.findall(BLOCK.format(kind="tier-parent"), text, re.S | re.M)
    if parent:
        (tmp_path / "parent.tier").write_text(parent[0], encoding="utf-8")
    result = load_program(tmp_path / "snippet.tier", text=bad[0])
    codes = {d.code for d in result.diagnostics}
    assert page.stem in codes, f"{page.name}: example gives {sorted(codes)}"
