"""Every input row is evaluated or listed (issue 17, item 9): a CSV row whose program-read
cells are empty but that holds something elsewhere is a row with errors, not a blank line."""

from __future__ import annotations

from tests.cli.cli_helpers import run

PROGRAM = """program p {
  version "1"
}
metric a: count { default 0 }
metric b: count
track t {
  level silver {
    require b >= 1
  }
}
"""


def test_a_row_with_only_a_note_is_listed(tmp_path):
    (tmp_path / "p.tier").write_text(PROGRAM, encoding="utf-8")
    (tmp_path / "d.csv").write_text("partner_id,a,b,notes\nP1,1,2,x\n,,,has notes\n\nP3,1,1,\n,,,\n", encoding="utf-8")
    r = run("eval", "p.tier", "d.csv", "--on-error", "report", "-o", "out.csv", cwd=tmp_path)
    assert r.exit_code == 1, r.stderr
    assert "row 3: partner_id is empty" in r.stderr
    rejects = (tmp_path / "d.rejects.csv").read_text(encoding="utf-8")
    assert rejects.splitlines()[1].startswith("3,")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").count("\n") == 3  # header, P1, P3: the blank lines are no partners
