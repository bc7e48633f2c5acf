"""The shipped programs: exactly the findings docs/monotonicity.md explains."""

from __future__ import annotations

from fractions import Fraction

import pytest
from click.testing import CliRunner

from tests.conftest import PROGRAMS
from tierlang import load_program
from tierlang.cli import main
from tierlang.engine.interpreter import Interpreter
from tierlang.passes.monotonicity import analyse

DESIGNATIONS = ["data_ai", "digital_app", "infrastructure", "security", "modern_work"]


@pytest.fixture(scope="module", params=["cloudpartner2022", "cloudpartner2023"])
def cloud(request):
    result = load_program(PROGRAMS / f"{request.param}.tier", checks=False)
    assert result.ok
    return result.program, analyse(result.program)


def test_cloud_designations_proved_monotone(cloud):
    _, report = cloud
    assert report.monotone == DESIGNATIONS  # Modern Work is best-of: monotone
    assert not report.verdicts["business_apps"].monotone


def test_cloud_business_applications_is_the_one_finding(cloud):
    program, report = cloud
    (f,) = report.findings
    assert f.code == "TL313" and f.direct == ["business_apps"]
    assert f.span.file.endswith("cloudpartner2022.tier")  # 2023 inherits the rule
    assert f.metrics == {t: ["business_apps_enterprise_workloads"] for t in ("business_apps", "microsoft_cloud", "partner_status")}
    assert list(f.dependents) == ["microsoft_cloud", "partner_status"]
    for track in f.tracks:
        assert f.searches[track].witness is not None, track


def test_cloud_business_applications_witness(cloud):
    """The witness docs/monotonicity.md shows: the same partner, 4 then 5 enterprise
    workloads; SMB 76.5 points (designated), Enterprise 68 1/7 (not)."""
    program, report = cloud
    w = report.findings[0].searches["business_apps"].witness
    assert w.differs == ["business_apps_enterprise_workloads"]
    assert (w.lower["business_apps_enterprise_workloads"], w.higher["business_apps_enterprise_workloads"]) == (4, 5)
    assert (w.level_lower, w.level_higher) == ("designated", None)
    interp = Interpreter(program)
    low = interp.evaluate(w.lower, tracks=["business_apps"])["business_apps"]
    high = interp.evaluate(w.higher, tracks=["business_apps"])["business_apps"]
    assert (low.variant, low.level, low.score) == ("smb", "designated", Fraction(153, 2))
    assert (high.variant, high.level, high.score) == ("enterprise", None, Fraction(477, 7))


@pytest.mark.parametrize("name", ["mpn2010", "mspp2009"])
def test_older_programs_proved_monotone(name):
    result = load_program(PROGRAMS / f"{name}.tier", checks=False)
    report = analyse(result.program)
    assert report.findings == []
    assert report.monotone == [t.name for t in result.program.tracks]


def test_tier_check_reports_exactly_the_finding(in_tmp):
    # The one finding is Microsoft's rule, acknowledged in the file: counted, listed on request.
    quiet = CliRunner().invoke(main, ["check", "--strict", str(PROGRAMS / "cloudpartner2022.tier")])
    assert quiet.exit_code == 0 and "warning[" not in quiet.output and "(1 acknowledged" in quiet.output
    result = CliRunner().invoke(main, ["check", "--all-findings", str(PROGRAMS / "cloudpartner2022.tier")])
    assert result.exit_code == 0  # a warning
    assert result.output.count("warning[") == 1 and "warning[TL313]: track 'business_apps' is not monotone" in result.output
    assert "confirmed for 'business_apps': raising business_apps_enterprise_workloads from 4 to 5" in result.output
    assert "no problems (1 acknowledged)" in result.output


def test_tier_check_witness_table(in_tmp):
    result = CliRunner().invoke(main, ["check", "--witness", "--all-findings", str(PROGRAMS / "cloudpartner2022.tier")])
    out = result.output
    assert result.exit_code == 0
    assert "witness for 'business_apps': p ≤ q, yet q holds a lower level" in out
    assert "business_apps_enterprise_workloads  4           5" in out
    assert "level of 'business_apps'            designated  (none)" in out
    assert "monotone: data_ai, digital_app, infrastructure, security, modern_work; not monotone: business_apps" in out
    assert "`tier check --witness` shows the partners" not in out


def test_tier_check_json_carries_the_witness(in_tmp):
    import json

    result = CliRunner().invoke(main, ["check", "--format", "json", "--all-findings", str(PROGRAMS / "cloudpartner2022.tier")])
    (d,) = json.loads(result.output)
    assert d["code"] == "TL313" and d["data"]["confirmed"] is True and d["data"]["acknowledged"].startswith("Microsoft's rule")
    w = d["data"]["witnesses"][0]
    assert w["track"] == "business_apps" and w["differs"] == ["business_apps_enterprise_workloads"]
    assert (w["lower"]["business_apps_intermediate_certified"], w["level_lower"], w["level_higher"]) == ("1", "designated", None)
