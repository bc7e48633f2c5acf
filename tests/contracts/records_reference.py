"""An independent reading of DESIGN §4.2 (records of the Cloud Partner Program), written from
the contract's text alone, without looking at tierlang's records engine: the metrics of the
three Azure designations computed in plain Python from a §4.2 folder, and a generator of
boundary-heavy folders.

The contract tests feed these metrics to the snapshot program (`programs/cloudpartner2022.tier`)
and compare its designations with `tier eval programs/cloudpartner2022-records.tier FOLDER`:
two readings of the same text that must agree row for row.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

GATE_ARCHITECT = "Azure Solutions Architect Expert"
GATE_ADMIN = "Azure Administrator Associate"
DATA_AI = [
    "Azure Database Administrator Associate",
    "Azure AI Engineer Associate",
    "Azure Data Scientist Associate",
    "Azure Data Engineer Associate",
    "Data Analyst Associate",
    "Customer Data Platform Specialty",
    "Azure Cosmos DB Developer Specialty",
]
DIGITAL_INTERMEDIATE = ["Azure Developer Associate", "Power Platform Developer Associate"]
DIGITAL_ADVANCED = ["Azure IoT Developer Specialty", "Azure DevOps Engineer Expert", "Power Platform Solution Architect Expert"]
INFRA_INTERMEDIATE = [
    "Azure Network Engineer Associate",
    "Azure Stack Hub Operator Associate",
    "Windows Server Hybrid Administrator Associate",
]
INFRA_ADVANCED = ["Azure Virtual Desktop Specialty", "Azure for SAP Workloads Specialty"]
RETIRED = {"Azure IoT Developer Specialty": dt.date(2024, 7, 31), "Azure Stack Hub Operator Associate": dt.date(2024, 7, 31)}
OTHER_CERTS = ["Azure Fundamentals", "azure ai engineer associate", "Azure AI Engineer Associate ", "Security Operations Analyst Associate"]

INELIGIBLE_OFFERS = {"Support", "Internal", "Benefit Program", "Trial"}
ELIGIBLE_ASSOCIATIONS = {"CSP_T1", "CSP_T2", "DPOR", "PAL"}
VM_SERVICES = {"Virtual Machines", "Virtual Machines Licenses"}

PEOPLE_METRICS = {
    "azure_solutions_architect_experts": [GATE_ARCHITECT],
    "azure_administrator_associates": [GATE_ADMIN],
    "data_ai_intermediate_certified": DATA_AI,
    "digital_app_intermediate_certified": DIGITAL_INTERMEDIATE,
    "digital_app_advanced_certified": DIGITAL_ADVANCED,
    "infrastructure_intermediate_certified": INFRA_INTERMEDIATE,
    "infrastructure_advanced_certified": INFRA_ADVANCED,
}
AZURE_PREFIXES = ("data_ai", "digital_app", "infrastructure")


def month_add(m: dt.date, k: int) -> dt.date:
    n = m.year * 12 + (m.month - 1) + k
    return dt.date(n // 12, n % 12 + 1, 1)


def last_full_month(as_of: dt.date) -> dt.date:
    """`L`: the last full month before the as-of date's month."""
    return month_add(as_of.replace(day=1), -1)


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def metrics(folder: Path, as_of: dt.date) -> dict[str, dict[str, Fraction]]:
    """partner_id -> metric name -> exact value, for the Azure designations' metrics."""
    partners = [r["partner_id"] for r in _read(folder / "partners.csv")]
    out: dict[str, dict[str, Fraction]] = {p: {} for p in partners}

    held: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # partner -> cert -> people
    for r in _read(folder / "certifications.csv"):
        if r["linked"] != "true":
            continue
        earned, expires = _date(r["earned_on"]), _date(r["expires_on"])
        if earned is None or earned > as_of:
            continue
        if expires is not None and expires < as_of:
            continue
        cert = r["certification"]
        if cert in RETIRED and as_of > RETIRED[cert]:
            continue
        held[r["partner_id"]][cert].add(r["person_id"])
    for p in partners:
        for name, certs in PEOPLE_METRICS.items():
            people: set[str] = set()
            for c in certs:
                people |= held[p].get(c, set())
            out[p][name] = Fraction(len(people))

    acr: dict[str, dict[tuple[str, dt.date], Decimal]] = defaultdict(lambda: defaultdict(Decimal))  # partner -> (tenant, month)
    service_acr: dict[str, dict[tuple[str, dt.date], Decimal]] = defaultdict(lambda: defaultdict(Decimal))  # partner -> (service, month)
    for r in _read(folder / "azure_usage.csv"):
        if r["offer"] in INELIGIBLE_OFFERS or r["association"] not in ELIGIBLE_ASSOCIATIONS:
            continue
        m = dt.date.fromisoformat(r["month"])
        v = Decimal(r["acr_usd"])
        acr[r["partner_id"]][(r["tenant_id"], m)] += v
        service_acr[r["partner_id"]][(r["service"], m)] += v

    L = last_full_month(as_of)
    window = {month_add(L, -k) for k in range(12)}
    for p in partners:
        by_tenant = acr[p]
        tenants = {t for t, _ in by_tenant}

        def E(m: dt.date, by_tenant=by_tenant, tenants=tenants) -> int:
            prev = month_add(m, -1)
            return sum(1 for t in tenants if by_tenant.get((t, m), Decimal(0)) >= 1000 or by_tenant.get((t, prev), Decimal(0)) >= 1000)

        def Q(m: dt.date, by_tenant=by_tenant, tenants=tenants) -> Fraction:
            total = Decimal(0)
            for t in tenants:
                v = by_tenant.get((t, m), Decimal(0))
                if v >= 1000:
                    total += v
            return Fraction(total)

        adds = Fraction(E(L) - E(month_add(L, -12)))
        q0, q1 = Q(month_add(L, -12)), Q(L)
        growth = Fraction(0) if q0 == 0 else (q1 - q0) * 100 / q0
        per_service: dict[str, Decimal] = defaultdict(Decimal)
        for (s, m), v in service_acr[p].items():
            if m in window and s not in VM_SERVICES:
                per_service[s] += v
        deployments = Fraction(sum(1 for v in per_service.values() if v > 0))
        for prefix in AZURE_PREFIXES:
            out[p][f"{prefix}_net_customer_adds"] = adds
            out[p][f"{prefix}_usage_growth_pct"] = growth
            out[p][f"{prefix}_deployments"] = deployments
    return out


# ------------------------------------------------------------------ a boundary-heavy folder

SERVICES = [
    "Virtual Machines",
    "Virtual Machines Licenses",
    "Storage",
    "Azure SQL Database",
    "Key Vault",
    "Azure Cosmos DB",
    "Functions",
    "App Service",
]
OFFERS = ["Pay-As-You-Go", "Enterprise Agreement", "Azure Plan", "Support", "Internal", "Benefit Program", "Trial"]
ASSOCIATIONS = ["CSP_T1", "CSP_T2", "DPOR", "PAL", "CPOR"]
AMOUNTS = ["1000.00", "999.99", "1000.01", "0", "-50.00", "500.00", "0.01", "12345.67", "2000", "1000"]


def generate(folder: Path, as_of: dt.date, partners: int = 120, seed: int = 0) -> None:
    """A §4.2 folder (CSV) full of edges around `as_of`: amounts at 1,000, months at the window
    edges and the as-of month itself, credits, ineligible rows, retired and expiring
    certifications, unlinked people, people and tenants repeated across partners."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    L = last_full_month(as_of)
    ids = [f"P{i:04d}" for i in range(partners)]
    with open(folder / "partners.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["partner_id", "anniversary"])
        for p in ids:
            w.writerow([p, rng.choice(["", f"2023-{rng.randint(1, 12):02d}-15"])])

    certs = [
        GATE_ARCHITECT,
        GATE_ADMIN,
        *DATA_AI,
        *DIGITAL_INTERMEDIATE,
        *DIGITAL_ADVANCED,
        *INFRA_INTERMEDIATE,
        *INFRA_ADVANCED,
        *OTHER_CERTS,
    ]
    edge_dates = [
        as_of,
        as_of - dt.timedelta(days=1),
        as_of + dt.timedelta(days=1),
        dt.date(2024, 7, 31),
        dt.date(2024, 8, 1),
        dt.date(2020, 1, 1),
    ]
    with open(folder / "certifications.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["partner_id", "person_id", "certification", "linked", "earned_on", "expires_on"])
        for p in ids:
            people = [f"U{rng.randint(0, 40)}" for _ in range(rng.randint(0, 25))]  # the same person ids under other partners
            if rng.random() < 0.4:  # a strong partner: enough valid people to pass the gates and score
                for k in range(rng.randint(4, 16)):
                    for cert in rng.sample(certs[: -len(OTHER_CERTS)], 3):
                        w.writerow([p, f"S{k}", cert, "true", "2021-05-01", ""])
            for person in people:
                for _ in range(rng.randint(1, 3)):
                    earned = rng.choice(edge_dates)
                    expires = rng.choice(["", "", *[d.isoformat() for d in edge_dates]])
                    linked = "true" if rng.random() < 0.85 else "false"
                    w.writerow([p, person, rng.choice(certs), linked, earned.isoformat(), expires])

    months = [month_add(L, k) for k in (-25, -13, -12, -11, -2, -1, 0, 1)]  # L+1 is the as-of month: never used
    with open(folder / "azure_usage.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["partner_id", "tenant_id", "month", "service", "offer", "association", "acr_usd"])
        for p in ids:
            if rng.random() < 0.4:  # a strong partner: customers growing past 1,000 USD, several services
                for k in range(rng.randint(1, 6)):
                    for m, amount in (
                        (month_add(L, -12), rng.choice(["1000.00", "3000", "999.99"])),
                        (L, rng.choice(["1000.00", "3700.10", "5000"])),
                    ):
                        w.writerow(
                            [
                                p,
                                f"G{k}",
                                m.isoformat(),
                                rng.choice(SERVICES[2:]),
                                "Azure Plan",
                                rng.choice(["CSP_T1", "DPOR", "PAL"]),
                                amount,
                            ]
                        )
            tenants = [f"T{rng.randint(0, 30)}" for _ in range(rng.randint(0, 8))]
            for t in tenants:
                for m in rng.sample(months, rng.randint(1, len(months))):
                    for _ in range(rng.randint(1, 3)):
                        w.writerow(
                            [
                                p,
                                t,
                                m.isoformat(),
                                rng.choice(SERVICES),
                                rng.choice(OFFERS[:3] * 3 + OFFERS),
                                rng.choice(ASSOCIATIONS),
                                rng.choice(AMOUNTS),
                            ]
                        )


# ------------------------------------------------------------------ the designations, by hand


def _clamp(x: Fraction) -> Fraction:
    return min(Fraction(1), max(Fraction(0), x))


def designations(m: dict[str, Fraction]) -> dict[str, tuple[str, Fraction]]:
    """track -> (level or "", exact score) for the three Azure designations of one partner,
    read from cloudpartner2022's published rules (reference §2-§4), not from the program."""
    architect = m["azure_solutions_architect_experts"] >= 2
    admin = m["azure_administrator_associates"] >= 2
    out = {}
    for prefix in AZURE_PREFIXES:
        lines = [
            30 * _clamp(m[f"{prefix}_net_customer_adds"] / 3),
            20 * _clamp(m[f"{prefix}_usage_growth_pct"] / 20),
            10 * _clamp(m[f"{prefix}_deployments"] / 5),
        ]
        if prefix == "data_ai":
            lines.append(40 * _clamp(m["data_ai_intermediate_certified"] / 10) if architect and admin else Fraction(0))
        else:
            lines.append(20 * _clamp(m[f"{prefix}_intermediate_certified"] / 5) if admin else Fraction(0))
            lines.append(20 * _clamp(m[f"{prefix}_advanced_certified"] / 5) if architect else Fraction(0))
        total = min(Fraction(100), sum(lines, Fraction(0)))
        out[prefix] = ("designated" if total >= 70 and all(x > 0 for x in lines) else "", total)
    return out


def score_text(x: Fraction) -> str:
    """docs/data.md: at most 6 decimal places, half-even, trailing zeros dropped."""
    from decimal import ROUND_HALF_EVEN, getcontext

    getcontext().prec = 80
    d = (Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def generate_history(folder: Path, first: dt.date, last: dt.date, partners: int = 80, seed: int = 0) -> None:
    """A §4.2 folder whose records move month by month from 25 months before `first` to `last`:
    partners drift in and out of designation, so the six-month window of §4.4 matters."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"H{i:03d}" for i in range(partners)]
    with open(folder / "partners.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["partner_id", "anniversary"])
        for p in ids:
            w.writerow([p, ""])
    certs = [GATE_ARCHITECT, GATE_ADMIN, *DATA_AI, *DIGITAL_INTERMEDIATE, *DIGITAL_ADVANCED, *INFRA_INTERMEDIATE, *INFRA_ADVANCED]
    with open(folder / "certifications.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["partner_id", "person_id", "certification", "linked", "earned_on", "expires_on"])
        for p in ids:
            for k in range(rng.randint(0, 16)):
                for cert in [GATE_ARCHITECT, GATE_ADMIN, *rng.sample(certs, 3)][rng.randint(0, 2) :]:
                    earned = month_add(first, rng.randint(-30, 2)) + dt.timedelta(days=rng.randint(0, 27))
                    expires = (
                        ""
                        if rng.random() < 0.6
                        else (month_add(first, rng.randint(-3, 8)) + dt.timedelta(days=rng.randint(0, 27))).isoformat()
                    )
                    w.writerow([p, f"S{k}", cert, "true", earned.isoformat(), expires])
    months = []
    m = month_add(first, -25)
    while m <= last:
        months.append(m)
        m = month_add(m, 1)
    with open(folder / "azure_usage.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["partner_id", "tenant_id", "month", "service", "offer", "association", "acr_usd"])
        for p in ids:
            for t in range(rng.randint(0, 8)):
                level = rng.choice([300, 900, 1500, 4000])
                for m in months:
                    if rng.random() < 0.25:
                        level = rng.choice([0, 500, 999.99, 1000, 1800, 5000])  # a change of regime
                    if level or rng.random() < 0.1:
                        w.writerow(
                            [
                                p,
                                f"T{t}",
                                m.isoformat(),
                                rng.choice(SERVICES[2:]),
                                "Azure Plan",
                                rng.choice(["CSP_T1", "DPOR", "PAL"]),
                                f"{level:.2f}",
                            ]
                        )
