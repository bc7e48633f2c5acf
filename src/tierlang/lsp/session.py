"""The editor's view of a workspace, with no client attached: open buffers, checks, indexes.

`Session` is what `tier lsp` keeps between requests, and what tests and other tools can drive
directly. The loader reads its open buffers before the disk (`loader.Sources`), so a program
that `extends` an unsaved parent is checked against the parent as it is on screen. Parses are
kept per declaration (`lsp.parsing`), the slow checks (monotonicity) per program text, and
the last program that loaded serves hovers while the text on screen is broken.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from tierlang import loader
from tierlang.diagnostics import Diagnostic, decode_source, display_name, sort_key
from tierlang.diff.mapping import SUFFIX as MAPPING_SUFFIX
from tierlang.diff.mapping import Mapping as MappingFile
from tierlang.diff.mapping import check_mapping, parse_mapping
from tierlang.files import read_program_bytes
from tierlang.ir import Program, Span
from tierlang.lsp.index import Context, FileIndex, Occurrence, Symbol, index_file, origins
from tierlang.lsp.parsing import ParseCache
from tierlang.lsp.tokens import Token
from tierlang.passes.acknowledge import apply_acknowledgements
from tierlang.passes.extends import merge
from tierlang.syntax import ast
from tierlang.syntax.parser import ParseResult

__all__ = ["Session", "Checked", "check_document", "PROGRAM_SUFFIX", "MAPPING_SUFFIX"]

PROGRAM_SUFFIX = ".tier"
#: Folders never searched for programs and mappings.
_SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", "build", "dist", ".tox", ".mypy_cache"}
#: At most this many files of each kind are read from the workspace folders.
MAX_WORKSPACE_FILES = 2000
#: Slow-check results kept (one per program text).
_CHECKS_KEPT = 32


def _key(path: str | os.PathLike) -> str:
    return os.path.abspath(path)


@dataclass
class Document:
    path: str
    text: str
    version: int | None = None


@dataclass
class Checked:
    """A check of one document: its diagnostics by file (absolute paths; every file of its
    `extends` chain has an entry, possibly empty), and whether the slow checks are in."""

    path: str
    version: int | None
    diagnostics: dict[str, list[Diagnostic]]
    result: loader.LoadResult | None = None
    complete: bool = False
    texts: tuple[tuple[str, str | None], ...] = field(default=(), repr=False)

    @property
    def program(self) -> Program | None:
        return self.result.program if self.result is not None and self.result.ok else None


class Session(loader.Sources):
    """Open documents and what is known about them and the workspace's other files."""

    def __init__(self, roots: Iterable[str | os.PathLike] = (), as_of: _dt.date | None = None) -> None:
        self.roots = [Path(r).resolve() for r in roots]
        self.as_of = as_of
        self.documents: dict[str, Document] = {}
        self.parses = ParseCache()
        self._good: dict[str, loader.LoadResult] = {}
        self._checks: OrderedDict[tuple, list[Diagnostic]] = OrderedDict()
        self._contexts: dict[str, tuple[tuple, Context]] = {}
        self._indexes: dict[str, tuple[tuple, FileIndex]] = {}
        self._workspace: dict[str, list[str]] | None = None

    # -------------------------------------------------------------- documents
    def open(self, path: str | os.PathLike, text: str, version: int | None = None) -> None:
        self.documents[_key(path)] = Document(_key(path), text, version)

    change = open

    def close(self, path: str | os.PathLike) -> None:
        self.documents.pop(_key(path), None)

    def files_changed(self) -> None:
        """Files changed on disk: forget the list of the workspace's files."""
        self._workspace = None

    def read(self, path: str | os.PathLike) -> str | None:
        """A file's text: its open buffer, else the disk (None when it cannot be read)."""
        doc = self.documents.get(_key(path))
        if doc is not None:
            return doc.text
        try:
            raw = read_program_bytes(path)
        except OSError:
            return None
        return decode_source(raw, display_name(path))[0]

    # loader.Sources: the buffers before the disk, and the per-declaration parse cache
    def text(self, path: Path) -> str | None:
        doc = self.documents.get(_key(path))
        return doc.text if doc is not None else None

    def parse(self, text: str, name: str) -> ParseResult:
        return self.parses.parse(text, name)

    # -------------------------------------------------------------- checking
    def check(self, path: str | os.PathLike) -> Checked:
        """Parse, resolve `extends`, lower: every error (the slow checks come in `complete`)."""
        path = _key(path)
        doc = self.documents.get(path)
        version = doc.version if doc else None
        if path.endswith(MAPPING_SUFFIX):
            return self._check_mapping(path, version)
        text = self.read(path)
        if text is None:
            return Checked(path, version, {path: []}, complete=True)
        result = loader.load_program(path, self.as_of, text=text, checks=False, sources=self)
        files = [_key(f) for f in result.files] or [path]
        by_file: dict[str, list[Diagnostic]] = {f: [] for f in files}
        for d in result.diagnostics:
            by_file.setdefault(_key(d.span.file) if d.span else path, []).append(d)
        texts = tuple((f, self.read(f)) for f in files)
        checked = Checked(path, version, by_file, result, texts=texts)
        if result.ok:
            self._good[path] = result
        else:
            checked.complete = True
        return checked

    def cached_checks(self, checked: Checked) -> list[Diagnostic] | None:
        """The slow checks' findings for this exact text, if they were made before."""
        hit = self._checks.get((self.as_of, checked.texts))
        if hit is not None:
            self._checks.move_to_end((self.as_of, checked.texts))
        return hit

    def complete(self, checked: Checked) -> Checked:
        """`checked` with the findings of the checks run on a lowered program
        (`loader.CHECKS`) added: a new `Checked`, the given one is left as it is."""
        if checked.complete or checked.program is None:
            return replace(checked, complete=True)
        found = self.cached_checks(checked)
        if found is None:
            found = [d for check in loader.CHECKS for d in check(checked.program)]
            self._checks[(self.as_of, checked.texts)] = found
            while len(self._checks) > _CHECKS_KEPT:
                self._checks.popitem(last=False)
        # what `tier check` shows: the program's acknowledged warnings left out (or TL260)
        shown, _ = apply_acknowledgements(checked.program, [d for diags in checked.diagnostics.values() for d in diags] + found)
        by_file: dict[str, list[Diagnostic]] = {f: [] for f in checked.diagnostics}
        for d in shown:
            by_file.setdefault(_key(d.span.file) if d.span else checked.path, []).append(d)
        for diags in by_file.values():
            diags.sort(key=sort_key)
        return replace(checked, diagnostics=by_file, complete=True)

    def check_all(self, path: str | os.PathLike) -> Checked:
        return self.complete(self.check(path))

    def program(self, path: str | os.PathLike) -> Program | None:
        """The program of `path` as last loaded without errors (for hovers while it is broken);
        a file not checked yet is loaded now."""
        path = _key(path)
        if path not in self._good and path.endswith(PROGRAM_SUFFIX):
            self.check(path)
        good = self._good.get(path)
        return good.program if good is not None else None

    def _check_mapping(self, path: str, version: int | None) -> Checked:
        text = self.read(path)
        if text is None:
            return Checked(path, version, {path: []}, complete=True)
        mapping, diags = parse_mapping(text, display_name(path))
        if mapping is not None:
            old, new = self.programs_named(mapping.old_program), self.programs_named(mapping.new_program)
            if old and new:
                a = loader.load_program(old[0], self.as_of, checks=False, sources=self)
                b = loader.load_program(new[0], self.as_of, checks=False, sources=self)
                if a.ok and b.ok:
                    diags = check_mapping(mapping, a.program, b.program)  # type: ignore[arg-type]
        return Checked(path, version, {path: sorted(diags, key=sort_key)}, complete=True)

    # -------------------------------------------------------------- syntax, names
    def parsed(self, path: str | os.PathLike) -> ParseResult | None:
        """The file's parse (None when it cannot be read)."""
        text = self.read(path)
        return None if text is None else self.parses.parse(text, display_name(path))

    def module(self, path: str | os.PathLike) -> ast.Module | None:
        """The file's syntax tree, leaving out declarations that do not parse."""
        text = self.read(path)
        if text is None:
            return None
        return self.parses.partial(text, display_name(path))

    def tokens(self, path: str | os.PathLike) -> list[Token]:
        text = self.read(path)
        return [] if text is None else self.parses.tokens(text, display_name(path))

    def chain(self, path: str | os.PathLike) -> list[tuple[Path, ast.Module]]:
        """The file and its `extends` parents, the farthest parent first."""
        out: list[tuple[Path, ast.Module]] = []
        seen: set[Path] = set()
        current: Path | None = Path(_key(path))
        while current is not None and current not in seen:
            seen.add(current)
            module = self.module(current)
            if module is None:
                break
            out.append((current, module))
            current = _parent(current, module)
        return out[::-1]

    def context(self, path: str | os.PathLike) -> Context | None:
        chain = self.chain(path)
        if not chain:
            return None
        key = tuple(self.read(p) for p, _ in chain)
        hit = self._contexts.get(_key(path))
        if hit is not None and hit[0] == key:
            return hit[1]
        modules = {p: m for p, m in chain}
        root_path, root = chain[-1]
        merged = merge(root, root_path, lambda p: modules.get(Path(_key(p))), [])
        ctx = Context(merged, origins(chain), str(root_path))
        self._contexts[_key(path)] = (key, ctx)
        return ctx

    def index(self, path: str | os.PathLike) -> FileIndex | None:
        """Every name of the file, resolved (a mapping file's names resolve in its programs)."""
        path = _key(path)
        if path.endswith(MAPPING_SUFFIX):
            return self._mapping_index(path)
        ctx = self.context(path)
        module = self.module(path)
        if ctx is None or module is None:
            return None
        key = (self.read(path), self._contexts[path][0])
        hit = self._indexes.get(path)
        if hit is not None and hit[0] == key:
            return hit[1]
        idx = index_file(path, module, ctx, self.tokens(path))
        self._indexes[path] = (key, idx)
        return idx

    def _mapping_index(self, path: str) -> FileIndex | None:
        text = self.read(path)
        if text is None:
            return None
        mapping, _ = parse_mapping(text, path)
        if mapping is None:
            return None
        occurrences: list[Occurrence] = []
        lines = text.removeprefix("\ufeff").split("\n")
        for name, span in _program_names(mapping, lines, path):
            files = self.programs_named(name)
            if files:
                occurrences.append(Occurrence(Symbol("program", name, (), files[0]), span))
        sides = {"old": self.programs_named(mapping.old_program), "new": self.programs_named(mapping.new_program)}
        ctxs = {side: self.context(files[0]) if files else None for side, files in sides.items()}
        for c in mapping.compares:
            for side, names, spans in (("old", c.old, c.old_spans), ("new", (c.new,), (c.new_span,))):
                ctx = ctxs[side]
                if ctx is None:
                    continue
                for name, span in zip(names, spans):
                    if span is not None and name in ctx.tracks:
                        occurrences.append(Occurrence(ctx.symbol("track", name), span))
                for r in c.ranks:
                    levels, level_spans = (r.old, r.old_spans) if side == "old" else (r.new, r.new_spans)
                    for level, span in zip(levels, level_spans):
                        for track in names:
                            if level is not None and any(lv.name == level for lv in ctx.levels(track)):
                                occurrences.append(Occurrence(ctx.symbol("level", level, (track,)), span))
        return FileIndex(path, occurrences)

    # -------------------------------------------------------------- the workspace
    def workspace_files(self, suffix: str) -> list[str]:
        """The workspace folders' files with this suffix, and the open ones."""
        if self._workspace is None:
            found: dict[str, list[str]] = {PROGRAM_SUFFIX: [], MAPPING_SUFFIX: []}
            for root in self.roots:
                for dirpath, dirnames, filenames in os.walk(root):
                    dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
                    for f in sorted(filenames):
                        for suf, out in found.items():
                            if f.endswith(suf) and len(out) < MAX_WORKSPACE_FILES:
                                out.append(_key(os.path.join(dirpath, f)))
            self._workspace = found
        files = list(self._workspace.get(suffix, []))
        files += [p for p in self.documents if p.endswith(suffix) and p not in files]
        return files

    def programs_named(self, name: str) -> list[str]:
        """The workspace's program files whose header declares program `name`."""
        out = []
        for f in self.workspace_files(PROGRAM_SUFFIX):
            module = self.module(f)
            header = next((i for i in module.items if isinstance(i, ast.ProgramDecl)), None) if module else None
            if header is not None and header.name == name:
                out.append(f)
        return out

    def family(self, origin: str) -> list[str]:
        """The program files whose `extends` chain includes `origin` (itself included)."""
        target = Path(_key(origin))
        return [f for f in self.workspace_files(PROGRAM_SUFFIX) if any(p == target for p, _ in self.chain(f))]

    def references(self, symbol: Symbol) -> list[Occurrence]:
        """Every occurrence of `symbol` in the workspace: its program family and mappings."""
        out: list[Occurrence] = []
        files = self.family(symbol.origin) if symbol.origin else []
        files += self.workspace_files(MAPPING_SUFFIX)
        for f in files:
            idx = self.index(f)
            if idx is not None:
                out.extend(idx.of(symbol))
        return out

    def occurrence_at(self, path: str | os.PathLike, line: int, column: int) -> Occurrence | None:
        idx = self.index(path)
        return idx.at(line, column) if idx is not None else None

    def table_definitions(self, path: str | os.PathLike, symbol: Symbol) -> list[Occurrence]:
        """Where the related table that `symbol` is about is declared (a records metric's, a
        column's, a track per row's: `Context.table_of`), as `path`'s program sees it."""
        ctx = self.context(path) if not _key(path).endswith(MAPPING_SUFFIX) else None
        table = ctx.table_of(symbol) if ctx is not None else None
        return self.definitions(path, ctx.symbol("table", table)) if ctx is not None and table is not None else []

    def definitions(self, path: str | os.PathLike, symbol: Symbol) -> list[Occurrence]:
        """Where `symbol` is declared as `path`'s program sees it: the nearest override first."""
        if symbol.kind == "program":
            idx = self.index(symbol.origin)
            return idx.of(symbol) if idx else []
        home = [str(p) for p, _ in self.chain(path)] if not _key(path).endswith(MAPPING_SUFFIX) else []
        if not home:  # a mapping: the program it names
            home = [str(p) for p, _ in self.chain(symbol.origin)]
        found: list[Occurrence] = []
        for f in reversed(home):
            idx = self.index(f)
            if idx is not None:
                found.extend(o for o in idx.of(symbol) if o.definition)
        return found


def _parent(path: Path, module: ast.Module) -> Path | None:
    header = next((i for i in module.items if isinstance(i, ast.ProgramDecl)), None)
    ext = next((a for a in header.attrs if a.kind == "extends"), None) if header else None
    if ext is None or not isinstance(ext.value, str):
        return None
    return (path.parent / ext.value).resolve()


_MAPPING_HEAD = re.compile(r"mapping\s+([a-z][a-z0-9_]*)\s*->\s*([a-z][a-z0-9_]*)")


def _program_names(mapping: MappingFile, lines: list[str], path: str) -> list[tuple[str, Span]]:
    """The spans of the two program names in a mapping's head line."""
    if mapping.span is None:
        return []
    line = mapping.span.line
    m = _MAPPING_HEAD.search(lines[line - 1]) if line <= len(lines) else None
    if m is None:
        return []
    return [(m.group(g), Span(path, line, m.start(g) + 1, line, m.end(g) + 1)) for g in (1, 2)]


def check_document(uri: str, text: str, buffers: Mapping[str, str] | None = None) -> dict[str, list[Diagnostic]]:
    """Every diagnostic of the document `uri` with `text`, by the URI of the file each is in
    (every file of its `extends` chain has an entry). `buffers` are other open documents
    (URI -> text), read instead of the disk: an unsaved parent, say."""
    from pygls.uris import from_fs_path, to_fs_path

    session = Session()
    for other, content in (buffers or {}).items():
        session.open(to_fs_path(other), content)
    path = to_fs_path(uri)
    session.open(path, text)
    checked = session.check_all(path)
    return {from_fs_path(f) or f: diags for f, diags in checked.diagnostics.items()}
