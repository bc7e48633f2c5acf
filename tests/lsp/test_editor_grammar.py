"""The VS Code extension's TextMate grammar keeps up with grammars/tier.lark: every keyword of
the language is highlighted by exactly one keyword rule, and no rule highlights a word that is
not a keyword (the grammar grows as others add constructs; this test says where to add them).
The token-by-token check over the shipped programs is `make grammar-test` (node)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tierlang.syntax.parser import keywords

VSCODE = Path(__file__).resolve().parents[2] / "editors" / "vscode"


def _rules() -> dict[str, set[str]]:
    grammar = json.loads((VSCODE / "syntaxes" / "tier.tmLanguage.json").read_text(encoding="utf-8"))
    out = {}
    for name, rule in grammar["repository"].items():
        if name.startswith("keywords-"):
            words = re.fullmatch(r"\\b\((.*)\)\\b", rule["match"]).group(1)  # type: ignore[union-attr]
            out[name] = set(words.split("|"))
    return out


def test_every_keyword_in_exactly_one_rule():
    rules = _rules()
    for word in sorted(keywords()):
        holders = [name for name, words in rules.items() if word in words]
        assert len(holders) == 1, f"keyword '{word}' of grammars/tier.lark is in {holders or 'no keyword rule'} of tier.tmLanguage.json"
    stale = {w for words in rules.values() for w in words} - keywords()
    assert not stale, f"tier.tmLanguage.json highlights words that are not keywords: {sorted(stale)}"


def test_declarations_name_what_they_declare():
    grammar = json.loads((VSCODE / "syntaxes" / "tier.tmLanguage.json").read_text(encoding="utf-8"))
    words = set(re.search(r"\\b\((.*?)\)", grammar["repository"]["declaration"]["match"]).group(1).split("|"))  # type: ignore[union-attr]
    assert words <= _rules()["keywords-declaration"]


def test_extension_manifest():
    manifest = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    languages = {lang["id"]: lang["extensions"] for lang in manifest["contributes"]["languages"]}
    assert languages == {"tier": [".tier"], "tiermap": [".tiermap"]}
    for spec in ("dependencies", "devDependencies"):
        for name, version in manifest[spec].items():
            assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
    assert (VSCODE / "package-lock.json").is_file()
