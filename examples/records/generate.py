"""Write the sample records folder for programs/cloudpartner2022-records.tier (this folder).

Eight partners, each a small story, as of 2023-06-15 (last month L = May 2023, the same month
last year = May 2022). Run from the repository root to regenerate the files:

    python examples/records/generate.py

tests/records/test_examples.py checks that the committed files are what this script writes.
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAY23, APR23, MAY22, APR22 = "2023-05-01", "2023-04-01", "2022-05-01", "2022-04-01"
TABLES = {
    "partners": ["partner_id", "anniversary"],
    "certifications": ["partner_id", "person_id", "certification", "linked", "earned_on", "expires_on"],
    "azure_usage": ["partner_id", "tenant_id", "month", "service", "offer", "association", "acr_usd"],
    "m365_usage": ["partner_id", "tenant_id", "month", "workload", "association", "paid_seats", "active_users"],
    "dynamics_revenue": ["partner_id", "tenant_id", "month", "workload", "association", "revenue_usd"],
    "dynamics_usage": ["partner_id", "tenant_id", "month", "workload", "association", "mcv"],
}
rows: dict[str, list[list[object]]] = {name: [] for name in TABLES}


def people(pid: str, certification: str, n: int, prefix: str, linked: bool = True, expires: str = "") -> None:
    for k in range(n):
        rows["certifications"].append([pid, f"{prefix}{k + 1}", certification, str(linked).lower(), "2022-03-01", expires])


def azure(
    pid: str, tenant: str, month: str, acr: str, service: str = "SQL Database", offer: str = "Pay-As-You-Go", association: str = "CSP_T1"
) -> None:
    rows["azure_usage"].append([pid, tenant, month, service, offer, association, acr])


def azure_skilling(pid: str, data_ai: int = 0, developers: int = 0, devops: int = 0, network: int = 0, desktop: int = 0) -> None:
    people(pid, "Azure Solutions Architect Expert", 2, "arch")
    people(pid, "Azure Administrator Associate", 2, "admin")
    people(pid, "Azure AI Engineer Associate", data_ai, "ai")
    people(pid, "Azure Developer Associate", developers, "dev")
    people(pid, "Azure DevOps Engineer Expert", devops, "ops")
    people(pid, "Azure Network Engineer Associate", network, "net")
    people(pid, "Azure Virtual Desktop Specialty", desktop, "avd")


def azure_customers(pid: str, now: int, before: int, growth_to: str, services: list[str]) -> None:
    """`now` tenants at 1,000+ in May 2023, `before` in May 2022 (the first at 2,000 then,
    `growth_to` now), ACR on `services` through the year."""
    for t in range(now):
        azure(pid, f"{pid}-T{t + 1}", MAY23, growth_to if t == 0 else "1500.00")
    for t in range(before):
        azure(pid, f"{pid}-T{t + 1}", MAY22, "2000.00" if t == 0 else "1200.00")
    for s in services:
        azure(pid, f"{pid}-T1", "2023-01-01", "250.00", service=s)


def m365(pid: str, tenant: str, month: str, workload: str, association: str, seats: int, users: int) -> None:
    rows["m365_usage"].append([pid, tenant, month, workload, association, seats, users])


def dynamics(pid: str, tenant: str, month: str, workload: str, revenue: str, mcv: str) -> None:
    rows["dynamics_revenue"].append([pid, tenant, month, workload, "DPOR", revenue])
    rows["dynamics_usage"].append([pid, tenant, month, workload, "DPOR", mcv])


# P01 Contoso Cloud: an Azure partner, strong everywhere on Azure (three designations).
rows["partners"].append(["P01", "2023-03-15"])
azure_skilling("P01", data_ai=10, developers=5, devops=5, network=5, desktop=5)
azure_customers("P01", now=4, before=1, growth_to="2500.00", services=["App Service", "Cosmos DB", "Storage", "Key Vault", "Functions"])

# P02 Fabrikam: the same customers, but one Azure Administrator short of the gate.
rows["partners"].append(["P02", ""])
people("P02", "Azure Solutions Architect Expert", 2, "arch")
people("P02", "Azure Administrator Associate", 1, "admin")
people("P02", "Azure Administrator Associate", 1, "late", linked=False)  # not linked: does not count
people("P02", "Azure AI Engineer Associate", 10, "ai")
azure_customers("P02", now=4, before=1, growth_to="2500.00", services=["App Service", "Cosmos DB", "Storage", "Key Vault", "Functions"])

# P03 Northwind Modern Work: small-business Microsoft 365 customers (SMB track).
rows["partners"].append(["P03", "2023-09-01"])
people("P03", "Microsoft 365 Fundamentals", 2, "m365")
people("P03", "Microsoft 365 Enterprise Administrator Expert", 1, "expert")
for t in range(10):
    m365("P03", f"P03-T{t + 1}", MAY23, "Teams", "CSP_T1", 120, 60 + 10 * t)
m365("P03", "P03-T1", MAY22, "Teams", "CSP_T1", 90, 0)

# P04 Adatum Business Apps: Enterprise Dynamics workloads.
rows["partners"].append(["P04", ""])
people("P04", "Dynamics 365 Sales Functional Consultant Associate", 20, "sales")
people("P04", "Dynamics 365 Finance and Operations Apps Solution Architect Expert", 7, "arch")
for t, workload in enumerate(["Customer Engagement", "Finance and Operations", "Business Central", "Core HR", "Retail", "Guides"]):
    dynamics("P04", f"P04-T{t + 1}", MAY23, workload, "6000.00", "16000")
    dynamics("P04", f"P04-T{t + 1}", MAY22, workload, "5500.00" if t < 5 else "0.00", "9000")

# P05 Litware Security: security services on Azure (through PAL) and Microsoft 365.
rows["partners"].append(["P05", "2024-01-10"])
people("P05", "Azure Security Engineer Associate", 1, "sec")
people("P05", "Security Operations Analyst Associate", 1, "soc")
people("P05", "Cybersecurity Architect Expert", 6, "arch")
for t in range(5):
    azure("P05", f"P05-A{t + 1}", MAY23, "1500.00", service="Sentinel", association="PAL")
    azure("P05", f"P05-A{t + 1}", "2022-11-01", "11000.00", service="Azure Firewall", association="PAL")
for t in range(5):
    m365("P05", f"P05-M{t + 1}", MAY23, "Defender for Endpoint", "CPOR", 200, 150)

# P06 Tailspin: a new member with nothing yet.
rows["partners"].append(["P06", ""])

# P07 Woodgrove: credits and ineligible usage only count where the rules say.
rows["partners"].append(["P07", ""])
azure_skilling("P07", data_ai=3)
azure("P07", "P07-T1", MAY23, "5000.00", offer="Trial")  # ineligible offer
azure("P07", "P07-T2", MAY23, "5000.00", association="CPOR")  # ineligible association
azure("P07", "P07-T3", MAY23, "1200.00")
azure("P07", "P07-T3", MAY23, "-300.00", service="Storage")  # a credit: 900 in all, under 1,000
azure("P07", "P07-T3", APR23, "1000.00")  # but 1,000.00 exactly the month before: eligible
azure("P07", "P07-T4", APR22, "3000.00")

# P08 Proseware: retired and expired certifications.
rows["partners"].append(["P08", "2023-06-20"])
people("P08", "Azure Solutions Architect Expert", 2, "arch")
people("P08", "Azure Administrator Associate", 2, "admin")
people("P08", "Azure IoT Developer Specialty", 3, "iot")  # retired 2023-07-31, counts through July 2024
people("P08", "Azure DevOps Engineer Expert", 2, "ops", expires="2023-06-14")  # expired the day before
people("P08", "Azure Developer Associate", 2, "dev", expires="2023-06-15")  # expires on the as-of date: counts


def main() -> None:
    for name, header in TABLES.items():
        with (HERE / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows[name])


if __name__ == "__main__":
    main()
