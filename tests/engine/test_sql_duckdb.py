"""`tier compile --emit sql --dialect duckdb`, run by DuckDB itself on a `partners` table
loaded from a CSV file in the DESIGN §4.1 layout, gives exactly the interpreter's results:
whatever type a loader gave each column (DuckDB's inference: BIGINT, DOUBLE; all text;
DECIMAL), with extra columns and an `anniversary` date, on the shipped example data and on
boundary data (totals of exactly 70, sums of thirds, clamps at the edges, negative net adds).
"""

from __future__ import annotations

import functools
import random
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.engine.engine_helpers import load_text
from tests.engine.sql_helpers import run_long, sorted_long
from tierlang import ir
from tierlang.engine import evaluate
from tierlang.loader import load_program
from tierlang.numbers import exact_text

ROOT = Path(__file__).resolve().parents[2]
CLOUD = ROOT / "programs" / "cloudpartner2022.tier"
EXAMPLES = ROOT / "examples" / "partners.csv"

#: How a tester may load the CSV file: DuckDB's own inference, everything as text, decimals
#: as DOUBLE, or decimals as DECIMAL(p, s) (as a warehouse table would have them).
LOADS = {
    "read_csv_auto": "SELECT * FROM read_csv_auto('{path}')",
    "read_csv": "SELECT * FROM read_csv('{path}')",
    "all_varchar": "SELECT * FROM read_csv('{path}', all_varchar = true)",
    "double": "SELECT * REPLACE ({casts}) FROM read_csv_auto('{path}')",
    "decimal": "SELECT * REPLACE ({casts}) FROM read_csv('{path}', all_varchar = true)",
}


@pytest.fixture(scope="module")
def program() -> ir.Program:
    r = load_program(CLOUD)
    assert r.program is not None
    return r.program


@pytest.fixture(scope="module")
def compiled_sql() -> str:
    """The query exactly as the command prints it."""
    out = subprocess.run(
        [sys.executable, "-m", "tierlang", "compile", "--emit", "sql", "--dialect", "duckdb", str(CLOUD)],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def _decimal_columns(program: ir.Program) -> list[str]:
    return [m.column or m.name for m in program.input_metrics if m.type.kind in (ir.Kind.NUMBER, ir.Kind.PERCENT, ir.Kind.MONEY)]


def _load(con: duckdb.DuckDBPyConnection, program: ir.Program, path: Path, how: str) -> None:
    decimals = _decimal_columns(program)
    if how == "double":
        casts = ", ".join(f'CAST("{c}" AS DOUBLE) AS "{c}"' for c in decimals)
    else:
        casts = ", ".join(f'CAST("{c}" AS DECIMAL(30, 8)) AS "{c}"' for c in decimals)
    con.execute("CREATE OR REPLACE TABLE partners AS " + LOADS[how].format(path=path, casts=casts))


@functools.cache
def _expected(program: ir.Program, path: Path) -> pl.DataFrame:
    return sorted_long(evaluate(program, str(path), engine="interpreter"))


def _check(program: ir.Program, sql: str, path: Path, how: str) -> None:
    con = duckdb.connect()
    _load(con, program, path, how)
    got = run_long(con, sql)
    expected = _expected(program, path)
    assert got.height == expected.height
    diff = got.join(expected, on=["partner_id", "track"], suffix="_expected").filter(
        (pl.col("level").fill_null("-") != pl.col("level_expected").fill_null("-"))
        | (pl.col("score").fill_null("-") != pl.col("score_expected").fill_null("-"))
    )
    assert diff.height == 0, f"{how}: {diff.height} rows differ\n{diff.head(10)}"


@pytest.mark.parametrize("how", list(LOADS))
def test_example_partners(program, compiled_sql, how):
    _check(program, compiled_sql, EXAMPLES, how)


def _boundary_rows(program: ir.Program, rows: int, seed: int) -> dict[str, list[str]]:
    """Rows whose values sit at the program's targets and thresholds, at thirds and sixths of
    them, at zero and at small negatives where a column allows them, plus every example's
    partner (each example hand-computed in the program file)."""
    rng = random.Random(seed)
    consts: set[Fraction] = {Fraction(0), Fraction(1), Fraction(2), Fraction(3)}
    for node in ir.walk(program):
        if isinstance(node, ir.Const) and isinstance(node.value, Fraction) and not isinstance(node.value, bool):
            v = abs(node.value)
            consts.update({v, v - 1, v + 1, v / 3, v * 2 / 3, v / 6, v / 2})
    data: dict[str, list[str]] = {"partner_id": []}
    metrics = program.input_metrics
    for m in metrics:
        data[m.column or m.name] = []
    examples = [dict(e.given) for e in program.examples]
    for i in range(rows + len(examples)):
        data["partner_id"].append(f"B{i:05d}")
        given = examples[i] if i < len(examples) else {}
        for m in metrics:
            whole = m.type.kind is ir.Kind.COUNT
            if m.name in given:
                v = given[m.name]
            else:
                pool = sorted(c for c in consts if (not whole or c.denominator == 1) and (m.minimum is None or c >= m.minimum))
                v = rng.choice(pool)
                if m.minimum is None and rng.random() < 0.2:
                    v = -v
                if not whole:
                    v = Fraction(round(v * 100), 100)  # two places, as the §4.1 columns have
            data[m.column or m.name].append(_text(v))
    return data


def _text(v) -> str:
    """A value as a data file writes it: a number's exact decimal, true/false, a name."""
    if isinstance(v, Fraction):
        return exact_text(v)
    return str(v).lower() if isinstance(v, bool) else str(v)


@pytest.mark.parametrize("how", ["read_csv_auto", "all_varchar", "decimal"])
def test_boundary_partners(program, compiled_sql, how, boundary_csv):
    _check(program, compiled_sql, boundary_csv, how)


@pytest.fixture(scope="module")
def boundary_csv(program, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("boundary") / "boundary.csv"
    pl.DataFrame(_boundary_rows(program, 400, 7)).write_csv(path)
    return path


def test_the_query_reads_only_what_it_needs(program, compiled_sql, tmp_path):
    """Extra columns, an anniversary date and any column order are ignored."""
    frame = pl.read_csv(EXAMPLES, infer_schema=False).head(200)
    shuffled = frame.select(list(reversed(frame.columns))).with_columns(pl.lit("x;DROP TABLE partners").alias("comment"))
    path = tmp_path / "shuffled.csv"
    shuffled.write_csv(path)
    _check(program, compiled_sql, path, "read_csv_auto")


@pytest.mark.parametrize("ending", ["csv", "jsonl", "parquet"])
def test_engine_duckdb_writes_the_polars_engines_files(tmp_path, ending):
    """`tier eval --engine duckdb -o FILE` writes the bytes `--engine vectorized` writes (CSV
    and JSON Lines: score text; Parquet: the same DECIMAL(38, 6) values, whose metadata names
    the engine)."""
    files = {}
    for engine in ("vectorized", "duckdb"):
        files[engine] = tmp_path / f"{engine}.{ending}"
        run = subprocess.run(
            [sys.executable, "-m", "tierlang", "eval", str(CLOUD), str(EXAMPLES), "--engine", engine, "-o", str(files[engine])],
            capture_output=True,
            text=True,
        )
        assert run.returncode == 0, run.stderr
    if ending == "parquet":
        a, b = pl.read_parquet(files["vectorized"]), pl.read_parquet(files["duckdb"])
        assert a.schema == b.schema and a.schema["score"] == pl.Decimal(38, 6) and a.equals(b)
    else:
        assert files["vectorized"].read_bytes() == files["duckdb"].read_bytes()


DECIMAL_TYPES = """
program decimal_types { version "1" effective 2023-01-01 }
metric x: number { range .. }
track t {
  score s { a: points x }
  level l { require s >= 1 }
}
"""


@pytest.mark.parametrize(
    "sql_type,value,want",
    [
        ("DECIMAL(18, 2)", "12.34", "12.34"),
        ("DECIMAL(4, 0)", "-1234", "-1234"),
        ("DECIMAL(18, 6)", "0.000001", "0.000001"),
        ("DECIMAL(38, 10)", "1.5", "1.5"),  # more places by its type, not by its value
        ("DECIMAL(38, 10)", "1.1234567", None),  # seven places: refused, never rounded
        ("DECIMAL(38, 2)", "123456789012.5", "123456789012.5"),  # beyond the float path: read as text
        ("DOUBLE", "12.6", "12.6"),
    ],
)
def test_decimal_columns_of_every_scale(sql_type, value, want):
    """A DECIMAL(p, s) column is read on the fast path when its type has at most --decimals
    places, through an exact check of its value's places otherwise."""
    from tierlang.engine.sql import compile_sql

    prog = load_text(DECIMAL_TYPES)
    con = duckdb.connect()
    con.execute(f"CREATE TABLE partners AS SELECT 'P1' AS partner_id, CAST('{value}' AS {sql_type}) AS x")
    sql = compile_sql(prog, "duckdb").sql()
    if want is None:
        with pytest.raises(duckdb.Error, match="TL412.*has more than 6 decimal places"):
            con.execute(sql).fetchall()
    else:
        assert run_long(con, sql)["score"].to_list() == [want]


WIDE_VALUES = """
program wide_values { version "1" effective 2023-01-01 }
metric n: count { range .. }
metric x: number { range .. }
track t {
  score s { a: points n + x }
  level l { require s >= 1 }
}
"""


@pytest.mark.parametrize(
    "n_type,n,x_type,x",
    [
        ("HUGEINT", "999999999999999999", "BIGINT", "9223372036854775"),  # a wide integer type, guarded before its cast
        ("BIGINT", "1", "BIGINT", "9223372036854775"),  # an integer decimal column times 10^6
        ("BIGINT", "1", "VARCHAR", "12345678901234.5"),  # a text decimal of 20 digits at 6 places
    ],
)
def test_values_beyond_64_bits_are_refused_or_read_wide(n_type, n, x_type, x):
    """DuckDB's raw query reads numbers as 64-bit integers: a value beyond them stops the
    query with TL412 and says how to get 128 bits — never a database cast error; `wide=True`
    (--wide) reads and evaluates the same row exactly. (A count has at most 18 digits in
    either: tests/engine/test_count_limit.py.)"""
    from tierlang.engine.sql import compile_sql

    prog = load_text(WIDE_VALUES)
    con = duckdb.connect()
    con.execute(f"CREATE TABLE partners AS SELECT 'P1' AS partner_id, CAST('{n}' AS {n_type}) AS n, CAST('{x}' AS {x_type}) AS x")
    with pytest.raises(duckdb.Error, match="TL412 table partners, partner_id 'P1', column [nx]: .* compile it with --wide"):
        con.execute(compile_sql(prog, "duckdb").sql()).fetchall()
    total = Fraction(int(n)) + Fraction(x)
    assert run_long(con, compile_sql(prog, "duckdb", wide=True).sql())["score"].to_list() == [_text(total)]


@pytest.mark.parametrize(
    "n,x",
    [
        ("-999999999999999999", "-0.5"),  # the smallest count: the sum is computed in 128 bits
        ("999999999999999999", "0.000001"),  # the largest
        ("230584300921369395", "0.5"),
    ],
)
def test_64_bit_inputs_sum_exactly(n, x):
    """Sums and products that could leave 64 bits are computed in 128 (the bounds say which);
    the rest, and every value read, stays in 64 bits."""
    from tierlang.engine.sql import compile_sql

    prog = load_text(WIDE_VALUES)
    con = duckdb.connect()
    con.execute(f"CREATE TABLE partners AS SELECT 'P1' AS partner_id, CAST('{n}' AS BIGINT) AS n, CAST('{x}' AS DECIMAL(18, 6)) AS x")
    sql = compile_sql(prog, "duckdb").sql()
    assert 'CAST("n" AS INT128) * 1000000 + CAST("x" AS INT128)' in sql and 'THEN CAST("n" AS BIGINT)' in sql
    expected = sorted_long(evaluate(prog, pl.DataFrame({"partner_id": ["P1"], "n": [n], "x": [x]}), engine="interpreter"))
    assert run_long(con, sql).equals(expected)


CAPPED = """
program capped { version "1" effective 2023-01-01 }
metric a: number { range .. }
metric b: number { range .. }
track t {
  score s { g: points min(20, max(0, a) / 1250 + max(0, b) / 125) }
  level l { require s >= 10 }
}
"""

#: The largest |a| (scaled by 10^6) the 64-bit plan of CAPPED allows: a + 10 b must fit 64 bits.
CAPPED_LIMIT = (2**63 - 1) // 11


def test_the_query_of_the_cloud_program_computes_in_64_bits(compiled_sql):
    """Every sum and product of the Cloud Partner Program's raw query is 64-bit: `min(c, x)`
    of an x >= 0 is bounded by c, so no input needs 128 bits (a HUGEINT column is still
    guarded before its cast to BIGINT)."""
    assert "AS INT128) +" not in compiled_sql and "AS INT128) *" not in compiled_sql
    assert "INT128) BETWEEN" in compiled_sql  # the reading guard of a wide integer column


@pytest.mark.parametrize("a,ok", [(CAPPED_LIMIT, True), (-CAPPED_LIMIT, True), (CAPPED_LIMIT + 1, False), (-CAPPED_LIMIT - 1, False)])
def test_a_capped_sum_is_computed_in_64_bits_within_its_limits(a, ok):
    """`min(20, max(0, a) / 1250 + max(0, b) / 125)` is within 20 whatever a and b: the query
    computes it in 64 bits and limits a and b so that their sum fits (a value beyond the limit
    stops the query with TL412, and `--wide` evaluates it exactly)."""
    from tierlang.engine.sql import compile_sql

    prog = load_text(CAPPED)
    x = Fraction(a, 10**6)
    con = duckdb.connect()
    con.execute(f"CREATE TABLE partners AS SELECT 'P1' AS partner_id, CAST('{_text(x)}' AS DECIMAL(18, 6)) AS a, 1 AS b")
    assert con.execute("SELECT a FROM partners").fetchone()[0] * 10**6 == a
    sql = compile_sql(prog, "duckdb").sql()
    assert "INT128" not in sql.split('"partners_checked"')[1]
    expected = sorted_long(evaluate(prog, pl.DataFrame({"partner_id": ["P1"], "a": [_text(x)], "b": ["1"]}), engine="interpreter"))
    if ok:
        assert run_long(con, sql).equals(expected)
    else:
        with pytest.raises(duckdb.Error, match="TL412 table partners, partner_id 'P1', column a: .* compile it with --wide"):
            con.execute(sql).fetchall()
    assert run_long(con, compile_sql(prog, "duckdb", wide=True).sql()).equals(expected)


CHECKED = """
program checked { version "1" effective 2023-01-01 }
metric n: count
metric x: number { range 0 .. 10 }
constraint sane "x within n": x <= n + 10
track t {
  score s { a: points n + x }
  level l { require s >= 1 }
}
"""


@pytest.mark.parametrize(
    "rows,message",
    [
        ("('P1', 1, 1.5), ('P2', NULL, 2)", "TL403 table partners, partner_id 'P2', column n: the value is missing"),
        ("('P1', 1, 1.5), ('P2', -1, 2)", "TL406 table partners, partner_id 'P2', column n: -1 is below the minimum 0"),
        ("('P1', 1, 11), ('P2', 1, 2)", "TL406 table partners, partner_id 'P1', column x: 11000000/1000000 is above the maximum 10"),
        ("('P1', 1, 1.5), ('P1', 2, 2)", "TL411 table partners, partner_id 'P1', column partner_id: the partner_id appears more than once"),
        ("('P1', 1, NULL)", "TL403 table partners, partner_id 'P1', column x: the value is missing"),
        ("(NULL, 1, 1)", "TL410 table partners, partner_id '\\(empty\\)', column partner_id: partner_id is empty"),
        ("('P1', 1, 1), ('', 1, 1)", "TL410 table partners, partner_id '', column partner_id: partner_id is empty"),
        ("('P1', 1, 1), ('   ', 1, 1)", "TL410 table partners, partner_id '   ', column partner_id: partner_id is empty"),
        # blanks around an id: its error first, as the loader's (the partner_id column first)
        ("('P1', 1, 1), (' P2 ', -1, 1)", "TL410 table partners, partner_id ' P2 ', column partner_id: partner_id ' P2 ' has blanks"),
        ("('P1', 1, 1.5), ('P2', -1, 11)", "TL406 table partners, partner_id 'P2', column n: -1 is below"),  # the first check failing
    ],
)
def test_checks_in_one_filter_name_partner_and_column(rows, message):
    """DuckDB's raw query checks missing values, ranges, limits, repeated ids and constraints
    in one filter; the error is still the first failing check's, naming partner and column."""
    from tierlang.engine.sql import compile_sql

    con = duckdb.connect()
    con.execute(f"CREATE TABLE partners AS SELECT * FROM (VALUES {rows}) AS t(partner_id, n, x)")
    sql = compile_sql(load_text(CHECKED), "duckdb").sql()
    with pytest.raises(duckdb.Error, match=message):
        con.execute(sql).fetchall()


def test_a_broken_constraint_fails_in_the_filter():
    from tierlang.engine.sql import compile_sql

    prog = load_text(CHECKED.replace("range 0 .. 10", "range 0 .. 100"))
    con = duckdb.connect()
    con.execute("CREATE TABLE partners AS SELECT * FROM (VALUES ('P1', 1, 12.5)) AS t(partner_id, n, x)")
    with pytest.raises(duckdb.Error, match="TL416 table partners, partner_id 'P1', column n: breaks the constraint 'sane'"):
        con.execute(compile_sql(prog, "duckdb").sql()).fetchall()
