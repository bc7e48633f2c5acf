"""Renderers: the IR turned into text for people.

- `english`: plain-English phrases for any condition or expression (shared by the program
  guide, `tier explain` and diff reports).
- `guide`: the partner-facing program guide (`tier docs`), Markdown or self-contained HTML,
  rendered with the jinja2 templates in `templates/`.
"""

from tierlang.render.english import English, Phrase, PointsRule, describe
from tierlang.render.guide import FORMATS, build_guide, render_guide

__all__ = ["English", "Phrase", "PointsRule", "describe", "FORMATS", "build_guide", "render_guide"]
