"""tierlang positions and diagnostics in the Language Server Protocol's terms.

A `Span` is 1-based with an exclusive end and counts characters (code points); an LSP
position is 0-based and counts UTF-16 code units unless the client agreed on another
encoding. A `Diagnostic` maps onto an LSP diagnostic field by field: its code links to the
code's page (docs/errors/TLxxx.md), its notes with a place become related information, its
hint is the message's last line and rides along in `data` for the quick fixes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

from lsprotocol import types as lsp
from pygls.uris import from_fs_path

from tierlang.diagnostics import Diagnostic, Severity
from tierlang.ir import Span

__all__ = ["Encoding", "to_position", "to_range", "from_position", "to_lsp_diagnostic", "docs_url", "uri"]

Encoding = lsp.PositionEncodingKind
_SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.NOTE: lsp.DiagnosticSeverity.Information,
}
#: Codes of findings about something never used: editors grey that text out.
_UNUSED = frozenset({"TL250", "TL251"})


def uri(path: str | os.PathLike) -> str:
    return from_fs_path(os.path.abspath(path)) or str(path)


def _units(text: str, encoding: Encoding) -> int:
    if encoding == Encoding.Utf16:
        return len(text.encode("utf-16-le")) // 2
    if encoding == Encoding.Utf8:
        return len(text.encode("utf-8"))
    return len(text)


def to_position(lines: list[str], line: int, column: int, encoding: Encoding = Encoding.Utf16) -> lsp.Position:
    """The LSP position of the 1-based (line, column); a column past the line's end (where
    tierlang points after the last character) stays past it."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    before = text[: column - 1]
    past = max(0, column - 1 - len(text))
    return lsp.Position(max(0, line - 1), _units(before, encoding) + past)


def to_range(span: Span, lines: list[str], encoding: Encoding = Encoding.Utf16) -> lsp.Range:
    return lsp.Range(to_position(lines, span.line, span.column, encoding), to_position(lines, span.end_line, span.end_column, encoding))


def from_position(lines: list[str], position: lsp.Position, encoding: Encoding = Encoding.Utf16) -> tuple[int, int]:
    """The 1-based (line, column) of an LSP position."""
    text = lines[position.line] if position.line < len(lines) else ""
    if encoding == Encoding.Utf32:
        return position.line + 1, min(position.character, len(text)) + 1
    units = 0
    for i, ch in enumerate(text):
        if units >= position.character:
            return position.line + 1, i + 1
        units += _units(ch, encoding)
    return position.line + 1, len(text) + 1


@cache
def _docs_dir() -> Path | None:
    here = Path(__file__).resolve()
    for candidate in (here.parents[1] / "docs" / "errors", here.parents[3] / "docs" / "errors"):
        if candidate.is_dir():
            return candidate
    return None


def docs_url(code: str, base: str | None = None) -> str | None:
    """The page that explains `code`: under `base` when given (a docs site), else the page
    shipped with tierlang (inside the package, or the checkout's docs/errors)."""
    if base:
        return base.rstrip("/") + f"/{code}.md"
    folder = _docs_dir()
    page = folder / f"{code}.md" if folder else None
    return uri(page) if page is not None and page.is_file() else None


def to_lsp_diagnostic(
    d: Diagnostic, lines_of: Callable[[str], list[str]], encoding: Encoding = Encoding.Utf16, docs_base: str | None = None
) -> lsp.Diagnostic:
    """`lines_of(path)` gives a file's lines (for UTF-16 columns); a span's file is a path."""
    span = d.span or Span("", 1, 1, 1, 1)
    lines = lines_of(span.file) if d.span else []
    message = d.message
    related = []
    for note in d.notes:
        if note.span is not None:
            related.append(
                lsp.DiagnosticRelatedInformation(
                    lsp.Location(uri(note.span.file), to_range(note.span, lines_of(note.span.file), encoding)), note.message
                )
            )
        else:
            message += f"\nnote: {note.message}"
    if d.hint:
        message += f"\nhelp: {d.hint}"
    href = docs_url(d.code, docs_base)
    return lsp.Diagnostic(
        range=to_range(span, lines, encoding),
        message=message,
        severity=_SEVERITY[d.severity],
        code=d.code,
        code_description=lsp.CodeDescription(href) if href else None,
        source="tier",
        related_information=related or None,
        tags=[lsp.DiagnosticTag.Unnecessary] if d.code in _UNUSED else None,
        data={"hint": d.hint} if d.hint else None,
    )
