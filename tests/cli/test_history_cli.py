"""`tier eval --history` from the command line: the DESIGN §4.4 rows, the summary, formats,
and clear errors (exit 2) for bad options and bad histories."""

from __future__ import annotations

import json
import subprocess
import sys

import polars as pl
import pytest

from tests.cli.cli_helpers import ROOT, golden, run

PROGRAM = "tests/fixtures/history/rules.tier"
DATA = "tests/fixtures/history/history.csv"


def test_history_csv_rows_and_summary():
    r = run("eval", PROGRAM, DATA, "--history", "--format", "csv", cwd=ROOT)
    assert r.exit_code == 0, r.stderr
    golden("history.csv", r.stdout)
    assert r.stdout.splitlines()[0] == "partner_id,month,track,level,score,held_by"
    assert len(r.stdout.splitlines()) == 1 + 3 * 4 * 3  # partners × months × tracks
    golden("history_summary.txt", r.stderr.split(": ", 1)[1])  # after the content hash line's program name


def test_history_range_and_engines_agree(tmp_path):
    outs = []
    for engine in ("vectorized", "interpreter"):
        out = tmp_path / f"{engine}.csv"
        r = run("eval", PROGRAM, DATA, "--history", "--from", "2023-02", "--to", "2023-06", "--engine", engine, "-o", str(out), cwd=ROOT)
        assert r.exit_code == 0, r.stderr
        outs.append(pl.read_csv(out, try_parse_dates=True))
        meta = json.loads((tmp_path / f"{engine}.csv.meta.json").read_text())
        assert meta["from"] == "2023-02" and meta["to"] == "2023-06" and meta["history_starts"] == "2023-01"
    assert outs[0].equals(outs[1])
    assert sorted(set(outs[0]["month"].dt.strftime("%Y-%m"))) == ["2023-02", "2023-03", "2023-04", "2023-05", "2023-06"]
    # months after the data: nothing earned, rules may keep a level (no_demotion until 2023-12-31)
    may = outs[0].filter((pl.col("month").dt.month() == 6) & (pl.col("track") == "y"))
    assert may["held_by"].to_list() == ["no_demotion", "enrolled", "enrolled"]


def test_history_parquet_types_and_metadata(tmp_path):
    out = tmp_path / "h.parquet"
    r = run("eval", PROGRAM, DATA, "--history", "-o", str(out), cwd=ROOT)
    assert r.exit_code == 0, r.stderr
    df = pl.read_parquet(out)
    assert df.schema == pl.Schema(
        {
            "partner_id": pl.String,
            "month": pl.Date,
            "track": pl.String,
            "level": pl.String,
            "score": pl.Decimal(38, 6),  # as `tier eval` writes scores to Parquet
            "held_by": pl.String,
        }
    )
    assert json.loads(pl.read_parquet_metadata(out)["tierlang"])["program"] == "h"


def test_history_table_on_a_terminal(monkeypatch):
    from tierlang.cli import evaluate

    monkeypatch.setattr(evaluate, "_stdout_is_terminal", lambda: True)
    r = run("eval", PROGRAM, DATA, "--history", "--to", "2023-02", cwd=ROOT)
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[1].split() == ["partner_id", "month", "track", "level", "score", "held_by"]
    assert ["P1", "2023-02-01", "x", "designated", "enrolled"] in [line.split() for line in lines]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2023-01"], "--from and --to pick the months of a history"),
        (["--history", "--as-of", "2023-01-01"], "--as-of does not go with --history"),
        (["--history", "--from", "2023-13"], "is not a month"),
        (["--history", "--from", "2023-05", "--to", "2023-02"], "is before --from"),
    ],
)
def test_bad_options(args, message):
    r = run("eval", PROGRAM, DATA, *args, cwd=ROOT)
    assert r.exit_code == 2
    assert message in r.stderr


@pytest.mark.parametrize(
    ("csv", "code", "message"),
    [
        ("partner_id,a,b\nP1,1,0\n", "TL401", "column 'month' is missing"),
        ("partner_id,month,a,b\nP1,2023-01-15,1,0\n", "TL415", "is not the first day of a month"),
        ("partner_id,month,a,b\nP1,2023-01-01,1,0\nP1,2023-01-01,0,0\n", "TL411", "also appears in row 3 for the same month"),
        ("partner_id,month,a,b\nP1,,1,0\n", "TL403", "every row of a history names its month"),
        ("partner_id,month,a,b\nP1,2023-01-01,x,0\n", "TL404", "'x'"),
    ],
)
def test_bad_histories(tmp_path, csv, code, message):
    path = tmp_path / "bad.csv"
    path.write_text(csv)
    r = run("eval", PROGRAM, str(path), "--history", cwd=ROOT)
    assert r.exit_code == 2, r.stderr
    assert code in r.stderr and message in r.stderr


def test_rejects(tmp_path):
    path = tmp_path / "some-bad.csv"
    path.write_text("partner_id,month,a,b\nP1,2023-01-01,1,0\nP1,2023-02-15,0,0\nP2,2023-02-01,1,1\n")
    rejects = tmp_path / "rejects.csv"
    r = run(
        "eval", PROGRAM, str(path), "--history", "--on-error", "report", "--rejects", str(rejects), "-o", str(tmp_path / "o.csv"), cwd=ROOT
    )
    assert r.exit_code == 1, r.stderr
    assert "TL415" in r.stderr and rejects.exists()
    out = pl.read_csv(tmp_path / "o.csv")
    assert sorted(set(out["partner_id"])) == ["P1", "P2"]


def test_a_real_process():
    """The whole path in a subprocess: exit code, stdout piped as CSV."""
    p = subprocess.run([sys.executable, "-m", "tierlang", "eval", PROGRAM, DATA, "--history"], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("partner_id,month,track,level,score,held_by\nP1,2023-01-01,x,designated,,qualified\n")


def test_explain_history_tells_when_and_why():
    r = run("explain", PROGRAM, DATA, "--history", "--partner", "P1", "--track", "x", "--track", "y", cwd=ROOT)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[0] == "Partner P1 — h 1, 2023-01 … 2023-04"
    lines = [line.strip() for line in r.stdout.splitlines()]
    assert "2023-01            held: qualified" in lines
    assert "2023-02 … 2023-03  held: kept until the anniversary (15 March); last qualified 2023-01 (enrolled)" in lines
    assert "2023-04            held: kept in the 30 days after the anniversary (15 March) (renewal)" in lines
    assert "2023-01 … 2023-02  no level: not qualified" in lines
    assert any(line.startswith("✗ ") and "(has 0)" in line for line in lines)


def test_explain_history_says_what_a_yes_no_condition_has(tmp_path):
    """A failing yes/no condition reads as what is needed ("…: yes"); the line says what the
    partner has, as a comparison's "(has 0)" does."""
    program = tmp_path / "p.tier"
    program.write_text(
        'program p { version "1" effective 2023-01-01 }\n'
        'metric on "Subscribed": bool\nmetric off "Suspended": bool\n'
        "track t { level member { require on: on\n require clear: not off } }\n"
    )
    data = tmp_path / "h.csv"
    data.write_text("partner_id,month,on,off\nP1,2023-01-01,false,true\nP1,2023-02-01,true,false\n")
    r = run("explain", str(program), str(data), "--history", "--partner", "P1")
    assert r.exit_code == 0, r.stderr
    lines = [line.strip() for line in r.stdout.splitlines()]
    i = lines.index("2023-01            no level: not qualified")
    assert lines[i + 1 : i + 3] == ["✗ on: Subscribed: yes (has no)", "✗ clear: Suspended: no (has yes)"]


def test_explain_history_json_and_errors():
    r = run("explain", PROGRAM, DATA, "--history", "--partner", "P2", "--track", "status", "--format", "json", cwd=ROOT)
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    (status,) = data["tracks"]
    assert [(x["from"], x["to"], x["held_by"]) for x in status["runs"]] == [
        ("2023-01", "2023-01", "qualified"),
        ("2023-02", "2023-02", "legacy"),
        ("2023-03", "2023-04", "qualified"),
    ]
    assert status["months"][1] == {"month": "2023-02-01", "level": "partner", "held_by": "legacy", "score": None, "earned": None}
    r = run("explain", PROGRAM, DATA, "--history", "--partner", "NOPE", cwd=ROOT)
    assert r.exit_code == 2 and "no partner 'NOPE'" in r.stderr
    r = run("explain", PROGRAM, DATA, "--partner", "P1", "--from", "2023-02", cwd=ROOT)
    assert r.exit_code == 2 and "add --history" in r.stderr


def test_history_reads_csv_options(tmp_path):
    path = tmp_path / "semicolons.csv"
    path.write_text("partner_id;month;a;b\nP1;2023-01-01;1;0\nP1;2023-02-01;0;1\n")
    r = run("eval", PROGRAM, str(path), "--history", "--separator", ";", "--format", "csv", cwd=ROOT)
    assert r.exit_code == 0, r.stderr
    assert "P1,2023-02-01,y,designated,,qualified" in r.stdout
    r = run("explain", PROGRAM, str(path), "--history", "--separator", ";", "--partner", "P1", "--track", "y", cwd=ROOT)
    assert r.exit_code == 0, r.stderr
    assert "2023-02            held: qualified" in r.stdout


@pytest.mark.parametrize("special", [None, "A,1", 'say "hi"', "two\nlines", "=1+1"])
def test_history_csv_quotes_exactly_what_needs_quotes(tmp_path, special):
    """The history's CSV writer skips polars' quote scan when no partner id needs quotes
    (`output.csv_quoting`): its bytes are always those of quoting where necessary, and an id
    with a comma, a quote or a line break still reads back as written. (A leading "=" is
    not quoted, by the plain `tier eval` writer either: polars quotes only what CSV needs.)"""
    ids = ["P1", "P2"] + ([special] if special is not None else [])
    data = pl.DataFrame({"partner_id": [i for i in ids for _ in range(2)], "month": ["2023-01-01", "2023-02-01"] * len(ids)})
    path = tmp_path / "h.parquet"  # Parquet: an id may be any text, empty aside
    data.with_columns(pl.col("month").str.to_date(), a=pl.lit(1), b=pl.lit(0)).write_parquet(path)
    for out in (None, tmp_path / "o.csv"):
        r = run("eval", PROGRAM, str(path), "--history", "--format", "csv", *(["-o", str(out)] if out else []), cwd=ROOT)
        assert r.exit_code == 0, r.stderr
        text = out.read_text() if out else r.stdout
        back = pl.read_csv(text.encode(), infer_schema=False)
        assert back.write_csv(quote_style="necessary") == text
        assert back["partner_id"].unique(maintain_order=True).to_list() == ids


def test_csv_quoting():
    from tierlang.output import csv_quoting

    assert csv_quoting(["x", "designated"], pl.Series(["P1", "=1+1"])) == "never"
    for bad in ["A,1", 'a"b', "a\nb", "a\rb", ""]:
        assert csv_quoting(["x"], pl.Series(["P1", bad])) == "necessary"
    assert csv_quoting(["x", "a,b"], pl.Series(["P1"])) == "necessary"
