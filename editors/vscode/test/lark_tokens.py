"""The tokens of .tier files as the compiler's lexer reads them, as JSON for shipped.test.js:
[{"file": PATH, "tokens": [[line, column, length, category], ...]}], 0-based positions.
Categories: keyword, name, string, docstring, comment, number, date, currency."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tierlang.lsp.tokens import is_keyword, lex

CATEGORY = {"STRING": "string", "LONG_STRING": "string", "COMMENT": "comment", "NUMBER": "number", "DATE": "date", "CURRENCY": "currency"}


def tokens(text: str) -> list[list]:
    out = []
    previous = None
    for t in lex(text):
        if is_keyword(t):
            kind = "keyword"
        elif t.type == "NAME":
            kind = "name"
        else:
            kind = CATEGORY.get(t.type)
            if kind == "string" and previous is not None and previous.type == "DOC" and t.type == "LONG_STRING":
                kind = "docstring"
        if kind == "docstring":
            # a doc string is checked at its first character of text (after the quotes)
            body = t.text[3:]
            offset = len(body) - len(body.lstrip())
            if body.strip():
                before = body[:offset]
                line = t.line - 1 + before.count("\n")
                column = (t.column - 1 + 3 + offset) if "\n" not in before else len(before) - before.rfind("\n") - 1
                out.append([line, column, 1, kind])
        elif kind is not None:
            length = len(t.text) if t.end_line == t.line else 3  # a string over lines: its opening quotes
            out.append([t.line - 1, t.column - 1, length, kind])
        if t.type != "COMMENT":
            previous = t
    return out


if __name__ == "__main__":
    print(json.dumps([{"file": f, "tokens": tokens(Path(f).read_text(encoding="utf-8"))} for f in sys.argv[1:]]))
