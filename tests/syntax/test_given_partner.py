"""Regression: `given PARTNER` without `with { ... }` used to crash the parser (VisitError)."""

from tierlang.loader import load_program
from tierlang.syntax.formatter import format_module
from tierlang.syntax.parser import parse

TEXT = """program p { version "1" effective 2022-10-03 }
metric a: count
track t { level one { require a >= 1 } }
partner base { a = 1 }
example plain { given base expect t = one }
example with_values { given base with { a = 0 } expect t = none }
"""


def test_given_partner_without_with_parses():
    result = parse(TEXT, "p.tier")
    assert not result.diagnostics
    given = [i for i in result.module.items if type(i).__name__ == "ExampleDecl"][0].given
    assert given.partner == "base" and given.values is None


def test_given_partner_without_with_loads_and_formats(tmp_path):
    path = tmp_path / "p.tier"
    path.write_text(TEXT)
    loaded = load_program(path)
    assert loaded.ok, loaded.diagnostics
    assert dict(loaded.program.examples[0].given) == {"a": 1}
    assert "  given base\n" in format_module(parse(TEXT, "p.tier").module)
