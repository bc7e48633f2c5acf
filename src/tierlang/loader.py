"""Load a program: read, parse, resolve `extends`, lower to IR, run the checks."""

from __future__ import annotations

import datetime as _dt
import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tierlang import cache, ir
from tierlang.diagnostics import Deferred, Diagnostic, SourceMap, complete, decode_source, display_name, has_errors, sort_key
from tierlang.files import read_program_bytes
from tierlang.recursion import deep_recursion

# The passes and the syntax tree are imported where a program is loaded, not read from the
# program cache: a hit (every `tier eval` of an unchanged program) needs neither, and their
# import was a fifth of a second of CPU, as much as polars'.
if TYPE_CHECKING:
    from tierlang.syntax import ast
    from tierlang.syntax.parser import ParseResult

__all__ = ["LoadResult", "Sources", "load_program", "display_name", "CHECKS"]


@dataclass
class LoadResult:
    program: ir.Program | None
    diagnostics: list[Diagnostic]
    sources: SourceMap
    #: The program file's syntax tree. Left out of a program-cache entry (no command run from
    #: the cache reads it, and unpickling it was most of a hit's time): a result read from the
    #: cache parses the program's bytes again when this is first read, giving the same tree.
    #: (A default factory, not a default: the class has no `module` attribute, so that
    #: `__getattr__` is asked when an entry was unpickled without it.)
    module: ast.Module | None = field(default_factory=lambda: None)
    files: list[str] = field(default_factory=list)
    #: Files read besides the program itself (absolute path as the program names it, symlinks
    #: and `..` not resolved -> sha256 of their bytes, None when unreadable): what a cached
    #: copy of this result depends on.
    deps: dict[str, str | None] = field(default_factory=dict)
    #: Warnings the program acknowledges (`acknowledge CODE "reason"`), not in `diagnostics`;
    #: each has its reason in `data["acknowledged"]`. Their detail may be deferred (a
    #: `Deferred` monotonicity finding: its witness search has not run), which is all a count
    #: needs; `acknowledged` has them whole.
    quiet: list[Diagnostic] = field(default_factory=list)

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        if state.get("module") is not None:
            del state["module"]  # parsed again on first read (`__getattr__`)
        state.pop("_root", None)  # the bytes of a hit: the cache key already holds them
        return state

    def __getattr__(self, name: str) -> object:
        # Only called when `name` is not in the instance: `module` of a cache hit, not yet read.
        root = self.__dict__.get("_root") if name == "module" else None
        if root is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        raw, file = root
        text, bad = decode_source(raw, file)
        module = None
        if bad is None:
            with deep_recursion():
                module = Sources().parse(text, file).module
        self.__dict__["module"] = module
        del self.__dict__["_root"]
        return module

    @property
    def acknowledged(self) -> list[Diagnostic]:
        """The acknowledged warnings whole, their deferred detail worked out (once)."""
        if any(isinstance(d, Deferred) for d in self.quiet):
            self.quiet = [complete(d) for d in self.quiet]
        return self.quiet

    @property
    def ok(self) -> bool:
        return self.program is not None and not has_errors(self.diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]


class Sources:
    """Where `load_program` gets a file's text and its parse. This default reads the disk and
    parses afresh; an editor (`tierlang.lsp`) reads its open buffers before the disk and keeps
    the parses of text it has seen."""

    def text(self, path: Path) -> str | None:
        """The text of `path` when it is not the disk's (an unsaved editor buffer), else None."""
        return None

    def parse(self, text: str, name: str) -> ParseResult:
        from tierlang.syntax.parser import parse  # Lark: only when a program is parsed

        return parse(text, name)


#: Checks run on a lowered program, each `Program -> list[Diagnostic]` (made on first use:
#: `_checks`); a pass may append itself here.
CHECKS: list


def _checks() -> list:
    """`CHECKS`, made on first use (see the imports above)."""
    found = globals().get("CHECKS")
    if found is None:
        from tierlang.passes.ladder import check_ladders
        from tierlang.passes.lower import warnings_unused
        from tierlang.passes.monotonicity import check_monotonicity

        found = globals()["CHECKS"] = [check_ladders, warnings_unused, check_monotonicity]
    return found


def __getattr__(name: str) -> object:
    if name == "CHECKS":
        return _checks()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_program(
    path: str | os.PathLike,
    as_of: _dt.date | None = None,
    *,
    text: str | None = None,
    checks: bool = True,
    sources: Sources | None = None,
) -> LoadResult:
    """Load and check a program file. Never raises for bad program text; raises
    `FileNotFoundError`/`OSError` when `path` itself cannot be read (a usage error), and
    `tierlang.files.NotAProgramFile` when it is not a regular file or is too large.

    `sources` gives the text of files the disk does not have yet (an editor's buffers, for
    `extends` parents too) and may reuse parses. Without it, a program file read from disk is
    looked up in the program cache first (`tierlang.cache`) and stored there after loading."""
    # the passes recurse over expressions (and pickling, for the cache)
    with deep_recursion(), _fewer_collections():
        if sources is not None:
            return _load_program(Path(path), None, as_of, text, checks, sources)
        return _load_or_hit(Path(path), as_of, text, checks)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run a block with the collector's young generation collected every 100,000 allocations
    at most, restoring the caller's threshold after. A load keeps nearly all it allocates (the
    syntax trees, the IR, the checks' tables) until it returns: with the default threshold the
    collector walked them, and every other object of the process, a hundred times per load of
    a large program (a tenth of its time). `tier` commands collect as rarely already (the CLI
    raises the threshold for the whole command); this gives a library caller and the language
    server the same."""
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], 100_000), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


def _load_or_hit(root_path: Path, as_of: _dt.date | None, text: str | None, checks: bool) -> LoadResult:
    root_bytes = read_program_bytes(root_path) if text is None else None
    # the checks' findings depend on how long their searches may run (`tier check --witness`)
    if checks:
        from tierlang.passes.monotonicity import current_budget

        options = f"checks, search budget {current_budget()}"
    else:
        options = "no checks"
    if root_bytes is not None:
        hit = cache.lookup(root_path, root_bytes, as_of, options)
        if isinstance(hit, LoadResult):
            if "module" not in hit.__dict__:
                hit.__dict__["_root"] = (root_bytes, display_name(root_path))  # what `module` parses, if read
            return hit
    result = _load_program(root_path, root_bytes, as_of, text, checks, Sources())
    # A missing parent (TL225) may appear at any moment: such a result is never kept.
    if root_bytes is not None and not any(d.code == "TL225" for d in result.diagnostics):
        if result.program is not None and cache.cache_dir() is not None:
            # A cached property, kept in the entry: every command that writes results names the
            # program by it, and it walks the whole program (a tenth of a second for the largest).
            _ = result.program.content_hash
            _ = result.acknowledged  # an entry keeps them whole (a deferred search is not data)
        cache.store(root_path, root_bytes, as_of, options, result.deps, result)
    return result


def _load_program(
    root_path: Path, root_bytes: bytes | None, as_of: _dt.date | None, text: str | None, checks: bool, reader: Sources
) -> LoadResult:
    sources = SourceMap()
    diags: list[Diagnostic] = []
    modules: dict[Path, ast.Module | None] = {}
    deps: dict[str, str | None] = {}  # the other files read, for the cache to verify

    def load(p: Path, override: str | None = None) -> ast.Module | None:
        # `p` is the root as given, or a parent as its child names it (relative to the
        # child's real folder): messages name a parent by its real path, the cache records
        # the path as written, so that a symlink repointed to another parent is noticed.
        key = p.resolve()
        if key in modules:
            return modules[key]
        name = display_name(p if p is root_path else key)
        written = str(Path.cwd() / p)  # absolute, `..` left for the OS to resolve after symlinks
        if override is None:
            override = reader.text(p)
        if override is None:
            try:
                raw = root_bytes if p is root_path and root_bytes is not None else read_program_bytes(p)
            except OSError:
                modules[key] = None
                deps[written] = None
                return None
            if p is not root_path:
                deps[written] = cache.file_digest(raw)
            content, bad = decode_source(raw, name)
            if bad is not None:
                sources.add(name, content)
                diags.append(bad)
                modules[key] = None
                return None
        else:
            content = override
        sources.add(name, content)
        result = reader.parse(content, name)
        diags.extend(result.diagnostics)
        modules[key] = result.module
        return result.module

    from tierlang.passes.acknowledge import apply_acknowledgements
    from tierlang.passes.extends import merge
    from tierlang.passes.lower import lower

    root = load(root_path, text)
    program = None
    if root is not None:
        merged = merge(root, root_path, load, diags)
        if not has_errors(diags):
            program, lowered = lower(merged, as_of)
            diags.extend(lowered)
            if program is not None and checks:
                for check in _checks():
                    diags.extend(check(program))
    acknowledged: list[Diagnostic] = []
    if program is not None and checks:
        diags, acknowledged = apply_acknowledgements(program, diags)
    diags.sort(key=sort_key)
    return LoadResult(program, diags, sources, root, [display_name(p) for p in modules], deps, acknowledged)
