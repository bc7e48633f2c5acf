"""programs/cloudpartner2022-records.tier on a folder laid out as DESIGN §4.2.

The expected results come from an independent computation: the readings of DESIGN §4.2
written out below in plain Python (no tierlang records code), giving the snapshot columns of
cloudpartner2022 (DESIGN §4.1), which the snapshot program then scores. The records program,
run as a user runs it (`tier eval PROGRAM DATA --as-of DATE -o out.csv`, a subprocess), must
give the same `partner_id, track, level, score` on boundary-heavy records. A few partners
are also checked against numbers worked out by hand (`test_hand_computed`).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import PROGRAMS
from tierlang import load_program
from tierlang.engine import evaluate

D = dt.date
RECORDS = str(PROGRAMS / "cloudpartner2022-records.tier")
SNAPSHOT = PROGRAMS / "cloudpartner2022.tier"
RECORDS_2023 = str(PROGRAMS / "cloudpartner2023-records.tier")
SNAPSHOT_2023 = PROGRAMS / "cloudpartner2023.tier"

# ------------------------------------------------------------------ DESIGN §4.2, by hand

ARCHITECT = "Azure Solutions Architect Expert"
ADMIN = "Azure Administrator Associate"
DATA_AI = [
    "Azure Database Administrator Associate",
    "Azure AI Engineer Associate",
    "Azure Data Scientist Associate",
    "Azure Data Engineer Associate",
    "Data Analyst Associate",
    "Customer Data Platform Specialty",
    "Azure Cosmos DB Developer Specialty",
]
DA_INTERMEDIATE = ["Azure Developer Associate", "Power Platform Developer Associate"]
DA_ADVANCED = ["Azure IoT Developer Specialty", "Azure DevOps Engineer Expert", "Power Platform Solution Architect Expert"]
INFRA_INTERMEDIATE = [
    "Azure Network Engineer Associate",
    "Azure Stack Hub Operator Associate",
    "Windows Server Hybrid Administrator Associate",
]
INFRA_ADVANCED = ["Azure Virtual Desktop Specialty", "Azure for SAP Workloads Specialty"]
SEC1 = ["Azure Security Engineer Associate"]
SEC2 = ["Security Operations Analyst Associate", "Microsoft 365 Security Administrator Associate"]
SEC3 = [
    "Cybersecurity Architect Expert",
    "Security Operations Analyst Associate",
    "Identity and Access Administrator Associate",
    "Information Protection and Compliance Administrator Associate",
]
# the lists this project chose for Modern Work and Business Applications (the program's)
MW_INTERMEDIATE = [
    "Microsoft 365 Fundamentals",
    "Teams Application Developer Associate",
    "Teams Administrator Associate",
    "Messaging Administrator Associate",
    "Identity and Access Administrator Associate",
    "Collaboration Communications Systems Engineer Associate",
    "Endpoint Administrator Associate",
]
MW_ADVANCED = ["Microsoft 365 Enterprise Administrator Expert", "Teams Meetings and Meeting Rooms Technical Assessment"]
BA_INTERMEDIATE = [
    "Dynamics 365 Sales Functional Consultant Associate",
    "Customer Service Functional Consultant Associate",
    "Dynamics 365 Field Service Functional Consultant Associate",
    "Dynamics 365 Marketing Functional Consultant Associate",
    "Dynamics 365 Finance Functional Consultant Associate",
    "Dynamics 365 Supply Chain Management Functional Consultant Associate",
    "Dynamics 365 Business Central Functional Consultant Associate",
    "Dynamics 365 Business Central Developer Associate",
    "Dynamics 365 Finance and Operations Apps Developer Associate",
    "Power Platform Functional Consultant Associate",
    "Power Platform Developer Associate",
    "Power Platform App Maker Associate",
    "Data Analyst Associate",
    "Customer Data Platform Specialty",
    "Azure Enterprise Data Analyst Associate",
    "Power Automate RPA Developer Associate",
]
BA_ADVANCED = [
    "Dynamics 365 Supply Chain Management Functional Consultant Expert",
    "Dynamics 365 Finance and Operations Apps Solution Architect Expert",
    "Dynamics 365 + Power Platform Solution Architect Expert",
    "Power Platform Solution Architect Expert",
]
RETIRED_JULY = {"Azure IoT Developer Specialty", "Azure Stack Hub Operator Associate"}
RETIRED_JUNE = {"Microsoft 365 Security Administrator Associate", "Customer Service Functional Consultant Associate"}
NOT_FROM_JULY_2023 = {"Dynamics 365 + Power Platform Solution Architect Expert"}
ALL_CERTS = sorted(
    {ARCHITECT, ADMIN, *DATA_AI, *DA_INTERMEDIATE, *DA_ADVANCED, *INFRA_INTERMEDIATE, *INFRA_ADVANCED, *SEC1, *SEC2, *SEC3}
    | {*MW_INTERMEDIATE, *MW_ADVANCED, *BA_INTERMEDIATE, *BA_ADVANCED}
)
SECURITY_SERVICES = ["Azure Firewall", "Key Vault", "Sentinel", "Azure Bastion"]
SERVICES = ["SQL Database", "App Service", "Virtual Machines", "Virtual Machines Licenses", "Cosmos DB", "Storage", *SECURITY_SERVICES]
OFFERS = ["Pay-As-You-Go", "Enterprise Agreement", "Support", "Internal", "Benefit Program", "Trial"]
BAD_OFFERS = {"Support", "Internal", "Benefit Program", "Trial"}
ASSOCIATIONS = ["CSP_T1", "CSP_T2", "DPOR", "PAL", "CPOR"]
GOOD_ASSOCIATIONS = {"CSP_T1", "CSP_T2", "DPOR", "PAL"}


def month_add(m: dt.date, k: int) -> dt.date:
    n = m.year * 12 + m.month - 1 + k
    return D(n // 12, n % 12 + 1, 1)


def last_full_month(as_of: dt.date) -> dt.date:
    """L: the last full month before the as-of date's month."""
    return month_add(D(as_of.year, as_of.month, 1), -1)


def cert_counts(r: dict, as_of: dt.date) -> bool:
    if not r["linked"] or r["earned_on"] > as_of:
        return False
    if r["expires_on"] is not None and r["expires_on"] < as_of:
        return False
    if r["certification"] in RETIRED_JULY and as_of > D(2024, 7, 31):
        return False
    if r["certification"] in RETIRED_JUNE and as_of > D(2024, 6, 30):
        return False
    return not (r["certification"] in NOT_FROM_JULY_2023 and as_of >= D(2023, 7, 1))


def people(rows: list[dict], names: list[str], as_of: dt.date) -> int:
    return len({r["person_id"] for r in rows if r["certification"] in names and cert_counts(r, as_of)})


# cloudpartner2023(-records) from 2023-12-01: Security Operations Analyst leaves step 3, Power
# Platform App Maker leaves Business Applications
SEC3_2023 = [c for c in SEC3 if c != "Security Operations Analyst Associate"]
BA_INTERMEDIATE_2023 = [c for c in BA_INTERMEDIATE if c != "Power Platform App Maker Associate"]


def oracle(certs: list[dict], usage: list[dict], as_of: dt.date, version: int = 2022) -> dict[str, Fraction]:
    """The cloudpartner2022 snapshot columns of one partner, from DESIGN §4.2 (Azure tables
    only: the Microsoft 365 and Dynamics tables are absent, so the columns they feed are 0;
    the certified-people columns of every designation come from `certs`)."""
    L = last_full_month(as_of)
    eligible = [r for r in usage if r["offer"] not in BAD_OFFERS and r["association"] in GOOD_ASSOCIATIONS]

    def acr(tenant, m):
        return sum((r["acr_usd"] for r in eligible if r["tenant_id"] == tenant and r["month"] == m), Fraction(0))

    tenants = {r["tenant_id"] for r in eligible}

    def E(m):
        return sum(1 for t in tenants if acr(t, m) >= 1000 or acr(t, month_add(m, -1)) >= 1000)

    def Q(m):
        return sum((acr(t, m) for t in tenants if acr(t, m) >= 1000), Fraction(0))

    q_now, q_then = Q(L), Q(month_add(L, -12))
    growth = Fraction(0) if q_then == 0 else (q_now - q_then) * 100 / q_then
    window = {month_add(L, -k) for k in range(12)}
    services = {r["service"] for r in eligible} - {"Virtual Machines", "Virtual Machines Licenses"}
    deployments = sum(
        1 for s in services if sum((r["acr_usd"] for r in eligible if r["service"] == s and r["month"] in window), Fraction(0)) > 0
    )

    sec = [r for r in usage if r["offer"] not in BAD_OFFERS and r["association"] == "PAL" and r["service"] in SECURITY_SERVICES]
    sec_tenants = {r["tenant_id"] for r in sec}

    def sec_sum(t, months):
        return sum((r["acr_usd"] for r in sec if r["tenant_id"] == t and r["month"] in months), Fraction(0))

    def ttm(m):
        return {month_add(m, -k) for k in range(12)}

    def sec_customers(m, at_least):
        return sum(1 for t in sec_tenants if sec_sum(t, ttm(m)) >= at_least)

    def sec_month(m):
        return sum((r["acr_usd"] for r in sec if r["month"] == m), Fraction(0))

    nca = Fraction(E(L) - E(month_add(L, -12)))
    out = {
        "azure_solutions_architect_experts": people(certs, [ARCHITECT], as_of),
        "azure_administrator_associates": people(certs, [ADMIN], as_of),
        "data_ai_intermediate_certified": people(certs, DATA_AI, as_of),
        "digital_app_intermediate_certified": people(certs, DA_INTERMEDIATE, as_of),
        "digital_app_advanced_certified": people(certs, DA_ADVANCED, as_of),
        "infrastructure_intermediate_certified": people(certs, INFRA_INTERMEDIATE, as_of),
        "infrastructure_advanced_certified": people(certs, INFRA_ADVANCED, as_of),
        "security_step1_certified": people(certs, SEC1, as_of),
        "security_step2_certified": people(certs, SEC2, as_of),
        "security_intermediate_certified": people(certs, SEC3 if version == 2022 else SEC3_2023, as_of),
        "modern_work_intermediate_certified": people(certs, MW_INTERMEDIATE, as_of),
        "modern_work_advanced_certified": people(certs, MW_ADVANCED, as_of),
        "business_apps_intermediate_certified": people(certs, BA_INTERMEDIATE if version == 2022 else BA_INTERMEDIATE_2023, as_of),
        "business_apps_advanced_certified": people(certs, BA_ADVANCED, as_of),
        "security_net_customer_adds_azure": sec_customers(L, 100) - sec_customers(month_add(L, -12), 100),
        "security_deployments_azure": max(0, sec_customers(L, 12000) - sec_customers(month_add(L, -12), 12000)),
        "security_acr_growth_usd": sec_month(L) - sec_month(month_add(L, -12)),
    }
    for d in ("data_ai", "digital_app", "infrastructure"):
        out[f"{d}_net_customer_adds"] = nca
        out[f"{d}_usage_growth_pct"] = growth
        out[f"{d}_deployments"] = deployments
    return {k: Fraction(v) for k, v in out.items()}


# ------------------------------------------------------------------ boundary-heavy records


def generate(seed: int, partners: int = 40) -> tuple[list[dict], list[dict], list[dict]]:
    """Partners, certifications and Azure usage, built around the readings' edges."""
    rng = random.Random(seed)
    plist, certs, usage = [], [], []
    months = [month_add(D(2022, 1, 1), k) for k in range(34)]  # 2022-01 .. 2024-10
    for i in range(partners):
        pid = f"P{i:03d}"
        plist.append({"partner_id": pid, "anniversary": "" if i % 3 else f"2023-{i % 12 + 1:02d}-15"})
        if i % 17 == 5:
            continue  # a partner without any records
        for p in range(rng.randint(0, 14)):
            person = f"U{p}"  # the same person ids under every partner: people are per partner
            for _ in range(rng.choice([1, 1, 2, 3])):  # the same person in several rows
                earned = rng.choice([D(2021, 5, 1), D(2023, 6, 15), D(2023, 6, 16), D(2024, 7, 31), D(2024, 8, 1), D(2022, 12, 31)])
                expires = rng.choice([None, None, D(2023, 6, 15), D(2023, 6, 14), D(2024, 7, 31), D(2024, 8, 1), D(2025, 1, 1)])
                certs.append(
                    {
                        "partner_id": pid,
                        "person_id": person,
                        "certification": rng.choice(ALL_CERTS + [ARCHITECT, ADMIN] * 3 + ["Azure Fundamentals"]),
                        "linked": rng.random() < 0.85,
                        "earned_on": earned,
                        "expires_on": expires,
                    }
                )
        amounts = [
            Fraction(100000, 100),
            Fraction(99999, 100),
            Fraction(500),
            Fraction(1500),
            Fraction(-300),
            Fraction(0),
            Fraction(12000),
            Fraction(6000.5),
        ]
        for t in range(rng.randint(0, 6)):
            tenant = f"T{t}" if rng.random() < 0.7 else f"T-{pid}-{t}"  # shared tenant ids across partners
            for _ in range(rng.randint(1, 10)):
                usage.append(
                    {
                        "partner_id": pid,
                        "tenant_id": tenant,
                        "month": rng.choice(months),
                        "service": rng.choice(SERVICES),
                        "offer": rng.choice(OFFERS[:2] * 4 + OFFERS),
                        "association": rng.choice(ASSOCIATIONS[:4] * 3 + ASSOCIATIONS),
                        "acr_usd": rng.choice(amounts) if rng.random() < 0.6 else Fraction(rng.randint(-50000, 300000), 100),
                    }
                )
        if i % 7 == 0 and usage:  # an identical row twice: both are summed
            usage.append(dict(usage[-1]))
    return plist, certs, usage


def _money(v: Fraction) -> str:
    assert (v * 100).denominator == 1
    cents = int(v * 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def write_folder(folder: Path, plist: list[dict], certs: list[dict], usage: list[dict]) -> None:
    """partners.csv, certifications.parquet, azure_usage.jsonl: one format each."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "partners.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, ["partner_id", "anniversary"])
        w.writeheader()
        w.writerows(plist)
    pl.DataFrame(
        {
            "partner_id": [r["partner_id"] for r in certs],
            "person_id": [r["person_id"] for r in certs],
            "certification": [r["certification"] for r in certs],
            "linked": [r["linked"] for r in certs],
            "earned_on": [r["earned_on"] for r in certs],
            "expires_on": [r["expires_on"] for r in certs],
        },
        schema={
            "partner_id": pl.String,
            "person_id": pl.String,
            "certification": pl.String,
            "linked": pl.Boolean,
            "earned_on": pl.Date,
            "expires_on": pl.Date,
        },
    ).write_parquet(folder / "certifications.parquet")
    with (folder / "azure_usage.jsonl").open("w", encoding="utf-8") as fh:
        for r in usage:
            fh.write(json.dumps({**r, "month": r["month"].isoformat(), "acr_usd": _money(r["acr_usd"])}) + "\n")


def expected_long(plist, certs, usage, as_of: dt.date, version: int = 2022) -> list[tuple]:
    """The snapshot program scored on the oracle's columns: the expected eval output."""
    snapshot = load_program(SNAPSHOT if version == 2022 else SNAPSHOT_2023, as_of).program
    columns = [m.name for m in snapshot.input_metrics]
    rows = []
    for p in plist:
        pid = p["partner_id"]
        mine = [r for r in certs if r["partner_id"] == pid]
        values = oracle(mine, [r for r in usage if r["partner_id"] == pid], as_of, version)
        rows.append({"partner_id": pid, **{c: str(values.get(c, Fraction(0))) for c in columns}})
    frame = pl.DataFrame(rows, schema={"partner_id": pl.String, **{c: pl.String for c in columns}})
    # exact ratios (100/3) do not fit a decimal column: score those partners one by one
    out = []
    for row in frame.iter_rows(named=True):
        values = {k: Fraction(v) for k, v in row.items() if k != "partner_id"}
        from tierlang.engine.interpreter import Interpreter

        r = Interpreter(snapshot).evaluate(values, row["partner_id"])
        for t in snapshot.tracks:
            tr = r.tracks[t.name]
            out.append((row["partner_id"], t.name, tr.level or "", "" if tr.score is None else _decimal(tr.score)))
    return out


def _decimal(v: Fraction) -> str:
    from tierlang.numbers import decimal_text

    return decimal_text(v)


def run_eval(folder: Path, as_of: dt.date, out: Path, *extra: str, program: str = RECORDS) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tierlang", "eval", program, str(folder), "--as-of", as_of.isoformat(), "-o", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )


def read_long(path: Path) -> list[tuple]:
    with path.open(encoding="utf-8") as fh:
        return [(r["partner_id"], r["track"], r["level"], r["score"]) for r in csv.DictReader(fh)]


AS_OF = [D(2023, 6, 15), D(2023, 6, 1), D(2023, 6, 30), D(2024, 7, 31), D(2024, 8, 1)]


@pytest.mark.parametrize("as_of", AS_OF, ids=[d.isoformat() for d in AS_OF])
def test_records_folder_matches_the_readings(tmp_path, as_of):
    plist, certs, usage = generate(seed=as_of.toordinal())
    write_folder(tmp_path / "data", plist, certs, usage)
    proc = run_eval(tmp_path / "data", as_of, tmp_path / "out.csv")
    assert proc.returncode == 0, proc.stderr
    # the three designations' tables are there; the others are absent and said so
    for table in ("m365_usage", "dynamics_revenue", "dynamics_usage"):
        assert f"no '{table}' table" in proc.stderr
    assert sorted(read_long(tmp_path / "out.csv")) == sorted(expected_long(plist, certs, usage, as_of))


AS_OF_2023 = [D(2023, 12, 1), D(2024, 3, 15)]


@pytest.mark.parametrize("as_of", AS_OF_2023, ids=[d.isoformat() for d in AS_OF_2023])
def test_2023_records_folder_matches_the_readings(tmp_path, as_of):
    """cloudpartner2023-records on the same kind of folder gives what cloudpartner2023 gives on
    the readings with the 2023 lists (two people per Security gate)."""
    plist, certs, usage = generate(seed=as_of.toordinal())
    write_folder(tmp_path / "data", plist, certs, usage)
    proc = run_eval(tmp_path / "data", as_of, tmp_path / "out.csv", program=RECORDS_2023)
    assert proc.returncode == 0, proc.stderr
    assert sorted(read_long(tmp_path / "out.csv")) == sorted(expected_long(plist, certs, usage, as_of, 2023))


def test_interpreter_engine_agrees(tmp_path):
    as_of = D(2023, 6, 15)
    plist, certs, usage = generate(seed=7, partners=25)
    write_folder(tmp_path / "data", plist, certs, usage)
    a = run_eval(tmp_path / "data", as_of, tmp_path / "a.csv")
    b = run_eval(tmp_path / "data", as_of, tmp_path / "b.csv", "--engine", "interpreter")
    assert a.returncode == b.returncode == 0, a.stderr + b.stderr
    assert read_long(tmp_path / "a.csv") == read_long(tmp_path / "b.csv")


# ------------------------------------------------------------------ worked by hand


EARNED = D(2021, 1, 1)


def _cert(pid, person, cert, linked=True, earned=EARNED, expires=None):
    return {"partner_id": pid, "person_id": person, "certification": cert, "linked": linked, "earned_on": earned, "expires_on": expires}


def _use(pid, tenant, month, acr, service="SQL Database", offer="Pay-As-You-Go", association="CSP_T1"):
    return {
        "partner_id": pid,
        "tenant_id": tenant,
        "month": month,
        "service": service,
        "offer": offer,
        "association": association,
        "acr_usd": Fraction(acr),
    }


def test_hand_computed(tmp_path):
    """As of 2024-08-01 (L = July 2024; L - 12 = July 2023). Every number below is worked
    out by hand from DESIGN §4.2."""
    as_of = D(2024, 8, 1)
    jul24, jun24, jul23, jun23 = D(2024, 7, 1), D(2024, 6, 1), D(2023, 7, 1), D(2023, 6, 1)
    plist = [{"partner_id": p, "anniversary": ""} for p in ("A", "B", "C")]
    certs = []
    # A: 2 architects (one holds it twice), 2 administrators (one unlinked row does not
    # count, a linked row of the same person does), 10 Data & AI people -> Data & AI 40 points
    certs += [_cert("A", "a1", ARCHITECT), _cert("A", "a1", ARCHITECT), _cert("A", "a2", ARCHITECT)]
    certs += [_cert("A", "b1", ADMIN), _cert("A", "b2", ADMIN, linked=False), _cert("A", "b2", ADMIN)]
    certs += [_cert("A", f"d{k}", DATA_AI[k % len(DATA_AI)]) for k in range(10)]
    # an IoT Developer (retired: counts through 2024-07-31, not on 2024-08-01)
    certs += [_cert("A", "x", "Azure IoT Developer Specialty")]
    # expiring the day before the as-of date: does not count; on it: counts
    certs += [_cert("A", "e1", "Azure DevOps Engineer Expert", expires=D(2024, 7, 31))]
    certs += [_cert("A", "e2", "Azure DevOps Engineer Expert", expires=D(2024, 8, 1))]
    usage = []
    # A, L = July 2024: T1 1,000.00 exactly (counts), T2 999.99 in July but 1,200 in June
    # (E counts it through June; Q does not), T3 ineligible offer, T4 CPOR (ineligible).
    usage += [_use("A", "T1", jul24, "1000.00"), _use("A", "T2", jul24, "999.99"), _use("A", "T2", jun24, 1200)]
    usage += [_use("A", "T3", jul24, 50000, offer="Trial"), _use("A", "T4", jul24, 50000, association="CPOR")]
    # A, L - 12 = July 2023: T1 800 (under), T5 1,000 in June 2023 -> E(L-12) = 1; Q(L-12) = 0
    usage += [_use("A", "T1", jul23, 800), _use("A", "T5", jun23, 1000)]
    # E(L) = {T1, T2} = 2, E(L-12) = {T5} = 1: net adds 1 -> 10 points
    # Q(L) = 1,000 (T1 only), Q(L-12) = 0 -> growth 0 -> 0 points: no designation
    # deployments: SQL Database (T1, T2 in the 12 months) and App Service via a credit that
    # nets to 0 (not > 0), Virtual Machines excluded -> 1 -> 2 points
    usage += [_use("A", "T1", jun24, 100, service="App Service"), _use("A", "T1", jul24, -100, service="App Service")]
    usage += [_use("A", "T1", jul24, 5000, service="Virtual Machines")]
    # B: the same tenant ids as A (tenants are per partner); growth of a third:
    # Q(L) = 4,000, Q(L-12) = 3,000 -> (4000 - 3000) * 100 / 3000 = 100/3 % -> 20 points
    usage += [_use("B", "T1", jul24, 4000), _use("B", "T1", jul23, 3000)]
    # C: no records at all
    write_folder(tmp_path / "data", plist, certs, usage)
    proc = run_eval(tmp_path / "data", as_of, tmp_path / "out.csv")
    assert proc.returncode == 0, proc.stderr
    got = {(p, t): (lvl, score) for p, t, lvl, score in read_long(tmp_path / "out.csv")}
    # A, Data & AI: net adds 30 * 1/3 = 10; skilling 40 * 10/10 = 40 (gates: 2 architects,
    # 2 administrators); usage growth 0; deployments 10 * 1/5 = 2. Total 52, a zero metric.
    assert got[("A", "data_ai")] == ("", "52")
    # A, Digital & App: 10 + 0 (no intermediate people) + advanced: e2 only (the IoT developer
    # retired the day before, e1 expired) -> 20 * 1/5 = 4; + 0 + 2 = 16.
    assert got[("A", "digital_app")] == ("", "16")
    # B, Data & AI: net adds E(L) = 1, E(L-12) = 1 -> 0; skilling 0 (no gates); growth 100/3 %
    # -> 20 (capped); deployments 1 service -> 2. Total 22.
    assert got[("B", "data_ai")] == ("", "22")
    assert got[("C", "data_ai")] == ("", "0")
    assert got[("C", "partner_status")] == ("member", "")
    # and the independent computation agrees everywhere
    assert sorted(read_long(tmp_path / "out.csv")) == sorted(expected_long(plist, certs, usage, as_of))


def test_python_api_with_frames():
    """`tierlang.evaluate(program, {table: frame}, as_of=...)`: the same as a folder."""
    as_of = D(2023, 6, 15)
    plist, certs, usage = generate(seed=3, partners=12)
    tables = {
        "partners": pl.DataFrame(plist),
        "certifications": pl.DataFrame(certs),
        "azure_usage": pl.DataFrame([{**r, "acr_usd": _money(r["acr_usd"])} for r in usage]) if usage else pl.DataFrame(),
    }
    ev = evaluate(RECORDS, tables, as_of=as_of)
    got = [(p, t, lvl or "", "" if s is None else _decimal(s)) for p, t, lvl, s in ev.rows()]
    want = expected_long(plist, certs, usage, as_of)
    assert sorted(got) == sorted(want)
    assert {w.code for w in ev.warnings} == {"TL423"}


def test_diff_of_the_records_programs_is_the_dated_changes():
    """tier diff of cloudpartner2022-records and cloudpartner2023-records: the two gates and
    the two lists, nothing else (a records formula over a list is compared by the list's name,
    and windows by their shape, not by each program's dates)."""
    from tierlang.diff.structural import structural_diff

    old = load_program(PROGRAMS / "cloudpartner2022-records.tier").program
    new = load_program(PROGRAMS / "cloudpartner2023-records.tier").program
    rules = [c for c in structural_diff(old, new) if c.what not in ("title", "doc", "source", "name", "version", "effective")]
    assert sorted((c.kind, c.path[-1], c.what) for c in rules) == [
        ("list", "list business_apps_intermediate_certifications", "values"),
        ("list", "list security_step3_certifications", "values"),
        ("param", "param security_step1_gate_size", "value"),
        ("param", "param security_step2_gate_size", "value"),
    ]
    gone = {c.path[-1]: c.new for c in rules if c.kind == "list"}
    assert gone["list security_step3_certifications"].startswith("without Security Operations Analyst Associate:")
