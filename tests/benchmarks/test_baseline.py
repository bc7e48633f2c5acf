"""benchmarks/baseline.py: the hand-written Cloud Partner query benchmarks/run.py times `tier
eval` against. It must read every layout generate.py writes and give tier's levels on them (it
computes in binary floats: on these partners no level tips)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.helpers import ROOT, ROWS, run_script, script
from tierlang.engine import evaluate
from tierlang.loader import load_program

baseline, generate, run = script("baseline"), script("generate"), script("run")


@pytest.fixture(scope="module")
def tier_levels(partners: Path, tmp_path_factory) -> Path:
    """tier's long result of the generated partners, as a Parquet file (and beside it, as
    CSV: run.level_mismatches reads both files as the first is)."""
    program = load_program(ROOT / "programs" / "cloudpartner2022.tier").program
    out = tmp_path_factory.mktemp("tier") / "tier.parquet"
    long = evaluate(program, str(generate.path_for(ROWS, partners, "csv"))).long()
    long.write_parquet(out)
    long.write_csv(out.with_suffix(".csv"))
    return out


def test_the_script_on_csv(partners: Path, tier_levels: Path, tmp_path: Path):
    out = tmp_path / "base.csv"
    done = run_script("baseline.py", generate.path_for(ROWS, partners, "csv"), out, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert run.level_mismatches(tier_levels.with_suffix(".csv"), out) == (0, 8 * ROWS)


@pytest.mark.parametrize("layout", ["decimal.parquet", "float.parquet", "jsonl"])
def test_every_other_layout(partners: Path, tier_levels: Path, tmp_path: Path, layout: str):
    out = tmp_path / "base.parquet"
    baseline.main(str(generate.path_for(ROWS, partners, layout)), str(out))
    assert run.level_mismatches(tier_levels, out) == (0, 8 * ROWS)
