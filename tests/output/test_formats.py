"""`tier eval -o`: every output ending is written in its format or refused; Excel (wide
layout, round trip, formula-like ids, the sheet limit), DuckDB and SQLite (typed scores)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import zipfile
from decimal import Decimal
from fractions import Fraction

import duckdb
import polars as pl
import pytest

from tests.cli.cli_helpers import DATA, PROGRAM, ROOT
from tests.cli.cli_helpers import run as tier
from tierlang.engine import evaluate
from tierlang.output import excel
from tierlang.output.excel import DoesNotFit, wide_frame, write_workbook

CLOUD = str(ROOT / "programs" / "cloudpartner2022.tier")
PARTNERS = str(ROOT / "examples" / "partners.csv")


def run(*args: str):
    """`tier eval ARGS`, or another command when the first argument names one."""
    return tier(*args) if args[0] in ("diff", "docs") else tier("eval", *args)


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("r.csv", "csv"),
        ("r.jsonl", "jsonl"),
        ("r.ndjson", "jsonl"),
        ("r.parquet", "parquet"),
        ("r.pq", "parquet"),
        ("r.xlsx", "xlsx"),
        ("r.duckdb", "duckdb"),
        ("r.sqlite", "sqlite"),
        ("r.sqlite3", "sqlite"),
        ("r.txt", "table"),
    ],
)
def test_every_known_ending_is_written_in_its_format(tmp_path, name, fmt):
    out = tmp_path / name
    r = run(PROGRAM, DATA, "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert f"wrote {out}" in r.stderr
    data = out.read_bytes()
    if fmt == "csv":
        assert data.startswith(b"partner_id,track,level,score\n")
    elif fmt == "jsonl":
        first = json.loads(data.splitlines()[0])
        assert set(first) == {"partner_id", "track", "level", "score"}
    elif fmt == "parquet":
        assert data[:4] == b"PAR1" and pl.read_parquet(out).schema["score"] == pl.Decimal(38, 6)
    elif fmt == "xlsx":
        assert zipfile.is_zipfile(out) and "xl/worksheets/sheet1.xml" in zipfile.ZipFile(out).namelist()
    elif fmt == "duckdb":
        with duckdb.connect(str(out), read_only=True) as con:
            assert con.execute("SELECT count(*) FROM results").fetchone()[0] > 0
    elif fmt == "sqlite":
        assert data.startswith(b"SQLite format 3\x00")
    else:
        assert data.decode().splitlines()[1].split() == ["partner_id", "track", "level", "score"]


@pytest.mark.parametrize("name", ["r.xls", "r.json", "r", "r.out", "r.tsv", "r.db"])
def test_unknown_endings_are_refused_and_nothing_is_written(tmp_path, name):
    out = tmp_path / name
    r = run(PROGRAM, DATA, "-o", str(out))
    assert r.exit_code == 2
    assert "name the file .csv, .jsonl, .parquet, .xlsx, .duckdb, .sqlite or .txt, or choose --format" in r.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []
    if name.endswith(".json"):
        assert ".jsonl" in r.stderr and "JSON Lines" in r.stderr


def test_format_option_writes_an_unknown_ending_and_must_agree_with_a_known_one(tmp_path):
    out = tmp_path / "r.out"
    r = run(PROGRAM, DATA, "-o", str(out), "--format", "jsonl")
    assert r.exit_code == 0 and json.loads(out.read_text().splitlines()[0])["partner_id"]
    clash = tmp_path / "r.csv"
    r = run(PROGRAM, DATA, "-o", str(clash), "--format", "parquet")
    assert r.exit_code == 2 and "names a csv file but --format is parquet" in r.stderr
    assert not clash.exists()


@pytest.mark.parametrize("fmt", ["parquet", "xlsx", "duckdb", "sqlite"])
def test_binary_formats_need_a_file(fmt):
    r = run(PROGRAM, DATA, "--format", fmt)
    assert r.exit_code == 2 and f"--format {fmt} needs -o FILE" in r.stderr


def test_diff_and_docs_refuse_unknown_endings(tmp_path):
    old, new = str(ROOT / "programs" / "cloudpartner2022.tier"), str(ROOT / "programs" / "cloudpartner2023.tier")
    out = tmp_path / "x.pdf"
    r = run("diff", old, new, "-o", str(out))
    assert r.exit_code == 2 and "name the file .txt, .md, .html or .json, or choose --format" in r.stderr
    assert not out.exists()
    r = run("docs", old, "-o", str(out))
    assert r.exit_code == 2 and "name the file .md or .html" in r.stderr
    txt = tmp_path / "x.txt"
    r = run("diff", old, new, "-o", str(txt))
    assert r.exit_code == 0 and txt.read_text().startswith("tier diff: ")


# ------------------------------------------------------------------ Excel


def _melt(wide: pl.DataFrame, tracks: list[str]) -> pl.DataFrame:
    parts = []
    for t in tracks:
        parts.append(
            wide.select(
                pl.col("partner_id"),
                pl.lit(t).alias("track"),
                pl.col(f"{t}.level").alias("level"),
                pl.col(f"{t}.score").alias("score"),
            )
        )
    return pl.concat(parts)


def test_excel_round_trip_gives_the_same_results(tmp_path):
    out = tmp_path / "r.xlsx"
    r = run(CLOUD, PARTNERS, "-o", str(out))
    assert r.exit_code == 0, r.stderr
    csv_out = tmp_path / "r.csv"
    assert run(CLOUD, PARTNERS, "-o", str(csv_out)).exit_code == 0
    expected = pl.read_csv(csv_out, infer_schema=False)
    wide = pl.read_excel(out, sheet_name="results", infer_schema_length=0)
    assert wide.height == 5000 and wide.columns[0] == "partner_id"
    tracks = list(dict.fromkeys(expected["track"]))
    assert wide.columns[1:3] == [f"{tracks[0]}.level", f"{tracks[0]}.score"]
    # scores are Excel numbers; read as text they come back as the same decimals
    back = _melt(wide, tracks)
    key = ["partner_id", "track"]
    joined = expected.join(back, on=key, how="full", suffix="_xlsx", coalesce=True)
    assert joined.height == expected.height == back.height
    for col in ("level", "score"):
        a, b = joined[col].to_list(), joined[f"{col}_xlsx"].to_list()
        bad = [(x, y) for x, y in zip(a, b) if (x != y) and not (x is not None and y is not None and Decimal(x) == Decimal(y))]
        assert not bad, bad[:5]
    about = pl.read_excel(out, sheet_name="about")
    meta = dict(zip(about["key"], about["value"]))
    assert meta["program"] == "cloudpartner2022" and len(meta["content_hash"]) == 64


def test_excel_cells_are_typed_and_formula_like_ids_stay_text(tmp_path):
    ids = ["=1+1", "+A1", "-2", "@SUM(A1:A2)", '=HYPERLINK("http://x")', "http://example.com", "007", "1e5"]
    rows = pl.read_csv(DATA, infer_schema=False)
    src = pl.concat([rows, rows]).head(len(ids)).with_columns(pl.Series("partner_id", ids))
    data = tmp_path / "partners.csv"
    src.write_csv(data)
    out = tmp_path / "r.xlsx"
    r = run(PROGRAM, str(data), "-o", str(out))
    assert r.exit_code == 0, r.stderr
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        names = z.namelist()
    assert "<f>" not in sheet and "<f " not in sheet  # no formula anywhere
    assert not any("hyperlink" in n.lower() or "externalLink" in n for n in names)
    back = pl.read_excel(out, sheet_name="results", infer_schema_length=0)
    assert back["partner_id"].to_list() == ids  # exactly the characters of the data


def test_excel_refuses_more_partners_than_a_sheet_holds(tmp_path, monkeypatch):
    ev = evaluate(PROGRAM, DATA)
    monkeypatch.setattr(excel, "MAX_ROWS", ev.partner_count)  # header + partners > limit
    out = tmp_path / "r.xlsx"
    with pytest.raises(DoesNotFit, match=r"partners do not fit an Excel sheet .* write \.parquet, \.duckdb or \.csv"):
        write_workbook(ev, str(out), ev.metadata())
    assert not out.exists()


def test_excel_sheet_limit_from_the_cli(tmp_path):
    # a real subprocess, with the limit lowered through the module (no 1M-row file in tests)
    code = (
        "import sys; from tierlang.output import excel; excel.MAX_ROWS = 3; "
        "from tierlang.cli import main; sys.argv = ['tier'] + sys.argv[1:]; main()"
    )
    out = tmp_path / "r.xlsx"
    p = subprocess.run([sys.executable, "-c", code, "eval", PROGRAM, DATA, "-o", str(out)], capture_output=True, text=True)
    assert p.returncode == 2, p.stderr
    assert "do not fit an Excel sheet" in p.stderr and "Traceback" not in p.stderr
    assert not out.exists()


def test_wide_frame_has_a_column_group_per_track():
    ev = evaluate(PROGRAM, DATA)
    wide = wide_frame(ev)
    assert wide.height == ev.partner_count
    assert wide.columns == ["partner_id"] + [f"{t}.{c}" for t in ev.tracks for c in ("level", "score")]


# ------------------------------------------------------------------ databases


def _exact_scores(program: str, data: str) -> list[tuple[str, str, Fraction | None]]:
    ev = evaluate(program, data)
    return [(pid, t, s) for pid, t, _, s in ev.rows()]


def test_duckdb_scores_are_exact_decimals(tmp_path):
    out = tmp_path / "r.duckdb"
    assert run(CLOUD, PARTNERS, "-o", str(out)).exit_code == 0
    expected = {(p, t) for p, t, s in _exact_scores(CLOUD, PARTNERS) if s is not None and s >= 65}
    with duckdb.connect(str(out), read_only=True) as con:
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'results'").fetchall())
        assert types["score"] == "DECIMAL(38,6)"
        got = set(con.execute("SELECT partner_id, track FROM results WHERE score >= 65").fetchall())
        meta = dict(con.execute("SELECT key, value FROM results_metadata").fetchall())
    assert got == expected and got
    assert meta["program"] == "cloudpartner2022"


def test_duckdb_replaces_its_tables_and_keeps_the_others(tmp_path):
    out = tmp_path / "r.duckdb"
    with duckdb.connect(str(out)) as con:
        con.execute("CREATE TABLE notes AS SELECT 1 AS x")
        con.execute("CREATE TABLE results AS SELECT 'old' AS partner_id")
    assert run(PROGRAM, DATA, "-o", str(out)).exit_code == 0
    with duckdb.connect(str(out), read_only=True) as con:
        assert con.execute("SELECT x FROM notes").fetchall() == [(1,)]
        assert con.execute("SELECT count(*) FROM results WHERE partner_id = 'old'").fetchone() == (0,)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    for name in ("r.duckdb", "r.sqlite"):
        out = tmp_path / name
        out.write_text("not a database\n" * 100)
        r = run(PROGRAM, DATA, "-o", str(out))
        assert r.exit_code == 2, (name, r.stderr)
        assert "tier: cannot write" in r.stderr and "Traceback" not in r.stderr


def test_sqlite_scores_are_numbers(tmp_path):
    out = tmp_path / "r.sqlite"
    assert run(CLOUD, PARTNERS, "-o", str(out)).exit_code == 0
    expected = {(p, t) for p, t, s in _exact_scores(CLOUD, PARTNERS) if s is not None and s >= Fraction(6666667, 100000)}
    con = sqlite3.connect(out)
    try:
        kinds = {k for (k,) in con.execute("SELECT DISTINCT typeof(score) FROM results")}
        got = set(con.execute("SELECT partner_id, track FROM results WHERE score >= 66.66667").fetchall())
    finally:
        con.close()
    assert kinds <= {"integer", "real", "null"}
    assert got == expected and got


@pytest.mark.parametrize(
    ("ids", "quoting"),
    [
        (["P1", "P 2", "#3", "=4", "é5"], "never"),  # nothing polars would quote
        (["P1", "P,2"], "necessary"),
        (["P1", 'P"2'], "necessary"),
        (["P1", "P\n2"], "necessary"),
        (["P1", "P\r2"], "necessary"),
    ],
)
def test_csv_results_are_quoted_as_polars_quotes_them(tmp_path, ids, quoting):
    # the writer skips looking for quotes only where none is needed: the bytes are the same
    from tierlang import output
    from tierlang.loader import load_program

    prog = load_program(PROGRAM, checks=False).program
    frame = pl.read_csv(DATA, infer_schema=False).head(len(ids)).with_columns(pl.Series("partner_id", ids))
    ev = evaluate(prog, frame)
    assert output._csv_quoting(ev, None) == quoting
    out = tmp_path / "r.csv"
    output.write_results(ev, "csv", str(out), {"program": "p", "version": None, "content_hash": "0" * 64, "as_of": None})
    assert out.read_bytes() == ev.long().write_csv().encode()
