"""Reading program files safely: only regular files, and only up to a stated size.

A program, a parent it `extends` or a mapping may name any path. `/dev/zero` would be read
until memory runs out, a FIFO would block forever, and a 100 MB "program" would take the
parser minutes: `read_program_bytes` refuses each with a message that says why, before
reading (the type and size are checked on the opened file, so a file swapped in between
is checked too).

`program_family` lists the files a program reads through `extends`, so that commands never
write an output over any of them (not only over the files named on the command line)."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

__all__ = ["MAX_PROGRAM_BYTES", "NotAProgramFile", "program_file_problem", "read_program_bytes", "program_family"]

#: The largest program, parent or mapping file read (the real programs are 10 to 50 KB).
MAX_PROGRAM_BYTES = 4 * 1024 * 1024


class NotAProgramFile(OSError):
    """A path that names something other than a regular file of at most MAX_PROGRAM_BYTES."""


def _problem(st: os.stat_result) -> str | None:
    if stat.S_ISDIR(st.st_mode):
        return "is a folder"
    if not stat.S_ISREG(st.st_mode):
        return "is not a regular file (a device, a pipe or a socket)"
    if st.st_size > MAX_PROGRAM_BYTES:
        return f"is {st.st_size:,} bytes: larger than the {MAX_PROGRAM_BYTES // (1024 * 1024)} MiB a program file may have"
    return None


def program_file_problem(path: str | os.PathLike) -> str | None:
    """Why `path` cannot be read as a program ("does not exist", "is a folder", ...), or None."""
    try:
        return _problem(os.stat(path))
    except FileNotFoundError:
        return "does not exist"
    except OSError as e:
        return f"cannot be read ({e.strerror or e})"


def read_program_bytes(path: str | os.PathLike) -> bytes:
    """The bytes of a program file. Raises `NotAProgramFile` for anything but a regular file
    of at most MAX_PROGRAM_BYTES, `OSError` when it cannot be read."""
    # O_NONBLOCK: opening a FIFO for reading must not wait for a writer (it is refused below)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as f:
        problem = _problem(os.fstat(fd))
        if problem is not None:
            raise NotAProgramFile(f"{os.fspath(path)} {problem}")
        raw = f.read(MAX_PROGRAM_BYTES + 1)
    if len(raw) > MAX_PROGRAM_BYTES:  # grew while being read
        raise NotAProgramFile(f"{os.fspath(path)} is larger than the {MAX_PROGRAM_BYTES // (1024 * 1024)} MiB a program file may have")
    return raw


# Conservative on purpose: an `extends "..."` in a comment is followed too. A file protected
# needlessly costs nothing; a parent overwritten is lost work.
_EXTENDS = re.compile(rb'\bextends\s+"((?:[^"\\\n]|\\.)*)"')


def program_family(path: str | os.PathLike, limit: int = 64) -> list[str]:
    """`path` and every file its `extends` chain names (found by a scan of the text, not a
    parse: a superset of the parents), relative paths resolved as the loader does. Files
    that cannot be read end the chain there; at most `limit` files."""
    out: list[str] = []
    todo = [Path(path)]
    while todo and len(out) < limit:
        p = todo.pop()
        real = os.path.realpath(p)
        if real in out:
            continue
        out.append(real)
        try:
            raw = read_program_bytes(p)
        except OSError:
            continue
        # the loader resolves the root's parent from the root as named, a parent's from its real folder
        folders = {p.parent, Path(real).parent}
        for m in _EXTENDS.finditer(raw):
            todo += [folder / m.group(1).decode("utf-8", "replace") for folder in folders]
    return out
