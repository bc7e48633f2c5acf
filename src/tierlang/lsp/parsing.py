"""Parses that reuse the unchanged declarations of a file's previous parse.

An edit in an editor changes one declaration of a file of two thousand lines; parsing the whole
file again takes a tenth of a second or more. The grammar's top level is a list of independent
declarations, so the file is cut into *chunks* at the lines that start a top-level declaration
(the lines where `parse` resumes after a syntax error), and only the chunks whose text is new
are parsed, each alone but at its own line so that spans stay true. A chunk that only moved up
or down gets its spans shifted instead.

The result is what `syntax.parser.parse` gives for the whole text, diagnostics included:
- every chunk parses: the declarations are the whole parse's (a declaration cannot run on into
  a line that starts another, and the cut never falls inside a string);
- a chunk has a syntax error: the whole parse meets the same error at the same token and then
  resumes at the next chunk, as here; an error at the chunk's *end* (an unclosed brace) is one
  the whole parse would have met later, so the rest of the file is parsed from that chunk on,
  as the whole parse does after resuming;
- otherwise (a bad date, a number too long: errors found after parsing, of which the whole
  parse reports only the first; or a string left open, which makes the whole parse cut the
  text elsewhere), the whole text is parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, is_dataclass
from functools import cache

from lark.exceptions import UnexpectedEOF, UnexpectedInput, UnexpectedToken

from tierlang.diagnostics import Diagnostic
from tierlang.ir import Span
from tierlang.lsp.tokens import Token, lex
from tierlang.syntax import ast
from tierlang.syntax.parser import DECLARATION_KEYWORDS, MAX_SYNTAX_ERRORS, ParseResult, parse, parser

__all__ = ["ParseCache", "chunk_starts"]

# What can hide a line start: a comment, a string on one line, a triple-quoted string.
_HIDING = re.compile(r'#[^\n]*|"""(?:[^\\]|\\.)*?(?:"""|$)|"(?:[^"\\\n]|\\.)*"?', re.S)


def _starts_declaration(line: str) -> bool:
    return line[:1].isalpha() and line.split(" ", 1)[0].split("{", 1)[0] in DECLARATION_KEYWORDS


def chunk_starts(lines: list[str]) -> tuple[list[int], bool]:
    """The 0-based indexes of the lines that start a chunk: the first line, and each line whose
    first word is a top-level declaration keyword written at column 1, outside strings. And
    whether some such line is inside a string or a string is not closed: then the whole parse,
    which resumes after an error at the next such line whatever the strings, may cut elsewhere."""
    starts = [0]
    hidden = False
    inside = False  # in a triple-quoted string that started on an earlier line
    for n, line in enumerate(lines):
        if inside:
            hidden = hidden or _starts_declaration(line)
            end = re.search(r'(?<!\\)(?:\\\\)*"""', line)
            if end is None:
                continue
            inside = False
            rest = line[end.end() :]
        else:
            if n and _starts_declaration(line):
                starts.append(n)
            rest = line
        for m in _HIDING.finditer(rest):
            token = m.group()
            if token.startswith('"""') and (len(token) < 6 or not token.endswith('"""')):
                inside = True
                break
    return starts, hidden or inside


@dataclass
class _Chunk:
    start: int  # 1-based line the chunk starts at
    items: tuple[ast.Item, ...] | None  # None: it does not parse
    comments: tuple[ast.Comment, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    syntax: bool = False  # the parser itself failed (not a check made after parsing)
    at_end: bool = False  # ... for want of text: the whole parse would read on
    text: str = ""
    tokens: tuple[Token, ...] | None = None  # lexed when first asked for


@cache
def _fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _shift(node: object, delta: int) -> object:
    """`node` with every line number moved by `delta` (a copy: syntax nodes are frozen)."""
    if isinstance(node, Span):
        return Span(node.file, node.line + delta, node.column, node.end_line + delta, node.end_column)
    if isinstance(node, tuple):
        return tuple(_shift(n, delta) for n in node)
    if isinstance(node, ast.Comment):
        return ast.Comment(node.text, node.line + delta, node.column, node.own_line)
    if is_dataclass(node) and not isinstance(node, type):
        cls = type(node)
        return cls(**{name: _shift(getattr(node, name), delta) for name in _fields(cls)})
    return node


def _moved(chunk: _Chunk, start: int) -> _Chunk:
    if chunk.start == start:
        return chunk
    d = start - chunk.start
    return _Chunk(
        start,
        _shift(chunk.items, d),  # type: ignore[arg-type]
        _shift(chunk.comments, d),  # type: ignore[arg-type]
        _shift(chunk.diagnostics, d),  # type: ignore[arg-type]
        chunk.syntax,
        chunk.at_end,
        chunk.text,
        tuple(t.moved(d) for t in chunk.tokens) if chunk.tokens is not None else None,
    )


def _parse_chunk(text: str, name: str, start: int) -> _Chunk:
    # Alone, but at its own line: blank lines before it keep line numbers true.
    padded = "\n" * (start - 1) + text
    result = parse(padded, name)
    if result.module is not None:
        return _Chunk(start, result.module.items, result.module.comments, text=text)
    try:
        parser().parse(padded)
    except UnexpectedInput as e:
        at_end = isinstance(e, UnexpectedEOF) or (isinstance(e, UnexpectedToken) and e.token.type == "$END")
        return _Chunk(start, None, (), tuple(result.diagnostics), True, at_end, text)
    return _Chunk(start, None, (), tuple(result.diagnostics), text=text)


class ParseCache:
    """`parse`, remembering the chunks of the last text seen under each file name."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[str, ParseResult]] = {}
        self._chunks: dict[str, dict[str, _Chunk]] = {}
        self._order: dict[str, list[_Chunk]] = {}  # the chunks of the last text, in order
        #: how parses were made: for tests and the latency benchmark
        self.stats = {"chunks_parsed": 0, "chunks_reused": 0, "rest_parsed": 0, "whole_parsed": 0}

    def forget(self, name: str) -> None:
        self._last.pop(name, None)
        self._chunks.pop(name, None)
        self._order.pop(name, None)

    def partial(self, text: str, name: str) -> ast.Module:
        """The declarations of `text` that parse, the others left out: what an editor can
        still show while one declaration is being typed."""
        result = self.parse(text, name)
        if result.module is not None:
            return result.module
        chunks = self._order[name]
        items = tuple(i for c in chunks if c.items is not None for i in c.items)
        return ast.Module(name, items, tuple(k for c in chunks for k in c.comments))

    def tokens(self, text: str, name: str) -> list[Token]:
        """The tokens of `text` (comments included), as the compiler's lexer reads them."""
        self.parse(text, name)
        out: list[Token] = []
        for c in self._order[name]:
            if c.tokens is None:
                c.tokens = tuple(t.moved(c.start - 1) for t in lex(c.text))
            out.extend(c.tokens)
        return out

    def parse(self, text: str, name: str) -> ParseResult:
        """What `parse(text, name)` returns, parsing only the declarations not seen before."""
        last = self._last.get(name)
        if last is not None and last[0] == text:
            return last[1]
        body = text.removeprefix("\ufeff")
        lines = body.split("\n")
        starts, ambiguous = chunk_starts(lines)
        bounds = list(zip(starts, starts[1:] + [len(lines)]))
        known = self._chunks.get(name, {})
        fresh: dict[str, _Chunk] = {}
        chunks: list[_Chunk] = []
        for a, b in bounds:
            chunk_text = "\n".join(lines[a:b])
            chunk = known.get(chunk_text) or fresh.get(chunk_text)
            if chunk is None:
                chunk = _parse_chunk(chunk_text, name, a + 1)
                self.stats["chunks_parsed"] += 1
            else:
                chunk = _moved(chunk, a + 1)
                self.stats["chunks_reused"] += 1
            fresh[chunk_text] = chunk
            chunks.append(chunk)
        self._chunks[name] = fresh
        self._order[name] = chunks
        result = self._assemble(text, name, lines, chunks, ambiguous)
        self._last[name] = (text, result)
        return result

    def _assemble(self, text: str, name: str, lines: list[str], chunks: list[_Chunk], ambiguous: bool) -> ParseResult:
        if all(c.items is not None for c in chunks):
            items = tuple(i for c in chunks for i in c.items)  # type: ignore[union-attr]
            comments = tuple(k for c in chunks for k in c.comments)
            return ParseResult(ast.Module(name, items, comments), [])
        if ambiguous or not any(c.syntax for c in chunks):
            self.stats["whole_parsed"] += 1
            return parse(text, name)
        diagnostics: list[Diagnostic] = []
        for c in chunks:
            if not c.syntax:
                continue  # the whole parse stops before the checks that found it
            if c.at_end:
                # The whole parse reads on into the next chunks: so do we, to the end.
                self.stats["rest_parsed"] += 1
                rest = parse("\n" * (c.start - 1) + "\n".join(lines[c.start - 1 :]), name)
                if rest.module is not None:
                    # it read on without an error: `gate g: a and` before a line starting
                    # `override ...`, a word that is also a name. Only the whole parse says.
                    self.stats["whole_parsed"] += 1
                    return parse(text, name)
                diagnostics.extend(rest.diagnostics)
                break
            diagnostics.extend(c.diagnostics)
            if len(diagnostics) >= MAX_SYNTAX_ERRORS:
                break
        return ParseResult(None, diagnostics[:MAX_SYNTAX_ERRORS])
