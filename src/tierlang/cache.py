"""The program cache: loaded programs kept on disk, so that a command on an unchanged program
skips parsing, lowering and checking (for cloudpartner2022: about 0.1 s of parsing and the
import of Lark, against a few milliseconds to read the entry back). An entry holds no syntax
tree: `LoadResult.module` of a hit parses the program's bytes when it is first read.

An entry is found by a key over everything a `LoadResult` depends on: the program file's
bytes, its absolute path and the working directory (messages name files relative to it), the
`as_of` date, the `options` the result depends on (whether the checks ran, how long their
searches may run), and tierlang's own code and grammar (their sizes and
modification times, so an upgrade or an edit to a checkout is never served a stale result).
Files the program reads through `extends` are recorded in the entry with the file each path
resolved to and the hash of its bytes, both verified on every hit (a symlink repointed to
another parent is a miss). The cache is only ever an optimisation: an entry that cannot be
read or written, or does not match, is a miss, and nothing is reported.

The cache folder is an input that other people may be able to write (a shared
`TIER_CACHE_DIR`, a folder restored by CI), so an entry is trusted only when
- the folder and the entry are owned by the current user and writable by nobody else
  (checked on the open file descriptors, so a file swapped in between is not read);
- the entry carries an HMAC-SHA256 of its content and name under a per-user secret kept in
  the folder (`SECRET`, created 0600), compared in constant time: a modified or planted
  entry is a miss;
- and even then it is read by an unpickler that builds nothing but tierlang's own
  dataclasses and enums and a few value types (`date`, `Fraction`, `Decimal`): whoever knows
  the secret can at worst change a result, never run code. (A data-only JSON format would
  give the same guarantee but needs a second serializer kept in step with every AST and IR
  class; the allowlist follows them by construction.)

Only files tierlang wrote are ever deleted: entries are named `<64 hex digits>.tiercache`
and start with a format header; temporary files `.tierlang-<hex>.tmp`. Entries are bounded
(`MAX_ENTRY_BYTES`); a larger result is not cached.

Location: `$TIER_CACHE_DIR`, else `$XDG_CACHE_HOME/tierlang`, else `~/.cache/tierlang`.
`TIER_NO_CACHE=1` turns it off. At most `MAX_ENTRIES` entries are kept (the least recently
used go first). docs/security.md states the threat model.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import decimal
import enum
import fractions
import hashlib
import hmac
import importlib
import io
import os
import pickle
import re
import secrets
import stat
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from tierlang.files import read_program_bytes

__all__ = ["cache_dir", "lookup", "store", "file_digest", "MAX_ENTRIES", "MAX_ENTRY_BYTES", "SECRET"]

#: The first bytes of every entry. Bump when the entry layout changes.
_MAGIC = b"tierlang-program-cache-2\n"
MAX_ENTRIES = 256
#: The largest entry written or read (a 200 KB program makes an entry of about 1 MB).
MAX_ENTRY_BYTES = 16 * 1024 * 1024
_SUFFIX = ".tiercache"
_ENTRY_NAME = re.compile(r"[0-9a-f]{64}" + re.escape(_SUFFIX))
_TEMP_NAME = re.compile(r"\.tierlang-[0-9a-f]{16}\.tmp")
#: A temporary file this old was left by a writer that died: removed when pruning.
_STALE_TEMP_SECONDS = 3600
#: The per-user secret that authenticates entries.
SECRET = "secret.key"
_SECRET_BYTES = 32

#: The cache needs `openat`-style calls to check and read files on a folder it has verified.
_SUPPORTED = {os.open, os.stat, os.unlink, os.rename, os.link} <= os.supports_dir_fd and hasattr(os, "O_NOFOLLOW")


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is turned off."""
    if os.environ.get("TIER_NO_CACHE", "") not in ("", "0") or not _SUPPORTED:
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

    package = os.path.dirname(os.path.realpath(__file__))
    # os.walk rather than Path.rglob: every command pays this, and rglob took twice the time
    sources = [os.path.join(folder, name) for folder, _, names in os.walk(package) for name in names if name.endswith(".py")]
    h = hashlib.sha256(_MAGIC)
    for path in sorted([*sources, str(GRAMMAR_PATH)]):
        try:
            st = os.stat(path)
        except OSError:
            continue
        h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.digest()


def _key(path: str | os.PathLike, root: bytes, as_of: _dt.date | None, options: str) -> str:
    h = hashlib.sha256(_code_fingerprint())
    for part in (os.path.abspath(path), os.getcwd(), as_of.isoformat() if as_of else "-", options):
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    h.update(root)
    return h.hexdigest()


def _read(path: str) -> bytes | None:
    try:
        return read_program_bytes(path)
    except OSError:
        return None


def _private(st: os.stat_result, forbidden: int = 0o022) -> bool:
    """Owned by the current user, and none of the `forbidden` permission bits set (by
    default: nobody else may write it)."""
    return st.st_uid == os.geteuid() and not st.st_mode & forbidden


@contextlib.contextmanager
def _folder(create: bool) -> Iterator[int]:
    """The cache folder, opened and verified (a directory owned by the current user that
    nobody else can write); raises OSError otherwise."""
    folder = cache_dir()
    if folder is None:
        raise OSError("the cache is turned off")
    if create:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if not _private(os.fstat(fd)):
            raise PermissionError(f"{folder} is not private to this user")
        yield fd
    finally:
        os.close(fd)


def _open_private(name: str, dir_fd: int, forbidden: int = 0o022) -> tuple[io.BufferedReader, os.stat_result]:
    """A regular file in the cache folder, opened without following a symlink and checked
    on the open descriptor."""
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=dir_fd)
    f = os.fdopen(fd, "rb")
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or not _private(st, forbidden):
        f.close()
        raise PermissionError(f"{name} is not a private file")
    return f, st


def _secret(dir_fd: int, create: bool) -> bytes:
    """The per-user secret, made on first use: readable by its owner only."""
    try:
        f, _ = _open_private(SECRET, dir_fd, forbidden=0o077)
    except FileNotFoundError:
        if not create:
            raise
        _make_secret(dir_fd)
        f, _ = _open_private(SECRET, dir_fd, forbidden=0o077)
    with f:
        key = f.read(_SECRET_BYTES + 1)
    if len(key) != _SECRET_BYTES:
        raise PermissionError("the cache secret is damaged")
    return key


def _make_secret(dir_fd: int) -> None:
    # Written whole under a temporary name, then linked into place: a concurrent reader sees
    # no secret or a whole one, and of two writers the first one's secret stays.
    tmp = _write_temp(dir_fd, secrets.token_bytes(_SECRET_BYTES))
    try:
        os.link(tmp, SECRET, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp, dir_fd=dir_fd)


def _write_temp(dir_fd: int, data: bytes) -> str:
    name = f".tierlang-{secrets.token_hex(8)}.tmp"
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    except BaseException:
        os.unlink(name, dir_fd=dir_fd)
        raise
    return name


def _mac(key: bytes, name: str, payload: bytes) -> bytes:
    return hmac.new(key, _MAGIC + name.encode() + b"\0" + payload, hashlib.sha256).digest()


# What an entry may contain besides tierlang's dataclasses and enums: the value types of the
# AST and the IR. Containers (tuple, list, dict, set, frozenset, str, bytes, numbers) are
# pickle opcodes, not globals.
_VALUE_TYPES = {
    ("datetime", "date"): _dt.date,
    ("fractions", "Fraction"): fractions.Fraction,
    ("decimal", "Decimal"): decimal.Decimal,
}


#: tierlang classes that are neither dataclasses nor enums but plain holders of state
#: (rebuilt from their `__dict__`, no code of theirs runs).
_PLAIN_CLASSES = {("tierlang.diagnostics", "SourceMap")}


class _Unpickler(pickle.Unpickler):
    """Builds only tierlang's own dataclasses and enums, `_PLAIN_CLASSES` and
    `_VALUE_TYPES`: a pickle that names any other global (a function such as `os.system`, a
    class with side effects) is refused before anything of it is called."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _VALUE_TYPES:
            return _VALUE_TYPES[module, name]
        if (module, name) in _PLAIN_CLASSES:
            return super().find_class(module, name)
        if (module == "tierlang" or module.startswith("tierlang.")) and name.isidentifier():
            try:
                found = getattr(importlib.import_module(module), name, None)
            except ImportError:
                found = None
            if (
                isinstance(found, type)
                and found.__module__ == module
                and found.__qualname__ == name
                and (dataclasses.is_dataclass(found) or issubclass(found, enum.Enum))
            ):
                return found
        raise pickle.UnpicklingError(f"global '{module}.{name}' is not allowed in the program cache")


def _verify_deps(deps: object) -> bool:
    """True when every file the entry depends on still resolves to the same file with the
    same bytes (or is still unreadable)."""
    return isinstance(deps, list) and all(
        os.path.realpath(path) == real and file_digest(_read(path)) == digest for path, real, digest in deps
    )


def lookup(path: str | os.PathLike, root: bytes, as_of: _dt.date | None, options: str) -> Any | None:
    """The stored result for this program, or None (a miss, for whatever reason)."""
    name = _key(path, root, as_of, options) + _SUFFIX
    try:
        with _folder(create=False) as dir_fd:
            f, st = _open_private(name, dir_fd)
            with f:
                if st.st_size > MAX_ENTRY_BYTES:
                    return None
                data = f.read(MAX_ENTRY_BYTES + 1)
                key = _secret(dir_fd, create=False)
                header, mac, payload = data[: len(_MAGIC)], data[len(_MAGIC) : len(_MAGIC) + 32], data[len(_MAGIC) + 32 :]
                if header != _MAGIC or not hmac.compare_digest(mac, _mac(key, name, payload)):
                    return None
                deps, result = _Unpickler(io.BytesIO(payload)).load()
                if not _verify_deps(deps):
                    return None
                with contextlib.suppress(OSError):
                    os.utime(f.fileno())  # recently used: pruned last
                return result
    except Exception:  # missing, not private, forged, truncated or from another layout: a miss
        return None


def store(path: str | os.PathLike, root: bytes, as_of: _dt.date | None, options: str, deps: dict[str, str | None], result: Any) -> None:
    """Keep `result`, valid while every file in `deps` (path as the program names it ->
    `file_digest` of its bytes, None when it could not be read) is unchanged and resolves to
    the same file."""
    if cache_dir() is None:
        return
    name = _key(path, root, as_of, options) + _SUFFIX
    try:
        recorded = sorted((dep, os.path.realpath(dep), digest) for dep, digest in deps.items())
        payload = pickle.dumps((recorded, result), protocol=pickle.HIGHEST_PROTOCOL)
        if len(_MAGIC) + 32 + len(payload) > MAX_ENTRY_BYTES:
            return
        with _folder(create=True) as dir_fd:
            key = _secret(dir_fd, create=True)
            # written whole, then renamed: a concurrent reader never sees half an entry
            tmp = _write_temp(dir_fd, _MAGIC + _mac(key, name, payload) + payload)
            os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            _prune(dir_fd)
    except Exception:  # a read-only home, a full disk, a folder others can write, an unpicklable value: run uncached
        return


def _prune(dir_fd: int) -> None:
    """Keep the `MAX_ENTRIES` most recently used entries; delete nothing tierlang did not
    write (the name, the owner and the header must all say so)."""
    entries: list[tuple[int, str]] = []
    now = time.time()
    for name in os.listdir(dir_fd):
        is_entry = _ENTRY_NAME.fullmatch(name) is not None
        if not is_entry and _TEMP_NAME.fullmatch(name) is None:
            continue
        try:
            st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or not _private(st):
            continue
        if is_entry:
            entries.append((st.st_mtime_ns, name))
        elif now - st.st_mtime > _STALE_TEMP_SECONDS:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=dir_fd)
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort()
    for _, name in entries[: len(entries) - MAX_ENTRIES]:
        with contextlib.suppress(OSError):
            f, _ = _open_private(name, dir_fd)
            with f:
                ours = f.read(len(_MAGIC)) == _MAGIC
            if ours:
                os.unlink(name, dir_fd=dir_fd)
