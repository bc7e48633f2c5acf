"""Edits the editor asks for: formatting, rename, and the quick fixes of code actions.

Every edit is a (span, new text) pair in tierlang's 1-based character columns; the server
turns them into LSP text edits in the client's position encoding.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from tierlang.ir import Span
from tierlang.lsp.index import DECLARATION_KINDS, GLOBAL_KINDS, KIND_WORDS, Occurrence, Symbol
from tierlang.lsp.session import Session
from tierlang.lsp.tokens import NAME, Token
from tierlang.syntax import ast
from tierlang.syntax.formatter import format_module
from tierlang.syntax.parser import keywords

__all__ = ["Edit", "Action", "RenameError", "format_text", "rename", "quick_fixes", "source_actions"]


@dataclass(frozen=True)
class Edit:
    span: Span  # span.file: the file's absolute path; an empty span inserts
    text: str


@dataclass(frozen=True)
class Action:
    title: str
    edits: tuple[Edit, ...]
    kind: str = "quickfix"
    diagnostic: object = None  # the diagnostic it fixes, as the client sent it
    preferred: bool = False


class RenameError(Exception):
    """Why a rename cannot be made (shown to the user)."""


def format_text(session: Session, path: str) -> str | None:
    """The file in the canonical layout (`tier fmt`), or None when it does not parse."""
    text = session.read(path)
    result = session.parsed(path)
    if text is None or result is None or result.module is None:
        return None
    return format_module(result.module) if text.strip() else text


# ------------------------------------------------------------------ rename


def _taken(session: Session, path: str, symbol: Symbol, new: str) -> str | None:
    """What already has the name `new` where `symbol` lives, if anything."""
    ctx = session.context(symbol.origin if not path.endswith(".tier") else path)
    if ctx is None:
        return None
    kind, scope = symbol.kind, symbol.scope
    if (kind in GLOBAL_KINDS or kind == "score") and new in ctx.globals:
        return f"the {KIND_WORDS[ast.DECL_KEYWORD[type(ctx.globals[new])]]} '{new}'"
    names: dict[str, list[str]] = {
        "level": [lv.name for lv in ctx.levels(scope[0])] if scope else [],
        "score": [*ctx.scores(scope[0]), *ctx.outputs(scope[0])] if scope else [],
        "variant": [v.name for v in ctx.variants(scope[0])] if scope else [],
        "category": list(ctx.parts(*scope)) if len(scope) == 2 else [],
        "line": list(ctx.parts(*scope)) if len(scope) == 2 else [],
        "partner": list(ctx.partners),
        "example": list(ctx.examples),
        "hold": list(ctx.holds),
        "constraint": list(ctx.constraints),
        "output": [*ctx.outputs(scope[0]), *ctx.scores(scope[0])] if scope else [],
        "enum": list(ctx.enum_scope_values(scope)),
    }
    if kind in ("column", "filter") and scope:  # a row condition reads both by one name
        for other, names in (("column", ctx.columns(scope[0])), ("filter", ctx.filters(scope[0]))):
            if new in names:
                return f"the {KIND_WORDS[other]} '{new}' of table '{scope[0]}'"
    if new in names.get(kind, ()):
        return f"the {KIND_WORDS[kind]} '{new}'"
    return None


def rename(session: Session, path: str, occurrence: Occurrence, new: str) -> list[Edit]:
    """Every edit that renames the symbol of `occurrence` to `new`, across the workspace."""
    symbol = occurrence.symbol
    if not NAME.fullmatch(new):
        raise RenameError(f"'{new}' is not a name: lower-case letters, digits and '_', starting with a letter")
    if new in keywords():
        raise RenameError(f"'{new}' is a keyword of the language")
    if new == symbol.name:
        return []
    taken = _taken(session, path, symbol, new)
    if taken is not None:
        raise RenameError(f"{taken} already exists: renaming {symbol.label} to '{new}' would clash")
    edits: dict[tuple, Edit] = {}
    for o in session.references(symbol) + [occurrence]:
        edits[(o.span.file, o.span.line, o.span.column)] = Edit(o.span, new)
    edits.update(_keep_column(session, symbol))
    return list(edits.values())


def _keep_column(session: Session, symbol: Symbol) -> dict[tuple, Edit]:
    """An input metric reads the column of its name unless it says `column`: renamed, it
    would read another column. Each declaration of it that does not say gets the old one."""
    if symbol.kind != "metric":
        return {}
    out = {}
    for f in session.family(symbol.origin):
        idx = session.index(f)
        for o in idx.of(symbol) if idx else ():
            decl = o.node
            if not o.definition or not isinstance(decl, ast.MetricDecl) or decl.expr is not None:
                continue
            if any(a.kind == "column" for a in decl.attrs or ()):
                continue
            edit = _insert_attr(session, f, decl, f'column "{symbol.name}"')
            if edit is not None:
                out[(edit.span.file, edit.span.line, edit.span.column, "column")] = edit
    return out


# ------------------------------------------------------------------ attributes


def _block_open(tokens: list[Token], span: Span) -> Token | None:
    """The `{` matching the `}` that ends the declaration at `span`, if it ends with one."""
    inside = [
        t
        for t in tokens
        if (span.line, span.column) <= (t.line, t.column) and (t.end_line, t.end_column) <= (span.end_line, span.end_column)
    ]
    if not inside or inside[-1].type != "RBRACE":
        return None
    depth = 0
    for t in reversed(inside):
        if t.type == "RBRACE":
            depth += 1
        elif t.type == "LBRACE":
            depth -= 1
            if depth == 0:
                return t
    return None


def _insert_attr(session: Session, path: str, decl, attr: str) -> Edit | None:
    span = decl.span
    if span is None:
        return None
    text = session.read(path) or ""
    lines = text.split("\n")
    brace = _block_open(session.tokens(path), span)
    if brace is None:  # no block yet: open one
        return Edit(Span(path, span.end_line, span.end_column, span.end_line, span.end_column), f" {{ {attr} }}")
    line = lines[brace.line - 1]
    at = Span(path, brace.line, brace.end_column, brace.line, brace.end_column)
    if line[brace.end_column - 1 :].strip():  # the block goes on on this line
        return Edit(at, f" {attr}")
    indent = re.match(r"\s*", lines[span.line - 1]).group()  # type: ignore[union-attr]
    return Edit(at, f"\n{indent}  {attr}")


#: The declarations that take attributes (`source`, `assumed`): all but sample partners and examples.
_ATTRIBUTED = {cls: kind for cls, kind in DECLARATION_KINDS.items() if kind not in ("partner", "example")}


def _declarations(items, line: int):
    """The declarations whose span holds `line`, outermost first."""
    for item in items:
        decl = item.decl if isinstance(item, ast.Override) else item
        span = getattr(decl, "span", None)
        if type(decl) not in _ATTRIBUTED or span is None or not span.line <= line <= span.end_line:
            continue
        yield decl
        yield from _declarations(getattr(decl, "items", None) or (), line)


def _attr_kinds(decl) -> set[str]:
    attrs = decl.attrs if hasattr(decl, "attrs") else tuple(i for i in decl.items or () if isinstance(i, ast.Attr))
    return {a.kind for a in attrs or ()}


def source_actions(session: Session, path: str, line: int) -> list[Action]:
    """For the innermost declaration at `line` that cites no source: add `source`; for a
    parameter that neither cites one nor says it is assumed: mark it as an assumption."""
    module = session.module(path)
    if module is None:
        return []
    found = list(_declarations(module.items, line))
    if not found:
        return []
    decl = found[-1]
    kind = _ATTRIBUTED[type(decl)]
    kinds = _attr_kinds(decl)
    out = []
    what = f"{KIND_WORDS[kind]} '{decl.name}'"
    if "source" not in kinds:
        edit = _insert_attr(session, path, decl, 'source ""')
        if edit is not None:
            out.append(Action(f"Add a source to {what}", (edit,)))
    if kind == "param" and not kinds & {"source", "assumed"}:
        edit = _insert_attr(session, path, decl, 'assumed ""')
        if edit is not None:
            out.append(Action(f"Mark {what} as an assumption (no source confirms it)", (edit,)))
    return out


# ------------------------------------------------------------------ did you mean

_SUGGESTION = re.compile(r"did you mean '([^']+)'\?")


def quick_fixes(session: Session, path: str, span: Span, hint: str | None, diagnostic: object = None) -> list[Action]:
    """ "Did you mean" fixes: the misspelt name inside the diagnostic's span becomes the name
    its hint suggests."""
    m = _SUGGESTION.search(hint or "")
    if m is None:
        return []
    better = m.group(1)
    candidates = [
        t
        for t in session.tokens(path)
        if t.is_name
        and t.text != better
        and (span.line, span.column) <= (t.line, t.column)
        and (t.end_line, t.end_column) <= (span.end_line, max(span.end_column, span.column + 1))
    ]
    if not candidates:
        return []
    wrong = max(candidates, key=lambda t: difflib.SequenceMatcher(None, t.text, better).ratio())
    edit = Edit(Span(path, wrong.line, wrong.column, wrong.end_line, wrong.end_column), better)
    return [Action(f"Change '{wrong.text}' to '{better}'", (edit,), diagnostic=diagnostic, preferred=True)]
