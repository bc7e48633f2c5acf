"""Completion: the keywords the grammar accepts at the cursor, and the names that fit there.

Which keywords fit is asked of the compiler's own LALR parser: the declaration around the
cursor, up to the word being typed, is fed to an interactive parse (`Lark.parse_interactive`)
and its acceptable terminals are read back, so the list follows grammars/tier.lark as it grows.
Attributes are narrowed to those the declaration takes (`passes.lower`'s table). Which names
fit is read from the tokens before the cursor: a track after `expect`, a sample partner after
`given`, a level after `TRACK at`, a group after `of`, a score (in `expect`, an output too)
after `TRACK.`, an enum value after `METRIC ==`, an input metric in a partner's values, a
table's keys after `by` and the bands its keys name in its rows, metrics and parameters in a
constraint, and otherwise whatever a rule can name (metrics, parameters, gates, tracks,
tables, the track's own scores, functions). In a row condition (a related table's `filter`, an
aggregate's `where` and `having`, a track per row) the table's columns and filters come first,
then parameters (a table whose new filter does not parse yet is read from the tokens above
it); lists follow `COLUMN in` (not for a date: a window goes there), and a column's values
`COLUMN ==` and `COLUMN in {` (those not written yet): an enum column's values, or the text
values the program's rules name for it; after an aggregate's `per`, the table's columns only.
After `count of`, `sum COLUMN of`, `assign COLUMN of` and `per COLUMN of` come related tables.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from lark.exceptions import LarkError
from lsprotocol import types as lsp

from tierlang.lsp.hover import BUILTIN_DOCS, FUNCTION_DOCS
from tierlang.lsp.index import GLOBAL_KINDS, KIND_WORDS, Context
from tierlang.lsp.parsing import chunk_starts
from tierlang.lsp.tokens import Token, lex
from tierlang.passes.lower import _ALLOWED_ATTRS  # which attributes each declaration takes
from tierlang.syntax import ast
from tierlang.syntax.parser import ATTRIBUTE_KEYWORDS, parse, parser

__all__ = ["complete", "keywords_accepted"]

_ITEM_KIND = {
    "metric": lsp.CompletionItemKind.Variable,
    "param": lsp.CompletionItemKind.Constant,
    "gate": lsp.CompletionItemKind.Interface,
    "group": lsp.CompletionItemKind.Module,
    "track": lsp.CompletionItemKind.Class,
    "level": lsp.CompletionItemKind.EnumMember,
    "score": lsp.CompletionItemKind.Field,
    "category": lsp.CompletionItemKind.Field,
    "line": lsp.CompletionItemKind.Field,
    "variant": lsp.CompletionItemKind.Struct,
    "partner": lsp.CompletionItemKind.Value,
    "example": lsp.CompletionItemKind.Event,
    "hold": lsp.CompletionItemKind.Property,
    "table": lsp.CompletionItemKind.Constant,
    "list": lsp.CompletionItemKind.Constant,
    "column": lsp.CompletionItemKind.Field,
    "filter": lsp.CompletionItemKind.Property,
    "value": lsp.CompletionItemKind.Value,
    "constraint": lsp.CompletionItemKind.Interface,
    "output": lsp.CompletionItemKind.Field,
    "enum": lsp.CompletionItemKind.EnumMember,
    "function": lsp.CompletionItemKind.Function,
    "file": lsp.CompletionItemKind.File,
}
#: The keyword of each declaration whose `{ ... }` can hold attributes, and its row in
#: `_ALLOWED_ATTRS`; a points line's block is opened after `points`.
_OWNERS = {
    "PROGRAM": "program",
    "METRIC": "metric",
    "PARAM": "param",
    "GATE": "gate",
    "GROUP": "group",
    "TRACK": "track",
    "VARIANT": "variant",
    "LEVEL": "level",
    "SCORE": "score",
    "CATEGORY": "category",
    "POINTS": "line",
    "HOLD": "hold",
    "CONSTRAINT": "constraint",
    "TABLE": "table",
    "OUTPUT": "output",
}
_BRACE_OWNERS = set(_OWNERS) | {"PARTNER", "EXAMPLE", "GIVEN", "WITH", "ALL", "ANY", "OF"}
_ATTR_NAME = {"higher": "direction", "lower": "direction", "from": "dated"}
_DECLARING = {
    "METRIC",
    "PARAM",
    "GATE",
    "GROUP",
    "TRACK",
    "PARTNER",
    "EXAMPLE",
    "HOLD",
    "LEVEL",
    "SCORE",
    "CATEGORY",
    "VARIANT",
    "PROGRAM",
    "CONSTRAINT",
    "TABLE",
    "OUTPUT",
}


@dataclass
class _Item:
    label: str
    kind: str
    detail: str | None = None
    doc: str | None = None
    insert: str | None = None


def keywords_accepted(prefix: str) -> set[str] | None:
    """The terminal names the grammar accepts after `prefix` (None: the prefix has an error)."""
    try:
        ip = parser().parse_interactive(prefix)
        ip.exhaust_lexer()
        return set(ip.accepts())
    except LarkError:
        return None


def _keyword_texts() -> dict[str, str]:
    return {t.name: t.pattern.value for t in parser().terminals if t.pattern.type == "str" and t.pattern.value.isalpha()}


def _owners(tokens: list[Token]) -> list[str]:
    """The keyword owning each `{` still open at the end of `tokens`, innermost last."""
    stack: list[str] = []
    owner = ""
    for t in tokens:
        if t.type in _BRACE_OWNERS:
            owner = t.type
        elif t.type == "LBRACE":
            stack.append(owner)
            owner = ""
        elif t.type == "RBRACE" and stack:
            stack.pop()
    return stack


def _dotted_before(tokens: list[Token]) -> tuple[list[str], int]:
    """The names of `a.b.` ending `tokens` (which ends with a DOT), and where they start."""
    parts: list[str] = []
    i = len(tokens) - 1
    while i >= 1 and tokens[i].type == "DOT" and tokens[i - 1].type == "NAME":
        parts.insert(0, tokens[i - 1].text)
        i -= 2
    return parts, i + 1


def _hold_targets(tokens: list[Token]) -> bool:
    """Whether `tokens` end inside `hold NAME for TRACK-OR-GROUP, ...`, where a target goes."""
    i = len(tokens) - 1
    if i < 0 or tokens[i].type not in ("FOR", "COMMA"):
        return False
    while i >= 0 and tokens[i].type in ("NAME", "COMMA"):
        i -= 1
    return i >= 0 and tokens[i].type == "FOR"


def _declaration(tokens: list[Token]) -> str:
    """The keyword of the declaration `tokens` are in (after `override`), e.g. "CONSTRAINT"."""
    i = 1 if tokens and tokens[0].type == "OVERRIDE" else 0
    return tokens[i].type if len(tokens) > i else ""


def _in_output(tokens: list[Token]) -> bool:
    """Whether `tokens` end in a track's `output NAME: TYPE = ...`, where a formula goes."""
    for t in reversed(tokens):
        if t.type == "OUTPUT":
            return True
        if t.type in ("LBRACE", "RBRACE", "EXPECT"):
            return False
    return False


def _table_names(ctx: Context, tokens: list[Token]) -> list[_Item]:
    """Inside a table's braces: after `by`, what a table is looked up by (metrics, tracks);
    else the bands its keys name (enum values, levels) and parameters for band ends and cells."""
    keys: list[str] = []
    after_by = False
    for t in tokens[next((i for i, t in enumerate(tokens) if t.type == "LBRACE"), len(tokens)) :]:
        if t.type == "BY":
            after_by = True
        elif after_by and t.type == "NAME":
            keys.append(t.text)
        elif after_by and t.type != "COMMA":
            after_by = False
    if tokens and (tokens[-1].type == "BY" or (tokens[-1].type == "COMMA" and after_by)):
        return _globals(ctx, ("metric", "track"))
    out = []
    for key in keys:
        if key in ctx.tracks:
            out += _symbol_items(ctx, "level", [lv.name for lv in ctx.levels(key)])
        else:
            out += _symbol_items(ctx, "enum", ctx.enum_values(key))
    return out + _globals(ctx, ("param",))


def _row_table(ctx: Context, tokens: list[Token]) -> tuple[str, Context] | None:
    """The related table whose rows the condition being typed reads: the nearest `of TABLE`
    (an aggregate, an assignment, a track per row) or `table TABLE {` (its filters), with the
    context that knows it; None outside a row condition (in a metric's attributes, say)."""
    owners = _owners(tokens)
    if owners and owners[-1] in ("METRIC", "TRACK", "PROGRAM"):
        return None
    for a, b in zip(reversed(tokens[:-1]), reversed(tokens[1:])):
        if a.type in ("OF", "TABLE") and b.type == "NAME" and b.text in ctx.tables:
            return b.text, ctx
        if a.type == "TABLE" and b.type == "NAME" and owners == ["TABLE"]:  # a new filter of a table that does not parse
            decl = _table_so_far(tokens)
            return (b.text, ctx.with_table(decl)) if decl is not None else None
    return None


def _table_so_far(tokens: list[Token]) -> ast.RelatedTableDecl | None:
    """The related table `tokens` declare, up to the item being typed (its columns and the
    filters before it)."""
    depth, cut = 0, None
    for i, t in enumerate(tokens):
        depth += (t.type == "LBRACE") - (t.type == "RBRACE")
        if depth == 1 and t.type in ("COLUMN", "FILTER", "KEY"):
            cut = i
    if cut is None:
        return None
    module = parse(" ".join(t.text for t in tokens[:cut]) + " }").module
    decl = module.items[0] if module is not None and module.items else None
    return decl if isinstance(decl, ast.RelatedTableDecl) else None


def _table_expected(tokens: list[Token]) -> bool:
    """Whether `tokens` end with the `of` of an aggregate, an assignment or a track per row
    (`count of`, `sum (max x) of`, `count distinct x of`, `assign x of`, `per x of`), where a
    related table goes, rather than the `of` of `at least N of GROUP`."""
    if len(tokens) < 2 or tokens[-1].type != "OF":
        return False
    before = tokens[-2]
    if before.type in ("COUNT", "RPAR"):
        return True
    return before.type == "NAME" and len(tokens) > 2 and tokens[-3].type in ("DISTINCT", "SUM", "MIN", "MAX", "ASSIGN", "PER")


def _value_set(tokens: list[Token]) -> tuple[str, set[str]] | None:
    """The column of `COLUMN [not] in { ...` when `tokens` end inside that set, and the
    values written in it so far."""
    i = len(tokens) - 1
    while i >= 0 and tokens[i].type in ("STRING", "NAME", "COMMA"):
        i -= 1
    if i < 2 or tokens[i].type != "LBRACE" or tokens[i - 1].type != "IN":
        return None
    j = i - 2 if tokens[i - 2].type != "NOT" else i - 3
    if j < 0 or tokens[j].type != "NAME":
        return None
    return tokens[j].text, {t.text for t in tokens[i + 1 :] if t.type != "COMMA"}


_NUMERIC_COLUMNS = frozenset({"count", "number", "percent", "money"})
# what each aggregate word takes (passes/records.py `_agg`): sum numbers, min and max numbers
# or dates, count distinct anything
_AGGREGATES = {"SUM": _NUMERIC_COLUMNS, "MIN": _NUMERIC_COLUMNS | {"date", "month"}, "MAX": _NUMERIC_COLUMNS | {"date", "month"}}


def _group_columns(tokens: list[Token]) -> list[str] | None:
    """The `per` columns when `tokens` end in a `having` condition, outside the `where` of an
    aggregate written in it (`(count where ...)`, a row condition again); else None."""
    depth = 0
    for i in range(len(tokens) - 1, -1, -1):
        kind = tokens[i].type
        if kind == "RPAR":
            depth += 1
        elif kind == "LPAR":
            depth = max(0, depth - 1)
        elif depth == 0 and kind in ("WHERE", "LBRACE", "RBRACE", "OF", "PER"):
            return None
        elif depth == 0 and kind == "HAVING":
            j = i - 1
            while j > 0 and tokens[j].type in ("NAME", "COMMA"):
                j -= 1
            return [t.text for t in tokens[j + 1 : i] if t.type == "NAME"] if tokens[j].type == "PER" else None
    return None


def _group_names(ctx: Context, table: str, group: list[str], tokens: list[Token]) -> list[_Item]:
    """What a `having` condition reads (passes/records.py, the group scope): after an
    aggregate word the columns it takes, else the `per` columns, `as_of` and parameters (a
    filter is about one row, and another column differs between the group's rows)."""
    columns = ctx.columns(table)
    last = tokens[-1]
    if last.type in _AGGREGATES or last.type == "DISTINCT":
        kinds = _AGGREGATES.get(last.type)
        return [
            _Item(n, "column", "column" + (f": {c.title}" if c.title else ""))
            for n, c in columns.items()
            if kinds is None or c.type.kind in kinds
        ]
    keys = [_Item(n, "column", "column" + (f": {c.title}" if c.title else "")) for n, c in columns.items() if n in group]
    builtins = [_Item(n, "param", "the evaluation date", doc) for n, doc in BUILTIN_DOCS.items() if n not in columns]
    return keys + builtins + _globals(ctx, ("param",))


def _row_names(ctx: Context, table: str, tokens: list[Token]) -> list[_Item] | None:
    """The names that fit in a row condition of `table` (None: not at a name's place)."""
    last = tokens[-1] if tokens else None
    before = tokens[-2] if len(tokens) > 1 else None
    column, written = _value_set(tokens) or (None, set())
    if column is None and last is not None and last.type == "CMP_OP" and before is not None and before.type == "NAME":
        column = before.text
    columns = ctx.columns(table)
    group = _group_columns(tokens)
    if group is not None and column not in group and last is not None and last.type != "IN":
        # (a `per` column's values, and lists after `in`, fit as in a row condition)
        return None if last.type in ("OF", "DOT") else _group_names(ctx, table, group, tokens)
    if column is not None and column in columns:
        enum = columns[column].type.kind == "enum"
        shown = [v if enum else f'"{v}"' for v in ctx.column_values(table, column)]
        return [_Item(v, "value", f"value of {table}.{column}") for v in shown if v not in written]
    if last is not None and last.type == "IN":
        column = before.text if before is not None and before.type == "NAME" else None
        dated = column in columns and columns[column].type.kind in ("date", "month")  # a window goes there
        return [] if dated else _globals(ctx, ("list",))
    if last is not None and last.type in ("OF", "DOT"):
        return None
    columns = [_Item(n, "column", "column" + (f": {c.title}" if c.title else "")) for n, c in ctx.columns(table).items()]
    i = len(tokens) - 1
    while i > 0 and tokens[i].type in ("NAME", "COMMA"):
        i -= 1
    if tokens[i].type == "PER" and last.type in ("PER", "COMMA"):  # `per a, b`: columns only
        return columns
    filters = [_Item(n, "filter", "row filter" + (f": {f.title}" if f.title else "")) for n, f in ctx.filters(table).items()]
    builtins = [_Item(n, "param", "the evaluation date", doc) for n, doc in BUILTIN_DOCS.items() if n not in columns]
    return columns + filters + builtins + _globals(ctx, ("param",))


def _current_track(tokens: list[Token]) -> str | None:
    for a, b in zip(tokens, tokens[1:]):
        if a.type == "TRACK" and b.is_name:
            return b.text
    return None


def complete(ctx: Context | None, text: str, line: int, column: int, path: str | None = None) -> list[lsp.CompletionItem]:
    """Completion items at the 1-based (line, column) of `text`."""
    lines = text.split("\n")
    if not 0 < line <= len(lines):
        return []
    current = lines[line - 1][: column - 1]
    word = re.search(r"[a-z0-9_]*$", current).group()  # type: ignore[union-attr]
    starts, _ = chunk_starts(lines[:line])
    first = starts[-1]
    prefix = "\n".join(lines[first : line - 1] + [current[: len(current) - len(word)]])
    tokens = lex(prefix)
    if tokens and tokens[-1].type == "COMMENT" and tokens[-1].line == line - first:
        return []
    if re.search(r'"(?:[^"\\]|\\.)*$', current[: len(current) - len(word)]) and current.count('"') % 2 == 1:
        return _files(tokens, path, current)
    tokens = [t for t in tokens if t.type != "COMMENT"]
    accepts = keywords_accepted(prefix)
    items = _names(ctx, tokens, accepts) if accepts is None or "NAME" in accepts else []
    if not (items and _expects_level(tokens)):  # `expect TRACK = `: a level or `none`, no literal
        items += _keywords(accepts, tokens)
    return [_to_lsp(i, n) for n, i in enumerate(items)]


def _to_lsp(item: _Item, order: int) -> lsp.CompletionItem:
    return lsp.CompletionItem(
        label=item.label,
        kind=_ITEM_KIND.get(item.kind, lsp.CompletionItemKind.Keyword),
        detail=item.detail,
        documentation=lsp.MarkupContent(lsp.MarkupKind.Markdown, item.doc) if item.doc else None,
        insert_text=item.insert,
        sort_text=f"{order:05d}",
    )


def _keywords(accepts: set[str] | None, tokens: list[Token]) -> list[_Item]:
    if not accepts:
        return []
    words = _keyword_texts()
    owners = _owners(tokens)
    allowed = _ALLOWED_ATTRS.get(_OWNERS.get(owners[-1], ""), None) if owners else None
    out = []
    for terminal in sorted(accepts, key=lambda t: words.get(t, "")):
        word = words.get(terminal)
        if word is None:
            continue
        if word in ATTRIBUTE_KEYWORDS and allowed is not None and _ATTR_NAME.get(word, word) not in allowed:
            continue
        out.append(_Item(word, "keyword", "keyword"))
    return out


def _symbol_items(ctx: Context, kind: str, names) -> list[_Item]:
    out = []
    for name in names:
        decl = ctx.globals.get(name) if kind in GLOBAL_KINDS else None
        title = getattr(decl, "title", None)
        out.append(_Item(name, kind, f"{KIND_WORDS[kind]}" + (f": {title}" if title else "")))
    return out


def _globals(ctx: Context, kinds: tuple[str, ...]) -> list[_Item]:
    out = []
    for name, decl in ctx.globals.items():
        kind = ast.DECL_KEYWORD[type(decl)]
        if kind in kinds:
            out.extend(_symbol_items(ctx, kind, [name]))
    return out


def _names(ctx: Context | None, tokens: list[Token], accepts: set[str] | None) -> list[_Item]:
    if ctx is None:
        return []
    last = tokens[-1] if tokens else None
    before = tokens[-2] if len(tokens) > 1 else None
    kind = last.type if last else ""
    if kind in _DECLARING:
        if before is not None and before.type in ("OVERRIDE", "REMOVE"):
            word = last.text  # type: ignore[union-attr]
            local = {"partner": ctx.partners, "example": ctx.examples, "hold": ctx.holds, "constraint": ctx.constraints}
            if word in local:
                return _symbol_items(ctx, word, local[word])
            return _globals(ctx, (word,))
        return []  # a new name is being declared
    if kind == "DOT":
        return _dotted(ctx, tokens)
    if _table_expected(tokens):
        return _symbol_items(ctx, "table", ctx.tables)
    rows = _row_table(ctx, tokens)
    if rows is not None:
        found = _row_names(rows[1], rows[0], tokens)
        if found is not None:
            return found
    if kind == "GIVEN":
        return _symbol_items(ctx, "partner", ctx.partners)
    if kind in ("EXPECT", "STATUS"):
        return _globals(ctx, ("track",))
    if kind in ("OF", "IN"):
        return _globals(ctx, ("group",))
    if _hold_targets(tokens):
        return _globals(ctx, ("track", "group"))
    if kind == "AT" and before is not None and before.type == "NAME":
        i = len(tokens) - 2
        if i >= 1 and tokens[i - 1].type == "OF":
            tracks = ctx.group_members.get(before.text, [])
        else:
            tracks = [before.text]
        names = list(dict.fromkeys(lv.name for t in tracks for lv in ctx.levels(t)))
        return _symbol_items(ctx, "level", names)
    if kind in ("CHOOSE", "ELSE"):
        track = _current_track(tokens)
        return _symbol_items(ctx, "variant", [v.name for v in ctx.variants(track)] if track else [])
    if kind == "EQUAL" and not _in_output(tokens):
        return _after_equal(ctx, tokens)
    owners = _owners(tokens)
    if owners and owners[-1] == "TABLE":
        return _table_names(ctx, tokens)
    if _declaration(tokens) == "CONSTRAINT" and not owners:
        # a constraint is about the data: it reads metrics and parameters, not the rules
        return _globals(ctx, ("metric", "param"))
    if owners and owners[-1] in ("PARTNER", "WITH", "GIVEN") and kind in ("LBRACE", "COMMA"):
        inputs = [n for n, m in ctx.metrics.items() if m.expr is None]
        return _symbol_items(ctx, "metric", inputs)
    out = []
    if kind == "CMP_OP" and before is not None and before.type == "NAME":
        out += _symbol_items(ctx, "enum", ctx.enum_values(before.text))
    track = _current_track(tokens)
    if track is not None:
        out += _symbol_items(ctx, "score", ctx.scores(track))
    out += _globals(ctx, ("metric", "param", "gate", "track", "table"))
    out += [_Item(f, "function", "function", doc) for f, doc in FUNCTION_DOCS.items()]
    return out


def _dotted(ctx: Context, tokens: list[Token]) -> list[_Item]:
    parts, start = _dotted_before(tokens)
    if not parts:
        return []
    expect = start > 0 and tokens[start - 1].type == "EXPECT"
    head = parts[0]
    track = head if head in ctx.tracks else _current_track(tokens)
    rest = parts[1:] if head in ctx.tracks else parts
    if track is None:
        return []
    if not rest:
        items = _symbol_items(ctx, "score", ctx.scores(track))
        if expect:  # `expect TRACK.OUTPUT = amount`
            items += _symbol_items(ctx, "output", ctx.outputs(track))
        if expect and ctx.variants(track):
            items.append(_Item("variant", "keyword", "the variant the partner is scored on"))
        return items
    if len(rest) == 1 and rest[0] in ctx.scores(track):
        parts_ = ctx.parts(track, rest[0])
        return [
            _Item(n, "category" if isinstance(d, ast.CategoryDecl) else "line", KIND_WORDS["line"] + (f": {d.title}" if d.title else ""))
            for n, d in parts_.items()
        ]
    return []


def _expect_path(tokens: list[Token]) -> list[str] | None:
    """The path of `expect PATH =` when `tokens` end with it."""
    if not tokens or tokens[-1].type != "EQUAL":
        return None
    i = len(tokens) - 2
    path: list[str] = []
    while i >= 0 and tokens[i].type in ("NAME", "DOT"):
        if tokens[i].type != "DOT":
            path.insert(0, tokens[i].text)
        i -= 1
    return path if i >= 0 and tokens[i].type == "EXPECT" and path else None


def _expects_level(tokens: list[Token]) -> bool:
    path = _expect_path(tokens)
    return path is not None and (len(path) == 1 or path[1:] == ["variant"])


def _after_equal(ctx: Context, tokens: list[Token]) -> list[_Item]:
    """After `expect PATH =` (levels, variants) or `METRIC =` in a partner's values."""
    path = _expect_path(tokens)
    if path is not None and path[0] in ctx.tracks:
        if len(path) == 1:
            return _symbol_items(ctx, "level", [lv.name for lv in ctx.levels(path[0])]) + [_Item("none", "keyword", "no level")]
        if path[1:] == ["variant"]:
            return _symbol_items(ctx, "variant", [v.name for v in ctx.variants(path[0])])
        return []
    metric = tokens[-2].text if len(tokens) > 1 and tokens[-2].type == "NAME" else None
    return [_Item(f'"{v}"', "enum", f"value of {metric}") for v in ctx.enum_values(metric)] if metric else []


def _files(tokens: list[Token], path: str | None, current: str) -> list[lsp.CompletionItem]:
    """Inside `extends "...`: the program files next to this one."""
    if path is None or not tokens or tokens[-1].type != "EXTENDS":
        return []
    folder = os.path.dirname(path)
    names = sorted(f for f in os.listdir(folder) if f.endswith(".tier") and os.path.join(folder, f) != path)
    return [_to_lsp(_Item(n, "file", "program file"), i) for i, n in enumerate(names)]
