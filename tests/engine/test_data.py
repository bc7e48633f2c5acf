"""Dataset loading and validation: every TL4xx error with its message, row numbering per
format, exact values, report mode and the reject frame."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest

from tests.engine.engine_helpers import load_text
from tierlang.data import ANNIVERSARY, MAX_KEPT, DataLoadError, from_frame, load_dataset

PROGRAM = """
program p { version "1" effective 2022-01-01 }
metric n "Net adds": count { range .. }
metric c: count
metric pct: percent { range -100 .. 1000 default 0 }
metric usd: money USD
metric ok: bool
metric since: date
metric tier: enum(bronze < silver < gold)
track t { level a { require n >= 1 } }
"""

HEADER = "partner_id,n,c,pct,usd,ok,since,tier"
GOOD = "P1,3,2,12.5,1250.50,true,2020-01-02,gold"


@pytest.fixture(scope="module")
def prog():
    return load_text(PROGRAM)


def write(tmp_path: Path, text: str, name: str = "d.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def errors_of(tmp_path, prog, rows: list[str], header: str = HEADER, name: str = "d.csv"):
    p = write(tmp_path, "\n".join([header, *rows]) + "\n", name)
    with pytest.raises(DataLoadError) as info:
        load_dataset(p, prog)
    return info.value


def only(err: DataLoadError, code: str):
    found = [e for e in err.errors if e.code == code]
    assert found, [(e.code, e.message) for e in err.errors]
    return found


# ------------------------------------------------------------------ good data


@pytest.mark.parametrize("other", ["2", "2.0"], ids=["typed read", "text read"])
def test_count_blanks_read_the_same_by_either_reader(tmp_path, prog, other):
    # A count column of whole numbers is parsed by polars' CSV reader; one bad value sends it
    # through the text checks instead. Blanks must mean the same in both.
    err = errors_of(tmp_path, prog, [f"P1, 3 ,{other},1,1,true,2020-01-01,gold", "P2,3,   ,1,1,true,2020-01-01,gold"])
    got = [(e.code, e.row, e.column) for e in err.errors]
    assert ("TL403", 3, "c") in got  # blanks only: empty, and c has no default
    assert not [g for g in got if g[2] == "n"]  # ' 3 ' is the count 3


def test_csv_values_are_exact_and_typed(tmp_path, prog):
    p = write(tmp_path, f"{HEADER},extra\n{GOOD},ignored\nP2,-1,0,,0.1,FALSE,2021-12-31,bronze,\n")
    ds = load_dataset(p, prog)
    rows = dict(ds.rows())
    assert rows["P1"] == {
        "n": Fraction(3),
        "c": Fraction(2),
        "pct": Fraction(25, 2),
        "usd": Fraction(2501, 2),
        "ok": True,
        "since": dt.date(2020, 1, 2),
        "tier": "gold",
    }
    assert rows["P2"]["pct"] == 0  # the declared default fills a missing value
    assert rows["P2"]["usd"] == Fraction(1, 10)  # exactly one tenth, not a binary float
    assert ds.scales["pct"] == 10 and ds.scales["usd"] == 100 and ds.scales["n"] == 1
    assert "extra" not in ds.frame.columns
    assert ds.frame["__row__"].to_list() == [2, 3]  # spreadsheet rows: the header is row 1
    assert ds.values("P1")["usd"] == Fraction(2501, 2) and ds.values("nobody") is None


def test_extra_precision_is_kept_exactly(tmp_path, prog):
    p = write(tmp_path, f"{HEADER}\nP1,1,1,0.1,4358.4400000000005,true,2020-01-01,gold\nP2,1,1,0.2,1,true,2020-01-01,gold\n")
    ds = load_dataset(p, prog)
    rows = dict(ds.rows())
    assert rows["P1"]["usd"] == Fraction("4358.4400000000005")
    assert rows["P1"]["pct"] + rows["P2"]["pct"] == Fraction(3, 10)


def test_huge_decimals_are_stored_in_int128(tmp_path, prog):
    big = "123456789012345678901234.5"
    p = write(tmp_path, f"{HEADER}\nP1,1,1,0,{big},true,2020-01-01,gold\n")
    ds = load_dataset(p, prog)
    assert ds.frame.schema["usd"] == pl.Int128
    assert dict(ds.rows())["P1"]["usd"] == Fraction(big)


def test_anniversary_is_carried_through(tmp_path, prog):
    p = write(tmp_path, f"{HEADER},anniversary\n{GOOD},2023-08-15\nP2,1,1,1,1,true,2020-01-01,gold,\n")
    ds = load_dataset(p, prog)
    assert ds.has_anniversary
    assert ds.frame[ANNIVERSARY].to_list() == [dt.date(2023, 8, 15), None]


def test_parquet_types(tmp_path, prog):
    df = pl.DataFrame(
        {
            "partner_id": [101, 102],
            "n": [3, -1],
            "c": pl.Series([2, 0], dtype=pl.UInt8),
            "pct": [12.5, 0.1],  # float64: read as its shortest decimal text
            "usd": pl.Series(["1250.50", "0.10"]).cast(pl.Decimal(18, 2)),
            "ok": [True, False],
            "since": [dt.date(2020, 1, 2), dt.date(2021, 12, 31)],
            "tier": pl.Series(["gold", "bronze"], dtype=pl.Categorical),
        }
    )
    p = tmp_path / "d.parquet"
    df.write_parquet(p)
    ds = load_dataset(p, prog)
    rows = dict(ds.rows())
    assert rows["101"]["pct"] == Fraction(25, 2) and rows["102"]["pct"] == Fraction(1, 10)
    assert rows["101"]["usd"] == Fraction(2501, 2)
    assert ds.frame["__row__"].to_list() == [1, 2]  # Parquet: first partner is row 1


def test_jsonl_reads_numbers_by_their_text(tmp_path, prog):
    lines = [
        {"partner_id": "P1", "n": 3, "c": 2, "pct": 12.5, "usd": "1250.50", "ok": True, "since": "2020-01-02", "tier": "gold"},
        {"partner_id": "P2", "n": -1, "c": 0, "pct": None, "usd": 0.1, "ok": False, "since": "2021-12-31", "tier": "bronze"},
    ]
    text = json.dumps(lines[0]) + "\n\n" + json.dumps(lines[1]) + "\n"
    ds = load_dataset(write(tmp_path, text, "d.jsonl"), prog)
    rows = dict(ds.rows())
    assert rows["P2"]["usd"] == Fraction(1, 10) and rows["P2"]["pct"] == 0
    assert ds.frame["__row__"].to_list() == [1, 3]  # JSON Lines: line numbers, blank line counted


# ------------------------------------------------------------------ file-level errors (TL400-TL402)


def test_tl400_unknown_format_missing_and_empty(tmp_path, prog):
    with pytest.raises(DataLoadError) as e:
        load_dataset(write(tmp_path, "x", "d.xls"), prog)
    assert e.value.errors[0].code == "TL400" and "cannot tell the format" in e.value.errors[0].message
    with pytest.raises(DataLoadError) as e:
        load_dataset(tmp_path / "nope.csv", prog)
    assert e.value.errors[0].message == "no such file"
    with pytest.raises(DataLoadError) as e:
        load_dataset(write(tmp_path, ""), prog)
    assert e.value.errors[0].message == "the file is empty"
    with pytest.raises(DataLoadError) as e:
        load_dataset(write(tmp_path, "", "d.jsonl"), prog)
    assert e.value.errors[0].message == "the file is empty"


def test_tl400_not_a_parquet_file(tmp_path, prog):
    with pytest.raises(DataLoadError) as e:
        load_dataset(write(tmp_path, "not parquet", "d.parquet"), prog)
    assert e.value.errors[0].code == "TL400" and e.value.errors[0].message.startswith("cannot read the Parquet file")


def test_tl401_missing_columns_all_listed(tmp_path, prog):
    err = errors_of(tmp_path, prog, ["P1,1"], header="partner_id,N")
    missing = only(err, "TL401")
    assert {e.column for e in missing} == {"n", "c", "pct", "usd", "ok", "since", "tier"}
    n = next(e for e in missing if e.column == "n")
    assert n.message == "column 'n' is missing (metric 'n', Net adds)"
    assert n.hint == "found a column 'N': column names are case-sensitive"


def test_tl401_suggests_a_close_column_no_metric_reads(tmp_path, prog):
    err = errors_of(tmp_path, prog, ["P1,1,1,1,1,true,2020-01-01,gold"], header="partner_id,n,c,pcnt,usd,ok,since,tiers")
    hints = {e.column: e.hint for e in only(err, "TL401")}
    assert hints == {
        "pct": "did you mean 'pcnt'? (a column of the file that no metric reads)",
        "tier": "did you mean 'tiers'? (a column of the file that no metric reads)",
    }
    # a column some metric reads is never offered for another
    err = errors_of(tmp_path, prog, ["P1,1,1,1,true,2020-01-01,gold"], header="partner_id,n,c,usd,ok,since,tier")
    assert only(err, "TL401")[0].hint == 'add the column, or name another with `column "..."` in the program'


def test_a_long_value_is_quoted_cut_short(tmp_path, prog):
    err = errors_of(tmp_path, prog, [f"P1,{'9' * 5000},1,1,1,true,2020-01-01,gold"])
    (e,) = only(err, "TL412")
    assert e.message == f"row 2, column 'n': '{'9' * 40}… (5000 characters)' is too large for a count (at most 18 digits)"


def test_tl401_missing_partner_id(tmp_path, prog):
    err = errors_of(tmp_path, prog, ["1,1,1,1,true,2020-01-01,gold"], header="n,c,pct,usd,ok,since,tier")
    assert only(err, "TL401")[0].message == "column 'partner_id' is missing"


def test_tl402_wrong_parquet_column_type(tmp_path, prog):
    df = pl.DataFrame(
        {"partner_id": ["a"], "n": [3.0], "c": [1], "pct": [1], "usd": [1], "ok": [1], "since": ["2020-01-01"], "tier": ["gold"]}
    )
    p = tmp_path / "d.parquet"
    df.write_parquet(p)
    with pytest.raises(DataLoadError) as e:
        load_dataset(p, prog)
    msgs = {x.column: x.message for x in e.value.errors}
    assert all(x.code == "TL402" for x in e.value.errors)
    assert (
        msgs["n"] == "column 'n' holds Float64 values, but metric 'n' is a count (whole numbers): store whole numbers in an integer column"
    )
    assert msgs["ok"].startswith("column 'ok' holds Int64 values, but metric 'ok' is true or false")


# ------------------------------------------------------------------ value errors (TL403-TL412)


def test_every_value_error_with_its_message(tmp_path, prog):
    err = errors_of(
        tmp_path,
        prog,
        [
            "P1,3.0,-2,12.5,1e3,yes,2020-02-30,platinum",
            ",1,1,2000,5,true,2020-01-01,gold",
            "P3,,1,1,,true,2020-01-01,gold",
            "P3,1,1,1,12 500,true,01/02/2020,Gold",
        ],
    )
    got = [(e.code, e.message) for e in err.errors]
    assert got == [
        ("TL404", "row 2, column 'n': '3.0' is not a whole number; 'n' is a count"),
        ("TL406", "row 2, column 'c': -2 is below the minimum 0 of 'c'; a count cannot be negative"),
        ("TL405", "row 2, column 'usd': '1e3' is not a number; 'usd' is money in USD"),
        ("TL408", "row 2, column 'ok': 'yes' is not true or false"),
        ("TL409", "row 2, column 'since': '2020-02-30' is not a date"),
        ("TL407", "row 2, column 'tier': 'platinum' is not a value of 'tier': expected one of bronze, silver, gold"),
        ("TL410", "row 3: partner_id is empty"),
        ("TL406", "row 3, column 'pct': 2000 is above the maximum 1000 of 'pct'"),
        ("TL411", "row 4: partner_id 'P3' also appears in row 5"),
        ("TL403", "row 4, column 'n': missing value: 'n' has no default"),
        ("TL403", "row 4, column 'usd': missing value: 'usd' has no default"),
        ("TL411", "row 5: partner_id 'P3' also appears in row 4"),
        ("TL405", "row 5, column 'usd': '12 500' is not a number; 'usd' is money in USD"),
        ("TL409", "row 5, column 'since': '01/02/2020' is not a date"),
        ("TL407", "row 5, column 'tier': 'Gold' is not a value of 'tier': expected one of bronze, silver, gold"),
    ]
    assert err.bad_rows == 4 and err.total_rows == 4
    # an enum value off by case, spaces or a letter or two names the value meant
    hints = [e.hint for e in err.errors if e.code == "TL407"]
    assert hints == [
        "values are case-sensitive and written exactly as declared",
        "did you mean 'gold'? (values are case-sensitive and written exactly as declared)",
    ]
    # the spans point at the file, row and column position (for editors: file:row:col)
    d = err.diagnostics()[0]
    assert d.span.file.endswith("d.csv") and (d.span.line, d.span.column) == (2, 2)


@pytest.mark.parametrize(
    ("value", "hint"),
    [(" silver ", "did you mean 'silver'?"), ("SILVER", "did you mean 'silver'?"), ("sliver", "did you mean 'silver'?"), ("x" * 500, None)],
)
def test_tl407_names_the_value_meant(tmp_path, prog, value, hint):
    err = errors_of(tmp_path, prog, [f"P1,1,1,1,1,true,2020-01-01,{value}"])
    (e,) = err.errors
    assert e.code == "TL407" and e.hint.endswith("(values are case-sensitive and written exactly as declared)") == (hint is not None)
    assert e.hint.startswith(hint or "values are case-sensitive")


def test_tl404_json_float_in_a_count(tmp_path, prog):
    line = {"partner_id": "P1", "n": 3.0, "c": 2, "pct": 1, "usd": 1, "ok": True, "since": "2020-01-02", "tier": "gold"}
    with pytest.raises(DataLoadError) as e:
        load_dataset(write(tmp_path, json.dumps(line) + "\n", "d.jsonl"), prog)
    assert [(x.code, x.message) for x in e.value.errors] == [("TL404", "line 1, column 'n': '3.0' is not a whole number; 'n' is a count")]


def test_tl412_too_many_digits(tmp_path, prog):
    err = errors_of(tmp_path, prog, ["P1,123456789012345678901,1,1,1" + "0" * 40 + ",true,2020-01-01,gold"])
    codes = [(e.code, e.column) for e in err.errors]
    assert ("TL412", "n") in codes and ("TL412", "usd") in codes
    assert "too large for a count" in next(e.message for e in err.errors if e.column == "n")


def test_tl413_broken_json_line(tmp_path, prog):
    good = {"partner_id": "P1", "n": 3, "c": 2, "pct": 1, "usd": 1, "ok": True, "since": "2020-01-02", "tier": "gold"}
    text = json.dumps(good) + "\n{not json\n[1, 2]\n"
    with pytest.raises(DataLoadError) as e:
        load_dataset(write(tmp_path, text, "d.jsonl"), prog)
    got = [(x.code, x.row) for x in e.value.errors]
    assert got == [("TL413", 2), ("TL413", 3)]
    assert e.value.errors[0].message.startswith("line 2: not a JSON object")


def test_bad_anniversary_is_an_error(tmp_path, prog):
    err = errors_of(tmp_path, prog, [GOOD + ",2023-13-01"], header=HEADER + ",anniversary")
    assert [(e.code, e.column) for e in err.errors] == [("TL409", "anniversary")]


def test_count_fast_path_falls_back_to_text_reading(tmp_path, prog):
    # a non-integer in a count column makes the typed CSV read fail; the loader then reads
    # every column as text so the message can quote the value and name the row
    err = errors_of(tmp_path, prog, [GOOD, "P2,1,2.5,1,1,true,2020-01-01,gold"])
    assert [(e.code, e.row, e.column) for e in err.errors] == [("TL404", 3, "c")]


# ------------------------------------------------------------------ report mode, caps


def test_report_mode_keeps_good_rows_and_lists_rejects(tmp_path, prog):
    p = write(tmp_path, f"{HEADER}\n{GOOD}\nP2,x,1,1,1,true,2020-01-01,gold\nP3,1,1,1,1,true,2020-01-01,gold\n")
    ds = load_dataset(p, prog, on_error="report")
    assert ds.partner_ids == ["P1", "P3"] and ds.total_rows == 3
    assert ds.error_count == 1 and ds.errors[0].code == "TL404"
    assert ds.rejects is not None
    rej = ds.rejects.to_dicts()
    assert rej == [
        {
            "_row": 3,
            "partner_id": "P2",
            "n": "x",
            "c": "1",
            "pct": "1",
            "usd": "1",
            "ok": "true",
            "since": "2020-01-01",
            "tier": "gold",
            "_errors": "row 3, column 'n': 'x' is not a whole number; 'n' is a count",
        }
    ]


def test_many_errors_are_counted_but_only_some_kept(tmp_path, prog):
    rows = [f"P{i},x,1,1,1,true,2020-01-01,gold" for i in range(MAX_KEPT + 50)]
    err = errors_of(tmp_path, prog, rows)
    assert err.error_count == MAX_KEPT + 50 and len(err.errors) == MAX_KEPT
    assert str(err).endswith(f"(and {MAX_KEPT + 49} more)")


def test_from_frame_validates_like_a_file(prog):
    frame = pl.DataFrame(
        {
            "partner_id": ["a"],
            "n": ["1"],
            "c": ["-1"],
            "pct": [None],
            "usd": ["1"],
            "ok": ["true"],
            "since": ["2020-01-01"],
            "tier": ["gold"],
        }
    )
    with pytest.raises(DataLoadError) as e:
        from_frame(frame, prog)
    assert [(x.code, x.row) for x in e.value.errors] == [("TL406", 1)]


def test_every_data_code_has_a_docs_page():
    import re

    root = Path(__file__).resolve().parents[2]
    sources = (root / "src/tierlang/data").rglob("*.py")
    used = {code for path in sources for code in re.findall(r'"(TL4\d\d)"', path.read_text())}
    assert used and all((root / "docs/errors" / f"{code}.md").is_file() for code in used), sorted(used)


def test_blank_csv_lines_are_skipped_but_counted(tmp_path, prog):
    p = write(tmp_path, f"{HEADER}\n{GOOD}\n\nP2,x,1,1,1,true,2020-01-01,gold\n")
    with pytest.raises(DataLoadError) as e:
        load_dataset(p, prog)
    assert [(x.code, x.row) for x in e.value.errors] == [("TL404", 4)]


def test_unreadable_csv_has_a_hint(tmp_path, prog):
    p = tmp_path / "d.csv"
    p.write_bytes(f"{HEADER}\n".encode() + b"P\xff1,1,1,1,1,true,2020-01-01,gold\n")
    with pytest.raises(DataLoadError) as e:
        load_dataset(p, prog)
    err = e.value.errors[0]
    assert (
        err.code == "TL400"
        and "utf-8" in err.message
        and err.row == 2
        and err.hint.startswith("save the file as UTF-8, or name its encoding: --encoding cp1252")
    )


# ------------------------------------------------------------------ hardening: headers, ids, JSON Lines, broken CSV


def test_tl414_repeated_csv_header(tmp_path, prog):
    # polars would keep the first 'c' and rename the second: one column's values lost
    err = errors_of(tmp_path, prog, [GOOD + ",7,x,y"], header=HEADER + ",c,note,note")
    assert [(e.code, e.column, e.message) for e in err.errors] == [
        ("TL414", "c", "column 'c' appears 2 times in the header (columns 3 and 9)")
    ]  # 'note' is read by no metric: ignored, as any other column


def test_tl414_repeated_jsonl_key(tmp_path, prog):
    good = json.dumps({"partner_id": "P1", "n": 3, "c": 2, "pct": 1, "usd": 1, "ok": True, "since": "2020-01-02", "tier": "gold"})
    twice = good.replace('"c": 2', '"c": 2, "c": 0')
    with pytest.raises(DataLoadError) as e:
        load_dataset(write(tmp_path, f"{good}\n{twice}\n".replace('"P1"', '"P2"', 1), "d.jsonl"), prog)
    assert [(x.code, x.row, x.column, x.message) for x in e.value.errors] == [
        ("TL414", 2, "c", "line 2: key 'c' appears more than once in the object")
    ]


def test_tl410_partner_id_with_blanks_around_it(tmp_path, prog):
    rest = GOOD.split(",", 1)[1]
    err = errors_of(tmp_path, prog, [f'" P1",{rest}', f"P1 ,{rest}", f"P1,{rest}", f"P 2,{rest}"])
    assert [(e.code, e.row, e.message) for e in err.errors] == [
        ("TL410", 2, "row 2: partner_id ' P1' has blanks around it"),
        ("TL410", 3, "row 3: partner_id 'P1 ' has blanks around it"),
    ]  # a blank inside an id is part of it


@pytest.mark.parametrize(
    ("pid", "message"),
    [
        ("7.0", "line 1, column 'partner_id': 7.0 is a number with a fraction or exponent; partner_id must be text or a whole number"),
        ("1e3", "line 1, column 'partner_id': 1e3 is a number with a fraction or exponent; partner_id must be text or a whole number"),
        ("true", "line 1, column 'partner_id': true is a boolean; partner_id must be text or a whole number"),
        ("[7]", "line 1, column 'partner_id': [7] is an array; partner_id must be text or a whole number"),
    ],
)
def test_tl402_jsonl_partner_id_of_the_wrong_json_type(tmp_path, prog, pid, message):
    rest = '"n": 3, "c": 2, "pct": 1, "usd": 1, "ok": true, "since": "2020-01-02", "tier": "gold"'
    with pytest.raises(DataLoadError) as e:
        load_dataset(write(tmp_path, f'{{"partner_id": {pid}, {rest}}}\n', "d.jsonl"), prog)
    assert [(x.code, x.column, x.message) for x in e.value.errors] == [("TL402", "partner_id", message)]
    # whole numbers and strings are ids
    ok = load_dataset(write(tmp_path, f'{{"partner_id": 7, {rest}}}\n{{"partner_id": "7.0", {rest}}}\n', "d.jsonl"), prog)
    assert ok.partner_ids == ["7", "7.0"]


def test_jsonl_rejects_keep_the_line_as_written(tmp_path, prog):
    good = {"partner_id": "P1", "n": 3, "c": 2, "pct": 1, "usd": 1, "ok": True, "since": "2020-01-02", "tier": "gold"}
    lines = [
        json.dumps(good),
        '{"partner_id": "P2", "n": NaN}',
        json.dumps({**good, "partner_id": "P3"}).replace('"n": 3', '"n": [3, {"a": 1.50}]'),
    ]
    ds = load_dataset(write(tmp_path, "\n".join(lines) + "\n", "d.jsonl"), prog, on_error="report")
    assert ds.partner_ids == ["P1"]
    rej = ds.rejects
    assert rej.columns == ["_row", "partner_id", "n", "c", "pct", "usd", "ok", "since", "tier", "_line", "_errors"]
    assert rej["_line"].to_list() == lines[1:]  # the original text, even of a line that is not JSON
    assert rej["n"].to_list() == [None, '[3, {"a": 1.50}]']  # JSON shown as JSON, numbers as written
    assert rej["_errors"][0] == "line 2: not a JSON object: NaN is not a number"


def test_ragged_csv_row_is_named(tmp_path, prog):
    err = errors_of(tmp_path, prog, [GOOD, GOOD.replace("P1", "P2") + ",extra"])
    assert [(e.code, e.row, e.message) for e in err.errors] == [("TL400", 3, "row 3 has 9 cells; the header has 8")]
    assert "double quotes" in err.errors[0].hint
    assert (err.diagnostics()[0].span.line, err.diagnostics()[0].span.column) == (3, 1)


def test_unclosed_csv_quote_is_named(tmp_path, prog):
    err = errors_of(tmp_path, prog, [GOOD, 'P2,1,1,"1,1,true,2020-01-01,gold', GOOD.replace("P1", "P3")])
    assert [(e.code, e.row, e.message) for e in err.errors] == [("TL400", 3, "row 3: a quoted cell is never closed")]


def test_a_quote_inside_an_unquoted_cell_is_named(tmp_path, prog):
    # polars reads the quote as opening a cell that swallows the rest of the file
    rows = [GOOD, 'P2,1,1,"1,5",1,true,2020-01-01,"go""ld"', 'P3,1,1,12"5,1,true,2020-01-01,gold', GOOD.replace("P1", "P4")]
    err = errors_of(tmp_path, prog, rows)
    assert [(e.code, e.row) for e in err.errors] == [("TL400", 4)]
    assert err.errors[0].message == 'row 4, cell 4: a double quote inside a cell that is not in quotes (12"5)'
    assert '"5""0"' in err.errors[0].hint


def test_cr_only_line_endings_are_named(tmp_path, prog):
    p = tmp_path / "d.csv"
    p.write_bytes(("\r".join([HEADER, GOOD]) + "\r").encode())
    with pytest.raises(DataLoadError) as info:
        load_dataset(p, prog)
    assert [(e.code, e.row) for e in info.value.errors] == [("TL400", 1)]
    assert "carriage return only" in info.value.errors[0].message
    assert "CRLF" in info.value.errors[0].hint


def test_a_byte_order_mark_starts_json_lines_and_csv_as_data(tmp_path, prog):
    good = {"partner_id": "P1", "n": 3, "c": 2, "pct": 1, "usd": 1, "ok": True, "since": "2020-01-02", "tier": "gold"}
    (tmp_path / "d.jsonl").write_bytes(b"\xef\xbb\xbf" + json.dumps(good).encode() + b"\n")
    (tmp_path / "d.csv").write_bytes(b"\xef\xbb\xbf" + f"{HEADER}\n{GOOD}\n".encode())
    for name in ("d.jsonl", "d.csv"):
        assert load_dataset(tmp_path / name, prog).partner_ids == ["P1"], name


def test_a_parquet_file_that_makes_polars_panic_is_a_data_error():
    # found by `make fuzz` (seed 3): polars' reader panics (pyo3 PanicException, a
    # BaseException) on this damaged file; tier eval printed a traceback
    from tests.engine.engine_helpers import load_text as load

    folder = Path(__file__).resolve().parents[1] / "fixtures" / "damaged"
    prog = load((folder / "panics-polars.tier").read_text())
    with pytest.raises(DataLoadError) as info:
        load_dataset(folder / "panics-polars.parquet", prog)
    assert [e.code for e in info.value.errors] == ["TL400"]
    assert "the file is damaged" in info.value.errors[0].message


def test_loading_a_wide_dataset_reads_the_schema_once_not_per_column(tmp_path, monkeypatch):
    # issue 17 (growth with program size): a program of 400 metrics built the frame's schema
    # once per column read (400 x 400 entries, 2 s).
    from tests.resources.shapes import data, program

    prog = load_text(program("variants", 200))
    path = tmp_path / "d.csv"
    path.write_text(data("variants", 200))
    calls = 0
    schema = pl.DataFrame.schema

    def counted(self):
        nonlocal calls
        calls += 1
        return schema.fget(self)

    monkeypatch.setattr(pl.DataFrame, "schema", property(counted))
    assert len(load_dataset(path, prog).partner_ids) == 20
    assert calls < 20


def test_loading_a_wide_csv_takes_memory_linear_in_its_columns(tmp_path):
    # issue 17 (growth with program size): polars' pushdown of the blank-line filter (a condition
    # on every column) through 400 column conversions took 210 MB for 20 rows (30 MB without).
    from tests.resources.memory import peak_growth_mb

    setup = f"""
        from tests.resources.shapes import data, program
        from tierlang import load_program
        from tierlang.data import load_dataset
        p = {str(tmp_path)!r}
        open(p + '/d.csv', 'w').write(data('variants', 400))
        open(p + '/w.csv', 'w').write(data('variants', 4))
        prog = load_program('p.tier', text=program('variants', 400), checks=False).program
        load_dataset(p + '/w.csv', load_program('w.tier', text=program('variants', 4), checks=False).program)
    """
    grown = peak_growth_mb(setup, "load_dataset(p + '/d.csv', prog)")
    if grown is None:
        pytest.skip("no peak-memory reset on this system (/proc/self/clear_refs)")
    assert grown < 100
