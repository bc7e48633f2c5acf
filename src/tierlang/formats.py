"""File formats by file name (no polars import: the CLI asks before it reads or writes data).

Two tables: the data formats tierlang reads (and `tier synth` writes), and the formats
`tier eval` writes its results in. A file name whose ending is in neither is refused with the
list of endings, never read or written in some default format.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DATA_EXTENSIONS", "RESULT_EXTENSIONS", "BINARY_RESULTS", "detect_format", "result_format", "endings", "UnknownFormat"]

#: File name endings of the data formats tierlang reads.
DATA_EXTENSIONS = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".xlsx": "xlsx",
}

#: File name endings of the formats `tier eval` writes results in.
RESULT_EXTENSIONS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
    ".duckdb": "duckdb",
    ".sqlite": "sqlite",
    ".sqlite3": "sqlite",
    ".txt": "table",
}

#: Result formats that are files, not text: never written to standard output.
BINARY_RESULTS = frozenset({"parquet", "xlsx", "duckdb", "sqlite"})


class UnknownFormat(ValueError):
    """A file name whose ending names no format of the table it was looked up in."""


def detect_format(path: str | os.PathLike) -> str | None:
    """csv, parquet, jsonl or xlsx from the file name; None when the extension is not known."""
    return DATA_EXTENSIONS.get(Path(path).suffix.lower())


def endings(table: dict[str, str]) -> str:
    """The endings of a table for a message, one per format: ".csv, .jsonl, ... or .txt"."""
    names = list({fmt: suffix for suffix, fmt in reversed(table.items())}.values())[::-1]
    return ", ".join(names[:-1]) + " or " + names[-1]


def result_format(path: str, fmt: str | None, table: dict[str, str] = RESULT_EXTENSIONS) -> str:
    """The format to write `path` in: the one its ending names, or `fmt` (an explicit
    `--format`) when the ending names none. Raises `UnknownFormat` when neither decides, or
    when the two disagree (`-o results.csv --format parquet` would write Parquet into a file
    every tool opens as CSV)."""
    suffix = Path(path).suffix.lower()
    by_name = table.get(suffix)
    if by_name is not None and fmt is not None and fmt != by_name:
        raise UnknownFormat(f"{path} names a {by_name} file but --format is {fmt}; change one of them")
    if by_name is not None:
        return by_name
    if fmt is not None:
        return fmt
    what = f"'{suffix}' files" if suffix else "files without an ending"
    hint = " (JSON Lines, one object per line, is the JSON output: .jsonl)" if suffix == ".json" and ".jsonl" in table else ""
    raise UnknownFormat(f"cannot write {what} ({path}){hint}: name the file {endings(table)}, or choose --format")
