"""The per-declaration parse cache gives exactly what a whole parse gives, spans and
diagnostics included, whatever the edits."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierlang import ir
from tierlang.lsp.parsing import ParseCache, chunk_starts
from tierlang.syntax.parser import parse

PROGRAMS = Path(__file__).resolve().parents[2] / "programs"
TEXTS = {p.name: p.read_text(encoding="utf-8") for p in sorted(PROGRAMS.glob("*.tier"))}

#: Lines an editor passes through: half-typed declarations, open braces and strings.
SNIPPETS = [
    "",
    "metric x: count {",
    "param p = 1",
    "param d = 2023-13-01",
    "track t {",
    "}",
    "  level gold {",
    "  require a >= ",
    '"""',
    '  doc """\nmetric inside a doc string\n"""',
    "# a comment",
    "gate g: a and",
    "example e { given p",
    "metric",
    "x: points 3",
    "param big = " + "9" * 120,
]


def _dump(result) -> object:
    if result.module is None:
        return [(d.code, d.message, d.span, d.notes, d.hint) for d in result.diagnostics]
    comments = [(c.text, c.line, c.column, c.own_line) for c in result.module.comments]
    return ir.to_data(result.module, spans=True), comments


edit = st.tuples(
    st.sampled_from(["insert", "delete", "typo", "duplicate"]),
    st.floats(min_value=0, max_value=1, exclude_max=True),
    st.sampled_from(SNIPPETS),
    st.booleans(),  # keep the edit for the next step (else the step is undone)
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(TEXTS)), edits=st.lists(edit, min_size=1, max_size=4))
def test_same_as_whole_parse(name, edits):
    cache = ParseCache()
    lines = TEXTS[name].split("\n")
    assert _dump(cache.parse(TEXTS[name], name)) == _dump(parse(TEXTS[name], name))
    for op, where, snippet, keep in edits:
        n = int(where * len(lines))
        changed = list(lines)
        if op == "insert":
            changed.insert(n, snippet)
        elif op == "delete":
            del changed[n]
        elif op == "typo":
            changed[n] = changed[n].replace("e", "x", 1)
        else:
            changed.insert(n, changed[n])
        text = "\n".join(changed)
        assert _dump(cache.parse(text, name)) == _dump(parse(text, name)), (op, n, snippet)
        if keep:
            lines = changed


def test_an_edit_parses_one_declaration():
    cache = ParseCache()
    text = TEXTS["mpn2010.tier"]
    cache.parse(text, "p")
    before = dict(cache.stats)
    lines = text.split("\n")
    n = next(i for i, line in enumerate(lines) if line.startswith("param "))
    lines[n] = lines[n].replace("=", "= 1 +", 1)
    lines.insert(n + 1, "")  # and everything below moves down a line
    cache.parse("\n".join(lines), "p")
    assert cache.stats["chunks_parsed"] - before["chunks_parsed"] == 1
    assert cache.stats["chunks_reused"] - before["chunks_reused"] == len(chunk_starts(lines)[0]) - 1


def test_cuts_never_inside_strings():
    lines = ["program p {", '  doc """', "metric inside", '"""', "}", "metric m: count", 'param q = 1 { doc "metric" }']
    starts, ambiguous = chunk_starts(lines)
    assert starts == [0, 5, 6]
    assert ambiguous  # a declaration word at a line start inside a string: the whole parse may cut there
    assert chunk_starts(["metric a: count", 'param b = 1 { doc """x""" }', "metric c: count"]) == ([0, 1, 2], False)
