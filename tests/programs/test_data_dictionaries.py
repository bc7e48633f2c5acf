"""docs/programs/*.md are the current output of `tier docs PROGRAM --data-dictionary`."""

from __future__ import annotations

import pytest

from tests.conftest import PROGRAMS, ROOT
from tierlang import load_program
from tierlang.render.guide import render_guide

NAMES = sorted(p.stem for p in PROGRAMS.glob("*.tier"))


@pytest.mark.parametrize("name", NAMES)
def test_data_dictionary_is_current(name):
    program = load_program(PROGRAMS / f"{name}.tier").program
    page = ROOT / "docs" / "programs" / f"{name}.md"
    assert page.exists(), f"missing {page.relative_to(ROOT)}"
    expected = render_guide(program, "md", data_dictionary=True)
    assert page.read_text(encoding="utf-8") == expected, (
        f"regenerate: tier docs programs/{name}.tier --data-dictionary -o docs/programs/{name}.md"
    )


@pytest.mark.parametrize("name", NAMES)
def test_every_column_is_listed(name):
    program = load_program(PROGRAMS / f"{name}.tier").program
    text = (ROOT / "docs" / "programs" / f"{name}.md").read_text(encoding="utf-8")
    for metric in program.column_metrics:
        assert f"| `{metric.column}` |" in text, metric.column
    for table in program.related_tables:
        assert f"(`{table.name}`)" in text, table.name
        for column in table.columns:
            assert f"(`{column.name}`)" in text, f"{table.name}.{column.name}"
    for metric in program.record_metrics:
        assert f"(`{metric.name}`)" in text, metric.name
