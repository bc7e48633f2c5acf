"""Tokens of a .tier text as the compiler's own lexer (Lark, from grammars/tier.lark) reads
them: for name positions, semantic highlighting and keyword completion."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lark.exceptions import LarkError

from tierlang.syntax.parser import parser

__all__ = ["Token", "lex", "is_keyword", "NAME"]

#: The grammar's NAME terminal: what a declared name looks like.
NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Token:
    """`type` is the grammar's terminal name (NAME, STRING, LONG_STRING, NUMBER, DATE,
    COMMENT, CMP_OP ...; a keyword's is its upper-cased word). Lines and columns are 1-based,
    columns count characters, the end is exclusive."""

    type: str
    text: str
    line: int
    column: int
    end_line: int
    end_column: int

    def moved(self, lines: int) -> Token:
        if not lines:
            return self
        return Token(self.type, self.text, self.line + lines, self.column, self.end_line + lines, self.end_column)

    @property
    def is_name(self) -> bool:
        """A name, or a word the grammar also uses as a keyword (the contextual lexer lets a
        keyword be a name where no keyword is expected)."""
        return NAME.fullmatch(self.text) is not None


def is_keyword(token: Token) -> bool:
    return token.type not in ("NAME", "CURRENCY") and token.text.isalpha()


def _token(t) -> Token:
    return Token(t.type, str(t), t.line, t.column, t.end_line or t.line, t.end_column or t.column + len(t))


def _plain(text: str) -> list[Token]:
    """The tokens as a lexer without the parser's context reads them (a word the grammar uses
    anywhere as a keyword is a keyword); stops quietly where the text cannot be read."""
    out: list[Token] = []
    try:
        for t in parser().lex(text, dont_ignore=True):
            if t.type != "WS":
                out.append(_token(t))
    except LarkError:
        pass
    return out


def lex(text: str) -> list[Token]:
    """Every token of `text` but white space. Where the text parses, as the parser's own
    (contextual) lexer reads it, so that a keyword used as a name (`require points: ...`) is a
    name; else without that context."""
    plain = _plain(text)
    try:
        parsed = [_token(t) for t in parser().parse_interactive(text).iter_parse() if t.type != "$END"]
    except LarkError:
        return plain
    return sorted(parsed + [t for t in plain if t.type == "COMMENT"], key=lambda t: (t.line, t.column))
