"""The default population reproduces the seed article's figures for the old program.

Seed article (reference/seeds/000_*.txt, Redmond Channel Partner, November 2010): about
430,000 unique organizations; about 35,000 partners at the old Gold Certified and Certified
levels, split about 50/50; Dynamics partners about 70/30 Gold Certified / Certified.

The figures are computed by evaluating programs/mspp2009.tier with the real engine
(`tierlang.evaluate`) on the default population: the shipped calibration, seed 0.

To keep the suite fast the test evaluates a 10% sample: the first 43,000 rows, which are
exactly the first 43,000 partners of the full 430,000-row population (a partner's values do
not depend on --rows, see test_determinism.py), and scales the counts by 10. One standard error of
sampling at this size: about 1.7% of the total, 0.01 on the Gold share and 0.035 on the
Dynamics share (the smallest group, about 190 partners), well inside the ±10% tolerance. docs/synth.md records the figures of the full population.
"""

from __future__ import annotations

import polars as pl
import pytest

import tierlang
from tierlang.synth import load_calibration, synthesize

SAMPLE = 43_000
TOLERANCE = 0.10


def _close(measured: float, published: float) -> bool:
    return abs(measured - published) <= TOLERANCE * published


@pytest.fixture(scope="module")
def figures(programs):
    organizations = load_calibration()["population"]["organizations"]
    scale = organizations / SAMPLE
    mspp = programs["mspp2009"]
    frame = synthesize([mspp], SAMPLE, seed=0).frame
    evaluation = tierlang.evaluate(mspp, frame, engine="vectorized")
    levels = (
        evaluation.long().filter(pl.col("track") == "partner_level").join(frame.select("partner_id", "dynamics_partner"), on="partner_id")
    )
    held = levels.filter(pl.col("level").is_in(["certified", "gold_certified"]))
    dynamics = held.filter(pl.col("dynamics_partner"))
    return {
        "organizations": frame.height * scale,
        "held": held.height * scale,
        "gold_share": (held["level"] == "gold_certified").mean(),
        "dynamics_gold_share": (dynamics["level"] == "gold_certified").mean(),
        "dynamics_held": dynamics.height,
    }


def test_about_430000_organizations(figures):
    # The default --rows is the calibration's population.organizations.
    assert figures["organizations"] == 430_000


def test_about_35000_certified_or_gold_certified(figures):
    assert _close(figures["held"], 35_000), figures


def test_gold_certified_and_certified_split_50_50(figures):
    assert _close(figures["gold_share"], 0.50), figures


def test_dynamics_partners_split_70_30(figures):
    assert figures["dynamics_held"] >= 150, "too few Dynamics partners in the sample to measure the split"
    assert _close(figures["dynamics_gold_share"], 0.70), figures


def test_the_interpreter_agrees_on_a_slice(programs):
    """The two engines give the same levels on generated data (a slice, the interpreter is
    one partner at a time)."""
    mspp = programs["mspp2009"]
    frame = synthesize([mspp], 2_000, seed=0).frame
    fast = tierlang.evaluate(mspp, frame, engine="vectorized").long()
    exact = tierlang.evaluate(mspp, frame, engine="interpreter").long()
    assert fast.equals(exact)
