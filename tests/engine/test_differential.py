"""Differential property tests: the vectorized engine and the exact interpreter agree on
every level, every score (exactly), every chosen variant and every requirement outcome, for
generated programs and datasets with values at and around every constant (tests/engine/programs.py)."""

from __future__ import annotations

import polars as pl
from hypothesis import event, given, settings

from tests.engine.engine_helpers import load_text
from tests.engine.strategies import programs_with_data
from tierlang.data import from_frame
from tierlang.engine import evaluate_dataset


def _both(text: str, data: dict):
    prog = load_text(text)
    frame = pl.DataFrame(data, schema={c: pl.String for c in data})
    ds = from_frame(frame, prog)
    a = evaluate_dataset(prog, ds, engine="interpreter", detail=True)
    b = evaluate_dataset(prog, ds, engine="vectorized", detail=True)
    return a, b


@given(programs_with_data())
def test_engines_agree(case):
    text, data = case
    a, b = _both(text, data)
    assert list(a.rows()) == list(b.rows()), text
    assert a.long().equals(b.long()), text
    assert a.variants.equals(b.variants), text
    assert a.detail is not None and b.detail is not None
    assert a.detail.equals(b.detail), text
    assert sorted(a.outputs) == sorted(b.outputs), text
    for key in a.outputs:
        assert [a.outputs[key].fraction(k) for k in range(a.partner_count)] == [
            b.outputs[key].fraction(k) for k in range(b.partner_count)
        ], text


@settings(max_examples=25)
@given(programs_with_data(max_rows=8, big=True))
def test_engines_agree_on_huge_values(case):
    text, data = case
    a, b = _both(text, data)
    event(f"rows handed to the interpreter: {'some' if b.fallback_rows else 'none'}")
    assert list(a.rows()) == list(b.rows()), text
    assert a.long().equals(b.long()), text
    assert a.detail.equals(b.detail), text
    for key in a.outputs:
        assert [a.outputs[key].fraction(k) for k in range(a.partner_count)] == [
            b.outputs[key].fraction(k) for k in range(b.partner_count)
        ], text
