"""`--engine spark`: the compiled query in Spark local mode (one SparkSession for the whole
test session, ~15 s to start), against the interpreter: generated programs and data, huge
values, the Cloud Partner Program's example partners, records (people rules, tracks per row)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings

from tests.engine.engine_helpers import load_text
from tests.engine.sql_helpers import (
    HUGE_KEYS,
    HUGE_KEYS_DATA,
    HUGE_KEYS_READ_DATA,
    IDS,
    IDS_PROGRAM,
    LITERAL_POINTS,
    LITERAL_POINTS_DATA,
    ONE_SCORED_BEST,
    ONE_SCORED_BEST_DATA,
    SMALL_RECORDS,
    id_verdict,
    loader_verdict,
)
from tests.engine.strategies import programs_with_data
from tests.history.helpers import history, outcome
from tests.history.strategies import histories
from tierlang.data import from_frame, load_dataset
from tierlang.engine import evaluate, evaluate_dataset
from tierlang.loader import load_program

pytest.importorskip("pyspark")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _engines(text, data):
    prog = load_text(text)
    ds = from_frame(pl.DataFrame(data, schema={c: pl.String for c in data}), prog)
    return evaluate_dataset(prog, ds, engine="interpreter", detail=True), evaluate_dataset(prog, ds, engine="spark", detail=True)


@settings(max_examples=12, deadline=None)
@given(programs_with_data(max_rows=10))
def test_spark_agrees_with_the_interpreter(case):
    text, data = case
    a, b = _engines(text, data)
    assert b.engine == "spark"
    assert list(a.rows()) == list(b.rows()), text
    assert a.long().equals(b.long()), text
    assert a.variants.equals(b.variants), text
    assert a.detail.equals(b.detail), text


@settings(max_examples=6, deadline=None)
@given(programs_with_data(max_rows=6, big=True))
def test_spark_agrees_on_huge_values(case):
    text, data = case
    a, b = _engines(text, data)
    assert list(a.rows()) == list(b.rows()), text
    assert a.long().equals(b.long()), text


def test_points_from_literals_times_large_scales():
    """Spark types a bare literal INT (32 bits; an overflow is an error in ANSI mode)."""
    a, b = _engines(LITERAL_POINTS, LITERAL_POINTS_DATA)
    assert a.long().equals(b.long()) and a.detail.equals(b.detail)


@pytest.mark.parametrize(
    "text,data",
    [(ONE_SCORED_BEST, ONE_SCORED_BEST_DATA), (HUGE_KEYS, HUGE_KEYS_DATA), (HUGE_KEYS, HUGE_KEYS_READ_DATA)],
    ids=["one scored best", "huge keys not read", "huge keys read"],
)
def test_regressions_found_by_the_property_tests(text, data):
    """`choose best` with one scored variant (a one-argument GREATEST, which Spark refuses),
    and huge values of a table key the query never reads (cast anyway: CAST_OVERFLOW)."""
    a, b = _engines(text, data)
    assert list(a.rows()) == list(b.rows())
    assert a.long().equals(b.long()) and a.detail.equals(b.detail)


def test_cloud_partner_examples_on_spark():
    prog = load_program(ROOT / "programs" / "cloudpartner2022.tier").program
    ds = load_dataset(ROOT / "examples" / "partners.csv", prog)
    a = evaluate_dataset(prog, ds, engine="vectorized")
    b = evaluate_dataset(prog, ds, engine="spark")
    assert a.long().equals(b.long())


def test_records_program_on_spark(tmp_path):
    """The records stage in Spark: aggregates as CTEs, `per`/`having`, a ratio of records
    metrics (growth of 10/3 %: a score of 13.111111), partners without rows. (The Cloud Partner Program's
    records query, about a hundred CTEs, takes Spark's analyzer minutes in local mode: it
    runs in DuckDB and PostgreSQL in the suite, tests/engine/test_sql_records.py.)"""
    import datetime as dt

    program = tmp_path / "small.tier"
    program.write_text(SMALL_RECORDS)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "partners.csv").write_text("partner_id\nA\nB\nC\n")
    (tmp_path / "data" / "usage.csv").write_text(
        "partner_id,tenant,month,seats,amount,paid\n"
        "A,T1,2023-05-01,3,310.00,true\n"
        "A,T1,2022-05-01,1,300.00,true\n"
        "A,T2,2023-04-01,7,100,true\n"
        "B,T1,2023-05-01,2,-50.5,false\n"
        "B,T3,2022-05-01,2,99.99,true\n"
    )
    as_of = dt.date(2023, 6, 15)
    a = evaluate(str(program), str(tmp_path / "data"), engine="interpreter", as_of=as_of, detail=True)
    b = evaluate(str(program), str(tmp_path / "data"), engine="spark", as_of=as_of, detail=True)
    assert b.engine == "spark" and a.long().equals(b.long()) and a.detail.equals(b.detail)
    assert a.long().filter(pl.col("partner_id") == "A")["score"].to_list() == ["13.111111"]


def test_people_rules_and_tracks_per_row_on_spark(tmp_path):
    """People rules (every set of needs against what the people can give it) and the
    roll-ups of a track per row, computed by Spark as by the interpreter."""
    import datetime as dt

    from tests.records.test_assign import PROGRAM as PEOPLE
    from tests.records.test_row_tracks import _folder

    people = tmp_path / "people.tier"
    people.write_text(PEOPLE)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "partners.csv").write_text("partner_id\nP\nQ\nR\n")
    (tmp_path / "data" / "certified.csv").write_text(
        "partner_id,person_id,certification\n"
        "P,a,CCNP Security\nP,a,CCNP Collaboration\nP,b,CCNP Security\nP,b,CCNP Collaboration\nP,c,CCNP Data Center\n"
        "P,d,CCIE Data Center\nQ,a,CCNP Security\nQ,a,CCNP Collaboration\nQ,a,CCNP Data Center\n"
    )
    (tmp_path / "regions").mkdir()
    regions = _folder(tmp_path / "regions")  # the program and its folder of tables
    as_of = dt.date(2024, 6, 1)
    for program, data in ((people, tmp_path / "data"), (regions, tmp_path / "regions")):
        a = evaluate(str(program), str(data), engine="interpreter", as_of=as_of)
        b = evaluate(str(program), str(data), engine="spark", as_of=as_of)
        assert b.engine == "spark" and a.long().equals(b.long())
    assert a.level("P1", "multinational") == "platinum"


def test_spark_checks_records_ranges_as_polars(tmp_path):
    """A records metric outside its range: --engine spark names the same partner, the
    others counted, as the polars stage does."""
    import datetime as dt

    from tests.engine.sql_helpers import RANGED_RECORDS
    from tierlang.records import RecordsRangeError

    program = tmp_path / "ranged.tier"
    program.write_text(RANGED_RECORDS)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "partners.csv").write_text("partner_id\nA\nB\nC\n")
    (tmp_path / "data" / "usage.csv").write_text(
        "partner_id,tenant,month,seats,amount\nA,T1,2023-05-01,1,100\nB,T1,2023-05-01,1,-0.01\nC,T1,2023-05-01,1,-3\n"
    )
    errors = []
    for engine in ("vectorized", "spark"):
        with pytest.raises(RecordsRangeError) as caught:
            evaluate(str(program), str(tmp_path / "data"), engine=engine, as_of=dt.date(2023, 6, 15))
        errors.append(str(caught.value))
    assert errors[0] == errors[1] and "metric 'spend' is -0.01 for partner 'B' (and 1 more partners), below its minimum 0" in errors[0]


@settings(max_examples=5, deadline=None)
@given(histories())
def test_history_on_spark(case):
    """A history's months evaluated by the compiled query in Spark (each row's month its
    evaluation date: dated parameters, rules reading `as_of`) give the polars engine's timelines."""
    text, data, _, _ = case
    a, b = history(text, data, "vectorized"), history(text, data, "spark")
    assert b.engine == "spark" and outcome(a).equals(outcome(b)), text


def test_spark_refuses_the_ids_the_loader_refuses():
    """The raw query (`tier compile --emit sql --dialect spark`) on a table: partner_ids with
    blanks get the loader's TL410 and message (tests/engine/test_sql_blanks.py: DuckDB, PostgreSQL)."""
    from pyspark.errors import PySparkException

    from tierlang.engine.sql import compile_sql
    from tierlang.engine.sql.inputs import DATA_ERROR
    from tierlang.engine.sql.run import spark_session

    prog = load_text(IDS_PROGRAM)
    spark = spark_session()
    sql = compile_sql(prog, "spark").sql(pretty=False)
    for pid, verdict in IDS.items():
        spark.createDataFrame([(pid, 1)], "partner_id string, n long").createOrReplaceTempView("partners")
        try:
            spark.sql(sql).collect()
            got = None
        except PySparkException as e:  # RAISE_ERROR's message is the error's parameter
            found = DATA_ERROR.fullmatch(e.getMessageParameters()["errorMessage"])
            assert found is not None, str(e)
            got = found.group(1), found.group(5)
        assert got == loader_verdict(prog, pid) == id_verdict(pid, verdict), repr(pid)
