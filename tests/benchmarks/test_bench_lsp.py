"""benchmarks/bench_lsp.py: the language server's diagnostics after edits, and its answers to
an editor's requests, through a scripted client (one round, one name: the smallest run). Its
default run (every shipped program) crashed on cloudpartner2022-enrolled.tier, whose file has
no metric reference and no parameter to edit."""

from __future__ import annotations

from pathlib import Path

from tests.benchmarks.helpers import ROOT, assert_only_section_changed, run_script

PROGRAMS = ROOT / "programs"


def test_edits_on_a_program_and_on_one_with_nothing_to_edit(tmp_path: Path, results: Path):
    run = run_script(
        "bench_lsp.py",
        "--rounds",
        1,
        "--results",
        results,
        PROGRAMS / "cloudpartner2023.tier",
        PROGRAMS / "cloudpartner2022-enrolled.tier",
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    body = assert_only_section_changed(results, "bench_lsp")
    (edited,) = [line for line in body.splitlines() if line.startswith("| cloudpartner2023.tier |")]
    assert "—" not in edited  # a typo, its removal, a changed number and its undo, each measured
    (untouched,) = [line for line in body.splitlines() if line.startswith("| cloudpartner2022-enrolled.tier |")]
    assert untouched.count("—") == 8
    assert "cloudpartner2022-enrolled.tier: nothing to edit" in run.stderr
    assert "Target (issue 16): diagnostics for the largest shipped program (cloudpartner2023.tier)" in body


def test_requests(tmp_path: Path, results: Path):
    run = run_script("bench_lsp.py", "--requests", 1, "--results", results, PROGRAMS / "cloudpartner2023-records.tier", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    body = assert_only_section_changed(results, "bench_lsp_requests")
    assert "| cloudpartner2023-records.tier | 1 |" in body
    assert "Failed requests: 0." in body
