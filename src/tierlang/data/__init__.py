"""Partner datasets: load CSV, Parquet or JSON Lines and validate them against a program.

A dataset has one row per partner: a `partner_id` column (required, unique, non-empty) and
one column per input metric of the program (`Metric.column`). Extra columns are ignored; an
optional `anniversary` date column is carried through for renewal timelines.

Nothing is coerced silently. Every value is checked against its metric's declaration and
every problem becomes a `DataError` naming the file, the row and the column:

- row numbers follow what a person sees when opening the file: in a CSV file the header is
  row 1 and the first partner is row 2 (as in a spreadsheet); in a JSON Lines file a row is
  its line number (blank lines are skipped but still counted); in a Parquet file (or an
  in-memory frame) the first partner is row 1.
- missing values (empty cells, JSON null, Parquet null) are errors unless the metric
  declares a `default`.

The validated values are exact. Counts are Int64 columns. Decimal metrics (number, percent,
money) are stored as Int64 columns *scaled* by a power of ten per column (`Dataset.scales`):
`12.5` in a column whose values have at most two decimal places is stored as 1250 with scale
100. This is what lets the vectorized engine work in exact integers (DESIGN §3).

The loader reads each file once on the happy path. Only when something is wrong does it read
the offending rows a second time, as text, to quote the bad values in the messages.

`scan_dataset` gives the same load as one lazy query (`Scan`) when no column's final form
depends on the data as a whole (typed Parquet; with `guess`, also decimal columns of text or
floats, whose places are guessed from the first rows and checked on every row), for the
engine to evaluate in the same pass.
"""

from __future__ import annotations

import csv
import functools
import json
import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import polars as pl

from tierlang import ir
from tierlang.data import floats, places
from tierlang.data.encoding import BadByte, canonical, find_bad_byte, is_utf8, to_utf8
from tierlang.data.parquet import CorruptParquet, NotParquet, check_parquet
from tierlang.data.spill import TextColumns
from tierlang.diagnostics import Diagnostic, Severity, did_you_mean
from tierlang.formats import detect_format
from tierlang.numbers import MAX_COUNT

__all__ = [
    "Dataset",
    "DataError",
    "DataLoadError",
    "load_dataset",
    "scan_dataset",
    "Scan",
    "from_frame",
    "detect_format",
    "ReadOptions",
    "ROW_CONVENTION",
    "MAX_DIGITS",
    "MAX_COUNT",
    "COUNT_TOO_LARGE",
]

#: How `row` is counted, per format (also in docs/data.md).
ROW_CONVENTION = {
    "csv": "spreadsheet row: the header is row 1, the first partner row 2",
    "xlsx": "the sheet's row number, as Excel shows it (the header's row, then the partners)",
    "jsonl": "line number in the file (the first line is 1)",
    "parquet": "position in the file (the first partner is row 1)",
    "frame": "position in the frame (the first partner is row 1)",
}

#: Digits of a decimal value, before and after the point together, counting the decimal
#: places of the most precise value in its column (10^38 < 2^127: fits the Int128 a very
#: large or precise column is stored in; columns that fit are stored as Int64).
MAX_DIGITS = 38
#: The problem a count beyond MAX_COUNT is (TL412), after the value: the same words in the
#: loader and in the compiled SQL.
COUNT_TOO_LARGE = "is too large for a count (at most 18 digits)"
#: A count's text with more than 18 digits (leading zeros aside): beyond MAX_COUNT.
_COUNT_TOO_LARGE_RE = r"^[ \t]*[+-]?0*[1-9][0-9]{18}"
#: Problems kept as `DataError` objects (all of them are in the reject frame).
MAX_KEPT = 1000
#: The longest value a message quotes in full.
_SHOWN_CHARS = 60

_I64_MAX = 2**63 - 1


def _shown(text: str) -> str:
    """A value for a message: cut short when long."""
    return text if len(text) <= _SHOWN_CHARS else f"{text[: _SHOWN_CHARS - 20]}… ({len(text)} characters)"


ROW = "__row__"  # the source row number (see ROW_CONVENTION)
BAD = "__bad__"  # whether a row has a problem (a check failed)
MISSED = "__missed__"  # whether a row's value is not read right at its column's guessed places (`Scan.guessed`)
GUESS_ROWS = 5_000  # the rows a scan guesses decimal places from (`scan_dataset(guess=True)`)
_GUESS_PLACES = 18  # no guess beyond: 10^19 does not fit Int64
PID = "partner_id"
#: The blanks a partner_id may not begin or end with (TL410): what polars' `str.strip_chars()`
#: strips, Rust's `char::is_whitespace` (Unicode's White_Space property; not the zero-width
#: space U+200B, nor the ASCII separators U+001C-U+001F that Python's `str.isspace` counts).
#: The compiled SQL checks the same characters (`engine.sql.inputs`).
WHITESPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
ANNIVERSARY = "anniversary"
MONTH = "month"  # a history's month (its first day), beside partner_id (`history=True`)
_COUNT_RE = r"^[ \t]*[+-]?[0-9]+[ \t]*$"  # a sign, blanks around (polars' Int64 CSV parser allows leading ones)
_DECIMAL_RE = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$"
_FLOAT_TEXT = 15  # the longest text read through a float (`_guessed_text`): 15 digits at most
_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DECIMAL_KINDS = frozenset({ir.Kind.NUMBER, ir.Kind.PERCENT, ir.Kind.MONEY})


# ------------------------------------------------------------------ results


@ir.frozen
class DataError:
    """One problem with one value (or one row, or the whole file)."""

    code: str
    message: str
    row: int | None = None
    column: str | None = None
    partner_id: str | None = None
    hint: str | None = None


class DataLoadError(Exception):
    """The dataset cannot be used: a file-level problem, or row errors with on_error="stop".

    `errors` lists the problems found (row errors sorted by row, then column order; the
    first `MAX_KEPT` of `error_count`); `total_rows` is how many rows the file has (None
    when it could not be read); `bad_rows` how many rows have errors."""

    def __init__(
        self,
        path: str,
        errors: list[DataError],
        total_rows: int | None = None,
        bad_rows: int = 0,
        columns: Mapping[str, int] | None = None,
        error_count: int | None = None,
    ) -> None:
        self.path = path
        self.errors = errors
        self.error_count = len(errors) if error_count is None else error_count
        self.total_rows = total_rows
        self.bad_rows = bad_rows
        self.columns = dict(columns or {})
        first = errors[0].message if errors else "invalid data"
        total = len(errors) if error_count is None else error_count
        more = f" (and {total - 1} more)" if total > 1 else ""
        super().__init__(f"{path}: {first}{more}")

    def diagnostics(self, limit: int | None = None) -> list[Diagnostic]:
        return to_diagnostics(self.path, self.errors[:limit] if limit else self.errors, self.columns)


@ir.frozen
class ReadOptions:
    """How to read a file beyond its format: a CSV file's cell `separator` (one character)
    and `encoding` (any Python codec; other than UTF-8 the file is decoded once into a UTF-8
    copy), and the `sheet` of an Excel workbook (None: the first)."""

    separator: str = ","
    encoding: str = "utf-8"
    sheet: str | None = None

    def __post_init__(self) -> None:
        if len(self.separator) != 1 or self.separator in '"\r\n' or len(self.separator.encode("utf-8")) != 1:
            raise ValueError(f"the separator must be one ASCII character other than a quote or a line break, not {self.separator!r}")
        canonical(self.encoding)  # ValueError for an unknown encoding


@dataclass
class Dataset:
    """A validated dataset, ready for the engines.

    `frame` has `__row__` (source row number), `partner_id` (String), one column per input
    metric named after the *metric* (counts Int64; decimals Int64 scaled by `scales[name]`;
    bool Boolean; date Date; enum String) and `anniversary` (Date) when the file has it.
    With on_error="report", rows with errors are left out of `frame`; `errors` lists every
    problem and `rejects` holds the rejected rows as text with their reasons."""

    path: str
    format: str
    frame: pl.DataFrame
    scales: dict[str, int]
    metrics: tuple[ir.Metric, ...]
    total_rows: int
    errors: list[DataError] = field(default_factory=list)  # the first MAX_KEPT problems
    error_count: int = 0  # all problems (rejects has every bad row with its reasons)
    rejects: pl.DataFrame | None = None
    columns: dict[str, int] = field(default_factory=dict)  # source column -> 1-based position
    # metric -> the column of its denominator, for a records metric that is a ratio: the
    # value is `frame[metric] / (scales[metric] * frame[denominators[metric]])`
    denominators: dict[str, str] = field(default_factory=dict)
    # optional metrics whose column the file lacks: every row took the default
    absent: tuple[ir.Metric, ...] = ()
    # the advice on values (`data.advice.fraction_percents`), when the pass that read the
    # file computed it; None: computed from `frame` when asked for
    advice: list[str] | None = None

    @property
    def notes(self) -> list[str]:
        """What a reader should know about how the file was read (not problems)."""
        return absent_notes(self.absent)

    @property
    def has_anniversary(self) -> bool:
        return ANNIVERSARY in self.frame.columns

    @property
    def partner_ids(self) -> list[str]:
        return self.frame[PID].to_list()

    def __len__(self) -> int:
        return self.frame.height

    def rows(self) -> Iterator[tuple[str, dict[str, ir.Value]]]:
        """Each partner's exact values: (partner_id, {metric: Fraction | bool | date | str})."""
        names = [m.name for m in self.metrics]
        decode = [self._decoder(m) for m in self.metrics]
        if not self.denominators:
            for rec in self.frame.select([PID, *names]).iter_rows():
                yield rec[0], {n: f(v) for n, f, v in zip(names, decode, rec[1:]) if v is not None}
            return
        dens = [self.denominators.get(n) for n in names]
        at = {d: len(names) + 1 + i for i, d in enumerate(d for d in dens if d is not None)}
        for rec in self.frame.select([PID, *names, *at]).iter_rows():
            yield (
                rec[0],
                {n: f(v) if d is None else f(v, rec[at[d]]) for n, d, f, v in zip(names, dens, decode, rec[1:]) if v is not None},
            )

    def columns_of(self, names: Iterable[str]) -> pl.DataFrame:
        """The columns `names` of the frame (those it has), without asking for the rest: a
        dataset read in one pass reads just these again."""
        return self.frame.select([n for n in names if n in self.frame.columns])

    def values(self, partner_id: str) -> dict[str, ir.Value] | None:
        """One partner's exact values, or None when the partner is not in the dataset."""
        hit = self.frame.filter(pl.col(PID) == partner_id)
        if hit.height == 0:
            return None
        return self._values(hit.row(0, named=True))

    def row_values(self, k: int) -> dict[str, ir.Value]:
        """The exact values of the frame's row `k` (a partner, or a partner's month)."""
        return self._values(self.frame.row(k, named=True))

    def _values(self, rec: dict) -> dict[str, ir.Value]:
        out = {}
        for m in self.metrics:
            if rec[m.name] is not None:
                den = self.denominators.get(m.name)
                out[m.name] = self._decoder(m)(rec[m.name]) if den is None else self._decoder(m)(rec[m.name], rec[den])
        return out

    def _decoder(self, m: ir.Metric):
        if m.name in self.denominators:
            scale = self.scales[m.name]
            return lambda v, d: Fraction(v, scale * d)
        if m.type.kind is ir.Kind.COUNT and self.scales.get(m.name, 1) == 1:
            return Fraction
        if m.type.kind in _DECIMAL_KINDS or m.type.kind is ir.Kind.COUNT:
            scale = self.scales[m.name]
            return lambda v: Fraction(v, scale)
        return lambda v: v

    def diagnostics(self, limit: int | None = None) -> list[Diagnostic]:
        return to_diagnostics(self.path, self.errors[:limit] if limit else self.errors, self.columns)


class _DeferredDataset(Dataset):
    """A dataset that passed every check in the pass that evaluated it (`Scan`): its frame is
    read only if someone asks for it."""

    def __init__(
        self, load: Callable[[], Dataset], rows: int, lazy: pl.LazyFrame | None = None, kept: pl.DataFrame | None = None, **fields
    ) -> None:
        self._load = load
        self._rows = rows
        self._lazy = lazy  # the validated columns, as the pass read them
        self._kept = kept  # some of them, as the pass returned them
        super().__init__(frame=None, **fields)  # type: ignore[arg-type]

    def columns_of(self, names: Iterable[str]) -> pl.DataFrame:
        if self._frame is not None or self._lazy is None:
            return super().columns_of(names)
        have = set(self._lazy.collect_schema().names())
        wanted = [n for n in names if n in have]
        if self._kept is not None and all(n in self._kept.columns for n in wanted):
            return self._kept.select(wanted)
        return self._lazy.select(wanted).collect()

    @property  # type: ignore[override]
    def frame(self) -> pl.DataFrame:
        if self._frame is None:
            self._frame = self._load().frame
        return self._frame

    @frame.setter
    def frame(self, value: pl.DataFrame | None) -> None:
        self._frame = value

    def __len__(self) -> int:
        return self._rows

    @property
    def has_anniversary(self) -> bool:
        if self._frame is None and self._lazy is not None:
            return ANNIVERSARY in self._lazy.collect_schema().names()
        return super().has_anniversary


@dataclass
class Scan:
    """A dataset as one lazy query: reading, converting and checking every value in a single
    pass, which the engine extends with the program's own columns so that the input columns
    are never materialized (`tierlang.engine.evaluate` on a file).

    `frame` has the columns of `Dataset.frame` plus `__bad__`, true where a value fails a
    check; `duplicates` (one Boolean) says whether a partner_id may appear twice, a check
    of the whole column kept out of `frame` so that polars can stream it. Both are
    conservative (a partner_id hash collision makes a candidate): whoever finds a problem
    loads the file with `load_dataset` instead, which reports every problem exactly."""

    frame: pl.LazyFrame
    # A query of the partner_id column alone (None for a CSV file, which it would parse
    # whole again); a pass that keeps the partner ids checks them instead (`repeats`).
    duplicates: pl.LazyFrame | None
    scales: dict[str, int]
    metrics: tuple[ir.Metric, ...]
    path: str
    format: str
    columns: dict[str, int]
    loader: _Loader
    absent: tuple[ir.Metric, ...] = ()
    #: decimal columns read at places guessed from the first rows (`scan_dataset(guess=True)`):
    #: `frame` then has a `MISSED` column (true where a value has more places than guessed,
    #: or is too large at them, or is a float without an exact reading: `_guessed_float`,
    #: `_guessed_text`). Whoever collects the scan must check it before `BAD`: a miss calls
    #: for the scan without guesses.
    guessed: bool = False

    def repeats(self, out: pl.DataFrame) -> bool:
        """Whether a partner_id may appear twice in the collected `frame` (or a query that
        keeps its partner_id column): `duplicates`, computed from what the pass read. Ids
        in strictly increasing order are all different, which one comparison per row tells
        (files are often sorted by id: a tenth of the hashes' cost)."""
        ids = out.get_column(PID).cast(pl.String)
        n = ids.len()
        if n < 2 or (ids.null_count() == 0 and (ids.slice(1) > ids.slice(0, n - 1)).all()):
            return False
        return bool(out.select(_IdReader.may_repeat(pl.col(PID).cast(pl.String))).item())

    def guess_missed(self, out: pl.DataFrame) -> bool:
        """Whether `out` (the collected `frame`, or a query that keeps `MISSED`) shows that a
        guessed column's places were not guessed right."""
        return self.guessed and bool(out.select(pl.col(MISSED).any()).item())

    def dataset(
        self,
        rows: int,
        kept: pl.DataFrame | None = None,
        metrics: tuple[ir.Metric, ...] | None = None,
        advice: list[str] | None = None,
    ) -> Dataset:
        """The `Dataset` of a scan in which none of `rows` rows was flagged; `kept`: some of
        its columns, as the evaluation returned them (`columns_of` answers from them);
        `metrics`: the metrics of the program it is for, when the scan read more; `advice`:
        `Dataset.advice`, as the evaluation computed it."""
        metrics = self.metrics if metrics is None else metrics
        names = {m.name for m in metrics}
        return _DeferredDataset(
            self.loader.run,
            rows,
            lazy=self.frame,
            kept=kept,
            path=self.path,
            format=self.format,
            scales={n: k for n, k in self.scales.items() if n in names},
            metrics=metrics,
            total_rows=rows,
            columns=self.columns,
            absent=tuple(m for m in metrics if any(a.name == m.name and a.column == m.column for a in self.absent)),
            advice=advice,
        )


def absent_notes(absent: Iterable[ir.Metric]) -> list[str]:
    """ "column 'survey' is not in the file: every row takes the default false (optional
    metric 'survey')", one per optional metric whose column is absent."""
    from tierlang.numbers import exact_text

    out = []
    for m in absent:
        d = m.default
        shown = ("true" if d else "false") if isinstance(d, bool) else exact_text(d) if isinstance(d, Fraction) else str(d)
        out.append(f"column '{m.column or m.name}' is not in the file: every row takes the default {shown} (optional metric '{m.name}')")
    return out


def to_diagnostics(path: str, errors: list[DataError], columns: Mapping[str, int] | None = None) -> list[Diagnostic]:
    """Data errors as diagnostics: the span is `file:row:column-position`."""
    out = []
    for e in errors:
        span = None
        if e.row is not None:
            col = (columns or {}).get(e.column or "", 1)
            span = ir.Span(path, e.row, col, e.row, col + 1)
        elif path:
            span = ir.Span(path, 1, 1, 1, 1)
        out.append(Diagnostic(e.code, Severity.ERROR, e.message, span, hint=e.hint))
    return out


# ------------------------------------------------------------------ entry points


def load_dataset(
    path: str | os.PathLike,
    program: ir.Program,
    *,
    on_error: str = "stop",
    format: str | None = None,
    display: str | None = None,
    options: ReadOptions | None = None,
    history: bool = False,
) -> Dataset:
    """Read and validate a dataset for `program`.

    With `history`, the dataset is a long table: one row per partner and month, with a
    `month` date column (the month's first day) beside `partner_id`; the pair is unique.

    `on_error="stop"` (default) raises `DataLoadError` listing every problem when any row is
    bad; `"report"` keeps the good rows and records the rest in `Dataset.errors` /
    `Dataset.rejects`. File-level problems (unreadable file, missing column, a column of the
    wrong type) always raise. `options`: a CSV file's separator and encoding, an Excel
    workbook's sheet (`ReadOptions`)."""
    if on_error not in ("stop", "report"):
        raise ValueError(f"on_error must be 'stop' or 'report', not {on_error!r}")
    return _Loader(_open(path, program, format, display, options), program, on_error, history).run()


def scan_dataset(
    path: str | os.PathLike,
    program: ir.Program,
    *,
    format: str | None = None,
    display: str | None = None,
    options: ReadOptions | None = None,
    history: bool = False,
    guess: bool = False,
) -> Scan | None:
    """Read and validate a dataset as one lazy query (see `Scan`), or None when this file
    can only be loaded by `load_dataset` (a decimal column written as text, or as binary
    floats some of which need their text: its places depend on all of its values). Raises
    `DataLoadError` for file-level problems, as `load_dataset` does. `history`: a long
    table, as in `load_dataset` (`Scan.duplicates` then looks at partner and month).
    `guess`: such a column's places are guessed from the first rows instead, and checked
    in the same pass (`Scan.guessed`: the caller must check `Scan.guess_missed`)."""
    if (format or detect_format(path)) == "xlsx":
        return None  # a sheet is read whole before polars sees it: nothing to stream
    return _Loader(_open(path, program, format, display, options), program, "stop", history).scan(guess)


def _open(
    path: str | os.PathLike, program: ir.Program, format: str | None, display: str | None, options: ReadOptions | None = None
) -> _Source:
    p = Path(path)
    name = display or _display(p)
    fmt = format or detect_format(p)
    if fmt is None:
        raise DataLoadError(
            name,
            [DataError("TL400", f"cannot tell the format of '{p.name}'", hint="name the file .csv, .parquet, .jsonl or .xlsx")],
        )
    if not p.is_file():
        raise DataLoadError(name, [DataError("TL400", "no such file" if not p.exists() else "not a file")])
    return _Source.open(p, fmt, name, program, options or ReadOptions())


def from_frame(
    frame: pl.DataFrame, program: ir.Program, *, on_error: str = "stop", name: str = "<frame>", history: bool = False
) -> Dataset:
    """Validate an in-memory polars DataFrame (typed or all-text columns) like a file
    (`history`: a long table, as in `load_dataset`)."""
    return _Loader(_Source.frame(frame, name, program), program, on_error, history).run()


def _display(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


# ------------------------------------------------------------------ sources


def _columns_needed(program: ir.Program) -> list[str]:
    cols = [PID] + [m.column for m in program.column_metrics if m.column]
    return cols


class _Source:
    """Where rows come from: a lazy frame of the needed columns plus a way to re-read rows
    as text for error messages."""

    def __init__(self, name: str, fmt: str, schema: pl.Schema, row_offset: int) -> None:
        self.name = name
        self.format = fmt
        self.schema = schema  # source column -> dtype as the file declares it
        self.row_offset = row_offset
        self.order: list[str] = list(schema.names())
        self.repeated: dict[str, list[int]] = {}  # header names given more than once -> positions
        self.problems: list[_RowProblem] = []  # problems found while reading, before any check

    # the lazy frame with the columns to validate, plus ROW
    def scan(self, columns: list[str], typed_counts: set[str]) -> pl.LazyFrame:  # pragma: no cover - abstract
        raise NotImplementedError

    def head(self, columns: list[str], n: int) -> pl.LazyFrame:
        """The first `n` rows of `columns`, or about them (blank lines may count): a sample."""
        return self.scan(columns, set()).head(n)

    def values(self, columns: list[str]) -> pl.LazyFrame:
        """`columns` as the file holds them, every value (blank lines may stay): a look at all."""
        return self.scan(columns, set())

    def fallback(self) -> bool:
        """Switch to the slow, all-text reading after the fast one failed (CSV only)."""
        return False

    def malformed(self) -> DataError | None:
        """The row that made the file unreadable, when the source can tell (CSV only)."""
        return None

    def text_rows(self, columns: list[str], rows: pl.Series) -> pl.DataFrame:  # pragma: no cover - abstract
        """The given rows (by ROW) with `columns` as text, for messages and reject files."""
        raise NotImplementedError

    @staticmethod
    def open(path: Path, fmt: str, name: str, program: ir.Program, options: ReadOptions) -> _Source:
        if fmt == "csv":
            return _CsvSource(path, name, options)
        if fmt == "parquet":
            return _ParquetSource(path, name)
        if fmt == "jsonl":
            return _JsonlSource(path, name, program)
        if fmt == "xlsx":
            return _XlsxSource(path, name, options.sheet)
        raise DataLoadError(name, [DataError("TL400", f"unknown data format '{fmt}'", hint="use csv, parquet, jsonl or xlsx")])

    def looks_separated(self) -> str | None:
        """The separator a one-column header seems to use instead of the file's, if any."""
        return None

    @staticmethod
    def frame(df: pl.DataFrame, name: str, program: ir.Program) -> _Source:
        return _FrameSource(df, name, "frame")


_READ_HINTS = {
    "utf-8": "save the file as UTF-8 text",
    "more fields": "a row has more cells than the header: check the quoting of cells that contain commas",
    "fields": "check that every row has as many cells as the header",
}


def _read_error(name: str, exc: Exception, what: str) -> DataLoadError:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    hint = next((h for k, h in _READ_HINTS.items() if k in text.lower()), None)
    return DataLoadError(name, [DataError("TL400", f"cannot read {what}: {text}", hint=hint)])


_OTHER_SEPARATORS = {";": "';'", "\t": "tab", "|": "'|'"}


class _CsvSource(_Source):
    def __init__(self, path: Path, name: str, options: ReadOptions | None = None) -> None:
        options = options or ReadOptions()
        self.separator = options.separator
        self.original = path
        if not is_utf8(options.encoding):
            try:
                path, self.copy = to_utf8(path, options.encoding)
            except BadByte as e:
                raise DataLoadError(name, [_bad_byte_error(e)]) from None
            except OSError as e:
                raise _read_error(name, e, "the file") from None
        self.path = path
        try:
            with path.open("rb") as fh:
                head = fh.read(65536)
        except OSError as e:
            raise _read_error(name, e, "the file") from None
        if not head.strip():
            raise DataLoadError(name, [DataError("TL400", "the file is empty", hint="a CSV file starts with a header row")])
        if b"\r" in head.rstrip(b"\r") and b"\n" not in head:
            # polars reads such a file as one line: the message would be a "missing column"
            raise DataLoadError(
                name,
                [
                    DataError(
                        "TL400",
                        "the lines of this file end with a carriage return only (classic Mac OS line endings)",
                        row=1,
                        hint="save it with Windows (CRLF) or Unix (LF) line endings",
                    )
                ],
            )
        try:
            schema = pl.scan_csv(path, infer_schema=False, separator=self.separator).collect_schema()
        except Exception as e:  # polars raises several exception types for broken files
            found = self.malformed()
            raise (DataLoadError(name, [found]) if found else _read_error(name, e, "the CSV header")) from None
        super().__init__(name, "csv", schema, 2)
        self.all_text = False
        self.repeated = _repeated_headers(path, self.separator)

    def scan(self, columns: list[str], typed_counts: set[str]) -> pl.LazyFrame:
        overrides = {} if self.all_text else {c: pl.Int64 for c in typed_counts}
        lf = pl.scan_csv(self.path, infer_schema=False, schema_overrides=overrides or None, separator=self.separator)
        # A blank line is not a partner: skipped (its row number still counts). Blank means
        # every cell of the line, not only those the program reads: a row with a note but
        # no id and no values is a row with errors, listed as such.
        every = self.schema.names()
        # (computed as a column, then filtered: polars' predicate pushdown of the condition over
        # every column, through the conversion of every column, grew with their square)
        blank = pl.all_horizontal([pl.col(c).is_null() for c in every]).alias("__blank__")
        lf = lf.with_row_index(ROW, offset=self.row_offset).with_columns(blank).filter(~pl.col("__blank__"))
        return lf.select([ROW, *columns])

    def head(self, columns: list[str], n: int) -> pl.LazyFrame:
        # read no further than the rows asked for (`scan` filters blank lines: all of them)
        return pl.scan_csv(self.path, infer_schema=False, separator=self.separator, n_rows=n).select(columns)

    def values(self, columns):
        # without `scan`'s blank-line check, which reads every column of the file
        return pl.scan_csv(self.path, infer_schema=False, separator=self.separator).select(columns)

    def fallback(self) -> bool:
        if self.all_text:
            return False
        self.all_text = True
        return True

    def malformed(self) -> DataError | None:
        bad = find_bad_byte(self.path) if self.path == self.original else None
        return _bad_byte_error(bad) if bad is not None else _malformed_row(self.path, self.separator)

    def looks_separated(self) -> str | None:
        names = self.schema.names()
        if len(names) != 1:
            return None
        return next((sep for sep in _OTHER_SEPARATORS if sep != self.separator and sep in names[0]), None)

    def text_rows(self, columns, rows):
        lf = (
            pl.scan_csv(self.path, infer_schema=False, separator=self.separator).select(columns).with_row_index(ROW, offset=self.row_offset)
        )
        return lf.filter(pl.col(ROW).is_in(rows.implode())).collect()

    def effective_schema(self, typed_counts: set[str]) -> dict[str, pl.DataType]:
        return {c: (pl.Int64 if (c in typed_counts and not self.all_text) else pl.String) for c in self.schema.names()}


def _bad_byte_error(e: BadByte) -> DataError:
    hint = (
        "save the file as UTF-8, or name its encoding: --encoding cp1252 (Excel on Windows), latin-1, utf-16 ..."
        if e.encoding == "utf-8"
        else f"the file is not {e.encoding} text: name the encoding it was saved in (--encoding)"
    )
    return DataError("TL400", f"{e} (byte {e.offset:,} of the file)", row=e.line, hint=hint)


def _malformed_row(path: Path, separator: str = ",") -> DataError | None:
    """The first row that makes a CSV file unreadable, found with Python's csv module (only
    after polars failed to read the file: polars' message names no row): a row with more
    cells than the header, or a quoted cell that is never closed. None when this finds
    nothing wrong."""
    try:
        with path.open("r", encoding="utf-8", newline="") as fh:
            raw: list[str] = []  # the lines of the row being read, to tell how a cell was written

            def lines():
                for line in fh:
                    raw.append(line)
                    yield line

            reader = csv.reader(lines(), strict=True, delimiter=separator)
            width = None
            row = 0
            try:
                for row, cells in enumerate(reader, start=1):
                    text, raw[:] = "".join(raw), []
                    bare = next((n for n, c in enumerate(cells, start=1) if '"' in c and _quoted(c) not in text), None)
                    if bare is not None:
                        # Python's reader keeps such a quote as text; polars (and Excel) take it as
                        # the start of a quoted cell that swallows the rest of the file
                        return DataError(
                            "TL400",
                            f"row {row}, cell {bare}: a double quote inside a cell that is not in quotes ({_shown(cells[bare - 1])})",
                            row=row,
                            hint='put the whole cell in double quotes and write the quote twice: "5""0"',
                        )
                    if width is None:
                        width = len(cells)
                    elif len(cells) > width:
                        return DataError(
                            "TL400",
                            f"row {row} has {len(cells)} cells; the header has {width}",
                            row=row,
                            hint='a cell that contains a comma must be in double quotes: "1,250"',
                        )
            except csv.Error as e:
                row += 1  # the row being read when the reader gave up
                if "end of data" in str(e) or "EOF" in str(e):
                    return DataError(
                        "TL400",
                        f"row {row}: a quoted cell is never closed",
                        row=row,
                        hint='close the quote ("..."); a double quote inside a quoted cell is written twice: ""',
                    )
                return DataError("TL400", f"row {row}: {e}", row=row, hint="check the quotes in this row")
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _quoted(cell: str) -> str:
    """`cell` as a CSV writer quotes it."""
    return '"' + cell.replace('"', '""') + '"'


def _repeated_headers(path: Path, separator: str = ",") -> dict[str, list[int]]:
    """Header names that appear more than once, with their 1-based positions. (polars keeps
    the first and renames the others `NAME_duplicated_N`: the header is read here again.)"""
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
        header = next(csv.reader(fh, delimiter=separator), [])
    where: dict[str, list[int]] = {}
    for i, h in enumerate(header, start=1):
        where.setdefault(h, []).append(i)
    return {h: at for h, at in where.items() if len(at) > 1}


class _ParquetSource(_Source):
    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        try:
            check_parquet(path)  # before polars: a corrupted page header can abort the process
            schema = pl.scan_parquet(path).collect_schema()
        except CorruptParquet as e:
            what = "not a Parquet file" if isinstance(e, NotParquet) else "the file is corrupt"
            hint = "write the file again from its source"
            raise DataLoadError(name, [DataError("TL400", f"cannot read the Parquet file: {what} ({e})", hint=hint)]) from None
        except Exception as e:
            raise _read_error(name, e, "the Parquet file") from None
        super().__init__(name, "parquet", schema, 1)

    def rows(self) -> pl.LazyFrame:
        """The file as a lazy query that never skips a row group on its statistics.

        polars skips a row group, for a filter, when the footer's statistics of it (null
        count, least and greatest value) say no row can pass; statistics are written by
        whatever wrote the file, and a wrong one (a null count of 0 over a missing value)
        would make a check pass over a bad row or a filter drop good rows, silently
        (tests/records/test_lying_statistics.py). Dictionaries are still used: they are
        the column's values themselves."""
        return pl.scan_parquet(self.path, use_statistics=False)

    def scan(self, columns, typed_counts):
        return self.rows().select(columns).with_row_index(ROW, offset=self.row_offset)

    def head(self, columns, n):
        return self.rows().select(columns).head(n)  # a row index would read every row

    def text_rows(self, columns, rows):
        lf = self.scan(columns, set()).filter(pl.col(ROW).is_in(rows.implode()))
        return lf.with_columns([_as_text(c, self.schema[c]) for c in columns]).collect()


class _FrameSource(_Source):
    def __init__(self, df: pl.DataFrame, name: str, fmt: str, offset: int = 1) -> None:
        self.df = df
        super().__init__(name, fmt, df.schema, offset)

    def scan(self, columns, typed_counts):
        if ROW in self.df.columns:  # JSON Lines carries its own line numbers
            return self.df.lazy().select([ROW, *columns])
        return self.df.lazy().select(columns).with_row_index(ROW, offset=self.row_offset)

    def text_rows(self, columns, rows):
        lf = self.scan(columns, set()).filter(pl.col(ROW).is_in(rows.implode()))
        return lf.with_columns([_as_text(c, self.schema[c]) for c in columns]).collect()


class _XlsxSource(_FrameSource):
    """One sheet of an Excel workbook, as text (see `tierlang.data.excel`)."""

    def __init__(self, path: Path, name: str, sheet: str | None) -> None:
        from tierlang.data.excel import SheetError, read_sheet

        try:
            df, self.sheet = read_sheet(path, sheet, ROW)
        except SheetError as e:
            raise DataLoadError(name, [DataError("TL400", str(e), hint=e.hint)]) from None
        except OSError as e:
            raise _read_error(name, e, "the file") from None
        super().__init__(df, f"{name} (sheet {self.sheet})" if sheet is not None else name, "xlsx")


class _JsonNumber(str):
    """A JSON number kept as the text it was written as (3.0 stays '3.0')."""


class _JsonObject(dict):
    """A JSON object that had a key twice (`dup`: those keys; the last value is kept)."""

    dup: list[str]


def _json_object(pairs: list[tuple[str, object]]) -> dict:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    out = _JsonObject(obj)
    seen: set[str] = set()
    out.dup = list(dict.fromkeys(k for k, _ in pairs if k in seen or seen.add(k)))
    return out


#: A problem a source finds in a row while reading it: (row, column, code, message after
#: "line N: ", hint). A TL413 problem (the line is not a JSON object) is the only one listed
#: for its row.
_RowProblem = tuple[int, str | None, str, str, str | None]


class _JsonlSource(_FrameSource):
    """JSON Lines, parsed with the standard library so that numbers keep their exact text:
    `3.0` in a count column is an error, as it is in a CSV file. (polars' JSON reader turns
    3.0 into 3 when asked for text, and into a float otherwise.)

    Problems only the parser sees become row problems (`problems`): a line that is not a
    JSON object (TL413), a key written twice (TL414), a partner_id that is not text or a
    whole number (TL402).

    Each line is parsed first by a decoder that gives numbers as plain strings (a subclass
    made for every number took three quarters of the time); a line that decoder cannot
    settle — not a flat object of text, numbers and nulls, a key twice, a partner_id that a
    number could have written — is parsed again by the careful one, which tells numbers from
    text (`_JsonNumber`)."""

    def __init__(self, path: Path, name: str, program: ir.Program) -> None:
        self.path = path
        wanted = list(dict.fromkeys([*_columns_needed(program), ANNIVERSARY, MONTH]))  # a table may have a month column
        want = set(wanted)
        cols = TextColumns(wanted, ROW)  # spilled to disk every CHUNK rows: a long file streams
        nothing = [None] * len(wanted)
        seen: set[str] = set()
        rows = 0
        problems: list[_RowProblem] = []
        parse = json.JSONDecoder(
            parse_float=_JsonNumber, parse_int=_JsonNumber, parse_constant=_reject_constant, object_pairs_hook=_json_object
        ).decode
        fast = json.JSONDecoder(parse_float=str, parse_int=str, parse_constant=_reject_constant, object_pairs_hook=_json_object).decode
        at_pid = wanted.index(PID)
        try:
            fh = path.open("r", encoding="utf-8-sig")  # a byte-order mark (Windows tools write one) is not data
        except OSError as e:
            raise _read_error(name, e, "the file") from None
        with fh:
            try:
                for lineno, line in enumerate(fh, start=1):
                    if not line.strip():
                        continue
                    rows += 1
                    try:
                        rec = fast(line)
                        values = tuple(map(rec.get, wanted)) if type(rec) is dict else None  # exactly dict: no key twice
                        if values is None or not _FLAT.issuperset(map(type, values)) or _number_like(values[at_pid]):
                            rec = parse(line)
                            if not isinstance(rec, dict):
                                raise ValueError(f"a line holds one JSON object, not {_json_kind(rec)}")
                            values = [_json_text(rec.get(c)) for c in wanted]
                    except ValueError as e:
                        problems.append((lineno, None, "TL413", f"not a JSON object: {str(e).splitlines()[0]}", _JSONL_HINT))
                        cols.append(lineno, nothing)
                        continue
                    seen.update(rec)
                    cols.append(lineno, values)
                    if isinstance(rec, _JsonObject):
                        for k in rec.dup:
                            if k in want:
                                problems.append(
                                    (lineno, k, "TL414", f"key '{k}' appears more than once in the object", "write each key once per line")
                                )
                    pid = rec.get(PID)
                    if pid is not None and not _json_id(pid):
                        problems.append(
                            (
                                lineno,
                                PID,
                                "TL402",
                                f"{_json_dump(pid)} is {_json_kind(pid)}; partner_id must be text or a whole number",
                                'write the id as a JSON string ("P-7") or a whole number (7)',
                            )
                        )
            except UnicodeDecodeError as e:
                raise DataLoadError(name, [DataError("TL400", f"the file is not UTF-8 text (byte {e.start})")]) from None
        if not rows:
            raise DataLoadError(name, [DataError("TL400", "the file is empty", hint="JSON Lines: one JSON object per line")])
        # A column no line has is missing (TL401); if no line parsed at all, keep every
        # column so that the per-line JSON errors are what gets reported.
        present = [c for c in wanted if c in seen or (not seen and c not in (ANNIVERSARY, MONTH))]
        self.store = cols  # keeps its spilled files while the source lives
        self.lines = cols.frame(present)
        _Source.__init__(self, name, "jsonl", pl.Schema({c: pl.String for c in present}), 1)
        self.problems = problems

    def scan(self, columns, typed_counts):
        return self.lines.select([ROW, *columns])

    def text_rows(self, columns, rows):
        """The rows' values, and `_line`: each line as written in the file."""
        out = super().text_rows(columns, rows)
        wanted = set(out[ROW].to_list())
        lines: dict[int, str] = {}
        with self.path.open("r", encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                if lineno in wanted:
                    lines[lineno] = line.rstrip("\r\n")
        return out.with_columns(pl.col(ROW).replace_strict(lines, default=None, return_dtype=pl.String).alias(LINE))


_JSONL_HINT = "each line of a JSON Lines file holds one JSON object"
LINE = "_line"  # JSON Lines reject files: the line as written


#: The types of the values a line's fast parse settles: text (numbers as they were written) and null.
_FLAT = frozenset({str, type(None)})
_NUMBER_START = frozenset("-0123456789")


def _number_like(pid: str | None) -> bool:
    """Whether a partner_id the fast parse gave as text could be a JSON number that is not a
    whole number (7.0, 1e3: refused, while the strings "7.0" and "1e3" are ids)."""
    return pid is not None and pid[:1] in _NUMBER_START and not pid.lstrip("-").isdigit()


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number")


def _json_id(v) -> bool:
    """Whether a JSON value can be a partner_id: a string or a whole number (not 7.0, 1e3,
    true, an array or an object)."""
    return isinstance(v, str) and (not isinstance(v, _JsonNumber) or v.lstrip("-").isdigit())


def _json_kind(v) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, _JsonNumber):
        return "a number with a fraction or exponent" if not v.lstrip("-").isdigit() else "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "an array"
    if isinstance(v, dict):
        return "an object"
    return "null" if v is None else type(v).__name__


def _json_text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):  # also _JsonNumber
        return str(v)
    return _json_dump(v)  # an array or object: fails every check, quoted in the message


def _json_dump(v) -> str:
    """A parsed JSON value as JSON, numbers as they were written ([3], not ["3"])."""
    if isinstance(v, _JsonNumber):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_json_dump(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {_json_dump(x)}" for k, x in v.items()) + "}"
    return json.dumps(v, ensure_ascii=False)


def _as_text(col: str, dtype: pl.DataType) -> pl.Expr:
    """A column as text, for messages and reject files (floats print their shortest form)."""
    return pl.col(col).cast(pl.String)


# ------------------------------------------------------------------ per-column readers


@dataclass
class _Check:
    """A row check: `flag` names a Boolean column that is true where the check fails;
    `message` builds the message from the value as text (`pl.col(text)`). `split`, when
    set, tells two codes apart in the error path only (the hot path computes one flag):
    (condition on the text, code/message/hint when it holds)."""

    code: str
    column: str  # source column
    flag: str
    message: object  # callable: text expr -> message expr
    hint: object = None  # text, or a callable: text expr -> hint expr (a hint per value)
    split: tuple | None = None


class _Reader:
    """How one source column becomes one validated column.

    `first()` gives expressions evaluated while reading (conversions and check flags);
    `second(df)` runs on the collected frame (decimal scale, range checks, defaults) and
    returns the final column expression plus further flag expressions."""

    def __init__(self, name: str, column: str, metric: ir.Metric | None, dtype: pl.DataType) -> None:
        self.name = name  # output column name (the metric's name)
        self.column = column  # source column
        self.metric = metric
        self.dtype = dtype
        self.checks: list[_Check] = []
        self.scale = 1
        self.optional = False  # a table column that may be empty (no default needed)
        self.missing_text: tuple[str, str] | None = None  # (message, hint) of a missing value
        self.declared_in = "the metric"  # where a range is declared (a table's column)
        self._staged: list[pl.Expr] | None = None

    def tmp(self, suffix: str) -> str:
        return f"__{self.name}__{suffix}"

    def check(self, code: str, suffix: str, message, hint=None) -> str:
        flag = self.tmp("bad_" + suffix)
        self.checks.append(_Check(code, self.column, flag, message, hint))
        return flag

    @property
    def what(self) -> str:
        return f"'{self.metric.name}'" if self.metric else f"'{self.column}'"

    # missing values
    def missing_expr(self, src: pl.Expr) -> pl.Expr:
        """Empty: null, or an empty text (a blank text is a bad value, not a missing one)."""
        if self.dtype == pl.String:
            return src.is_null() | (src == "")
        return src.is_null()

    def missing_flags(self, src: pl.Expr) -> list[pl.Expr]:
        out = [self.missing_expr(src).alias(self.tmp("missing"))]
        if self.metric is not None and self.metric.default is None and not self.optional:
            self.checks.append(
                _Check(
                    "TL403",
                    self.column,
                    self.tmp("missing"),
                    lambda t: pl.lit((self.missing_text or (f"missing value: {self.what} has no default",))[0]),
                    (self.missing_text or ("", f"fill in every row, or declare a default for metric {self.what}"))[1],
                )
            )
        return out

    def pre(self) -> list[pl.Expr]:
        """Intermediate columns computed once while reading, for `first` to use."""
        return []

    def extra(self, df: pl.DataFrame) -> list[pl.Series]:
        """Columns computed from the collected first stage `df` (eagerly, in Python), added
        to it before `second` runs."""
        return []

    @property
    def lazy(self) -> bool:
        """Whether `second` and `third` can do without the collected first stage (they are
        then called with None): true unless the final column depends on the data as a
        whole. Asked after `first`."""
        return True

    def first(self) -> list[pl.Expr]:  # pragma: no cover - abstract
        raise NotImplementedError

    def staged(self) -> list[pl.Expr]:
        """`first()`'s expressions, made on the first call and kept: `first` registers the
        reader's checks, so it runs once per reader, and a check that filters the file
        (`tables._TableLoader._file_checks`) takes its expression from here."""
        if self._staged is None:
            self._staged = self.first()
        return self._staged

    def second(self, df: pl.DataFrame | None) -> pl.Expr:
        """The final column (named `self.name`), given the collected first stage (None: see
        `lazy`): the value `first` read, or the metric's default where it is missing."""
        return self.fill_default(pl.col(self.tmp("v")), self.default()).alias(self.name)

    def default(self):
        """The metric's default as the column holds it (None: no default)."""
        return self.metric.default if self.metric else None

    def third(self, df: pl.DataFrame | None) -> list[pl.Expr]:
        """Flags that read the final column (range checks)."""
        return []

    def fill_default(self, value: pl.Expr, default) -> pl.Expr:
        if self.metric is None or self.metric.default is None:
            return value
        return pl.when(pl.col(self.tmp("missing"))).then(pl.lit(default)).otherwise(value)


def _type_error(column: str, dtype: pl.DataType, metric: ir.Metric, want: str, declared: str | None = None) -> DataError:
    """TL402: a typed column of the wrong type. `declared`: who declares the type ("metric 'n'
    is", "table 'usage' declares it")."""
    return DataError(
        "TL402",
        f"column '{column}' holds {dtype} values, but {declared or f'metric {metric.name!r} is'} {_describe(metric)}: {want}",
        column=column,
        hint="store the column as text or with the matching type; nothing is converted silently",
    )


def _describe(m: ir.Metric) -> str:
    k = m.type.kind
    if k is ir.Kind.COUNT:
        return "a count (whole numbers)"
    if k is ir.Kind.MONEY:
        return f"money in {m.type.currency}"
    if k is ir.Kind.ENUM:
        return "one of " + ", ".join(m.type.values)
    return {"number": "a number", "percent": "a percentage", "bool": "true or false", "date": "a date", "text": "text"}[k.value]


class _CountReader(_Reader):
    def missing_expr(self, src: pl.Expr) -> pl.Expr:
        # A cell of blanks only is empty here, as it is to polars' Int64 CSV parser (which
        # reads every count column that holds whole numbers only): the same either way.
        if self.dtype == pl.String:
            return src.is_null() | (src.str.strip_chars(" \t") == "")
        return src.is_null()

    def first(self):
        src = pl.col(self.column)
        out = self.missing_flags(src)
        if self.dtype == pl.String:
            syntax_bad = ~self.missing_expr(src) & ~src.str.contains(_COUNT_RE).fill_null(False)
            f = self.check(
                "TL404",
                "syntax",
                lambda t: pl.format("'{}' is not a whole number; {} is a count", t, pl.lit(self.what)),
                hint="write counts as whole numbers: 3, not 3.0",
            )
            out.append(syntax_bad.alias(f))
            value = src.str.strip_chars(" \t").cast(pl.Int64, strict=False)
            # beyond 64 bits here; beyond MAX_COUNT within them, with the range (`third`)
            big = self.check("TL412", "big", _count_too_large)
            out.append((~self.missing_expr(src) & ~syntax_bad & value.is_null()).alias(big))
            out.append(value.alias(self.tmp("v")))
        elif self.dtype == pl.Int64:
            out.append(src.alias(self.tmp("v")))
        else:  # another integer type, or DECIMAL(p, 0)
            value = src.cast(pl.Int64, strict=False)
            big = self.check("TL412", "big", _count_too_large)
            out.append((src.is_not_null() & value.is_null()).alias(big))
            out.append(value.alias(self.tmp("v")))
        return out

    def default(self):
        return int(self.metric.default) if self.metric and self.metric.default is not None else None

    def third(self, df):
        return _range_flags(self, pl.col(self.name), 1, limit=MAX_COUNT)


def _count_too_large(t: pl.Expr) -> pl.Expr:
    """TL412's message for a count beyond MAX_COUNT (or 64 bits), its value `t` quoted as
    the compiled SQL quotes it, whatever the column's type."""
    return pl.format("'{}' " + COUNT_TOO_LARGE, t)


def _range_flags(r: _Reader, v: pl.Expr, scale: int, limit: int | None = None) -> list[pl.Expr]:
    """Flags for values outside the metric's declared range (v is scaled by `scale`) and, with
    `limit` (counts: MAX_COUNT), beyond -limit..limit: TL412, which such a value gets rather
    than TL406, as in the compiled SQL (which reads a count, refusing one too large, before
    its range)."""
    m = r.metric
    if m is None:
        return []
    lo = math.ceil(m.minimum * scale) if m.minimum is not None else None
    hi = math.floor(m.maximum * scale) if m.maximum is not None else None
    low = high = None  # the TL406 checks' flags
    if lo is not None and (limit is None or lo >= -limit):
        shown = _fmt_fraction(m.minimum)
        neg = m.type.kind is ir.Kind.COUNT and m.minimum == 0
        low = r.check(
            "TL406",
            "low",
            lambda t, shown=shown, neg=neg: pl.format(
                "{} is below the minimum {} of {}" + ("; a count cannot be negative" if neg else ""), t, pl.lit(shown), pl.lit(r.what)
            ),
            hint=f"declare `range ..` on {r.declared_in} if negative values are valid" if neg else None,
        )
    if hi is not None and (limit is None or hi <= limit):
        shown = _fmt_fraction(m.maximum)
        high = r.check(
            "TL406", "high", lambda t, shown=shown: pl.format("{} is above the maximum {} of {}", t, pl.lit(shown), pl.lit(r.what))
        )
    if limit is not None:
        # a value beyond the limit may also be beyond a declared bound: its text tells TL412
        split = (lambda t: t.str.contains(_COUNT_TOO_LARGE_RE), "TL412", _count_too_large, None)
        for c in r.checks:
            if c.flag in (low, high):
                c.split = split
        if low is not None and lo == 0 and high is None:
            # the usual count (range 0..): one comparison, a negative value's bits being an
            # unsigned number above 2^63
            return [(v.reinterpret(signed=False) > limit).fill_null(False).alias(low)]
    out = []
    if low is not None:
        out.append((v < lo).fill_null(False).alias(low))
    if high is not None:
        out.append((v > hi).fill_null(False).alias(high))
    if limit is not None:
        beyond = ([v < -limit] if low is None else []) + ([v > limit] if high is None else [])
        if beyond:
            big = r.check("TL412", "limit", _count_too_large)
            out.append(pl.any_horizontal(beyond).fill_null(False).alias(big))
    return out


def _fmt_fraction(x: Fraction) -> str:
    if x.denominator == 1:
        return str(x.numerator)
    d = x.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1:
        from decimal import Decimal

        return format(Decimal(x.numerator) / Decimal(x.denominator), "f")
    return str(x)


def _frac_digits(x: Fraction) -> int:
    """Decimal places of a terminating fraction (0 for integers)."""
    k = 0
    while (x * 10**k).denominator != 1:
        k += 1
        if k > MAX_DIGITS:
            break
    return k


class _DecimalReader(_Reader):
    """number / percent / money, stored as integers scaled by 10^k, k = the most decimal
    places any value of the column has (trailing zeros ignored). The column is Int64 when
    every scaled value fits, else Int128 (up to 18 digits before and 18 after the point).

    A binary float (Parquet double) is read as its shortest decimal text, the digits every
    tool prints for it: 0.1 is 0.1, not 0.1000000000000000055511151231257827. A Float64
    column gets those digits without printing them (`tierlang.data.floats`); Float32 ones
    are printed and parsed."""

    def __init__(self, name: str, column: str, metric: ir.Metric | None, dtype: pl.DataType) -> None:
        super().__init__(name, column, metric, dtype)
        #: The places the values are read at (scaled by 10^decimal_scale) when they are known
        #: without looking at every value: guessed or found (`guess_places`, `use_places`),
        #: or the column type's (set by `first`). None: `second` finds them in the values.
        self.decimal_scale: int | None = None
        self.narrow = False  # every value, scaled, fits Int64
        self.guessed = False  # read at places guessed from the first rows (`guess_places`)
        #: (flag, expression) of the check that a value fits MAX_DIGITS at the column's places,
        #: when `second` found that some value may not
        self.fits: tuple[str, pl.Expr] | None = None

    @property
    def known(self) -> bool:
        """Whether the column's places are known without looking at every value (guessed,
        found beforehand, or the column type's)."""
        return self.decimal_scale is not None

    def text(self) -> pl.Expr:
        src = pl.col(self.column)
        return src.cast(pl.String) if self.dtype == pl.Float32 else src

    def use_places(self, k: int) -> None:
        """Read this column at `k` places, which a first look at all of its values found:
        a Float64 column's by `floats.column_places` (every value read exactly), a text
        column's by `data.places` (every value, scaled, fits Int64). Then the column needs
        no second look at the data."""
        self.decimal_scale = k
        self.narrow = True

    def guess_places(self, k: int) -> None:
        """Read this column (text or Float64) at `k` places, guessed from its first rows
        (`_Loader.scan`), in one pass: `first` flags each valid value the guess cannot read
        exactly (`missed`: more places, or too large at `k` places). The guess is the
        column's places, as the two stages find them, when no row is missed or bad: they
        are the most places of a valid value (or the default's), the guess is the most of
        the first rows' values (or the default's), so no value has more and the first rows'
        have as many (were one of them missed or bad, the file would be read again anyway:
        without guesses, or by the two stages)."""
        self.use_places(k)
        self.guessed = True

    def pre(self):
        if self.dtype not in (pl.String, pl.Float32):
            return []
        t = self.text()
        if self.guessed and self.dtype == pl.String:
            return [t.cast(pl.Float64, strict=False).alias(self.tmp("x"))]  # see `_guessed_text`
        # Few string operations on purpose (this is the hot loop of a CSV load), each once:
        # the digits without the point parsed as one integer, and the point's position.
        # (Int64 digits at places guessed or found: a longer value is read by the two stages anyway)
        return [
            t.str.replace(".", "", literal=True).cast(pl.Int64 if self.known else pl.Int128, strict=False).alias(self.tmp("digits")),
            t.str.find(".", literal=True).cast(pl.Int64).alias(self.tmp("point")),
        ]

    def first(self):
        src = pl.col(self.column)
        out = self.missing_flags(src)
        missing = self.missing_expr(src)
        if self.dtype == pl.Float64:
            flag = self._float_check()
            if self.guessed:
                out += self._guessed_float(src, missing, flag)
            elif self.known:
                out.append((~missing & floats.no_exact_reading(src)).alias(flag))
                out.append(floats.scaled(src, self.decimal_scale).alias(self.tmp("raw")))
            else:
                out.append((~missing & floats.no_exact_reading(src)).alias(flag))
                out.append(src.alias(self.tmp("x")))  # read by `extra` once collected
        elif self.dtype == pl.String and self.guessed:
            out += self._guessed_text(src, missing)
        elif self.dtype == pl.String and self.known:  # found (`use_places`)
            t, k = self.text(), self.decimal_scale
            bad, have = self._text_flag(t, missing), self._places(t)
            digits = pl.col(self.tmp("digits"))
            # every value at the column's places: a product of Int64 columns, below 10^18 at
            # the places `data.places` found (Int128 powers cost a fifth more)
            scale = pl.when(have == k).then(pl.lit(1, pl.Int64))
            for i in range(1, k + 1):
                scale = scale.when(have == k - i).then(pl.lit(10**i, pl.Int64))
            out += [bad.alias(self.checks[-1].flag), (digits * scale).alias(self.tmp("raw"))]
        elif self.dtype in (pl.String, pl.Float32):
            out += self._from_text(self.text(), missing, from_float=self.dtype != pl.String)
        elif self.dtype.is_integer():
            value = src.cast(pl.Int64, strict=False)
            big = self.check("TL412", "big", lambda t: pl.format("{} is too large to read exactly", t))
            out += [(src.is_not_null() & value.is_null()).alias(big), value.alias(self.tmp("raw"))]
            self.decimal_scale = 0
            self.narrow = True
        elif isinstance(self.dtype, pl.Decimal):
            # DECIMAL(p, s) with p <= 18 always fits Int64: no 128-bit detour
            self.narrow = (self.dtype.precision or 38) <= 18
            out.append(src.to_physical().cast(pl.Int64 if self.narrow else pl.Int128).alias(self.tmp("raw")))
            self.decimal_scale = self.dtype.scale or 0
        else:  # pragma: no cover - _reader_for only sends the types above here
            raise AssertionError(self.dtype)
        return out

    def _guessed_float(self, src: pl.Expr, missing: pl.Expr, flag: str) -> list[pl.Expr]:
        """A Float64 column read at its guessed places: the value (`raw`), the check that it
        has an exact reading (`flag`, TL412) and the guess's flags. A value with no exact
        reading (NaN, infinite, |x| >= 10^16, or 0 < |x| < 10^-5, which polars prints with an
        exponent) is never proven at `k` places (`floats.proven`: its digits are too many, or
        read back as another float; below 10^-5 at fewer than `floats.TINY_PLACES` places),
        so it is flagged missed, which sends the file to the scan without guesses (that reads
        the column whole first, `floats.column_places`, and hands it to the two stages, which
        report it); `flag` checks only what a miss cannot catch. Eight operations a value
        fewer in the hot loop of a Float64 file than checking every value."""
        k = self.decimal_scale
        assert k is not None
        present = ~missing
        tiny = present & floats.below_text(src) if k >= floats.TINY_PLACES else pl.lit(False)
        # a float's text has a place at least ("100.0"): every value misses a guess of none
        missed = present & ~floats.proven(src, k) if k else present
        return [tiny.alias(flag), floats.scaled(src, k).alias(self.tmp("raw")), missed.alias(self.tmp("missed"))]

    def _guessed_text(self, t: pl.Expr, missing: pl.Expr) -> list[pl.Expr]:
        """A text column read at its guessed places `k` through the binary float nearest to
        each value (`pre`'s `x`: polars' parse, which accepts the decimal grammar and
        exponents, NaN and infinities besides), proven as a Float64 column's values are
        (`floats.proven`): the value (`raw`), the TL405 flag and `missed`. Half the cost of
        parsing the text's digits as an integer (7 columns of 1M values: ~0.3 s against
        ~0.55 s), and exact:

        - A text of at most 15 characters has at most 15 significant digits, so it is the
          only decimal of at most 15 digits within 4.5 floats of `x` (`floats`: such
          decimals lie more than 2^52 / 10^15 floats apart), and `proven` finds exactly it
          when its places are at most `k` (and it fits 10^15 at them); a decimal proven at
          `k` places is one of at most 15 digits within half a float of `x`, so it is the
          text's. Even a parse off by a float would be read right or missed, never misread.
        - A longer text, or one with more places than `k`, or an infinity or NaN (never
          proven), is missed: the scan without guesses reads the column's text digit by
          digit (`first`), and reports what is not a decimal.
        - An exponent is the one form polars' parse reads that the grammar (`_DECIMAL_RE`)
          does not and `x` cannot tell: flagged bad, as a text it cannot parse is."""
        k = self.decimal_scale
        assert k is not None
        x = pl.col(self.tmp("x"))
        flag = self._text_check()
        bad = ~missing & (x.is_null() | t.str.contains("[eE]"))
        missed = ~missing & ~bad & (~floats.proven(x, k) | (t.str.len_bytes() > _FLOAT_TEXT))
        return [bad.alias(flag), floats.scaled(x, k).alias(self.tmp("raw")), missed.alias(self.tmp("missed"))]

    def _places(self, t: pl.Expr) -> pl.Expr:
        """The decimal places of the text `t` (trailing zeros counted), from `pre`'s point."""
        return places.places_of(t, pl.col(self.tmp("point")))

    def _text_flag(self, t: pl.Expr, missing: pl.Expr) -> pl.Expr:
        """Whether the text `t` is not a readable decimal (TL405, registered here). One flag:
        the digits (text without its point) did not parse as an integer, or the point came
        before the sign (".-5"). This accepts exactly what _DECIMAL_RE describes, without
        running a regex on every value; the regex is run on the bad values only, to tell
        TL405 (not a number) from TL412 (too long)."""
        self._text_check()
        return self._unreadable(t, missing)

    def _text_check(self) -> str:
        """Register the check that a text is a readable decimal (TL405, or TL412 when it
        is one with too many digits); its flag's name."""
        flag = self.check(
            "TL405",
            "syntax",
            lambda x: pl.format("'{}' is not a number; {} is {}", x, pl.lit(self.what), pl.lit(_describe(self.metric))),
            hint="write plain decimals with a point: 1250.50 (no spaces, thousands separators, exponent or currency sign)",
        )
        self.checks[-1].split = (
            lambda x: x.str.contains(_DECIMAL_RE),
            "TL412",
            lambda x: pl.format("'{}' has more digits than can be read exactly (at most {})", x, pl.lit(MAX_DIGITS)),
            None,
        )
        return flag

    def _unreadable(self, t: pl.Expr, missing: pl.Expr) -> pl.Expr:
        digits = pl.col(self.tmp("digits"))
        return ~missing & (digits.is_null() | t.str.starts_with(".-") | t.str.starts_with(".+"))

    def _from_text(self, t: pl.Expr, missing: pl.Expr, from_float: bool = False) -> list[pl.Expr]:
        digits = pl.col(self.tmp("digits"))
        if from_float:
            bad, f = self._unreadable(t, missing), self._float_check()
        else:
            bad = self._text_flag(t, missing)
            f = self.checks[-1].flag
        return [
            bad.alias(f),
            digits.alias(self.tmp("v")),
            pl.when(~bad & ~missing).then(self._places(t)).alias(self.tmp("k")),  # only valid values set the column's places
        ]

    def _float_check(self) -> str:
        return self.check(
            "TL412",
            "syntax",
            lambda x: pl.format("{} cannot be read as an exact decimal", x),
            hint="infinite, NaN and very large or small floats (written with an exponent) have no exact decimal reading; store the column as DECIMAL or text",
        )

    def extra(self, df: pl.DataFrame) -> list[pl.Series]:
        if self.dtype != pl.Float64 or self.known:
            return []
        # a Float64 column's digits and places, as its text has them (see `floats`)
        flag = next(c.flag for c in self.checks if c.code == "TL412")
        found = floats.decompose(df[self.tmp("x")], ~df[self.tmp("missing")] & ~df[flag])
        return [found.digits.alias(self.tmp("v")), found.places.alias(self.tmp("k"))]

    def _default_places(self) -> int:
        m = self.metric
        return _frac_digits(m.default) if m is not None and isinstance(m.default, Fraction) else 0

    @property
    def lazy(self) -> bool:
        # A typed column's places are its type's; text and floats take the places of their
        # most precise value, and a 128-bit column is narrowed when its values allow.
        return self.known and self.narrow and self._default_places() <= self.decimal_scale  # type: ignore[operator]

    def second(self, df):
        m = self.metric
        default_k = self._default_places()
        if self.decimal_scale is not None:
            k = max(self.decimal_scale, default_k)
            raw = pl.col(self.tmp("raw"))
            v = raw if k == self.decimal_scale else raw.cast(pl.Int128) * 10 ** (k - self.decimal_scale)
        else:
            kcol = df[self.tmp("k")]
            kmin, kmax = kcol.min(), kcol.max()
            k = min(max(int(kmax or 0), default_k), MAX_DIGITS)
            kk = pl.col(self.tmp("k"))
            raw = pl.col(self.tmp("v"))
            top = df.select(raw.abs().max()).item()
            if top is not None and top * 10 ** (k - int(kmin or 0)) >= 10**MAX_DIGITS:
                # some value, scaled to the column's places, exceeds MAX_DIGITS digits
                fits = raw.abs() < pl.lit(10, pl.Int128).pow(pl.lit(MAX_DIGITS - k, pl.Int64) + kk)
                flag = self.check(
                    "TL412",
                    "range",
                    lambda x, k=k: pl.format("'{}' is too large to read exactly next to values with {} decimal places", x, pl.lit(k)),
                    hint=f"at most {MAX_DIGITS} digits in all, counting the decimal places of the most precise value in the column",
                )
                self.fits = (flag, (raw.is_not_null() & kk.is_not_null() & ~fits).fill_null(False))
                ok = kk.is_not_null() & fits
            else:
                ok = kk.is_not_null()
            if kmin is not None and kmin == kmax == k:
                v = pl.when(ok).then(raw)  # every value has the column's places: no scaling
            else:
                v = pl.when(ok).then(raw * pl.lit(10, pl.Int128).pow(pl.lit(k, pl.Int64) - kk))
        self.scale = 10**k
        default = int(m.default * self.scale) if m is not None and isinstance(m.default, Fraction) else None
        return self.fill_default(v, default).alias(self.name)

    def third(self, df):
        flags = _range_flags(self, pl.col(self.name), self.scale)
        if self.fits is not None:
            flag, expr = self.fits
            flags.append(expr.alias(flag))
        return flags


class _BoolReader(_Reader):
    def first(self):
        src = pl.col(self.column)
        out = self.missing_flags(src)
        if self.dtype == pl.String:
            low = src.str.to_lowercase()
            bad = ~self.missing_expr(src) & ~low.is_in(["true", "false"]).fill_null(False)
            f = self.check("TL408", "syntax", lambda t: pl.format("'{}' is not true or false", t), hint="write true or false")
            out += [bad.alias(f), (low == "true").alias(self.tmp("v"))]
        else:
            out.append(src.alias(self.tmp("v")))
        return out


class _DateReader(_Reader):
    def first(self):
        src = pl.col(self.column)
        out = self.missing_flags(src)
        if self.dtype == pl.String:
            parsed = src.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
            bad = ~self.missing_expr(src) & (~src.str.contains(_DATE_RE).fill_null(False) | parsed.is_null())
            f = self.check(
                "TL409", "syntax", lambda t: pl.format("'{}' is not a date", t), hint="write dates as YYYY-MM-DD, e.g. 2023-08-15"
            )
            out += [bad.alias(f), pl.when(~bad).then(parsed).alias(self.tmp("v"))]
        else:
            out.append(src.alias(self.tmp("v")))
        return out


class _EnumReader(_Reader):
    def first(self):
        src = pl.col(self.column).cast(pl.String)
        out = self.missing_flags(src)
        values = list(self.metric.type.values)
        bad = ~self.missing_expr(src) & ~src.is_in(values).fill_null(False)
        f = self.check(
            "TL407",
            "value",
            lambda t: pl.format("'{}' is not a value of {}: expected one of {}", t, pl.lit(self.what), pl.lit(", ".join(values))),
            hint=lambda t: t.map_elements(_enum_hint(values), return_dtype=pl.String),
        )
        return [*out, bad.alias(f), src.alias(self.tmp("v"))]


def _enum_hint(values: list[str]) -> Callable[[str], str]:
    """The hint for a value that is not one of an enum's `values`: the value meant when it
    differs only in case or surrounding spaces, else the closest one if any is close. Runs on
    the error path only, once per distinct bad value."""
    folded = {v.casefold(): v for v in values}
    general = "values are case-sensitive and written exactly as declared"

    @functools.lru_cache(maxsize=1024)
    def hint(text: str) -> str:
        if len(text) > 200:
            return general
        meant = folded.get(text.strip().casefold())
        suggestion = f"did you mean '{meant}'?" if meant is not None else did_you_mean(text.strip(), values)
        return f"{suggestion} ({general})" if suggestion else general

    return hint


class _TextReader(_Reader):
    """Text, used as written (ids, names). Whole numbers in a typed column become their text."""

    def first(self):
        src = pl.col(self.column).cast(pl.String)
        return [*self.missing_flags(src), src.alias(self.tmp("v"))]


class _IdReader(_Reader):
    def __init__(self, *args, history: bool = False) -> None:
        super().__init__(*args)
        self.history = history  # unique per (partner_id, month), not per partner_id

    def first(self):
        src = pl.col(self.column).cast(pl.String)
        f_empty = self.check("TL410", "empty", lambda t: pl.lit("partner_id is empty"), hint="every row needs a partner_id")
        f_blanks = self.check(
            "TL410",
            "blanks",
            lambda t: pl.format("partner_id '{}' has blanks around it", t),
            hint="remove them: an id is used exactly as written, so ' A' and 'A' would be two partners",
        )
        stripped = src.str.strip_chars()
        empty = src.is_null() | (stripped == "")
        return [empty.alias(f_empty), (~empty & (stripped != src)).alias(f_blanks), src.alias(self.tmp("v"))]

    @staticmethod
    def may_repeat(ids: pl.Expr) -> pl.Expr:
        """Whether some partner_id may appear twice (one Boolean): by the count of distinct
        64-bit hashes, three times cheaper than `duplicates(ids).any()`. Also true for two
        blank ids, which are errors of their own."""
        return ids.hash().n_unique() != pl.len()

    @staticmethod
    def duplicates(ids: pl.Expr) -> pl.Expr:
        """Rows whose partner_id may appear twice. By a 64-bit hash (3x faster than comparing
        the texts); a hash collision can only add candidates, which `third` confirms."""
        return ~_blank(ids) & ids.hash().is_duplicated()

    def third(self, df):
        # Uniqueness needs the whole column, so it is checked here on the loaded ids, not
        # while reading: there it would stop polars from streaming the read (measured: a
        # quarter of a second of a 1M-row CSV load). A lazy load (df None) checks it beside
        # its query instead (`Scan.duplicates`).
        if df is None:
            return []
        if self.history:
            flag = self.check(
                "TL411",
                "dup",
                lambda t: pl.format("partner_id '{}' has more than one row for the same month", t),
                hint="a history has one row per partner and month",
            )
            key = pl.struct(PID, MONTH)
            return [(~_blank(pl.col(PID)) & key.is_duplicated()).alias(flag)]
        flag = self.check(
            "TL411", "dup", lambda t: pl.format("partner_id '{}' appears more than once", t), hint="partner_id must be unique"
        )
        ids = pl.col(PID)
        if not df.select(self.duplicates(ids).any()).item():
            return [pl.lit(False).alias(flag)]
        return [(self.duplicates(ids) & ids.is_duplicated()).alias(flag)]


def _blank(ids: pl.Expr) -> pl.Expr:
    return ids.is_null() | (ids.str.strip_chars() == "")


class _AnniversaryReader(_DateReader):
    """The optional `anniversary` column: a date, may be empty."""

    def missing_flags(self, src):
        return [self.missing_expr(src).alias(self.tmp("missing"))]


class _MonthReader(_DateReader):
    """A history's `month`: required, the first day of a month."""

    def missing_flags(self, src):
        flag = self.tmp("missing")
        self.checks.append(
            _Check("TL403", self.column, flag, lambda t: pl.lit("missing value: every row of a history names its month"), _MONTH_HINT)
        )
        return [self.missing_expr(src).alias(flag)]

    def third(self, df):
        flag = self.check("TL415", "day", lambda t: pl.format("month '{}' is not the first day of a month", t), hint=_MONTH_HINT)
        return [(pl.col(MONTH).dt.day() != 1).fill_null(False).alias(flag)]


_MONTH_HINT = "name each month by its first day, YYYY-MM-01 (2023-09-01 for September 2023)"


_TEXTUAL = (pl.String, pl.Categorical, pl.Null)


def _reader_for(metric: ir.Metric, column: str, dtype: pl.DataType, declared: str | None = None) -> _Reader | DataError:
    kind = metric.type.kind
    if dtype == pl.Null:
        dtype = pl.String
    if isinstance(dtype, (pl.Categorical, pl.Enum)):
        dtype = pl.String if kind in (ir.Kind.ENUM, ir.Kind.TEXT) else dtype
    if kind is ir.Kind.COUNT:
        if dtype == pl.String or dtype.is_integer():
            return _CountReader(metric.name, column, metric, dtype)
        if isinstance(dtype, pl.Decimal) and (dtype.scale or 0) == 0:
            return _CountReader(metric.name, column, metric, dtype)
        return _type_error(column, dtype, metric, "store whole numbers in an integer column", declared)
    if kind in _DECIMAL_KINDS:
        if dtype == pl.String or dtype.is_integer() or isinstance(dtype, pl.Decimal) or dtype in (pl.Float64, pl.Float32):
            return _DecimalReader(metric.name, column, metric, dtype)
        return _type_error(column, dtype, metric, "store numbers as decimals, integers or text", declared)
    if kind is ir.Kind.BOOL:
        if dtype in (pl.String, pl.Boolean):
            return _BoolReader(metric.name, column, metric, dtype)
        return _type_error(column, dtype, metric, "store true/false in a boolean or text column", declared)
    if kind is ir.Kind.DATE:
        if dtype in (pl.String, pl.Date):
            return _DateReader(metric.name, column, metric, dtype)
        return _type_error(column, dtype, metric, "store dates in a date column or as YYYY-MM-DD text", declared)
    if kind is ir.Kind.ENUM:
        if dtype == pl.String:
            return _EnumReader(metric.name, column, metric, dtype)
        return _type_error(column, dtype, metric, "store enum values as text", declared)
    if kind is ir.Kind.TEXT:
        if dtype == pl.String or dtype.is_integer():
            return _TextReader(metric.name, column, metric, dtype)
        return _type_error(column, dtype, metric, "store text (or whole-number ids)", declared)
    raise AssertionError(kind)  # pragma: no cover


# ------------------------------------------------------------------ the loader


class _Loader:
    def __init__(self, source: _Source, program: ir.Program, on_error: str, history: bool = False) -> None:
        self.source = source
        self.program = program
        self.on_error = on_error
        self.metrics = program.column_metrics
        self.history = history
        self.absent: list[ir.Metric] = []  # optional metrics whose column is not in the file

    def declares(self, m: ir.Metric) -> str:
        """Who declares a column's type, for a message about it."""
        return f"metric '{m.name}' is"

    def missing_words(self, m: ir.Metric) -> tuple[str, str, str]:
        """For a missing column: who reads it, the columns no one reads, and what to do."""
        return (
            f"metric '{m.name}'{f', {m.label}' if m.title else ''}",
            "no metric reads",
            'add the column, or name another with `column "..."` in the program',
        )

    def plan(self, schema: Mapping[str, pl.DataType]) -> list[_Reader]:
        errors: list[DataError] = []
        readers: list[_Reader] = []
        name = self.source.name
        if any(m.name == PID for m in self.metrics):
            raise DataLoadError(name, [DataError("TL401", "a metric may not be named 'partner_id'")])
        if self.history and any(m.name == MONTH or (m.column or m.name) == MONTH for m in self.metrics):
            raise DataLoadError(name, [DataError("TL401", "in a history, 'month' names the month of each row: no metric may read it")])
        if PID not in schema:
            sep = self.source.looks_separated()
            if sep is not None:
                header = next(iter(schema))
                raise DataLoadError(
                    name,
                    [
                        DataError(
                            "TL400",
                            f"the header is one column, '{_shown(header)}': the file looks {_OTHER_SEPARATORS[sep]}-separated",
                            row=1,
                            hint=f"give --separator {'tab' if sep == chr(9) else repr(sep)} (tier reads commas unless told)",
                        )
                    ],
                )
            errors.append(DataError("TL401", "column 'partner_id' is missing", column=PID, hint="every dataset needs a partner_id column"))
        else:
            dt = schema[PID]
            if not (dt in (pl.String, pl.Null) or dt.is_integer() or isinstance(dt, pl.Categorical)):
                errors.append(DataError("TL402", f"column 'partner_id' holds {dt} values; it must be text or whole numbers", column=PID))
            else:
                readers.append(_IdReader(PID, PID, None, pl.String, history=self.history))
        if self.history:
            if MONTH not in schema:
                errors.append(
                    DataError(
                        "TL401",
                        "column 'month' is missing",
                        column=MONTH,
                        hint="a history has a month column (YYYY-MM-01) beside partner_id",
                    )
                )
            elif schema[MONTH] in (pl.String, pl.Date, pl.Null):
                readers.append(_MonthReader(MONTH, MONTH, None, pl.String if schema[MONTH] == pl.Null else schema[MONTH]))
            else:
                errors.append(DataError("TL402", f"column 'month' holds {schema[MONTH]} values; it must hold dates", column=MONTH))
        for col, at in self.source.repeated.items():
            if col in {PID, ANNIVERSARY, *([MONTH] if self.history else [])} or any((m.column or m.name) == col for m in self.metrics):
                shown = ", ".join(map(str, at[:-1])) + f" and {at[-1]}"
                errors.append(
                    DataError(
                        "TL414",
                        f"column '{col}' appears {len(at)} times in the header (columns {shown})",
                        column=col,
                        hint="rename or remove the extra columns: which one holds the values is not guessed",
                    )
                )
        missing = []
        self.absent = []
        for m in self.metrics:
            col = m.column or m.name
            if col not in schema and m.optional and m.default is not None:
                # read as a column of blanks: every row takes the default
                self.absent.append(m)
                r = _reader_for(m, col, pl.Null, self.declares(m))
                if isinstance(r, DataError):
                    errors.append(r)
                else:
                    readers.append(r)
                continue
            if col not in schema:
                missing.append(m)
                continue
            r = _reader_for(m, col, schema[col], self.declares(m))
            if isinstance(r, DataError):
                errors.append(r)
            else:
                readers.append(r)
        claimed = {PID, ANNIVERSARY, MONTH, *(m.column or m.name for m in self.metrics)}
        unclaimed = [c for c in schema if c not in claimed]
        for m in missing:
            col = m.column or m.name
            case = [c for c in unclaimed if c.lower() == col.lower()]
            near = did_you_mean(col, unclaimed, cutoff=0.8)
            owner, unread, add = self.missing_words(m)
            if case:
                hint = f"found a column '{case[0]}': column names are case-sensitive"
            elif near:
                hint = f"{near} (a column of the file that {unread})"
            else:
                hint = add
            errors.append(DataError("TL401", f"column '{col}' is missing ({owner})", column=col, hint=hint))
        if errors:
            raise DataLoadError(name, errors)
        if ANNIVERSARY in schema and ANNIVERSARY not in {m.name for m in self.metrics}:
            dt = schema[ANNIVERSARY]
            if dt in (pl.String, pl.Date, pl.Null):
                readers.append(_AnniversaryReader(ANNIVERSARY, ANNIVERSARY, None, pl.String if dt == pl.Null else dt))
            else:
                raise DataLoadError(
                    name, [DataError("TL402", f"column 'anniversary' holds {dt} values; it must hold dates", column=ANNIVERSARY)]
                )
        return readers

    def first_stage(self, readers: list[_Reader], schema: Mapping[str, pl.DataType]) -> tuple[list[str], pl.LazyFrame]:
        """The source columns `readers` read and the lazy first stage: every value converted
        and flagged while reading (a CSV source skips blank lines)."""
        src = self.source
        absent = {m.column or m.name for m in self.absent}
        columns = [c for c in dict.fromkeys(r.column for r in readers) if c not in absent]
        pre = [e for r in readers for e in r.pre()]
        exprs = [pl.col(ROW)] + [e for r in readers for e in r.staged()]
        lf = src.scan(columns, self._typed_counts())
        nulls = [c for c in columns if schema.get(c) == pl.Null]
        if nulls:  # an all-empty column: read as (missing) text
            lf = lf.with_columns([pl.col(c).cast(pl.String) for c in nulls])
        if absent:  # an optional metric's column the file lacks: blanks, so the default applies
            lf = lf.with_columns([pl.lit(None, pl.String).alias(c) for c in sorted(absent)])
        return columns, (lf.with_columns(pre) if pre else lf).select(exprs)

    def schema(self) -> dict[str, pl.DataType]:
        src = self.source
        return src.effective_schema(self._typed_counts()) if isinstance(src, _CsvSource) else dict(src.schema)

    def run(self) -> Dataset:
        src = self.source
        while True:
            try:
                schema = self.schema()
                readers = self.plan(schema)
                columns, lf = self.first_stage(readers, schema)
                first = lf.collect()
            except pl.exceptions.PolarsError as e:
                if src.fallback():
                    continue  # a count column holds something other than whole numbers: read as text
                found = src.malformed()
                raise (DataLoadError(src.name, [found]) if found else _read_error(src.name, e, "the data")) from None
            except pl.exceptions.PanicException:  # a BaseException: polars' reader gave up on a damaged file
                why = "the file is damaged (the reader stopped inside it)"
                raise DataLoadError(src.name, [DataError("TL400", f"cannot read the data: {why}", hint="write the file again")]) from None
            break
        extra = [c for r in readers for c in r.extra(first)]
        if extra:
            first = first.with_columns(extra)
        # Final columns, computed once; decimals that fit Int64 (nearly all) are stored so.
        df = first.with_columns([r.second(first) for r in readers])
        types = df.schema  # built anew on each access: once, not once per column
        wide = [r.name for r in readers if types[r.name] == pl.Int128]
        if wide:
            ranges = df.select([e for c in wide for e in (pl.col(c).min().alias(f"lo:{c}"), pl.col(c).max().alias(f"hi:{c}"))]).row(0)
            narrow = [
                c
                for i, c in enumerate(wide)
                if (ranges[2 * i] is None or ranges[2 * i] >= -_I64_MAX) and (ranges[2 * i + 1] is None or ranges[2 * i + 1] <= _I64_MAX)
            ]
            if narrow:
                df = df.with_columns([pl.col(c).cast(pl.Int64) for c in narrow])
        flags = [e for r in readers for e in r.third(df)]
        if flags:
            df = df.with_columns(flags)
        checks = [c for r in readers for c in r.checks]
        constraints = self.constraint_checks(readers)
        if constraints:
            df = df.with_columns([flag for _, flag in constraints])
            checks += [c for c, _ in constraints]
        df = df.with_columns(self.bad_expr(checks))
        n_bad = int(df[BAD].sum())
        positions = self.positions()
        errors: list[DataError] = []
        error_count = 0
        rejects = None
        good = df
        if n_bad:
            long, rejects = self.collect_errors(df.filter(pl.col(BAD)), checks, columns)
            error_count = long.height
            errors = [
                DataError(code, message, row, column, pid, hint)
                for row, pid, column, code, message, hint in long.head(MAX_KEPT).iter_rows()
            ]
            if self.on_error == "stop":
                raise DataLoadError(src.name, errors, df.height, n_bad, positions, error_count)
            good = df.filter(~pl.col(BAD))
        frame = good.with_columns(pl.col(ROW).cast(pl.Int64)).select(self.keep(readers))
        return Dataset(
            path=src.name,
            format=src.format,
            frame=frame,
            scales=self.scales(readers),
            metrics=self.metrics,
            total_rows=df.height,
            errors=errors,
            error_count=error_count,
            rejects=rejects,
            columns=positions,
            absent=tuple(self.absent),
        )

    def checked_lazy(self, readers: list, schema) -> pl.LazyFrame | None:
        """Every reader's stages as one lazy query with the `BAD` flag of each row (what `run`
        computes eagerly), or None when a reader needs the data in hand first."""
        _, lf = self.first_stage(readers, schema)
        if not all(r.lazy for r in readers):
            return None
        lf = lf.with_columns([r.second(None) for r in readers])
        flags = [e for r in readers for e in r.third(None)]
        if flags:
            lf = lf.with_columns(flags)
        checks = [c for r in readers for c in r.checks]
        constraints = self.constraint_checks(readers)  # flags only: `run` words the messages
        if constraints:
            lf = lf.with_columns([flag for _, flag in constraints])
            checks += [c for c, _ in constraints]
        lf = lf.with_columns(self.bad_expr(checks))
        guessed = [r for r in readers if isinstance(r, _DecimalReader) and r.guessed]
        if guessed:
            lf = lf.with_columns(pl.any_horizontal([pl.col(r.tmp("missed")) for r in guessed]).alias(MISSED))
        return lf

    def scan(self, guess: bool = False) -> Scan | None:
        """The whole load as one lazy query, when no column's final form depends on the data
        (see `Scan`); None otherwise (a 128-bit column, a float column with values that need
        their text): then only `run` can load the file. The places of a decimal column
        of text or Float64 depend on all of its values: with `guess`, they are guessed from
        the first rows and checked on every row in the same pass (`Scan.guessed`); else Float64
        columns are read once beforehand, alone, to find their places, and a scan of text
        decimals is None."""
        schema = self.schema()
        readers = self.plan(schema)
        doubles = [r for r in readers if isinstance(r, _DecimalReader) and r.dtype == pl.Float64]
        texts = [r for r in readers if isinstance(r, _DecimalReader) and r.dtype == pl.String]
        guesses = self.guesses(doubles + texts, schema) if guess and (doubles or texts) else None
        if guesses is not None:
            for r, k in zip(doubles + texts, guesses):
                r.guess_places(k)
        elif doubles:
            values = self.source.scan(list(dict.fromkeys(r.column for r in doubles)), set()).collect()
            for r in doubles:
                k = floats.column_places(values[r.column])
                if k is None:
                    return None
                r.use_places(k)
            del values
        if guesses is None and texts and not self.text_places(texts, schema):
            return None
        lf = self.checked_lazy(readers, schema)
        if lf is None:
            return None
        checks = [MISSED] if guesses is not None else []
        frame = lf.select(pl.col(ROW).cast(pl.Int64), *[pl.col(c) for c in self.keep(readers)[1:]], pl.col(BAD), *checks)
        src = self.source
        if self.history:  # one row per partner and month: candidates by a hash of both, as below
            ids = pl.col(PID).cast(pl.String)
            key = pl.struct(ids, pl.col(MONTH).cast(pl.String))
            duplicates = src.scan([PID, MONTH], set()).select((~_blank(ids) & key.hash().is_duplicated()).any())
        elif isinstance(src, _CsvSource):
            duplicates = None  # a second read of a CSV file parses all of it: see `Scan.repeats`
        else:
            duplicates = src.scan([PID], set()).select(_IdReader.may_repeat(pl.col(PID).cast(pl.String)))
        return Scan(
            frame,
            duplicates,
            self.scales(readers),
            self.metrics,
            src.name,
            src.format,
            self.positions(),
            self,
            tuple(self.absent),
            guessed=guesses is not None,
        )

    def text_places(self, texts: list[_DecimalReader], schema: Mapping[str, pl.DataType]) -> bool:
        """Give each text decimal column of `texts` its places, found by one streaming pass
        over those columns alone (`data.places`), so that the single pass can read them in
        bounded memory; False when one might not fit Int64 at its places, or the file cannot
        be read (the two stages then read it, and report what is wrong)."""
        absent = {m.column or m.name for m in self.absent}
        read = [c for c in dict.fromkeys(r.column for r in texts) if c not in absent and schema.get(c) != pl.Null]
        try:
            found = places.text_places(self.source.values(read), read)
        except (pl.exceptions.PolarsError, pl.exceptions.PanicException):
            return False
        for r in texts:
            most, width = found.get(r.column, (0, 0))  # an absent or empty column: its default's places
            k = max(most, r._default_places())
            if not places.fits(k, width):
                return False
            r.use_places(k)
        return True

    def guesses(self, readers: list[_DecimalReader], schema) -> list[int] | None:
        """The places of each decimal column of `readers` (text or Float64) in the first
        `GUESS_ROWS` rows, at least its default's; None when a column's first values give no
        guess (a float that needs its text, more places than Int64 can scale to)."""
        try:
            head = self.source.head(list(dict.fromkeys(r.column for r in readers)), GUESS_ROWS).collect()
        except (pl.exceptions.PolarsError, pl.exceptions.PanicException):
            return None  # the scan or the two stages say what is wrong
        out = []
        for r in readers:
            values = head[r.column].drop_nulls()
            if r.dtype == pl.Float64:
                if values.is_nan().any() or values.is_infinite().any():
                    return None
                # the places of a float's shortest text (at least one: "100.0"), as `floats` reads it
                values = values.cast(pl.String)
            text = values.filter(values.str.contains(_DECIMAL_RE))
            point = text.str.find(".", literal=True).cast(pl.Int64)
            k = max(int((text.str.len_bytes().cast(pl.Int64) - point - 1).fill_null(0).max() or 0), r._default_places())
            if k > (floats.MAX_PLACES if r.dtype == pl.Float64 else _GUESS_PLACES):
                return None
            out.append(k)
        return out

    def constraint_checks(self, readers: list[_Reader]) -> list[tuple[_Check, pl.Expr]]:
        """A row check per input constraint of the program (data/constraints.py): the row
        breaks it; the message names the constraint and every column it reads, with values."""
        if not self.program.constraints:
            return []  # (without importing the passes that lower constraints and the syntax tree)
        from tierlang.data.constraints import constraint_flag
        from tierlang.passes.constraints import constraint_columns

        scales = self.scales(readers)
        out = []
        for i, c in enumerate(self.program.constraints):
            cols = constraint_columns(self.program, c)
            if not cols:
                continue
            flag = f"__constraint{i}__"
            values = ", ".join(f"{col} is {{}}" for col in cols)
            title = f" ({c.title})" if c.title else ""

            def message(t, c=c, cols=cols, values=values, title=title):
                return pl.format(f"breaks the constraint '{c.name}'{title}: {values}", *[pl.col(f"__text__{col}") for col in cols])

            hint = "the data cannot be right: two of its columns disagree" + (f" (source: {c.source})" if c.source else "")
            out.append((_Check("TL416", cols[0], flag, message, hint), constraint_flag(c, self.program, scales).alias(flag)))
        return out

    def bad_expr(self, checks: list[_Check]) -> pl.Expr:
        """`__bad__`: whether any check failed on the row."""
        row_checks = [pl.col(c.flag) for c in checks]
        problems = self.source.problems
        if problems:
            rows = pl.Series(sorted({p[0] for p in problems}), dtype=pl.Int64)
            row_checks.append(pl.col(ROW).is_in(rows.implode()))
        return (pl.any_horizontal(row_checks) if row_checks else pl.lit(False)).alias(BAD)

    def keep(self, readers: list[_Reader]) -> list[str]:
        """The columns of `Dataset.frame`."""
        keep = [ROW, PID] + [r.name for r in readers if r.metric is not None]
        if any(isinstance(r, _AnniversaryReader) for r in readers):
            keep.append(ANNIVERSARY)
        if self.history:
            keep.append(MONTH)
        return keep

    def scales(self, readers: list[_Reader]) -> dict[str, int]:
        scales = {r.name: r.scale for r in readers if r.metric is not None and r.metric.type.kind in _DECIMAL_KINDS}
        for m in self.metrics:
            if m.type.kind is ir.Kind.COUNT:
                scales.setdefault(m.name, 1)
        return scales

    def positions(self) -> dict[str, int]:
        """Source column -> 1-based position (for diagnostics' spans)."""
        return {c: i for i, c in enumerate(self.source.order, start=1)}

    def _typed_counts(self) -> set[str]:
        return {m.column or m.name for m in self.metrics if m.type.kind is ir.Kind.COUNT}

    def collect_errors(self, bad: pl.DataFrame, checks: list[_Check], columns: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
        """All problems of the bad rows, built in polars (a file can have millions):
        (errors: ROW, partner_id, column, code, message, hint — sorted by row and column;
        rejects: the bad rows as text with `_row` and `_errors`)."""
        src = self.source
        text = src.text_rows(columns, bad[ROW]).with_columns(pl.col(ROW).cast(pl.Int64))
        text = text.rename({c: f"__text__{c}" for c in columns})
        joined = bad.with_columns(pl.col(ROW).cast(pl.Int64)).join(text, on=ROW, how="left")
        order = {c: i for i, c in enumerate(columns)}
        label = "line" if src.format == "jsonl" else "row"
        pid = pl.col(f"__text__{PID}") if PID in columns else pl.lit(None, pl.String)
        dup_flag = next((c.flag for c in checks if c.code == "TL411"), None)
        if dup_flag is not None:
            # Duplicates name the other rows that use the same id.
            # (in a history, the rows of the same partner and month)
            keys = ["__pid__", *([MONTH] if self.history else [])]
            dups = joined.filter(pl.col(dup_flag)).select(pl.col(ROW), pid.alias("__pid__"), *[pl.col(k) for k in keys[1:]])
            rows = dups.group_by(keys).agg(pl.col(ROW).sort().alias("__rows__"))
            others = pl.col("__rows__").list.set_difference(pl.concat_list(pl.col(ROW))).list.sort()
            n = others.list.len()
            shown = others.list.head(5).cast(pl.List(pl.String)).list.join(", ")
            more = pl.when(n > 5).then(pl.format(" and {} more", n - 5)).otherwise(pl.lit(""))
            word = pl.when(n > 1).then(pl.lit(label + "s")).otherwise(pl.lit(label))
            same = " for the same month" if self.history else ""
            dup_msg = dups.join(rows, on=keys).select(
                pl.col(ROW),
                pl.format("partner_id '{}' also appears in {} {}{}" + same, pl.col("__pid__"), word, shown, more).alias("__dupmsg__"),
            )
            joined = joined.join(dup_msg, on=ROW, how="left")
        parts = []
        for c in checks:
            t = pl.col(f"__text__{c.column}")
            # a value is quoted in its message, cut short when long (a 5,000-digit cell)
            shown = pl.when(t.str.len_chars() > _SHOWN_CHARS).then(
                pl.format("{}… ({} characters)", t.str.slice(0, _SHOWN_CHARS - 20), t.str.len_chars())
            )
            shown = shown.otherwise(t)
            msg = pl.col("__dupmsg__") if c.code == "TL411" else c.message(shown)
            code = pl.lit(c.code)
            hint = c.hint(t) if callable(c.hint) else pl.lit(c.hint, pl.String)
            if c.split is not None:
                cond, code2, message2, hint2 = c.split
                held = cond(t).fill_null(False)
                code = pl.when(held).then(pl.lit(code2)).otherwise(code)
                msg = pl.when(held).then(message2(shown)).otherwise(msg)
                hint = pl.when(held).then(pl.lit(hint2, pl.String)).otherwise(hint)
            where = (
                pl.format(label + " {}: ", pl.col(ROW))
                if c.code in ("TL410", "TL411")
                else pl.format(label + " {}, column '{}': ", pl.col(ROW), pl.lit(c.column))
            )
            parts.append(
                joined.filter(pl.col(c.flag)).select(
                    pl.col(ROW),
                    pid.alias(PID),
                    pl.lit(c.column, pl.String).alias("column"),
                    pl.lit(order.get(c.column, 0)).alias("__order__"),
                    code.alias("code"),
                    pl.concat_str([where, msg]).alias("message"),
                    hint.alias("hint"),
                )
            )
        problems = src.problems
        if problems:
            found = pl.DataFrame(
                problems,
                schema={ROW: pl.Int64, "column": pl.String, "code": pl.String, "__msg__": pl.String, "hint": pl.String},
                orient="row",
            )
            ids = joined.select(pl.col(ROW), pid.alias(PID))
            where = (
                pl.when(pl.col("code").is_in(["TL413", "TL414"]) | pl.col("column").is_null())
                .then(pl.format(label + " {}: ", pl.col(ROW)))
                .otherwise(pl.format(label + " {}, column '{}': ", pl.col(ROW), pl.col("column")))
            )
            parts.append(
                found.join(ids, on=ROW, how="left").select(
                    pl.col(ROW),
                    pl.when(pl.col("code") == "TL413").then(pl.lit(None, pl.String)).otherwise(pl.col(PID)).alias(PID),
                    pl.col("column"),
                    pl.when(pl.col("code") == "TL413")
                    .then(pl.lit(-1))
                    .otherwise(pl.col("column").replace_strict(order, default=0, return_dtype=pl.Int32))
                    .alias("__order__"),
                    pl.col("code"),
                    pl.concat_str([where, pl.col("__msg__")]).alias("message"),
                    pl.col("hint"),
                )
            )
        long = pl.concat(parts, how="vertical_relaxed")
        broken = [p[0] for p in problems or () if p[2] == "TL413"]
        if broken:  # a line that is not JSON has no other problems worth listing
            long = long.filter(~pl.col(ROW).is_in(pl.Series(broken, dtype=pl.Int64).implode()) | (pl.col("code") == "TL413"))
        long = long.sort([ROW, "__order__", "code"]).drop("__order__")
        reasons = long.group_by(ROW, maintain_order=True).agg(pl.col("message").str.join("; ").alias("_errors"))
        rejects = text.rename({f"__text__{c}": c for c in columns}).join(reasons, on=ROW, how="left").sort(ROW).rename({ROW: "_row"})
        if LINE in rejects.columns:  # JSON Lines: the line as written, after the values read from it
            rejects = rejects.select(pl.exclude(LINE, "_errors"), pl.col(LINE), pl.col("_errors"))
        return long, rejects
