"""`tier eval`, `tier explain`, `tier test` through click's CliRunner (plus one real
subprocess). Golden files pin the formats people and tools read."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal

import polars as pl
import pytest

from tests.cli.cli_helpers import DATA, FIXTURES, PROGRAM, ROOT, golden, run

REL_PROGRAM = "tests/fixtures/engine/designations.tier"
REL_DATA = "tests/fixtures/engine/partners.csv"


def test_eval_csv_to_stdout():
    r = run("eval", REL_PROGRAM, REL_DATA, "--format", "csv", cwd=ROOT)
    assert r.exit_code == 0, r.stderr
    golden("eval.csv", r.stdout)
    assert r.stdout.splitlines()[0] == "partner_id,track,level,score"
    # the summary names the program, its version and content hash
    first = r.stderr.splitlines()[0]
    assert first.startswith("designations 1.0 (sha256:") and "5 partners, engine vectorized" in first
    assert "status    none 0 · member 2 · partner 3 · cloud 0" in r.stderr


def test_eval_table_is_the_default_on_a_terminal(monkeypatch):
    from tierlang.cli import evaluate

    monkeypatch.setattr(evaluate, "_stdout_is_terminal", lambda: True)
    r = run("eval", REL_PROGRAM, REL_DATA, cwd=ROOT)
    assert r.exit_code == 0
    golden("eval_table.txt", r.stdout)


def test_eval_piped_writes_every_row_as_csv():
    piped = run("eval", PROGRAM, DATA)  # the runner's output is not a terminal
    assert piped.exit_code == 0
    assert piped.stdout == run("eval", PROGRAM, DATA, "--format", "csv").stdout
    assert piped.stdout.startswith("partner_id,track,level,score\n")


def test_eval_engines_agree_on_the_cli():
    a = run("eval", PROGRAM, DATA, "--format", "csv")
    b = run("eval", PROGRAM, DATA, "--format", "csv", "--engine", "interpreter")
    assert a.stdout == b.stdout and "engine interpreter" in b.stderr


def test_eval_csv_file_with_sidecar(tmp_path):
    out = tmp_path / "out.csv"
    r = run("eval", PROGRAM, DATA, "-o", str(out))
    assert r.exit_code == 0
    assert out.read_text() == (ROOT / "tests/cli/golden/eval.csv").read_text()
    meta = json.loads((tmp_path / "out.csv.meta.json").read_text())
    assert meta["program"] == "designations" and meta["version"] == "1.0" and len(meta["content_hash"]) == 64
    assert meta["as_of"] == "2022-10-03" and meta["engine"] == "vectorized"


def test_eval_jsonl(tmp_path):
    out = tmp_path / "out.jsonl"
    assert run("eval", PROGRAM, DATA, "-o", str(out)).exit_code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows[0] == {"partner_id": "P1", "track": "data", "level": "designated", "score": "100"}
    assert rows[1]["level"] is None and rows[-1] == {"partner_id": "P5", "track": "status", "level": "partner", "score": None}
    assert json.loads((tmp_path / "out.jsonl.meta.json").read_text())["program"] == "designations"


def test_eval_parquet_with_metadata(tmp_path):
    out = tmp_path / "out.parquet"
    assert run("eval", PROGRAM, DATA, "--format", "parquet", "-o", str(out)).exit_code == 0
    df = pl.read_parquet(out)
    assert df.schema == {"partner_id": pl.String, "track": pl.String, "level": pl.String, "score": pl.Decimal(38, 6)}
    assert df.height == 30
    # the scores are the CSV's exact text as numbers, rows in the same order
    text = pl.read_csv(ROOT / "tests/cli/golden/eval.csv", infer_schema=False)
    assert df.drop("score").equals(text.drop("score"))
    assert df["score"].to_list() == [None if t is None else Decimal(t) for t in text["score"].to_list()]
    meta = pl.read_parquet_metadata(out)
    info = json.loads(meta["tierlang"])
    assert info["program"] == "designations" and meta["tierlang.content_hash"] == info["content_hash"]


def test_eval_parquet_refuses_scores_beyond_its_decimal(tmp_path):
    # DECIMAL(38, 6) holds 32 digits before the point; text formats have no such limit
    program = tmp_path / "huge.tier"
    program.write_text(
        'program p { version "1" effective 2022-01-01 }\n'
        "metric n: number { range .. }\n"
        "track t {\n  score s { a: points n * 1000000 }\n  level l { require s >= 20 }\n}\n"
    )
    data = tmp_path / "d.csv"
    data.write_text("partner_id,n\nP1,2.5\nP2," + "9" * 36 + "\n")
    r = run("eval", str(program), str(data), "-o", str(tmp_path / "out.parquet"))
    assert r.exit_code == 2 and "has more digits than a Parquet DECIMAL(38, 6) holds" in r.stderr
    assert not (tmp_path / "out.parquet").exists()
    r = run("eval", str(program), str(data), "--format", "csv")
    assert r.exit_code == 0 and f"P2,t,l,{'9' * 36}000000" in r.stdout


def test_eval_parquet_needs_a_file():
    r = run("eval", PROGRAM, DATA, "--format", "parquet")
    assert r.exit_code == 2 and "--format parquet needs -o FILE" in r.stderr


def test_eval_as_of_picks_dated_parameters():
    later = run("eval", PROGRAM, DATA, "--format", "csv", "--as-of", "2024-01-01")
    assert "P1,data,,60" in later.stdout  # expert_min became 3: the skilling gate closes
    assert "as of 2024-01-01" in later.stderr


def test_eval_bad_data_stops_with_exit_2(tmp_path):
    bad = tmp_path / "bad.csv"
    lines = (FIXTURES / "partners.csv").read_text().splitlines()
    lines[2] = lines[2].replace("P2,0,7,5", "P2,0,7.0,5")
    lines += [f"Q{i},x,1,1,1,1,1,1,gold,true,," for i in range(30)]
    bad.write_text("\n".join(lines) + "\n")
    r = run("eval", PROGRAM, str(bad), "--format", "csv", cwd=tmp_path)
    assert r.exit_code == 2 and r.stdout == ""
    assert "error[TL404]: row 3, column 'adds': '7.0' is not a whole number; 'adds' is a count" in r.stderr
    assert "  --> bad.csv:3:3" in r.stderr
    assert "... and 11 more problems" in r.stderr
    assert "tier: 31 rows with errors; `--on-error report`" in r.stderr


def test_eval_report_mode_writes_rejects(tmp_path):
    bad = tmp_path / "bad.csv"
    text = (FIXTURES / "partners.csv").read_text().replace("P3,1,2,2,12.5", "P3,1,2,2,lots")
    bad.write_text(text)
    r = run("eval", PROGRAM, str(bad), "--format", "csv", "--on-error", "report", cwd=tmp_path)
    assert r.exit_code == 1
    assert "P3" not in r.stdout and r.stdout.count("\n") == 1 + 4 * 6
    rejects = pl.read_csv(tmp_path / "bad.rejects.csv", infer_schema=False)
    assert rejects["_row"].to_list() == ["4"] and rejects["growth"].to_list() == ["lots"]
    assert rejects["_errors"][0] == "row 4, column 'growth': 'lots' is not a number; 'growth' is a percentage"
    assert "wrote them with their reasons to bad.rejects.csv" in r.stderr


def test_eval_broken_inputs_name_the_row_and_column(tmp_path):
    # without the unread 'notes' column: polars only notices extra cells when it reads the last column
    header, first = (line.rsplit(",", 1)[0] for line in (FIXTURES / "partners.csv").read_text().splitlines()[:2])
    (tmp_path / "rag.csv").write_text(f"{header}\n{first},extra\n")
    r = run("eval", PROGRAM, "rag.csv", cwd=tmp_path)
    assert r.exit_code == 2 and "Traceback" not in r.stderr and "Schema" not in r.stderr
    cells = len(header.split(","))
    assert f"error[TL400]: row 2 has {cells + 1} cells; the header has {cells}" in r.stderr and "--> rag.csv:2:1" in r.stderr
    col = header.split(",")[1]
    (tmp_path / "dup.csv").write_text(f"{header},{col}\n{first},0\n")
    r = run("eval", PROGRAM, "dup.csv", cwd=tmp_path)
    assert r.exit_code == 2 and f"error[TL414]: column '{col}' appears 2 times in the header (columns 2 and {cells + 1})" in r.stderr


def test_eval_jsonl_reject_file_keeps_each_line(tmp_path):
    rows = pl.read_csv(FIXTURES / "partners.csv", infer_schema=False).drop("notes").to_dicts()
    good = json.dumps({**rows[0], "audited": True})
    bad = json.dumps({**rows[1], "audited": True}).replace('"adds": "', '"adds": [3], "x": "')
    lines = [good, '{"partner_id": "B", "adds": NaN}', bad]
    (tmp_path / "j.jsonl").write_text("\n".join(lines) + "\n")
    r = run("eval", PROGRAM, "j.jsonl", "--on-error", "report", "--format", "csv", cwd=tmp_path)
    assert r.exit_code == 1, r.stderr
    rejects = pl.read_csv(tmp_path / "j.rejects.csv", infer_schema=False)
    assert not [c for c in rejects.columns if c.startswith("__")]
    assert rejects["_line"].to_list() == lines[1:] and rejects["adds"].to_list() == [None, "[3]"]


def test_eval_input_problems_exit_2(tmp_path):
    assert run("eval", PROGRAM, str(tmp_path / "none.csv")).exit_code == 2
    broken = tmp_path / "broken.tier"
    broken.write_text("program p { version 1 }\n")
    r = run("eval", str(broken), DATA)
    assert r.exit_code == 2 and "has errors" in r.stderr
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("partner_id,Experts\nP1,1\n")
    r = run("eval", PROGRAM, str(wrong))
    assert r.exit_code == 2 and "error[TL401]: column 'experts' is missing (metric 'experts', Architect experts)" in r.stderr


def test_explain_text():
    r = run("explain", REL_PROGRAM, REL_DATA, "--partner", "P3", cwd=ROOT)
    assert r.exit_code == 0, r.stderr
    golden("explain_P3.txt", r.stdout)
    assert (
        "Smallest change: +1 Architect expert (+8 points) and +7 Intermediate-certified people (+28 points) → capability 70.5 ≥ 70"
        in r.stdout
    )
    assert "needs 35.5 more points of Partner capability score: has 34.5, Data & AI designation needs at least 70" in r.stdout
    assert "needs 2 more Intermediate-certified people: has 2, Gold needs at least 4" in r.stdout


def test_explain_json_and_track_filter():
    r = run("explain", PROGRAM, DATA, "--partner", "P5", "--track", "security", "--format", "json")
    data = json.loads(r.stdout)
    assert [t["track"] for t in data["tracks"]] == ["security"]
    sec = data["tracks"][0]
    assert sec["level"] is None and sec["score"] == "22434967/375000"  # exact: 59.826578666…
    plan = sec["missing"][0]["plans"][0]
    assert plan["result"] is not None and plan["changes"]


def test_explain_unknown_partner_or_track():
    r = run("explain", PROGRAM, DATA, "--partner", "NOPE")
    assert r.exit_code == 2 and "no partner 'NOPE'" in r.stderr
    r = run("explain", PROGRAM, DATA, "--partner", "P1", "--track", "nope")
    assert r.exit_code == 2 and "no track 'nope'" in r.stderr


def test_tier_test_passes():
    r = run("test", PROGRAM)
    assert r.exit_code == 0 and r.stdout == "tier test: 2 examples in 1 file: 2 passed, 0 failed\n"


def test_tier_test_failure_shows_span_expected_actual_and_trace(tmp_path):
    text = (FIXTURES / "designations.tier").read_text()
    text = text.replace("expect data.capability = 100", "expect data.capability = 90").replace(
        "expect apps = none", "expect apps = designated"
    )
    p = tmp_path / "wrong.tier"
    p.write_text(text)
    r = run("test", "wrong.tier", cwd=tmp_path)
    assert r.exit_code == 1
    golden("test_failure.txt", r.stdout)
    assert "FAIL wrong.tier:" in r.stdout and "expected: 90" in r.stdout and "actual:   100" in r.stdout


def test_tier_test_broken_file_exit_2(tmp_path):
    p = tmp_path / "broken.tier"
    p.write_text("program p {\n")
    r = run("test", str(p))
    assert r.exit_code == 2 and "not loaded" in r.stdout


@pytest.mark.parametrize("fmt", ["csv"])
def test_real_subprocess(fmt):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, "-m", "tierlang", "eval", REL_PROGRAM, REL_DATA, "--format", fmt],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (ROOT / "tests/cli/golden/eval.csv").read_text()
    assert proc.stderr.startswith("designations 1.0 (sha256:")


def test_eval_unwritable_output_is_a_usage_error(tmp_path):
    r = run("eval", PROGRAM, DATA, "-o", str(tmp_path / "missing" / "out.csv"))
    assert r.exit_code == 2 and "the folder of" in r.stderr


def test_a_program_that_cannot_be_evaluated_is_reported(tmp_path):
    # a line gated on its own score: the checker rejects the program, so nothing is evaluated
    prog = tmp_path / "cyc.tier"
    prog.write_text(
        'program p { version "1" effective 2022-01-01 }\nmetric x: count\ntrack t {\n  score s { a: points x when s >= 1 }\n  level l { require s >= 1 }\n}\n'
    )
    data = tmp_path / "d.csv"
    data.write_text("partner_id,x\na,1\n")
    for engine in ("vectorized", "interpreter"):
        r = run("eval", str(prog), str(data), "--engine", engine)
        assert r.exit_code == 2 and "TL215" in r.stderr and "cycle: s → s" in r.stderr
    r = run("explain", str(prog), str(data), "--partner", "a")
    assert r.exit_code == 2 and "TL215" in r.stderr


# ------------------------------------------------------------------ outputs and interruptions


def test_eval_never_overwrites_its_input(tmp_path):
    data = tmp_path / "partners.csv"
    shutil.copy(DATA, data)
    before = data.read_text()
    r = run("eval", PROGRAM, str(data), "-o", str(data))
    assert r.exit_code == 2 and "would overwrite an input" in r.stderr
    r = run("eval", PROGRAM, str(data), "--on-error", "report", "--rejects", str(data))
    assert r.exit_code == 2 and "--rejects" in r.stderr
    out = tmp_path / "r.csv"
    r = run("eval", PROGRAM, str(data), "--on-error", "report", "-o", str(out), "--rejects", str(out))
    assert r.exit_code == 2 and "would overwrite the output of -o" in r.stderr
    assert data.read_text() == before and not out.exists()


def test_rejects_needs_report_mode(tmp_path):
    r = run("eval", PROGRAM, DATA, "--rejects", str(tmp_path / "r.csv"))
    assert r.exit_code == 2 and "add --on-error report" in r.stderr


def test_dates_are_yyyy_mm_dd_only():
    for bad in ("20250101", "2025-W01-1", "2025-02-30"):
        r = run("eval", PROGRAM, DATA, "--as-of", bad)
        assert r.exit_code == 2 and "write YYYY-MM-DD" in r.stderr, bad


def test_ctrl_c_exits_130_and_a_closed_pipe_141(monkeypatch):
    from tierlang.cli import evaluate

    def interrupt(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(evaluate, "load_or_exit", interrupt)
    r = run("eval", PROGRAM, DATA)
    assert r.exit_code == 130 and "tier: interrupted" in r.stderr

    def closed(*a, **k):
        raise OSError("Broken pipe (os error 32)")  # as polars reports it

    monkeypatch.setattr(evaluate, "load_or_exit", closed)
    r = run("eval", PROGRAM, DATA)
    assert r.exit_code == 141 and r.stderr == ""


def test_a_closed_pipe_ends_quietly_in_a_real_process():
    proc = subprocess.run(
        f'"{sys.executable}" -m tierlang synth {ROOT / "programs" / "mspp2009.tier"} --rows 200000 -o - | head -c 10',
        shell=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        executable="/bin/bash",
    )
    assert proc.stdout == "partner_id" and "Traceback" not in proc.stderr


def test_a_file_or_track_named_twice_counts_once(tmp_path):
    twice = run("test", PROGRAM, PROGRAM)
    assert twice.stdout.splitlines()[-1] == run("test", PROGRAM).stdout.splitlines()[-1]
    once = run("explain", PROGRAM, DATA, "--partner", "P1", "--track", "data")
    assert run("explain", PROGRAM, DATA, "--partner", "P1", "--track", "data", "--track", "data").stdout == once.stdout


def test_hints_for_swapped_arguments_and_dated_errors(tmp_path):
    r = run("eval", DATA, PROGRAM)
    assert r.exit_code == 2 and "looks like a data file, not a program: name the program first" in r.stderr
    tutorial = ROOT / "examples" / "tutorial"
    text = (tutorial / "northwind.tier").read_text(encoding="utf-8")
    text = text.replace('{ source "NW §5" }', '{ source "NW §5" }\nparam tgt "T" = 8 { source "x" from 2026-01-01 = 0 }', 1)
    program = tmp_path / "div0.tier"
    program.write_text(text.replace("clamp(new_customers / 8)", "clamp(new_customers / tgt)"), encoding="utf-8")
    assert run("eval", str(program), str(tutorial / "partners.csv")).exit_code == 0  # 8 on the effective date
    r = run("eval", str(program), str(tutorial / "partners.csv"), "--as-of", "2026-06-01")
    assert r.exit_code == 2
    assert "division by zero with the parameters in force on 2026-06-01" in r.stderr
    assert f"run `tier check --as-of 2026-06-01 {program}`" in r.stderr


@pytest.mark.parametrize("suffix", ["csv", "parquet"])  # both in one pass: text decimals and typed ones
@pytest.mark.parametrize(
    ("values", "warned"),
    [(["0.5", "0.7", "0"], True), (["50", "1", "0"], False), (["0", "1", "1"], False), (["0.5", "", "120"], False)],
)
def test_a_percent_column_of_fractions_is_warned_about(tmp_path, values, warned, suffix):
    # issue 17 item 11: 0.5 meant as 50 % was read as half a percent without a word
    (tmp_path / "p.tier").write_text(
        'program p { version "1" effective 2024-01-01 }\nmetric share: percent { range 0 .. 1000 default 0 }\n'
        "track t { level silver { require share >= 50 } }\n"
    )
    rows = "".join(f"P{k},{v}\n" for k, v in enumerate(values))
    (tmp_path / "d.csv").write_text("partner_id,share\n" + rows)
    if suffix == "parquet":
        pl.read_csv(tmp_path / "d.csv").write_parquet(tmp_path / "d.parquet")
    r = run("eval", "p.tier", f"d.{suffix}", "-o", "out.csv", cwd=tmp_path)
    assert r.exit_code == 0, r.stderr
    message = "every value of the percent column 'share' lies between 0 and 1 (e.g. 0.5)"
    assert (message in r.stderr) is warned, r.stderr
    assert "0.5 %, not 50 %" in r.stderr if warned else True
    assert (tmp_path / "out.csv").read_text().count("silver") == (0 if warned else values.count("50") + values.count("120"))
