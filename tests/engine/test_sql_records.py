"""The records stage in SQL (engine/sql/records.py) against the reference records stage,
and records programs end to end: `tier compile --emit sql` run by DuckDB and PostgreSQL on
generated §4.2 folders, `--engine duckdb`, people rules and tracks per row in PostgreSQL."""

from __future__ import annotations

import datetime as dt
import sys
from fractions import Fraction
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.cli.cli_helpers import run
from tests.engine.sql_helpers import score_text
from tests.records.test_differential import AS_OF, ROW, programs
from tierlang.data.tables import PARTNERS, load_records
from tierlang.engine import evaluate
from tierlang.engine.sql import DIALECTS, compile_sql
from tierlang.engine.sql.inputs import DATA_ERROR
from tierlang.engine.sql.query import records_query
from tierlang.loader import load_program
from tierlang.records import explain_records, with_records
from tierlang.records.frames import den_column

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "programs" / "cloudpartner2022-records.tier"
sys.path.insert(0, str(ROOT / "tests" / "contracts"))
import records_reference  # noqa: E402

USAGE_SCHEMA = {
    **{k: pl.String for k in ("partner_id", "tenant", "item")},
    "month": pl.Date,
    "seen": pl.Date,
    "seats": pl.Int64,
    "amount": pl.String,
    "channel": pl.String,
    "paid": pl.Boolean,
}


def _sql_metrics(con, program, rec_sql: str, rec) -> dict[str, dict[str, object]]:
    rows = con.execute(rec_sql).fetchall()
    names = [d[0] for d in con.description]
    out = {}
    for row in rows:
        values = dict(zip(names, row))
        got = {}
        for m in program.record_metrics:
            v = values[m.name]
            if m.name in rec.scales:
                den = values[den_column(m.name)] if m.name in rec.ratios else 1
                v = None if v is None or den is None else Fraction(int(v), rec.scales[m.name] * int(den))
            got[m.name] = v
        out[values["partner_id"]] = got
    return out


@settings(max_examples=60, deadline=None)
@given(programs(), st.lists(ROW, max_size=40), st.sampled_from(AS_OF), st.booleans(), st.booleans())
def test_sql_records_stage_equals_the_reference(program_text, rows, as_of, duplicate, as_text):
    """Every records metric of every partner, exactly: counts, distinct counts, sums, min and
    max, groups with `having`, windows, ratios, partners without rows. The related table
    arrives typed or all text."""
    if duplicate and rows:
        rows = rows + rows[:3]
    program = load_program("gen.tier", as_of, text=program_text, checks=False).program
    partners = pl.DataFrame({"partner_id": ["P1", "P2", "P3", "P4"]})
    usage = pl.DataFrame(rows, schema=USAGE_SCHEMA)
    want = dict(with_records(program, load_records({PARTNERS: partners, "usage": usage}, program), engine="reference").rows())
    con = duckdb.connect()
    con.register("partners", partners)
    con.register("usage", usage.with_columns(pl.all().cast(pl.String)) if as_text else usage)
    text, rec = records_query(program, "duckdb", decimals=2)
    got = _sql_metrics(con, program, text, rec)
    assert got.keys() == want.keys()
    for pid in want:
        for m in program.record_metrics:
            w = want[pid].get(m.name)
            assert got[pid][m.name] == w, (pid, m.name, got[pid][m.name], w, program_text)


def _folder(tmp: Path, as_of: dt.date, seed: int, partners: int = 40) -> Path:
    folder = tmp / f"records_{seed}"
    folder.mkdir()
    records_reference.generate(folder, as_of, partners=partners, seed=seed)
    return folder


def _long(rows) -> pl.DataFrame:
    schema = {"partner_id": pl.String, "track": pl.String, "level": pl.String, "score": pl.String}
    rows = [(pid, track, level, score_text(score)) for pid, track, level, score in rows]
    return pl.DataFrame(rows, schema=schema, orient="row").sort(["partner_id", "track"])


def _expected(folder: Path, as_of: dt.date) -> pl.DataFrame:
    ev = evaluate(str(PROGRAM), str(folder), engine="interpreter", as_of=as_of)
    return ev.long().select("partner_id", "track", "level", "score").sort(["partner_id", "track"])


def _load_duckdb(con, folder: Path, inferred: bool) -> None:
    """The folder's CSV files as tables; the program's other related tables empty (a
    warehouse has them all; an absent file reads as empty, so both agree)."""
    for f in sorted(folder.glob("*.csv")):
        options = "auto_detect=true" if inferred else "all_varchar=true"
        con.execute(f"CREATE TABLE {f.stem} AS SELECT * FROM read_csv('{f}', {options})")
    program = load_program(str(PROGRAM), dt.date(2023, 6, 15)).program
    for t in program.related_tables:
        if not (folder / f"{t.name}.csv").exists():
            columns = ", ".join(f"{c} VARCHAR" for c in ["partner_id", *(c.name for c in t.columns)])
            con.execute(f"CREATE TABLE {t.name} ({columns})")


@pytest.mark.parametrize("seed,as_of", [(1, dt.date(2023, 6, 15)), (2, dt.date(2024, 8, 1)), (3, dt.date(2024, 7, 31))])
def test_compiled_records_program_in_duckdb(tmp_path, seed, as_of):
    """The query `tier compile --emit sql --as-of DATE` prints, run by DuckDB on the §4.2
    tables loaded from CSV (as text, and as DuckDB infers the types), gives the
    interpreter's results on a generated folder (boundary-heavy: ties at 1,000 USD, credits,
    retired certifications, month edges)."""
    folder = _folder(tmp_path, as_of, seed)
    out = run("compile", "--emit", "sql", "--as-of", as_of.isoformat(), str(PROGRAM))
    assert out.exit_code == 0, out.stderr
    expected = _expected(folder, as_of)
    for inferred in (False, True):
        con = duckdb.connect()
        _load_duckdb(con, folder, inferred)
        assert _long(con.execute(out.stdout).fetchall()).equals(expected), inferred


def test_records_engine_duckdb(tmp_path):
    as_of = dt.date(2023, 6, 15)
    folder = _folder(tmp_path, as_of, 4)
    a = evaluate(str(PROGRAM), str(folder), engine="interpreter", as_of=as_of, detail=True)
    b = evaluate(str(PROGRAM), str(folder), engine="duckdb", as_of=as_of, detail=True)
    assert b.engine == "duckdb"
    assert a.long().equals(b.long()) and a.detail.equals(b.detail)
    assert [str(w) for w in a.warnings] == [str(w) for w in b.warnings]  # the absent tables named


def test_records_examples_through_the_cli(tmp_path):
    folder = ROOT / "examples" / "records"
    args = ["eval", str(PROGRAM), str(folder), "--as-of", "2023-06-15", "--format", "csv"]
    a = run(*args, "--engine", "interpreter")
    b = run(*args, "--engine", "duckdb")
    assert a.exit_code == b.exit_code == 0, b.stderr
    assert a.stdout == b.stdout


def test_compile_needs_the_as_of_date():
    out = run("compile", "--emit", "sql", str(PROGRAM))
    assert out.exit_code == 2 and "--as-of" in out.stderr


def test_related_tables_can_be_renamed():
    out = run("compile", "--emit", "sql", "--as-of", "2023-06-15", "--table", "azure_usage=lake.azure_acr", str(PROGRAM))
    assert out.exit_code == 0, out.stderr
    assert '"lake"."azure_acr"' in out.stdout and 'FROM "azure_usage"' not in out.stdout
    bad = run("compile", "--emit", "sql", "--as-of", "2023-06-15", "--table", "usage=x", str(PROGRAM))
    assert bad.exit_code == 2 and "reads no table 'usage'" in bad.stderr and "azure_usage" in bad.stderr


def test_people_rules_and_tracks_per_row_on_postgres(postgres, tmp_path):
    """People rules (every set of needs against what the people can give it) and the
    roll-ups of a track per row, computed in PostgreSQL as by the interpreter."""
    pytest.importorskip("psycopg")
    import psycopg

    from tests.records.test_assign import PROGRAM as PEOPLE
    from tests.records.test_row_tracks import _folder as regions_folder
    from tierlang.engine.sql.database import evaluate_postgres

    people = tmp_path / "people"
    people.mkdir()
    (people / "people.tier").write_text(PEOPLE)
    (people / "partners.csv").write_text("partner_id\nP\nQ\nR\n")
    (people / "certified.csv").write_text(
        "partner_id,person_id,certification\n"
        "P,a,CCNP Security\nP,a,CCNP Collaboration\nP,b,CCNP Security\nP,b,CCNP Collaboration\nP,c,CCNP Data Center\n"
        "P,d,CCIE Data Center\nQ,a,CCNP Security\nQ,a,CCNP Collaboration\nQ,a,CCNP Data Center\n"
    )
    regions = tmp_path / "regions"
    regions.mkdir()
    regions_folder(regions)
    as_of = dt.date(2024, 6, 1)
    for folder in (people, regions):
        with psycopg.connect(postgres.url, autocommit=True) as conn:
            for f in sorted(folder.glob("*.csv")):
                head, *body = [line.split(",") for line in f.read_text().splitlines()]
                conn.execute(f'DROP TABLE IF EXISTS "{f.stem}"')
                conn.execute(f'CREATE TABLE "{f.stem}" ({", ".join(f"{c} TEXT" for c in head)})')
                with conn.cursor().copy(f'COPY "{f.stem}" FROM STDIN') as copy:
                    for r in body:
                        copy.write_row([v if v != "" else None for v in r])
        (program,) = folder.glob("*.tier")
        loaded = load_program(str(program), as_of).program
        want = evaluate(loaded, str(folder), engine="interpreter").long().select("partner_id", "track", "level", "score")
        got = evaluate_postgres(loaded, postgres.url).long().select("partner_id", "track", "level", "score")
        assert got.sort(["partner_id", "track"]).equals(want.sort(["partner_id", "track"])), folder.name
        assert got.filter(pl.col("level").is_not_null()).height > 0


def test_a_related_row_of_an_unknown_partner_stops_the_query():
    program = load_program(str(PROGRAM), dt.date(2023, 6, 15)).program
    con = duckdb.connect()
    _load_duckdb(con, ROOT / "examples" / "records", False)
    con.execute(
        "INSERT INTO certifications SELECT 'NOPE', person_id, certification, linked, earned_on, expires_on FROM certifications LIMIT 1"
    )
    with pytest.raises(duckdb.Error, match="TL420 table certifications, partner_id 'NOPE'"):
        con.execute(compile_sql(program, "duckdb").sql()).fetchall()


def _load_pg(url: str, folder: Path, drop: tuple[str, ...] = ()) -> None:
    """The folder's CSV files as PostgreSQL tables of text columns (the query converts
    exactly); the tables in `drop` left out."""
    import csv

    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        program = load_program(str(PROGRAM), dt.date(2023, 6, 15)).program
        for name in ["partners", *(t.name for t in program.related_tables)]:
            conn.execute(f'DROP TABLE IF EXISTS "{name}"')
        for f in sorted(folder.glob("*.csv")):
            if f.stem in drop:
                continue
            with f.open(newline="") as fh:
                rows = list(csv.reader(fh))
            head, body = rows[0], rows[1:]
            conn.execute(f'CREATE TABLE "{f.stem}" ({", ".join(f"{c} TEXT" for c in head)})')
            with conn.cursor().copy(f'COPY "{f.stem}" FROM STDIN') as copy:
                for r in body:
                    copy.write_row([v if v != "" else None for v in r])


def test_records_program_on_postgres(postgres, tmp_path):
    """`tier eval PROGRAM --db URL --as-of DATE` on the §4.2 tables in PostgreSQL: the
    interpreter's results; the related tables the database lacks are read as empty, with
    a warning naming each."""
    pytest.importorskip("psycopg")
    from tierlang.engine.sql.database import evaluate_postgres

    as_of = dt.date(2024, 2, 29)
    folder = _folder(tmp_path, as_of, 5)
    _load_pg(postgres.url, folder)
    program = load_program(str(PROGRAM), as_of).program
    ev = evaluate_postgres(program, postgres.url)
    got = ev.long().select("partner_id", "track", "level", "score").sort(["partner_id", "track"])
    assert got.equals(_expected(folder, as_of))
    assert sorted(w.code for w in ev.warnings) == ["TL423"] * 3 and any("m365_usage" in w.message for w in ev.warnings)


def test_records_program_through_db_on_the_command_line(postgres, tmp_path):
    as_of = "2023-06-15"
    folder = _folder(tmp_path, dt.date(2023, 6, 15), 6)
    _load_pg(postgres.url, folder)
    a = run("eval", str(PROGRAM), str(folder), "--as-of", as_of, "--format", "csv", "--engine", "interpreter")
    b = run("eval", str(PROGRAM), "--db", postgres.url, "--as-of", as_of, "--format", "csv")
    assert a.exit_code == b.exit_code == 0, b.stderr
    assert a.stdout == b.stdout
    assert "m365_usage" in b.stderr  # the absent table named
    no_date = run("eval", str(PROGRAM), "--db", postgres.url, "--format", "csv")
    assert no_date.exit_code == 2 and "--as-of" in no_date.stderr


def test_a_repeated_key_stops_the_query():
    """m365_usage has `key tenant_id, month, workload, association`: a repeated row is TL421,
    as in tierlang's loader, never summed twice."""
    program = load_program(str(PROGRAM), dt.date(2023, 6, 15)).program
    con = duckdb.connect()
    _load_duckdb(con, ROOT / "examples" / "records", False)
    con.execute("INSERT INTO m365_usage SELECT * FROM m365_usage LIMIT 1")
    with pytest.raises(duckdb.Error, match="TL421 table m365_usage, partner_id '[^']+', column tenant_id: the key"):
        con.execute(compile_sql(program, "duckdb").sql()).fetchall()


OPTIONAL_COUNT = """
program optional_count { version "1" effective 2023-01-01 }
table usage {
  column month: month
  column seats: count optional
  column amount: money USD { range .. }
}
metric biggest: count = max seats of usage { default 0 }
metric total: money USD = sum amount of usage { range .. }
track t {
  score s { a: points biggest  b: points total / 100 USD }
  level l { require s >= 1 }
}
"""


@pytest.mark.parametrize("options", ["auto_detect=true", "all_varchar=true"])
def test_optional_and_required_numbers_of_a_related_table_in_duckdb(tmp_path, options):
    """An optional count column typed BIGINT read as NULL on every row (the branch the query
    set to NULL for an empty value was its integer fast path), and an empty required amount
    passed unnoticed (its check was left for a filter the related table never had): DuckDB's
    query now reads both as tierlang's loader does."""
    (tmp_path / "p.tier").write_text(OPTIONAL_COUNT)
    (tmp_path / "partners.csv").write_text("partner_id\nA\nB\n")
    (tmp_path / "usage.csv").write_text("partner_id,month,seats,amount\nA,2023-01-01,5,100\nB,2023-01-01,,200\nB,2023-02-01,3,50\n")
    program = load_program(str(tmp_path / "p.tier"), dt.date(2023, 6, 15)).program
    want = evaluate(program, str(tmp_path), engine="interpreter").long()
    con = duckdb.connect()
    for t in ("partners", "usage"):
        con.execute(f"CREATE TABLE {t} AS SELECT * FROM read_csv('{tmp_path / t}.csv', {options})")
    rows = sorted(con.execute(compile_sql(program, "duckdb").sql()).fetchall())
    assert [(p, lv, score_text(s)) for p, _, lv, s in rows] == list(want.select("partner_id", "level", "score").iter_rows())
    assert want["score"].to_list() == ["6", "5.5"]
    con.execute("UPDATE usage SET amount = NULL WHERE partner_id = 'A'")
    with pytest.raises(
        duckdb.Error, match="TL403 table usage, partner_id 'A', column amount: the value is missing \\(the column is not optional\\)"
    ):
        con.execute(compile_sql(program, "duckdb").sql()).fetchall()


@pytest.mark.parametrize("pid", [" A", "A\t", "", "\u3000", "Z"], ids=repr)
def test_a_related_row_whose_id_has_blanks_stops_the_query_as_the_loader(tmp_path, pid):
    """TL410 (blanks around it, or blanks only) before TL420 (not a partner), as the loader."""
    from tierlang.data import DataLoadError

    (tmp_path / "p.tier").write_text(OPTIONAL_COUNT)
    (tmp_path / "partners.csv").write_text("partner_id\nA\n")
    pl.DataFrame({"partner_id": [pid], "month": ["2023-01-01"], "seats": ["5"], "amount": ["100"]}).write_csv(tmp_path / "usage.csv")
    program = load_program(str(tmp_path / "p.tier"), dt.date(2023, 6, 15)).program
    with pytest.raises(DataLoadError) as e:
        evaluate(program, str(tmp_path), engine="interpreter")
    first = e.value.errors[0]
    assert first.code == ("TL420" if pid == "Z" else "TL410")
    con = duckdb.connect()
    for t in ("partners", "usage"):
        con.execute(f"CREATE TABLE {t} AS SELECT * FROM read_csv('{tmp_path / t}.csv', all_varchar=true)")
    con.execute("UPDATE usage SET partner_id = ?", [pid])  # the CSV reader reads an empty cell as NULL
    with pytest.raises(duckdb.Error) as q:
        con.execute(compile_sql(program, "duckdb").sql()).fetchall()
    found = DATA_ERROR.search(str(q.value))
    assert found is not None and (found.group(1), found.group(2)) == (first.code, "usage"), str(q.value)
    if first.code == "TL410":
        assert found.group(5) == first.message.split(": ", 1)[1]


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_records_query_in_every_dialect(dialect):
    """The records stage prints in every dialect and parses back as one statement."""
    import sqlglot

    from tests.engine.sql_helpers import SMALL_RECORDS

    program = load_program("small.tier", dt.date(2023, 6, 15), text=SMALL_RECORDS).program
    text = compile_sql(program, dialect).sql()
    assert len([s for s in sqlglot.parse(text, read=DIALECTS[dialect].sqlglot) if s is not None]) == 1
    assert '"usage"' in text or "`usage`" in text or "[usage]" in text


RANGED_ROW = st.fixed_dictionaries(
    {
        "partner_id": st.sampled_from(["P1", "P2", "P3"]),
        "tenant": st.sampled_from(["T1", "T2"]),
        "month": st.sampled_from([dt.date(2023, 5, 1), dt.date(2022, 5, 1), dt.date(2023, 1, 1)]),
        "seats": st.integers(0, 7),
        "amount": st.sampled_from(["0", "-0.01", "10", "250.25", "-300", "600", "1000", "1000.01", "-5"]),
    }
)


def _violations(program, values: dict[str, dict]) -> set[str]:
    """Every (metric, partner) outside its range, as the message names it."""
    from tierlang.records import range_message

    out = set()
    for pid, got in values.items():
        for m in program.record_metrics:
            v = got.get(m.name)
            if v is None:
                continue
            for bound, below in ((m.minimum, True), (m.maximum, False)):
                if bound is not None and (v < bound if below else v > bound):
                    out.add(range_message(m.name, v, pid, below, bound))
    return out


@settings(max_examples=40, deadline=None)
@given(st.lists(RANGED_ROW, max_size=12))
def test_records_ranges_are_checked_in_sql_as_in_every_engine(rows):
    """A records metric outside its declared range stops every engine with the same message
    (polars, the reference stage, --engine duckdb: the same partner first, the others
    counted); the raw compiled query stops with the message of one of the partners outside
    (a database stops at the first row it meets); within the ranges all agree on the results."""
    from sqlglot import exp

    from tests.engine.sql_helpers import RANGED_RECORDS
    from tierlang.engine.sql.records import range_error
    from tierlang.records import RecordsRangeError

    as_of = dt.date(2023, 6, 15)
    program = load_program("ranged.tier", as_of, text=RANGED_RECORDS).program
    partners = pl.DataFrame({"partner_id": ["P1", "P2", "P3", "P4"]})
    schema = {"partner_id": pl.String, "tenant": pl.String, "month": pl.Date, "seats": pl.Int64, "amount": pl.String}
    usage = pl.DataFrame(rows, schema=schema)
    data = {PARTNERS: partners, "usage": usage}
    reference = {}
    for engine in ("reference", "polars"):
        try:
            reference[engine] = dict(with_records(program, load_records(data, program), engine=engine).rows())
        except RecordsRangeError as e:
            reference[engine] = str(e)
    assert reference["reference"] == reference["polars"]
    want = reference["polars"]
    # the in-process engines name the same partner and count the others
    outcomes = []
    for engine in ("interpreter", "vectorized", "duckdb"):
        try:
            outcomes.append(evaluate(program, data, engine=engine).long())
        except RecordsRangeError as e:
            outcomes.append(str(e))
    if isinstance(want, str):
        assert outcomes == [want] * 3
    else:
        assert all(isinstance(o, pl.DataFrame) and o.equals(outcomes[0]) for o in outcomes), outcomes
    # the raw query: one of the partners outside, or no error
    con = duckdb.connect()
    con.register("partners", partners)
    con.register("usage", usage.with_columns(pl.all().cast(pl.String)))
    query = compile_sql(program, "duckdb")
    assert "records_checked" in {c.alias for c in query.tree.find_all(exp.CTE)}
    if isinstance(want, str):
        with pytest.raises(duckdb.Error) as caught:
            con.execute(query.sql()).fetchall()
        found = range_error(str(caught.value))
        records = load_records(data, program)
        values = {pid: explain_records(program, records, pid).values for pid in partners["partner_id"]}
        assert found is not None and str(found) in _violations(program, values), str(caught.value)
    else:
        got = _long(con.execute(query.sql()).fetchall())
        assert got.equals(outcomes[0].select("partner_id", "track", "level", "score").sort(["partner_id", "track"]))


def test_records_ranges_in_every_dialect():
    """The range check prints in every dialect (a WHERE condition, which no planner prunes)."""
    import sqlglot

    from tests.engine.sql_helpers import RANGED_RECORDS

    program = load_program("ranged.tier", dt.date(2023, 6, 15), text=RANGED_RECORDS).program
    for name, d in DIALECTS.items():
        text = compile_sql(program, name).sql()
        assert "records_checked" in text and "above its maximum 1000" in text, name
        assert len([s for s in sqlglot.parse(text, read=d.sqlglot) if s is not None]) == 1


def test_records_ranges_through_db(postgres, tmp_path):
    """--db: the database stops at the partner outside the range and tier says it as it does
    for a file (exit 2, the same message)."""
    pytest.importorskip("psycopg")
    import psycopg

    from tests.engine.sql_helpers import RANGED_RECORDS

    program = tmp_path / "ranged.tier"
    program.write_text(RANGED_RECORDS)
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "partners.csv").write_text("partner_id\nP1\nP2\n")
    (folder / "usage.csv").write_text("partner_id,tenant,month,seats,amount\nP1,T1,2023-05-01,3,250\nP2,T1,2023-05-01,13,10\n")
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS partners; DROP TABLE IF EXISTS usage")
        conn.execute("CREATE TABLE partners (partner_id TEXT); INSERT INTO partners VALUES ('P1'), ('P2')")
        conn.execute("CREATE TABLE usage (partner_id TEXT, tenant TEXT, month DATE, seats BIGINT, amount NUMERIC(12, 2))")
        conn.execute("INSERT INTO usage VALUES ('P1', 'T1', '2023-05-01', 3, 250), ('P2', 'T1', '2023-05-01', 13, 10)")
    try:
        a = run("eval", str(program), str(folder), "--as-of", "2023-06-15")
        b = run("eval", str(program), "--db", postgres.url, "--as-of", "2023-06-15")
        c = run("eval", str(program), str(folder), "--as-of", "2023-06-15", "--engine", "duckdb")
        assert a.exit_code == b.exit_code == c.exit_code == 2
        assert "metric 'thirds' is 13/3 for partner 'P2', above its maximum 4" in a.stderr
        assert a.stderr == c.stderr
        assert a.stderr.split("cannot be evaluated: ")[1] == b.stderr.split("cannot be evaluated: ")[1]
        assert "Traceback" not in b.stderr
    finally:
        with psycopg.connect(postgres.url, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS partners; DROP TABLE IF EXISTS usage")
