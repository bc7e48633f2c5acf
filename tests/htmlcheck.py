"""Checks for the self-contained HTML files tierlang writes (program guide, diff report)."""

from __future__ import annotations

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
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
            return
        self.stack.pop()

    def handle_data(self, data):
        if self._in_style:
            self.style += data


def check_self_contained(html: str) -> StrictHTML:
    """Parse `html` and assert it is well formed and refers to nothing outside itself: no
    scripts, stylesheets, images, frames or remote URLs, and every `#anchor` resolves."""
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
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(parser.tags)
    assert "url(" not in parser.style and "@import" not in parser.style
    return parser
