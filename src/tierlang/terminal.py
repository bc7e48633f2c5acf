"""Text from inputs, shown on a terminal: control characters and bidirectional overrides made
visible.

Partner ids, data values, program text, file names and titles all reach the terminal in
tables, explanations, diffs and error messages. A value holding an escape sequence
(`\\x1b]52;...` rewrites the clipboard, `\\x1b[2J` clears the screen, OSC 8 hides a link) or a
bidirectional override (U+202E shows `txt.exe` as `exe.txt`) would act on the terminal
instead of being shown. `visible` replaces each such character with its escape (`\\x1b`,
`\\u202e`); tab and newline stay as they are.

The CLI applies it to everything it writes for people (`install`): standard error always
(messages), standard output when it is a terminal. Output redirected to a file or a pipe is
data and stays byte for byte what was asked for (a results CSV keeps its partner ids
exact). tierlang's own progress line writes its escapes to `raw(sys.stderr)`.
"""

from __future__ import annotations

import io
import re
import sys
from typing import TextIO

__all__ = ["visible", "install", "raw", "VisibleStream"]

# C0 controls but tab and newline, DEL, C1 controls (U+009B is a one-character CSI), and the
# characters that reorder text: Arabic letter mark, LRM/RLM, the embeddings and overrides
# U+202A-U+202E and the isolates U+2066-U+2069.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(m: re.Match) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def visible(text: str) -> str:
    """`text` with every control character and bidirectional control shown as its escape."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


class VisibleStream(io.TextIOBase):
    """A text stream that writes `visible(text)` to the stream it wraps."""

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner

    def write(self, text: str) -> int:
        self.inner.write(visible(text))
        return len(text)

    def flush(self) -> None:
        self.inner.flush()

    def isatty(self) -> bool:
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.inner.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self.inner.errors

    @property
    def buffer(self):
        """Bytes written here are data, not text for people: they pass unchanged."""
        return self.inner.buffer  # type: ignore[attr-defined]


def install() -> None:
    """Show what the CLI writes for people safely: standard error always, standard output
    when it is a terminal (see the module docstring). Idempotent."""
    if not isinstance(sys.stderr, VisibleStream):
        sys.stderr = VisibleStream(sys.stderr)
    if not isinstance(sys.stdout, VisibleStream) and _is_terminal(sys.stdout):
        sys.stdout = VisibleStream(sys.stdout)


def raw(stream: TextIO) -> TextIO:
    """The stream under a `VisibleStream`: for tierlang's own escape sequences."""
    return stream.inner if isinstance(stream, VisibleStream) else stream


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
