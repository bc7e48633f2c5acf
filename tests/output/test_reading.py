"""Reading partner data beyond plain CSV: another separator, a declared encoding (a bad byte
reported at its row), and Excel workbooks (a sheet by name or the first), each giving the
same results as the CSV file they hold."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from tests.cli.cli_helpers import DATA, PROGRAM, ROOT
from tests.cli.cli_helpers import run as tier
from tierlang.data import DataLoadError, ReadOptions, load_dataset
from tierlang.data.encoding import find_bad_byte
from tierlang.engine import evaluate
from tierlang.loader import load_program

CLOUD = str(ROOT / "programs" / "cloudpartner2022.tier")
PARTNERS = ROOT / "examples" / "partners.csv"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """The first 200 partners of the examples, as UTF-8 CSV."""
    path = tmp_path_factory.mktemp("read") / "partners.csv"
    pl.read_csv(PARTNERS, infer_schema=False).head(200).write_csv(path)
    return path


@pytest.fixture(scope="module")
def expected(sample, tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("expected") / "results.csv"
    r = tier("eval", CLOUD, str(sample), "-o", str(out))
    assert r.exit_code == 0, r.stderr
    return out.read_text()


def _results(tmp_path: Path, data: Path, *options: str) -> str:
    out = tmp_path / "results.csv"
    r = tier("eval", CLOUD, str(data), "-o", str(out), *options)
    assert r.exit_code == 0, r.stderr
    return out.read_text()


# ------------------------------------------------------------------ separators


@pytest.mark.parametrize("sep, option", [(";", ";"), (";", "semicolon"), ("\t", "tab"), ("\t", "\\t"), ("|", "|")])
def test_other_separators_give_the_same_results(tmp_path, sample, expected, sep, option):
    data = tmp_path / "partners.csv"
    pl.read_csv(sample, infer_schema=False).write_csv(data, separator=sep)
    assert _results(tmp_path, data, "--separator", option) == expected


def test_a_semicolon_header_gets_a_hint(tmp_path, sample):
    data = tmp_path / "partners.csv"
    pl.read_csv(sample, infer_schema=False).write_csv(data, separator=";")
    r = tier("eval", CLOUD, str(data))
    assert r.exit_code == 2
    assert "error[TL400]: the header is one column" in r.stderr and "the file looks ';'-separated" in r.stderr
    assert "give --separator ';'" in r.stderr and "Traceback" not in r.stderr


def test_separator_rows_are_still_checked(tmp_path):
    """A row with an extra cell is named by its row whatever the separator."""
    data = tmp_path / "p.csv"
    pl.read_csv(DATA, infer_schema=False).drop("notes").write_csv(data, separator=";")  # every column is read
    lines = data.read_text().splitlines()
    lines[3] += ";extra"
    data.write_text("\n".join(lines) + "\n")
    r = tier("eval", PROGRAM, str(data), "--separator", ";")
    assert r.exit_code == 2 and "row 4 has" in r.stderr


@pytest.mark.parametrize("bad", [";;", "", '"', "\n", "é"])
def test_bad_separators_are_usage_errors(bad):
    r = tier("eval", PROGRAM, DATA, "--separator", bad)
    assert r.exit_code == 2 and "Invalid value for --separator" in r.stderr


def test_csv_options_on_other_formats_are_refused(tmp_path):
    pq = tmp_path / "p.parquet"
    pl.read_csv(DATA, infer_schema=False).write_parquet(pq)
    r = tier("eval", PROGRAM, str(pq), "--separator", ";")
    assert r.exit_code == 2 and "--separator reads CSV files only" in r.stderr
    r = tier("eval", PROGRAM, str(pq), "--encoding", "cp1252")
    assert r.exit_code == 2 and "--encoding reads CSV files only" in r.stderr
    r = tier("eval", PROGRAM, DATA, "--sheet", "Partners")
    assert r.exit_code == 2 and "--sheet reads .xlsx files only" in r.stderr


# ------------------------------------------------------------------ encodings


def _cp1252_copy(sample: Path, path: Path) -> Path:
    """The sample with accented partner ids, saved as Windows-1252."""
    text = sample.read_text(encoding="utf-8").replace("P0000007", "Société7").replace("P0000012", "Müller12")
    path.write_bytes(text.encode("cp1252"))
    return path


def test_a_declared_encoding_reads_the_file(tmp_path, sample):
    data = _cp1252_copy(sample, tmp_path / "win.csv")
    utf8 = tmp_path / "utf8.csv"
    utf8.write_text(data.read_bytes().decode("cp1252"), encoding="utf-8")
    got = _results(tmp_path, data, "--encoding", "cp1252")
    assert got == _results(tmp_path, utf8)
    assert "Société7,data_ai" in got and "Müller12" in got


def test_utf16_with_a_byte_order_mark(tmp_path, sample, expected):
    data = tmp_path / "u16.csv"
    data.write_bytes(sample.read_text(encoding="utf-8").encode("utf-16"))
    assert _results(tmp_path, data, "--encoding", "utf-16") == expected


def test_a_byte_that_is_not_utf8_is_reported_at_its_row(tmp_path, sample):
    data = _cp1252_copy(sample, tmp_path / "win.csv")
    row = next(i for i, line in enumerate(sample.read_text().splitlines(), start=1) if line.startswith("P0000007,"))
    r = tier("eval", CLOUD, str(data))
    assert r.exit_code == 2
    assert f"error[TL400]: row {row}: byte 0xE9 is not utf-8 text" in r.stderr
    assert f"win.csv:{row}:1" in r.stderr and "--encoding cp1252" in r.stderr


def test_a_byte_the_declared_encoding_lacks_is_reported_at_its_row(tmp_path, sample):
    lines = sample.read_bytes().split(b"\n")
    lines[41] = lines[41].replace(b",", b",\x81", 1)  # 0x81: no character in Windows-1252
    data = tmp_path / "bad.csv"
    data.write_bytes(b"\n".join(lines))
    r = tier("eval", CLOUD, str(data), "--encoding", "cp1252")
    assert r.exit_code == 2 and "row 42: byte 0x81 is not cp1252 text" in r.stderr


def test_a_bad_byte_far_into_a_large_file(tmp_path):
    """Past the first read chunk (1 MiB): the row is still counted right."""
    line = b"P%06d,1,2,3,4,5,6,7,8,9,abcdefghijklmnopqrstuvwxyz\n"
    body = b"partner_id,a,b,c,d,e,f,g,h,i,j\n" + b"".join(line % i for i in range(40_000))
    at = body.index(b"P030000")
    data = tmp_path / "big.csv"
    data.write_bytes(body[:at] + b"\xff" + body[at + 1 :])
    bad = find_bad_byte(data)
    assert bad is not None and bad.line == 30_002 and bad.byte == 0xFF and bad.offset == at
    assert find_bad_byte(data, "latin-1") is None


def test_unknown_encoding_is_a_usage_error():
    r = tier("eval", PROGRAM, DATA, "--encoding", "klingon")
    assert r.exit_code == 2 and "unknown encoding 'klingon'" in r.stderr


# ------------------------------------------------------------------ Excel


def test_excel_data_gives_the_same_results_as_its_csv(tmp_path, sample, expected):
    book = tmp_path / "partners.xlsx"
    pl.read_csv(sample).write_excel(book, worksheet="Partners")  # numbers as numbers, as Excel keeps them
    assert _results(tmp_path, book) == expected
    assert _results(tmp_path, book, "--sheet", "Partners") == expected


def test_excel_sheet_by_name_and_the_rows_as_excel_numbers_them(tmp_path):
    program = load_program(PROGRAM, checks=False).program
    assert program is not None
    frame = pl.read_csv(DATA, infer_schema=False)
    book = tmp_path / "p.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    wb.add_worksheet("Notes").write_string(0, 0, "nothing here")
    ws = wb.add_worksheet("Partners")
    dates = wb.add_format({"num_format": "yyyy-mm-dd"})
    header_row = 2  # Excel row 3: two empty rows above the header
    ws.write_row(header_row, 0, frame.columns)
    for i, row in enumerate(frame.iter_rows(), start=header_row + 2):  # an empty row after the header
        for j, (col, value) in enumerate(zip(frame.columns, row)):
            if value is None:
                continue
            if col == "anniversary":
                ws.write_datetime(i, j, dt.datetime.fromisoformat(value), dates)
            elif col == "audited":
                ws.write_boolean(i, j, value == "true")
            elif col not in ("partner_id", "tier", "notes"):
                ws.write_number(i, j, float(value))
            else:
                ws.write_string(i, j, value)
    ws.write_number(i + 1, 0, 12345)  # a partner id typed as a number
    ws.write_number(i + 1, 1, 2.5)  # experts: not a whole number
    wb.close()
    with pytest.raises(DataLoadError) as e:
        load_dataset(book, program, options=ReadOptions(sheet="Partners"))
    rows = {(err.row, err.column) for err in e.value.errors}
    last = header_row + 2 + frame.height + 1  # Excel's number of the row written last
    assert (last, "experts") in rows
    good = load_dataset(book, program, on_error="report", options=ReadOptions(sheet="Partners"))
    assert good.frame.height == frame.height and good.has_anniversary
    assert good.frame["__row__"].to_list()[0] == header_row + 3  # the empty row is skipped, not renumbered
    same = load_dataset(DATA, program)
    assert good.frame.drop("__row__").equals(same.frame.drop("__row__"))
    # the first sheet by default: "Notes" has no partner_id
    r = tier("eval", PROGRAM, str(book))
    assert r.exit_code == 2 and "column 'partner_id' is missing" in r.stderr


def test_excel_errors_name_the_sheet_and_what_exists(tmp_path):
    book = tmp_path / "p.xlsx"
    pl.read_csv(DATA).write_excel(book, worksheet="Partners")
    r = tier("eval", PROGRAM, str(book), "--sheet", "Sheet1")
    assert r.exit_code == 2 and "no sheet 'Sheet1' in the workbook" in r.stderr and "'Partners'" in r.stderr
    fake = tmp_path / "fake.xlsx"
    fake.write_text("partner_id,n\n")
    r = tier("eval", PROGRAM, str(fake))
    assert r.exit_code == 2 and "cannot read the workbook" in r.stderr and "Traceback" not in r.stderr


def test_explain_and_diff_read_the_same_options(tmp_path, sample):
    data = tmp_path / "partners.csv"
    pl.read_csv(sample, infer_schema=False).write_csv(data, separator=";")
    r = tier("explain", CLOUD, str(data), "--separator", ";", "--partner", "P0000004", "--track", "data_ai")
    assert r.exit_code == 0 and "33.4 points" in r.stdout
    old = str(ROOT / "programs" / "mpn2010.tier")
    r = tier("diff", old, CLOUD, "--data", str(data), "--separator", ";", "--format", "json")
    assert r.exit_code == 0, r.stderr


def test_library_evaluate_takes_options(tmp_path, sample):
    data = tmp_path / "partners.csv"
    pl.read_csv(sample, infer_schema=False).write_csv(data, separator="|")
    a = evaluate(CLOUD, data, options=ReadOptions(separator="|")).long()
    b = evaluate(CLOUD, sample).long()
    assert a.equals(b)
