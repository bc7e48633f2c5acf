"""Generated values respect every declaration: types, ranges, exact decimals, the
consistency constraints; and the population has the structure it claims (heavy-tailed size,
correlation through size, clustering at thresholds, anniversaries over a year)."""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction

import polars as pl
import pytest

from tests.synth.conftest import SHIPPED, load_text
from tierlang import ir
from tierlang.synth import synthesize, write_population

ROWS = 20_000

_DTYPES = {
    ir.Kind.COUNT: lambda d: d == pl.Int64,
    ir.Kind.BOOL: lambda d: d == pl.Boolean,
    ir.Kind.DATE: lambda d: d == pl.Date,
    ir.Kind.ENUM: lambda d: d == pl.String,
    ir.Kind.NUMBER: lambda d: isinstance(d, pl.Decimal),
    ir.Kind.PERCENT: lambda d: isinstance(d, pl.Decimal),
    ir.Kind.MONEY: lambda d: isinstance(d, pl.Decimal),
}


def check_declarations(frame: pl.DataFrame, programs: list[ir.Program]) -> None:
    """Every input metric of every program: its column exists, has the kind's dtype, no
    nulls, and every value is within the declared range (and is a declared enum value)."""
    for program in programs:
        for m in program.input_metrics:
            col = m.column or m.name
            assert col in frame.columns, f"{program.name}: column {col} missing"
            series = frame[col]
            assert _DTYPES[m.type.kind](series.dtype), f"{col}: {series.dtype} for a {m.type}"
            assert series.null_count() == 0, f"{col} has nulls"
            if m.type.kind is ir.Kind.ENUM:
                assert set(series.unique()) <= set(m.type.values), col
            if m.type.is_numeric:
                lo, hi = series.min(), series.max()
                if m.minimum is not None:
                    assert Fraction(lo) >= m.minimum, f"{col}: {lo} below {m.minimum}"
                if m.maximum is not None:
                    assert Fraction(hi) <= m.maximum, f"{col}: {hi} above {m.maximum}"


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_program_alone(programs, name):
    frame = synthesize([programs[name]], ROWS, seed=3).frame
    check_declarations(frame, [programs[name]])


def test_all_shipped_programs_together(programs):
    progs = [programs[n] for n in SHIPPED]
    frame = synthesize(progs, ROWS, seed=4).frame
    check_declarations(frame, progs)
    assert frame.columns[0] == "partner_id" and frame["partner_id"].n_unique() == ROWS
    # Negative values only where the range allows them (checked above), and they occur.
    assert (frame["data_ai_net_customer_adds"] < 0).any()
    assert (frame["data_ai_usage_growth_pct"] < 0).any()


ALL_KINDS = """program kinds { version "1" effective 2021-03-01 }
metric people: count { range 1..40 }
metric delta: count { range -5..5 }
metric ratio: number { range 0.5..2.5 }
metric share: percent { range 0..100 }
metric revenue: money EUR
metric audited: bool
metric joined: date
metric tier_band: enum(bronze < silver < gold)
metric region: enum(americas, emea, apac)
track t {
  score s {
    a: points 10 * clamp(people / 12)
    b: points 10 * clamp(ratio / 1.75)
    c: points min(10, revenue / 1000 EUR)
  }
  level l {
    require s >= 15
    require delta > -2
    require share >= 33.3
    require audited
    require joined < 2020-06-01
    require tier_band >= silver
    require region != apac
  }
}
"""


def test_every_kind_and_fractional_ranges(tmp_path):
    program = load_text(tmp_path, ALL_KINDS)
    frame = synthesize([program], 5_000, seed=1).frame
    check_declarations(frame, [program])
    assert frame["people"].min() >= 1  # the resting value is the range minimum, not 0
    assert frame["delta"].min() >= -5 and frame["delta"].max() <= 5
    assert set(frame["tier_band"].unique()) == {"bronze", "silver", "gold"}
    assert set(frame["region"].unique()) == {"americas", "emea", "apac"}
    assert frame["audited"].any() and not frame["audited"].all()
    joined = frame["joined"]
    assert joined.max() <= dt.date(2021, 3, 1) and joined.min() >= dt.date(2019, 3, 1)
    # Values cluster at the date threshold: partners aiming for "before 2020-06-01".
    assert (joined == dt.date(2020, 5, 31)).sum() > 3 * (joined == dt.date(2020, 5, 1)).sum()


def test_decimals_are_written_exactly(tmp_path, programs):
    """Decimal columns are written with exactly their decimal places and no binary-float
    artefacts (CSV text checked against the exact Decimal values)."""
    pop = synthesize([programs["cloudpartner2022"], programs["mpn2010"]], 5_000, seed=7)
    write_population(pop.frame, tmp_path / "p.csv", "csv")
    text = pl.read_csv(tmp_path / "p.csv", infer_schema=False)
    assert pop.decimals  # there are decimal columns
    for col, places in pop.decimals.items():
        pattern = re.compile(r"-?\d+" + (rf"\.\d{{{places}}}" if places else "") + "$")
        written = text[col].to_list()
        assert all(pattern.match(v) for v in written), col
        assert [str(v) for v in pop.frame[col].to_list()] == written


def test_constraints_hold(programs):
    frame = synthesize([programs["mspp2009"], programs["mpn2010"]], ROWS, seed=5).frame
    assert (frame["csat_max_responses_one_customer"] <= frame["csat_responses_12m"]).all()
    people = frame["certified_individuals_1pt"] + frame["certified_individuals_2pt"] + frame["certified_individuals_3pt"]
    assert (frame["exclusive_certified_professionals"] <= people).all()
    for track in programs["mpn2010"].tracks:
        if f"{track.name}_gold_unique_mcps" in frame.columns:
            assert (frame[f"{track.name}_gold_unique_mcps"] <= frame[f"{track.name}_certified_professionals"]).all()


# ------------------------------------------------------------------ structure


@pytest.fixture(scope="module")
def population(programs):
    return synthesize([programs[n] for n in ("mspp2009", "mpn2010", "cloudpartner2022")], 43_000, seed=0)


def test_size_is_heavy_tailed(population):
    size = population.frame["employees"].sort(descending=True)
    assert size.median() <= 5  # many small partners ...
    assert size[: len(size) // 100].sum() > 0.3 * size.sum()  # ... and a few large ones


def test_metrics_rise_with_size(population):
    engaged = population.frame.filter(pl.col("competencies_held") > 0)
    rho = engaged.select(
        pl.corr("employees", "competencies_held", method="spearman").alias("a"),
        pl.corr("employees", "certified_individuals_3pt", method="spearman").alias("b"),
        pl.corr("customer_references", "certified_individuals_1pt", method="spearman").alias("c"),
    ).row(0)
    assert all(r > 0.15 for r in rho), rho


@pytest.mark.parametrize(
    "column,at,below",
    [
        ("customer_references", 10, 9),  # 20 points at 10 references (mspp2009)
        ("csat_responses_12m", 10, 9),  # Gold Certified's 10 responses
        ("data_ai_intermediate_certified", 10, 9),  # 40 points at 10 people (cloudpartner2022)
    ],
)
def test_values_cluster_at_thresholds(population, column, at, below):
    values = population.frame[column]
    assert (values == at).sum() > 1.5 * (values == below).sum()


def test_money_clusters_around_its_threshold(population):
    revenue = population.frame["erp_license_revenue_usd"].cast(pl.Float64)
    near = ((revenue >= 49_000) & (revenue <= 51_500)).sum()
    just_below = ((revenue >= 45_000) & (revenue < 47_500)).sum()
    assert near > 2 * just_below


def test_segments_follow_their_tracks(population):
    frame = population.frame
    dyn = frame.filter(pl.col("dynamics_partner"))
    other = frame.filter(~pl.col("dynamics_partner"))
    assert (dyn["erp_certified_professionals"] > 0).mean() > 10 * (other["erp_certified_professionals"] > 0).mean()


def test_anniversaries_spread_over_a_year(population):
    ann = population.frame["anniversary"]
    anchor = population.anchor
    assert ann.min() >= anchor and ann.max() < anchor.replace(year=anchor.year + 1)
    months = ann.dt.month().value_counts()["count"]
    assert len(months) == 12 and months.max() < 1.25 * months.min()
