"""Where the grammar lives (no Lark import: the program cache fingerprints it too)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["GRAMMAR_PATH", "grammar_text"]


def _grammar_path() -> Path:
    packaged = resources.files("tierlang").joinpath("grammars/tier.lark")
    if packaged.is_file():
        return Path(str(packaged))
    # Running from a checkout (editable install or PYTHONPATH=src): the repository copy.
    return Path(__file__).resolve().parents[3] / "grammars" / "tier.lark"


GRAMMAR_PATH = _grammar_path()


def grammar_text() -> str:
    return GRAMMAR_PATH.read_text(encoding="utf-8")
