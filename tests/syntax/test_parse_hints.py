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


PEOPLE_HEAD = (
    'program p { version "1" effective 2024-01-01 }\n'
    "table certified { column person_id: text column certification: text column active: bool column level: count }\n"
)


def _people(where: str) -> str:
    return f'metric staffed: bool = assign person_id of certified {where} {{ sec: 2 where certification == "S", ent: 2 }}\n'


@pytest.mark.parametrize(
    "where", ["where active at most 2 each", "where level >= 1 and active at most 2 each", "where (active) at most 2 each"]
)
def test_a_people_rule_condition_ending_in_a_name_then_its_limit(where):
    # `active at most` once read as the track `active` at a level named `most`; the limit
    # is now read as the user meant, and `tier fmt` (which drops the parentheses) keeps it
    # readable: the formatted text parses to the same rule
    from tests.syntax.test_fastparse import _same
    from tierlang.syntax import ast
    from tierlang.syntax.formatter import format_module

    result = parse(PEOPLE_HEAD + _people(where), "t.tier")
    assert result.module is not None, [d.message for d in result.diagnostics]
    assign = next(d for d in result.module.items if isinstance(d, ast.MetricDecl)).expr
    assert isinstance(assign, ast.Assign) and assign.capacity is not None and assign.capacity.value == 2
    _same(PEOPLE_HEAD + _people(where))  # the one-pass parser reads it the same
    again = parse(format_module(result.module), "t.tier")
    assert again.module is not None, [d.message for d in again.diagnostics]
    assert format_module(again.module) == format_module(result.module)


@pytest.mark.parametrize(
    ("where", "says", "hint"),
    [
        ("where active each", "a people rule's limit is written `at most N each`", "`at most N each` before the needs'"),
        ("where active each at most 2", "a people rule's limit is written `at most N each`", "`at most N each` before the needs'"),
        ("at most 2 each where active", "comes before `at most N each`", "where CONDITION at most N each"),
        ("where active at least 2 each", "`at least` is not one", "write `at most 2 each`"),
    ],
)
def test_a_people_rule_limit_out_of_place(where, says, hint):
    result = parse(PEOPLE_HEAD + _people(where), "t.tier")
    assert result.module is None and len(result.diagnostics) == 1
    d = result.diagnostics[0]
    assert d.code == "TL122" and says in d.message and hint in (d.hint or "")
    assert d.span.line == 3


@pytest.mark.parametrize(
    ("rule", "hint"),
    [("a at most 2", "write `a <= 2`"), ("a at least 3", "write `a >= 3`"), ("b >= 1 and a at most 2", "write `a <= ")],
)
def test_at_most_is_not_a_comparison(rule, hint):
    d = _only(f"track t {{ level l {{ require {rule} }} }}")
    assert d.code == "TL123" and "'at " in d.message and hint in (d.hint or "")
