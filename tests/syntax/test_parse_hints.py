"""Syntax errors that name the mistake: an expression ending in an operator (TL117)."""

from __future__ import annotations

import pytest

from tierlang.syntax.parser import parse

HEAD = 'program p { version "1" }\nmetric a: count\nmetric b: count\n'


def _only(text: str):
    result = parse(HEAD + text, "t.tier")
    assert result.module is None
    assert len(result.diagnostics) == 1, [d.message for d in result.diagnostics]
    return result.diagnostics[0]


@pytest.mark.parametrize(
    ("text", "op", "line", "column"),
    [
        ("gate g: a >=\n}", ">=", 4, 11),
        ("gate g: a >=", ">=", 4, 11),
        ("gate g: a >=\nmetric c: count", ">=", 4, 11),
        ("gate g: a < # comment\n\nmetric c: count", "<", 4, 11),
        ("track t { level l { require a + 1 >\n  require b > 1 } }", ">", 4, 35),
        ("track t { level l { require a +\n  require b > 1 } }", "+", 4, 31),
        ("track t { level l { require a > 1 and b >= -\n  require b > 1 } }", "-", 4, 44),
        ("track t { level l { require a * 2 /\n  } }", "/", 4, 35),
        ("track t { level l { require a > 1 and\n  }\n  level m { require b > 1 } }", "and", 4, 35),
        ("track t { level l { require a > 1 or\n  require b > 1 } }", "or", 4, 35),
        ("track t { level l { require not\n  require b > 1 } }", "not", 4, 29),
        ("track t { level l { require a > 1 }\n  score s { x: points a *\n  } }", "*", 5, 25),
    ],
)
def test_expression_ending_in_an_operator(text, op, line, column):
    d = _only(text)
    assert d.code == "TL117"
    assert f"after '{op}'" in d.message
    assert (d.span.line, d.span.column) == (line, column)
    assert d.span.end_column == column + len(op)


def test_comparison_names_what_a_value_is():
    d = _only("gate g: a >=\n}")
    assert d.message == "expected a value after '>=': a number, a parameter or a metric"


def test_names_on_the_next_line_still_complete_an_expression():
    # Newlines do not end an expression: a value on the next line is fine.
    result = parse(HEAD + "gate g: a >=\n  b\ngate h: a > 1", "t.tier")
    assert result.diagnostics == []


@pytest.mark.parametrize(
    "text",
    [
        "gate g: a = 1",  # TL105
        "gate g: a > 1 )",  # TL100, unchanged
        "track t { level l { require a > 1 b > 2 } }",
    ],
)
def test_other_mistakes_keep_their_codes(text):
    assert _only(text).code != "TL117"


@pytest.mark.parametrize(
    ("text", "number", "full"),
    [
        ('param gold_points "G" = 1e5 { source "x" }', "1e5", "100000"),
        ("param p = 2.5E-3", "2.5E-3", "0.0025"),
        ("param p = 1_000e+3", "1_000e+3", "1000000"),
        ("metric m: count { default 1e2 }", "1e2", "100"),
        ("track t { level l { require a > 1e5 } }", "1e5", "100000"),
        ("track t { level l { require a > 2 * 3E2 } }", "3E2", "300"),
        ("track t { score s max 1e3 { x: points a } }", "1e3", "1000"),
        ("partner q { a = 3e2, b = 1 }", "3e2", "300"),
        ("example e { given { a = 1 } expect t.s = 4e1 }", "4e1", "40"),
    ],
)
def test_exponent(text, number, full):
    d = _only(text)
    assert d.code == "TL118"
    assert d.message == f"exponents are not supported: '{number}'"
    assert d.hint == f"write numbers in full: {full}"
    col = (HEAD + text).split("\n")[3].index(number) + 1
    assert (d.span.line, d.span.column, d.span.end_column) == (4, col, col + len(number))


def test_a_name_after_a_number_is_not_an_exponent():
    assert _only("track t { level l { require a > 1 e5 } }").code != "TL118"
