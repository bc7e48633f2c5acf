"""Values at the edge of what a data file may hold (38 digits) give the same exact scores in
both engines and every output format, and never a traceback (issue 17, items 4 and 10)."""

from __future__ import annotations

import pytest

from tests.cli.cli_helpers import run

PROGRAM = """program p {
  version "1"
}
metric n: number
track t {
  score s {
    a: points n / DIVISOR
  }
  level silver {
    require s >= 1
  }
}
"""

CASES = [
    # a 37-digit decimal under `/ 1000`: the common denominator is 10^40, beyond 128 bits
    ("1000", "0.1234567890123456789012345678901234567", "0.000123"),
    ("1000", "0.0000000000000000000000000000000000001", "0"),
    ("1000", "1234567890123456789012345678901234.567", "1234567890123456789012345678901.234567"),
    # n / 3 with n = 1e-19: a score below the sixth decimal place is 0, not empty
    ("3", "0.0000000000000000001", "0"),
]


@pytest.mark.parametrize("divisor, value, score", CASES)
@pytest.mark.parametrize("engine", ["vectorized", "interpreter"])
def test_extreme_decimals_score_exactly(tmp_path, divisor, value, score, engine):
    (tmp_path / "p.tier").write_text(PROGRAM.replace("DIVISOR", divisor), encoding="utf-8")
    (tmp_path / "d.csv").write_text(f"partner_id,n\nP1,{value}\nP2,3\n", encoding="utf-8")
    for fmt in ("csv", "jsonl", "table"):
        out = tmp_path / f"out.{fmt}"
        r = run("eval", "--engine", engine, "--format", fmt, "p.tier", "d.csv", "-o", str(out), cwd=tmp_path)
        assert r.exit_code == 0, r.output
        text = out.read_text(encoding="utf-8")
        assert score in text, text
    r = run("eval", "--engine", engine, "p.tier", "d.csv", "-o", str(tmp_path / "out.parquet"), cwd=tmp_path)
    assert r.exit_code in (0, 2), r.output  # a score over 32 digits does not fit DECIMAL(38, 6): said so, exit 2
    r = run("explain", "p.tier", "d.csv", "--partner", "P1", cwd=tmp_path)
    assert r.exit_code == 0, r.output
