"""examples/partners.csv is exactly what the command recorded in examples/README.md makes."""

from __future__ import annotations

import re
import shlex

from click.testing import CliRunner

from tests.conftest import ROOT
from tierlang.cli import main

README = ROOT / "examples" / "README.md"
PARTNERS = ROOT / "examples" / "partners.csv"


def recorded_command() -> list[str]:
    """The `tier synth ... -o examples/partners.csv` line of examples/README.md."""
    lines = [
        line for line in README.read_text(encoding="utf-8").splitlines() if re.match(r"tier synth .* -o examples/partners\.csv$", line)
    ]
    assert len(lines) == 1, "examples/README.md must record exactly one command making examples/partners.csv"
    return shlex.split(lines[0])


def test_recorded_command_reproduces_the_file(tmp_path, monkeypatch):
    args = recorded_command()
    assert args[:2] == ["tier", "synth"]
    out = tmp_path / "partners.csv"
    args[args.index("-o") + 1] = str(out)
    monkeypatch.chdir(ROOT)  # the program paths in the command are relative to the root
    result = CliRunner().invoke(main, args[1:])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == PARTNERS.read_bytes(), "examples/partners.csv is stale: re-run the command in examples/README.md"


def test_the_file_covers_every_column_of_the_programs():
    from tierlang import load_program

    header = PARTNERS.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
    for name in ("mspp2009", "mpn2010", "cloudpartner2022", "cloudpartner2023"):
        program = load_program(ROOT / "programs" / f"{name}.tier").program
        missing = {m.column for m in program.input_metrics} - set(header)
        assert not missing, f"{name}: {sorted(missing)}"


def test_readme_figures_are_current():
    """The level counts examples/README.md quotes are what mspp2009 gives on the file."""
    import tierlang

    text = " ".join(README.read_text(encoding="utf-8").split())
    m = re.search(r"mspp2009 gives ([\d,]+) Certified and ([\d,]+) Gold Certified", text)
    assert m, "examples/README.md no longer quotes the mspp2009 counts"
    summary = tierlang.evaluate(ROOT / "programs" / "mspp2009.tier", PARTNERS).summary()["partner_level"]
    assert (summary["certified"], summary["gold_certified"]) == tuple(int(g.replace(",", "")) for g in m.groups())
