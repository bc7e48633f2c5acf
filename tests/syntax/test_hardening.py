"""Hostile input: long and deep expressions, huge numbers, byte-order marks, bad bytes,
parse errors that used to point the wrong way. Every one is a diagnostic, never a traceback."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from tierlang import load_program
from tierlang.cli import main
from tierlang.diagnostics import render_human
from tierlang.recursion import deep_recursion

NORTHWIND = (ROOT / "examples" / "tutorial" / "northwind.tier").read_text(encoding="utf-8")


def _codes_and_messages(text: str, tmp_path, name: str = "p.tier"):
    result = load_program(tmp_path / name, text=text)
    return [(d.code, d.message) for d in result.diagnostics if d.is_error], result


def test_range_messages_show_decimals_not_ratios(tmp_path):
    text = NORTHWIND.replace("  range 0..5", "  range 0..4.25")
    errors, _ = _codes_and_messages(text, tmp_path)
    assert ("TL211", "4.5 is outside the range of 'satisfaction'") in errors
    errors, _ = _codes_and_messages(NORTHWIND.replace("  range 0..5", "  range 5..4.5"), tmp_path)
    assert ("TL211", "empty range: 5 .. 4.5") in errors


# ------------------------------------------------------------------ numbers


def test_a_number_of_thousands_of_digits_is_a_diagnostic_at_the_number(tmp_path):
    text = NORTHWIND.replace("= 70 {", "= " + "9" * 5000 + " {")
    errors, result = _codes_and_messages(text, tmp_path)
    assert errors == [("TL116", "number too long: 5000 digits, at most 100")]
    span = result.diagnostics[0].span
    assert (span.line, span.column, span.end_column - span.column) == (37, 46, 5000)


def test_a_long_count_in_at_least_is_a_diagnostic(tmp_path):
    text = NORTHWIND.replace("require certified_sellers >= 2", "require at least " + "1" * 200 + " of { certified_sellers >= 2 }")
    errors, _ = _codes_and_messages(text, tmp_path)
    assert [c for c, _ in errors] == ["TL116"]


def test_a_hundred_digits_are_fine(tmp_path):
    errors, _ = _codes_and_messages(NORTHWIND.replace("= 70 {", "= " + "7" * 100 + " {"), tmp_path)
    assert not [c for c, _ in errors if c.startswith("TL1")]


# ------------------------------------------------------------------ encodings


def test_a_byte_order_mark_is_skipped_and_spans_stay_true(tmp_path):
    path = tmp_path / "bom.tier"
    path.write_bytes(b"\xef\xbb\xbf" + NORTHWIND.replace("require certified_sellers >= 2", "require certified_selers >= 2").encode())
    result = load_program(path)
    (d,) = [d for d in result.diagnostics if d.is_error]
    assert d.code == "TL200" and (d.span.line, d.span.column) == (46, 13)
    assert load_program(path, text="\ufeff" + NORTHWIND).ok


def test_bad_bytes_are_reported_where_they_are(tmp_path):
    path = tmp_path / "bad.tier"
    path.write_bytes(NORTHWIND.encode().replace(b"Silver and Gold", b"Silver \xff Gold"))
    result = load_program(path)
    (d,) = result.diagnostics
    assert d.code == "TL101" and (d.span.line, d.span.column) == (8, 15)
    assert "0xff" in d.message
    assert render_human(result.diagnostics, result.sources).splitlines()[3].startswith('8 |   doc "Silver \ufffd Gold')


def test_fmt_and_compile_report_bad_bytes_as_check_does(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.tier").write_bytes(b"program p {}\nmetric \xff: count\n")
    runner = CliRunner()
    for args in (["fmt", "bad.tier"], ["fmt", "--check", "bad.tier"], ["compile", "--emit", "ast", "bad.tier"]):
        out = runner.invoke(main, args)
        assert "error[TL101]" in out.output and "bad.tier:2:8" in out.output, args
        assert out.exit_code == (2 if args[0] == "compile" else 1), args
    out = runner.invoke(main, ["fmt", "-"], input=b"program p {}\nmetric \xff: count\n")
    assert out.exit_code == 1 and "error[TL101]" in out.output and "<stdin>:2:8" in out.output
    assert "\\udcff" not in out.output


def test_fmt_keeps_a_formatted_file_with_a_byte_order_mark(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bom.tier").write_bytes(b"\xef\xbb\xbfprogram p {}\nmetric a: count\n")
    assert CliRunner().invoke(main, ["fmt", "--check", "bom.tier"]).exit_code == 0
    out = CliRunner().invoke(main, ["fmt", "-"], input=b"\xef\xbb\xbfprogram p{}\n")
    assert out.exit_code == 0 and out.output == "program p {}\n"


# ------------------------------------------------------------------ long and deep expressions


def _replace_require(expr: str) -> str:
    return NORTHWIND.replace("require certified_sellers >= 2", f"require {expr}")


LONG = {
    "and": " and ".join(["certified_sellers >= 2"] * 500),
    "or": " or ".join(["certified_sellers >= 2"] * 500),
    "sum": "certified_sellers >= " + "+".join(["1"] * 500),
    "minus": "certified_sellers >= " + "-" * 999 + "2",
}


@pytest.mark.parametrize("kind", LONG)
def test_long_expressions_pass_every_stage(kind, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TIER_NO_CACHE", "1")
    (tmp_path / "long.tier").write_text(_replace_require(LONG[kind]), encoding="utf-8")
    (tmp_path / "partners.csv").write_bytes((ROOT / "examples" / "tutorial" / "partners.csv").read_bytes())
    with deep_recursion():  # restores the limit after
        sys.setrecursionlimit(1000)  # Python's default: the CLI raises it itself
        runner = CliRunner()
        for args in (["check", "long.tier"], ["eval", "long.tier", "partners.csv"], ["docs", "long.tier", "-o", "site.md"]):
            assert runner.invoke(main, args).exit_code == 0, args
        for args in (["fmt", "long.tier"], ["fmt", "--check", "long.tier"], ["check", "long.tier"]):
            assert runner.invoke(main, args).exit_code == 0, args


def test_a_chain_of_ten_thousand_ands_parses(tmp_path):
    text = "program p {}\nmetric a: count\ngate g: " + " and ".join(["a >= 1"] * 10_000) + "\n"
    result = load_program(tmp_path / "p.tier", text=text)
    assert result.ok


@pytest.mark.parametrize(
    "expr", ["certified_sellers >= " + "-" * 3000 + "2", "certified_sellers >= " + "+".join(["1"] * 1500), "not " * 2000 + "true"]
)
def test_absurd_nesting_is_tl115_at_the_expression(expr, tmp_path):
    errors, result = _codes_and_messages(_replace_require(expr), tmp_path)
    assert errors == [("TL115", "expression too deeply nested: more than 1000 levels")]
    span = result.diagnostics[0].span
    assert (span.line, span.column) == (46, 13)


def test_the_tl115_page_example(tmp_path):
    errors, _ = _codes_and_messages(_replace_require("certified_sellers >= " + "-" * 1001 + "2"), tmp_path)
    assert [c for c, _ in errors] == ["TL115"]


def test_a_long_source_line_is_shown_around_what_is_marked():
    # A 400-way `choose` on one line was printed whole in each of its 400 warnings: the
    # output of `tier check` grew with the square of the program (5.8 MB).
    from tierlang.diagnostics import SourceMap, error
    from tierlang.ir import Span

    line = "  choose " + " else ".join(f"v{i} when w >= {i}" for i in range(400))
    column = line.index("v250 when") + 1
    d = error("TL999", "here", Span("p.tier", 3, column, 3, column + 4))
    out = render_human([d], SourceMap({"p.tier": f"a\nb\n{line}\n"}))
    _, _, _, shown, marks = out.splitlines()[:5]
    assert len(shown) < 200 and shown.startswith("3 | ...") and shown.endswith("...")
    assert shown[marks.index("^") : marks.rindex("^") + 1] == "v250"
    short = render_human([error("TL999", "here", Span("p.tier", 1, 1, 1, 2))], SourceMap({"p.tier": "a\n"}))
    assert "1 | a\n" in short and "..." not in short
