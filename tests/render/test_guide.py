"""The program guide (render/guide.py and its templates): golden Markdown, HTML checks.

Golden files sit next to their programs in tests/fixtures/docs/ (NAME.tier → NAME.md).
When a change to the guide is intended, regenerate them explicitly and review the diff:

    TIER_UPDATE_GOLDEN=1 python -m pytest tests/render/test_guide.py
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from pathlib import Path

import pytest

from tests.htmlcheck import StrictHTML, check_self_contained
from tierlang import ir, load_program
from tierlang.render import build_guide, render_guide
from tierlang.render.guide import md_escape, strip_citations

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "docs"
UPDATE = os.environ.get("TIER_UPDATE_GOLDEN") == "1"


def load(name: str, as_of: dt.date | None = None) -> ir.Program:
    result = load_program(FIXTURES / name, as_of)
    assert result.ok, [d.message for d in result.errors]
    assert result.program is not None
    return result.program


def load_text(text: str) -> ir.Program:
    result = load_program("inline.tier", text=text)
    assert result.ok, [d.message for d in result.errors]
    assert result.program is not None
    return result.program


# ------------------------------------------------------------------ Markdown


@pytest.mark.parametrize("name, audience", [(n, a) for n in ("guide", "sample", "records") for a in ("reviewer", "partner")])
def test_markdown_matches_golden(name, audience):
    text = render_guide(load(f"{name}.tier"), "md", audience=audience)
    golden = FIXTURES / (f"{name}.md" if audience == "reviewer" else f"{name}.{audience}.md")
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden.name}: run TIER_UPDATE_GOLDEN=1 python -m pytest {__file__}"
    expected = golden.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True), f"{golden.name} (golden)", "rendered"))
        pytest.fail(f"the guide differs from {golden.name}; if intended, run with TIER_UPDATE_GOLDEN=1 and review:\n{diff}")


def github_slug(text: str) -> str:
    """GitHub's heading anchor, computed independently of guide.py."""
    return "-".join(re.sub(r"[^\w\- ]", "", text.strip().lower()).split(" "))


def heading_slugs(md: str) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for line in md.splitlines():
        m = re.match(r"#{1,6} (.*)", line)
        if not m:
            continue
        plain = re.sub(r"\\(.)", r"\1", m.group(1))  # the text GitHub shows, escapes removed
        slug = github_slug(plain)
        if slug in seen:
            seen[slug] += 1
            slug = f"{slug}-{seen[slug]}"
        else:
            seen[slug] = 0
        out.append(slug)
    return out


@pytest.mark.parametrize("name", ["guide.tier", "sample.tier", "child.tier", "records.tier"])
def test_markdown_links_resolve_to_headings(name):
    md = render_guide(load(name), "md")
    slugs = set(heading_slugs(md))
    links = re.findall(r"\]\(#([^)]+)\)", md)
    assert links, "the guide has a table of contents"
    assert [x for x in links if x not in slugs] == []


def test_markdown_names_everything_the_program_declares():
    p = load("guide.tier")
    md = render_guide(p, "md", audience="reviewer")
    for t in p.tracks:
        assert f"### {t.title}" in md
        for v in t.variants:
            for lv in v.levels:
                assert f"**{lv.title}** (`{lv.name}`)" in md
            for s in v.scores:
                assert f"**Points: {s.title}** (`{s.name}`)" in md
                for line in s.lines:
                    assert f"(`{line.name}`)" in md
    for m in p.input_metrics:
        assert f"| `{m.column}` |" in md
    for x in p.params:
        assert f"(`{x.name}`)" in md
    for g in p.gates:
        assert f"(`{g.name}`)" in md
    assert p.content_hash in md
    assert "| Version | 2024.1 |" in md and "| Effective | 2024-01-01 |" in md


def test_guide_follows_as_of_date():
    p = load("guide.tier", dt.date(2024, 8, 1))
    md = render_guide(p, "md", audience="reviewer")
    assert "| Values as of | 2024-08-01 |" in md
    assert "at least 5 certified professionals (parameter gold_pros, source G2; since 2024-07-01)" in md
    # the whole schedule, the value in force marked (issue 19: a later --as-of hid the past)
    assert "| 5 | 4 until 2024-06-30; 5 from 2024-07-01 (in force) |" in md
    before = render_guide(load("guide.tier"), "md", audience="reviewer")
    assert "| 4 | 4 until 2024-06-30 (in force); 5 from 2024-07-01 |" in before
    assert "Values as of" not in before


def test_child_program_names_its_parent():
    md = render_guide(load("child.tier"), "md", audience="reviewer")
    assert "| Based on | `contoso` |" in md
    assert "### Security" not in md  # removed by the child
    assert "at least 3 certified professionals (parameter silver_pros, source G6)" in md


def test_view_model_totals():
    g = build_guide(load("guide.tier"))
    infra = next(t for t in g.tracks if t.name == "infra")
    score = infra.variants[0].scores[0]
    assert score.maximum == 100 and score.items_total == 100
    perf, skilling, success = score.items
    assert (perf.cap, perf.lines_total, perf.maximum) == (30, 30, 30)
    assert (skilling.cap, skilling.maximum) == (None, 40)
    assert [line.maximum for line in success.lines] == [20, 10]
    security = next(t for t in g.tracks if t.name == "security").variants[0].scores[0]
    assert security.maximum is None  # unbounded lines, no cap
    assert [line.maximum for line in security.items] == [20, None, 5, None]
    levels = next(t for t in g.tracks if t.name == "membership").variants[0].levels
    assert [lv.intro for lv in levels] == [
        "No requirements: every partner holds at least this level.",
        "Everything for Member, plus:",
        "Everything for Partner, plus:",
        "On its own (the lower levels' requirements do not apply):",
    ]


def test_markdown_escapes_what_authors_write():
    assert md_escape("a|b") == r"a\|b"
    assert md_escape("*x* [y](z) <b>") == r"\*x\* \[y\](z) \<b>"
    assert md_escape("net_adds _x_") == r"net_adds \_x\_"
    assert md_escape("Silver < Gold & AT&amp;T") == "Silver < Gold & AT&amp;amp;T"
    p = load_text('program x "A | *bold* <b>title</b>" { version "1" }\ntrack t "Track | one" { level l }\n')
    md = render_guide(p, "md")
    assert md.startswith(r"# A \| \*bold\* \<b>title\</b>")
    assert r"[Track \| one](#track--one)" in md


def test_a_column_name_stays_inside_its_code_span():
    # issue 17 item 12: a backtick closed the code span and the rest was raw HTML
    from markdown_it import MarkdownIt

    from tierlang.render.templating import md_code

    assert md_code("s`<b>x</b>`y|z") == r"``s`<b>x</b>`y\|z``"
    assert md_code("`a") == "`` `a ``" and md_code("a|b", table=False) == "`a|b`"
    p = load_text('program x { version "1" }\nmetric m: count { column "s`<b>x</b>`y|z" }\ntrack t { level l { require m >= 1 } }\n')
    for md in (render_guide(p, "md", audience="reviewer"), render_guide(p, "md", data_dictionary=True)):
        html = MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
        assert "<b>" not in html
        assert "<td><code>s`&lt;b&gt;x&lt;/b&gt;`y|z</code></td>" in html


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_an_empty_program_still_renders(fmt):
    text = render_guide(load_text("program x { }\n"), fmt, audience="reviewer")
    assert "The program declares no tracks yet." in text and "The program reads no columns." in text
    if fmt == "html":
        parser = StrictHTML()
        parser.feed(text)
        assert parser.errors == [] and parser.stack == []


def test_unknown_format_is_an_error():
    with pytest.raises(ValueError, match="unknown guide format"):
        render_guide(load("sample.tier"), "pdf")


# ------------------------------------------------------------------ HTML


@pytest.mark.parametrize("name", ["guide.tier", "sample.tier", "child.tier", "records.tier"])
def test_html_is_well_formed_and_self_contained(name):
    parser = check_self_contained(render_guide(load(name), "html"))
    assert "@media print" in parser.style


def test_html_has_every_track_with_points_tables_and_nested_requirements():
    p = load("guide.tier")
    html = render_guide(p, "html", audience="reviewer")
    for t in p.tracks:
        assert f'<details class="track" id="track-{t.name}" open>' in html
    assert html.count('<table class="points stack">') == sum(len(v.scores) for t in p.tracks for v in t.variants)
    assert "<li>at least 2 of:<ul><li>at least 6 certified professionals</li>" in html
    assert '<span class="assumed">assumption</span> no public figure; the 2011 German range' in html


def test_records_in_words_with_tracks_per_row():
    # a track per row is a track of its own (its rows' levels, who rolls it up), the roll-ups
    # say how many rows in words, and records metrics say what they compute, not their formula
    p = load("records.tier")
    for audience in ("partner", "reviewer"):
        md = render_guide(p, "md", audience=audience)
        assert "### Country tier" in md and "each country holds the highest level" in md
        assert "Rolled up by Global tier, Global Elite." in md
        assert "  - Revenue is at least 1,000,000 USD" in md
        assert "  - Platinum in Country tier in at least 2 countries" in md
        assert "Gold or higher in Country tier in at least 1 country" in md
        # no doc: the partner reads the words
        assert "Counts the distinct values of `tenant_id` among the rows of table `usage`" in md
        assert "count distinct tenant_id of" not in md
    html = render_guide(p, "html", audience="reviewer")
    assert '<details class="track" id="track-country_tier" open>' in html
    assert "each country holds the highest level" in html
    assert "Counts the distinct values of <code>tenant_id</code>" in html


def test_a_rollup_metric_is_described_in_words():
    # issue 11: the metric counting a track per row's rows at a level says so, with the
    # track's levels in words, not the rule text of its lowering
    p = load("records.tier")
    for audience in ("partner", "reviewer"):
        md = render_guide(p, "md", audience=audience)
        row = next(line for line in md.splitlines() if line.startswith("| Countries at Platinum or higher (Country tier)"))
        assert "Counts the countries at which Country tier holds Platinum or higher, from the rows of table `countries`" in row
        assert "Gold: Revenue is at least 500,000 USD; Platinum: also Revenue is at least 1,000,000 USD" in row
        assert "revenue_usd >=" not in row and "track 'country_tier'" not in row
    exact = load_text(
        'program x { version "1" effective 2024-01-01 }\n'
        "table regions { column region: text\n column usd: money USD\n key region }\n"
        "track region_tier per region of regions { level gold { require usd >= 10 USD } level platinum { require usd >= 20 USD } }\n"
        "track k { level one { require at least 2 of region_tier at exactly gold } }\n"
    )
    from tierlang.render.records_words import records_words

    m = exact.metric_map["region_tier at exactly gold"]
    words = records_words(exact, m.records, name=m.name)
    assert words.startswith("Counts the regions at which Region tier holds Gold and no higher level, from the rows of table `regions`")
    assert "- Platinum: also Usd is at least 20 USD" in words


def test_records_words_in_a_table_cell_escape_what_authors_write():
    p = load_text(
        'program x { version "1" effective 2024-01-01 }\n'
        'table t "Rows | *all*" { column id: text\n column kind: text\n filter f "A | b": kind in { "a|b" } }\n'
        "metric n: count = count distinct id of t where f\n"
        "track k { level one { require n >= 1 } }\n"
    )
    md = render_guide(p, "md", audience="reviewer")
    row = next(line for line in md.splitlines() if line.startswith("| N (`n`)"))
    assert "Rows \\| \\*all\\*" in row and "A \\| b (filter `f`)" in row
    assert row.count(" | ") == 5  # six cells: no `|` of the author's breaks the row


def test_html_escapes_what_authors_write():
    p = load_text('program x "A <script>alert(1)</script> & co" { version "1" doc """x < y\n\nsecond""" }\ntrack t { level l }\n')
    html = render_guide(p, "html")
    assert "<script>alert" not in html
    assert "<h1>A &lt;script&gt;alert(1)&lt;/script&gt; &amp; co</h1>" in html
    assert "<p>x &lt; y</p>\n<p>second</p>" in html


def test_doc_strings_are_markdown_in_html():
    doc = "Use `tier eval` *carefully*:\n\n- one\n- two\n\n<b>bold?</b> [site](https://example.com) ![logo](https://example.com/x.png)"
    p = load_text(f'program x "X" {{ version "1" doc """{doc}""" }}\ntrack t {{ level l }}\n')
    html = render_guide(p, "html")
    assert "<p>Use <code>tier eval</code> <em>carefully</em>:</p>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html  # raw HTML is text
    assert '<span class="link">site</span> <span class="url">(https://example.com)</span>' in html
    assert '<span class="image">[logo: https://example.com/x.png]</span>' in html
    check_self_contained(html)  # no link, no image: nothing outside the file


def test_partners_read_no_internal_names_parameters_or_citations():
    p = load("guide.tier")
    partner = render_guide(p, "md")  # the default audience
    reviewer = render_guide(p, "md", audience="reviewer")
    assert "(`" not in partner and "parameter " not in partner and "Content hash" not in partner and "## Parameters" not in partner
    assert "(`" in reviewer and "parameter " in reviewer and "## Parameters" in reviewer
    assert "## What is measured" in partner and "## Data dictionary" in reviewer
    assert "Source" not in partner.split("## What is measured")[0].split("| Gate |")[-1][:200]


@pytest.mark.parametrize(
    "text, plain",
    [
        ("the tool (S29). The high", "the tool. The high"),
        ("no longer issued; S2, S5).", "no longer issued)."),
        (
            "CSAT (stated only in 2014, S47); fees (gold US $3,800, S18; silver fee not found)",
            "CSAT (stated only in 2014); fees (gold US $3,800; silver fee not found)",
        ),
        ("A (S1, S7) b [C] c (S2-S5) d (see S3 page)", "A b c d (see S3 page)"),
        ("no citation here", "no citation here"),
    ],
)
def test_citations_are_left_out_for_partners(text, plain):
    assert strip_citations(text) == plain
