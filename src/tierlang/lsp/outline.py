"""The shape of a file: its outline (document symbols), folding ranges, and the semantic
tokens that colour each name by what it names."""

from __future__ import annotations

from dataclasses import dataclass

from tierlang.ir import Span
from tierlang.lsp.index import DECLARATION_KINDS, FileIndex
from tierlang.lsp.tokens import Token, is_keyword
from tierlang.syntax import ast

__all__ = ["Outline", "outline", "folds", "TOKEN_TYPES", "TOKEN_MODIFIERS", "semantic_tokens"]


@dataclass
class Outline:
    name: str
    kind: str  # an index kind: metric, param, track, level ...
    detail: str | None
    span: Span  # the whole declaration
    name_span: Span  # its name
    children: list[Outline]


def outline(module: ast.Module, index: FileIndex) -> list[Outline]:
    """The declarations of `module`, nested as written (tracks hold their variants, scores,
    categories, lines and levels; related tables their columns and filters)."""
    names = {id(o.node): o.span for o in index.occurrences if o.definition and o.node is not None}

    def node(decl) -> Outline | None:
        kind = DECLARATION_KINDS.get(type(decl))
        if kind is None or decl.span is None:
            return None
        children = [c for c in (node(i) for i in getattr(decl, "items", None) or () if not isinstance(i, ast.Attr)) if c is not None]
        name_span = names.get(id(decl), decl.span)
        return Outline(decl.name, kind, getattr(decl, "title", None), decl.span, name_span, children)

    out = []
    for item in module.items:
        decl = item.decl if isinstance(item, ast.Override) else item
        o = node(decl)
        if o is not None:
            if isinstance(item, ast.Override):
                o.detail = "override" + (f": {o.detail}" if o.detail else "")
            out.append(o)
    return out


def folds(module: ast.Module, tokens: list[Token]) -> list[tuple[int, int, str | None]]:
    """(first line, last line, kind) to fold: declarations over several lines, doc strings,
    runs of comment lines. Lines are 1-based."""
    out: list[tuple[int, int, str | None]] = []

    def walk(decl) -> None:
        span = getattr(decl, "span", None)
        if span is not None and span.end_line > span.line and type(decl) in DECLARATION_KINDS:
            out.append((span.line, span.end_line, None))
        for i in getattr(decl, "items", None) or ():
            walk(i.decl if isinstance(i, ast.Override) else i)

    for item in module.items:
        walk(item.decl if isinstance(item, ast.Override) else item)
    run: list[Token] = []
    for t in tokens + [Token("END", "", 0, 1, 0, 1)]:
        if t.type == "LONG_STRING" and t.end_line > t.line:
            out.append((t.line, t.end_line, "comment"))
        if t.type == "COMMENT" and (not run or run[-1].line == t.line - 1):
            run.append(t)
            continue
        if len(run) > 1:
            out.append((run[0].line, run[-1].line, "comment"))
        run = [t] if t.type == "COMMENT" else []
    return sorted(out)


# ------------------------------------------------------------------ semantic tokens

TOKEN_TYPES = [
    "keyword",
    "string",
    "number",
    "comment",
    "operator",
    "variable",  # metric, parameter, table and list (readonly), sample partner
    "function",  # gate, built-in function, example, status rule, constraint, row filter
    "namespace",  # group
    "class",  # track
    "enumMember",  # level, enum value
    "property",  # score, category, points line, output, column
    "struct",  # variant
    "type",  # currency, program
]
TOKEN_MODIFIERS = ["declaration", "readonly", "documentation", "defaultLibrary"]

_SYMBOL_TYPE = {
    "metric": ("variable", ()),
    "param": ("variable", ("readonly",)),
    "partner": ("variable", ()),
    "gate": ("function", ()),
    "example": ("function", ()),
    "hold": ("function", ()),
    "constraint": ("function", ()),
    "table": ("variable", ("readonly",)),
    "list": ("variable", ("readonly",)),
    "output": ("property", ()),
    "column": ("property", ()),
    "filter": ("function", ()),
    "group": ("namespace", ()),
    "track": ("class", ()),
    "level": ("enumMember", ()),
    "enum": ("enumMember", ()),
    "score": ("property", ()),
    "category": ("property", ()),
    "line": ("property", ()),
    "variant": ("struct", ()),
    "program": ("type", ()),
}
_FUNCTIONS = frozenset(("min", "max", "clamp"))
_BUILTINS = frozenset(("as_of",))


def semantic_tokens(tokens: list[Token], index: FileIndex | None) -> list[tuple[Token, str, tuple[str, ...]]]:
    """Each token with its semantic type and modifiers, in order. Names that the index
    resolved are typed by what they name; a string after `doc` is documentation."""
    named = {}
    if index is not None:
        for o in index.occurrences:
            named.setdefault((o.span.line, o.span.column), o)
    out: list[tuple[Token, str, tuple[str, ...]]] = []
    previous: Token | None = None
    for t in tokens:
        o = named.get((t.line, t.column))
        if o is not None:
            kind, mods = _SYMBOL_TYPE[o.symbol.kind]
            out.append((t, kind, mods + (("declaration",) if o.definition else ())))
        elif t.type in ("STRING", "LONG_STRING"):
            out.append((t, "string", ("documentation",) if previous is not None and previous.type == "DOC" else ()))
        elif t.type in ("NUMBER", "DATE"):
            out.append((t, "number", ()))
        elif t.type == "COMMENT":
            out.append((t, "comment", ()))
        elif t.type == "CURRENCY":
            out.append((t, "type", ()))
        elif t.type == "NAME" and t.text in _FUNCTIONS:
            out.append((t, "function", ("defaultLibrary",)))
        elif t.type == "NAME" and t.text in _BUILTINS:
            out.append((t, "variable", ("readonly", "defaultLibrary")))
        elif is_keyword(t):
            out.append((t, "keyword", ()))
        elif t.type in ("CMP_OP", "PLUS", "MINUS", "STAR", "SLASH", "EQUAL"):
            out.append((t, "operator", ()))
        if t.type != "COMMENT":
            previous = t
    return out
