"""The one-pass parser (`syntax.fastparse`) gives exactly what Lark's parse and the syntax-tree
transform give: the same AST, positions and comments for valid text, and for anything else the
same diagnostics (it falls back on Lark's parse)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.syntax import strategies as S
from tests.syntax.test_robustness import soups
from tierlang.syntax import fastparse
from tierlang.syntax import parser as P
from tierlang.syntax.fastparse import Fallback, FastParser
from tierlang.syntax.formatter import format_module

ROOT = Path(__file__).resolve().parents[2]
TIER_FILES = sorted(p for p in ROOT.rglob("*.tier") if ".venv" not in p.parts and "site-packages" not in p.parts)


def _same(text: str, name: str = "t.tier") -> P.ParseResult:
    fast = P.parse(text, name)
    slow = P._lark_parse(text.removeprefix("\ufeff"), name)
    assert fast.diagnostics == slow.diagnostics
    assert fast.module == slow.module
    # positions, titles and comments too: repr shows every field, AST equality not all of them
    assert repr(fast.module) == repr(slow.module)
    return fast


def _fast_path_taken(text: str) -> bool:
    try:
        P._fast_parser().parse(text, P._ToAst("t.tier"), [])
    except Fallback:
        return False
    return True


def test_the_repository_has_programs_to_compare():
    assert len(TIER_FILES) > 50
    assert any(p.parent.name == "programs" for p in TIER_FILES)


@pytest.mark.parametrize("path", TIER_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_tier_file_parses_the_same(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    result = _same(text, str(path))
    if result.module is not None and "invalid" not in path.parts:
        assert _fast_path_taken(text.removeprefix("\ufeff")), "a valid program should not need Lark's parse"


def test_a_shipped_program_takes_the_fast_path_with_its_comments():
    text = (ROOT / "programs" / "cloudpartner2022.tier").read_text(encoding="utf-8")
    assert _fast_path_taken(text)
    assert _same(text).module.comments


def test_the_grammars_one_pattern_gives_each_states_own_token():
    """The fast parser scans every token with one pattern of all the grammar's terminals and
    lets each parser state decide what the text is to it: a keyword the state accepts, the
    terminal scanned when the state accepts it, else the state's own lexer. That rule gives
    exactly the token of Lark's lexer for that state, in every state, at every place a token
    may start in the shipped programs and in texts that pull the terminals apart."""
    from lark import Token
    from lark.lexer import UnlessCallback
    from lark.utils import TextSlice

    lark = P.parser()  # the tables of this very Lark object: state numbers differ between builds
    fast = FastParser(fastparse.tables(lark), P._ToAst, frozenset(), frozenset(), 10)
    pattern, keywords, ignored, _, _ = fast._root
    lexers = lark.parser.lexer.lexers
    states = {id(basic): state for state, basic in lexers.items()}  # one state per lexer
    tricky = '2022-10-03 2022 1_000.5 TL313 TLX EUR EURO """a""" "" ..< .. . <= < == = at least metrics metric x1 # c'
    text = "\n".join([tricky, *(p.read_text(encoding="utf-8") for p in TIER_FILES if p.parent.name == "programs")])
    word = re.compile(r"\w+")
    starts = {}  # the first place of each different start of a token: a word and the sign after it, or signs
    for i in range(len(text)):
        if not text[i].isspace() and not (i and word.match(text, i - 1) and word.match(text, i)):
            w = word.match(text, i)
            starts.setdefault(text[i : w.end() + 1] if w else text[i : i + 3], i)
    source = TextSlice.cast_from(text)
    for state in states.values():
        basic = lexers[state]
        accepts = fast._accepts[state]
        for pos in starts.values():
            want = basic.match(source, pos)
            if want is not None and want[1] not in ignored:
                callback = basic.callback.get(want[1])
                if isinstance(callback, UnlessCallback):
                    want = (want[0], callback(Token(want[1], want[0])).type)
            m = pattern.match(text, pos)
            got = None if m is None else (m.group(m.lastgroup), m.lastgroup)
            if got is not None and got[1] not in ignored:
                if keywords.get(got[1], {}).get(got[0]) in accepts:
                    got = (got[0], keywords[got[1]][got[0]])
                elif got[1] not in accepts:
                    got = fast._state_token(state, text, pos)[::-1] if want is not None else None
            assert got == want, (state, pos, text[pos : pos + 20])


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\ufeff# only a comment",
        "program p { }\nmetric m: count = 1_000.50_0",
        'program p { doc """\n    a block\n    """ }',
        "program p { }\nmetric m: number = 2023-02-30",  # TL113 from a transformer: after Lark's parse
        "program p { }\nmetric m: number = " + "1" * 150,  # TL116
        "program p { }\ngate g: " + "(" * 1200 + "a" + ")" * 1200,  # TL115
        "program p { }\ngate g: " + " and ".join(["a"] * 1500),  # deep in Lark's tree, flat in the AST
        "program p { }\nmetric m: number = " + " + ".join(["a"] * 1100),  # TL115 by nesting of sums
        "program p {\n  effective 2022-10-03 }\ntrack t { level a { require x >= 1 } level b }",
    ],
)
def test_edge_cases_parse_the_same(text):
    _same(text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(S.modules, st.data())
def test_generated_programs_parse_the_same(module, data):
    text = format_module(module)
    if data.draw(st.booleans()):  # and with comments on lines of their own and after code
        lines = text.split("\n")
        at = data.draw(st.integers(0, len(lines) - 1))
        lines[at] += "  # note"
        lines.insert(data.draw(st.integers(0, len(lines))), "# a comment line")
        text = "\n".join(lines)
    _same(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), soups))
def test_any_text_parses_the_same(text):
    _same(text)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([p for p in TIER_FILES if p.parent.name == "programs"]), st.data())
def test_damaged_programs_parse_the_same(path, data):
    # a shipped program with a piece cut out or doubled: mostly syntax errors, some still valid
    text = path.read_text(encoding="utf-8")
    start = data.draw(st.integers(0, len(text) - 1))
    stop = data.draw(st.integers(start, min(len(text), start + 40)))
    text = text[:start] + (text[start:stop] * 2 if data.draw(st.booleans()) else "") + text[stop:]
    _same(text)
