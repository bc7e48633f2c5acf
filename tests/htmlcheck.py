"""Checks for the self-contained HTML files tierlang writes (program guide, diff report)."""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class StrictHTML(HTMLParser):
    """Collects what the self-containment checks need and fails on mis-nested tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []
        self.refs: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.tags: list[str] = []
        self.style = ""
        self._in_style = False
        self.scripts: list[str] = []  # the text of each inline script
        self._in_script = False
        self.csp: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name == "id":
                self.ids.append(value or "")
            if name in ("href", "src", "action", "srcset", "poster", "data"):
                self.refs.append((tag, name, value or ""))
            if name == "style" or name.startswith("on"):
                self.errors.append(f"<{tag} {name}=...>: inline style attributes and event handlers are not used")
        if tag == "style":
            self._in_style = True
        if tag == "script":
            self._in_script = True
            self.scripts.append("")
        if tag == "meta" and dict(attrs).get("http-equiv") == "Content-Security-Policy":
            self.csp = dict(attrs).get("content")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False
        if tag == "script":
            self._in_script = False
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
            return
        self.stack.pop()

    def handle_data(self, data):
        if self._in_style:
            self.style += data
        if self._in_script:
            self.scripts[-1] += data


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def check_self_contained(html: str) -> StrictHTML:
    """Parse `html` and assert it is well formed and refers to nothing outside itself: no
    external scripts, stylesheets, images, frames or remote URLs, every `#anchor` resolves,
    and a Content Security Policy forbids every request and lets exactly the page's own
    inline style and script run (by their hashes)."""
    assert html.startswith("<!DOCTYPE html>")
    parser = StrictHTML()
    parser.feed(html)
    parser.close()
    assert parser.errors == []
    assert parser.stack == [], f"unclosed: {parser.stack}"
    assert len(parser.ids) == len(set(parser.ids)), "ids are unique"
    for tag, attr, value in parser.refs:
        assert "http" not in value and "//" not in value, f"<{tag} {attr}={value!r}> refers outside the file"
        if attr == "href":
            assert value.startswith("#") and value[1:] in parser.ids, f"{value} points nowhere"
    assert not {"link", "img", "iframe", "object", "embed"} & set(parser.tags)
    assert "url(" not in parser.style and "@import" not in parser.style
    assert parser.tags.count("script") <= 1
    assert parser.csp is not None, "no Content-Security-Policy"
    policy = dict((part.split() + [""])[:2] for part in parser.csp.split(";") if part.strip())
    assert policy["default-src"] == "'none'"
    assert policy["style-src"] == _sha256(parser.style)
    if parser.scripts:
        assert policy["script-src"] == _sha256(parser.scripts[0])
        assert "fetch(" not in parser.scripts[0] and "XMLHttpRequest" not in parser.scripts[0]
    return parser
