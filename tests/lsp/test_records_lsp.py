"""The language server on records: related tables, their columns and filters, lists and
tracks per row are symbols (definition, references, hover, outline), and completion offers
a table's columns in its row conditions and a column's values inside `COLUMN in { ... }`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tierlang.lsp.completion import complete
from tierlang.lsp.hover import hover_text
from tierlang.lsp.outline import outline
from tierlang.lsp.session import Session

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

list ai = { "Azure AI Engineer Associate", "Azure Data Scientist Associate" }

metric ai_people "AI people": count =
    count distinct person_id of certifications where current and certification in ai

metric developers: count =
    count distinct person_id of certifications
        where certification == "Azure Developer Associate" and kind == technical
        per person_id

metric fundamentals: count = count of certifications where not (certification != "Azure Fundamentals")

track country_tier "Country tier" per country of countries where country in { "US", "DE" } {
  level gold { require revenue_usd >= 1_000 USD }
}

track global = highest country_tier

track skilled {
  level yes { require ai_people >= 2 and at least 1 of country_tier at gold }
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


def test_index_knows_tables_columns_filters_lists_and_tracks_per_row(workspace: Path):
    session = Session([workspace])
    idx = session.index(workspace / "people.tier")
    kinds = {(o.symbol.kind, o.symbol.name, o.symbol.scope, o.definition) for o in idx.occurrences}
    assert ("table", "certifications", (), True) in kinds
    assert ("column", "certification", ("certifications",), True) in kinds
    assert ("filter", "current", ("certifications",), True) in kinds
    assert ("list", "ai", (), True) in kinds
    assert ("track", "country_tier", (), True) in kinds and ("level", "gold", ("country_tier",), True) in kinds
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
    # go to definition from a use
    occurrence = session.occurrence_at(workspace / "people.tier", *_at(PROGRAM, "certification", "where current and"))
    (definition,) = session.definitions(workspace / "people.tier", occurrence.symbol)
    assert definition.span.line == _at(PROGRAM, 'column certification "')[0]


def test_hover_and_outline(workspace: Path):
    session = Session([workspace])
    path = workspace / "people.tier"
    program = session.program(path)
    column = session.occurrence_at(path, *_at(PROGRAM, "certification", "where current and"))
    text = hover_text(column.symbol, program, column.node)
    assert "column `certification`" in text and "Certification name" in text and "certifications" in text
    table = session.occurrence_at(path, *_at(PROGRAM, "certifications", "of certifications where current"))
    assert "4 columns" in hover_text(table.symbol, program) or "person_id" in hover_text(table.symbol, program)
    rows = session.occurrence_at(path, *_at(PROGRAM, "country_tier", "highest"))
    text = hover_text(rows.symbol, program)
    assert "once per country of table `countries`" in text and "gold" in text
    names = {(o.kind, o.name) for o in outline(session.module(path), session.index(path))}
    assert {("table", "certifications"), ("list", "ai"), ("track", "country_tier"), ("track", "global")} <= names


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
    assert got[:5] == ["person_id", "certification", "kind", "expires_on", "current"]
    typed = PROGRAM.replace("certification in ai", "certification in ")
    got = _labels(session, path, typed, *_at(typed, "in ", "certification in", 3))
    assert got[0] == "ai" and "ai_people" not in got  # a list, not the names a rule reads
