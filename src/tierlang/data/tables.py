"""Related tables and data folders (DESIGN §4.2): read and validate the tables a program
declares, each like the partner table (every value exact, every problem a `DataError`
naming file, row and column), plus the checks only related rows need:

- TL420: a row's `partner_id` is not in the partner table (never silently dropped or counted);
- TL421: a row repeats another row's key (`key tenant_id, month, ...` in the table);
- TL415: a `month` column holds a date that is not the first day of a month (as a history's
  `month` does);
- TL423 (warning): a table's file is absent from the folder: read as empty.

A data folder holds one file per table, named after it (`partners.csv`,
`certifications.parquet`, `azure_usage.jsonl`, ...; any supported format); `tables` maps a
name to a file elsewhere (`--table NAME=PATH`). `partners` is required.

With `on_error="report"`, a partner with a bad row in any table is left out as a whole (its
partner row too) and listed: a partner is never evaluated on part of its records.

Speed (a usage table has tens of millions of rows): a table whose columns need no second look
at the data (Parquet, typed columns) is read and checked in one lazy query that materializes
only the columns kept. A Parquet file's checks of single values are filters in its scan, which
polars decides from a column's validity or dictionary where it can, never from the footer's
statistics (`_TableLoader._file_checks`); a smaller table's partner ids are checked once per
distinct id. Only when some row fails does the full load run, to name every problem by row
and column.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from pathlib import Path

import polars as pl

from tierlang import ir
from tierlang.data import (
    BAD,
    PID,
    ROW,
    DataError,
    DataLoadError,
    Dataset,
    ReadOptions,
    _AnniversaryReader,
    _Check,
    _CsvSource,
    _DateReader,
    _IdReader,
    _Loader,
    _ParquetSource,
    _Reader,
    _Source,
    from_frame,
    load_dataset,
)
from tierlang.diagnostics import Diagnostic, did_you_mean, warning
from tierlang.formats import DATA_EXTENSIONS, detect_format
from tierlang.numbers import plural
from tierlang.passes.records import named_like, tables_reading, values_that_count

__all__ = [
    "TableData",
    "Records",
    "RecordsLoadError",
    "load_records",
    "load_table",
    "table_from_frame",
    "empty_table",
    "PARTNERS",
    "tables_reading",
]

PARTNERS = "partners"
KEY_HASH = "__key_hash__"  # a 64-bit hash of a row's key (the one-query load's duplicate check)
# A Parquet table with more values than this (rows × columns kept; 47M usage rows × 8 are
# 378M) is aggregated from its file, streamed, and never held in memory: a table of about a
# gigabyte or less is faster held. Tests set it to 0 to stream every Parquet table.
STREAM_VALUES = 200_000_000


@dataclass
class TableData:
    """A validated related table. `frame` has `__row__`, `partner_id` and one column per
    declared column, named after it (counts Int64; decimals Int64 or Int128 scaled by
    `scales[column]`; dates Date; bools Boolean; text and enum values String; an optional
    column may hold nulls). `path` is None for a table whose file was absent (no rows).

    `data` is that frame, or, for a Parquet file that passed every check, the lazy query
    that gives it: the records stage aggregates from the file itself (`scan`) and a usage
    table's tens of millions of rows are never held in memory. `frame` reads them on first
    use (explain, the SQL engines)."""

    table: ir.RelatedTable
    data: pl.DataFrame | pl.LazyFrame
    scales: dict[str, int]
    path: str | None = None
    format: str | None = None
    total_rows: int = 0
    errors: list[DataError] = field(default_factory=list)
    error_count: int = 0
    rejects: pl.DataFrame | None = None
    columns: dict[str, int] = field(default_factory=dict)
    # A streamed table's rows without their row numbers (`rows`): a row index stands between
    # a query's filters and the file, where polars would apply them while reading.
    unnumbered: pl.LazyFrame | None = None
    # A streamed table's file as it was checked (path, size, modification time, inode):
    # it is read again later, and must be the file that was checked (`unchanged`).
    stamp: tuple | None = None

    @property
    def absent(self) -> bool:
        return self.path is None

    def diagnostics(self, limit: int | None = None) -> list[Diagnostic]:
        from tierlang.data import to_diagnostics

        return to_diagnostics(self.path or self.table.name, self.errors[:limit] if limit else self.errors, self.columns)

    @property
    def frame(self) -> pl.DataFrame:
        self.hold()
        return self.data  # type: ignore[return-value]

    def hold(self) -> None:
        """Read the rows into memory, once (for many evaluations of them: a history)."""
        if isinstance(self.data, pl.LazyFrame):
            self.unchanged()
            try:
                data = self.data.collect(engine="streaming")
            except Exception:
                self.unchanged()  # a file replaced while polars read it: said by name
                raise
            self.unchanged()
            self.data = data

    def unchanged(self) -> None:
        """Raise `DataLoadError` when a streamed table's file is no longer the one checked
        (replaced or written to since): its rows are read again after the check, and rows
        no check saw are never aggregated."""
        if self.stamp is None or not isinstance(self.data, pl.LazyFrame):
            return
        if _stamp(self.stamp[0]) != self.stamp:
            raise DataLoadError(
                self.path or self.table.name,
                [
                    DataError(
                        "TL400",
                        f"the file of table '{self.table.name}' changed while tier read it (it was checked, "
                        "then replaced or written to before its rows were aggregated)",
                        hint="leave the file as it is while tier reads it, and run again",
                    )
                ],
            )

    @frame.setter
    def frame(self, frame: pl.DataFrame) -> None:
        self.data = frame

    def scan(self) -> pl.LazyFrame:
        """The rows as a lazy query (over the file when they are not in memory)."""
        return self.data.lazy()

    def rows(self) -> pl.DataFrame | pl.LazyFrame:
        """The rows for aggregating: `data`, or for a table read from its file the same query
        without `__row__`, so that each aggregate's filters over the file's columns are
        applied in the scan (it then reads the rest only of the rows they keep)."""
        if isinstance(self.data, pl.LazyFrame) and self.unnumbered is not None:
            return self.unnumbered
        return self.data

    def filtered(self, keep: pl.Expr) -> TableData:
        """A copy with the rows `keep` holds for."""
        unnumbered = None if self.unnumbered is None else self.unnumbered.filter(keep)
        return replace(self, data=self.data.filter(keep), unnumbered=unnumbered)

    def __len__(self) -> int:
        return self.total_rows if isinstance(self.data, pl.LazyFrame) else self.data.height


@dataclass
class Records:
    """A partner dataset with the related tables its program reads. `rejected`: partners
    left out because a row of theirs (in any table) had errors (on_error="report"), with
    the reasons."""

    dataset: Dataset
    tables: dict[str, TableData]
    warnings: list[Diagnostic] = field(default_factory=list)
    rejected: dict[str, list[str]] = field(default_factory=dict)


class RecordsLoadError(DataLoadError):
    """Row problems in one or more related tables (on_error="stop"): every table's problems,
    each table a `DataLoadError` in `tables`."""

    def __init__(self, tables: list[DataLoadError]) -> None:
        self.tables = tables
        errors = [e for t in tables for e in t.errors]
        super().__init__(
            tables[0].path,
            errors,
            sum(t.total_rows or 0 for t in tables),
            sum(t.bad_rows for t in tables),
            error_count=sum(t.error_count for t in tables),
        )

    def diagnostics(self, limit: int | None = None) -> list[Diagnostic]:
        out: list[Diagnostic] = []
        for t in self.tables:
            out += t.diagnostics()
        return out[:limit] if limit else out


def _table_program(table: ir.RelatedTable) -> ir.Program:
    """The table's columns as the metrics of a stand-in program: the partner-table loader
    reads and checks them."""
    metrics = tuple(
        ir.Metric(c.name, c.type, c.title, column=c.name, minimum=c.minimum, maximum=c.maximum, doc=c.doc, span=c.span)
        for c in table.columns
    )
    return ir.Program(name=table.name, metrics=metrics)


class _RelatedIdReader(_IdReader):
    """partner_id in a related table: repeats freely, but must name a partner (TL420).

    With `distinct` (the table's partner ids, each once), the checks of a value (empty,
    blanks around it, unknown) are decided once per id rather than once per row: a usage
    table repeats each of 430,000 ids a hundred times. A row's flag is then whether its id
    is among the ids that fail, the same rows as checking every row."""

    known: pl.Series | None = None
    partners_name: str = PARTNERS
    distinct: pl.Series | None = None

    def first(self):
        out = super().first()
        if self.distinct is None:
            return out
        f_empty, f_blanks = (c.flag for c in self.checks[-2:])  # the two TL410 checks just made
        ids = self.distinct
        stripped = ids.str.strip_chars()
        src = pl.col(self.column).cast(pl.String)
        empty = src.is_null() | _among(src, ids.filter(stripped == ""))
        blanks = _among(src, ids.filter((stripped != "") & (stripped != ids)))
        return [empty.alias(f_empty), blanks.alias(f_blanks), *out[2:]]

    def third(self, df):
        if self.known is None:
            return []
        flag = self.check(
            "TL420",
            "unknown",
            lambda t: pl.format("partner_id '{}' is not in {}", t, pl.lit(self.partners_name)),
            hint="every row belongs to a partner of the partner table; add the partner there, or remove the row",
        )
        ids = pl.col(PID)
        if self.distinct is not None:
            return [_among(ids, self.distinct.filter(~self.distinct.is_in(self.known.implode()))).alias(flag)]
        return [(ids.is_not_null() & ~ids.is_in(self.known.implode())).alias(flag)]

    def on_file(self, schema) -> dict[str, pl.Expr]:
        """`third`'s flag over the file's column (the same values when it holds text)."""
        if self.known is None or self.distinct is not None or schema.get(self.column) != pl.String:
            return {}
        ids = pl.col(self.column)
        return {self.tmp("bad_unknown"): ids.is_not_null() & ~ids.is_in(self.known.implode())}


def _among(column: pl.Expr, values: pl.Series) -> pl.Expr:
    """Whether each row's value is one of `values` (false for none: no pass over the rows)."""
    return column.is_in(values.implode()).fill_null(False) if len(values) else pl.lit(False)


class _MonthReader(_DateReader):
    """A `month` column: a date on the first day of its month (TL415, as a history's)."""

    def third(self, df):
        flag = self.check(
            "TL415",
            "month",
            lambda t: pl.format("'{}' is not the first day of a month; column '{}' holds months", t, pl.lit(self.column)),
            hint="write a month as its first day: 2023-05-01 for May 2023",
        )
        month = pl.col(self.name)
        if df is None:
            # The one-query load only asks whether any row fails (then the full load names
            # them): a lookup among the first days of 1900-2199 costs a tenth of taking
            # each date's day, and a date outside those years counts as failing.
            return [_not_first(month).alias(flag)]
        return [(month.dt.day() != 1).fill_null(False).alias(flag)]

    def on_file(self, schema) -> dict[str, pl.Expr]:
        """`third`'s flag over the file's column (the same values when it holds dates)."""
        if schema.get(self.column) != pl.Date or self.default() is not None:
            return {}
        return {self.tmp("bad_month"): _not_first(pl.col(self.column))}


def _not_first(month: pl.Expr) -> pl.Expr:
    """A date that may not be the first of its month (see `_MonthReader.third`)."""
    return (~month.is_in(_first_days().implode())).fill_null(False)


@cache
def _first_days() -> pl.Series:
    return pl.date_range(pl.date(1900, 1, 1), pl.date(2199, 12, 1), "1mo", eager=True)


class _KeyReader(_Reader):
    """No column of its own: flags rows whose key (within the partner) another row has."""

    def __init__(self, key: tuple[str, ...]) -> None:
        super().__init__("__key__", key[0], None, pl.String)
        self.key = key

    def first(self):
        return []

    def second(self, df):
        return pl.lit(None).alias(self.name)

    def third(self, df):
        cols = ", ".join(self.key)
        flag = self.tmp("dup")
        shown = [pl.col(f"__text__{c}").fill_null("(empty)") for c in self.key]
        self.checks.append(
            _Check(
                "TL421",
                self.key[0],
                flag,
                lambda t: pl.format(
                    "the key ({}) = ({}) appears more than once for this partner", pl.lit(cols), pl.concat_str(shown, separator=", ")
                ),
                f"a table with `key {cols}` has one row per partner and key; merge the rows upstream",
            )
        )
        key = pl.struct([pl.col(PID), *[pl.col(c) for c in self.key]])
        if df is None:
            # The one-query load only asks whether any row fails: rows whose key hashes alike
            # are candidates (a 64-bit hash per row, not a table of the keys themselves, and
            # found by sorting the hashes, `_repeats`: a fifth of `is_duplicated`'s time),
            # and the full load, reached on any candidate, compares the keys exactly.
            return [pl.lit(False).alias(flag), _key_hash([PID, *self.key]).alias(KEY_HASH)]
        return [key.is_duplicated().alias(flag)]


def _key_hash(columns: list[str]) -> pl.Expr:
    """A 64-bit hash of each row's values of `columns`: each column's own hash, mixed in by
    a multiply (wrapping, by an odd constant: no two hashes so far become one) and an xor.
    Half the time of hashing the row as a struct; two keys alike still hash alike, and two
    unlike keys almost never do (a candidate only costs the full load's exact look)."""
    h = pl.col(columns[0]).hash()
    for c in columns[1:]:
        h = (h * pl.lit(0x9E3779B97F4A7C15, pl.UInt64)) ^ pl.col(c).hash()
    return h


def _repeats(hashes: pl.Series) -> bool:
    """Whether any value occurs twice."""
    s = hashes.sort(multithreaded=False)  # a third less CPU than on both cores
    return bool((s.slice(1) == s.slice(0, len(s) - 1)).any()) if len(s) > 1 else False


class _TableLoader(_Loader):
    def __init__(self, source: _Source, table: ir.RelatedTable, known: pl.Series | None, partners_name: str, on_error: str) -> None:
        super().__init__(source, _table_program(table), on_error)
        self.table = table
        self.known = known
        self.partners_name = partners_name

    def declares(self, m: ir.Metric) -> str:
        return f"table '{self.table.name}' declares it"

    def missing_words(self, m: ir.Metric) -> tuple[str, str, str]:
        return f"declared in table '{self.table.name}'", "the table does not declare", "add the column to the file"

    def run(self) -> Dataset:
        """The table read and checked as one lazy query when no column's final form depends
        on the data as a whole: only the columns kept are materialized, never the per-check
        flags. When a row fails a check, the full load (`_Loader.run`) reads the table again
        and names every problem by row and column."""
        fast = self._run_lazy()
        return fast if fast is not None else super().run()

    def _run_lazy(self) -> Dataset | None:
        """A large Parquet file (more than `STREAM_VALUES` values) is only checked here, in
        one streaming pass that counts its rows and whether any fails: its `frame` is the
        lazy query of the checked columns, which the records stage reads again per aggregate.
        Other tables are read once, materialized as they are checked."""
        src = self.source
        try:
            schema = self.schema()
            readers = self.plan(schema)
            lf = self.checked_lazy(readers, schema)
            if lf is None:
                return None
            keep = self.keep(readers)
            rows = [pl.col(ROW).cast(pl.Int64), *[pl.col(c) for c in keep[1:]]]
            unnumbered = None
            hashes = [pl.col(KEY_HASH)] if self.table.key else []  # see _KeyReader.third
            if self.streams:
                total = self.row_count
                self.stamp = _stamp(src.path)  # before the check: a change while it runs counts too
                bad = self._check_streamed(readers, schema, lf)
                frame: pl.DataFrame | pl.LazyFrame = lf.select(rows)
                unnumbered = self.unnumbered(schema).select(rows[1:])
            else:
                failed, asked = self._file_checks(readers, schema, missing=False) if isinstance(src, _ParquetSource) else (False, set())
                if failed:
                    return None
                df = lf.select(*rows, self._unasked(readers, asked), *hashes).collect()
                total, bad = df.height, bool(df[BAD].any()) or bool(hashes) and _repeats(df[KEY_HASH])
                frame = df.drop(BAD, KEY_HASH, strict=False)
        except (pl.exceptions.PolarsError, pl.exceptions.PanicException):
            return None  # the full load reports it (or reads a CSV count column as text)
        if bad:
            return None
        self.unnumbered_rows = unnumbered
        return Dataset(
            path=src.name,
            format=src.format,
            frame=frame,  # type: ignore[arg-type]  (a LazyFrame for Parquet: see TableData.data)
            scales=self.scales(readers),
            metrics=self.metrics,
            total_rows=total,
            columns=self.positions(),
            absent=tuple(self.absent),
        )

    def _file_checks(self, readers: list[_Reader], schema, missing: bool = True) -> tuple[bool, set[str]]:
        """(whether some row of a Parquet file fails a check, the flags of the checks asked)
        for the checks the file's own columns tell, each a filter in the scan: polars
        applies it while reading, and decides a text check from the column's dictionary
        where it has one (the few distinct texts of an `association` page, not its
        millions of rows): 0.7 s of is_in over 47M texts became 0.02 s. These are the
        checks of one value as the file holds it (a missing value, an enum value not
        declared, a blank partner id), and those of the values as read where the file's
        column holds them (a month on the first day, a partner id unknown: dates, text
        ids). The scan skips no row group on its statistics (`_ParquetSource.rows`): a
        writer's null count or least and greatest value can be wrong. Each check is its
        own filter: polars decides a filter of a column's missing values from its pages'
        validity (0.01-0.08 s a column over 47M rows; 0.6 s for a money column, whose pages
        it must decompress), and one filter of several checks row by row (1.3 s for
        azure_usage's six missing-value checks together). Without `missing`, the missing-
        value checks are left to the caller: a held table's load reads every column anyway
        and flags them as it goes (m365_usage: 0.5 s less than filters over the file)."""
        if self.program.constraints or self.source.problems:  # checks of several columns, rows bad as read
            return False, set()
        checks = [c for r in readers for c in r.checks]
        columns = {c for c, t in schema.items() if t != pl.Null} - {m.column or m.name for m in self.absent}
        first = {e.meta.output_name(): e for r in readers for e in r.staged()}
        on_file: dict[str, pl.Expr] = {}
        for c in checks:
            e = first.get(c.flag)
            if e is not None and set(e.meta.root_names()) <= columns:
                on_file[c.flag] = e.meta.undo_aliases()
        for r in readers:
            if isinstance(r, (_MonthReader, _RelatedIdReader)):
                on_file.update(r.on_file(schema))
        if not missing:
            for c in checks:
                if c.code == "TL403":
                    on_file.pop(c.flag, None)
        for keep in [on_file[c.flag] for c in checks if c.flag in on_file]:
            if self.source.rows().filter(keep).select(pl.len()).collect(engine="streaming").item():
                return True, set(on_file)
        return False, set(on_file)

    def _unasked(self, readers: list[_Reader], asked: set[str]) -> pl.Expr:
        """`BAD` of the checks `_file_checks` did not ask."""
        if not asked:
            return pl.col(BAD)
        rest = [pl.col(c.flag) for r in readers for c in r.checks if c.flag not in asked]
        return (pl.any_horizontal(rest) if rest else pl.lit(False)).alias(BAD)

    def _check_streamed(self, readers: list[_Reader], schema, lf: pl.LazyFrame) -> bool:
        """Whether some row of a large Parquet file may fail a check, `lf` being its checked
        query: the filters of `_file_checks`, then the other checks (the key) in a pass that
        reads only the columns they look at."""
        failed, asked = self._file_checks(readers, schema)
        if failed:
            return True
        bad = self._unasked(readers, asked)
        if not self.table.key:
            return bool(lf.select(bad.any()).collect(engine="streaming").item())
        got = lf.select(bad, pl.col(KEY_HASH)).collect(engine="streaming")  # see _KeyReader.third
        return bool(got[BAD].any()) or _repeats(got[KEY_HASH])

    def unnumbered(self, schema) -> pl.LazyFrame:
        """The checked query again over a scan without row numbers (`TableData.rows`)."""
        numbered = self.source
        self.source = _Unnumbered(numbered)  # type: ignore[assignment]
        try:
            lf = self.checked_lazy(self.plan(schema), schema)
        finally:
            self.source = numbered
        assert lf is not None  # the same readers as the numbered query's
        return lf

    unnumbered_rows: pl.LazyFrame | None = None
    stamp: tuple | None = None

    @cached_property
    def row_count(self) -> int:
        """The file's row count (from a Parquet file's footer), read once."""
        return self.source.scan([PID], set()).select(pl.len()).collect().item()

    @cached_property
    def streams(self) -> bool:
        """Whether the table is a Parquet file of more than `STREAM_VALUES` values (its rows
        times the columns kept: the partner id, the row number and each declared column)."""
        if not isinstance(self.source, _ParquetSource):
            return False
        try:
            return self.row_count * (2 + len(self.table.columns)) > STREAM_VALUES
        except (pl.exceptions.PolarsError, pl.exceptions.PanicException):
            return False  # the load itself says what is wrong

    @cached_property
    def distinct_ids(self) -> pl.Series | None:
        """The table's partner ids, each once (as text), read from the partner_id column
        alone; None for a CSV file (read whole for one column: no saving)."""
        if isinstance(self.source, _CsvSource):
            return None
        try:
            return self.source.scan([PID], set()).select(pl.col(PID).cast(pl.String).unique().drop_nulls()).collect().to_series()
        except (pl.exceptions.PolarsError, pl.exceptions.PanicException):
            return None  # the load itself says what is wrong

    def plan(self, schema):
        readers = []
        for r in super().plan(schema):
            if isinstance(r, _AnniversaryReader):
                continue  # a column like any other here: ignored unless declared
            if type(r) is _IdReader:
                r = _RelatedIdReader(r.name, r.column, r.metric, r.dtype)
                r.known, r.partners_name = self.known, self.partners_name
                # a streamed table's id checks are filters in its scan (`_check_streamed`)
                r.distinct = None if self.streams else self.distinct_ids
            elif r.metric is not None:
                column = self.table.column(r.metric.name)
                if column is not None and column.month and isinstance(r, _DateReader):
                    r = _MonthReader(r.name, r.column, r.metric, r.dtype)
                r.optional = column is not None and column.optional
                r.declared_in = f"column '{r.column}' of table '{self.table.name}'"
                r.missing_text = (
                    f"missing value: column '{r.column}' may not be empty",
                    f"fill in every row, or declare the column `optional` in table '{self.table.name}'",
                )
            readers.append(r)
        if self.table.key:
            readers.append(_KeyReader(self.table.key))
        return readers

    def keep(self, readers):
        return [c for c in super().keep(readers) if c != "__key__"]

    def scales(self, readers):
        return {k: v for k, v in super().scales(readers).items() if k != "__key__"}


class _Unnumbered:
    """A Parquet source whose scan numbers no rows (`__row__` is 0): for `TableData.rows`,
    which never reads the numbers."""

    def __init__(self, source: _ParquetSource) -> None:
        self.source = source

    def scan(self, columns, typed_counts):
        return self.source.rows().select(columns).with_columns(pl.lit(0, pl.get_index_type()).alias(ROW))

    def __getattr__(self, name: str):
        return getattr(self.source, name)


def _stamp(path: Path) -> tuple:
    """What tells a file apart from its next version: path, size, modification time, inode
    (None for each when it is gone)."""
    try:
        st = os.stat(path)
    except OSError:
        return (path, None, None, None)
    return (path, st.st_size, st.st_mtime_ns, st.st_ino)


def _table_data(table: ir.RelatedTable, ds: Dataset, unnumbered: pl.LazyFrame | None = None, stamp: tuple | None = None) -> TableData:
    return TableData(
        table,
        ds.frame,
        dict(ds.scales),
        ds.path,
        ds.format,
        ds.total_rows,
        ds.errors,
        ds.error_count,
        ds.rejects,
        ds.columns,
        unnumbered if isinstance(ds.frame, pl.LazyFrame) else None,
        stamp if isinstance(ds.frame, pl.LazyFrame) else None,
    )


def load_table(
    path: str | os.PathLike,
    table: ir.RelatedTable,
    known: pl.Series | None = None,
    *,
    on_error: str = "stop",
    format: str | None = None,
    display: str | None = None,
    partners_name: str = PARTNERS,
    options: ReadOptions | None = None,
) -> TableData:
    """Read and validate one related table. `known`: the partner ids a row may name (None:
    not checked). `options`: a CSV file's separator and encoding, a workbook's sheet."""
    from tierlang.data import _open

    source = _open(path, _table_program(table), format, display, options)
    loader = _TableLoader(source, table, known, partners_name, on_error)
    return _table_data(table, loader.run(), loader.unnumbered_rows, loader.stamp)


def table_from_frame(
    frame: pl.DataFrame, table: ir.RelatedTable, known: pl.Series | None = None, *, on_error: str = "stop", name: str | None = None
) -> TableData:
    """Validate an in-memory frame as a related table."""
    source = _Source.frame(frame, name or f"<{table.name}>", _table_program(table))
    return _table_data(table, _TableLoader(source, table, known, PARTNERS, on_error).run())


def empty_table(table: ir.RelatedTable) -> TableData:
    """A table with no rows (its file was absent)."""
    schema: dict[str, pl.DataType] = {ROW: pl.Int64, PID: pl.String}
    scales = {}
    for c in table.columns:
        kind = c.type.kind
        if kind in (ir.Kind.COUNT, ir.Kind.NUMBER, ir.Kind.PERCENT, ir.Kind.MONEY):
            schema[c.name] = pl.Int64
            scales[c.name] = 1
        elif kind is ir.Kind.BOOL:
            schema[c.name] = pl.Boolean
        elif kind is ir.Kind.DATE:
            schema[c.name] = pl.Date
        else:
            schema[c.name] = pl.String
    return TableData(table, pl.DataFrame(schema=schema), scales)


# ------------------------------------------------------------------ folders


def _folder_files(folder: Path) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    for p in sorted(folder.iterdir()):
        if p.is_file() and detect_format(p) is not None and not p.name.startswith("."):
            out.setdefault(p.name[: -len(p.suffix)], []).append(p)
    return out


def _display(p: Path) -> str:
    try:
        rel = os.path.relpath(p)
    except ValueError:
        return str(p)
    return str(p) if rel.startswith("..") else rel


def _track_words(program: ir.Program, tracks: set[str]) -> str:
    labels = [t.label for t in program.tracks if t.name in tracks]
    if not labels:
        return "no track reads it"
    return ", ".join(labels)


def load_records(
    data: str | os.PathLike | Mapping[str, object],
    program: ir.Program,
    *,
    on_error: str = "stop",
    tables: Mapping[str, str | os.PathLike] | None = None,
    options: ReadOptions | None = None,
) -> Records:
    """Read the partner table and the related tables `program` declares.

    `data` is a folder (one file per table, named after it), the partner table's file, or a
    mapping of table names to files or polars DataFrames (`"partners"` required). `tables`
    points tables at files elsewhere (`--table NAME=PATH`). Raises `DataLoadError` for
    file-level problems, and for row problems with on_error="stop". `options` apply to
    every file read (a CSV file's separator and encoding, a workbook's sheet)."""
    if on_error not in ("stop", "report"):
        raise ValueError(f"on_error must be 'stop' or 'report', not {on_error!r}")
    sources: dict[str, object] = {}
    folder_files: dict[str, list[Path]] = {}
    where = "the data"
    if isinstance(data, Mapping):
        sources.update(data)
    else:
        path = Path(data)
        if path.is_dir():
            where = _display(path)
            folder_files = _folder_files(path)
            for name, files in folder_files.items():
                if len(files) > 1:
                    shown = ", ".join(p.name for p in files)
                    raise DataLoadError(
                        _display(path),
                        [DataError("TL400", f"table '{name}' has {len(files)} files: {shown}", hint="keep one file per table")],
                    )
                sources[name] = files[0]
        else:
            sources[PARTNERS] = path
    for name, p in (tables or {}).items():
        sources[name] = Path(p)
    declared = {t.name for t in program.related_tables}
    for name in tables or {}:
        if name != PARTNERS and name not in declared:
            raise DataLoadError(
                str(tables[name]),  # type: ignore[index]
                [
                    DataError(
                        "TL400",
                        f"--table {name}=...: the program reads no table '{name}'",
                        hint=did_you_mean(name, [PARTNERS, *declared]) or f"its tables: {', '.join([PARTNERS, *sorted(declared)])}",
                    )
                ],
            )
    if PARTNERS not in sources:
        hint = did_you_mean(PARTNERS, folder_files) or f"name the partner table {PARTNERS}.csv (or .parquet, .jsonl)"
        raise DataLoadError(where, [DataError("TL400", f"no '{PARTNERS}' table in {where}", hint=hint)])
    partners_src = sources[PARTNERS]
    if isinstance(partners_src, pl.DataFrame):
        dataset = from_frame(partners_src, program, on_error=on_error, name=f"<{PARTNERS}>")
    else:
        dataset = load_dataset(partners_src, program, on_error=on_error, options=options)  # type: ignore[arg-type]
    known = dataset.frame[PID]
    if dataset.rejects is not None and PID in dataset.rejects.columns:
        known = pl.concat([known, dataset.rejects[PID].cast(pl.String).drop_nulls()])
    readers = tables_reading(program)
    out: dict[str, TableData] = {}
    warnings: list[Diagnostic] = []
    for table in program.related_tables:
        src = sources.get(table.name)
        if src is None:
            out[table.name] = empty_table(table)
            others = [n for n in folder_files if n != PARTNERS and n not in declared]
            near = did_you_mean(table.name, others)
            hint = f"{near} (a file no table of the program reads)" if near else f"add {table.name}.csv (or .parquet, .jsonl) to read it"
            warnings.append(
                warning(
                    "TL423",
                    f"no '{table.name}' table in {where}: read as empty, so these count no records from it: "
                    f"{_track_words(program, readers.get(table.name, set()))}",
                    hint=hint,
                )
            )
            continue
        # Each table is read in full, so that a stop reports every table's problems at once.
        if isinstance(src, pl.DataFrame):
            out[table.name] = table_from_frame(src, table, known, on_error="report", name=f"<{table.name}>")
        else:
            out[table.name] = load_table(
                src,  # type: ignore[arg-type]
                table,
                known,
                on_error="report",
                partners_name=dataset.path,
                options=options,
            )
    failed = [t for t in out.values() if t.error_count]
    if on_error == "stop" and failed:
        bad_rows = [t.rejects.height if t.rejects is not None else 0 for t in failed]
        raise RecordsLoadError(
            [DataLoadError(t.path or t.table.name, t.errors, t.total_rows, n, t.columns, t.error_count) for t, n in zip(failed, bad_rows)]
        )
    records = Records(dataset, out, warnings)
    if on_error == "report":
        _reject_partners(records)
    records.warnings += _unnamed_values(program, records.tables)
    for td in records.tables.values():
        td.unchanged()
    return records


def _unnamed_values(program: ir.Program, tables: dict[str, TableData]) -> list[Diagnostic]:
    """TL425: values of a text column that the program's conditions pick by value (a
    certification `in` a list) but that no condition names: their rows count toward nothing,
    which is right for a certification no designation asks for and wrong for a misspelling."""
    out = []
    for (table, column), named in values_that_count(program).items():
        td = tables.get(table)
        if td is None or len(td) == 0:
            continue
        # counted per value, never the column's rows at once
        counts = (
            td.scan()
            .select(pl.col(column))
            .filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(pl.Series(sorted(named), dtype=pl.String).implode()))
            .group_by(column)
            .agg(pl.len().cast(pl.UInt32).alias("n"))
            .collect(engine="streaming")
            .sort(["n", column], descending=[True, False])
        )
        if counts.is_empty():
            continue
        shown = []
        for v, n in counts.head(3).iter_rows():
            near = named_like(v, named)
            shown.append(f'"{v}" ({n:,} {plural(n, "row")}' + (f'; "{near}" is named)' if near else ")"))
        more = counts.height - 3
        rows = int(counts["n"].sum())
        out.append(
            warning(
                "TL425",
                f"{rows:,} {plural(rows, 'row')} of {td.path or table} {'holds' if rows == 1 else 'hold'} a {column} "
                f"no rule names, so {'it counts' if rows == 1 else 'they count'} toward nothing: {', '.join(shown)}"
                + (f" and {more:,} other {plural(more, 'value')}" if more > 0 else ""),
                hint=f"a misspelled {column} never counts: fix the data, or add the value to the list it belongs in",
            )
        )
    return out


def _reject_partners(records: Records) -> None:
    """Leave out every partner with a bad row in a related table (report mode)."""
    bad: dict[str, list[str]] = {}
    for td in records.tables.values():
        for e in td.errors:
            if e.partner_id is not None and e.code != "TL420":
                bad.setdefault(e.partner_id, []).append(f"{td.path}: {e.message}")
        if td.rejects is not None and td.error_count > len(td.errors) and PID in td.rejects.columns:
            # errors beyond the kept messages: their partners are in the reject frame
            for pid in td.rejects[PID].drop_nulls().unique().to_list():
                bad.setdefault(pid, [f"{td.path}: a row with errors (see its reject file)"])
    if not bad:
        return
    ids = pl.Series(list(bad), dtype=pl.String)
    ds = records.dataset
    ds.frame = ds.frame.filter(~pl.col(PID).is_in(ids.implode()))
    records.tables = {name: td.filtered(~pl.col(PID).is_in(ids.implode())) for name, td in records.tables.items()}
    known = set(records.dataset.partner_ids) | set(bad)
    records.rejected = {pid: reasons for pid, reasons in bad.items() if pid in known}
    n = len(records.rejected)
    if n:
        records.warnings.append(
            warning(
                "TL424",
                f"{n} {plural(n, 'partner')} left out as a whole because of bad rows in related tables: "
                + ", ".join(sorted(records.rejected)[:5])
                + (f" and {n - 5} more" if n > 5 else ""),
                hint="a partner is never evaluated on part of its records; fix the rows listed above",
            )
        )


# `DATA_EXTENSIONS` documents which files a folder may hold.
FOLDER_EXTENSIONS = tuple(sorted(DATA_EXTENSIONS))
