"""`tier lsp` end to end: a scripted client (pytest-lsp) starts a real server subprocess and
talks to it over standard input and output, as an editor does. Each shipped program is opened,
edited into a typo and back, and every feature is asked for on it."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from tierlang.loader import load_program
from tierlang.lsp.session import Session
from tierlang.lsp.tokens import lex
from tierlang.syntax.formatter import format_module
from tierlang.syntax.parser import parse

from .lsp_helpers import PROGRAMS, SHIPPED, Editor, apply, scripted


def _codes(diags) -> Counter:
    return Counter((d.code, d.range.start.line) for d in diags)


def _name_tokens(paths: list[Path], name: str) -> set[tuple[str, int, int]]:
    """Where `name` is written as a name (not in a comment or string), by the compiler's lexer."""
    out = set()
    for p in paths:
        for t in lex(p.read_text(encoding="utf-8")):
            if t.text == name and t.type != "COMMENT":
                out.add((p.as_uri(), t.line - 1, t.column - 1))
    return out


@pytest.mark.parametrize("name", SHIPPED)
@scripted
async def test_shipped_program(client: LanguageClient, name: str):
    path = PROGRAMS / name
    session = Session([PROGRAMS])
    index = session.index(path)
    doc = Editor(client, path)

    # opened: the diagnostics `tier check` gives for this file
    expected = [d for d in load_program(path).diagnostics if d.span and Path(d.span.file).resolve() == path]
    want = Counter((d.code, d.span.line - 1) for d in expected)
    first = await doc.until(lambda diags: _codes(diags) == want)
    assert not [d for d in first if d.severity == lsp.DiagnosticSeverity.Error]

    # formatting gives what `tier fmt` gives
    edits = await client.text_document_formatting_async(lsp.DocumentFormattingParams(doc.ident(), lsp.FormattingOptions(2, True)))
    assert apply(doc.text, edits) == format_module(parse(doc.text, str(path)).module)

    ref = next((o for o in index.occurrences if o.symbol.kind == "metric" and not o.definition), None)
    if ref is None:
        # a file that only adds status rules to its parent (cloudpartner2022-enrolled.tier)
        # names no metric and no parameter of its own
        assert not [o for o in index.occurrences if o.symbol.kind == "param" and o.definition]
        return
    # a typo in a metric's name where a rule uses it: TL200 on that line, with a quick fix
    line, col = ref.span.line - 1, ref.span.end_column - 1
    doc.replace(line, col, col, "x")
    typo = await doc.diagnostics()
    # (what else fails because of it, examples say, follows)
    errors = [d for d in typo if d.severity == lsp.DiagnosticSeverity.Error and d.range.start.line == line]
    assert [d.code for d in errors] == ["TL200"]
    assert f"did you mean '{ref.symbol.name}'?" in errors[0].message
    assert errors[0].code_description is not None and errors[0].code_description.href.endswith("TL200.md")
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(doc.ident(), errors[0].range, lsp.CodeActionContext(diagnostics=errors))
    )
    fix = next(a for a in actions if a.diagnostics)
    assert fix.title == f"Change '{ref.symbol.name}x' to '{ref.symbol.name}'"

    # ... and back, through the quick fix: the diagnostics of the opened file again
    doc.edit(fix.edit.changes[doc.uri])
    assert doc.text == path.read_text(encoding="utf-8")
    await doc.until(lambda diags: _codes(diags) == want)

    # hover: a parameter's value and source (a file that restates only metrics, such as
    # mpn2010-records.tier, declares none), a metric's type, a track's levels
    param = next((o for o in index.occurrences if o.symbol.kind == "param" and o.definition), None)
    if param is not None:
        hover = await client.text_document_hover_async(lsp.HoverParams(doc.ident(), lsp.Position(param.span.line - 1, param.span.column)))
        assert f"parameter `{param.symbol.name}`" in hover.contents.value
        assert "Source:" in hover.contents.value or "Assumption" in hover.contents.value
    metric_hover = await client.text_document_hover_async(lsp.HoverParams(doc.ident(), lsp.Position(line, ref.span.column)))
    assert f"metric `{ref.symbol.name}`" in metric_hover.contents.value and "Type:" in metric_hover.contents.value

    # definition of the metric used in the rule: its declaration
    found = await client.text_document_definition_async(lsp.DefinitionParams(doc.ident(), lsp.Position(line, ref.span.column)))
    # (every declaration along the extends chain: an override and what it overrides)
    decls = session.definitions(path, ref.symbol)
    assert [(Path(loc.uri[7:]).resolve(), loc.range.start.line) for loc in found] == [(Path(d.span.file), d.span.line - 1) for d in decls]
    target = Path(decls[0].span.file).read_text(encoding="utf-8").split("\n")
    assert target[found[0].range.start.line].lstrip().startswith(("metric", "override metric"))

    # references: every place the name is written as a name in the program's family
    family = [Path(f) for f in session.family(ref.symbol.origin)]
    refs = await client.text_document_references_async(
        lsp.ReferenceParams(
            text_document=doc.ident(), position=lsp.Position(line, ref.span.column), context=lsp.ReferenceContext(include_declaration=True)
        )
    )
    assert {(r.uri, r.range.start.line, r.range.start.character) for r in refs} == _name_tokens(family, ref.symbol.name)

    # rename the parameter: every use follows, and the program still checks
    if param is None:
        return
    used = max(
        (o for o in index.occurrences if o.symbol.kind == "param" and o.definition),
        key=lambda o: len(session.references(o.symbol)),
    )
    new = used.symbol.name + "_renamed"
    prepared = await client.text_document_prepare_rename_async(
        lsp.PrepareRenameParams(doc.ident(), lsp.Position(used.span.line - 1, used.span.column))
    )
    assert prepared.placeholder == used.symbol.name
    edit = await client.text_document_rename_async(lsp.RenameParams(doc.ident(), lsp.Position(used.span.line - 1, used.span.column), new))
    renamed = {lsp_uri: apply(Path(lsp_uri[7:]).read_text(encoding="utf-8"), e) for lsp_uri, e in edit.changes.items()}
    assert sum(len(e) for e in edit.changes.values()) == len(_name_tokens(family, used.symbol.name)) > 1
    check = Session()
    for u, text in renamed.items():
        check.open(u[7:], text)
    assert not [d for d in check.check(path).diagnostics.get(str(path), []) if d.is_error]


@scripted
async def test_completion(client: LanguageClient):
    doc = Editor(client, PROGRAMS / "mspp2009.tier")
    await doc.diagnostics()

    async def labels(pos: lsp.Position) -> set[str]:
        result = await client.text_document_completion_async(lsp.CompletionParams(doc.ident(), pos))
        return {i.label for i in result.items}

    after_expect = doc.position("partner_level", after="expect partner_level = registered")
    assert "partner_level" in await labels(after_expect)
    assert {"nothing", "gold_at_120"} <= await labels(doc.position("nothing", after="given nothing with"))
    # in a requirement: metrics, parameters, functions and the keywords that start a condition
    require = doc.position("competencies_held", after="require competency:")
    got = await labels(require)
    assert {"competencies_held", "gold_certified_min_competencies", "max", "all", "any", "not"} <= got
    assert "require" not in got and "metric" not in got
    # after TRACK. : its scores; after SCORE. : its lines and categories
    doc.replace(require.line, require.character, require.character, "partner_level.")
    dotted = lsp.Position(require.line, require.character + len("partner_level."))
    assert await labels(dotted) == {"partner_points"}
    doc.replace(require.line, dotted.character, dotted.character, "partner_points.")
    parts = await labels(lsp.Position(require.line, dotted.character + len("partner_points.")))
    assert {"competencies", "first_competency", "csat", "band_5"} <= parts
    # a level's block takes `require`, `doc` and `source`, not `column`
    level = doc.position("{", after='level certified "Certified Partner" {')
    got = await labels(lsp.Position(level.line + 1, 0))
    assert {"require", "doc", "source"} <= got and "column" not in got


@scripted
async def test_utf16_columns(client: LanguageClient, tmp_path: Path):
    program = tmp_path / "emoji.tier"
    program.write_text('program emoji { version "1" effective 2024-01-01 }\nmetric sales: count\ngate g "🎉🎉 party": salse >= 1\n')
    doc = Editor(client, program)
    (error,) = await doc.diagnostics()
    line = doc.lines[2]
    # two emoji before the name: 2 characters, 4 UTF-16 units
    assert error.range.start == lsp.Position(2, line.index("salse") + 2)
    assert error.range.end.character - error.range.start.character == len("salse")
    hover = await client.text_document_hover_async(lsp.HoverParams(doc.ident(), lsp.Position(1, 8)))
    assert "metric `sales`" in hover.contents.value


@scripted
async def test_parent_edit_rechecks_child(client: LanguageClient):
    parent = Editor(client, PROGRAMS / "cloudpartner2022.tier")
    child = Editor(client, PROGRAMS / "cloudpartner2023.tier")
    await parent.diagnostics()
    before = await child.diagnostics()
    assert not [d for d in before if d.severity == lsp.DiagnosticSeverity.Error]
    # the parent, unsaved, loses a parameter that the child overrides
    at = parent.position("security_step1_gate_size", after="param security_step1_gate_size")
    parent.replace(at.line, at.character, at.character + len("security_step1_gate_size"), "security_step1_people")
    for _ in range(200):
        errors = [d for d in child.client.diagnostics.get(child.uri, []) if d.code == "TL222"]
        if errors:
            break
        await asyncio.sleep(0.05)
    assert errors and "security_step1_gate_size" in errors[0].message


@scripted
async def test_examples_in_place(client: LanguageClient):
    doc = Editor(client, PROGRAMS / "mspp2009.tier")
    await doc.diagnostics()
    lenses = await client.text_document_code_lens_async(lsp.CodeLensParams(doc.ident()))
    examples = [lens for lens in lenses if lens.command.arguments[1:]]
    assert len(examples) == sum(1 for line in doc.lines if line.startswith("example "))
    result = await client.workspace_execute_command_async(lsp.ExecuteCommandParams("tier.runExamples", [doc.uri]))
    assert result["failed"] == 0 and result["passed"] == len(examples)
    lenses = await client.text_document_code_lens_async(lsp.CodeLensParams(doc.ident()))
    assert client.lens_refreshes == 1 and lenses[1].command.title.startswith("✓ passed")
    # a wrong expectation fails at its line
    at = doc.position("= 0", after="expect partner_level.partner_points = 0")
    doc.replace(at.line, at.character + 2, at.character + 3, "7")
    await doc.diagnostics()
    result = await client.workspace_execute_command_async(lsp.ExecuteCommandParams("tier.runExamples", [doc.uri]))
    assert result["failed"] == 1
    for _ in range(100):
        failures = [d for d in client.diagnostics.get(doc.uri, []) if d.source == "tier test"]
        if failures:
            break
        await asyncio.sleep(0.02)
    assert [d.range.start.line for d in failures] == [at.line]
    assert "expects 7, got 0" in failures[0].message


@scripted
async def test_mapping_file(client: LanguageClient):
    mapping = PROGRAMS / "mappings" / "mpn2010-cloudpartner2022.tiermap"
    doc = Editor(client, mapping)
    assert await doc.diagnostics() == []
    at = doc.position("data_ai", after="-> data_ai")
    found = await client.text_document_definition_async(lsp.DefinitionParams(doc.ident(), at))
    target = PROGRAMS / "cloudpartner2022.tier"
    assert found[0].uri == target.as_uri()
    assert target.read_text().split("\n")[found[0].range.start.line].startswith("track data_ai")
    # and the program's track finds the mapping among its references
    program = Editor(client, target)
    await program.diagnostics()
    where = program.position("data_ai", after="track data_ai")
    refs = await client.text_document_references_async(
        lsp.ReferenceParams(text_document=program.ident(), position=where, context=lsp.ReferenceContext(include_declaration=False))
    )
    assert doc.uri in {r.uri for r in refs}


@scripted
async def test_outline_and_tokens(client: LanguageClient):
    doc = Editor(client, PROGRAMS / "mspp2009.tier")
    await doc.diagnostics()
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(doc.ident()))
    names = {s.name: s for s in symbols}
    assert {"mspp2009", "certified_min_points", "competencies_held", "partner_level", "gold_at_120"} <= set(names)
    track = names["partner_level"]
    assert {c.name for c in track.children} == {"partner_points", "registered", "certified", "gold_certified"}
    tokens = await client.text_document_semantic_tokens_full_async(lsp.SemanticTokensParams(doc.ident()))
    assert len(tokens.data) % 5 == 0 and len(tokens.data) > 1000
    folds = await client.text_document_folding_range_async(lsp.FoldingRangeParams(doc.ident()))
    assert any(f.start_line == track.range.start.line for f in folds)
