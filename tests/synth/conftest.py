"""Shared fixtures for the `tier synth` tests."""

from __future__ import annotations

import pytest

from tests.conftest import PROGRAMS
from tierlang import ir, load_program

#: The shipped programs, by name.
SHIPPED = ("mspp2009", "mpn2010", "cloudpartner2022", "cloudpartner2023")


def load(name: str) -> ir.Program:
    result = load_program(PROGRAMS / f"{name}.tier")
    assert result.ok, [d.message for d in result.errors]
    assert result.program is not None
    return result.program


@pytest.fixture(scope="session")
def programs() -> dict[str, ir.Program]:
    return {name: load(name) for name in SHIPPED}


def load_text(tmp_path, text: str, name: str = "p.tier") -> ir.Program:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = load_program(path)
    assert result.ok, [d.message for d in result.errors]
    assert result.program is not None
    return result.program
