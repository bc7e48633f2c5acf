"""`tier synth --records`: the records of a synthetic population, coherent with its snapshot.

The agreement test is the contract of docs/synth.md ("Records"): `tier eval` of the snapshot
program on snapshot.csv and of the records program on the folder give the same level and
score on every partner and track. Independently of tier's records engine, the Azure metrics
of the folder are recomputed by the contract tests' reading of DESIGN §4.2
(tests/contracts/records_reference.py) and must be the snapshot's columns.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from tests.conftest import PROGRAMS, ROOT
from tests.contracts import records_reference
from tierlang.cli import main

RECORDS = str(PROGRAMS / "cloudpartner2022-records.tier")
SNAPSHOT = str(PROGRAMS / "cloudpartner2022.tier")
AS_OF = "2023-06-15"
M365 = ("security_net_customer_adds_m365", "security_deployments_m365", "security_protected_users_growth")


def synth(folder: Path, *args: str) -> None:
    result = CliRunner().invoke(main, ["synth", RECORDS, "--records", "--as-of", AS_OF, "-o", str(folder), *args])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output


def tier_eval(*args: str) -> pl.DataFrame:
    out = subprocess.run(
        [sys.executable, "-m", "tierlang", "eval", *args, "--as-of", AS_OF, "-o", "-", "--format", "csv"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    return pl.read_csv(io.StringIO(out.stdout), infer_schema=False)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    # 1,500 drawn partners (a few dozen hold Azure designations), in CSV to read back exactly
    path = tmp_path_factory.mktemp("records") / "data"
    synth(path, "--rows", "1500", "--seed", "4", "--format", "csv")
    return path


def test_writes_every_table_and_the_snapshot(folder):
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "azure_usage.csv",
        "certifications.csv",
        "dynamics_revenue.csv",
        "dynamics_usage.csv",
        "m365_usage.csv",
        "partners.csv",
        "snapshot.csv",
    ]
    certs = pl.read_csv(folder / "certifications.csv")
    usage = pl.read_csv(folder / "azure_usage.csv", infer_schema=False)
    assert certs.columns == ["partner_id", "person_id", "certification", "linked", "earned_on", "expires_on"]
    assert usage.columns == ["partner_id", "tenant_id", "month", "service", "offer", "association", "acr_usd"]
    assert usage["month"].str.ends_with("-01").all()
    # what the readings must see: credits, ineligible offers, unlinked and lapsed people
    assert usage["acr_usd"].str.starts_with("-").any()
    assert usage["offer"].is_in(["Trial", "Support", "Internal", "Benefit Program"]).any()
    assert (~certs["linked"]).any() and certs["expires_on"].is_null().any()


def test_both_forms_give_the_same_results_on_every_partner(folder):
    records = tier_eval(RECORDS, str(folder))
    snapshot = tier_eval(SNAPSHOT, str(folder / "snapshot.csv"))
    assert records.height == snapshot.height == 1500 * 8
    joined = records.join(snapshot, on=["partner_id", "track"], suffix=":s", how="full", coalesce=True)
    assert joined.height == records.height
    for c in ("level", "score"):
        differ = joined.filter(pl.col(c).fill_null("") != pl.col(f"{c}:s").fill_null(""))
        assert differ.is_empty(), differ.head(5)
    # not a vacuous agreement: some partners are designated, and scores vary
    designated = records.filter(pl.col("level") == "designated")
    assert designated.height > 20
    assert records.filter(pl.col("track") == "data_ai")["score"].n_unique() > 20


def test_the_snapshot_keeps_the_partners_profile(folder):
    partners = pl.read_csv(folder / "partners.csv")
    snapshot = pl.read_csv(folder / "snapshot.csv")
    for column in partners.columns:
        assert snapshot[column].equals(partners[column]), column
    assert partners["modern_work_focus"].any() and partners["azure_focus"].any()


def test_the_azure_metrics_by_an_independent_reading(folder):
    metrics = records_reference.metrics(folder, dt.date.fromisoformat(AS_OF))
    snap = pl.read_csv(folder / "snapshot.csv", infer_schema=False)
    checked = 0
    for row in snap.iter_rows(named=True):
        got = metrics[row["partner_id"]]
        for column, value in got.items():
            if column not in row:
                continue
            assert value == Fraction(Decimal(row[column])), (row["partner_id"], column, value, row[column])
            checked += 1
    assert checked > 1500 * 10


def _business_apps_by_hand(folder: Path) -> pl.DataFrame:
    """The Business Applications columns read from the Dynamics tables by the program's
    definitions (cloudpartner2022-records.tier), in plain polars."""
    last, before = dt.date(2023, 5, 1), dt.date(2022, 5, 1)
    revenue = pl.read_csv(folder / "dynamics_revenue.csv", try_parse_dates=True, schema_overrides={"revenue_usd": pl.Decimal(18, 2)})
    usage = pl.read_csv(folder / "dynamics_usage.csv", try_parse_dates=True, schema_overrides={"mcv": pl.Decimal(18, 3)})
    d365 = ["Business Central", "Core HR", "Customer Engagement", "Finance and Operations", "Guides", "Remote Assist", "Retail"]
    d365 += ["Talent Attract", "Talent Onboard"]
    usage = usage.filter(pl.col("workload").is_in(d365) & pl.col("association").is_in(["CPOR_OSU", "DPOR", "CSP_T1", "CSP_T2"]))

    def per_unit(table: pl.DataFrame, value: str) -> pl.DataFrame:
        return table.group_by("partner_id", "tenant_id", "workload").agg(
            pl.col(value).filter(pl.col("month") == last).sum().alias("now"),
            pl.col(value).filter(pl.col("month") == before).sum().alias("before"),
        )

    def count(c: pl.Expr) -> pl.Expr:
        return c.cast(pl.Int64).sum()

    r = (
        per_unit(revenue, "revenue_usd")
        .group_by("partner_id")
        .agg(
            count((pl.col("now") > 5000) & (pl.col("before") > 5000)).alias("business_apps_enterprise_workloads"),
            (count(pl.col("now") >= 1500) - count(pl.col("before") >= 1500)).alias("business_apps_net_customer_adds_ent"),
            (count(pl.col("now") >= 250) - count(pl.col("before") >= 250)).alias("business_apps_net_customer_adds_smb"),
        )
    )
    u = (
        per_unit(usage, "mcv")
        .group_by("partner_id")
        .agg(
            pl.col("now").sum().alias("mcv"),
            pl.col("before").sum().alias("business_apps_baseline_mcv"),
            (count(pl.col("now") >= 10_000) - count(pl.col("before") >= 10_000)).clip(lower_bound=0).alias("business_apps_deployments_ent"),
            (count(pl.col("now") >= 5_000) - count(pl.col("before") >= 5_000)).clip(lower_bound=0).alias("business_apps_deployments_smb"),
        )
    )
    return r.join(u, on="partner_id", how="full", coalesce=True)


def test_the_business_applications_records_give_the_snapshot(folder):
    # aggregating the Dynamics tables gives the snapshot's Business Applications columns
    # exactly, and some partners earn the designation from records
    got = {row["partner_id"]: row for row in _business_apps_by_hand(folder).iter_rows(named=True)}
    snap = pl.read_csv(folder / "snapshot.csv", infer_schema=False)
    active = 0
    for row in snap.iter_rows(named=True):
        mine = got.get(row["partner_id"], {})
        for column in ("enterprise_workloads", "net_customer_adds_ent", "net_customer_adds_smb", "deployments_ent", "deployments_smb"):
            assert (mine.get(f"business_apps_{column}") or 0) == int(row[f"business_apps_{column}"]), (row["partner_id"], column)
        baseline = Fraction(mine.get("business_apps_baseline_mcv") or 0)
        assert baseline == Fraction(Decimal(row["business_apps_baseline_mcv"])), row["partner_id"]
        growth = (Fraction(mine["mcv"]) - baseline) * 100 / baseline if baseline else Fraction(0)
        assert growth == Fraction(Decimal(row["business_apps_usage_growth_pct"])), row["partner_id"]
        active += row["partner_id"] in got
    assert active > 10
    records = tier_eval(RECORDS, str(folder))
    assert records.filter((pl.col("track") == "business_apps") & (pl.col("level") == "designated")).height > 0


def _microsoft_365_by_hand(folder: Path) -> pl.DataFrame:
    """The Modern Work and Security (Microsoft 365) columns read from m365_usage by the
    program's definitions (cloudpartner2022-records.tier), in plain polars."""
    last, before = dt.date(2023, 5, 1), dt.date(2022, 5, 1)
    usage = pl.read_csv(folder / "m365_usage.csv", try_parse_dates=True)
    modern = ["Intune", "Exchange", "ProPlus", "SharePoint", "Teams", "Teams Meetings", "Teams Phone"]
    modern += ["Teams Phone calling", "Teams Platform", "Yammer", "Viva Insights", "Viva Topics", "Viva Learning", "Viva Connections"]
    secure = ["Azure AD Premium", "Defender for Office 365", "Defender for Endpoint", "Defender for Identity"]
    secure += ["Microsoft Information Protection", "Intune"]
    mw = usage.filter(pl.col("workload").is_in(modern))
    sec = usage.filter(pl.col("workload").is_in(secure) & (pl.col("association") == "CPOR"))

    def tenants(month: dt.date, associations: list[str], low: int, high: int | None) -> pl.DataFrame:
        # distinct tenants with a workload of low..high paid seats (summed over the associations)
        per = mw.filter((pl.col("month") == month) & pl.col("association").is_in(associations))
        per = per.group_by("partner_id", "tenant_id", "workload").agg(pl.col("paid_seats").sum())
        ok = pl.col("paid_seats") >= low if high is None else pl.col("paid_seats").is_between(low, high)
        return per.filter(ok).group_by("partner_id").agg(pl.col("tenant_id").n_unique().alias("n"))

    def per_tenant(table: pl.DataFrame, month: dt.date, associations: list[str]) -> pl.DataFrame:
        t = table.filter((pl.col("month") == month) & pl.col("association").is_in(associations))
        return t.group_by("partner_id", "tenant_id").agg(
            pl.col("paid_seats").max().alias("max_p"),
            pl.col("paid_seats").sum().alias("sum_p"),
            pl.col("active_users").max().alias("max_a"),
            pl.col("active_users").sum().alias("sum_a"),
        )

    def segment(month: dt.date, associations: list[str], low: int, high: int | None, share: tuple[int, int]) -> pl.DataFrame:
        t = per_tenant(mw, month, associations)
        t = t.filter(pl.col("max_p") >= low if high is None else pl.col("max_p").is_between(low, high))
        deployed = pl.col("sum_a") * share[1] >= pl.col("sum_p") * share[0]
        return t.group_by("partner_id").agg(pl.col("max_a").sum().alias("users"), deployed.sum().alias("deployments"))

    out: dict[str, dict[str, int]] = {}

    def put(frame: pl.DataFrame, column: str, value: str, sign: int) -> None:
        for partner, v in frame.select("partner_id", value).iter_rows():
            row = out.setdefault(partner, {})
            row[column] = row.get(column, 0) + sign * v

    put(tenants(last, ["CPOR", "DPOR"], 301, None), "modern_work_net_customer_adds_ent", "n", 1)
    put(tenants(before, ["CPOR", "DPOR"], 301, None), "modern_work_net_customer_adds_ent", "n", -1)
    put(tenants(last, ["CPOR", "CSP_T1", "CSP_T2"], 11, 300), "modern_work_net_customer_adds_smb", "n", 1)
    put(tenants(before, ["CPOR", "CSP_T1", "CSP_T2"], 11, 300), "modern_work_net_customer_adds_smb", "n", -1)
    deployments: dict[str, dict[str, int]] = {}
    for name, associations, low, high in (
        ("cpor_ent", ["CPOR"], 301, None),
        ("dpor_ent", ["DPOR"], 301, None),
        ("cpor_smb", ["CPOR"], 11, 300),
        ("csp_smb", ["CSP_T1", "CSP_T2"], 11, 300),
    ):
        for month, sign in ((last, 1), (before, -1)):
            seg = segment(month, associations, low, high, (4, 10))
            put(seg, f"modern_work_usage_growth_{name}", "users", sign)
            for partner, n in seg.select("partner_id", "deployments").iter_rows():
                deployments.setdefault(partner, {}).setdefault(name, 0)
                deployments[partner][name] += sign * n
    for partner, by_name in deployments.items():
        for name, n in by_name.items():
            out.setdefault(partner, {})[f"modern_work_deployments_{name}"] = max(0, n)
    # Security: customers in 12-month windows (a month with >= 25 seats on a workload), deployments
    # and protected users in L and L - 12
    for lo, hi, sign in ((dt.date(2022, 6, 1), last, 1), (dt.date(2021, 6, 1), before, -1)):
        c = sec.filter(pl.col("month").is_between(lo, hi) & (pl.col("paid_seats") >= 25))
        put(c.group_by("partner_id").agg(pl.col("tenant_id").n_unique().alias("n")), "security_net_customer_adds_m365", "n", sign)
    secure_deployments: dict[str, int] = {}
    for month, sign in ((last, 1), (before, -1)):
        t = per_tenant(sec, month, ["CPOR"])
        put(t.group_by("partner_id").agg(pl.col("max_a").sum()), "security_protected_users_growth", "max_a", sign)
        ok = t.filter((pl.col("max_p") >= 25) & (pl.col("sum_a") * 100 >= pl.col("sum_p") * 15))
        for partner, n in ok.group_by("partner_id").len().iter_rows():
            secure_deployments[partner] = secure_deployments.get(partner, 0) + sign * n
    for partner, n in secure_deployments.items():
        out.setdefault(partner, {})["security_deployments_m365"] = max(0, n)
    return out


def test_the_microsoft_365_records_give_the_snapshot(folder):
    # aggregating m365_usage gives the snapshot's Modern Work and Security (Microsoft 365)
    # columns exactly, many partners have them, and Modern Work is earned from records
    got = _microsoft_365_by_hand(folder)
    snap = pl.read_csv(folder / "snapshot.csv", infer_schema=False)
    columns = [c for c in snap.columns if c.startswith(("modern_work_net", "modern_work_usage", "modern_work_deploy")) or c in M365]
    assert len(columns) == 13
    nonzero = 0
    for row in snap.iter_rows(named=True):
        mine = got.get(row["partner_id"], {})
        for column in columns:
            assert mine.get(column, 0) == Fraction(Decimal(row[column])), (row["partner_id"], column, mine.get(column), row[column])
            nonzero += row[column] not in ("0", "0.0")
    assert nonzero > 300
    records = tier_eval(RECORDS, str(folder))
    assert records.filter((pl.col("track") == "modern_work") & (pl.col("level") == "designated")).height > 5


def test_deterministic_and_partner_records_do_not_depend_on_rows(tmp_path):
    synth(tmp_path / "a", "--rows", "1000", "--format", "csv")
    synth(tmp_path / "b", "--rows", "1000", "--format", "csv")
    synth(tmp_path / "c", "--rows", "1100", "--format", "csv")
    for name in ("certifications.csv", "azure_usage.csv", "m365_usage.csv", "dynamics_revenue.csv", "dynamics_usage.csv", "snapshot.csv"):
        a = (tmp_path / "a" / name).read_bytes()
        assert a == (tmp_path / "b" / name).read_bytes()
        assert (tmp_path / "c" / name).read_bytes().startswith(a)


def test_parquet_loads_with_exact_types(tmp_path):
    synth(tmp_path / "p", "--rows", "300")
    usage = pl.read_parquet(tmp_path / "p" / "azure_usage.parquet")
    assert usage.schema["acr_usd"] == pl.Decimal(18, 2)
    assert usage.schema["month"] == pl.Date
    certs = pl.read_parquet(tmp_path / "p" / "certifications.parquet")
    assert certs.schema["linked"] == pl.Boolean and certs.schema["expires_on"] == pl.Date


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rows", "10", "-o", "x"], "--as-of"),
        (["--rows", "10", "--as-of", AS_OF, "-o", "-"], "folder"),
        (["--rows", "10", "--as-of", AS_OF, "--months", "3", "-o", "x"], "--months"),
    ],
)
def test_usage_errors(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["synth", RECORDS, "--records", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_a_program_without_records_is_refused(tmp_path):
    result = CliRunner().invoke(main, ["synth", SNAPSHOT, "--records", "--as-of", AS_OF, "-o", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "records" in result.output and "Traceback" not in result.output


def test_the_2023_change_agrees_with_its_snapshot_program(tmp_path):
    # cloudpartner2023-records restates the 2023 change for records (two people per Security
    # step, Security Operations Analyst no longer in step 3): built for it, the records and
    # the snapshot agree under cloudpartner2023.tier
    folder = tmp_path / "data23"
    result = CliRunner().invoke(
        main,
        ["synth", str(PROGRAMS / "cloudpartner2023-records.tier"), "--records", "--as-of", "2024-01-15"]
        + ["--rows", "1000", "--format", "csv", "-o", str(folder)],
    )
    assert result.exit_code == 0, result.output

    def run(program: str, data: Path) -> pl.DataFrame:
        out = subprocess.run(
            [sys.executable, "-m", "tierlang", "eval", str(PROGRAMS / program), str(data), "--as-of", "2024-01-15", "-o", "-"]
            + ["--format", "csv"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert out.returncode == 0, out.stderr
        return pl.read_csv(io.StringIO(out.stdout), infer_schema=False)

    records = run("cloudpartner2023-records.tier", folder)
    snapshot = run("cloudpartner2023.tier", folder / "snapshot.csv")
    joined = records.join(snapshot, on=["partner_id", "track"], suffix=":s")
    assert joined.height == records.height == snapshot.height == 8000
    for c in ("level", "score"):
        assert joined.filter(pl.col(c).fill_null("") != pl.col(f"{c}:s").fill_null("")).is_empty()
