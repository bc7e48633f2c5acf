"""The language server's client-free core, driven directly: checks with open buffers, the
name index, completion, rename and quick fixes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tierlang.lsp import check_document
from tierlang.lsp.completion import complete
from tierlang.lsp.edits import RenameError, quick_fixes, rename, source_actions
from tierlang.lsp.hover import FUNCTION_DOCS, hover_text
from tierlang.lsp.session import Session
from tierlang.passes.lower import FUNCTIONS

PARENT = """program base "Base" {
  version "1"
  effective 2024-01-01
  status tier
}

param pass_mark "Points needed" = 70 { source "S1 [C]" }
param bonus = 5
param one = 1 { source "S1 [C]" }
metric sales "Sales": money USD { unit "USD" }
metric region: enum(north, south)
metric deals "Closed deals": count

group lines "Product lines"

track tier "Partner tier" in lines {
  score points "Points" max 100 {
    category work "Work" {
      deals_line "Deals": points min(40, 4 * deals)
    }
    sales_line "Sales": points min(60, sales / 1000 USD) when region == north
  }
  level member "Member"
  level gold "Gold" {
    require points >= pass_mark
    require points.work >= bonus
  }
}

track other "Other" {
  level member "Member"
  level gold "Gold" { require tier at gold and at least one of lines at member }
}

partner p { sales = 1000 USD, region = "north", deals = 3 }

hold keep "Keep a level" for tier, lines {
  window 6 months
}

example e {
  given p with { deals = 10 }
  expect tier = member
  expect tier.points.work = 40
}
"""

CHILD = """program child "Child" {
  extends "base.tier"
  version "2"
  effective 2025-01-01
}

override param pass_mark = 80 { source "S2 [C]" }
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "base.tier").write_text(PARENT, encoding="utf-8")
    (tmp_path / "child.tier").write_text(CHILD, encoding="utf-8")
    return tmp_path


def _at(text: str, needle: str, after: str = "", offset: int = 0) -> tuple[int, int]:
    """1-based (line, column) of `needle` on the first line holding `after` and it."""
    for n, line in enumerate(text.split("\n"), 1):
        if after in line and needle in line:
            return n, line.index(needle) + 1 + offset
    raise AssertionError(needle)


def test_check_document_reads_buffers_before_the_disk(workspace: Path):
    child = (workspace / "child.tier").as_uri()
    parent = (workspace / "base.tier").as_uri()
    assert check_document(child, CHILD) == {child: [], parent: []}
    # the parent, unsaved, no longer has the parameter the child overrides
    broken = PARENT.replace("param pass_mark", "param pass_points").replace(">= pass_mark", ">= pass_points")
    found = check_document(child, CHILD, {parent: broken})
    assert [d.code for d in found[child]] == ["TL222"]
    typo = check_document(parent, PARENT.replace("4 * deals", "4 * deal"))
    (d,) = typo[parent]
    assert (d.code, d.hint) == ("TL200", "did you mean 'deals'?")


def test_index_resolves_every_kind(workspace: Path):
    session = Session([workspace])
    idx = session.index(workspace / "base.tier")
    kinds = {(o.symbol.kind, o.symbol.name, o.symbol.scope, o.definition) for o in idx.occurrences}
    assert ("enum", "north", ("region",), False) in kinds  # region == north
    assert ("group", "lines", (), False) in kinds  # track ... in lines, at least 1 of lines
    assert ("level", "member", ("tier",), False) in kinds  # ... at member: each member track's level
    assert ("level", "gold", ("tier",), False) in kinds  # tier at gold
    assert ("score", "points", ("tier",), False) in kinds
    assert ("category", "work", ("tier", "points"), False) in kinds  # points.work and expect tier.points.work
    assert ("metric", "deals", (), False) in kinds  # in a partner's and an example's values
    assert ("partner", "p", (), False) in kinds and ("track", "tier", (), False) in kinds  # status tier
    assert ("param", "one", (), False) in kinds  # at least one of lines
    hold_line = _at(PARENT, "hold keep")[0]
    holds = {(o.symbol.kind, o.symbol.name, o.definition) for o in idx.occurrences if o.span.line == hold_line}
    assert holds == {("hold", "keep", True), ("track", "tier", False), ("group", "lines", False)}
    # the child's override is the parent's parameter
    (override,) = [o for o in session.index(workspace / "child.tier").occurrences if o.symbol.name == "pass_mark"]
    assert override.symbol.origin == str(workspace / "base.tier") and override.definition
    refs = session.references(override.symbol)
    assert {(Path(o.span.file).name, o.definition) for o in refs} == {("base.tier", True), ("base.tier", False), ("child.tier", True)}
    defs = session.definitions(workspace / "child.tier", override.symbol)
    assert [Path(o.span.file).name for o in defs] == ["child.tier", "base.tier"]  # the nearest first


def test_hover_words(workspace: Path):
    session = Session([workspace])
    program = session.program(workspace / "child.tier")
    occurrence = session.occurrence_at(workspace / "child.tier", *_at(CHILD, "pass_mark"))
    text = hover_text(occurrence.symbol, program)
    assert "**80** on 2025-01-01" in text and "S2 [C]" in text
    base = session.program(workspace / "base.tier")
    line = session.occurrence_at(workspace / "base.tier", *_at(PARENT, "sales_line"))
    text = hover_text(line.symbol, base)
    assert "At most 60 points" in text and "Only when" in text
    assert set(FUNCTION_DOCS) == set(FUNCTIONS)


def _labels(session: Session, path: Path, text: str, line: int, column: int) -> set[str]:
    session.open(path, text)
    return {i.label for i in complete(session.context(path), text, line, column, str(path))}


def test_completion_contexts(workspace: Path):
    session = Session([workspace])
    path = workspace / "base.tier"
    assert {"member", "gold"} <= _labels(session, path, PARENT, *_at(PARENT, "at gold", offset=3))
    assert {"north", "south"} <= _labels(session, path, PARENT, *_at(PARENT, "north", "region == north"))
    assert _labels(session, path, PARENT, *_at(PARENT, "lines", "at least one of lines")) >= {"lines"}
    assert {"deals", "sales", "region"} <= _labels(session, path, PARENT, *_at(PARENT, "deals = 10"))
    assert _labels(session, path, PARENT, *_at(PARENT, "member", "expect tier = member")) == {"member", "gold", "none"}
    typed = PARENT.replace("  expect tier = member\n", "  expect tier = member\n  expect tier.\n")
    assert _labels(session, path, typed, *_at(typed, ".", "expect tier.", 1)) == {"points"}
    # a status rule's tracks and groups
    typed = PARENT.replace("for tier, lines", "for tier, ")
    assert {"tier", "other", "lines"} <= _labels(session, path, typed, *_at(typed, "{", "hold keep"))
    # a new declaration's name: nothing to offer
    typed = PARENT + "\nmetric "
    assert _labels(session, path, typed, typed.count("\n") + 1, len("metric ") + 1) == set()
    # `override param ` offers the parent's parameters
    child = CHILD + "override param "
    got = _labels(session, workspace / "child.tier", child, child.count("\n") + 1, len("override param ") + 1)
    assert got == {"pass_mark", "bonus", "one"}
    # in a comment: nothing
    assert _labels(session, path, PARENT + "# dea", PARENT.count("\n") + 1, 6) == set()


def test_rename_refuses_clashes_and_keeps_the_column(workspace: Path):
    session = Session([workspace])
    path = str(workspace / "base.tier")
    deals = session.occurrence_at(path, *_at(PARENT, "deals", "metric deals"))
    with pytest.raises(RenameError, match="the metric 'sales' already exists"):
        rename(session, path, deals, "sales")
    with pytest.raises(RenameError, match="keyword"):
        rename(session, path, deals, "metric")
    with pytest.raises(RenameError, match="not a name"):
        rename(session, path, deals, "Deals")
    edits = rename(session, path, deals, "won_deals")
    assert sorted(e.text for e in edits).count("won_deals") == 4  # declaration, rule, partner, example
    (column,) = [e for e in edits if e.text != "won_deals"]
    assert column.text == ' { column "deals" }'  # the data column stays `deals`


def test_quick_fixes_and_source_actions(workspace: Path):
    session = Session([workspace])
    path = workspace / "base.tier"
    text = PARENT.replace("4 * deals", "4 * deal")
    session.open(path, text)
    (d,) = session.check(path).diagnostics[str(path)]
    (fix,) = quick_fixes(session, str(path), d.span, d.hint)
    assert fix.title == "Change 'deal' to 'deals'" and fix.edits[0].text == "deals"
    # `bonus` cites no source: add one, or mark it as an assumption
    actions = source_actions(session, str(path), _at(text, "param bonus")[0])
    assert [a.title for a in actions] == [
        "Add a source to parameter 'bonus'",
        "Mark parameter 'bonus' as an assumption (no source confirms it)",
    ]
    assert actions[0].edits[0].text == ' { source "" }'
    # a block on several lines gets the attribute on a line of its own
    line = _at(text, 'level gold "Gold"')[0]
    (action,) = source_actions(session, str(path), line + 1)
    assert action.title == "Add a source to level 'gold'" and action.edits[0].text == '\n    source ""'


LANGUAGE = """program fees "Fees" {
  version "1"
}

metric market "Market class": enum(mature, emerging)
metric adds "Net customer adds": count
metric pro "Pro people": count
metric tech "Technical people": count
param small_fee = 2_365 { source "S1 [C]" }

constraint pro_within "Pro people are technical people": pro <= tech { source "S1 [C]" }

table yearly_fee "Yearly fee": money USD {
  by market
  mature:   4_730
  emerging: small_fee
}

table funds "Marketing funds": money USD {
  by partner
  none:       0
  silver:   500
  gold:   2_500
}

track partner "Partner" {
  output fee "Yearly fee": money USD = yearly_fee
  output fund "Marketing funds": money USD = funds
  level silver {
    require adds >= 2
  }
  level gold {
    require adds >= 5 and pro >= 2
  }
}

example e {
  given { market = "mature", adds = 5, pro = 2, tech = 3 }
  expect partner = gold
  expect partner.fund = 2500 USD
}
"""


def test_constraints_tables_and_outputs_are_indexed(tmp_path: Path):
    from tierlang.lsp.outline import outline

    path = tmp_path / "fees.tier"
    path.write_text(LANGUAGE, encoding="utf-8")
    session = Session([tmp_path])
    assert session.check(path).diagnostics[str(path)] == []
    idx = session.index(path)
    kinds = {(o.symbol.kind, o.symbol.name, o.symbol.scope, o.definition) for o in idx.occurrences}
    assert {("constraint", "pro_within", (), True), ("metric", "pro", (), False), ("metric", "tech", (), False)} <= kinds
    assert {("table", "yearly_fee", (), True), ("table", "yearly_fee", (), False), ("table", "funds", (), False)} <= kinds
    assert ("enum", "emerging", ("market",), False) in kinds  # a band named by the key's value
    assert ("level", "gold", ("partner",), False) in kinds  # a band named by the key track's level
    assert ("param", "small_fee", (), False) in kinds  # a cell
    assert {("output", "fee", ("partner",), True), ("output", "fund", ("partner",), False)} <= kinds  # expect partner.fund
    # go to definition and references from a use
    use = session.occurrence_at(path, *_at(LANGUAGE, "yearly_fee", "output fee"))
    (definition,) = session.definitions(path, use.symbol)
    assert definition.span.line == _at(LANGUAGE, "yearly_fee", "table yearly_fee")[0]
    assert len(session.references(use.symbol)) == 2
    # hovers read as the guide does
    program = session.program(path)
    constraint = session.occurrence_at(path, *_at(LANGUAGE, "pro_within"))
    text = hover_text(constraint.symbol, program)
    assert "**constraint `pro_within`**: Pro people are technical people" in text
    assert "Every row of the data must meet it: Pro people is at most Technical people." in text and "S1 [C]" in text
    table = hover_text(use.symbol, program)
    assert "| mature | 4,730 USD |" in table and "| emerging | 2,365 USD (small_fee) |" in table and "Used by: Partner" in table
    output = session.occurrence_at(path, *_at(LANGUAGE, "fund", "expect partner.fund"))
    assert hover_text(output.symbol, program).startswith("**output `fund`** of Partner: Marketing funds\n\n`money USD` = ")
    # the outline nests outputs in their track
    shapes = {(o.kind, o.name): [(c.kind, c.name) for c in o.children] for o in outline(session.module(path), idx)}
    assert shapes[("constraint", "pro_within")] == [] and shapes[("table", "yearly_fee")] == []
    assert shapes[("track", "partner")][:2] == [("output", "fee"), ("output", "fund")]
    # renaming an output clashes with the track's other outputs and scores, and reaches expect
    with pytest.raises(RenameError, match="the output 'fee' already exists"):
        rename(session, str(path), output, "fee")
    assert len(rename(session, str(path), output, "funds")) == 2
    # constraints have a namespace of their own: one named like a metric leaves rules alone
    first = LANGUAGE.replace("metric market", "constraint adds: pro <= tech\n\nmetric market")
    session.open(path, first)
    assert session.check(path).diagnostics[str(path)] == []
    use = session.occurrence_at(path, *_at(first, "adds", "require adds >= 2"))
    assert (use.symbol.kind, use.symbol.name) == ("metric", "adds")


def test_completion_knows_constraints_tables_and_outputs(tmp_path: Path):
    path = tmp_path / "fees.tier"
    path.write_text(LANGUAGE, encoding="utf-8")
    session = Session([tmp_path])
    # a constraint reads metrics and parameters, not what the rules compute
    got = _labels(session, path, LANGUAGE, *_at(LANGUAGE, "tech {", "constraint pro_within"))
    assert {"pro", "tech", "small_fee"} <= got and not got & {"partner", "yearly_fee", "pro_within"}
    # a table's rows: its key's values; `by`: metrics and tracks
    assert {"mature", "emerging", "small_fee"} <= _labels(session, path, LANGUAGE, *_at(LANGUAGE, "emerging", "emerging:"))
    assert {"silver", "gold"} <= _labels(session, path, LANGUAGE, *_at(LANGUAGE, "gold", "gold:   2_500"))
    typed = LANGUAGE.replace("  by market\n", "  by \n")
    assert {"market", "partner"} <= _labels(session, path, typed, _at(typed, "by ", "  by ")[0], 6)
    # an output's formula reads tables; `expect TRACK.` offers outputs
    assert {"yearly_fee", "funds"} <= _labels(session, path, LANGUAGE, *_at(LANGUAGE, "yearly_fee", "output fee"))
    assert {"fee", "fund"} <= _labels(session, path, LANGUAGE, *_at(LANGUAGE, "fund", "expect partner.fund"))
    typed = LANGUAGE + "override constraint "
    assert _labels(session, path, typed, typed.count("\n") + 1, len("override constraint ") + 1) == {"pro_within"}
