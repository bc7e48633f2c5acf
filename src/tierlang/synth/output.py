"""Writing a generated population: CSV, Parquet or JSON Lines, byte for byte reproducible.

Every format keeps the values exact: counts are integers, decimals are written as the exact
decimal text (CSV, JSON Lines) or as Parquet DECIMAL, never as binary floats; bools are
`true`/`false`, dates ISO `YYYY-MM-DD`. Nothing in the output depends on the time or the
machine: the same population gives the same bytes.
"""

from __future__ import annotations

import os
import sys
from typing import BinaryIO

import polars as pl

from tierlang import atomic
from tierlang.formats import detect_format
from tierlang.synth.schema import SynthError

__all__ = ["FORMATS", "format_for", "write_population", "to_jsonl"]

FORMATS = ("csv", "parquet", "jsonl")


def format_for(path: str, fmt: str | None) -> str:
    """The output format: `fmt` if given, else from the file extension (CSV for `-`)."""
    if fmt is not None:
        return fmt
    if path == "-":
        return "csv"
    found = detect_format(path)  # the names `tier eval` reads, so it reads what synth writes
    if found not in FORMATS:
        raise SynthError(
            f"cannot tell the output format from '{path}'",
            hint="name the file .csv, .parquet or .jsonl, or give --format csv|parquet|jsonl",
        )
    return found


def write_population(frame: pl.DataFrame, path: str | os.PathLike, fmt: str) -> None:
    """Write `frame` to `path` (`-` is standard output) in format `fmt`."""
    if fmt not in FORMATS:
        raise SynthError(f"unknown output format '{fmt}'", hint="use csv, parquet or jsonl")
    if str(path) == "-":
        if fmt == "parquet":
            raise SynthError("Parquet is not written to standard output", hint="give a file name with -o")
        _write_text(frame, sys.stdout.buffer, fmt)
        sys.stdout.buffer.flush()
        return
    try:
        with atomic.replacing(path) as (target,):
            if fmt == "parquet":
                # Statistics are deterministic; polars writes no timestamps.
                frame.write_parquet(target, compression="zstd", statistics=True)
            else:
                with open(target, "wb") as fh:
                    _write_text(frame, fh, fmt)
    except OSError as e:
        raise SynthError(f"cannot write {path}: {e.strerror or e}") from None


#: Rows per chunk of JSON Lines text (bounds the memory the text takes).
_CHUNK = 10_000


def _write_text(frame: pl.DataFrame, fh: BinaryIO, fmt: str) -> None:
    if fmt == "csv":
        frame.write_csv(fh, line_terminator="\n")
        return
    for start in range(0, frame.height, _CHUNK):
        fh.write(to_jsonl(frame.slice(start, _CHUNK)).encode("utf-8"))


def to_jsonl(frame: pl.DataFrame) -> str:
    """One JSON object per line, keys in column order. Decimals are JSON numbers written
    with their exact decimal text (`12.50`), which polars' own writer would quote as strings.
    Enum values, ids and dates are plain identifiers or ISO dates: nothing needs escaping, but
    strings go through polars' JSON encoding all the same."""
    parts: list[pl.Expr] = []
    for i, (name, dtype) in enumerate(frame.schema.items()):
        col = pl.col(name)
        if dtype == pl.String:
            plain = not frame[name].str.contains(r'["\\\x00-\x1f]').any()
            value = pl.lit('"') + col + pl.lit('"') if plain else col.map_batches(_json_strings, return_dtype=pl.String)
        elif dtype == pl.Date:
            value = pl.lit('"') + col.dt.strftime("%Y-%m-%d") + pl.lit('"')
        elif dtype == pl.Boolean:
            value = pl.when(col).then(pl.lit("true")).otherwise(pl.lit("false"))
        else:  # integers and decimals: their exact text
            value = col.cast(pl.String)
        key = ("{" if i == 0 else ",") + _json_string(name) + ":"
        parts.append(pl.lit(key) + value.fill_null("null"))
    lines = frame.select(pl.concat_str([*parts, pl.lit("}")]).alias("line"))["line"]
    return "\n".join(lines.to_list()) + "\n" if len(lines) else ""


def _json_string(s: str) -> str:
    import json

    return json.dumps(s, ensure_ascii=False)


def _json_strings(s: pl.Series) -> pl.Series:
    return pl.Series([None if v is None else _json_string(v) for v in s.to_list()], dtype=pl.String)
