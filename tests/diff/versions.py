"""Two versions of a program and partners' data, written where a diff test compares them."""

from __future__ import annotations

from pathlib import Path


def write_versions(folder: Path, old: str, new: str, data: str) -> Path:
    """`old.tier`, `new.tier` and `d.csv` in `folder`; returns `folder`."""
    for name, text in (("old.tier", old), ("new.tier", new), ("d.csv", data)):
        (folder / name).write_text(text)
    return folder
