"""Writing evaluation results: every format `tier eval` writes, chosen by file name.

`write_results(ev, fmt, path)` writes one evaluation in one format (`tierlang.formats`
names them by file ending): the long layout (one row per partner and track, DESIGN §4) as
CSV, JSON Lines, Parquet, a DuckDB or SQLite table or a terminal table, and the wide layout
(one row per partner, a column group per track) as an Excel workbook, whose sheets hold at
most `excel.MAX_ROWS` rows: the long layout of 430k partners and 8 tracks would not fit.

Every output names the program, its version and content hash: a sidecar `FILE.meta.json`
(CSV, JSON Lines), the Parquet key-value metadata, a `results_metadata` table (databases) or
an `about` sheet (Excel). Scores stay exact: decimal text, or DECIMAL(38, 6) where the format
has a decimal type (Parquet, DuckDB). With gaps (`tierlang.engine.gaps`) every layout gains
the gap columns.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from tierlang import atomic
from tierlang.data import PID
from tierlang.engine.results import Evaluation

if TYPE_CHECKING:
    from tierlang.engine.gaps import Gaps  # (with polars' and the renderer's imports) only for --gaps

__all__ = ["write_results", "metadata_line", "metadata_rows", "csv_quoting", "TABLE_ROWS"]

#: Rows of the terminal table before it is cut (write a file to get everything).
TABLE_ROWS = 50

#: Result rows above which a Parquet file is written by polars' streaming sink: the long
#: layout collected first costs about 60 bytes a row (5 GB for 10M partners × 8 tracks);
#: below it, collecting is faster (the writer compresses row groups in parallel).
SINK_ROWS = 16_000_000


def metadata_line(meta: dict) -> str:
    """The program, version, content hash and date of a result, on one line."""
    return f"{meta['program']} {meta['version'] or ''} (sha256:{meta['content_hash'][:12]}) as of {meta['as_of'] or '-'}".replace("  ", " ")


def metadata_rows(meta: dict) -> list[tuple[str, str]]:
    """The metadata as (key, value) pairs, for formats that hold it as a table or a sheet."""
    return [(k, "" if v is None else str(v)) for k, v in meta.items()]


def write_results(ev: Evaluation, fmt: str, output: str | None, meta: dict, gaps: Gaps | None = None) -> None:
    """Write `ev` to `output` (None: standard output, text formats only) in `fmt`."""
    if fmt == "table":
        _write_table(ev, output, meta, gaps)
    elif fmt == "parquet":
        # Scores as DECIMAL(38, 6): the text's exact value in a typed column, six times
        # cheaper to make than the text (docs/data.md). Column statistics are left out:
        # min/max of millions of texts cost a sixth of the write and help no reader of a
        # results file. zstd level 1 instead of 3: 12% faster to write, 3% larger (7M rows).
        lf = ev.long_lazy(decimal=True, gaps=gaps)
        options = {
            "compression": "zstd",
            "compression_level": 1,
            "statistics": False,
            "metadata": {"tierlang": json.dumps(meta), **{f"tierlang.{k}": str(v) for k, v in meta.items() if v}},
        }
        with atomic.replacing(output) as (tmp,):  # type: ignore[arg-type]
            if ev.partner_count * len(ev.tracks) <= SINK_ROWS:
                # collected first: polars' Parquet writer compresses row groups in parallel
                lf.collect().write_parquet(tmp, **options)
            else:
                lf.sink_parquet(tmp, **options)
    elif fmt == "xlsx":
        from tierlang.output.excel import write_workbook

        assert output is not None
        write_workbook(ev, output, meta, gaps)
    elif fmt in ("duckdb", "sqlite"):
        from tierlang.output.database import write_database

        assert output is not None
        write_database(ev, output, fmt, meta, gaps)
    elif fmt in ("csv", "jsonl"):
        _write_text(ev, fmt, output, meta, gaps)
    else:
        raise ValueError(f"unknown result format {fmt!r}")


#: What makes polars quote a CSV field ("necessary" quoting): the separator, the quote
#: character or a line break in it; and it writes an empty text as "" (null: nothing).
_QUOTED = [",", '"', "\n", "\r"]


def csv_quoting(names: Iterable[str], ids: pl.Series) -> str:
    """polars' `quote_style` for CSV rows whose text fields are `names` (names from the
    program: tracks, levels, outputs, rules) and the partner ids `ids`, every other field a
    number or a date: "never" when no field would be quoted (the same bytes), else
    "necessary". Looking at every field for a quote is a third of the writer's time (8M
    rows: 0.85 -> 0.49 s CPU); here only the partner ids are looked at (1M: ~0.02 s).
    (polars quotes no leading "=": a spreadsheet reads `=...` as a formula either way.)"""
    if any(not n or any(q in n for q in _QUOTED) for n in names):
        return "necessary"
    ids = ids.cast(pl.String)
    needs = ids.str.contains_any(_QUOTED) | (ids == "")
    return "necessary" if needs.any() else "never"


def _csv_quoting(ev: Evaluation, gaps: Gaps | None) -> str:
    """`csv_quoting` for the long layout of `ev`. The gap columns' lists of requirements
    are text (and rare): with them, polars looks as usual."""
    if gaps is not None:
        return "necessary"
    names = [*ev.tracks, *ev.output_names, *(n for t in ev.program.shown_tracks(ev.shown) for n in t.level_names)]
    return csv_quoting(names, ev.levels.get_column(PID))


def _write_text(ev: Evaluation, fmt: str, output: str | None, meta: dict, gaps: Gaps | None) -> None:
    lf = ev.long_lazy(gaps=gaps)
    quoting = _csv_quoting(ev, gaps) if fmt == "csv" else "necessary"
    if output is None:
        df = lf.collect()
        sys.stdout.write(df.write_csv(quote_style=quoting) if fmt == "csv" else df.write_ndjson())
        sys.stdout.flush()
        return
    # the results and their sidecar change together, or not at all
    with atomic.replacing(output, output + ".meta.json") as (tmp, tmp_meta):
        if fmt == "csv":
            lf.sink_csv(tmp, quote_style=quoting)
        else:
            lf.sink_ndjson(tmp)
        Path(tmp_meta).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def _write_table(ev: Evaluation, output: str | None, meta: dict, gaps: Gaps | None) -> None:
    import click

    df = ev.long(gaps=gaps)
    cut = output is None and df.height > TABLE_ROWS
    shown = df.head(TABLE_ROWS) if cut else df
    header = [c if c != "requirements_missing" else "reqs_missing" for c in df.columns]
    rows = [header] + [["" if c is None else str(c) for c in r] for r in shown.iter_rows()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    numeric = {"score", "points_missing", "reqs_missing", *ev.output_names}
    lines = [metadata_line(meta)]
    for k, r in enumerate(rows):
        cells = [v.rjust(w) if header[i] in numeric else v.ljust(w) for i, (v, w) in enumerate(zip(r, widths))]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    if cut:
        lines.append(f"... {df.height - TABLE_ROWS:,} more rows (write them all with --format csv -o FILE)")
    text = "\n".join(lines) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        atomic.write_text(output, text)
