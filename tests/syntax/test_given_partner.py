"""Regression: `given PARTNER` without `with { ... }` crashed the parser (VisitError)."""

from tierlang.loader import load_program

TEXT = """program p { version "1" effective 2020-01-01 }
metric m: count
track t { level a { require m >= 1 } }
partner x { m = 1 }
example e { given x expect t = a }
"""


def test_given_partner_alone(tmp_path):
    path = tmp_path / "p.tier"
    path.write_text(TEXT)
    result = load_program(path)
    assert result.ok, result.diagnostics
    (example,) = result.program.examples
    assert example.partner == "x"
    assert dict(example.given) == {"m": 1}
