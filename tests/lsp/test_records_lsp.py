"""The language server on records: related tables, their columns (and enum columns' values)
and row filters, lists and tracks per row are symbols (definition, references, rename, hover,
outline, semantic tokens), resolved as lowering resolves them (a row condition reads the
table's columns and filters first); completion offers a table's columns and filters in its
row conditions, lists after `COLUMN in`, a column's values after `COLUMN ==` and inside
`COLUMN in { ... }`, and related tables after `count of`."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from tests.conftest import PROGRAMS
from tierlang.lsp.completion import complete
from tierlang.lsp.edits import RenameError, rename
from tierlang.lsp.hover import hover_text
from tierlang.lsp.outline import outline, semantic_tokens
from tierlang.lsp.session import Session

from .lsp_helpers import Editor, scripted

PROGRAM = """program people {
  version "1"
  effective 2024-01-01
}

table certifications "Certifications of people" {
  column person_id: text
  column certification "Certification name": text
  column kind: enum(technical, business)
  column expires_on: date optional
  key person_id, certification
  filter current "Not expired": expires_on is empty or expires_on >= as_of
}

table countries {
  column country: text
  column revenue_usd: money USD
  key country
}

table usage "Monthly usage" {
  column tenant: text
  column month: month
  column usd: money USD
}

metric recent_usd "Recent usage": money USD =
    sum usd of usage where month in last 2 months per tenant having (sum usd where month in same month last year) >= 10 USD

table fee "Fee": money USD {
  by tier
  else: 0 USD
}

param business "Business weight" = 1

list ai = { "Azure AI Engineer Associate", "Azure Data Scientist Associate" }

metric tier: enum(bronze, silver)

metric ai_people "AI people": count =
    count distinct person_id of certifications where current and certification in ai

metric developers: count =
    count distinct person_id of certifications
        where certification == "Azure Developer Associate" and kind == technical
        per person_id

metric fundamentals: count =
    count of certifications where not (certification != "Azure Fundamentals") and kind in { business }

track country_tier "Country tier" per country of countries where country in { "US", "DE" } {
  level gold { require revenue_usd >= 1_000 USD }
}

track global = highest country_tier

track skilled {
  level yes { require ai_people >= 2 and at least 1 of country_tier at gold and business >= 1 }
}

example two_people "Two AI people in the US" {
  as of 2024-06-01
  given records {
    certifications (person_id, certification, kind, expires_on) {
      ("a", "Azure AI Engineer Associate", "technical", none),
      ("b", "Azure Data Scientist Associate", "technical", none),
    }
    countries (country, revenue_usd) {
      ("US", 2_000),
    }
  } with { tier = "bronze" }
  expect skilled = yes
  expect global = gold
}
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "people.tier").write_text(PROGRAM, encoding="utf-8")
    return tmp_path


def _at(text: str, needle: str, after: str = "", offset: int = 0) -> tuple[int, int]:
    for n, line in enumerate(text.split("\n"), 1):
        if after in line and needle in line:
            return n, line.index(needle, line.index(after) if after else 0) + 1 + offset
    raise AssertionError(needle)


def test_the_program_is_valid(workspace: Path):
    session = Session([workspace])
    path = workspace / "people.tier"
    errors = [f"{d.code} {d.message}" for ds in session.check(path).diagnostics.values() for d in ds if d.is_error]
    assert errors == [] and session.program(path) is not None


def test_index_knows_tables_columns_filters_lists_and_tracks_per_row(workspace: Path):
    session = Session([workspace])
    idx = session.index(workspace / "people.tier")
    kinds = {(o.symbol.kind, o.symbol.name, o.symbol.scope, o.definition) for o in idx.occurrences}
    assert ("table", "certifications", (), True) in kinds
    assert ("column", "certification", ("certifications",), True) in kinds
    assert ("filter", "current", ("certifications",), True) in kinds
    assert ("list", "ai", (), True) in kinds
    assert ("track", "country_tier", (), True) in kinds and ("level", "gold", ("country_tier",), True) in kinds
    assert ("enum", "technical", ("certifications", "kind"), True) in kinds
    assert not any(k == "group" for k, *_ in kinds)  # `at least 1 of country_tier` names a track per row
    uses = {(o.symbol.kind, o.symbol.name, o.span.line) for o in idx.occurrences if not o.definition}
    line = _at(PROGRAM, "current and")[0]
    assert {("table", "certifications", line), ("filter", "current", line), ("list", "ai", line)} <= uses
    assert ("column", "certification", line) in uses and ("column", "person_id", line) in uses
    assert ("column", "expires_on", _at(PROGRAM, "filter current")[0]) in uses  # in the table's own filter
    assert ("column", "person_id", _at(PROGRAM, "per person_id")[0]) in uses
    assert ("column", "person_id", _at(PROGRAM, "key person_id")[0]) in uses
    assert ("track", "country_tier", _at(PROGRAM, "highest country_tier")[0]) in uses
    assert ("level", "gold", _at(PROGRAM, "country_tier at gold")[0]) in uses
    head = _at(PROGRAM, "per country of countries")[0]
    assert {("column", "country", head), ("table", "countries", head)} <= uses
    assert ("column", "revenue_usd", _at(PROGRAM, "revenue_usd >=")[0]) in uses
    # an enum column's values, compared and in a set; a set's value is the column's even
    # where a parameter has its name (as lowering reads it)
    assert ("enum", "technical", _at(PROGRAM, "kind == technical")[0]) in uses
    assert ("enum", "business", _at(PROGRAM, "kind in { business }")[0]) in uses
    assert ("param", "business", _at(PROGRAM, "business >= 1")[0]) in uses
    assert ("param", "business", _at(PROGRAM, "kind in { business }")[0]) not in uses
    # an example's records name the table and its columns
    header = _at(PROGRAM, "certifications (person_id")[0]
    assert {("table", "certifications", header), ("column", "kind", header), ("column", "expires_on", header)} <= uses
    # go to definition from a use
    occurrence = session.occurrence_at(workspace / "people.tier", *_at(PROGRAM, "certification", "where current and"))
    (definition,) = session.definitions(workspace / "people.tier", occurrence.symbol)
    assert definition.span.line == _at(PROGRAM, 'column certification "')[0]


def test_rename_a_column_and_its_clashes(workspace: Path):
    session = Session([workspace])
    path = str(workspace / "people.tier")
    column = session.occurrence_at(path, *_at(PROGRAM, "person_id", "count distinct person_id of certifications where"))
    edits = rename(session, path, column, "person")
    where = [
        "column person_id",
        "key person_id",
        "current and",
        "    count distinct person_id of certifications\n",
        "per person_id",
        "certifications (person_id",
    ]
    assert sorted(e.span.line for e in edits) == sorted(PROGRAM[: PROGRAM.index(w)].count("\n") + 1 for w in where)
    assert all(e.text == "person" for e in edits)
    with pytest.raises(RenameError, match="the row filter 'current' of table 'certifications' already exists"):
        rename(session, path, column, "current")
    # an enum value written as a string in an example (a row's cell, a metric's value) follows
    for value, after, strings in (("technical", "kind == technical", 2), ("bronze", "metric tier", 1)):
        edits = rename(session, path, session.occurrence_at(path, *_at(PROGRAM, value, after)), "other")
        lines = PROGRAM.split("\n")
        quoted = [e for e in edits if lines[e.span.line - 1][e.span.column - 2 : e.span.end_column] == f'"{value}"']
        assert len(quoted) == strings and len(edits) == strings + (2 if value == "technical" else 1)
    country = session.occurrence_at(path, *_at(PROGRAM, "country", "column country"))
    assert len(rename(session, path, country, "person_id")) == 5  # another table's column of that name is no clash


def test_hover_and_outline(workspace: Path):
    session = Session([workspace])
    path = workspace / "people.tier"
    program = session.program(path)
    column = session.occurrence_at(path, *_at(PROGRAM, "certification", "where current and"))
    text = hover_text(column.symbol, program, column.node)
    assert text.startswith("**column `certification`** of table `certifications`: Certification name") and "- Type: text" in text
    table = session.occurrence_at(path, *_at(PROGRAM, "certifications", "of certifications where current"))
    text = hover_text(table.symbol, program)
    assert "**table `certifications`**: Certifications of people" in text
    assert "`kind` (one of: technical, business)" in text and "Key: person_id, certification" in text and "Filters: current" in text
    current = session.occurrence_at(path, *_at(PROGRAM, "current", "where current"))
    text = hover_text(current.symbol, program)
    assert "**row filter `current`** of table `certifications`: Not expired" in text and "Keeps a row when `" in text
    assert "expires_on is empty or expires_on >= as_of" in text
    ai = session.occurrence_at(path, *_at(PROGRAM, "ai", "certification in ai"))
    assert hover_text(ai.symbol, program).startswith("**list `ai`**: Ai\n\n`Azure AI Engineer Associate`, `Azure Data Scientist Associate`")
    technical = session.occurrence_at(path, *_at(PROGRAM, "technical", "kind == technical"))
    assert hover_text(technical.symbol, program).startswith("**enum value `technical`** of column `kind` of table `certifications`")
    rows = session.occurrence_at(path, *_at(PROGRAM, "country_tier", "highest"))
    text = hover_text(rows.symbol, program)
    assert "once per `country` of table `countries`" in text and "Levels, lowest first: gold" in text
    gold = session.occurrence_at(path, *_at(PROGRAM, "gold", "country_tier at gold"))
    assert "- `revenue_usd >= 1000 USD`" in hover_text(gold.symbol, program)
    names = {(o.kind, o.name) for o in outline(session.module(path), session.index(path))}
    assert {("table", "certifications"), ("list", "ai"), ("track", "country_tier"), ("track", "global")} <= names
    (certifications,) = [o for o in outline(session.module(path), session.index(path)) if o.name == "certifications"]
    assert [(c.kind, c.name) for c in certifications.children] == [
        ("column", "person_id"),
        ("column", "certification"),
        ("column", "kind"),
        ("column", "expires_on"),
        ("filter", "current"),
    ]
    typed = {
        t.text: (kind, mods)
        for t, kind, mods in semantic_tokens(session.tokens(path), session.index(path))
        if t.line == _at(PROGRAM, "current and")[0]
    }
    assert (
        typed["certification"] == ("property", ()) and typed["current"] == ("function", ()) and typed["ai"] == ("variable", ("readonly",))
    )
    line = _at(PROGRAM, "filter current")[0]
    typed = {t.text: (kind, mods) for t, kind, mods in semantic_tokens(session.tokens(path), session.index(path)) if t.line == line}
    assert typed["expires_on"] == ("property", ()) and typed["as_of"] == ("variable", ("readonly", "defaultLibrary"))


def _labels(session: Session, path: Path, text: str, line: int, column: int) -> list[str]:
    session.open(path, text)
    return [i.label for i in complete(session.context(path), text, line, column, str(path))]


def test_completion_of_columns_and_values(workspace: Path):
    session = Session([workspace])
    path = workspace / "people.tier"
    typed = PROGRAM.replace('certification == "Azure Developer Associate"', "certification in { ")
    got = _labels(session, path, typed, *_at(typed, "{ ", "certification in", 2))
    assert set(got) - {"}"} == {'"Azure AI Engineer Associate"', '"Azure Data Scientist Associate"', '"Azure Fundamentals"'}
    typed = PROGRAM.replace("kind == technical", "kind == ")
    assert _labels(session, path, typed, *_at(typed, "== ", "kind ==", 3))[:2] == ["technical", "business"]
    typed = PROGRAM.replace("where current and certification in ai", "where ")
    got = _labels(session, path, typed, *_at(typed, "where ", "of certifications where", 6))
    assert got[:7] == ["person_id", "certification", "kind", "expires_on", "current", "as_of", "business"]
    assert "ai_people" not in got and "tier" not in got  # a row condition reads no metric
    typed = PROGRAM.replace("certification in ai", "certification in ")
    got = _labels(session, path, typed, *_at(typed, "in ", "certification in", 3))
    assert got[0] == "ai" and "ai_people" not in got  # a list, not the names a rule reads
    # `per`: the columns only
    typed = PROGRAM.replace("        per person_id\n", "        per \n")
    assert _labels(session, path, typed, *_at(typed, "per ", "        per ", 4)) == ["person_id", "certification", "kind", "expires_on"]
    # a track per row's levels read its table's row
    typed = PROGRAM.replace("require revenue_usd >= 1_000 USD", "require ")
    assert _labels(session, path, typed, *_at(typed, "require ", "level gold", 8))[:2] == ["country", "revenue_usd"]
    # after `count of`: the related tables (not band tables, not groups)
    typed = PROGRAM.replace("count of certifications where not", "count of ")
    assert _labels(session, path, typed, *_at(typed, "of ", "count of", 3)) == ["certifications", "countries", "usage"]
    # a set's values not written yet; no list for a month, where a window goes
    typed = PROGRAM.replace("kind in { business }", "kind in { business, ")
    assert _labels(session, path, typed, *_at(typed, "business, ", "kind in {", 10))[:1] == ["technical"]
    assert "business" not in _labels(session, path, typed, *_at(typed, "business, ", "kind in {", 10))
    typed = PROGRAM.replace("where month in last 2 months", "where month in ")
    assert not {"ai", "tier"} & set(_labels(session, path, typed, *_at(typed, "in ", "where month in", 3)))
    # a filter being typed in a table (which then does not parse): the columns typed above it
    typed = PROGRAM.replace("expires_on is empty or expires_on >= as_of", "kind == ")
    assert _labels(session, path, typed, *_at(typed, "== ", "kind ==", 3))[:2] == ["technical", "business"]
    typed = PROGRAM.replace("expires_on is empty or expires_on >= as_of", "")
    got = _labels(session, path, typed, *_at(typed, '"Not expired": ', "filter current", 16))
    assert got[:4] == ["person_id", "certification", "kind", "expires_on"]
    # outside a row condition, the program's names as before
    got = _labels(session, path, PROGRAM, *_at(PROGRAM, "ai_people >= 2", "require ai_people"))
    assert "ai_people" in got and "person_id" not in got


def _errors(session: Session, path: Path, text: str) -> list[str]:
    session.open(path, text)
    return [f"{d.code} {d.message}" for ds in session.check(path).diagnostics.values() for d in ds if d.is_error]


def test_completion_in_having_offers_only_what_lowering_accepts(workspace: Path):
    # `having` reads the group: its `per` columns, aggregates of its rows, parameters and
    # `as_of`; a filter (about one row) and the other columns (they differ between the rows)
    # were offered and then refused by lowering (TL271)
    session = Session([workspace])
    path = workspace / "people.tier"
    having = "having (sum usd where month in same month last year) >= 10 USD"
    typed = PROGRAM.replace(having, "having ")
    got = _labels(session, path, typed, *_at(typed, "having ", "per tenant having", 7))
    assert got[:3] == ["tenant", "as_of", "business"] and not {"usd", "month"} & set(got)
    for name in got:
        if name in ("tenant", "as_of", "business"):
            assert _errors(session, path, PROGRAM.replace(having, f"having {name} == {name}")) == [], name
    # after an aggregate word, the columns it takes: sum numbers, max numbers and dates
    typed = PROGRAM.replace(having, "having sum ")
    assert _labels(session, path, typed, *_at(typed, "sum ", "per tenant having", 4))[:1] == ["usd"]
    assert "tenant" not in _labels(session, path, typed, *_at(typed, "sum ", "per tenant having", 4))
    typed = PROGRAM.replace(having, "having max ")
    assert _labels(session, path, typed, *_at(typed, "max ", "per tenant having", 4)) == ["month", "usd"]
    for name in ("month", "usd"):
        assert _errors(session, path, PROGRAM.replace(having, f"having max {name} == max {name}")) == [], name
    # after a comparison with an aggregate: parameters, not the row's columns
    typed = PROGRAM.replace(having, "having sum usd >= ")
    got = _labels(session, path, typed, *_at(typed, ">= ", "per tenant having", 3))
    assert "business" in got and "usd" not in got and "month" not in got
    # inside an aggregate's own `where` the row's columns come back
    typed = PROGRAM.replace(having, "having (count where ")
    got = _labels(session, path, typed, *_at(typed, "where ", "per tenant having", 6))
    assert got[:3] == ["tenant", "month", "usd"]


@pytest.mark.parametrize("name", ["cloudpartner2022-records.tier", "mpn2010-records.tier"])
def test_records_programs_resolve_every_name(name: str):
    # a records program's lists once crashed hover and semantic tokens (no word for the kind)
    path = (PROGRAMS / name).resolve()
    session = Session([path.parent])
    idx = session.index(path)
    program = session.program(path)
    assert program is not None
    assert all(hover_text(o.symbol, program, o.node) for o in idx.occurrences)
    assert semantic_tokens(session.tokens(path), idx)
    resolved = {(o.span.line, o.span.column) for o in idx.occurrences}
    left = {t.text for t in session.tokens(path) if t.type == "NAME" and (t.line, t.column) not in resolved}
    assert left <= {"as_of"}  # the evaluation date, a built-in
    tops = {(o.kind, o.name) for o in outline(session.module(path), idx)}
    assert {("table", t.name) for t in program.related_tables} | {("list", v.name) for v in program.lists} <= tops


def test_every_kind_has_its_words_in_the_editor():
    # a kind without them crashed the outline or semantic tokens (a list once did)
    from tierlang.lsp import server
    from tierlang.lsp.index import DECLARATION_KINDS, KIND_WORDS
    from tierlang.lsp.outline import _SYMBOL_TYPE

    assert set(DECLARATION_KINDS.values()) <= set(server._SYMBOL_KIND)
    assert set(KIND_WORDS) <= set(_SYMBOL_TYPE)


def test_hover_on_a_records_metric_says_what_it_counts(workspace: Path):
    session = Session([workspace])
    path = workspace / "people.tier"
    program = session.program(path)

    def hover(needle: str, after: str) -> str:
        o = session.occurrence_at(path, *_at(PROGRAM, needle, after))
        return hover_text(o.symbol, program, o.node)

    assert (
        "Counts the distinct people (`person_id`) among the rows of table `certifications` (Certifications of people), where:\n"
        "- Not expired (filter `current`)\n"
        "- `certification` is in list `ai` (`Azure AI Engineer Associate`, `Azure Data Scientist Associate`)\n"
    ) in hover("ai_people", "require ai_people")
    text = hover("recent_usd", "metric recent_usd")
    assert "Adds up `usd` over the rows of table `usage` (Monthly usage), where:\n" in text
    assert "- `month` is in the last 2 months (November 2023 to December 2023 as of 2024-01-01)" in text
    assert "Only the groups per `tenant` where `(sum usd where month in same month last year) >= 10 USD` count." in text
    assert "Months as of 2024-01-01: same month last year = December 2022." in text
    assert "Counts the rows of table `certifications`" in hover("fundamentals", "metric fundamentals")
    assert "Counts" not in hover("tier", "metric tier")  # an input metric has no definition to tell


def test_type_definition_leads_to_the_table(workspace: Path):
    session = Session([workspace])
    path = workspace / "people.tier"

    def table_line(needle: str, after: str) -> list[int]:
        o = session.occurrence_at(path, *_at(PROGRAM, needle, after))
        return [d.span.line for d in session.table_definitions(path, o.symbol)]

    certifications = [_at(PROGRAM, "certifications", "table certifications")[0]]
    countries = [_at(PROGRAM, "countries", "table countries")[0]]
    assert table_line("ai_people", "require ai_people") == certifications  # a records metric
    assert table_line("current", "where current") == certifications  # a row filter
    assert table_line("technical", "kind == technical") == certifications  # an enum column's value
    assert table_line("country_tier", "highest country_tier") == countries  # a track per row
    assert table_line("gold", "country_tier at gold") == countries
    assert table_line("tier", "metric tier") == []  # an input metric: no table


@scripted
async def test_the_server_on_a_records_program(client: LanguageClient):
    # type definition and the records metric's hover, through `tier lsp`
    path = PROGRAMS / "cloudpartner2022-records.tier"
    doc = Editor(client, path)
    await doc.diagnostics()
    at = doc.position("azure_solutions_architect_experts", after="metric azure_solutions_architect_experts")
    found = await client.text_document_type_definition_async(lsp.TypeDefinitionParams(doc.ident(), at))
    assert [doc.lines[loc.range.start.line].split("{")[0].strip() for loc in found] == ['table certifications "Certifications of people"']
    hover = await client.text_document_hover_async(lsp.HoverParams(doc.ident(), at))
    assert "Counts the distinct people (`person_id`) among the rows of table `certifications`" in hover.contents.value
    as_of = doc.position("as_of", after=">= as_of")
    hover = await client.text_document_hover_async(lsp.HoverParams(doc.ident(), as_of))
    assert hover.contents.value.startswith("`as_of`: the evaluation date")
    column = doc.position("certification", after="where counts and certification")
    found = await client.text_document_definition_async(lsp.DefinitionParams(doc.ident(), column))
    assert doc.lines[found[0].range.start.line].lstrip().startswith("column certification")
