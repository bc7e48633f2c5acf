"""Helpers shared by the engine tests."""

from __future__ import annotations

from pathlib import Path

from tierlang import ir
from tierlang.diagnostics import render_human
from tierlang.loader import load_program

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "engine"


def load_text(text: str, name: str = "test.tier") -> ir.Program:
    """Load a program from text; fail the test with the diagnostics when it has errors."""
    r = load_program(name, text=text, checks=False)
    assert r.ok, render_human(r.errors, r.sources) + "\n" + text
    assert r.program is not None
    return r.program


def load_fixture(name: str) -> ir.Program:
    r = load_program(FIXTURES / name, checks=False)
    assert r.ok, render_human(r.errors, r.sources)
    assert r.program is not None
    return r.program
