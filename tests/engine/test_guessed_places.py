"""Decimal columns of text (CSV) or Float64 read in one pass at places guessed from the first
rows (`scan_dataset(guess=True)`, what `evaluate` does with a file): every value is checked
at the guess in the same pass, and a guess the data does not bear out (a later value with
more places, or no value with as many) sends the file to the reading without guesses. So
the results, the datasets and their scales are those of the two stages, whichever path ran,
and the interpreter agrees."""

from __future__ import annotations

from fractions import Fraction

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import tierlang.data as data
from tests.engine.engine_helpers import load_text, paths_taken
from tests.engine.test_floats import ADVERSARIAL, decimalish
from tierlang.data import DataLoadError, floats, load_dataset, scan_dataset
from tierlang.engine import api, evaluate, evaluate_dataset

PROGRAM = """
program p { version "1" effective 2022-01-01 }
metric pct: percent { range .. }
metric usd: money USD { range .. default 2 USD }
metric share: number { range .. default 0.5 }
metric n: count { range .. default 0 }
track t {
  score s "Score" {
    growth "Growth": points 70 * clamp(pct / 10)
    revenue "Revenue": points min(30, max(0, usd) / 5000 USD)
    shared "Shared": points min(1, max(0, share))
  }
  level a { require s >= 50 and n >= 1 }
}
"""


@pytest.fixture(scope="module")
def prog():
    return load_text(PROGRAM)


@pytest.fixture(autouse=True)
def few_rows(monkeypatch):
    # guess from the first two rows, so that later rows can prove the guess wrong
    monkeypatch.setattr(data, "GUESS_ROWS", 2)


def _csv(path, pct: list[str | None], usd: list[str | None]) -> None:
    def cell(v: str | None) -> str:
        return "" if v is None else f'"{v}"' if "," in v else v

    lines = ["partner_id,pct,usd,share,n"]
    lines += [f"P{i},{cell(p)},{cell(u)},{cell(s)},{i % 3}" for i, (p, u, s) in enumerate(zip(pct, usd, usd[::-1]))]
    path.write_text("\n".join(lines) + "\n")


def _same_as_two_stages(prog, path) -> str:
    """Evaluate `path` as `tier eval` does and as the two stages do: the same results and
    dataset (values and scales), or the same errors. Returns the path `evaluate` took."""
    taken: list[str] = []
    try:
        ds = load_dataset(path, prog)
    except DataLoadError as e:
        with pytest.raises(DataLoadError) as again:
            evaluate(prog, path)
        assert again.value.errors == e.errors
        return "errors"
    with pytest.MonkeyPatch.context() as mp:
        taken = paths_taken(mp, api, "_single_pass", "single pass", "two stages")
        a = evaluate(prog, path)
    b = evaluate_dataset(prog, ds)
    assert a.long().equals(b.long()) and a.long(decimal=True).equals(b.long(decimal=True))
    assert a.dataset.scales == ds.scales and a.dataset.frame.equals(ds.frame)
    assert a.long().equals(evaluate(prog, path, engine="interpreter").long())
    return taken[0]


def test_a_csv_file_takes_the_single_pass(prog, tmp_path):
    path = tmp_path / "d.csv"
    _csv(path, ["12.5", "0.25", "7", "-3.75"], ["1250.50", "", "3", "1.25"])
    assert _same_as_two_stages(prog, path) == "single pass"
    scan = scan_dataset(path, prog, guess=True)
    assert scan is not None and scan.guessed and scan.scales == {"pct": 100, "usd": 100, "share": 100, "n": 1}


@pytest.mark.parametrize(
    ("pct", "usd"),
    [
        (["12.5", "3", "0.125"], ["1", "2", "3"]),  # a later value has more places than the first rows
        (["12.50", "3.10", "0.5"], ["1", "2", "3"]),  # the first rows' places (trailing zeros count) are met by none after
        (["1.5", "2.5", "1e1"], ["1", "2", "3"]),  # an exponent: not a decimal as tierlang reads them (TL405)
        (["1.5", "2.5", " 3"], ["1", "2", "3"]),  # blanks around a value (TL405)
        (["1.5", "2.5", "99999999999999999.5"], ["1", "2", "3"]),  # too large for Int64 at one place: 128 bits
        (["1", "2", "3"], ["", "", "0.25"]),  # no value in the first rows: the defaults' places (usd none, share one)
        (["1", "2", "3"], ["0.25", "", ""]),  # share: a value after the first rows has more places than its default
        (["1", "2", "3"], ["", "", ""]),  # no value at all: the default's places
    ],
)
def test_a_wrong_guess_gives_the_two_stages_result(prog, tmp_path, pct, usd):
    path = tmp_path / "d.csv"
    _csv(path, pct, usd)
    _same_as_two_stages(prog, path)


def test_a_float_column_with_more_places_further_down(prog, tmp_path):
    path = tmp_path / "d.parquet"
    frame = pl.DataFrame(
        {
            "partner_id": ["A", "B", "C", "D"],
            "pct": [12.5, 3.0, 0.125, 1.0],
            "usd": [None, None, 3.0, None],  # nothing in the first rows, an integer default: floats have one place at least
            "share": [None, None, None, 0.25],
            "n": [1, 2, 3, 4],
        },
        schema_overrides={"usd": pl.Float64, "share": pl.Float64},
    )
    frame.write_parquet(path)
    scans = []
    real = data._Loader.scan
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(data._Loader, "scan", lambda self, guess=False: scans.append(guess) or real(self, guess))
        assert _same_as_two_stages(prog, path) == "single pass"
    assert scans == [True, False]  # the guess missed: read again, the float columns' places found first
    frame.with_columns(pl.Series("pct", [12.25, 3.5, 0.5, 1.0])).write_parquet(path)  # the first rows have 2 places, none after
    assert _same_as_two_stages(prog, path) == "single pass"
    assert scan_dataset(path, prog).scales["pct"] == 100


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), 1e17, 1e-6, -5e-6, 3e-7, 9.99e-6])
@pytest.mark.parametrize("first", [12.5, 0.1234567])  # guesses of 1 and 7 places (a value below 1e-5 is proven at 7)
def test_a_float_without_an_exact_reading_after_the_first_rows(prog, tmp_path, bad, first):
    # Guessed places flag such a value as missed (it is never proven at them) or, below 1e-5
    # at many places, as bad: either way the two stages report it, row and column named
    path = tmp_path / "d.parquet"
    pl.DataFrame(
        {"partner_id": ["A", "B", "C"], "pct": [first, 2.5, bad], "usd": [1.0, 2.0, 3.0], "share": [0.5, 0.5, 0.5], "n": [1, 2, 3]},
    ).write_parquet(path)
    assert _same_as_two_stages(prog, path) == "errors"
    with pytest.raises(DataLoadError) as got:
        evaluate(prog, path)
    assert [(e.code, e.row, e.column) for e in got.value.errors] == [("TL412", 3, "pct")]  # Parquet rows count from 1


def _decimal_texts() -> st.SearchStrategy[str | None]:
    digits = st.text("0123456789", min_size=0, max_size=20)
    plain = st.builds(
        lambda s, a, b, point: s + a + (("." + b) if point else "") or "0", st.sampled_from(["", "-", "+"]), digits, digits, st.booleans()
    )
    odd = st.sampled_from(
        ["1e3", "1E3", "2.5e-1", " 2.5", "2.5 ", "nan", "inf", "-inf", ".", "-", ".-5", "1.2.3", "0x10", "1_000", "٣", "12,5"]
    )
    return st.one_of(st.none(), st.just(""), plain, odd, st.builds(lambda x: repr(x), decimalish()))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_decimal_texts(), _decimal_texts()), min_size=1, max_size=8))
@example([("12.5", "1"), ("7", "2.25"), ("1e1", None)])
@example([("12.5", "1"), ("0.05", "2"), ("3.125", "1.50")])
def test_text_decimals_read_in_one_pass_as_in_two(prog, tmp_path, rows):
    path = tmp_path / "d.csv"
    _csv(path, [r[0] for r in rows], [r[1] for r in rows])
    _same_as_two_stages(prog, path)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(decimalish(), st.one_of(st.none(), decimalish())), min_size=1, max_size=8))
@example([(x, x) for x in ADVERSARIAL])
@example([(12.5, 1.0), (3.0, 2.0), (0.1 + 0.2, None)])
def test_float_columns_read_in_one_pass_as_in_two(prog, tmp_path, rows):
    path = tmp_path / "d.parquet"
    pl.DataFrame(
        {
            "partner_id": [f"P{i}" for i in range(len(rows))],
            "pct": [r[0] for r in rows],
            "usd": [r[1] for r in rows],
            "share": [r[1] for r in reversed(rows)],
            "n": [i % 3 for i in range(len(rows))],
        },
        schema_overrides={"pct": pl.Float64, "usd": pl.Float64, "share": pl.Float64},
    ).write_parquet(path)
    _same_as_two_stages(prog, path)


@given(st.lists(decimalish(), min_size=1, max_size=40), st.integers(1, floats.MAX_PLACES))
@settings(max_examples=200)
def test_the_streaming_check_is_the_proof(values, k):
    """`floats.proven` (an expression in the one pass) says what the eager check says."""
    x = pl.DataFrame({"x": pl.Series(values, dtype=pl.Float64)})
    with_n, ok = floats._check(x, k)
    eager = with_n.select(ok).to_series().to_list()
    streamed = x.lazy().select(floats.proven(pl.col("x"), k)).collect().to_series().to_list()
    assert streamed == eager
    for v, good in zip(values, streamed):
        if good:  # the decimal read is the one the float prints as (its shortest text)
            n = round(v * 10**k)
            assert Fraction(pl.Series([v]).cast(pl.String)[0]) == Fraction(int(n), 10**k)


def _scans(mp) -> list[bool]:
    """Record the `guess` of every `_Loader.scan` call (a miss scans again without guesses)."""
    scans: list[bool] = []
    real = data._Loader.scan
    mp.setattr(data._Loader, "scan", lambda self, guess=False: scans.append(guess) or real(self, guess))
    return scans


@pytest.mark.parametrize(
    ("later", "scans"),
    [
        (["-0", "+.5", "5.", "-.5", "0012.50"], [True]),  # the grammar's corners, read through floats
        (["", "12.5"], [True]),  # empty: a missing value (TL403)
        (["999999999999.99", "-99999999999.99"], [True]),  # 15 characters: read through a float
        (["9999999999999.99"], [True, False]),  # 16: read from its digits after a miss
        (["12.5000000000000001"], [True, False]),  # the same float as 12.5, but 16 places
        (["0.1", "0.7", "2.675", "1.005", "4.35"], [True, False]),  # a third place in 2.675 and 1.005
        (["1e3"], [True]),  # an exponent: TL405, found in the one pass
        (["1E-1"], [True]),
        ([" 12.50"], [True]),  # blanks around a value: TL405 (polars' parse refuses them too)
        (["12.50 "], [True]),
        (["Infinity"], [True, False]),  # polars' parse reads it: never proven, missed, then TL405
        (["nan"], [True, False]),
        (["-inf"], [True, False]),
    ],
)
def test_text_decimals_at_the_edges_of_the_float_reading(prog, tmp_path, later, scans):
    # the first rows guess 2 places for pct; `later` follows
    path = tmp_path / "d.csv"
    _csv(path, ["12.25", "3.75", *later], ["1", "2", *["3"] * len(later)])
    with pytest.MonkeyPatch.context() as mp:
        got = _scans(mp)
        _same_as_two_stages(prog, path)
    assert got[: len(scans)] == scans  # the one pass, and the scan without guesses after a miss


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.from_regex(r"[+-]?[0-9]{1,7}(\.[0-9]{0,6})?", fullmatch=True), min_size=1, max_size=12))
@example(["0.1", "0.2", "0.3", "1234567.999999", "-0.000001", "2.675", "9999999.5"])
def test_short_text_decimals_read_through_floats(prog, tmp_path, texts):
    """Texts of at most 15 characters at places the first rows guess (6: `0.000001` first)
    are read through the float nearest to each, in one pass, with the digits of their text."""
    path = tmp_path / "d.csv"
    _csv(path, ["0.000001", "1", *texts], ["1", "2", *["3"] * len(texts)])
    with pytest.MonkeyPatch.context() as mp:
        got = _scans(mp)
        assert _same_as_two_stages(prog, path) == "single pass"
    assert got[:1] == [True] and False not in got  # no miss: every value read at the guess
