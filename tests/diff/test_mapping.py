"""Mapping files (.tiermap): parsing, checks against the programs (TL500-TL505), the
shipped mappings, discovery and the implied level-by-level comparisons."""

from __future__ import annotations

import re
from fractions import Fraction
from functools import cache

import pytest

from tests.conftest import FIXTURES, PROGRAMS, ROOT
from tierlang import load_program
from tierlang.diagnostics import render_human
from tierlang.diff.mapping import (
    MappingError,
    check_mapping,
    find_mapping,
    identity_mapping,
    load_mapping,
    parse_mapping,
)


@cache
def program(name: str):
    path = PROGRAMS / f"{name}.tier" if (PROGRAMS / f"{name}.tier").exists() else FIXTURES / "diff" / f"{name}.tier"
    result = load_program(path)
    assert result.ok, result.diagnostics
    return result.program


def diagnostics(text: str, old: str = "mspp2009", new: str = "mpn2010"):
    mapping, diags = parse_mapping(text, "m.tiermap")
    if mapping is not None:
        diags = check_mapping(mapping, program(old), program(new))
    return diags


GOOD = """\
mapping mspp2009 -> mpn2010 "Title" {
  doc \"\"\"
    Several
    lines.
  \"\"\"
  source "S1"
}
# a comment
compare partner_level -> network_status {
  assumed "A1"
  rank 0 "Entry": registered -> member, subscriber { source "S2" assumed "A2" }
  rank 1: certified -> silver_partner
  rank 2: gold_certified -> gold_partner
}
"""


def test_parse_a_complete_mapping():
    mapping, diags = parse_mapping(GOOD, "m.tiermap")
    assert diags == []
    assert (mapping.old_program, mapping.new_program, mapping.title, mapping.source) == ("mspp2009", "mpn2010", "Title", "S1")
    assert mapping.doc == "Several\nlines."
    (c,) = mapping.compares
    assert (c.old, c.new, c.assumed) == (("partner_level",), "network_status", "A1")
    first = c.ranks[0]
    assert (first.value, first.label, first.old, first.new, first.source, first.assumed) == (
        0,
        "Entry",
        ("registered",),
        ("member", "subscriber"),
        "S2",
        "A2",
    )
    assert (first.span.line, first.new_spans[1].line, first.new_spans[1].column) == (11, 11, 41)
    assert check_mapping(mapping, program("mspp2009"), program("mpn2010")) == []


def test_ranks_none_and_empty_sides():
    mapping, _ = parse_mapping(
        "mapping a -> b\ncompare x, y -> z {\n  rank 0.5: none -> -\n  rank 1_000: - -> none\n}\n",
        "m.tiermap",
    )
    (c,) = mapping.compares
    assert [(r.value, r.old, r.new) for r in c.ranks] == [(Fraction(1, 2), (None,), ()), (1000, (), (None,))]
    assert c.rank_of("old", None) == Fraction(1, 2) and c.rank_of("new", "w") is None


@pytest.mark.parametrize(
    "text,message,line,column",
    [
        ("compare a -> b {}", "expected 'mapping OLD -> NEW' first, found 'compare'", 1, 1),
        ("mapping a b", "expected '->' and the new program's name, found 'b'", 1, 11),
        ("mapping a -> b\ncompare x -> y {\n  rank one: a -> b\n}", "expected the rank: a number such as 0, 1 or 0.5, found 'one'", 3, 8),
        ("mapping a -> b\ncompare x -> y {\n  rank 1 a -> b\n}", "expected ':' after the rank, found 'a'", 3, 10),
        ("mapping a -> b\ncompare x -> y {\n  rank 1: a b\n}", "expected '->' between the old and the new levels, found 'b'", 3, 13),
        (
            "mapping a -> b\ncompare x -> y {\n  rank 1: a -> b\n",
            "expected 'rank', doc, source, assumed or '}', found the end of the file",
            4,
            1,
        ),
        ("mapping a -> b\ncompare X -> y {}", "'X' is not a valid name", 2, 9),
        ('mapping a -> b "oops', "an unterminated string", 1, 16),
        ('mapping a -> b\ncompare x -> y { doc "a" doc "b" }', "'doc' is given twice", 2, 26),
        ("mapping a -> b\nrank 1: a -> b", "expected 'compare' or the end of the file, found 'rank'", 2, 1),
        ("mapping a -> b\ncompare x -> y { rank 1: a -> b c }", "expected 'rank', doc, source, assumed or '}', found 'c'", 2, 33),
    ],
)
def test_syntax_errors_name_line_and_column(text, message, line, column):
    mapping, diags = parse_mapping(text, "m.tiermap")
    assert mapping is None
    (d,) = diags
    assert d.code in ("TL500", "TL504")
    assert d.message == message
    assert (d.span.file, d.span.line, d.span.column) == ("m.tiermap", line, column)


def test_levels_on_one_side_need_commas_hint():
    (d,) = diagnostics(
        "mapping mspp2009 -> mpn2010\ncompare partner_level -> network_status {\n  rank 0: registered -> member subscriber\n}"
    )
    assert d.hint == "separate the levels of one side with commas"


def test_check_errors():
    cases = {
        "mapping mpn2010 -> cloudpartner2022": ("TL501", "this mapping compares mpn2010 -> cloudpartner2022, not mspp2009 -> mpn2010"),
        "mapping mspp2009 -> mpn2010\ncompare partner_levl -> network_status { rank 0: registered -> member }": (
            "TL502",
            "mspp2009 has no track 'partner_levl'",
        ),
        "mapping mspp2009 -> mpn2010\ncompare partner_level -> network { rank 0: registered -> member }": (
            "TL502",
            "mpn2010 has no track 'network'",
        ),
    }
    for text, (code, message) in cases.items():
        d = diagnostics(text)[0]
        assert (d.code, d.message) == (code, message)
    d = diagnostics("mapping mspp2009 -> mpn2010\ncompare partner_levl -> network_status { rank 0: registered -> member }")[0]
    assert d.hint == "did you mean 'partner_level'?"


def test_several_old_tracks_share_level_names():
    text = "mapping mpn2010 -> cloudpartner2022\ncompare erp, crm -> business_apps {\n  rank 0: none -> none\n  rank 1: silver, gold -> designated\n}\n"
    assert diagnostics(text, "mpn2010", "cloudpartner2022") == []
    d = diagnostics(text.replace("gold ->", "platinum ->"), "mpn2010", "cloudpartner2022")[0]
    assert (d.code, d.message) == ("TL502", "'platinum' is not a level of erp or crm")
    d = diagnostics(text.replace("erp, crm", "erp, erp"), "mpn2010", "cloudpartner2022")[0]
    assert (d.code, d.message) == ("TL504", "track 'erp' is listed twice")


def test_new_track_compared_twice_and_rank_twice():
    text = (
        "mapping mpn2010 -> cloudpartner2022\n"
        "compare erp -> business_apps { rank 0: none -> none rank 1: silver, gold -> designated }\n"
        "compare crm -> business_apps { rank 0: none -> none rank 1: silver, gold -> designated }\n"
        "compare isv -> data_ai { rank 0: none -> none rank 0: silver, gold -> designated }\n"
    )
    got = [(d.code, d.message, d.span.line, [n.span.line for n in d.notes]) for d in diagnostics(text, "mpn2010", "cloudpartner2022")]
    assert got == [
        ("TL504", "track 'business_apps' is compared twice", 3, [2]),
        ("TL504", "rank 0 is declared twice", 4, [4]),
    ]


def test_unranked_none_is_below_every_level_and_may_be_explicit():
    base = "mapping mpn2010 -> cloudpartner2022\ncompare erp -> business_apps {{ {ranks} }}\n"
    assert diagnostics(base.format(ranks="rank 1: silver, gold -> designated"), "mpn2010", "cloudpartner2022") == []
    d = diagnostics(base.format(ranks="rank 2: none -> none rank 1: silver, gold -> designated"), "mpn2010", "cloudpartner2022")[0]
    assert (d.code, d.message) == ("TL505", "old level 'silver' of erp ranks 1, below 'none' (2)")


def test_load_mapping_raises_with_rendered_caret(tmp_path):
    path = tmp_path / "bad.tiermap"
    path.write_text("mapping mspp2009 -> mpn2010\ncompare partner_level -> network_status {\n  rank 0: registered -> members\n}\n")
    with pytest.raises(MappingError) as err:
        load_mapping(path, program("mspp2009"), program("mpn2010"))
    text = render_human(err.value.diagnostics, err.value.sources)
    assert "error[TL502]: 'members' is not a level of network_status" in text
    assert "3 |   rank 0: registered -> members" in text
    assert "^^^^^^^" in text and "did you mean 'member'?" in text


def test_load_mapping_rejects_non_utf8(tmp_path):
    path = tmp_path / "bin.tiermap"
    path.write_bytes(b"mapping \xff")
    with pytest.raises(MappingError) as err:
        load_mapping(path, program("mspp2009"), program("mpn2010"))
    assert err.value.diagnostics[0].code == "TL500"
    assert err.value.diagnostics[0].span.column == 9  # the bad byte, not 1:1


def test_load_mapping_skips_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.tiermap"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    mapping = load_mapping(path, program("mspp2009"), program("mpn2010"))
    assert mapping.span.column == 1 and mapping.span.line == 1


def test_a_huge_rank_is_a_diagnostic():
    d = diagnostics(GOOD.replace("rank 2:", "rank " + "9" * 5000 + ":"))[0]
    assert (d.code, d.message) == ("TL500", "number too long: at most 100 digits")


# ------------------------------------------------------------------ shipped mappings


@pytest.mark.parametrize(
    "old,new,file",
    [
        ("mspp2009", "mpn2010", "mspp2009-mpn2010.tiermap"),
        ("mspp2009", "mpn2010", "mspp2009-mpn2010.by-difficulty.tiermap"),
        ("mpn2010", "cloudpartner2022", "mpn2010-cloudpartner2022.tiermap"),
    ],
)
def test_shipped_mappings_load_and_state_their_sources(old, new, file):
    mapping = load_mapping(PROGRAMS / "mappings" / file, program(old), program(new))
    assert mapping.source
    status = [c for c in mapping.compares if c.new == program(new).status]
    assert len(status) == 1 and program(old).status in status[0].old
    for c in mapping.compares:
        assert c.source or any(r.source for r in c.ranks), f"{c.new}: no source"


def test_cloud_mapping_follows_the_2022_legacy_table():
    mapping = load_mapping(PROGRAMS / "mappings" / "mpn2010-cloudpartner2022.tiermap", program("mpn2010"), program("cloudpartner2022"))
    by_new = {c.new: set(c.old) for c in mapping.compares}
    assert set(by_new) == {"partner_status", "business_apps", "data_ai", "infrastructure", "digital_app", "modern_work", "security"}
    # App Integration feeds two designations (S8)
    assert "business_process_integration" in by_new["data_ai"] & by_new["digital_app"]
    assert {"erp", "crm", "project_portfolio_management"} == by_new["business_apps"]


def test_discovery_finds_the_shipped_mapping_by_program_names(tmp_path):
    found = find_mapping(program("mpn2010"), program("cloudpartner2022"), PROGRAMS / "mpn2010.tier", PROGRAMS / "cloudpartner2022.tier")
    assert found == PROGRAMS / "mappings" / "mpn2010-cloudpartner2022.tiermap"
    assert find_mapping(program("cloudpartner2022"), program("cloudpartner2023"), PROGRAMS / "a.tier", PROGRAMS / "b.tier") is None
    assert find_mapping(program("mspp2009"), program("mpn2010"), tmp_path / "a.tier", tmp_path / "b.tier") is None


def test_identity_mapping_merges_ladders():
    old, new = program("shop_v1"), program("shop_v2")
    mapping = identity_mapping(old, new)
    assert [c.new for c in mapping.compares] == ["competency", "cloud", "status"]
    assert not any(c.declared for c in mapping.compares)
    c = mapping.compares[0]
    assert [(r.value, r.old, r.new) for r in c.ranks] == [(0, ("silver",), ("silver",)), (1, ("gold",), ("gold",))]


def test_identity_mapping_places_added_and_removed_levels(tmp_path):
    (tmp_path / "a.tier").write_text(
        'program p { version "1" }\nmetric m: count\ntrack t { level a { require m >= 1 } level b { require m >= 2 } }\n'
    )
    (tmp_path / "b.tier").write_text(
        'program p { version "2" }\nmetric m: count\ntrack t { level a { require m >= 1 } level x { require m >= 3 } level b { require m >= 4 } }\n'
    )
    old, new = load_program(tmp_path / "a.tier").program, load_program(tmp_path / "b.tier").program
    (c,) = identity_mapping(old, new).compares
    assert [(r.value, r.old, r.new) for r in c.ranks] == [(0, ("a",), ("a",)), (1, (), ("x",)), (2, ("b",), ("b",))]


def test_declared_comparisons_come_first_and_replace_namesakes():
    old, new = program("shop_v1"), program("shop_v2")
    declared, _ = parse_mapping(
        "mapping shop -> shop\ncompare status -> status { rank 0: member, partner -> member rank 1: premier -> partner, premier }",
        "m.tiermap",
    )
    assert check_mapping(declared, old, new) == []
    mapping = identity_mapping(old, new, declared)
    assert [(c.new, c.declared) for c in mapping.compares] == [("status", True), ("competency", False), ("cloud", False)]


# ------------------------------------------------------------------ docs/errors/TL5xx.md


@pytest.mark.parametrize("code", [f"TL50{i}" for i in range(6)])
def test_error_page_example_gives_its_code(code):
    text = (ROOT / "docs" / "errors" / f"{code}.md").read_text(encoding="utf-8")
    (bad,) = re.findall(r"^```tiermap-bad\n(.*?)^```", text, re.S | re.M)
    assert [d.code for d in diagnostics(bad)] == [code]
    shown = re.findall(r"^```text\n(error\[.*?)\n", text, re.S | re.M)
    for line in shown:
        assert line.split("\n")[0] in {f"error[{d.code}]: {d.message}" for d in diagnostics(bad)}
