"""The compiled query on a real PostgreSQL server (started by the tests: tests/pgserver.py):
generated programs and boundary data against the interpreter, the Cloud Partner Program's
examples, `tier eval --db` (passwords, PGPASSWORD, --into in one transaction, errors)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import pgserver
from tests.engine.engine_helpers import load_text
from tests.engine.sql_helpers import (
    HUGE_KEYS,
    HUGE_KEYS_DATA,
    LITERAL_POINTS,
    LITERAL_POINTS_DATA,
    ONE_SCORED_BEST,
    ONE_SCORED_BEST_DATA,
    column_type,
    score_text,
    sorted_long,
)
from tests.engine.strategies import programs_with_data
from tierlang import ir
from tierlang.data import DataLoadError, from_frame
from tierlang.engine import evaluate, evaluate_dataset
from tierlang.engine.sql.database import DatabaseError, evaluate_postgres, safe_url, write_into
from tierlang.loader import load_program

psycopg = pytest.importorskip("psycopg")

ROOT = Path(__file__).resolve().parents[2]
CLOUD = ROOT / "programs" / "cloudpartner2022.tier"
EXAMPLES = ROOT / "examples" / "partners.csv"

_PG_TYPES = {"VARCHAR": "TEXT", "DOUBLE": "DOUBLE PRECISION"}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_pg(url: str, program: ir.Program, data: dict[str, list[str | None]], layout: str, table: str = "partners") -> None:
    """`data` as a PostgreSQL table, typed as `layout` says (tests/engine/sql_helpers.py)."""
    by_column = {m.column or m.name: m for m in program.input_metrics}
    cols = list(data)
    types = []
    for c in cols:
        t = column_type(by_column.get(c), data[c], layout)
        types.append(_PG_TYPES.get(t, t))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"CREATE TABLE {table} ({', '.join(f'{_quote(c)} TEXT' for c in cols)})")
        with conn.cursor().copy(f"COPY {table} ({', '.join(_quote(c) for c in cols)}) FROM STDIN") as copy:
            for row in zip(*[data[c] for c in cols]):
                copy.write_row(row)
        for c, t in zip(cols, types):
            if t != "TEXT":
                using = f"lower({_quote(c)})::BOOLEAN" if t == "BOOLEAN" else f"{_quote(c)}::{t}"
                conn.execute(f"ALTER TABLE {table} ALTER COLUMN {_quote(c)} TYPE {t} USING {using}")


def _reference(prog, data):
    frame = pl.DataFrame(data, schema={c: pl.String for c in data})
    return sorted_long(evaluate_dataset(prog, from_frame(frame, prog), engine="interpreter"))


def _table_long(url: str, table: str) -> pl.DataFrame:
    """The table `write_into` made: the contract's four columns, and `undecided` for a program
    with requirements no data decides."""
    with psycopg.connect(url) as conn:
        cur = conn.execute(f"SELECT * FROM {table}")
        names = [d.name for d in cur.description]
        rows = cur.fetchall()
        schema, name = table.rsplit(".", 1) if "." in table else ("public", table)
        score_type = conn.execute(
            "SELECT data_type, numeric_precision, numeric_scale FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s AND column_name = 'score'",
            (schema, name),
        ).fetchone()
    assert score_type == ("numeric", 38, 6)  # the contract's exact decimal, as tier eval's Parquet writes it
    rows = [tuple(score_text(v) if n == "score" else v for v, n in zip(row, names)) for row in rows]
    frame = pl.DataFrame(rows, schema={n: pl.String for n in names}, orient="row")
    return frame.sort(["partner_id", "track"])


@settings(max_examples=25, deadline=None)
@given(programs_with_data(max_rows=10), st.sampled_from(["text", "double", "decimal"]))
def test_postgres_agrees_with_the_interpreter(postgres, case, layout):
    """Both ways in: the results read back (evaluate_postgres) and the long query written to a
    table (write_into)."""
    text, data = case
    prog = load_text(text)
    expected = _reference(prog, data)
    load_pg(postgres.url, prog, data, layout)
    got = sorted_long(evaluate_postgres(prog, postgres.url))
    assert got.equals(expected), f"{layout}\n{text}\n{got}\n{expected}"
    write_into(prog, postgres.url, into="results")
    assert _table_long(postgres.url, "results").equals(expected), f"{layout}\n{text}"


@pytest.mark.parametrize("layout", ["text", "decimal"])
def test_points_from_literals_times_large_scales(postgres, layout):
    """PostgreSQL types a bare literal as a 32-bit integer too (tests/engine/sql_helpers.py)."""
    prog = load_text(LITERAL_POINTS)
    load_pg(postgres.url, prog, LITERAL_POINTS_DATA, layout)
    assert sorted_long(evaluate_postgres(prog, postgres.url)).equals(_reference(prog, LITERAL_POINTS_DATA))


@pytest.mark.parametrize(
    "text,data", [(ONE_SCORED_BEST, ONE_SCORED_BEST_DATA), (HUGE_KEYS, HUGE_KEYS_DATA)], ids=["one scored best", "huge keys"]
)
def test_regressions_found_by_the_spark_tests(postgres, text, data):
    prog = load_text(text)
    load_pg(postgres.url, prog, data, "text")
    assert sorted_long(evaluate_postgres(prog, postgres.url)).equals(_reference(prog, data))


UNDECIDED = """
program undecided { version "1" effective 2022-10-03 }
metric m0: count { range 0 .. 50 default 0 }
track t0 {
  choose va when m0 >= 1 else vb
  variant va { level l0 }
  variant vb { level l0 { require r0: unknown } }
}
"""


def test_undecided_levels_on_postgres(postgres):
    """The `P:` (possible level) columns come back as level indexes, and the table written
    with --into has the undecided column (a train-1 failure of the property test above)."""
    prog = load_text(UNDECIDED)
    data = {"partner_id": ["A", "B"], "m0": ["0", "3"]}
    load_pg(postgres.url, prog, data, "text")
    expected = _reference(prog, data)
    assert sorted_long(evaluate_postgres(prog, postgres.url)).equals(expected)
    write_into(prog, postgres.url, into="results")
    assert _table_long(postgres.url, "results").equals(expected)


BLOWUP = ROOT / "tests" / "fixtures" / "engine" / "inline_blowup.tier"


def _growth(tree) -> int:
    """How much larger than its own expression a column grows when PostgreSQL pulls CTEs up
    into their readers (each column reference replaced by its definition) between
    MATERIALIZED fences: the worst column's excess."""
    size: dict[str, int] = {}
    worst = 0
    for cte in tree.args["with_"].expressions:
        new = {}
        for p in cte.this.expressions:
            if isinstance(p, sqlglot.exp.Alias):
                nodes = list(p.this.walk())
                new[p.alias] = sum(size.get(n.name, 1) if isinstance(n, sqlglot.exp.Column) else 1 for n in nodes)
                worst = max(worst, new[p.alias] - len(nodes))
        size.update(new)
        if cte.args.get("materialized"):
            size.clear()
    return worst


@pytest.mark.parametrize("path", [BLOWUP, CLOUD, ROOT / "programs" / "mpn2010.tier"])
def test_no_expression_blows_up_when_the_planner_inlines_ctes(path):
    """Unfenced, the first program's query makes columns of 1.4 million nodes once inlined:
    PostgreSQL planned it for minutes at gigabytes (CI runs of 2026-12-05, on ten rows)."""
    from tierlang.engine.sql import compile_sql
    from tierlang.engine.sql.query import INLINE_LIMIT

    tree = compile_sql(load_program(path).program, "postgres").tree
    assert _growth(tree) <= INLINE_LIMIT


def test_a_program_that_blew_up_the_planner_runs(postgres):
    prog = load_program(BLOWUP).program
    data = {
        "partner_id": ["P0", "P1", "P2", "P3"],
        "m0": ["6", "10", "0", "11"],
        "m1": ["20.01", "-0.5", "0", "0.001"],
        "m2": ["10", "-100", "1000", "12.5"],
    }
    load_pg(postgres.url, prog, data, "text")
    assert sorted_long(evaluate_postgres(prog, postgres.url)).equals(_reference(prog, data))


def test_cloud_partner_examples(postgres, tmp_path):
    """The §4.1 example data through `tier eval --db`, the same as `tier eval` on the file;
    the files `-o` writes are the polars engine's, byte for byte (Parquet: the same values
    and DECIMAL(38, 6) scores; only the engine in the metadata differs)."""
    prog = load_program(CLOUD).program
    frame = pl.read_csv(EXAMPLES, infer_schema=False).head(1500)  # in partner_id order, as --db returns them
    data = {c: frame[c].to_list() for c in frame.columns}
    load_pg(postgres.url, prog, data, "inferred", table="cloud")
    out = subprocess.run(
        [sys.executable, "-m", "tierlang", "eval", str(CLOUD), "--db", postgres.url, "--table", "partners=cloud", "--format", "csv"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    got = pl.read_csv(out.stdout.encode(), infer_schema=False).sort(["partner_id", "track"])
    expected = sorted_long(evaluate(prog, frame, engine="interpreter"))
    assert got.equals(expected)
    assert pgserver.PASSWORD not in out.stderr and "engine postgres" in out.stderr
    source = tmp_path / "partners.csv"
    frame.write_csv(source)
    for ending in ("csv", "jsonl", "parquet"):
        polars_out, db_out = tmp_path / f"polars.{ending}", tmp_path / f"db.{ending}"
        assert _tier("eval", str(CLOUD), str(source), "-o", str(polars_out)).returncode == 0
        run = _tier("eval", str(CLOUD), "--db", postgres.url, "--table", "partners=cloud", "-o", str(db_out))
        assert run.returncode == 0, run.stderr
        if ending == "parquet":
            a, b = pl.read_parquet(polars_out), pl.read_parquet(db_out)
            assert a.schema == b.schema and a.schema["score"] == pl.Decimal(38, 6) and a.equals(b)
        else:
            assert polars_out.read_bytes() == db_out.read_bytes(), ending


def _tier(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tierlang", *args], capture_output=True, text=True, env={**os.environ, **(env or {})})


FIXTURE = str(ROOT / "tests" / "fixtures" / "engine" / "designations.tier")
ROWS = {
    "partner_id": ["P1", "P2"],
    "experts": ["2", "0"],
    "adds": ["3", "7"],
    "certified": ["10", "5"],
    "growth": ["20", "0.5"],
    "deployments": ["6", "5"],
    "acr": ["25000.50", "7500"],
    "workloads": ["6", "0"],
    "tier": ["gold", "bronze"],
    "audited": ["true", "false"],
}


@pytest.fixture
def crm(postgres):
    prog = load_program(FIXTURE).program
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS crm")
    load_pg(postgres.url, prog, ROWS, "decimal", table="crm.partners")
    return prog


def test_password_from_the_url_or_pgpassword_never_shown(postgres, crm):
    for url, env in ((postgres.url, None), (postgres.url_without_password, {"PGPASSWORD": pgserver.PASSWORD})):
        out = _tier("eval", FIXTURE, "--db", url, "--table", "partners=crm.partners", "--format", "csv", env=env)
        assert out.returncode == 0, out.stderr
        assert pgserver.PASSWORD not in out.stdout + out.stderr
    bad = postgres.url.replace(pgserver.PASSWORD, "wrong-" + pgserver.PASSWORD)
    out = _tier("eval", FIXTURE, "--db", bad, "--table", "partners=crm.partners")
    assert out.returncode == 2 and "password authentication failed" in out.stderr
    assert pgserver.PASSWORD not in out.stderr and "***" in out.stderr


def test_into_replaces_the_table_in_one_transaction(postgres, crm):
    out = _tier("eval", FIXTURE, "--db", postgres.url, "--table", "partners=crm.partners", "--into", "crm.results")
    assert out.returncode == 0, out.stderr
    assert "wrote 12 rows to crm.results" in out.stderr
    before = _table_long(postgres.url, "crm.results")
    assert before.height == 12
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute("UPDATE crm.partners SET deployments = -3 WHERE partner_id = 'P2'")
        comment = conn.execute("SELECT obj_description('crm.results'::regclass)").fetchone()[0]
    assert comment.startswith("tierlang: designations 1.0 (sha256:")
    out = _tier("eval", FIXTURE, "--db", postgres.url, "--table", "partners=crm.partners", "--into", "crm.results")
    assert out.returncode == 2
    assert "error[TL406]" in out.stderr and "partner_id 'P2', column 'deployments': -3 is below the minimum 0" in out.stderr
    assert _table_long(postgres.url, "crm.results").equals(before)  # untouched


def test_missing_table_and_columns(postgres, crm):
    out = _tier("eval", FIXTURE, "--db", postgres.url, "--table", "partners=crm.nope")
    assert out.returncode == 2 and "error[TL400]: no table crm.nope" in out.stderr
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute("ALTER TABLE crm.partners DROP COLUMN certified")
    out = _tier("eval", FIXTURE, "--db", postgres.url, "--table", "partners=crm.partners")
    assert out.returncode == 2 and "column 'certified' is missing" in out.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["DATA.csv", "--db", "postgresql://x"], "give DATA (a file) or --db URL, not both"),
        (["--table", "partners=x"], "--table and --into go with --db URL"),
        (["--db", "postgresql://x", "--engine", "duckdb"], "--engine does not apply"),
        (["--db", "postgresql://x", "--into", "a", "-o", "x.csv"], "choose one"),
        (["--db", "postgresql://x", "--table", "people=x"], "reads no table 'people'"),
    ],
)
def test_usage_errors(args, message):
    out = _tier("eval", FIXTURE, *args)
    assert out.returncode == 2 and message in out.stderr


def test_unreachable_server_names_the_server_not_the_password():
    url = "postgresql://someone:hunter2@127.0.0.1:1/db"
    with pytest.raises(DatabaseError) as e:
        evaluate_postgres(load_program(FIXTURE).program, url)
    assert "hunter2" not in str(e.value) and "127.0.0.1" in str(e.value)


def test_safe_url():
    assert safe_url("postgresql://u:p%40ss@h:5432/db?sslmode=require") == "postgresql://u:***@h:5432/db?sslmode=require"
    assert safe_url("postgresql://h/db?password=x&user=u") == "postgresql://h/db?password=***&user=u"
    assert safe_url("host=h password='a b' user=u") == "host=h password=*** user=u"
    assert safe_url("postgresql://u@h/db") == "postgresql://u@h/db"


def test_bad_values_are_data_errors(postgres, crm):
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute("UPDATE crm.partners SET tier = 'platinum' WHERE partner_id = 'P1'")
    with pytest.raises(DataLoadError) as e:
        evaluate_postgres(crm, postgres.url, table="crm.partners")
    (err,) = e.value.errors
    assert err.code == "TL407" and err.partner_id == "P1" and err.column == "tier"


OPTIONAL = """program opt { version "1" }
metric pros: count
metric survey_done: bool { default true optional }
metric refs: count { default 2 optional column "references" }
track t { level ok { require pros >= 1 and refs >= 2 } level gold { require survey_done } }
"""


def test_an_absent_optional_column_takes_the_default(postgres):
    """As when reading a file: the optional metrics' columns may be absent from the table."""
    prog = load_text(OPTIONAL)
    data = {"partner_id": ["a", "b"], "pros": ["1", "0"]}
    load_pg(postgres.url, prog, data, "text")
    got = sorted_long(evaluate_postgres(prog, postgres.url))
    assert got.equals(_reference(prog, data)) and got["level"].to_list() == ["gold", None]
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute("ALTER TABLE partners DROP COLUMN pros")
    with pytest.raises(DataLoadError, match="column 'pros' is missing"):
        evaluate_postgres(prog, postgres.url)
