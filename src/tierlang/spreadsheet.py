"""Text that a spreadsheet would run as a formula (CSV injection).

A cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return before one) is
taken by Excel, LibreOffice and Google Sheets as a formula when a CSV file is opened:
`=HYPERLINK("http://…","Click")` makes a link, `+cmd|' /C calc'!A0` once ran a program
(DDE). Partner ids come from partner data, which anyone may have typed.

tierlang's choice (docs/security.md):
- outputs made for people are neutralized: the outreach call list (`tier diff --outreach`)
  writes such a cell with a leading apostrophe, which spreadsheets show as text; Excel
  workbooks (`tier eval -o results.xlsx`) hold every text as a text cell, never a formula;
- machine outputs stay exact (results CSV, JSON Lines, Parquet, databases, reject files):
  a partner id must match the id in the source system byte for byte;
- and commands that read such ids say so on standard error (`formula_warning`), so that
  whoever opens a results CSV in a spreadsheet is warned.
"""

from __future__ import annotations

import polars as pl

__all__ = ["FORMULA_START", "looks_like_formula", "neutralized", "formula_warning"]

#: What a formula may start with (OWASP's list: the four operators, and tab or carriage
#: return, which some spreadsheets skip before one).
FORMULA_START = r"^[=+\-@\t\r]"


def looks_like_formula(text: str) -> bool:
    return bool(text) and text[0] in "=+-@\t\r"


def neutralized(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every text cell a spreadsheet would run as a formula prefixed with an
    apostrophe (shown as text; the apostrophe itself is not shown)."""
    text = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(
        [pl.when(pl.col(c).str.contains(FORMULA_START)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c) for c in text]
    )


def formula_warning(ids: pl.Series, what: str = "partner ids") -> str | None:
    """A warning naming how many of `ids` a spreadsheet would run as formulas (None: none)."""
    found = ids.drop_nulls().filter(ids.drop_nulls().str.contains(FORMULA_START))
    if found.is_empty():
        return None
    n = found.len()
    example = found[0] if len(found[0]) <= 40 else found[0][:37] + "…"
    return (
        f"tier: warning: {n:,} {what if n > 1 else what.rstrip('s')} {'start' if n > 1 else 'starts'} with =, +, - or @ "
        f"(e.g. '{example}'): a spreadsheet opening a CSV of them may run them as formulas; "
        "results are written exactly, the outreach list with a leading apostrophe (docs/security.md)"
    )
