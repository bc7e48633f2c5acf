"""The sources appendix of the reviewer's guide: what the source tags a program cites mean.

A program cites its sources in `source "..."` strings in the house style of the shipped
programs: tags such as S2, P7 or S22b (runs such as "S2-S5"), each with a confidence mark
such as [C]. What a tag names (title, date, address) and what a mark means live in a *sources
file*, TOML, beside the program (`cloudpartner2022.sources.toml` for
`cloudpartner2022.tier`) or given with `tier docs --sources`:

    extends = "mpn2010.sources.toml"      # optional: another sources file, overlaid
    [marks]
    C = "confirmed in Microsoft text"
    [sources]
    S2 = { title = "solutions-partner-azure.md", date = "2023-06-13", url = "https://..." }

`cited_sources` lists every tag the guide's sources cite, with what cites it, the file's
entry for it (or none: the appendix says so) and the marks in use.
"""

from __future__ import annotations

import datetime as _dt
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tierlang.files import read_program_bytes

__all__ = ["SourceEntry", "SourceList", "SourcesError", "load_sources", "sources_beside", "cited_sources"]

#: The ending of a program's sources file (`x.tier` -> `x.sources.toml`).
SUFFIX = ".sources.toml"

# Tags and runs in the house style (also what `guide.strip_citations` removes for partners).
_TAG = re.compile(r"\b([SPC])(\d+)([a-z]?)\b")
_RANGE = re.compile(r"\b([SPC])(\d+)\s*[-–]\s*\1(\d+)\b")
_MARK = re.compile(r"\[([A-Z])\]")
#: The longest run "S2-S5" is expanded into (more is a typo, not a range).
_MAX_RANGE = 50


class SourcesError(ValueError):
    """A sources file that cannot be read; the message names the file (and line)."""


@dataclass(frozen=True)
class SourceEntry:
    """What one tag names."""

    tag: str
    title: str
    date: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class SourceList:
    """A sources file: its entries by tag and the meaning of each confidence mark."""

    path: str
    entries: dict[str, SourceEntry]
    marks: dict[str, str]


def sources_beside(program_path: str | Path) -> Path | None:
    """The sources file beside a program file, if there is one."""
    p = Path(program_path)
    candidate = p.with_name(p.name.removesuffix(".tier") + SUFFIX)
    return candidate if candidate.is_file() else None


def load_sources(path: str | Path, _seen: tuple[Path, ...] = ()) -> SourceList:
    """Read a sources file (and the file it extends, overlaid by this one)."""
    path = Path(path)
    resolved = path.resolve()
    if resolved in _seen:
        raise SourcesError(f"{path}: extends itself (through {' -> '.join(str(s) for s in _seen)})")
    try:
        raw = tomllib.loads(read_program_bytes(path).decode("utf-8"))  # a regular file of a bounded size
    except OSError as e:
        raise SourcesError(f"{path}: cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise SourcesError(f"{path}: not UTF-8 text (byte {e.start})") from None
    except tomllib.TOMLDecodeError as e:
        raise SourcesError(f"{path}: {e}") from None
    unknown = set(raw) - {"extends", "marks", "sources"}
    if unknown:
        raise SourcesError(f"{path}: unknown key {sorted(unknown)[0]!r} (expected extends, marks, sources)")
    entries: dict[str, SourceEntry] = {}
    marks: dict[str, str] = {}
    parent = raw.get("extends")
    if parent is not None:
        if not isinstance(parent, str):
            raise SourcesError(f"{path}: extends must be a file name")
        base = load_sources(path.parent / parent, (*_seen, resolved))
        entries.update(base.entries)
        marks.update(base.marks)
    marks.update(_table(path, raw, "marks", lambda key, value: _text(path, f"marks.{key}", value)))
    entries.update(_table(path, raw, "sources", lambda key, value: _entry(path, key, value)))
    return SourceList(str(path), entries, marks)


def _table(path: Path, raw: dict, name: str, item) -> dict:
    table = raw.get(name, {})
    if not isinstance(table, dict):
        raise SourcesError(f"{path}: [{name}] must be a table")
    return {str(key): item(str(key), value) for key, value in table.items()}


def _text(path: Path, where: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SourcesError(f"{path}: {where} must be a non-empty string")
    return value


def _entry(path: Path, tag: str, value: object) -> SourceEntry:
    if isinstance(value, str):
        value = {"title": value}
    if not isinstance(value, dict):
        raise SourcesError(f"{path}: sources.{tag} must be a string or a table with title, date, url")
    unknown = set(value) - {"title", "date", "url"}
    if unknown:
        raise SourcesError(f"{path}: sources.{tag}: unknown key {sorted(unknown)[0]!r} (expected title, date, url)")
    title = _text(path, f"sources.{tag}.title", value.get("title"))
    date = value.get("date")
    if isinstance(date, _dt.date):  # TOML's own date, written without quotes
        date = date.isoformat()
    url = value.get("url")
    for key, v in (("date", date), ("url", url)):
        if v is not None and not isinstance(v, str):
            raise SourcesError(f"{path}: sources.{tag}.{key} must be a string")
    return SourceEntry(tag, title, date, url)


# ------------------------------------------------------------------ the appendix


@dataclass
class Citation:
    """One place of the guide that cites a tag: its title and, in the HTML guide, its id."""

    title: str
    anchor: str | None


@dataclass
class CitedSource:
    tag: str
    entry: SourceEntry | None  # None: the sources file does not name it (or there is none)
    cited_by: list[Citation] = field(default_factory=list)


@dataclass
class GuideSources:
    path: str | None  # the sources file read, if any
    sources: list[CitedSource]
    marks: list[tuple[str, str | None, int]]  # mark, meaning, how many citations carry it

    @property
    def unnamed(self) -> list[str]:
        """Tags cited that no sources file names."""
        return [s.tag for s in self.sources if s.entry is None]


def tags_in(text: str, named: Iterable[str] = ()) -> list[str]:
    """The source tags a `source` string cites, in order: those in the house style (runs
    such as "S2-S5" expanded) and any word that is a tag in `named` (a sources file's)."""
    found: list[str] = []
    for m in _RANGE.finditer(text):
        lo, hi = int(m.group(2)), int(m.group(3))
        if lo < hi <= lo + _MAX_RANGE:
            found += [f"{m.group(1)}{n}" for n in range(lo, hi + 1)]
    found += [m.group(0) for m in _TAG.finditer(text)]
    named = set(named)
    if named:
        found += [w for w in re.findall(r"[\w-]+", text) if w in named]
    return list(dict.fromkeys(found))


def _order(tag: str) -> tuple:
    """S, P and C tags first (as the shipped programs' reference files list them), then
    others; by number within a letter (S2 before S10)."""
    m = re.fullmatch(r"([A-Za-z]+)(\d+)([a-z]?)", tag)
    if not m:
        return (1, tag, 0, "")
    prefix = m.group(1)
    return (0, "SPC".index(prefix) if prefix in ("S", "P", "C") else 3, prefix, int(m.group(2)), m.group(3))


def cited_sources(citations: list[tuple[str, Citation]], source_list: SourceList | None) -> GuideSources:
    """The appendix for `citations` (each a `source` string and the place citing it)."""
    by_tag: dict[str, CitedSource] = {}
    mark_counts: dict[str, int] = {}
    entries = source_list.entries if source_list else {}
    for text, where in citations:
        for mark in _MARK.findall(text):
            mark_counts[mark] = mark_counts.get(mark, 0) + 1
        for tag in tags_in(text, entries):
            cited = by_tag.setdefault(tag, CitedSource(tag, entries.get(tag)))
            if not any(c.title == where.title for c in cited.cited_by):
                cited.cited_by.append(where)
    meanings = source_list.marks if source_list else {}
    marks = [(m, meanings.get(m), n) for m, n in sorted(mark_counts.items())]
    return GuideSources(
        path=source_list.path if source_list else None,
        sources=sorted(by_tag.values(), key=lambda s: _order(s.tag)),
        marks=marks,
    )
