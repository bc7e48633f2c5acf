"""A Parquet file whose footer statistics lie: tier reads what the file holds, not what its
footer says about it.

polars skips a row group, for a filter, when the row group's statistics say no row can
pass: a null count of 0 for a `missing value` check, a least and greatest value that leave
out the bad enum value or date. A writer's statistics can be wrong, and then a check would
pass over a bad row, or an aggregate's window filter drop good rows, without a word. Each
file here is written honestly by pyarrow, then one row group's statistics are patched in
its Thrift footer (same byte length, so every offset stays valid): the first test of each
kind shows that polars' default scan is fooled by the patch (so the patch hits what polars
reads); tier must still name the bad row (streamed and held tables), and aggregate every
row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

import tierlang.data.tables as tables
from tierlang.data import DataLoadError
from tierlang.data.tables import load_records
from tierlang.records import with_records

from .test_table_checks import _folder, program  # noqa: F401  (program: a fixture)

# ------------------------------------------------------------------ the footer

# Thrift field ids (parquet.thrift): FileMetaData.schema 2, .row_groups 4; SchemaElement.name
# 4; RowGroup.columns 1; ColumnChunk.meta_data 3; ColumnMetaData.statistics 12; Statistics:
# max 1, min 2, null_count 3, max_value 5, min_value 6.
MAX, MIN, NULL_COUNT, MAX_VALUE, MIN_VALUE = 1, 2, 3, 5, 6


def _leaves(footer: bytes) -> dict[tuple, tuple[int, int]]:
    """Every leaf value of a Thrift compact struct: {path of field ids and list positions:
    (start, end) of its bytes (a binary value's bytes without their length)}."""
    out: dict[tuple, tuple[int, int]] = {}

    def varint(i: int) -> tuple[int, int]:
        n = shift = 0
        while True:
            b = footer[i]
            i += 1
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return n, i

    def value(kind: int, i: int, path: tuple) -> int:
        start = i
        if kind in (1, 2):  # a bool field: its value is in its type
            return i
        if kind == 3:
            i += 1
        elif kind in (4, 5, 6):
            _, i = varint(i)
        elif kind == 7:
            i += 8
        elif kind == 8:
            n, start = varint(i)
            i = start + n
        elif kind in (9, 10):
            size, item = footer[i] >> 4, footer[i] & 0x0F
            i += 1
            if size == 15:
                size, i = varint(i)
            for k in range(size):
                i = i + 1 if item in (1, 2) else value(item, i, (*path, k))
            return i
        elif kind == 11:
            size, i = varint(i)
            if size:
                kinds = footer[i]
                i += 1
                for k in range(size):
                    i = value(kinds & 0x0F, value(kinds >> 4, i, (*path, k, 0)), (*path, k, 1))
            return i
        elif kind == 12:
            field = 0
            while footer[i]:
                delta, kind_ = footer[i] >> 4, footer[i] & 0x0F
                i += 1
                if delta:
                    field += delta
                else:
                    raw, i = varint(i)
                    field = (raw >> 1) ^ -(raw & 1)
                i = value(kind_, i, (*path, field))
            return i + 1
        else:
            raise ValueError(f"Thrift type {kind}")
        out[path] = (start, i)
        return i

    value(12, 0, ())
    return out


def _lie(path: Path, group: int, column: str, fields: dict[int, bytes]) -> None:
    """Overwrite statistics `fields` of `column` in row group `group` of the Parquet file
    `path` (each new value as the footer encodes it, as long as the old one)."""
    data = bytearray(path.read_bytes())
    length = int.from_bytes(data[-8:-4], "little")
    start = len(data) - 8 - length
    leaves = _leaves(bytes(data[start : start + length]))
    names = [data[start + s : start + e].decode() for p, (s, e) in sorted(leaves.items()) if len(p) == 3 and p[0] == 2 and p[2] == 4]
    index = names.index(column) - 1  # schema element 0 is the root
    patched = 0
    for field, new in fields.items():
        at = leaves.get((4, group, 1, index, 3, 12, field))
        if at is None:
            continue  # a statistic the writer left out (pyarrow writes min/max of text only as min_value/max_value)
        s, e = at
        assert e - s == len(new), f"statistic {field}: {e - s} bytes, the lie {len(new)}"
        data[start + s : start + e] = new
        patched += 1
    assert patched, "no statistic to patch"
    path.write_bytes(bytes(data))


def _date(d: dt.date) -> bytes:
    return (d - dt.date(1970, 1, 1)).days.to_bytes(4, "little", signed=True)


# ------------------------------------------------------------------ the checks

FIRST_DAYS = pl.date_range(dt.date(1900, 1, 1), dt.date(2199, 12, 1), "1mo", eager=True)
ENUM = ["CSP_T1", "CSP_T2", "DPOR", "PAL", "CPOR"]
NO_NULLS = {NULL_COUNT: b"\x00"}  # zigzag varint 0, as long as the 1 written

CASES = [
    # column, bad value (row 1: in row group 0 of rows 0-3, all P01 in May 2023), the lie,
    # what polars' default scan filters on (fooled), code, words
    ("tenant_id", None, NO_NULLS, pl.col("tenant_id").is_null(), "TL403", "missing value"),
    ("acr_usd", None, NO_NULLS, pl.col("acr_usd").is_null(), "TL403", "missing value"),
    ("month", None, NO_NULLS, pl.col("month").is_null(), "TL403", "missing value"),
    (
        "association",
        "CSP_T9",
        {f: b"CSP_T1" for f in (MAX, MIN, MAX_VALUE, MIN_VALUE)},
        ~pl.col("association").is_in(ENUM),
        "TL407",
        "'CSP_T9' is not a value of 'association'",
    ),
    (
        "month",
        dt.date(2023, 5, 2),
        {f: _date(dt.date(2023, 5, 1)) for f in (MAX, MIN, MAX_VALUE, MIN_VALUE)},
        ~pl.col("month").is_in(FIRST_DAYS.implode()),
        "TL415",
        "'2023-05-02' is not the first day of a month",
    ),
]


def _lying_folder(tmp_path: Path, column: str, value, fields: dict[int, bytes]) -> Path:
    """examples/records as Parquet, azure_usage in row groups of 4 rows with `value` in row 1
    and row group 0's statistics of `column` patched to `fields`."""
    folder = _folder(tmp_path, "parquet", "azure_usage", lambda df: df)
    path = folder / "azure_usage.parquet"
    df = pl.read_parquet(path)
    at = pl.int_range(pl.len()) == 1
    df = df.with_columns(pl.when(at).then(pl.lit(value).cast(df.schema[column])).otherwise(pl.col(column)).alias(column))
    df.write_parquet(path, row_group_size=4, statistics=True)
    _lie(path, 0, column, fields)
    return folder


@pytest.mark.parametrize("case", range(len(CASES)))
def test_polars_default_scan_is_fooled_by_the_lie(tmp_path, case):
    """The premise: each patch is a statistic polars acts on (else the tests below would
    pass without proving anything)."""
    column, value, fields, fooled, _, _ = CASES[case]
    path = _lying_folder(tmp_path, column, value, fields) / "azure_usage.parquet"
    assert pl.read_parquet(path).filter(fooled).height == 1  # the file holds the bad value
    assert pl.scan_parquet(path).filter(fooled).collect().height == 0  # the footer hides it


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_a_bad_value_behind_lying_statistics_is_named(program, tmp_path, monkeypatch, stream, case):  # noqa: F811
    column, value, fields, _, code, words = CASES[case]
    if stream:
        monkeypatch.setattr(tables, "STREAM_VALUES", 0)
    folder = _lying_folder(tmp_path, column, value, fields)
    with pytest.raises(DataLoadError) as info:
        load_records(folder, program)
    found = [d.message for d in info.value.diagnostics() if d.code == code]
    assert len(found) == 1 and found[0].startswith("row 2, column") and words in found[0], found


@pytest.mark.parametrize("stream", [True, False])
def test_rows_behind_lying_statistics_are_aggregated(program, tmp_path, monkeypatch, stream):  # noqa: F811
    """Row group 0 (P01's May 2023 usage) claims months of January 2020 only: a window
    filter over the file must still read its rows (the metrics those of the honest file)."""
    if stream:
        monkeypatch.setattr(tables, "STREAM_VALUES", 0)
    (tmp_path / "honest").mkdir()
    (tmp_path / "lying").mkdir()
    honest = _folder(tmp_path / "honest", "parquet", "azure_usage", lambda df: df)
    pl.read_parquet(honest / "azure_usage.parquet").write_parquet(honest / "azure_usage.parquet", row_group_size=4)
    lying = _lying_folder(
        tmp_path / "lying", "month", dt.date(2023, 5, 1), {f: _date(dt.date(2020, 1, 1)) for f in (MAX, MIN, MAX_VALUE, MIN_VALUE)}
    )
    path = lying / "azure_usage.parquet"
    may = pl.col("month") >= dt.date(2023, 5, 1)
    assert pl.read_parquet(path).filter(may).height > pl.scan_parquet(path).filter(may).collect().height  # polars is fooled
    got = with_records(program, load_records(lying, program)).frame
    want = with_records(program, load_records(honest, program)).frame
    assert got.equals(want)
    assert pq.ParquetFile(path).metadata.num_row_groups > 1
