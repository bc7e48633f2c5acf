"""Float64 columns read as exact decimals without text (`tierlang.data.floats`): the same
digits as the text reading (polars prints the float, the text is parsed) on adversarial
doubles, the same bad values, and the same datasets and results whichever path reads them."""

from __future__ import annotations

import math
import struct
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.engine.engine_helpers import load_text
from tierlang.data import DataLoadError, floats, from_frame, load_dataset, scan_dataset
from tierlang.engine import evaluate, evaluate_dataset

ADVERSARIAL = [
    0.1 + 0.2,
    0.1,
    1e22,
    1e16,
    9999999999999998.0,
    1e15,
    999999999999999.9,
    123456789012345.6,
    2.0**53,
    2.0**53 + 2,
    -0.0,
    0.0,
    5e-324,
    2.2250738585072014e-308,
    1e-5,
    9.999999999999999e-6,
    1.0000000000000002e-5,
    1.5e-7,
    0.00001234,
    100.0,
    12.345,
    -531 / 100,
    1e300,
    1.7976931348623157e308,
]


def _text_reading(x: float) -> tuple[Fraction, int] | None:
    """The reference: polars' text of the float, parsed as the text reader parses it
    (digits without the point, places after it); None where it does not parse."""
    t = pl.Series([x], dtype=pl.Float64).cast(pl.String)[0]
    if "e" in t or not any(c.isdigit() for c in t) or t.lower() in ("nan", "inf", "-inf"):
        return None
    point = t.find(".")
    places = 0 if point < 0 else len(t) - point - 1
    return Fraction(int(t.replace(".", "")), 10**places), places


def _bits(n: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", n))[0]


def decimalish() -> st.SearchStrategy[float]:
    """Doubles as data holds them: decimals of a few places, their sums and products (the
    0.1 + 0.2 kind), any bit pattern, and the edges of the fast and the exponent forms."""
    places = st.integers(0, 8)
    dec = st.builds(lambda n, k: n / 10**k, st.integers(-(10**12), 10**12), places)
    return st.one_of(
        dec,
        st.builds(lambda a, b: a + b, dec, dec),
        st.builds(lambda a, b: a * b, dec, dec),
        st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True),
        st.builds(_bits, st.integers(0, 2**64 - 1)),
        st.sampled_from(ADVERSARIAL),
        st.builds(lambda e, m: m * 10.0**e, st.integers(-7, 17), st.floats(1, 10)),
    )


@given(st.lists(decimalish(), min_size=1, max_size=40))
@settings(max_examples=300)
@example(ADVERSARIAL)
@example([math.nan, math.inf, -math.inf])
def test_decompose_gives_the_texts_digits(values):
    x = pl.Series("x", values, dtype=pl.Float64)
    bad = x.to_frame().select(floats.no_exact_reading(pl.col("x"))).to_series()
    refs = [_text_reading(v) for v in values]
    # the same values have no exact reading
    assert bad.to_list() == [r is None for r in refs]
    found = floats.decompose(x, ~bad)
    for v, r, d, k in zip(values, refs, found.digits.to_list(), found.places.to_list()):
        if r is None:
            assert d is None and k is None
        else:
            assert Fraction(d, 10**k) == r[0], (v, d, k, r)
    good = [r for r in refs if r is not None]
    if good:
        # the column's places (the most any value's text has) come out the same
        assert found.places.max() == max(p for _, p in good)
    k = floats.column_places(x)
    if k is not None:
        assert not bad.any() and k == max(p for _, p in good)
        scaled = x.to_frame().select(floats.scaled(pl.col("x"), k)).to_series().to_list()
        assert [Fraction(s, 10**k) for s in scaled] == [r[0] for r in refs]


@pytest.mark.parametrize(
    ("values", "places"),
    [([12.5, 0.25, 3.0], 2), ([100.0, 2500.0], 1), ([1e-5, 0.5], 5), ([-0.0, 0.0], 1), ([1e15 - 1, 0.5], None)],
)
def test_column_places(values, places):
    assert floats.column_places(pl.Series(values, dtype=pl.Float64)) == places


PROGRAM = """
program p { version "1" effective 2022-01-01 }
metric pct: percent { range .. }
metric usd: money USD { range .. default 0 USD }
track t {
  score s "Score" {
    growth "Growth": points 70 * clamp(pct / 10)
    revenue "Revenue": points min(30, max(0, usd) / 5000 USD)
  }
  level a { require s >= 50 }
}
"""


@pytest.fixture(scope="module")
def prog():
    return load_text(PROGRAM)


def _frames(values: list[float]) -> tuple[pl.DataFrame, pl.DataFrame]:
    ids = [f"P{i}" for i in range(len(values))]
    usd = [None if i % 3 == 0 else v for i, v in enumerate(reversed(values))]
    floats_ = pl.DataFrame({"partner_id": ids, "pct": values, "usd": usd}, schema_overrides={"pct": pl.Float64, "usd": pl.Float64})
    return floats_, floats_.with_columns(pl.col("pct", "usd").cast(pl.String))


@given(st.lists(decimalish(), min_size=1, max_size=12))
@settings(max_examples=60, deadline=None)
def test_a_float_column_loads_as_its_text_does(prog, tmp_path_factory, values):
    as_floats, as_text = _frames(values)
    try:
        text = from_frame(as_text, prog, on_error="report")
    except DataLoadError as e:  # too many digits for the column: so for both
        with pytest.raises(DataLoadError):
            from_frame(as_floats, prog, on_error="report")
        assert e.errors
        return
    read = from_frame(as_floats, prog, on_error="report")
    # the same rows rejected, the same values and scales for the others
    assert sorted({e.row for e in read.errors}) == sorted({e.row for e in text.errors})
    assert read.scales == text.scales
    assert read.frame.equals(text.frame)
    # and a Parquet file of the floats, which may take the single pass, evaluates the same
    path = tmp_path_factory.mktemp("floats") / "d.parquet"
    as_floats.write_parquet(path)
    if not text.errors:
        a = evaluate(prog, path)
        b = evaluate_dataset(prog, text)
        assert a.long().equals(b.long())


def test_a_clean_float_file_takes_the_single_pass(prog, tmp_path):
    path = tmp_path / "d.parquet"
    pl.DataFrame({"partner_id": ["A", "B", "C"], "pct": [12.5, 0.1 + 0.2, 7.0], "usd": [1250.5, 3.0, None]}).write_parquet(path)
    # 0.30000000000000004 needs its text (17 places): the two stages read it
    assert scan_dataset(path, prog) is None
    pl.DataFrame({"partner_id": ["A", "B", "C"], "pct": [12.5, 0.3, 7.0], "usd": [1250.5, 3.0, None]}).write_parquet(path)
    scan = scan_dataset(path, prog)
    assert scan is not None and scan.scales == {"pct": 10, "usd": 10}
    ds = load_dataset(path, prog)
    assert ds.scales == scan.scales
    assert dict(ds.rows())["B"] == {"pct": Fraction(3, 10), "usd": 3}


def test_floats_without_an_exact_reading_are_errors(prog, tmp_path):
    path = tmp_path / "d.parquet"
    pl.DataFrame(
        {"partner_id": ["A", "B", "C", "D"], "pct": [1.0, math.nan, 1e16, 1.5e-7], "usd": [math.inf, 1.0, 1.0, 1.0]}
    ).write_parquet(path)
    with pytest.raises(DataLoadError) as info:
        load_dataset(path, prog)
    got = sorted((e.row, e.column, e.code, e.message.split(": ", 1)[1]) for e in info.value.errors)
    assert got == [
        (1, "usd", "TL412", "inf cannot be read as an exact decimal"),
        (2, "pct", "TL412", "NaN cannot be read as an exact decimal"),
        (3, "pct", "TL412", "1e+16 cannot be read as an exact decimal"),
        (4, "pct", "TL412", "1.5e-7 cannot be read as an exact decimal"),
    ]
