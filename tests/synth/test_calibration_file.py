"""The calibration file: shipped knobs, user overrides, checking, and column patterns."""

from __future__ import annotations

import re

import pytest

from tierlang.synth import SynthError, load_calibration, synthesize
from tierlang.synth.calibration import Constraint


def _write(tmp_path, text: str):
    path = tmp_path / "knobs.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_calibration_is_valid_and_documented():
    cal = load_calibration()
    assert cal["population"]["organizations"] == 430_000
    assert {s.name for s in cal.segments} == {"dynamics", "azure", "modern_work"}
    # Every table says what it is for: a comment between its header and its first knob.
    from importlib import resources

    text = resources.files("tierlang.synth").joinpath("calibration.toml").read_text(encoding="utf-8")
    for table in re.split(r"\n(?=\[)", text):
        lines = table.splitlines()
        if not lines[0].startswith("["):
            continue
        first_knob = next((i for i, line in enumerate(lines) if re.match(r'^["\w]', line)), len(lines))  # [constraints] may be empty
        assert any(line.startswith("#") for line in lines[1:first_knob]), f"undocumented table: {lines[0]}"


def test_override_merges_key_by_key(tmp_path):
    cal = load_calibration(_write(tmp_path, '[aim]\nrate = 0.9\n[columns."competencies_held"]\ncap = 5\n'))
    assert cal["aim"]["rate"] == 0.9
    assert cal["aim"]["reach"] == load_calibration()["aim"]["reach"]  # untouched knobs stay
    knobs = cal.column("competencies_held", "count")
    assert knobs.cap == 5 and knobs.level == load_calibration().column("competencies_held", "count").level


def test_later_patterns_win():
    cal = load_calibration()
    # `*_certified_professionals` (general, earlier) and `exclusive_certified_professionals`
    # (specific, later) both match: the specific table wins.
    assert cal.column("exclusive_certified_professionals", "count").level == 1.6
    assert cal.column("erp_certified_professionals", "count").level == 1.2
    # Decimal places default by kind.
    assert cal.column("some_revenue", "money").decimals == 2
    assert cal.column("some_share", "percent").decimals == 1


@pytest.mark.parametrize(
    "text,message",
    [
        ("[aim]\nrate = -0.1\n", "'aim.rate' must be >= 0"),
        ("[aim]\nrate = 'high'\n", "'aim.rate' must be a number"),
        ("[size]\ntail_index = 0\n", "'size.tail_index' must be > 0"),
        ("[size]\nminimum = 10\nmaximum = 5\n", "'size.maximum' must be at least size.minimum"),
        ("[aim]\nlanding_weights = [1, 2]\n", "'aim.landing_weights' must have one weight per landing offset"),
        ("[colums.x]\nlevel = 1\n", "'colums' is not a section"),
        ('[columns."x"]\nlevels = 1\n', "'columns.x.levels' is not a knob"),
        ('[columns."x"]\ndecimals = 1.5\n', "'columns.x.decimals' must be a whole number"),
        ("[segments.erp]\nshare = 0.1\n", "'segments.erp.column' is missing"),
        ('[constraints]\n"a" = ["{c}_b"]\n', "uses {c} on the right but not on the left"),
        ("[population]\norganizations = 0\n", "'population.organizations' must be >= 1"),
    ],
)
def test_bad_knobs_are_clear_errors(tmp_path, text, message):
    with pytest.raises(SynthError) as e:
        load_calibration(_write(tmp_path, text))
    assert message in e.value.message
    assert "knobs.toml" in e.value.message


def test_missing_file():
    with pytest.raises(SynthError, match="cannot read calibration file nowhere.toml"):
        load_calibration("nowhere.toml")


def test_constraint_patterns():
    c = Constraint("{c}_gold_unique_mcps", ("{c}_certified_professionals",))
    columns = ["erp_gold_unique_mcps", "erp_certified_professionals", "crm_gold_unique_mcps"]
    # crm has no certified_professionals column here: not bound.
    assert c.bind(columns) == [("erp_gold_unique_mcps", ["erp_certified_professionals"])]


def test_knobs_move_the_population(tmp_path, programs):
    """A knob does what its comment says: more engagement, more partners with a level."""
    base = synthesize([programs["mspp2009"]], 5_000, seed=0).frame
    cal = load_calibration(_write(tmp_path, "[engagement]\nlog_odds = 0.0\n"))
    more = synthesize([programs["mspp2009"]], 5_000, seed=0, calibration=cal).frame
    assert (more["competencies_held"] > 0).sum() > 2 * (base["competencies_held"] > 0).sum()
