"""Files written whole or not at all.

Every command that writes a file writes it through `replacing`: the content goes to a
temporary file in the target's own folder (so that the final rename never crosses file
systems), and only when all of it is written is it renamed over the target. An interrupted
run (Ctrl-C, a full disk, an exception, `kill`) leaves the previous file as it was, and no
half-written one. Several files that belong together (a results file and its `.meta.json`)
are renamed one right after the other with Ctrl-C and termination signals held until both
are in place: they change together. What this cannot promise is survival of a power loss
or `kill -9` in the microseconds between two renames (nothing is flushed to disk first:
that would cost seconds on large results); docs/security.md says so.

A target that is a symbolic link is written through: the file it points to is replaced. A
target that is a device or a pipe (`/dev/null`, a FIFO) is written directly.
Temporary files are named `.NAME.tier-XXXXXXXX.tmp` beside their target and removed when
the write fails.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import stat
from collections.abc import Iterator
from pathlib import Path

__all__ = ["replacing", "write_text", "write_bytes"]

#: The permissions a new file gets (what `open` would give: 0o666 less the umask). Read
#: once, at import: `os.umask` can only be read by setting it.
_UMASK = os.umask(0o022)
os.umask(_UMASK)

#: Signals that would end the process between two renames; held until the renames are done.
_HELD = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def replacing(*targets: str | os.PathLike) -> Iterator[list[str]]:
    """Temporary paths to write `targets` to, one each; when the block ends without an
    exception, each replaces its target (all together), else they are removed.

        with replacing("results.csv", "results.csv.meta.json") as (csv, meta):
            frame.write_csv(csv)
            Path(meta).write_text(...)
    """
    finals = [os.path.realpath(t) for t in targets]
    # A device or a pipe (`-o /dev/null`, a FIFO) is written as it is: it is a stream, not a
    # file to replace (replacing /dev/null with a file would break the system).
    temps = [final if _special(final) else _temp_name(final) for final in finals]
    swaps = [(tmp, final) for tmp, final in zip(temps, finals) if tmp != final]
    try:
        yield temps
        for tmp, final in swaps:
            os.chmod(tmp, _mode(final))
        with _signals_held():
            for tmp, final in swaps:
                os.replace(tmp, final)
    finally:
        for tmp, _ in swaps:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def write_text(path: str | os.PathLike, text: str) -> None:
    """`Path(path).write_text(text, encoding="utf-8")`, whole or not at all."""
    with replacing(path) as (tmp,):
        Path(tmp).write_text(text, encoding="utf-8")


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with replacing(path) as (tmp,):
        Path(tmp).write_bytes(data)


def _special(path: str) -> bool:
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False  # not there yet: a new file


def _temp_name(final: str) -> str:
    folder, name = os.path.split(final)
    return os.path.join(folder, f".{name}.tier-{secrets.token_hex(4)}.tmp")


def _mode(final: str) -> int:
    """The permissions of the file being replaced, else those of a new file."""
    try:
        return os.stat(final).st_mode & 0o7777
    except OSError:
        return 0o666 & ~_UMASK


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and termination signals for the duration of the block, then deliver them
    (Python handlers run in the main thread only; elsewhere the block runs unguarded)."""
    received: list[int] = []
    previous: dict[int, object] = {}
    try:
        for sig in _HELD:
            previous[sig] = signal.signal(sig, lambda signum, frame: received.append(signum))
    except ValueError:  # not the main thread: signals cannot be held from here
        pass
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
        for sig in received:
            os.kill(os.getpid(), sig)  # now, under the handler it had
