"""Diagnostics: one type for every problem tierlang reports, and its renderers.

A `Diagnostic` has a stable code (TL1xx syntax, TL2xx names and types, TL3xx ladder and
monotonicity, TL4xx data, TL5xx mapping files), a severity, a primary span, optional secondary spans (notes)
and a hint. Renderers: human (source line with a caret), gnu (`file:line:col: severity:
message`) and json.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import field, replace
from enum import StrEnum

from tierlang.ir import Span, frozen
from tierlang.terminal import visible

__all__ = [
    "complete",
    "decode_source",
    "Deferred",
    "did_you_mean",
    "Diagnostic",
    "Note",
    "Severity",
    "display_name",
    "SourceMap",
    "has_errors",
    "render",
    "render_human",
    "render_gnu",
    "render_json",
    "sort_key",
]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@frozen
class Note:
    """A secondary message, optionally pointing at another place in the source."""

    message: str
    span: Span | None = None


@frozen
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span | None = None
    notes: tuple[Note, ...] = ()
    hint: str | None = None
    # Extra machine-readable detail (e.g. a monotonicity witness); rendered in JSON only.
    data: Mapping[str, object] | None = field(default=None, compare=False)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


@frozen
class Deferred(Diagnostic):
    """A diagnostic whose detail (notes, data) a check works out only when it is asked for:
    `complete` it before showing it. A monotonicity finding the program acknowledges is one
    (its witness search is most of a check's time, and `tier check` only counts it)."""

    detail: Callable[[], Diagnostic] | None = field(default=None, compare=False, repr=False)


def complete(d: Diagnostic) -> Diagnostic:
    """`d` whole: a `Deferred` one's full diagnostic, with the data given to the deferred one
    since (an acknowledgement's reason); any other as it is."""
    if not isinstance(d, Deferred) or d.detail is None:
        return d
    full = d.detail()
    return replace(full, data={**(full.data or {}), **(d.data or {})})


def error(code: str, message: str, span: Span | None = None, **kw) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, span, **kw)


def warning(code: str, message: str, span: Span | None = None, **kw) -> Diagnostic:
    return Diagnostic(code, Severity.WARNING, message, span, **kw)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def sort_key(d: Diagnostic) -> tuple:
    s = d.span
    return (s.file, s.line, s.column, d.code) if s else ("", 0, 0, d.code)


class SourceMap:
    """Source text by file name, so renderers can show the offending line."""

    def __init__(self, texts: Mapping[str, str] | None = None) -> None:
        #: A file's text, split into lines when one is first asked for (most loads show none)
        self._lines: dict[str, str | list[str]] = {}
        for name, text in (texts or {}).items():
            self.add(name, text)

    def add(self, name: str, text: str) -> None:
        self._lines[name] = text

    def update(self, other: SourceMap) -> None:
        self._lines.update(other._lines)

    def line(self, name: str, lineno: int) -> str | None:
        lines = self._lines.get(name)
        if isinstance(lines, str):
            lines = self._lines[name] = lines.splitlines()
        if lines is None or not 1 <= lineno <= len(lines):
            return None
        return lines[lineno - 1]


_BOM = b"\xef\xbb\xbf"


def decode_source(raw: bytes, name: str, code: str = "TL101") -> tuple[str, Diagnostic | None]:
    """A source file's bytes as text: UTF-8, a leading byte-order mark skipped (editors hide
    it, so line and column numbers count without it). Bytes that are not UTF-8 give a
    `code` diagnostic at the line and column of the first bad byte, and the text decoded
    with replacement characters, for showing that line."""
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as e:
        before = raw[: e.start].decode("utf-8")
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        diag = error(
            code,
            f"the file is not UTF-8 text: byte 0x{raw[e.start]:02x} here is not valid UTF-8",
            Span(name, line, column, line, column + 1),
            hint="save the file as UTF-8",
        )
        return raw.decode("utf-8", errors="replace"), diag


def did_you_mean(name: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """A "did you mean 'x'?" hint naming the candidate closest to a misspelt `name`, if any is close."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=cutoff)
    return f"did you mean '{close[0]}'?" if close else None


def display_name(path: os.PathLike | str) -> str:
    """How a file is named in messages: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def _location(span: Span | None) -> str:
    return f"{span.file}:{span.line}:{span.column}" if span else "<unknown>"


#: A source line longer than this is shown as the part around what a message marks, starting
#: up to `SNIPPET_CONTEXT` characters before it.
SNIPPET_WIDTH = 120
SNIPPET_CONTEXT = 40


def _snippet(span: Span, sources: SourceMap, label: str = "") -> list[str]:
    text = sources.line(span.file, span.line)
    if text is None:
        return []
    text = text.expandtabs(4)
    gutter = str(span.line)
    pad = " " * len(gutter)
    width = 1
    if span.end_line == span.line and span.end_column > span.column:
        width = span.end_column - span.column
    elif span.end_line > span.line:  # a span over several lines: mark the rest of its first
        width = len(text.rstrip()) - span.column + 1
    width = max(1, min(width, len(text) - span.column + 2))
    start, lead, tail = span.column - 1, "", ""
    if len(text) > SNIPPET_WIDTH:
        # only the part around the mark (a 400-way `choose` on one line, printed whole in each
        # of its 400 warnings, made the output grow with the square of the program)
        width = min(width, SNIPPET_WIDTH - SNIPPET_CONTEXT)
        lo = max(0, start - SNIPPET_CONTEXT)
        hi = min(len(text), lo + SNIPPET_WIDTH)
        lead, tail = ("..." if lo > 0 else ""), ("..." if hi < len(text) else "")
        text, start = text[lo:hi], start - lo
    # control characters shown escaped (`\x1b`), the caret under what it marks all the same
    before = visible(lead + text[:start])
    marked = visible(text[start : start + width])
    marker = " " * len(before) + "^" * max(width, len(marked))
    out = [f"{pad} |", f"{gutter} | {visible(lead + text + tail)}", f"{pad} | {marker}" + (f" {label}" if label else "")]
    return out


def render_human(diagnostics: Iterable[Diagnostic], sources: SourceMap) -> str:
    """rustc-style output: header, location, the source line with a caret, notes, hint."""
    blocks = []
    for d in diagnostics:
        lines = [f"{d.severity.value}[{d.code}]: {d.message}"]
        if d.span:
            lines.append(f"  --> {_location(d.span)}")
            lines.extend(_snippet(d.span, sources))
        for note in d.notes:
            # A note of several lines (a witness table) keeps its layout, indented under
            # its first line.
            first, *rest = note.message.split("\n")
            if note.span:
                lines.append(f"note: {first}")
                lines.extend(f"      {r}" for r in rest)
                lines.append(f"  --> {_location(note.span)}")
                lines.extend(_snippet(note.span, sources))
            else:
                lines.append(f"  = note: {first}")
                lines.extend(f"          {r}" for r in rest)
        if d.hint:
            lines.append(f"  = help: {d.hint}")
        blocks.append("\n".join(lines))
    # for people, wherever it goes (a log read later with `cat` too): nothing from an input
    # (a value, a file name, program text) may act on a terminal
    return visible("\n\n".join(blocks) + ("\n" if blocks else ""))


def render_gnu(diagnostics: Iterable[Diagnostic], sources: SourceMap | None = None) -> str:
    """GNU style, one line per diagnostic: `file:line:col: severity: message [code]`."""
    out = []
    for d in diagnostics:
        hint = f" (help: {d.hint})" if d.hint else ""
        out.append(f"{_location(d.span)}: {d.severity.value}: {d.message} [{d.code}]{hint}")
    return visible("\n".join(out) + ("\n" if out else ""))


def _span_data(span: Span | None) -> dict | None:
    if span is None:
        return None
    return {
        "file": span.file,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }


def to_data(d: Diagnostic) -> dict:
    return {
        "code": d.code,
        "severity": d.severity.value,
        "message": d.message,
        "span": _span_data(d.span),
        "notes": [{"message": n.message, "span": _span_data(n.span)} for n in d.notes],
        "hint": d.hint,
        **({"data": dict(d.data)} if d.data else {}),
    }


def render_json(diagnostics: Iterable[Diagnostic], sources: SourceMap | None = None) -> str:
    return json.dumps([to_data(d) for d in diagnostics], indent=2) + "\n"


RENDERERS = {"human": render_human, "gnu": render_gnu, "json": render_json}


def render(diagnostics: Iterable[Diagnostic], sources: SourceMap, fmt: str = "human") -> str:
    return RENDERERS[fmt](list(diagnostics), sources)
