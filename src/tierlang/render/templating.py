"""The jinja2 environment every report shares (program guide, diff report), with its filters.

Templates live in `templates/`; `*.html.j2` templates are autoescaped, Markdown ones are not
(they escape with the `md` and `cell` filters). Undefined names are errors, so a template
cannot silently print nothing.

Filters:
- `md`, `cell`: escape text for inline Markdown (a table cell: also on one line);
- `code`: text as an inline code span, on one line (safe in a table cell);
- `mdblock`: an author's doc string, kept as written; `paragraphs`: the same as HTML `<p>`s;
- `number`: an exact number in words' style (`1,250`, `2.5`); `pts`: a number or "—";
- `words`: "A, B and C";
- `share`: a part of a whole as a percentage (`share(total)`), rounded for display only;
- `plural`: the word for a count (`n|plural("partner")`, `n|plural("loses", "lose")`).
"""

from __future__ import annotations

import re
from fractions import Fraction

import jinja2

from tierlang.numbers import plural
from tierlang.render.english import join_words, number

__all__ = ["environment", "render_template", "md_escape", "md_cell", "share", "plural"]

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


def md_code(text: object) -> str:
    """Text as an inline code span on one line: fenced with more backticks than it holds,
    and `|` escaped (a table cell ends at an unescaped one, even in code)."""
    body = " ".join(str(text).split()).replace("|", "\\|")
    run = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence = "`" * (run + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def _md_block(text: str | None) -> str:
    """An author's doc string in Markdown: kept as written (it may use Markdown)."""
    return (text or "").strip()


def _html_paragraphs(text: str | None):
    """A doc string as HTML paragraphs (blank lines separate them), escaped."""
    from markupsafe import Markup, escape

    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    return Markup("".join(f"<p>{escape(p)}</p>" for p in paragraphs))


def _points(value: Fraction | None, fallback: str = "—") -> str:
    return fallback if value is None else number(value)


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
            cell=md_cell,
            code=md_code,
            mdblock=_md_block,
            paragraphs=_html_paragraphs,
            number=number,
            pts=_points,
            words=join_words,
            share=share,
            plural=plural,
        )
        _ENV = env
    return _ENV


def render_template(name: str, **context) -> str:
    """Render a template; the output keeps at most one blank line in a row (templates keep
    their structure readable) and ends with one newline."""
    text = environment().get_template(name).render(**context)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"
