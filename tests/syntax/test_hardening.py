"""Hostile input: long and deep expressions, huge numbers, byte-order marks, bad bytes,
parse errors that used to point the wrong way. Every one is a diagnostic, never a traceback."""

from __future__ import annotations

from tests.conftest import ROOT
from tierlang import load_program

NORTHWIND = (ROOT / "examples" / "tutorial" / "northwind.tier").read_text(encoding="utf-8")


def _codes_and_messages(text: str, tmp_path, name: str = "p.tier"):
    result = load_program(tmp_path / name, text=text)
    return [(d.code, d.message) for d in result.diagnostics if d.is_error], result


def test_range_messages_show_decimals_not_ratios(tmp_path):
    text = NORTHWIND.replace("  range 0..5", "  range 0..4.25")
    errors, _ = _codes_and_messages(text, tmp_path)
    assert ("TL211", "4.5 is outside the range of 'satisfaction'") in errors
    errors, _ = _codes_and_messages(NORTHWIND.replace("  range 0..5", "  range 5..4.5"), tmp_path)
    assert ("TL211", "empty range: 5 .. 4.5") in errors
