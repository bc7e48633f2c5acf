"""Data file formats by file name (no polars import: the CLI asks before it reads data)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DATA_EXTENSIONS", "detect_format"]

#: File name endings of the data formats tierlang reads and writes.
DATA_EXTENSIONS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}


def detect_format(path: str | os.PathLike) -> str | None:
    """csv, parquet or jsonl from the file name; None when the extension is not known."""
    return DATA_EXTENSIONS.get(Path(path).suffix.lower())
