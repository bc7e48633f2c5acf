"""Partner data from an Excel workbook (.xlsx): one sheet, by name or the first.

Cells are read as text (fastexcel, `dtypes="string"`) and validated exactly like CSV text,
so a workbook and the CSV saved from it give the same results: a number cell 3 reads as "3",
12.5 as "12.5" (Excel's numbers are binary: a cell typed 0.1 + 0.2 reads as Excel shows it,
"0.3"), a date cell as its date (`2023-08-15`), TRUE as "true". Rows are numbered as Excel
numbers them (the header's row, usually 1, then the partners), and rows left entirely empty
are skipped, as Excel users leave them between blocks and at the end.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import polars as pl

__all__ = ["read_sheet", "SheetError", "first_row"]

_DATE_ONLY = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})[ T]00:00:00(\.0+)?$"
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="\$?[A-Z]+\$?([0-9]+)')


class SheetError(ValueError):
    """The workbook or the sheet cannot be read (the message says why; `hint` what to do)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def read_sheet(path: Path, sheet: str | None, row_column: str) -> tuple[pl.DataFrame, str]:
    """The sheet `sheet` (None: the first) of the workbook at `path` as all-text columns, with
    `row_column` holding each row's Excel row number and empty rows left out; and the sheet's
    name."""
    import fastexcel

    try:
        book = fastexcel.read_excel(path)
    except Exception as e:  # fastexcel raises its own error types for broken or foreign files
        raise SheetError(f"cannot read the workbook: {_first_line(e)}", hint="save it from Excel as .xlsx (Excel Workbook)") from None
    names = book.sheet_names
    if not names:
        raise SheetError("the workbook has no sheet")
    if sheet is None:
        name = names[0]
    elif sheet in names:
        name = sheet
    else:
        raise SheetError(f"no sheet '{sheet}' in the workbook", hint="its sheets: " + ", ".join(f"'{n}'" for n in names))
    try:
        frame = book.load_sheet_by_name(name, dtypes="string").to_polars()
    except Exception as e:
        raise SheetError(f"cannot read the sheet '{name}': {_first_line(e)}") from None
    if frame.width == 0:
        raise SheetError(
            f"the sheet '{name}' is empty", hint="the first row of the sheet is the header: partner_id and the program's columns"
        )
    header = first_row(path, name)
    frame = frame.with_row_index(row_column, offset=header + 1).with_columns(
        # a date cell comes as a date-time at midnight: the date is what was typed
        [pl.col(c).str.replace(_DATE_ONLY, "${1}") for c in frame.columns]
    )
    cells = [c for c in frame.columns if c != row_column]
    frame = frame.filter(pl.any_horizontal([pl.col(c).is_not_null() & (pl.col(c) != "") for c in cells]))
    return frame.select([*cells, row_column]), name


def first_row(path: Path, sheet: str) -> int:
    """The Excel row number of the sheet's first used row (its header): the start of the
    sheet's `dimension`, 1 when the file does not say. (The reader skips empty rows above
    the header; messages must still name the rows as Excel numbers them.)"""
    try:
        with zipfile.ZipFile(path) as z:
            book = ElementTree.fromstring(z.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            rid = next(
                (s.get(f"{{{_NS['r']}}}id") for s in book.iterfind("m:sheets/m:sheet", _NS) if s.get("name") == sheet),
                None,
            )
            target = next((r.get("Target") for r in rels.iterfind("rel:Relationship", _NS) if r.get("Id") == rid), None)
            if not target:
                return 1
            member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            with z.open(member) as fh:
                head = fh.read(4096)
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return 1
    found = _DIMENSION.search(head)
    return int(found.group(1)) if found else 1


def _first_line(e: Exception) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
