"""The reviewer's Sources appendix (render/sources.py): sources files, tags, the appendix in
Markdown and HTML, `tier docs --sources`, and the shipped programs' sources files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.htmlcheck import check_self_contained
from tierlang import ir, load_program
from tierlang.cli import main
from tierlang.render import render_guide
from tierlang.render.guide import build_guide
from tierlang.render.sources import SourcesError, load_sources, sources_beside, tags_in

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = ROOT / "programs"
FIXTURES = ROOT / "tests" / "fixtures" / "docs"

SOURCES = """\
[marks]
C = "confirmed"
U = "uncertain"

[sources]
S1 = { title = "The first source", date = "2010-07-01", url = "https://example.com/one" }
S2 = "The second source"
"""

PROGRAM = """\
program p "P" { }
metric points: number
param goal = 70 { source "S1 (2010-07) [C]; S2-S4 [U]" }
track gold "Gold" {
  source "S2 [C]"
  level gold "Gold" { require points >= goal }
}
"""


def load_text(text: str) -> ir.Program:
    result = load_program("inline.tier", text=text)
    assert result.ok, [d.message for d in result.errors]
    assert result.program is not None
    return result.program


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "text, tags",
    [
        ("S2 (ms.date 2023-06-13) [C]; S6 [C]", ["S2", "S6"]),
        ("S1 [C]; S2-S5 [C]; P7 (2022-03-22) [S]", ["S2", "S3", "S4", "S5", "S1", "P7"]),
        ("S22b [C] (and S22)", ["S22b", "S22"]),
        ("S2-S900 [U]", ["S2", "S900"]),  # not a range: a typo would list hundreds
        ("DESIGN §4.4; no tag", []),
        ("G2, M365", []),  # not the house style and named by no sources file
    ],
)
def test_tags_in_a_source_string(text, tags):
    assert tags_in(text) == tags


def test_a_sources_file_extends_another_and_overlays_it(tmp_path):
    write(tmp_path, "base.sources.toml", SOURCES)
    child = write(tmp_path, "child.sources.toml", 'extends = "base.sources.toml"\n[sources]\nS2 = "Renamed"\nS9 = "New"\n')
    s = load_sources(child)
    assert s.entries["S1"].title == "The first source" and s.entries["S1"].date == "2010-07-01"
    assert s.entries["S2"].title == "Renamed" and s.entries["S9"].title == "New"
    assert s.marks == {"C": "confirmed", "U": "uncertain"}


def test_a_date_may_be_a_toml_date(tmp_path):
    s = load_sources(write(tmp_path, "d.sources.toml", '[sources]\nS1 = { title = "x", date = 2020-01-31 }\n'))
    assert s.entries["S1"].date == "2020-01-31"


@pytest.mark.parametrize(
    "text, message",
    [
        ("[sources\n", "line 1"),
        ("[sources]\nS1 = 3\n", "sources.S1 must be a string or a table"),
        ('[sources]\nS1 = { title = "x", pages = "3" }\n', "unknown key 'pages'"),
        ('[sources]\nS1 = { date = "2010" }\n', "sources.S1.title must be a non-empty string"),
        ('[marks]\nC = ""\n', "marks.C must be a non-empty string"),
        ('[sources]\nS1 = { title = "x", date = 2020 }\n', "sources.S1.date must be a string"),
        ('title = "x"\n', "unknown key 'title'"),
        ('extends = "loop.sources.toml"\n', "extends itself"),
        ('extends = "missing.toml"\n', "missing.toml: cannot read"),
    ],
)
def test_a_bad_sources_file_is_named_with_what_is_wrong(tmp_path, text, message):
    path = write(tmp_path, "loop.sources.toml", text)
    with pytest.raises(SourcesError) as e:
        load_sources(path)
    assert message in str(e.value)
    assert "loop.sources.toml" in str(e.value) or "missing.toml" in str(e.value)


def test_the_appendix_names_each_tag_its_marks_and_what_cites_it(tmp_path):
    sources = load_sources(write(tmp_path, "p.sources.toml", SOURCES))
    g = build_guide(load_text(PROGRAM), "reviewer", sources)
    assert g.sources is not None
    assert [s.tag for s in g.sources.sources] == ["S1", "S2", "S3", "S4"]
    s2 = g.sources.sources[1]
    assert [c.title for c in s2.cited_by] == ["Gold", "goal"]
    assert g.sources.unnamed == ["S3", "S4"]
    assert g.sources.marks == [("C", "confirmed", 2), ("U", "uncertain", 1)]
    md = render_guide(load_text(PROGRAM), "md", audience="reviewer", sources=sources)
    appendix = md.split("## Sources\n", 1)[1]
    assert "| S1 | The first source (https://example.com/one) | 2010-07-01 | goal |" in appendix
    assert "| S3 | *not named in the sources file* | — | goal |" in appendix
    assert "- **[C]** confirmed (2 citations)" in appendix
    assert "- [Sources](#sources)" in md


def test_without_a_sources_file_the_appendix_still_lists_the_tags():
    md = render_guide(load_text(PROGRAM), "md", audience="reviewer")
    appendix = md.split("## Sources\n", 1)[1]
    assert "No sources file names them" in appendix
    assert "| S2 | *not named* | — | Gold; goal |" in appendix
    assert "- **[U]** not explained by the sources file (1 citation)" in appendix


def test_partners_read_no_sources_appendix(tmp_path):
    sources = load_sources(write(tmp_path, "p.sources.toml", SOURCES))
    md = render_guide(load_text(PROGRAM), "md", sources=sources)
    assert "Sources" not in md and "S1" not in md


def test_the_html_appendix_links_each_citation_to_its_rule_and_nothing_outside(tmp_path):
    sources = load_sources(write(tmp_path, "p.sources.toml", SOURCES + 'S3 = { title = "x", url = "javascript:alert(1)" }\n'))
    html = render_guide(load_text(PROGRAM), "html", audience="reviewer", sources=sources)
    check_self_contained(html)  # every #anchor resolves; no href leaves the file
    section = html.split('<section id="sources">', 1)[1].split("</section>", 1)[0]
    assert '<a href="#param-goal">goal</a>' in section
    assert '<span class="url path">https://example.com/one</span>' in section
    assert '<a href="javascript' not in section and 'href="https' not in section
    assert '<li><a href="#sources">Sources</a></li>' in html


def test_partner_titles_lose_a_leading_citation():
    p = load_program(PROGRAMS / "cloudpartner2022.tier").program
    md = render_guide(p, "md")
    examples = md.split("## Examples", 1)[1]
    assert "**S2:" not in examples and "**S7:" not in examples
    assert "**2 + 2 gate people and 3 step-3 people score 12**" in examples
    assert "**S2: 2 + 2 gate people" in render_guide(p, "md", audience="reviewer")


@pytest.mark.parametrize("program", sorted(PROGRAMS.glob("*.tier")), ids=lambda p: p.stem)
def test_every_tag_a_shipped_program_cites_is_named_in_its_sources_file(program):
    path = sources_beside(program)
    assert path is not None, f"{program.name} has no sources file beside it"
    result = load_program(program)
    assert result.program is not None
    g = build_guide(result.program, "reviewer", load_sources(path))
    assert g.sources is not None and g.sources.sources
    assert g.sources.unnamed == []
    assert all(meaning for _, meaning, _ in g.sources.marks)


def run(*args: str):
    return CliRunner().invoke(main, ["docs", *args])


def test_tier_docs_finds_the_sources_file_beside_the_program(tmp_path):
    program = write(tmp_path, "p.tier", PROGRAM)
    write(tmp_path, "p.sources.toml", SOURCES)
    r = run(str(program), "--audience", "reviewer")
    assert r.exit_code == 0, r.output
    assert f"(from `{tmp_path / 'p.sources.toml'}`)" in r.stdout
    assert "The first source" in r.stdout
    other = write(tmp_path, "other.toml", '[sources]\nS1 = "Another first"\n')
    r = run(str(program), "--audience", "reviewer", "--sources", str(other))
    assert r.exit_code == 0 and "Another first" in r.stdout and "The first source" not in r.stdout


def test_tier_docs_refuses_a_bad_sources_file_and_sources_for_partners(tmp_path):
    program = write(tmp_path, "p.tier", PROGRAM)
    write(tmp_path, "p.sources.toml", "[sources\n")
    r = run(str(program), "--audience", "reviewer")
    assert r.exit_code == 2 and r.stdout == ""
    assert re.search(r"p\.sources\.toml: .*line 1", r.stderr) and "Traceback" not in r.output
    assert run(str(program)).exit_code == 0  # partners read no sources: the file is not read
    r = run(str(program), "--sources", str(tmp_path / "p.sources.toml"))
    assert r.exit_code == 2 and "--audience reviewer" in r.stderr


def test_tags_of_another_style_are_those_a_sources_file_names(tmp_path):
    program = load_program(FIXTURES / "guide.tier").program  # cites G1..G5
    assert "## Sources" not in render_guide(program, "md", audience="reviewer")
    named = "[sources]\n" + "".join(f'G{n} = "Guide source {n}"\n' for n in (10, 1, 2, 3, 4, 5))
    g = build_guide(program, "reviewer", load_sources(write(tmp_path, "g.sources.toml", named)))
    assert g.sources is not None
    assert [s.tag for s in g.sources.sources] == ["G1", "G2", "G3", "G4", "G5"]
