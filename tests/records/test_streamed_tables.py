"""A large Parquet table (`tierlang.data.tables.STREAM_VALUES`) is checked in one streaming
pass and aggregated from its file, never held in memory: bad rows are still named by file,
row and column, and every records metric, warning and result is what the table held in
memory gives. Here every Parquet table is streamed (the threshold set to 0)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

import tierlang.data.tables as tables
from tierlang.data import DataLoadError
from tierlang.data.tables import load_records
from tierlang.records import with_records

from .test_table_checks import CASES, INDEX, _folder, program  # noqa: F401  (program: a fixture)


@pytest.fixture
def streamed(monkeypatch):
    monkeypatch.setattr(tables, "STREAM_VALUES", 0)


@pytest.mark.parametrize("case", range(len(CASES)))
def test_a_bad_row_of_a_streamed_table_is_named(program, tmp_path, streamed, case):  # noqa: F811
    table, edit, code, words = CASES[case]
    words = words.format(INDEX[case] + 1)
    folder = _folder(tmp_path, "parquet", table, edit)
    with pytest.raises(DataLoadError) as info:
        load_records(folder, program)
    found = [d for d in info.value.diagnostics() if d.code == code]
    assert any(words in d.message for d in found), [d.message for d in info.value.diagnostics()]
    records = load_records(folder, program, on_error="report")
    assert records.tables[table].error_count >= 1


def _double(df: pl.DataFrame) -> pl.DataFrame:
    """The usage rows once more, under other tenants: more rows per group, same checks."""
    return pl.concat([df, df.with_columns(pl.col("tenant_id") + "-b")])


@pytest.mark.parametrize("as_of", [dt.date(2023, 6, 15), dt.date(2024, 8, 1)])
def test_streamed_tables_give_the_same_metrics_warnings_and_rows(program, tmp_path, monkeypatch, as_of):  # noqa: F811
    from tierlang.loader import load_program

    from .test_table_checks import PROGRAM

    prog = load_program(str(PROGRAM), as_of, checks=False).program
    folder = _folder(tmp_path, "parquet", "azure_usage", _double)
    held = load_records(folder, prog)
    monkeypatch.setattr(tables, "STREAM_VALUES", 0)
    lazy = load_records(folder, prog)
    parquet = [name for name, t in held.tables.items() if t.path and t.path.endswith(".parquet")]
    assert parquet and all(isinstance(lazy.tables[n].data, pl.LazyFrame) for n in parquet)
    assert all(isinstance(held.tables[n].data, pl.DataFrame) for n in parquet)
    assert [d.message for d in lazy.warnings] == [d.message for d in held.warnings]
    got, want = with_records(prog, lazy).frame, with_records(prog, held).frame
    assert got.equals(want) and got.schema == want.schema
    assert dict(with_records(prog, lazy).rows()) == dict(with_records(prog, held, engine="reference").rows())
    # read on demand (explain, SQL): the same rows the one-query load keeps
    for n in parquet:
        assert len(lazy.tables[n]) == len(held.tables[n])
        assert lazy.tables[n].frame.equals(held.tables[n].frame)
        assert isinstance(lazy.tables[n].data, pl.DataFrame)  # read once, then held


def test_a_history_reads_a_streamed_table_once(program, tmp_path, monkeypatch):  # noqa: F811
    """A history aggregates the same rows every month: a streamed table is read into memory
    once (not once a month), with the same metrics as a table held from the start."""
    from tierlang.loader import load_program
    from tierlang.records.history import history_dataset

    from .test_table_checks import PROGRAM

    def program_at(day):
        return load_program(str(PROGRAM), day, checks=False).program

    folder = _folder(tmp_path, "parquet", "azure_usage", _double)
    start, end = dt.date(2023, 5, 1), dt.date(2023, 7, 1)
    held = history_dataset(program_at, folder, start, end, lookback=0)
    monkeypatch.setattr(tables, "STREAM_VALUES", 0)
    lazy = load_records(folder, program_at(start))
    assert isinstance(lazy.tables["azure_usage"].data, pl.LazyFrame)
    got = history_dataset(program_at, lazy, start, end, lookback=0)
    assert isinstance(lazy.tables["azure_usage"].data, pl.DataFrame)
    assert got.frame.equals(held.frame)


def test_a_streamed_table_is_aggregated_without_row_numbers(program, tmp_path, monkeypatch):  # noqa: F811
    """The records stage reads a streamed table's rows without `__row__` (`TableData.rows`):
    polars then applies each aggregate's filters in the scan. The same rows otherwise."""
    folder = _folder(tmp_path, "parquet", "azure_usage", _double)
    monkeypatch.setattr(tables, "STREAM_VALUES", 0)
    t = load_records(folder, program).tables["azure_usage"]
    rows = t.rows()
    assert isinstance(rows, pl.LazyFrame) and "__row__" not in rows.collect_schema()
    assert rows.collect().equals(t.scan().drop("__row__").collect())
    plan = rows.filter(pl.col("month") == dt.date(2023, 5, 1)).select("partner_id").explain()
    assert "SELECTION" in plan  # the filter is in the scan
    t.hold()  # held in memory: the records stage reads the held rows
    assert isinstance(t.rows(), pl.DataFrame)


def test_partners_left_out_are_left_out_of_a_streamed_table_too(program, tmp_path, monkeypatch):  # noqa: F811
    """--on-error report: a partner with a bad certification row is left out of every table,
    the streamed one's rows without row numbers too (`TableData.filtered`)."""
    from .test_table_checks import _set

    folder = _folder(tmp_path, "parquet", "certifications", _set("earned_on", 0, "not a date"))
    held = load_records(folder, program, on_error="report")
    assert held.rejected
    monkeypatch.setattr(tables, "STREAM_VALUES", 0)
    lazy = load_records(folder, program, on_error="report")
    assert isinstance(lazy.tables["azure_usage"].data, pl.LazyFrame) and lazy.rejected == held.rejected
    left_out = pl.Series(list(held.rejected), dtype=pl.String).implode()
    assert lazy.tables["azure_usage"].rows().filter(pl.col("partner_id").is_in(left_out)).collect().is_empty()
    got, want = with_records(program, lazy).frame, with_records(program, held).frame
    assert got.equals(want)


@pytest.mark.parametrize(
    "values, repeats", [([], False), ([7], False), ([3, 1, 2], False), ([5, 1, 5], True), ([2**64 - 1, 0, 2**64 - 1], True)]
)
def test_repeats(values, repeats):
    assert tables._repeats(pl.Series(values, dtype=pl.UInt64)) is repeats


def test_a_streamed_table_replaced_after_its_check_is_refused(program, tmp_path, monkeypatch):  # noqa: F811
    """A streamed table is read again after its check: a file replaced or written to in
    between is refused by name (TL400), never aggregated unchecked."""
    from tierlang.data import DataLoadError

    folder = _folder(tmp_path, "parquet", "azure_usage", _double)
    monkeypatch.setattr(tables, "STREAM_VALUES", 0)
    path = folder / "azure_usage.parquet"
    for change in ("replace", "append"):
        records = load_records(folder, program)
        with_records(program, records)  # unchanged: read as checked
        df = pl.read_parquet(path)
        if change == "replace":  # another file under the same name (a new inode)
            df.with_columns(pl.lit("NOPE").alias("partner_id")).write_parquet(tmp_path / "new.parquet")
            (tmp_path / "new.parquet").replace(path)
        else:  # the same file written again, a row longer
            pl.concat([df, df.head(1)]).write_parquet(path)
        with pytest.raises(DataLoadError) as info:
            with_records(program, records)
        (d,) = info.value.diagnostics()
        assert d.code == "TL400" and "changed while tier read it" in d.message and "azure_usage" in d.message
        with pytest.raises(DataLoadError):
            records.tables["azure_usage"].hold()
        pl.read_parquet(path).head(0).vstack(df).write_parquet(path)  # back to rows that pass, for the next change


@pytest.mark.parametrize("statistics", [True, False])
@pytest.mark.parametrize(
    "column, value, code, words",
    [
        ("tenant_id", None, "TL403", "missing value"),
        ("service", "", "TL403", "missing value"),
        ("acr_usd", None, "TL403", "missing value"),
        ("month", None, "TL403", "missing value"),
        ("association", "CSP", "TL407", "'CSP' is not a value of 'association'"),
        ("partner_id", " P01", "TL410", "partner_id ' P01' has blanks around it"),
        ("month", dt.date(2023, 5, 2), "TL415", "'2023-05-02' is not the first day of a month"),
        ("partner_id", "NOPE", "TL420", "partner_id 'NOPE' is not in"),
        ("partner_id", "", "TL410", "partner_id is empty"),
    ],
)
@pytest.mark.parametrize("stream", [True, False])
def test_a_bad_value_in_a_later_row_group_is_named(program, tmp_path, monkeypatch, stream, statistics, column, value, code, words):  # noqa: F811
    """A Parquet table's checks of single values are filters that polars decides from each
    row group's statistics or dictionary (`_TableLoader._file_checks`), streamed or held: a
    bad value in a row group after the first, with statistics in the file or without them,
    is still found and named by row and column."""
    if stream:
        monkeypatch.setattr(tables, "STREAM_VALUES", 0)
    folder = _folder(tmp_path, "parquet", "azure_usage", lambda df: df)
    path = folder / "azure_usage.parquet"
    df = pl.read_parquet(path)
    at = pl.int_range(pl.len()) == df.height - 2
    df = df.with_columns(pl.when(at).then(pl.lit(value).cast(df.schema[column])).otherwise(pl.col(column)).alias(column))
    df.write_parquet(path, row_group_size=4, statistics=statistics)
    import pyarrow.parquet as pq

    assert pq.ParquetFile(path).metadata.num_row_groups > 1  # the bad row is in the last
    with pytest.raises(DataLoadError) as info:
        load_records(folder, program)
    found = [d.message for d in info.value.diagnostics() if d.code == code]
    assert len(found) == 1 and found[0].startswith(f"row {df.height - 1}") and words in found[0], found
