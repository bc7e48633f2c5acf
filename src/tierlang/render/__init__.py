"""Renderers: the IR turned into text for people.

- `english`: plain-English phrases for any condition or expression (shared by the program
  guide, `tier explain` and diff reports).
- `guide`: the partner-facing program guide (`tier docs`), Markdown or self-contained HTML,
  rendered with the jinja2 templates in `templates/`.

The names below are imported when first used: `tier eval` reaches `render.source` (a rule's
text for the gap columns) and should not pay for jinja2 and the guide on every run.
"""

from __future__ import annotations

import importlib

__all__ = ["English", "Phrase", "PointsRule", "describe", "FORMATS", "build_guide", "render_guide"]

_HOME = {
    "English": "english",
    "Phrase": "english",
    "PointsRule": "english",
    "describe": "english",
    "FORMATS": "guide",
    "build_guide": "guide",
    "render_guide": "guide",
}


def __getattr__(name: str) -> object:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
