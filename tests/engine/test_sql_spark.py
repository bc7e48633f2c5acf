"""`--engine spark`: the compiled query in Spark local mode (one SparkSession for the whole
test session, ~15 s to start), against the interpreter: generated programs and data, huge
values, the Cloud Partner Program's example partners."""

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
    LITERAL_POINTS,
    LITERAL_POINTS_DATA,
    ONE_SCORED_BEST,
    ONE_SCORED_BEST_DATA,
)
from tests.engine.strategies import programs_with_data
from tierlang.data import from_frame, load_dataset
from tierlang.engine import evaluate_dataset
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
