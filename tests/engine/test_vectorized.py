"""The vectorized engine's own concerns: integer width, overflow fallback, score text,
detail columns, and agreement with the interpreter on the fixture program."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.engine.engine_helpers import FIXTURES, load_fixture, load_text
from tierlang.data import from_frame, load_dataset
from tierlang.engine import evaluate, evaluate_dataset
from tierlang.engine.results import SCORE_DECIMAL, decimal_text, decimal_text_expr, decimal_value_expr
from tierlang.engine.vectorized import compile_program, magnitudes_of

BIG = """
program p { version "1" effective 2022-01-01 }
metric usd: money USD { range .. }
metric n: count { range .. }
track t {
  score s { a: points min(20, max(0, usd) / 1250 USD)  b: points n * 1000000 }
  level l { require s >= 20  require usd > 1000000000000 USD }
}
"""


def both(prog, frame):
    ds = from_frame(frame, prog)
    return evaluate_dataset(prog, ds, engine="interpreter", detail=True), evaluate_dataset(prog, ds, detail=True), ds


def test_int128_when_values_need_it():
    prog = load_text(BIG)
    frame = pl.DataFrame({"partner_id": ["a", "b"], "usd": ["123456789012345678901.25", "5"], "n": ["1", "0"]})
    a, b, ds = both(prog, frame)
    compiled = compile_program(prog, ds.scales, magnitudes_of(ds.frame, list(ds.scales)))
    assert compiled.itype == pl.Int128 and not compiled.checks
    assert list(a.rows()) == list(b.rows()) and b.fallback_rows == 0


def test_int64_for_ordinary_values():
    prog = load_text(BIG)
    ds = from_frame(pl.DataFrame({"partner_id": ["a"], "usd": ["1250.50"], "n": ["3"]}), prog)
    compiled = compile_program(prog, ds.scales, magnitudes_of(ds.frame, list(ds.scales)))
    assert compiled.itype == pl.Int64 and not compiled.checks


def test_rows_beyond_int128_fall_back_to_the_interpreter():
    prog = load_text(BIG)
    huge = "9" * 36  # n * 1,000,000 overflows even 128 bits' headroom for score * 10^6
    frame = pl.DataFrame({"partner_id": ["a", "b"], "usd": ["1", "2"], "n": ["1", "1"]})
    ds = from_frame(frame, prog)
    # counts are Int64 in a dataset; put the huge value in a decimal column instead
    prog2 = load_text(BIG.replace("metric n: count { range .. }", "metric n: number { range .. }"))
    frame2 = pl.DataFrame({"partner_id": ["a", "b"], "usd": ["1", "2"], "n": [huge, "1"]})
    a, b, _ = both(prog2, frame2)
    assert b.fallback_rows == 1
    assert list(a.rows()) == list(b.rows())
    assert b.score("a", "t") == Fraction(int(huge) * 1000000) + Fraction(1, 1250)
    assert ds.frame.height == 2


def test_scores_beyond_int128_arithmetic_still_become_decimals_when_they_fit():
    prog = load_text(BIG.replace("metric n: count { range .. }", "metric n: number { range .. }"))
    n = "90000000000000000000000000.5"  # score 9e31 + 500000: beyond Int128 text arithmetic, within 32 digits
    a, b, _ = both(prog, pl.DataFrame({"partner_id": ["a", "b"], "usd": ["1", "2"], "n": [n, "1"]}))
    for ev in (a, b):
        assert ev.scores["t"].exact  # kept as a Fraction on the side
        long = ev.long(decimal=True)
        assert long["score"].to_list() == [Decimal("90000000000000000000000000500000.0008"), Decimal("1000000.0016")]
        assert long["score"].cast(pl.String).str.strip_chars_end("0").str.strip_chars_end(".").to_list() == ev.long()["score"].to_list()


def test_decimal_text_rules():
    assert decimal_text(Fraction(200, 3)) == "66.666667"
    assert decimal_text(Fraction(105, 2)) == "52.5"
    assert decimal_text(Fraction(70)) == "70"
    assert decimal_text(Fraction(-1, 3)) == "-0.333333"
    assert decimal_text(Fraction(1, 8_000_000)) == "0"  # 0.000000125 -> half-even to 6 places
    assert decimal_text(Fraction(5, 10_000_000)) == "0"  # exactly half: rounds to even
    assert decimal_text(Fraction(15, 10_000_000)) == "0.000002"
    assert decimal_text(Fraction(-25, 10_000_000)) == "-0.000002"


@given(st.integers(-(10**15), 10**15), st.sampled_from([1, 2, 3, 7, 100, 375000, 400, 700, 2**5 * 5**3, 10**7]))
def test_decimal_text_expr_matches_python(v, scale):
    frame = pl.DataFrame({"v": [v]})
    expected = decimal_text(Fraction(v, scale))
    for wide in (False, True):
        if not wide and abs(v) * 10**6 >= 2**63:
            continue
        got = frame.select(decimal_text_expr(pl.col("v"), scale, wide=wide).alias("t"))["t"][0]
        assert got == expected, (v, scale, wide)


@given(
    st.one_of(st.integers(-(10**15), 10**15), st.integers(-(2**126) // 10**6, 2**126 // 10**6)),
    st.sampled_from([1, 2, 3, 7, 100, 375000, 400, 700, 2**5 * 5**3, 10**7]),
)
def test_decimal_value_expr_is_the_text_as_a_number(v, scale):
    # Parquet stores scores as DECIMAL(38, 6): the same rounding, the same value as the text
    frame = pl.DataFrame({"v": [v]}, schema={"v": pl.Int128})
    expected = Decimal(decimal_text(Fraction(v, scale)))
    for wide in (False, True):
        if not wide and abs(v) * 10**6 >= 2**63:
            continue
        got = frame.select(decimal_value_expr(pl.col("v"), scale, wide=wide).alias("d"))
        assert got.schema["d"] == SCORE_DECIMAL
        assert got["d"][0] == expected, (v, scale, wide)


def test_fixture_dataset_both_engines_and_detail():
    prog = load_fixture("designations.tier")
    ds = load_dataset(FIXTURES / "partners.csv", prog)
    a = evaluate_dataset(prog, ds, engine="interpreter", detail=True)
    b = evaluate_dataset(prog, ds, detail=True)
    assert a.long().equals(b.long())
    assert a.detail.equals(b.detail)
    cols = {r.column: r for r in b.requirements}
    total = cols["req:data:-:designated:0"]
    assert total.label == "total" and total.track == "data" and total.level == "designated"
    assert b.detail["req:data:-:designated:0"].to_list() == [True, False, False, False, True]


def test_public_api_from_paths():
    import tierlang

    ev = tierlang.evaluate(FIXTURES / "designations.tier", FIXTURES / "partners.csv")
    assert ev.level("P1", "data") == "designated" and ev.score("P2", "security") == 70
    assert ev.metadata()["program"] == "designations" and len(ev.metadata()["content_hash"]) == 64
    long = ev.long()
    assert long.columns == ["partner_id", "track", "level", "score"] and long.height == 5 * 6
    assert ev.summary()["status"] == {None: 0, "member": 2, "partner": 3, "cloud": 0}
    assert evaluate(FIXTURES / "designations.tier", FIXTURES / "partners.csv", engine="interpreter").long().equals(long)


def test_dates_enums_bools_and_derived_conditions():
    prog = load_text(
        """
program p { version "1" effective 2022-01-01 }
metric since: date
metric tier: enum(bronze < silver < gold)
metric kind: enum(isv, si, msp)
metric audited: bool
metric a: count
metric b: count
metric both: number = a + b * 2
metric big: bool = a >= 3
track t {
  level one { require since <= 2021-06-30 }
  level two { require tier >= silver and kind != msp }
  level three { require any { audited == true, big }  require both > 4.5 }
}
"""
    )
    frame = pl.DataFrame(
        {
            "partner_id": ["p1", "p2", "p3", "p4"],
            "since": ["2021-06-30", "2021-07-01", "2020-01-01", "2019-05-05"],
            "tier": ["gold", "silver", "bronze", "silver"],
            "kind": ["isv", "msp", "si", "si"],
            "audited": ["false", "true", "true", "false"],
            "a": ["3", "0", "1", "2"],
            "b": ["1", "3", "1", "1"],
        }
    )
    a, b, _ = both(prog, frame)
    assert list(a.rows()) == list(b.rows())
    assert b.levels["t"].to_list() == ["three", None, "one", "two"]
    assert a.detail.equals(b.detail)


@pytest.mark.parametrize("shape", ["variants", "classified"])
def test_many_variants_agree_with_the_interpreter(shape, tmp_path):
    # more branches than FLAT_CASE: the flat form of a case (first true branch, then a pick)
    from tests.resources.shapes import columns, program
    from tierlang.engine.vectorized import FLAT_CASE

    n = 2 * FLAT_CASE + 3
    prog = load_text(program(shape, n))
    cols = columns(shape, n)
    rows = [",".join([f"P{k}", *(str(k * (j + 3) % (n + 2)) for j in range(len(cols)))]) for k in range(60)]
    (tmp_path / "d.csv").write_text("\n".join([",".join(["partner_id", *cols]), *rows]) + "\n")
    ds = load_dataset(tmp_path / "d.csv", prog)
    levels = {e: evaluate_dataset(prog, ds, engine=e).long().sort("partner_id") for e in ("vectorized", "interpreter")}
    assert levels["vectorized"].equals(levels["interpreter"])
    assert levels["vectorized"]["level"].n_unique() > 1


def test_best_of_many_variants_takes_memory_linear_in_them(tmp_path):
    # polars' when/then chain of 400 branches (which variant is the best) took 331 MB and 1 s
    # for 20 partners: its memory grew with the square of the variants (47 MB flat)
    from tests.resources.memory import peak_growth_mb

    setup = f"""
        from tests.resources.shapes import data, program
        from tierlang import load_program
        from tierlang.data import load_dataset
        from tierlang.engine import evaluate_dataset
        p = {str(tmp_path)!r}
        def load(n):
            open(p + f'/d{{n}}.csv', 'w').write(data('variants', n))
            prog = load_program('p.tier', text=program('variants', n), checks=False).program
            return prog, load_dataset(p + f'/d{{n}}.csv', prog)
        evaluate_dataset(*load(4), engine='vectorized').long()
        prog, ds = load(400)
    """
    grown = peak_growth_mb(setup, "evaluate_dataset(prog, ds, engine='vectorized').long()")
    if grown is None:
        pytest.skip("no peak-memory reset on this system (/proc/self/clear_refs)")
    assert grown < 150
