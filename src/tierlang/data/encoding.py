"""Text files in a declared encoding, and the row of a byte that is not text in it.

polars reads UTF-8 only. A file in another encoding (`--encoding cp1252`, what Excel on
Windows saves as "CSV") is decoded here once, as a stream, into a UTF-8 copy in a temporary
folder, which the readers then use like any file; a byte the encoding has no character for
stops it with the row (line) and the byte. A UTF-8 file that polars cannot read is searched
the same way, so its bad byte is reported at its row too.
"""

from __future__ import annotations

import codecs
import tempfile
from pathlib import Path

__all__ = ["BadByte", "canonical", "is_utf8", "to_utf8", "find_bad_byte"]

_CHUNK = 1 << 20


class BadByte(ValueError):
    """A byte that is not text in the file's encoding, at `line` (1-based) and byte `offset`."""

    def __init__(self, encoding: str, line: int, offset: int, byte: int) -> None:
        self.encoding, self.line, self.offset, self.byte = encoding, line, offset, byte
        super().__init__(f"row {line}: byte 0x{byte:02X} is not {encoding} text")


def canonical(encoding: str) -> str:
    """The codec's name (`UTF8` → `utf-8`, `windows-1252` → `cp1252`); ValueError for an
    encoding Python does not know."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ValueError(f"unknown encoding '{encoding}'") from None


def is_utf8(encoding: str) -> bool:
    return canonical(encoding) in ("utf-8", "utf-8-sig")


def find_bad_byte(path: Path, encoding: str = "utf-8") -> BadByte | None:
    """The first byte of `path` that is not text in `encoding`, or None."""
    try:
        _decode(path, encoding, None)
    except BadByte as e:
        return e
    return None


def to_utf8(path: Path, encoding: str) -> tuple[Path, tempfile.TemporaryDirectory]:
    """A UTF-8 copy of `path` (decoded from `encoding`) in a temporary folder, and the folder:
    keep it as long as the copy is read (it is removed when it is garbage collected, or at
    exit). Raises `BadByte`."""
    folder = tempfile.TemporaryDirectory(prefix="tier-text-")
    target = Path(folder.name) / (path.stem + ".utf8" + path.suffix)
    try:
        with target.open("wb") as out:
            _decode(path, encoding, out)
    except BaseException:
        folder.cleanup()
        raise
    return target, folder


def _decode(path: Path, encoding: str, out) -> None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    name = canonical(encoding)
    line, offset = 1, 0
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            final = not chunk
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as e:
                # e.start counts from the start of the bytes the decoder was holding: the
                # pending bytes of the last chunk, then this one
                pending = len(e.object) - len(chunk)
                at = e.start - pending
                before = chunk[: max(at, 0)]
                raise BadByte(name, line + before.count(b"\n"), offset + at, e.object[e.start]) from None
            line += chunk.count(b"\n")
            offset += len(chunk)
            if out is not None and text:
                out.write(text.encode("utf-8"))
            if final:
                return
