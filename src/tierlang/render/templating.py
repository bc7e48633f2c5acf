"""The jinja2 environment every report shares (program guide, diff report), with its filters.

Templates live in `templates/`; `*.html.j2` templates are autoescaped, Markdown ones are not
(they escape with the `md` and `cell` filters). Undefined names are errors, so a template
cannot silently print nothing.

Filters:
- `md`, `cell`: escape text for inline Markdown (a table cell: also on one line);
- `code`: text as an inline code span, on one line (safe in a table cell);
- `mdblock`: an author's doc string, kept as written; `paragraphs`: the same rendered as
  Markdown into HTML (`mdinline`: inside a table cell, without the paragraphs);
- `number`: an exact number in words' style (`1,250`, `2.5`); `pts`: a number or "—";
- `words`: "A, B and C";
- `share`: a part of a whole as a percentage (`share(total)`), rounded for display only;
- `plural`: the word for a count (`n|plural("partner")`, `n|plural("loses", "lose")`).
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from fractions import Fraction

import jinja2

from tierlang.numbers import plural
from tierlang.render.english import join_words, number

__all__ = ["environment", "render_template", "md_escape", "md_code", "md_cell", "share", "plural", "PageAssets", "page_assets"]

_MD_SPECIAL = re.compile(r"([\\`*\[\]|~])|<(?=[A-Za-z/!?])")
_MD_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def md_escape(text: object) -> str:
    """Text safe to place inline in GitHub-flavoured Markdown: it reads as written (no
    emphasis, links, HTML or table breaks). Underscores inside words (`net_adds`) stay as
    they are, since they cannot start emphasis there."""
    s = _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), str(text))
    s = _MD_UNDERSCORE.sub(r"\\_", s)
    return _MD_ENTITY.sub("&amp;", s)


def md_cell(text: object) -> str:
    """Inline Markdown for a table cell: escaped, on one line."""
    return " ".join(md_escape(text).split())


def md_code(text: object, table: bool = True) -> str:
    """`text` as an inline code span: fenced by more backticks than it holds in a row (so a
    backtick inside cannot close it early), padded when it starts or ends with one, on one
    line; in a GFM table cell (`table`) with `|` escaped (GitHub reads `\\|` in a table's
    code span as `|`). Inside a code span nothing else is markup: HTML stays text."""
    s = " ".join(str(text).splitlines())
    if table:
        s = s.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or (s.startswith(" ") and s.endswith(" ") and s.strip()) else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def _md_block(text: str | None) -> str:
    """An author's doc string in Markdown: kept as written (it may use Markdown)."""
    return (text or "").strip()


_MARKDOWN = None


def _markdown():
    """CommonMark (with tables and strikethrough), raw HTML off: an author's `<b>` is text.
    Links and images keep their text and show their address as text: a self-contained page
    refers to nothing outside itself (and makes no request for an image)."""
    global _MARKDOWN
    if _MARKDOWN is None:
        from markdown_it import MarkdownIt

        md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])

        def link_open(renderer, tokens, idx, options, env):
            env.setdefault("links", []).append(tokens[idx].attrGet("href") or "")
            return '<span class="link">'

        def link_close(renderer, tokens, idx, options, env):
            href = env["links"].pop()
            return f'</span> <span class="url">({escape_html(href)})</span>' if href else "</span>"

        def image(renderer, tokens, idx, options, env):
            token = tokens[idx]
            alt = escape_html(token.content or "image")
            src = escape_html(token.attrGet("src") or "")
            return f'<span class="image">[{alt}: {src}]</span>'

        md.add_render_rule("link_open", link_open)
        md.add_render_rule("link_close", link_close)
        md.add_render_rule("image", image)
        _MARKDOWN = md
    return _MARKDOWN


def escape_html(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def _html_paragraphs(text: str | None):
    """An author's doc string (Markdown) as HTML: paragraphs, lists, emphasis, `code`."""
    from markupsafe import Markup

    if not text or not text.strip():
        return Markup("")
    return Markup(_markdown().render(text, {}))


def _html_inline(text: str | None):
    """A doc string as inline HTML for a table cell: Markdown's inline parts (emphasis,
    `code`, links as text), paragraphs joined with a space."""
    from markupsafe import Markup

    if not text or not text.strip():
        return Markup("")
    return Markup(" ".join(_markdown().renderInline(" ".join(p.split()), {}) for p in re.split(r"\n\s*\n", text) if p.strip()))


def _points(value: Fraction | None, fallback: str = "—") -> str:
    return fallback if value is None else number(value)


def signed(x: Fraction) -> str:
    """A change with its sign: "+1.5", "−3", "0", "about −966.67" (the sign stays on the number)."""
    if not x:
        return "0"
    text = number(abs(x))
    about, text = ("about ", text.removeprefix("about ")) if text.startswith("about ") else ("", text)
    return f"{about}{'+' if x > 0 else '−'}{text}"


def share(part: int, whole: int, places: int = 1) -> str:
    """`part` of `whole` as a percentage with `places` decimals ("3.4%"), computed exactly and
    rounded half-even for display (no decision depends on it); "—" for an empty whole."""
    if not whole:
        return "—"
    unit = 10**places
    scaled = Fraction(part * 100 * unit, whole)
    q = round(scaled)  # Fraction rounds half to even
    whole_part, frac = divmod(q, unit)
    if q == 0 and part:
        smallest = "0." + "0" * (places - 1) + "1" if places else "1"
        return f"<{smallest}%"  # not "0%": someone is affected
    return (f"{whole_part}.{str(frac).rjust(places, '0')}" if places else str(whole_part)) + "%"


_ENV: jinja2.Environment | None = None


def environment() -> jinja2.Environment:
    """The shared environment (created once)."""
    global _ENV
    if _ENV is None:
        env = jinja2.Environment(
            loader=jinja2.PackageLoader("tierlang.render", "templates"),
            autoescape=lambda name: bool(name and name.endswith(".html.j2")),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        env.filters.update(
            md=md_escape,
            code=md_code,
            cell=md_cell,
            mdblock=_md_block,
            paragraphs=_html_paragraphs,
            mdinline=_html_inline,
            number=number,
            pts=_points,
            words=join_words,
            share=share,
            signed=signed,
            plural=plural,
        )
        _ENV = env
    return _ENV


def render_template(name: str, **context) -> str:
    """Render a template; the output keeps at most one blank line in a row (templates keep
    their structure readable) and ends with one newline."""
    text = environment().get_template(name).render(**context)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


@dataclass(frozen=True)
class PageAssets:
    """The inline stylesheet and script of a self-contained page, and the Content Security
    Policy that lets exactly these two run: `default-src 'none'` (no request of any kind,
    not even to the file's own folder) and each asset allowed by its SHA-256, so text that
    reached the page from a program or a dataset could not run even if it escaped escaping."""

    style: str
    script: str
    csp: str


def _raw(name: str) -> str:
    env = environment()
    assert env.loader is not None
    return env.loader.get_source(env, name)[0]


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def page_assets(styles: tuple[str, ...], scripts: tuple[str, ...] = ("tables.js",)) -> PageAssets:
    """The page's stylesheets and scripts (template files, inlined as they are) and its CSP.
    Templates place them as `<style>{{ page.style }}</style>`, `<script>{{ page.script }}</script>`:
    the text between the tags must be exactly what was hashed."""
    from markupsafe import Markup

    # as render_template leaves them: at most one blank line in a row
    style = re.sub(r"\n{3,}", "\n\n", "\n" + "\n".join(_raw(n) for n in styles))
    script = re.sub(r"\n{3,}", "\n\n", "\n" + "\n".join(_raw(n) for n in scripts))
    scripts_allowed = _sha256(script) if scripts else "'none'"
    csp = f"default-src 'none'; style-src {_sha256(style)}; script-src {scripts_allowed}; base-uri 'none'; form-action 'none'"
    return PageAssets(Markup(style), Markup(script), csp)
