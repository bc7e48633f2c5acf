"""The hand-written baseline for records: the Cloud Partner Program metrics computed from a
DESIGN §4.2 folder (partners, certifications, azure_usage; Parquet) as one polars query, then
benchmarks/baseline.py's rules on them. Same folder, same output shape as `tier eval
programs/cloudpartner2022-records.tier FOLDER --as-of DATE -o OUT`.

What it computes, straight from DESIGN §4.2 (not from tier's records engine): distinct linked
people per certification list on the date (retirements included); the Azure net customer
adds E(L) − E(L − 12), usage growth from Q(L) and Q(L − 12), deployments (services other than
Virtual Machines with eligible ACR above 0 over the last 12 months); Security's Azure side
(PAL consumption of security services: customers at 100 USD and deployments at 12,000 USD
over 12 months against the 12 months before, ACR growth). The Microsoft 365 and Dynamics
tables are read when the folder has them... it does not: `tier synth --records` does not write
them yet, so their metrics are 0, as tier reads absent tables. Sums are exact (Decimal); the
rules are baseline.py's Float64 ones.

    python benchmarks/baseline_records.py FOLDER AS_OF OUT        # OUT: .csv or .parquet
    python benchmarks/baseline_records.py FOLDER AS_OF OUT --metrics   # the metrics, not the results
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline import query  # benchmarks/ is not a package

c = pl.col

INELIGIBLE_OFFERS = ["Support", "Internal", "Benefit Program", "Trial"]
AZURE_ASSOCIATIONS = ["CSP_T1", "CSP_T2", "DPOR", "PAL"]
VM_SERVICES = ["Virtual Machines", "Virtual Machines Licenses"]
SECURITY_SERVICES = [
    "Advanced Data Security", "Advanced Threat Protection", "Application Gateway", "Azure AD B2C",
    "Azure AD Domain Services", "Azure AD External Identities", "Azure Bastion", "Azure DDoS Protection",
    "Azure Defender", "Azure Firewall", "Azure Firewall Manager", "Azure Front Door", "Azure IoT Security",
    "Key Vault", "Network Watcher", "Security Center", "Sentinel",
]  # fmt: skip
# (metric, certifications), programs/cloudpartner2022-records.tier
PEOPLE = {
    "azure_solutions_architect_experts": ["Azure Solutions Architect Expert"],
    "azure_administrator_associates": ["Azure Administrator Associate"],
    "data_ai_intermediate_certified": [
        "Azure Database Administrator Associate", "Azure AI Engineer Associate", "Azure Data Scientist Associate",
        "Azure Data Engineer Associate", "Data Analyst Associate", "Customer Data Platform Specialty",
        "Azure Cosmos DB Developer Specialty",
    ],
    "digital_app_intermediate_certified": ["Azure Developer Associate", "Power Platform Developer Associate"],
    "digital_app_advanced_certified": [
        "Azure IoT Developer Specialty", "Azure DevOps Engineer Expert", "Power Platform Solution Architect Expert",
    ],
    "infrastructure_intermediate_certified": [
        "Azure Network Engineer Associate", "Azure Stack Hub Operator Associate", "Windows Server Hybrid Administrator Associate",
    ],
    "infrastructure_advanced_certified": ["Azure Virtual Desktop Specialty", "Azure for SAP Workloads Specialty"],
    "security_step1_certified": ["Azure Security Engineer Associate"],
    "security_step2_certified": ["Security Operations Analyst Associate", "Microsoft 365 Security Administrator Associate"],
    "security_intermediate_certified": [
        "Cybersecurity Architect Expert", "Security Operations Analyst Associate",
        "Identity and Access Administrator Associate", "Information Protection and Compliance Administrator Associate",
    ],
    "modern_work_intermediate_certified": [
        "Microsoft 365 Fundamentals", "Teams Application Developer Associate", "Teams Administrator Associate",
        "Messaging Administrator Associate", "Identity and Access Administrator Associate",
        "Collaboration Communications Systems Engineer Associate", "Endpoint Administrator Associate",
    ],
    "modern_work_advanced_certified": [
        "Microsoft 365 Enterprise Administrator Expert", "Teams Meetings and Meeting Rooms Technical Assessment",
    ],
    "business_apps_intermediate_certified": [
        "Dynamics 365 Sales Functional Consultant Associate", "Customer Service Functional Consultant Associate",
        "Dynamics 365 Field Service Functional Consultant Associate", "Dynamics 365 Marketing Functional Consultant Associate",
        "Dynamics 365 Finance Functional Consultant Associate",
        "Dynamics 365 Supply Chain Management Functional Consultant Associate",
        "Dynamics 365 Business Central Functional Consultant Associate", "Dynamics 365 Business Central Developer Associate",
        "Dynamics 365 Finance and Operations Apps Developer Associate", "Power Platform Functional Consultant Associate",
        "Power Platform Developer Associate", "Power Platform App Maker Associate", "Data Analyst Associate",
        "Customer Data Platform Specialty", "Azure Enterprise Data Analyst Associate", "Power Automate RPA Developer Associate",
    ],
    "business_apps_advanced_certified": [
        "Dynamics 365 Supply Chain Management Functional Consultant Expert",
        "Dynamics 365 Finance and Operations Apps Solution Architect Expert",
        "Dynamics 365 + Power Platform Solution Architect Expert", "Power Platform Solution Architect Expert",
    ],
}  # fmt: skip
# certification -> (last day it counts, inclusive) for retired ones; and the first day one stops counting
RETIRED_THROUGH = {
    "Azure IoT Developer Specialty": dt.date(2024, 7, 31),
    "Azure Stack Hub Operator Associate": dt.date(2024, 7, 31),
    "Microsoft 365 Security Administrator Associate": dt.date(2024, 6, 30),
    "Customer Service Functional Consultant Associate": dt.date(2024, 6, 30),
    "Dynamics 365 + Power Platform Solution Architect Expert": dt.date(2023, 6, 30),
}
# snapshot columns the folder has no table for (Microsoft 365, Dynamics): 0
ZERO = [
    "security_net_customer_adds_m365", "security_deployments_m365", "security_protected_users_growth",
    "modern_work_net_customer_adds_ent", "modern_work_net_customer_adds_smb", "modern_work_usage_growth_cpor_ent",
    "modern_work_usage_growth_dpor_ent", "modern_work_usage_growth_cpor_smb", "modern_work_usage_growth_csp_smb",
    "modern_work_deployments_cpor_ent", "modern_work_deployments_dpor_ent", "modern_work_deployments_cpor_smb",
    "modern_work_deployments_csp_smb", "business_apps_enterprise_workloads", "business_apps_net_customer_adds_ent",
    "business_apps_net_customer_adds_smb", "business_apps_usage_growth_pct", "business_apps_baseline_mcv",
    "business_apps_deployments_ent", "business_apps_deployments_smb",
]  # fmt: skip


def month_add(m: dt.date, k: int) -> dt.date:
    n = m.year * 12 + m.month - 1 + k
    return dt.date(n // 12, n % 12 + 1, 1)


def metrics(folder: Path, as_of: dt.date) -> pl.LazyFrame:
    """One row per partner: the snapshot columns of programs/cloudpartner2022.tier."""
    partners = pl.scan_parquet(folder / "partners.parquet").select("partner_id")
    # ---- people: distinct linked people holding a counting certification of each list
    retired = [name for name, last in RETIRED_THROUGH.items() if as_of > last]
    held = (
        pl.scan_parquet(folder / "certifications.parquet")
        .filter(
            c("linked")
            & (c("earned_on") <= as_of)
            & (c("expires_on").is_null() | (c("expires_on") >= as_of))
            & ~c("certification").is_in(retired)
        )
        .select("partner_id", "person_id", "certification")
    )
    lists = pl.LazyFrame(
        [(cert, metric) for metric, certs in PEOPLE.items() for cert in certs], schema=["certification", "metric"], orient="row"
    )
    people = (
        held.join(lists, on="certification")
        .select("partner_id", "metric", "person_id")
        .unique()
        .group_by("partner_id")
        .agg([(c("metric") == m).sum().alias(m) for m in PEOPLE])
    )
    # ---- Azure: eligible usage, tenant-months of the four months E and Q read
    L = as_of.replace(day=1)
    L = month_add(L, -1)
    L1, Y, Y1 = month_add(L, -1), month_add(L, -12), month_add(L, -13)
    window = month_add(L, -11)
    usage = pl.scan_parquet(folder / "azure_usage.parquet")
    eligible = usage.filter(~c("offer").is_in(INELIGIBLE_OFFERS) & c("association").is_in(AZURE_ASSOCIATIONS))
    tm = (
        eligible.filter(c("month").is_in([L, L1, Y, Y1]))
        .group_by("partner_id", "tenant_id", "month")
        .agg(c("acr_usd").sum())
        .with_columns((c("acr_usd") >= 1000).alias("q"))
    )
    azure = tm.group_by("partner_id").agg(
        (c("tenant_id").filter(c("q") & c("month").is_in([L, L1])).n_unique()).alias("e1"),
        (c("tenant_id").filter(c("q") & c("month").is_in([Y, Y1])).n_unique()).alias("e0"),
        c("acr_usd").filter(c("q") & (c("month") == L)).sum().alias("q1"),
        c("acr_usd").filter(c("q") & (c("month") == Y)).sum().alias("q0"),
    )
    deployed = (
        eligible.filter((c("month") >= window) & (c("month") <= L) & ~c("service").is_in(VM_SERVICES))
        .group_by("partner_id", "service")
        .agg(c("acr_usd").sum())
        .filter(c("acr_usd") > 0)
        .group_by("partner_id")
        .agg(pl.len().alias("deployments"))
    )
    # ---- Security (Azure): PAL consumption of security services
    security = usage.filter(~c("offer").is_in(INELIGIBLE_OFFERS) & (c("association") == "PAL") & c("service").is_in(SECURITY_SERVICES))
    before = month_add(L, -23)
    tenants = (
        security.filter(c("month") >= before)
        .with_columns((c("month") >= window).alias("now"))
        .group_by("partner_id", "tenant_id", "now")
        .agg(c("acr_usd").sum())
    )
    sec_tenants = tenants.group_by("partner_id").agg(
        ((c("acr_usd") >= 100) & c("now")).sum().alias("sc1"),
        ((c("acr_usd") >= 100) & ~c("now")).sum().alias("sc0"),
        ((c("acr_usd") >= 12000) & c("now")).sum().alias("sd1"),
        ((c("acr_usd") >= 12000) & ~c("now")).sum().alias("sd0"),
    )
    sec_acr = (
        security.filter(c("month").is_in([L, Y]))
        .group_by("partner_id")
        .agg(
            c("acr_usd").filter(c("month") == L).sum().alias("s1"),
            c("acr_usd").filter(c("month") == Y).sum().alias("s0"),
        )
    )
    wide = (
        partners.join(people, on="partner_id", how="left")
        .join(azure, on="partner_id", how="left")
        .join(deployed, on="partner_id", how="left")
        .join(sec_tenants, on="partner_id", how="left")
        .join(sec_acr, on="partner_id", how="left")
    )
    zero = pl.lit(0)
    counts = [*PEOPLE, "e1", "e0", "deployments", "sc1", "sc0", "sd1", "sd0"]
    wide = wide.with_columns([c(x).fill_null(0).cast(pl.Int64) for x in counts])
    q0 = c("q0").fill_null(0).cast(pl.Float64)
    q1 = c("q1").fill_null(0).cast(pl.Float64)
    growth = pl.when(q0 == 0).then(0.0).otherwise((q1 - q0) * 100 / q0)
    adds = c("e1") - c("e0")
    azure_cols = []
    for area in ("data_ai", "digital_app", "infrastructure"):
        azure_cols += [
            adds.alias(f"{area}_net_customer_adds"),
            growth.alias(f"{area}_usage_growth_pct"),
            c("deployments").alias(f"{area}_deployments"),
        ]
    return wide.select(
        "partner_id",
        *PEOPLE,
        *azure_cols,
        (c("sc1") - c("sc0")).alias("security_net_customer_adds_azure"),
        (c("sd1") - c("sd0")).clip(0).alias("security_deployments_azure"),
        (c("s1").fill_null(0).cast(pl.Float64) - c("s0").fill_null(0).cast(pl.Float64)).alias("security_acr_growth_usd"),
        *[zero.alias(x) for x in ZERO],
    )


def main(folder: str, as_of: str, out: str, only_metrics: bool = False) -> None:
    lf = metrics(Path(folder), dt.date.fromisoformat(as_of))
    q = lf if only_metrics else query(lf)
    if out.endswith(".csv"):
        q.sink_csv(out)
    else:
        q.sink_parquet(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], "--metrics" in sys.argv[4:])
