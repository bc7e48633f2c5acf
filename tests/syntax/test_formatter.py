"""`tier fmt`: parse(fmt(p)) == parse(p), idempotence, comments kept."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES, PROGRAMS
from tests.syntax import strategies as S
from tierlang.syntax.formatter import format_module
from tierlang.syntax.parser import parse

SAMPLES = sorted((FIXTURES / "valid").glob("*.tier")) + sorted(PROGRAMS.glob("*.tier"))


def _roundtrip(text: str, name: str = "t.tier") -> str:
    first = parse(text, name)
    assert first.module is not None, first.diagnostics
    out = format_module(first.module)
    second = parse(out, name)
    assert second.module is not None, (second.diagnostics, out)
    assert second.module.items == first.module.items, out
    assert format_module(second.module) == out, "fmt is not idempotent"
    return out


def test_sample_files_roundtrip():
    assert SAMPLES
    for path in SAMPLES:
        _roundtrip(path.read_text(encoding="utf-8"), path.name)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(S.modules)
def test_generated_programs_roundtrip(module):
    text = format_module(module)
    parsed = parse(text, "gen.tier")
    assert parsed.module is not None, (parsed.diagnostics, text)
    assert parsed.module.items == module.items, text
    assert format_module(parsed.module) == text


def _code_lines(text: str) -> list[int]:
    """Indexes of lines where a comment can be appended (not inside a triple-quoted string)."""
    out, inside = [], False
    for n, line in enumerate(text.split("\n")):
        starts_inside = inside
        inside ^= line.count('"""') % 2 == 1
        if not starts_inside and not inside and line.strip():
            out.append(n)
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(S.modules, st.data())
def test_comments_are_kept(module, data):
    text = format_module(module)
    lines = text.split("\n")
    candidates = _code_lines(text)
    chosen = data.draw(st.lists(st.sampled_from(candidates), unique=True, max_size=6)) if candidates else []
    own_line = data.draw(st.booleans())
    for k, n in enumerate(sorted(chosen, reverse=True)):
        comment = f"# note {k}"
        if own_line:
            indent = re.match(r"\s*", lines[n]).group(0)
            lines.insert(n, indent + comment)
        else:
            lines[n] += "  " + comment
    commented = "\n".join(lines)
    out = _roundtrip(commented, "gen.tier")
    for k in range(len(chosen)):
        assert f"# note {k}" in out, out


def test_canonical_layout():
    src = 'program p{version "1"}\nmetric a:count{range ..}  # why\n\n\n\ntrack t{level l{require any{a>1,a<5}}}\n'
    out = _roundtrip(src)
    assert out == (
        'program p {\n  version "1"\n}\nmetric a: count { range .. }  # why\n\n'
        "track t {\n  level l {\n    require any { a > 1, a < 5 }\n  }\n}\n"
    )


def test_minimal_parentheses_keep_meaning():
    out = _roundtrip("program p {}\ngate g: (a - (b - c)) * 2 >= -(-3) and not (x or y)\n")
    assert "gate g: (a - (b - c)) * 2 >= -(-3) and not (x or y)" in out


def test_long_lists_break_one_item_per_line():
    conds = ", ".join(f"metric_number_{i} >= {i}" for i in range(6))
    out = _roundtrip(f"program p {{}}\ntrack t {{ level l {{ require any {{ {conds} }} }} }}\n")
    assert "    require any {\n      metric_number_0 >= 0,\n" in out
    assert out.count(",\n") == 6


def _same_program(text: str) -> str:
    """`tier fmt` of `text`: the program it formats to is the same program (IR and content
    hash), and formatting again changes nothing."""
    from tierlang import load_program

    before = load_program("p.tier", text=text, checks=False)
    assert before.ok, before.diagnostics
    out = _roundtrip(text, "p.tier")
    after = load_program("p.tier", text=out, checks=False)
    assert after.ok, (after.diagnostics, out)
    assert after.program.content_hash == before.program.content_hash, out
    return out


def test_a_doc_line_less_indented_than_the_rest():
    # Found by `make fuzz` (a comment line pasted into a doc string at column 0): the indentation
    # of the closing quotes became text, and `tier fmt` dropped it.
    src = 'program p {\n  doc """\n    first\n    second:\n# - pasted\n    last\n  """\n}\n'
    out = _same_program(src)
    (doc,) = [a.value for a in parse(out, "p.tier").module.items[0].attrs if a.kind == "doc"]
    assert doc == "    first\n    second:\n# - pasted\n    last"


def test_a_blank_line_in_a_doc_is_empty_however_indented():
    src = 'program p {\n  doc """\n    a\n        \n    b\n  \n  """\n}\n'
    out = _same_program(src)
    assert '    doc """\n' not in out and "    a\n\n    b\n" in out


# A block string's lines as someone might type them: any indentation (tabs too), blank lines
# of spaces, quotes and backslashes.
_block_lines = st.lists(
    st.tuples(st.sampled_from(["", " ", "  ", "    ", "\t", "      "]), st.text(st.sampled_from('ab #:"\\\t'), max_size=6)),
    min_size=1,
    max_size=5,
)


@settings(max_examples=200, deadline=None)
@given(_block_lines, st.sampled_from(["", "  ", "    ", "        "]), st.sampled_from(["doc", "source", "unit"]))
def test_block_strings_format_to_the_same_program(lines, closing, attr):
    body = "\n".join(indent + text for indent, text in lines)
    src = f'program p {{\n  version "1"\n}}\nmetric m: count {{\n  {attr} """\n{body}\n{closing}"""\n}}\n'
    assume(parse(src, "p.tier").module is not None)  # quotes and backslashes may end the block early
    _same_program(src)


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=30), st.sampled_from(["doc", "assumed", "source"]))
def test_any_string_value_is_printed_exactly(value, attr):
    import dataclasses

    module = parse(f'program p {{ version "1" }}\nmetric m: count {{ {attr} "x" }}\n', "p.tier").module
    metric = module.items[1]
    (old,) = metric.attrs
    module = dataclasses.replace(
        module, items=(module.items[0], dataclasses.replace(metric, attrs=(dataclasses.replace(old, value=value),)))
    )
    out = format_module(module)
    again = parse(out, "p.tier")
    assert again.module is not None, (again.diagnostics, out)
    assert again.module.items[1].attrs[0].value == value, out
    assert format_module(again.module) == out
