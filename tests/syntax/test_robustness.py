"""Any text fed to the checker yields diagnostics or success, never an exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.syntax import strategies as S
from tierlang import load_program
from tierlang.diagnostics import render_gnu, render_human, render_json
from tierlang.syntax.formatter import format_module

TOKENS = [
    "program p { }",
    "metric",
    "param",
    "gate",
    "track",
    "level",
    "score",
    "category",
    "variant",
    "choose best",
    "require",
    "points",
    "when",
    "example",
    "given",
    "expect",
    "partner",
    "override",
    "remove",
    "extends",
    "a",
    "b",
    "x",
    ":",
    "=",
    ">=",
    "==",
    "{",
    "}",
    "(",
    ")",
    ",",
    ".",
    "+",
    "*",
    "/",
    "-",
    "1",
    "2.5",
    "3 USD",
    '"t"',
    '"""doc\n"""',
    "2022-10-03",
    "count",
    "money",
    "and",
    "or",
    "not",
    "at least 2 of",
    "all of",
    "any",
    "every",
    "#c\n",
    "\n",
    "'",
    "&&",
    "é",
]

soups = st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join)


def _check(text: str, tmp_path) -> None:
    result = load_program(tmp_path / "fuzz.tier", text=text)
    for d in result.diagnostics:
        assert d.code.startswith("TL") and d.message
    render_human(result.diagnostics, result.sources)
    render_gnu(result.diagnostics)
    render_json(result.diagnostics)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=200), soups))
def test_any_text_never_raises(tmp_path, text):
    _check(text, tmp_path)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(S.modules)
def test_any_syntactically_valid_program_never_raises(tmp_path, module):
    _check(format_module(module), tmp_path)
