"""The program cache: loaded programs kept on disk, so that a command on an unchanged program
skips parsing, lowering and checking (for cloudpartner2022: about 0.1 s of parsing and the
import of Lark, against a few milliseconds to read the entry back).

An entry is found by a key over everything a `LoadResult` depends on: the program file's
bytes, its absolute path and the working directory (messages name files relative to it), the
`as_of` date, whether the checks ran, and tierlang's own code and grammar (their sizes and
modification times, so an upgrade or an edit to a checkout is never served a stale result).
Files the program reads through `extends` are recorded in the entry with their hashes and
verified on every hit. The cache is only ever an optimisation: an entry that cannot be read
or written, or does not match, is a miss, and nothing is reported.

Location: `$TIER_CACHE_DIR`, else `$XDG_CACHE_HOME/tierlang`, else `~/.cache/tierlang`.
`TIER_NO_CACHE=1` turns it off. At most `MAX_ENTRIES` entries are kept (the least recently
used go first).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import os
import pickle
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["cache_dir", "lookup", "store", "file_digest", "MAX_ENTRIES"]

#: Bump when the entry layout changes.
_FORMAT = b"tierlang-program-cache-1"
MAX_ENTRIES = 256
_SUFFIX = ".pickle"


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is turned off."""
    if os.environ.get("TIER_NO_CACHE", "") not in ("", "0"):
        return None
    if os.environ.get("TIER_CACHE_DIR"):
        return Path(os.environ["TIER_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tierlang"


def file_digest(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=1)
def _code_fingerprint() -> bytes:
    """tierlang's code and grammar as they are on disk now (sizes and modification times)."""
    from tierlang.syntax.grammar import GRAMMAR_PATH

    package = Path(__file__).resolve().parent
    h = hashlib.sha256(_FORMAT)
    for path in sorted([*package.rglob("*.py"), GRAMMAR_PATH]):
        try:
            st = path.stat()
        except OSError:
            continue
        h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.digest()


def _key(path: str | os.PathLike, root: bytes, as_of: _dt.date | None, checks: bool) -> str:
    h = hashlib.sha256(_code_fingerprint())
    for part in (os.path.abspath(path), os.getcwd(), as_of.isoformat() if as_of else "-", str(checks)):
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    h.update(root)
    return h.hexdigest()


def _read(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


def lookup(path: str | os.PathLike, root: bytes, as_of: _dt.date | None, checks: bool) -> Any | None:
    """The stored result for this program, or None (a miss, for whatever reason)."""
    folder = cache_dir()
    if folder is None:
        return None
    entry = folder / (_key(path, root, as_of, checks) + _SUFFIX)
    try:
        with open(entry, "rb") as f:
            deps, result = pickle.load(f)
        if any(file_digest(_read(dep)) != digest for dep, digest in deps):
            return None
    except Exception:  # missing, unreadable, truncated or from another layout: a miss
        return None
    with contextlib.suppress(OSError):
        os.utime(entry)  # recently used: pruned last
    return result


def store(path: str | os.PathLike, root: bytes, as_of: _dt.date | None, checks: bool, deps: dict[str, str | None], result: Any) -> None:
    """Keep `result`, valid while every file in `deps` (absolute path -> `file_digest` of
    its bytes, None when it could not be read) is unchanged."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        # written whole, then renamed: a concurrent reader never sees half an entry
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump((sorted(deps.items()), result), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / (_key(path, root, as_of, checks) + _SUFFIX))
        _prune(folder)
    except Exception:  # a read-only home, a full disk, an unpicklable value: run uncached
        return


def _prune(folder: Path) -> None:
    entries = list(folder.glob("*" + _SUFFIX))
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=lambda p: p.stat().st_mtime_ns)
    for old in entries[: len(entries) - MAX_ENTRIES]:
        old.unlink(missing_ok=True)
