"""Results as an Excel workbook: the wide layout, one row per partner.

A sheet holds at most 1,048,576 rows, so the long layout (one row per partner and track) of
430k partners on 8 tracks (3.4M rows) cannot be a sheet; the wide one can: `partner_id`,
then per track a column group (`<track>.level`, `<track>.score`, and with gaps the gap
columns), grouped as an outline Excel can fold. A dataset with more partners than a sheet
holds is refused with the formats that hold it.

Cells are typed: scores are numbers (Excel's numbers are binary; a score with at most 15
significant digits, which is every score of up to 9 digits before the point at 6 places,
reads back as the same decimal), everything else is text. No text cell is ever a formula
(`=1+1` as a partner id is the text `=1+1`), a number or a hyperlink: the workbook is
written with xlsxwriter's conversions off, so an id keeps exactly the characters of the data
and nothing in it runs when the file is opened. A second sheet, `about`, names the program,
its version and content hash.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from tierlang import atomic
from tierlang.data import PID
from tierlang.engine.results import Evaluation

if TYPE_CHECKING:
    from tierlang.engine.gaps import Gaps

__all__ = ["MAX_ROWS", "DoesNotFit", "wide_frame", "write_workbook"]

#: Rows of one Excel sheet (Excel's limit), the header row included.
MAX_ROWS = 1_048_576

#: Excel's numbers are IEEE doubles: 15 significant digits survive a round trip.
_DIGITS = 15


#: The most characters an Excel cell holds.
_CELL_CHARS = 32_767


class DoesNotFit(ValueError):
    """The results do not fit a workbook: too many partners for a sheet, a number beyond
    Excel's digits or a text beyond a cell."""


def wide_frame(ev: Evaluation, gaps: Gaps | None = None) -> pl.DataFrame:
    """One row per partner: `partner_id`, then per track `<track>.level`, `<track>.score`
    (exact decimal text), each output `<track>.<output>` and, with `gaps`, `<track>.next_level`, `.points_missing`,
    `.requirements_missing`, `.missing`."""
    cols: list[pl.Series | pl.Expr] = []
    base = ev.levels.select([PID, *ev.tracks]).with_columns([c for sc in ev.scores.values() for c in sc.columns()])
    base = base.with_columns([oc.values for oc in ev.outputs.values()])
    if gaps is not None:
        base = base.hstack(gaps.frame.drop(PID))
    cols = [pl.col(PID)]
    for t in ev.tracks:
        sc = ev.scores.get(t)
        cols.append(pl.col(t).alias(f"{t}.level"))
        cols.append((sc.text() if sc is not None else pl.lit(None, pl.String)).alias(f"{t}.score"))
        cols += [oc.text().alias(f"{t}.{o}") for (track, o), oc in ev.outputs.items() if track == t]
        if gaps is not None:
            pm = gaps.points.get(t)
            cols += [
                pl.col(f"next:{t}").alias(f"{t}.next_level"),
                (pm.text() if pm is not None else pl.lit(None, pl.String)).alias(f"{t}.points_missing"),
                pl.col(f"rm:{t}").alias(f"{t}.requirements_missing"),
                pl.col(f"miss:{t}").alias(f"{t}.missing"),
            ]
    return base.select(cols)


def write_workbook(ev: Evaluation, path: str, meta: dict, gaps: Gaps | None = None) -> None:
    """Write the wide layout of `ev` to the workbook `path` (see the module doc). Raises
    `DoesNotFit` before writing anything when the partners do not fit one sheet."""
    if ev.partner_count + 1 > MAX_ROWS:
        raise DoesNotFit(
            f"{ev.partner_count:,} partners do not fit an Excel sheet ({MAX_ROWS - 1:,} rows at most, one per partner); "
            "write .parquet, .duckdb or .csv instead"
        )
    import xlsxwriter
    import xlsxwriter.exceptions

    frame = wide_frame(ev, gaps)
    outputs = {f"{t}.{o}" for t, o in ev.outputs}
    numeric = [c for c in frame.columns if c.endswith((".score", ".points_missing")) or c in outputs]
    # numbers for Excel: the exact decimal text parsed once (correctly rounded to a double)
    typed = frame.with_columns([pl.col(c).cast(pl.Float64).alias(c) for c in numeric])
    too_long = frame.select([pl.col(c).str.replace_all(r"[-.]", "").str.strip_chars_start("0").str.len_chars().max() for c in numeric])
    for c in numeric:
        digits = too_long[c][0]
        if digits is not None and digits > _DIGITS:
            raise DoesNotFit(
                f"a value of {c} has more than {_DIGITS} significant digits, more than an Excel number holds; write .duckdb or .parquet"
            )
    with atomic.replacing(path) as (tmp,):  # a workbook cut short by Ctrl-C never replaces the last one
        wb = xlsxwriter.Workbook(
            tmp,
            {
                # text stays text: no formulas, numbers or links made from strings
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "constant_memory": True,
            },
        )
        try:
            head = wb.add_format({"bold": True, "bottom": 1})
            ws = wb.add_worksheet("results")
            ws.freeze_panes(1, 1)
            columns = frame.columns
            for j, name in enumerate(columns):
                ws.write_string(0, j, name, head)
                width = max(10, min(40, len(name) + 2))
                # one outline group per track: Excel folds a track's columns but its level
                level = 0 if name == PID or name.endswith(".level") else 1
                ws.set_column(j, j, width, None, {"level": level} if level else None)
            kinds = ["num" if c in numeric else "int" if c.endswith(".requirements_missing") else "text" for c in columns]
            i = 0
            for i, row in enumerate(typed.iter_rows(), start=1):
                for j, value in enumerate(row):
                    if value is None:
                        continue
                    if kinds[j] == "text":
                        if len(value) > _CELL_CHARS:
                            raise DoesNotFit(
                                f"a value of {columns[j]} (row {i + 1}) is longer than an Excel cell holds; write .csv or .parquet"
                            )
                        ws.write_string(i, j, value)
                    else:
                        ws.write_number(i, j, value)
            ws.autofilter(0, 0, i, len(columns) - 1)
            about = wb.add_worksheet("about")
            about.write_row(0, 0, ["key", "value"], head)
            from tierlang.output import metadata_rows

            for k, (key, value) in enumerate(metadata_rows(meta), start=1):
                about.write_string(k, 0, key)
                about.write_string(k, 1, value)
            about.set_column(0, 0, 14)
            about.set_column(1, 1, 70)
        finally:
            try:
                wb.close()
            except xlsxwriter.exceptions.FileCreateError as e:
                cause = e.args[0] if e.args and isinstance(e.args[0], OSError) else None
                raise OSError(getattr(cause, "errno", None), getattr(cause, "strerror", None) or str(e)) from None
