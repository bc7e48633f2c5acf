"""Explain, second pass (issue 19): every level not held, ratio rules, and wording."""

from __future__ import annotations

from fractions import Fraction as F

from tierlang.engine.explain import explain_partner, render_text
from tierlang.loader import load_program


def _program(text: str):
    result = load_program("p.tier", text='program p { version "1" }\n' + text, checks=False)
    assert result.ok, [d.message for d in result.diagnostics]
    return result.program


def test_one_more_of_a_count_reads_as_a_singular_noun():
    p = _program('metric acrobat "Acrobat units": count\ntrack t { level ok { require acrobat >= 1 } }\n')
    (x,) = explain_partner(p, {"acrobat": F(0)})
    assert x.missing[0].why == ["needs 1 more Acrobat unit: has 0, ok needs at least 1"]
    assert "+1 Acrobat unit →" in render_text([x], p)
