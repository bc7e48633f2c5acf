"""Dates in rules: `as_of`, durations, `date ± duration`, in both engines alike."""

from __future__ import annotations

import datetime as _dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tierlang import dates, ir
from tierlang.engine import evaluate
from tierlang.loader import load_program

from .engine_helpers import load_text

D = _dt.date


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # a leap day a year on: the last day of February
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 3, 31), -1, D(2024, 2, 29)),
        (D(2025, 2, 28), -12, D(2024, 2, 28)),  # not reversible at month ends
        (D(2023, 12, 15), 1, D(2024, 1, 15)),
        (D(2023, 1, 15), -13, D(2021, 12, 15)),
    ],
)
def test_month_arithmetic(start, months, expected):
    assert dates.add_months(start, months) == expected


def test_shift_applies_months_then_days():
    assert dates.shift(D(2024, 1, 31), ir.Duration(months=1, days=1)) == D(2024, 3, 1)
    assert dates.shift(D(2024, 3, 1), ir.Duration(days=1), -1) == D(2024, 2, 29)
    with pytest.raises(OverflowError):
        dates.add_months(D(9999, 12, 1), 1)


@given(
    st.dates(min_value=D(1900, 1, 1), max_value=D(2200, 12, 31)),
    st.integers(-400, 400),
    st.integers(-800, 800),
)
def test_polars_offsets_agree_with_python(day, months, days):
    """The vectorized engine moves dates with polars' offset_by: it must clamp as we do."""
    by = ir.Duration(months=abs(months), days=abs(days))
    for sign in (1, -1):
        expr = pl.lit(day, pl.Date)
        for off in dates.offset_text(by, sign):
            expr = expr.dt.offset_by(off)
        assert pl.select(expr).item() == dates.shift(day, by, sign)


def test_month_helpers():
    assert list(dates.month_range(D(2023, 11, 20), D(2024, 2, 1))) == [D(2023, 11, 1), D(2023, 12, 1), D(2024, 1, 1), D(2024, 2, 1)]
    assert dates.months_between(D(2023, 1, 31), D(2023, 3, 1)) == 2
    assert dates.month_text(D(2023, 9, 19)) == "2023-09"


VALIDITY = """
program validity { version "1" effective 2024-02-29 }
param validity "Certification validity" = 12 months { source "Cisco: valid 12 months from approval" }
metric approved_on "Approved on": date
metric references: count
track certification {
  level certified {
    require valid: approved_on + validity > as_of
    # renewals from 2015-08-01 skip the reference requirement
    require references >= 3 or as_of >= 2015-08-01
  }
}
"""


@pytest.mark.parametrize("engine", ["vectorized", "interpreter"])
def test_engines_agree_on_dated_rules(engine):
    prog = load_text(VALIDITY)
    frame = pl.DataFrame(
        {
            "partner_id": ["A", "B", "C", "D"],
            "approved_on": [D(2023, 3, 1), D(2023, 2, 28), D(2024, 2, 29), D(2023, 2, 1)],
            "references": [0, 5, 0, 5],
        }
    )
    ev = evaluate(prog, frame, engine=engine)
    assert ev.levels["certification"].to_list() == ["certified", None, "certified", None]
    # a year after a leap day: 2024-02-29 + 12 months is 2025-02-28, which is not after itself
    later = load_program("v.tier", as_of=D(2025, 2, 28), text=VALIDITY, checks=False).program
    assert evaluate(later, frame.filter(pl.col("partner_id") == "C"), engine=engine).levels["certification"].to_list() == [None]
    earlier = load_program("v.tier", as_of=D(2025, 2, 27), text=VALIDITY, checks=False).program
    assert evaluate(earlier, frame.filter(pl.col("partner_id") == "C"), engine=engine).levels["certification"].to_list() == ["certified"]
    # before 2015-08-01 the references count
    old = load_program("v.tier", as_of=D(2015, 7, 31), text=VALIDITY, checks=False).program
    recent = frame.with_columns(pl.lit(D(2015, 1, 1)).alias("approved_on"))
    assert evaluate(old, recent, engine=engine).levels["certification"].to_list() == [None, "certified", None, "certified"]


def test_constant_dates_fold():
    prog = load_text(
        """
program p { version "1" effective 2024-01-01 }
metric joined: date
track t { level l { require joined <= 2015-08-01 + 1 year - 1 day } }
"""
    )
    (req,) = prog.track_map["t"].variants[0].levels[0].requirements
    assert req.expr == ir.Compare("<=", ir.MetricRef("joined"), ir.Const(D(2016, 7, 31), ir.Type(ir.Kind.DATE)))


def test_as_of_without_a_date_is_an_evaluation_error():
    from tierlang.engine.interpreter import EvaluationError

    prog = load_text('program p { version "1" }\nmetric joined: date\ntrack t { level l { require joined <= as_of } }\n')
    frame = pl.DataFrame({"partner_id": ["A"], "joined": [D(2020, 1, 1)]})
    for engine in ("vectorized", "interpreter"):
        with pytest.raises(EvaluationError, match="evaluation date"):
            evaluate(prog, frame, engine=engine)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("joined - as_of >= 0", "dates cannot be subtracted"),
        ("joined + 3 <= as_of", "a date moves only by a duration"),
        ("joined * 2 <= as_of", "a date moves only by a duration"),
        ("12 months - joined <= as_of", "a duration minus a date"),
        ("joined + (1 month + 1 month) <= as_of", "does not combine two durations"),
        ("people + 1 month >= 2", "a duration only moves a date"),
        ("as_of.year >= 2", "has no parts"),
    ],
)
def test_date_arithmetic_errors(rule, message):
    text = f'program p {{ version "1" }}\nmetric joined: date\nmetric people: count\ntrack t {{ level l {{ require {rule} }} }}\n'
    r = load_program("p.tier", text=text, checks=False)
    assert not r.ok
    assert any(message in d.message for d in r.errors), [d.message for d in r.errors]


def test_as_of_is_reserved():
    r = load_program("p.tier", text='program p { version "1" }\nmetric as_of: date\n', checks=False)
    assert [d.code for d in r.errors] == ["TL201"]
    assert "evaluation date" in r.errors[0].message


def test_durations_format_and_parse():
    from tierlang.syntax.formatter import format_module
    from tierlang.syntax.parser import parse

    text = 'program p { version "1" }\nparam a = 1 year\nparam b = 30 days\nmetric d: date\ntrack t { level l { require d + 1 month >= as_of - b } }\n'
    module = parse(text, "p.tier").module
    out = format_module(module)
    assert "param a = 1 year" in out and "d + 1 month >= as_of - b" in out
    assert parse(out, "p.tier").module == module
    r = load_program("p.tier", text='program p { version "1" }\nparam a = 1.5 months\n', checks=False)
    assert not r.ok and "whole number" in r.errors[0].message
