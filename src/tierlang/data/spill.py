"""Text columns built row by row in Python, kept in bounded memory.

A JSON Lines file is parsed with the standard library (numbers keep the text they were
written as: `tierlang.data._JsonlSource`), which gives Python strings. Held in Python lists,
the values of 10M lines × 48 keys would take tens of gigabytes; `TextColumns` turns every
`CHUNK` rows into a polars frame, and once a file has more than one chunk, writes each to a
Parquet file of its own in a private temporary folder (removed with the object, or at exit),
which the reader then scans lazily like any Parquet file: the single pass streams it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import polars as pl

__all__ = ["CHUNK", "TextColumns"]

#: Rows turned into a frame at a time (about 250 MB of Python strings for 48 columns).
CHUNK = 100_000


class TextColumns:
    """Columns `names` of text (None for missing), plus `row` (Int64), appended row by row."""

    def __init__(self, names: Sequence[str], row: str, chunk: int | None = None) -> None:
        self.names = list(names)
        self.row = row
        self.chunk = chunk or CHUNK
        self._rows: list[int] = []
        self._values: list[Sequence[str | None]] = []  # row by row; turned into columns a chunk at a time
        self._frames: list[pl.DataFrame] = []  # chunks in memory, while there is only one
        self._files: list[Path] = []
        self._folder: tempfile.TemporaryDirectory | None = None

    def append(self, row: int, values: Sequence[str | None]) -> None:
        """One row: its number and a value per name, in the order of `names`."""
        self._rows.append(row)
        self._values.append(values)
        if len(self._rows) >= self.chunk:
            self._flush()

    def _flush(self) -> None:
        if not self._rows:
            return
        data = {self.row: pl.Series(self.row, self._rows, dtype=pl.Int64)}
        for name, col in zip(self.names, zip(*self._values, strict=True)):
            data[name] = pl.Series(name, col, dtype=pl.String)
        self._frames.append(pl.DataFrame(data))
        self._rows, self._values = [], []
        if len(self._frames) > 1 or self._files:
            self._spill()

    def _spill(self) -> None:
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="tierlang-rows-")  # private: mode 0700
        for frame in self._frames:
            path = Path(self._folder.name) / f"part-{len(self._files):06d}.parquet"
            frame.write_parquet(path, compression="lz4", statistics=False)
            self._files.append(path)
        self._frames = []

    def frame(self, names: Sequence[str]) -> pl.LazyFrame:
        """`row` and the columns `names` of every row appended, in order, lazily."""
        self._flush()
        columns = [self.row, *names]
        if self._files:
            self._spill()
            return pl.scan_parquet(self._files).select(columns)
        if self._frames:
            return self._frames[0].lazy().select(columns)
        return pl.DataFrame({c: pl.Series(c, [], dtype=pl.Int64 if c == self.row else pl.String) for c in columns}).lazy()
