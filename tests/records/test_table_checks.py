"""Bad rows in related tables are named by file, row and column, whichever way a table is
read: Parquet and frames go through one lazy query (the partner ids' checks decided once per
id), CSV through the full load; a clean table reads the same either way."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from tierlang.data import DataLoadError, _open
from tierlang.data.tables import _table_program, _TableLoader, load_records
from tierlang.loader import load_program

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "programs" / "cloudpartner2022-records.tier"
EXAMPLES = ROOT / "examples" / "records"


@pytest.fixture(scope="module")
def program():
    return load_program(str(PROGRAM), dt.date(2023, 6, 15), checks=False).program


def _folder(tmp_path: Path, fmt: str, table: str, edit) -> Path:
    """examples/records with `edit` applied to one table, every table written as `fmt`."""
    for f in EXAMPLES.glob("*.csv"):
        df = pl.read_csv(f, infer_schema=False)
        if f.stem == table:
            df = edit(df)
        if fmt == "csv":
            df.write_csv(tmp_path / f.name)
        else:
            typed = pl.read_csv(f, try_parse_dates=True).schema  # as `tier synth --records` writes them
            cast = {pl.Date: lambda c: c.str.to_date(strict=False), pl.Boolean: lambda c: c == "true", pl.Int64: lambda c: c.cast(pl.Int64)}
            cast[pl.Float64] = lambda c: c.cast(pl.Decimal(18, 2))
            df = df.with_columns([cast[typed[c]](pl.col(c)).alias(c) for c in df.columns if typed[c] in cast and c != "partner_id"])
            df.write_parquet(tmp_path / f"{f.stem}.parquet")
    return tmp_path


def _set(column: str, index: int, value: str | None):
    """Set one value: data row `index` (0 = the first row under the header)."""

    def edit(df: pl.DataFrame) -> pl.DataFrame:
        at = pl.int_range(pl.len()) == index
        return df.with_columns(pl.when(at).then(pl.lit(value, pl.String)).otherwise(pl.col(column)).alias(column))

    return edit


def _repeat_first_row(df: pl.DataFrame) -> pl.DataFrame:
    return pl.concat([df.head(1), df])


CASES = [
    # table, edit, code, words of the message ({} is the row: a CSV file counts its header)
    ("azure_usage", _set("partner_id", 1, "NOPE"), "TL420", "row {}, column 'partner_id': partner_id 'NOPE' is not in"),
    ("azure_usage", _set("partner_id", 2, " P01"), "TL410", "row {}: partner_id ' P01' has blanks around it"),
    ("azure_usage", _set("partner_id", 0, ""), "TL410", "row {}: partner_id is empty"),
    ("certifications", _set("partner_id", 3, None), "TL410", "row {}: partner_id is empty"),
    ("azure_usage", _set("month", 1, "2023-05-02"), "TL415", "row {}, column 'month': '2023-05-02' is not the first day of a month"),
    ("azure_usage", _set("association", 0, "CSP"), "TL407", "row {}, column 'association': 'CSP' is not a value of 'association'"),
    ("azure_usage", _set("tenant_id", 2, None), "TL403", "row {}, column 'tenant_id': missing value"),
    ("m365_usage", _repeat_first_row, "TL421", "row {}, column 'tenant_id': the key (tenant_id, month, workload, association)"),
    ("m365_usage", _set("paid_seats", 1, "-3"), "TL406", "row {}, column 'paid_seats': -3 is below the minimum 0 of 'paid_seats'"),
    # a count has at most 18 digits, in a table as in the partners file (TL412 before the range)
    (
        "m365_usage",
        _set("paid_seats", 2, "1000000000000000000"),
        "TL412",
        "row {}, column 'paid_seats': '1000000000000000000' is too large",
    ),
    ("m365_usage", _set("paid_seats", 0, "-1000000000000000000"), "TL412", "row {}, column 'paid_seats': '-1000000000000000000' is too"),
]
INDEX = [1, 2, 0, 3, 1, 0, 2, 0, 1, 2, 0]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_a_bad_related_row_is_named(program, tmp_path, fmt, case):
    table, edit, code, words = CASES[case]
    words = words.format(INDEX[case] + (2 if fmt == "csv" else 1))
    folder = _folder(tmp_path, fmt, table, edit)
    with pytest.raises(DataLoadError) as info:
        load_records(folder, program)
    found = [d for d in info.value.diagnostics() if d.code == code]
    assert found, [d.message for d in info.value.diagnostics()]
    assert any(words in d.message for d in found), [d.message for d in found]
    assert all(f"{table}.{fmt}" in str(t.path) for t in info.value.tables)
    # report mode: the partner is left out as a whole (an unknown one has no partner row)
    records = load_records(folder, program, on_error="report")
    bad = records.tables[table]
    assert bad.error_count >= 1 and any(words in d.message for d in bad.diagnostics())
    if code not in ("TL420", "TL410"):
        assert records.rejected and all(pid not in records.dataset.frame["partner_id"].to_list() for pid in records.rejected)


def test_many_bad_partner_ids_each_named(program, tmp_path):
    """The partner-id checks decided per distinct id flag every row holding a bad one."""

    def edit(df: pl.DataFrame) -> pl.DataFrame:
        k = pl.int_range(pl.len())
        pid = pl.when(k % 3 == 0).then(pl.lit("GHOST")).when(k % 3 == 1).then(pl.col("partner_id") + " ").otherwise(pl.col("partner_id"))
        return df.with_columns(pid.alias("partner_id"))

    folder = _folder(tmp_path, "parquet", "azure_usage", edit)
    rows = pl.read_parquet(folder / "azure_usage.parquet").height
    records = load_records(folder, program, on_error="report")
    usage = records.tables["azure_usage"]
    codes = [e.code for e in usage.errors]
    ghosts, blanks = len(range(0, rows, 3)), len(range(1, rows, 3))  # an id with blanks is no partner's either
    assert codes.count("TL420") == ghosts + blanks and codes.count("TL410") == blanks
    assert usage.frame.height == rows - len(range(0, rows, 3)) - len(range(1, rows, 3))


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_clean_table_reads_the_same_in_one_query_as_in_the_full_load(program, tmp_path, fmt):
    folder = _folder(tmp_path, fmt, "azure_usage", lambda df: df)
    table = program.related_table_map["azure_usage"]
    known = pl.read_csv(EXAMPLES / "partners.csv")["partner_id"]
    path = folder / f"azure_usage.{fmt}"

    def loader():
        return _TableLoader(_open(path, _table_program(table), None, None, None), table, known, "partners", "stop")

    fast, full = loader()._run_lazy(), super(_TableLoader, loader()).run()
    if fmt == "csv":  # a text decimal's places depend on the whole column: the full load only
        assert fast is None
        return
    assert fast is not None
    assert fast.frame.equals(full.frame) and fast.frame.schema == full.frame.schema
    assert (fast.scales, fast.total_rows, fast.columns) == (full.scales, full.total_rows, full.columns)


@pytest.mark.parametrize(("value", "bad"), [("1850-03-01", False), ("2300-01-01", False), ("2300-01-05", True), ("1899-12-31", True)])
def test_months_far_from_now_are_read_exactly(program, tmp_path, value, bad):
    """The one-query load looks months up among the first days of 1900-2199 and leaves any
    other date to the full load, which reads it exactly: a first day far from now is a month."""
    folder = _folder(tmp_path, "parquet", "azure_usage", _set("month", 1, value))
    records = load_records(folder, program, on_error="report")
    usage = records.tables["azure_usage"]
    if bad:
        assert [e.code for e in usage.errors] == ["TL415"] and f"'{value}' is not the first day of a month" in usage.errors[0].message
    else:
        assert usage.error_count == 0 and dt.date.fromisoformat(value) in usage.frame["month"].to_list()


def test_a_negative_count_in_a_table_says_where_to_allow_it(program, tmp_path):
    # the hint names the table's column, not a metric the program does not have
    folder = _folder(tmp_path, "csv", "m365_usage", _set("paid_seats", 1, "-3"))
    with pytest.raises(DataLoadError) as info:
        load_records(folder, program)
    (found,) = [d for d in info.value.diagnostics() if d.code == "TL406"]
    assert found.hint == "declare `range ..` on column 'paid_seats' of table 'm365_usage' if negative values are valid"


def test_a_column_of_the_wrong_type_names_the_table_that_declares_it(program, tmp_path):
    folder = _folder(tmp_path, "parquet", "m365_usage", lambda df: df)
    df = pl.read_parquet(folder / "m365_usage.parquet")
    df.with_columns(pl.col("paid_seats").cast(pl.Float64)).write_parquet(folder / "m365_usage.parquet")
    with pytest.raises(DataLoadError) as info:
        load_records(folder, program)
    (found,) = [d for d in info.value.diagnostics() if d.code == "TL402"]
    assert found.message.startswith("column 'paid_seats' holds Float64 values, but table 'm365_usage' declares it a count (whole numbers)")


def test_a_missing_column_of_a_table_names_the_table_that_declares_it(program, tmp_path):
    folder = _folder(tmp_path, "csv", "m365_usage", lambda df: df.rename({"paid_seats": "paid_seat"}))
    with pytest.raises(DataLoadError) as info:
        load_records(folder, program)
    (found,) = [d for d in info.value.diagnostics() if d.code == "TL401"]
    assert found.message == "column 'paid_seats' is missing (declared in table 'm365_usage')"
    assert found.hint == "did you mean 'paid_seat'? (a column of the file that the table does not declare)"
