"""A child program that removes what its parent's examples, partners or rules still use is
told so, at the inherited line, with the `remove` as a note (issue 19)."""

from __future__ import annotations

from tierlang import load_program

PARENT = """program par { version "1" }
metric a: count
metric b: count
gate g: b >= 1
track t { level ok { require a >= 1 } }
track u { level ok { require b >= 1 } }
partner base { a = 1, b = 2 }
example ex1 { given { a = 1, b = 2 } expect t = ok }
example ex3 { given { a = 1 } expect u = none }
"""


def _errors(tmp_path, child: str):
    (tmp_path / "parent.tier").write_text(PARENT)
    result = load_program(tmp_path / "child.tier", text='program chi { extends "parent.tier" version "2" }\n' + child)
    return [d for d in result.diagnostics if d.severity == "error"]


def test_removed_metric_in_inherited_examples_and_partners(tmp_path):
    errors = _errors(tmp_path, "remove metric b\nremove gate g\nremove track u\n")
    by_message = {d.message: d for d in errors}
    assert set(by_message) == {
        "the inherited partner 'base' uses metric 'b', which chi removes",
        "the inherited example 'ex1' uses metric 'b', which chi removes",
        "the inherited example 'ex3' uses track 'u', which chi removes",
    }
    d = by_message["the inherited example 'ex1' uses metric 'b', which chi removes"]
    assert d.code == "TL200" and d.span.file.endswith("parent.tier") and d.span.line == 8
    assert d.notes[0].message == "removed here: `remove metric b`" and d.notes[0].span.file.endswith("child.tier")
    assert d.hint == "restate it without 'b' (`override example ex1 { ... }`) or drop it (`remove example ex1`)"
    assert not any("did you mean" in (x.hint or "") for x in errors)


def test_removed_metric_in_an_inherited_rule(tmp_path):
    errors = _errors(tmp_path, "remove metric b\nremove track u\nremove partner base\nremove example ex1\nremove example ex3\n")
    (d,) = errors
    assert d.message == "this inherited rule uses metric 'b', which chi removes"
    assert d.span.line == 4  # the gate


def test_restated_examples_are_fine(tmp_path):
    child = (
        "remove metric b\nremove gate g\nremove track u\n"
        "override partner base { a = 1 }\n"
        "override example ex1 { given { a = 1 } expect t = ok }\nremove example ex3\n"
    )
    assert _errors(tmp_path, child) == []
