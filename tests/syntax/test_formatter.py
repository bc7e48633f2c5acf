"""`tier fmt`: parse(fmt(p)) == parse(p), idempotence, comments kept."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
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
