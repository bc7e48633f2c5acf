"""Every shipped program in SQL: the query `tier compile --emit sql` prints, run by DuckDB on
boundary data, and `--engine duckdb`, give the interpreter's results for each program in
programs/ (snapshot and records forms); a child program that restates one level
(`override level`) compiles like any other, as do people rules and tracks per row. What SQL
refuses is tested where it is refused: test_sql_records.py, tests/cli/test_cli_sql.py."""

from __future__ import annotations

import datetime as dt
import random
from fractions import Fraction
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.engine.sql_helpers import run_long, sorted_long
from tests.engine.test_sql_duckdb import _boundary_rows
from tierlang.data.tables import PARTNERS
from tierlang.engine import evaluate
from tierlang.engine.sql import compile_sql
from tierlang.loader import load_program

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = ["cloudpartner2022-enrolled", "cloudpartner2023", "mpn2010", "mspp2009"]


def _boundary(program, rows: int, seed: int) -> pl.DataFrame:
    """test_sql_duckdb's boundary rows, with Booleans, dates and enum values drawn (that
    helper draws numbers only); each example's own values kept."""
    from tierlang import ir

    data = _boundary_rows(program, rows, seed)
    rng = random.Random(seed)
    examples = [dict(e.given) for e in program.examples]
    for m in program.input_metrics:
        kind = m.type.kind
        if kind not in (ir.Kind.BOOL, ir.Kind.DATE, ir.Kind.ENUM):
            continue
        column = data[m.column or m.name]
        for i in range(len(column)):
            if i < len(examples) and m.name in examples[i]:
                continue
            if kind is ir.Kind.BOOL:
                column[i] = rng.choice(["true", "false"])
            elif kind is ir.Kind.ENUM:
                column[i] = rng.choice(list(m.type.values))
            else:
                column[i] = (dt.date(2022, 1, 1) + dt.timedelta(days=rng.randint(0, 1100))).isoformat()
    for m in program.input_metrics:  # within the declared maximum (the helper keeps the minimum)
        if m.maximum is not None and m.type.kind not in (ir.Kind.BOOL, ir.Kind.DATE, ir.Kind.ENUM):
            column = data[m.column or m.name]
            for i, v in enumerate(column):
                if v is not None and Fraction(v) > m.maximum:
                    column[i] = str(float(m.maximum * rng.choice([0, 1, 2, 3]) / 3)) if m.type.kind is not ir.Kind.COUNT else str(m.maximum)
    return pl.DataFrame(data)


def _clean(program, frame: pl.DataFrame, path: Path) -> None:
    """`frame` written to `path` without the rows tierlang's loader rejects (a row that
    breaks an input constraint stops the raw query)."""
    from tierlang.data import PID, load_dataset

    frame.write_csv(path)
    kept = load_dataset(path, program, on_error="report").frame[PID]
    frame.filter(pl.col("partner_id").is_in(kept.implode())).write_csv(path)


@pytest.mark.parametrize("name", SNAPSHOTS)
def test_shipped_program_in_duckdb(name, tmp_path):
    """Boundary partners (targets, thresholds, thirds, the program's examples) as text: the
    raw query and --engine duckdb (the typed query) both give the interpreter's rows."""
    program = load_program(ROOT / "programs" / f"{name}.tier").program
    assert program is not None
    path = tmp_path / "boundary.csv"
    if name == "mpn2010":  # each gold count within its certified count (the program's constraints)
        from tests.programs.test_mpn_records import _competencies, _population

        frame = _population(random.Random(11), program, _competencies(program), 80)[0]
    else:
        frame = _boundary(program, 80, 11)
    _clean(program, frame, path)
    assert pl.read_csv(path).height >= 50
    want = sorted_long(evaluate(program, str(path), engine="interpreter"))
    con = duckdb.connect()
    con.execute(f"CREATE TABLE partners AS SELECT * FROM read_csv('{path}', all_varchar = true)")
    assert run_long(con, compile_sql(program, "duckdb").sql()).equals(want)
    assert sorted_long(evaluate(program, str(path), engine="duckdb")).equals(want)


def test_cloudpartner2023_records_in_duckdb(tmp_path):
    from tests.records.test_cloudpartner_records import RECORDS_2023, generate, write_folder

    plist, certs, usage = generate(seed=23, partners=30)
    write_folder(tmp_path / "data", plist, certs, usage)
    as_of = dt.date(2024, 3, 15)
    a = evaluate(RECORDS_2023, str(tmp_path / "data"), engine="interpreter", as_of=as_of)
    b = evaluate(RECORDS_2023, str(tmp_path / "data"), engine="duckdb", as_of=as_of)
    assert b.engine == "duckdb" and a.long().equals(b.long())


def test_mpn2010_records_in_duckdb():
    """The people-counting program (a person counted toward two gold competencies counts
    toward neither) on a coherent population."""
    from tests.programs.test_mpn_records import PEOPLE, _competencies, _population

    snapshot = load_program(ROOT / "programs" / "mpn2010.tier").program
    records = load_program(ROOT / "programs" / "mpn2010-records.tier").program
    _, partner_frame, people = _population(random.Random(5), snapshot, _competencies(snapshot), 60)
    data = {PARTNERS: partner_frame, PEOPLE: people}
    a = evaluate(records, data, engine="interpreter")
    b = evaluate(records, data, engine="duckdb")
    assert b.engine == "duckdb" and a.long().equals(b.long())
    assert a.long()["level"].drop_nulls().n_unique() > 1  # the data reaches levels


PARENT = """program parent { version "1" }
metric adds "Net customer adds": count
metric seats "Seats": count
track partner "Partner" {
  score points { adds: points 10 * clamp(adds / 5)  seats: points 10 * clamp(seats / 30) }
  level silver { require points >= 10 }
  level gold { require points >= 15 and adds >= 3 }
}
"""
CHILD = """program child {
  extends "parent.tier"
  version "2"
}
override level partner.gold "Gold" {
  require points >= 18
  require seats >= 20
}
"""


def test_override_level_compiles(tmp_path):
    (tmp_path / "parent.tier").write_text(PARENT)
    (tmp_path / "child.tier").write_text(CHILD)
    rows = ["partner_id,adds,seats"] + [f"P{a}{s},{a},{s}" for a in range(0, 7) for s in (0, 10, 19, 20, 27, 30, 45)]
    (tmp_path / "p.csv").write_text("\n".join(rows) + "\n")
    child = load_program(tmp_path / "child.tier").program
    assert child is not None
    want = sorted_long(evaluate(child, str(tmp_path / "p.csv"), engine="interpreter"))
    parent = sorted_long(evaluate(str(tmp_path / "parent.tier"), str(tmp_path / "p.csv"), engine="interpreter"))
    assert not want.equals(parent)  # the restated level changes some partners
    con = duckdb.connect()
    con.execute(f"CREATE TABLE partners AS SELECT * FROM read_csv('{tmp_path / 'p.csv'}', all_varchar = true)")
    assert run_long(con, compile_sql(child, "duckdb").sql()).equals(want)
    assert sorted_long(evaluate(child, str(tmp_path / "p.csv"), engine="duckdb")).equals(want)


@pytest.mark.parametrize("which", ["people", "per_row"])
def test_people_rules_and_tracks_per_row_compile(which, tmp_path):
    """People rules and tracks per row compile to SQL (tier compile --emit sql: exit 0, the
    people rule's CTEs or the roll-up's aggregate named); their results are compared with
    the other engines in tests/records (DuckDB), test_sql_records.py (PostgreSQL) and
    test_sql_spark.py."""
    from tests.cli.cli_helpers import run

    if which == "people":
        from tests.records.test_assign import PROGRAM as TEXT

        named = '"people_1_staffed"'
    else:
        from tests.records.test_row_tracks import PROGRAM as TEXT

        named = "country_tier at platinum"
    program = tmp_path / "p.tier"
    program.write_text(TEXT)
    out = run("compile", "--emit", "sql", "--as-of", "2024-06-15", str(program))
    assert out.exit_code == 0, out.stderr
    assert named in out.stdout
