"""DESIGN §4.3 as an outside tool uses it: the SQL that `tier compile --emit sql --dialect duckdb`
prints, run by DuckDB itself on a table `partners` loaded from a §4.1 CSV however DuckDB's
loader types its columns, gives exactly what `tier eval` gives."""

from __future__ import annotations

import csv
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

duckdb = pytest.importorskip("duckdb")

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "programs" / "cloudpartner2022.tier"
DATA = ROOT / "examples" / "partners.csv"

LOADERS = {
    "inferred": "SELECT * FROM read_csv_auto(?)",
    "all_varchar": "SELECT * FROM read_csv(?, all_varchar = true)",
    "doubles": "SELECT * FROM read_csv(?, auto_type_candidates = ['BIGINT', 'DOUBLE', 'VARCHAR'])",
}


def _tier(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tierlang", *args], capture_output=True, text=True, cwd=ROOT)


def _score(value) -> Decimal | None:
    """A score as a value: DESIGN §4.3 allows an exact decimal or text (tier eval's CSV: '')."""
    if value is None or value == "":
        return None
    return Decimal(value) if isinstance(value, str) else value


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_compiled_duckdb_query_gives_eval_results(tmp_path: Path, loader: str) -> None:
    compiled = _tier("compile", "--emit", "sql", "--dialect", "duckdb", str(PROGRAM))
    assert compiled.returncode == 0, compiled.stderr
    out = tmp_path / "eval.csv"
    run = _tier("eval", str(PROGRAM), str(DATA), "--engine", "interpreter", "-o", str(out))
    assert run.returncode == 0, run.stderr
    with open(out, newline="") as f:
        want = {(r["partner_id"], r["track"]): (r["level"], _score(r["score"])) for r in csv.DictReader(f)}

    con = duckdb.connect()
    con.execute(f"CREATE TABLE partners AS {LOADERS[loader]}", [str(DATA)])
    cur = con.execute(compiled.stdout)
    assert [d[0] for d in cur.description] == ["partner_id", "track", "level", "score"]
    got = {(pid, track): (level or "", _score(score)) for pid, track, level, score in cur.fetchall()}
    assert got == want
