"""Where the grammar lives (no Lark import: the program cache fingerprints it too)."""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from importlib import resources
from pathlib import Path

__all__ = ["GRAMMAR_PATH", "grammar_text", "built_grammar_file", "built_tables_file"]


def _grammar_path() -> Path:
    packaged = resources.files("tierlang").joinpath("grammars/tier.lark")
    if packaged.is_file():
        return Path(str(packaged))
    # Running from a checkout (editable install or PYTHONPATH=src): the repository copy.
    return Path(__file__).resolve().parents[3] / "grammars" / "tier.lark"


GRAMMAR_PATH = _grammar_path()


def grammar_text() -> str:
    return GRAMMAR_PATH.read_text(encoding="utf-8")


def built_grammar_file(text: str, lark_version: str) -> str | None:
    """Where Lark keeps the grammar it built from `text` between processes (building it takes
    half a second), or None when there is no safe place: a file in a folder of the temporary
    directory that only this user can write (`tierlang-grammar-<uid>`, made 0700 and checked
    on the opened folder, which must not be a symlink). Lark reads the file with pickle, so
    a file someone else could write would run their code as you: Lark's own default, a name
    in the temporary directory that anyone can create first, is never used (docs/security.md).
    Kept apart from the program cache folder, which a CI job may restore from a shared store
    (and then turns off with TIER_NO_CACHE)."""
    folder = _private_folder()
    if folder is None:
        return None
    key = hashlib.sha256(f"{text}\0{lark_version}\0{sys.version_info[:2]}".encode()).hexdigest()[:32]
    return str(folder / f"lark-{key}.pickle")


def built_tables_file(text: str, lark_version: str, maker: str) -> Path | None:
    """Where the fast parser's tables for the grammar `text` are kept between processes
    (`syntax.fastparse.tables`, JSON; `maker` names the code that makes them), in the folder of Lark's own cache
    (`built_grammar_file`), or None when there is no safe place. Read as data, never as code;
    still only from a folder nobody else can write, since they decide how programs parse."""
    folder = _private_folder()
    if folder is None:
        return None
    key = hashlib.sha256(f"{text}\0{lark_version}\0{sys.version_info[:2]}\0{maker}".encode()).hexdigest()[:32]
    return folder / f"tables-{key}.json"


def _private_folder() -> Path | None:
    """The folder `tierlang-grammar-<uid>` of the temporary directory, made 0700 when missing,
    or None unless it is a real folder of this user's that no one else may write."""
    if not hasattr(os, "geteuid") or not hasattr(os, "O_NOFOLLOW") or not hasattr(os, "O_DIRECTORY"):
        return None
    folder = Path(tempfile.gettempdir()) / f"tierlang-grammar-{os.geteuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            st = os.fstat(fd)
        finally:
            os.close(fd)
    except OSError:
        return None
    if st.st_uid != os.geteuid() or st.st_mode & 0o077:
        return None  # made by someone else first, or opened to others: build the grammar afresh
    return folder
