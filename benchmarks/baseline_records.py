"""The hand-written baseline for records: the Cloud Partner Program metrics computed from a
DESIGN §4.2 folder (partners, certifications, azure_usage; Parquet) as one polars query, then
benchmarks/baseline.py's rules on them. Same folder, same output shape as `tier eval
programs/cloudpartner2022-records.tier FOLDER --as-of DATE -o OUT`.

What it computes, straight from DESIGN §4.2 (not from tier's records engine): distinct linked
people per certification list on the date (retirements included); the Azure net customer
adds E(L) − E(L − 12), usage growth from Q(L) and Q(L − 12), deployments (services other than
Virtual Machines with eligible ACR above 0 over the last 12 months); Security's Azure side
(PAL consumption of security services: customers at 100 USD and deployments at 12,000 USD
over 12 months against the 12 months before, ACR growth); Microsoft 365 (m365_usage: Security's
customers, deployments and protected users, Modern Work's Enterprise and SMB customers, active
users and deployments) and Dynamics (dynamics_revenue: Enterprise workloads and customer adds;
dynamics_usage: MCV, its growth and deployments), each from its table when the folder has it,
else 0 as tier reads an absent table. Sums and thresholds are exact (Decimal and integers); the
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
MODERN_WORK_WORKLOADS = [
    "Intune", "Exchange", "ProPlus", "SharePoint", "Teams", "Teams Meetings", "Teams Phone", "Teams Phone calling",
    "Teams Platform", "Yammer", "Viva Insights", "Viva Topics", "Viva Learning", "Viva Connections",
]  # fmt: skip
SECURITY_WORKLOADS = [
    "Azure AD Premium", "Defender for Office 365", "Defender for Endpoint", "Defender for Identity",
    "Microsoft Information Protection", "Intune",
]  # fmt: skip
DYNAMICS_365_WORKLOADS = [
    "Business Central", "Core HR", "Customer Engagement", "Finance and Operations", "Guides", "Remote Assist", "Retail",
    "Talent Attract", "Talent Onboard",
]  # fmt: skip
PAL_WORKLOADS = ["Power Apps", "Power Automate", "Power BI", "Customer Insights"]
# Modern Work segments: (metric suffix, associations, Enterprise?)
MW_SEGMENTS = [
    ("cpor_ent", ["CPOR"], True),
    ("dpor_ent", ["DPOR"], True),
    ("cpor_smb", ["CPOR"], False),
    ("csp_smb", ["CSP_T1", "CSP_T2"], False),
]
M365 = [
    "security_net_customer_adds_m365", "security_deployments_m365", "security_protected_users_growth",
    "modern_work_net_customer_adds_ent", "modern_work_net_customer_adds_smb",
    *[f"modern_work_usage_growth_{s}" for s, _, _ in MW_SEGMENTS], *[f"modern_work_deployments_{s}" for s, _, _ in MW_SEGMENTS],
]  # fmt: skip
DYNAMICS_REVENUE = ["business_apps_enterprise_workloads", "business_apps_net_customer_adds_ent", "business_apps_net_customer_adds_smb"]
DYNAMICS_USAGE = [
    "business_apps_usage_growth_pct",
    "business_apps_baseline_mcv",
    "business_apps_deployments_ent",
    "business_apps_deployments_smb",
]


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
    out = wide.select(
        "partner_id",
        *PEOPLE,
        *azure_cols,
        (c("sc1") - c("sc0")).alias("security_net_customer_adds_azure"),
        (c("sd1") - c("sd0")).clip(0).alias("security_deployments_azure"),
        (c("s1").fill_null(0).cast(pl.Float64) - c("s0").fill_null(0).cast(pl.Float64)).alias("security_acr_growth_usd"),
    )
    for table, part, columns in (
        ("m365_usage", _m365, M365),
        ("dynamics_revenue", _dynamics_revenue, DYNAMICS_REVENUE),
        ("dynamics_usage", _dynamics_usage, DYNAMICS_USAGE),
    ):
        path = folder / f"{table}.parquet"
        if path.exists():
            out = out.join(part(pl.scan_parquet(path), L), on="partner_id", how="left")
            out = out.with_columns([c(x).fill_null(0) for x in columns])
        else:  # an absent table: no customers, no usage (tier reads it as empty)
            out = out.with_columns([pl.lit(0).alias(x) for x in columns])
    return out


def _m365(usage: pl.LazyFrame, L: dt.date) -> pl.LazyFrame:
    """Security's and Modern Work's Microsoft 365 metrics per partner that has rows."""
    Y, pid, tenant = month_add(L, -12), "partner_id", "tenant_id"
    # Security: security workloads through CPOR. Customers: tenants with >= 25 paid seats on
    # one row-group (tenant, month) in the 12 months, against the 12 months before.
    sec = usage.filter(c("workload").is_in(SECURITY_WORKLOADS) & (c("association") == "CPOR"))
    months = sec.filter((c("month") >= month_add(L, -23)) & (c("month") <= L)).group_by(pid, tenant, "month").agg(c("paid_seats").max())
    customers = (
        months.filter(c("paid_seats") >= 25)
        .with_columns((c("month") >= month_add(L, -11)).alias("now"))
        .group_by(pid)
        .agg(c(tenant).filter(c("now")).n_unique().alias("sc1"), c(tenant).filter(~c("now")).n_unique().alias("sc0"))
    )
    # per tenant in L and in Y: deployments (>= 25 seats, active >= 15 % of seats), protected users
    st = (
        sec.filter(c("month").is_in([L, Y]))
        .group_by(pid, tenant, "month")
        .agg(
            c("paid_seats").max().alias("mp"),
            c("paid_seats").sum().alias("sp"),
            c("active_users").sum().alias("sa"),
            c("active_users").max().alias("ma"),
        )
        .with_columns(((c("mp") >= 25) & (100 * c("sa") >= 15 * c("sp"))).alias("dep"))
    )
    sec_tenants = st.group_by(pid).agg(
        c("dep").filter(c("month") == L).sum().alias("sd1"),
        c("dep").filter(c("month") == Y).sum().alias("sd0"),
        c("ma").filter(c("month") == L).sum().alias("pu1"),
        c("ma").filter(c("month") == Y).sum().alias("pu0"),
    )
    # Modern Work: customers per (tenant, workload) by summed seats; users and deployments per
    # tenant and segment (the association, CSP tiers together) by its largest row
    mw = usage.filter(c("workload").is_in(MODERN_WORK_WORKLOADS) & c("month").is_in([L, Y]))
    tw = mw.group_by(pid, tenant, "workload", "month").agg(
        c("paid_seats").filter(c("association").is_in(["CPOR", "DPOR"])).sum().alias("ent"),
        c("paid_seats").filter(c("association").is_in(["CPOR", "CSP_T1", "CSP_T2"])).sum().alias("smb"),
    )
    ent, smb = c("ent") > 300, (c("smb") >= 11) & (c("smb") <= 300)
    mw_customers = tw.group_by(pid).agg(
        *[
            c(tenant).filter(seg & (c("month") == m)).n_unique().alias(f"{name}{i}")
            for seg, name in ((ent, "ce"), (smb, "cs"))
            for m, i in ((L, 1), (Y, 0))
        ]
    )
    segment = pl.when(c("association").is_in(["CSP_T1", "CSP_T2"])).then(pl.lit("CSP")).otherwise(c("association"))
    ts = (
        mw.with_columns(segment.alias("segment"))
        .group_by(pid, tenant, "segment", "month")
        .agg(
            c("paid_seats").max().alias("mp"),
            c("paid_seats").sum().alias("sp"),
            c("active_users").sum().alias("sa"),
            c("active_users").max().alias("ma"),
        )
        .with_columns((10 * c("sa") >= 4 * c("sp")).alias("active"))
    )
    aggs = []
    for name, associations, enterprise in MW_SEGMENTS:
        size = (c("mp") > 300) if enterprise else ((c("mp") >= 11) & (c("mp") <= 300))
        seg = size & (c("segment") == ("CSP" if associations[0].startswith("CSP") else associations[0]))
        for m, i in ((L, 1), (Y, 0)):
            aggs.append(c("ma").filter(seg & (c("month") == m)).sum().alias(f"u_{name}{i}"))
            aggs.append((seg & c("active") & (c("month") == m)).sum().alias(f"d_{name}{i}"))
    mw_tenants = ts.group_by(pid).agg(aggs)
    counts = ["sc1", "sc0", "sd1", "sd0", "pu1", "pu0", "ce1", "ce0", "cs1", "cs0", *[a.meta.output_name() for a in aggs]]
    wide = (
        pl.concat([customers.select(pid), sec_tenants.select(pid), mw_customers.select(pid), mw_tenants.select(pid)])
        .unique()
        .join(customers, on=pid, how="left")
        .join(sec_tenants, on=pid, how="left")
        .join(mw_customers, on=pid, how="left")
        .join(mw_tenants, on=pid, how="left")
        .with_columns([c(x).fill_null(0).cast(pl.Int64) for x in counts])
    )
    return wide.select(
        pid,
        (c("sc1") - c("sc0")).alias("security_net_customer_adds_m365"),
        (c("sd1") - c("sd0")).clip(0).alias("security_deployments_m365"),
        (c("pu1") - c("pu0")).alias("security_protected_users_growth"),
        (c("ce1") - c("ce0")).alias("modern_work_net_customer_adds_ent"),
        (c("cs1") - c("cs0")).alias("modern_work_net_customer_adds_smb"),
        *[(c(f"u_{s}1") - c(f"u_{s}0")).alias(f"modern_work_usage_growth_{s}") for s, _, _ in MW_SEGMENTS],
        *[(c(f"d_{s}1") - c(f"d_{s}0")).clip(0).alias(f"modern_work_deployments_{s}") for s, _, _ in MW_SEGMENTS],
    )


def _dynamics_revenue(revenue: pl.LazyFrame, L: dt.date) -> pl.LazyFrame:
    """Business Applications' Enterprise workloads and customer adds (tenant-workloads)."""
    Y = month_add(L, -12)
    tw = (
        revenue.filter(c("month").is_in([L, Y]))
        .group_by("partner_id", "tenant_id", "workload")
        .agg(
            c("revenue_usd").filter(c("month") == L).sum().alias("r1"),
            c("revenue_usd").filter(c("month") == Y).sum().alias("r0"),
            (c("month") == L).any().alias("h1"),
            (c("month") == Y).any().alias("h0"),
        )
    )
    adds = [(c("h1") & (c("r1") >= t)).sum().cast(pl.Int64) - (c("h0") & (c("r0") >= t)).sum().cast(pl.Int64) for t in (1500, 250)]
    return tw.group_by("partner_id").agg(
        ((c("r1") > 5000) & (c("r0") > 5000)).sum().cast(pl.Int64).alias("business_apps_enterprise_workloads"),
        adds[0].alias("business_apps_net_customer_adds_ent"),
        adds[1].alias("business_apps_net_customer_adds_smb"),
    )


def _dynamics_usage(usage: pl.LazyFrame, L: dt.date) -> pl.LazyFrame:
    """Business Applications' MCV last month and a year earlier, its growth, deployments."""
    Y = month_add(L, -12)
    eligible = usage.filter(
        c("month").is_in([L, Y])
        & (
            (c("workload").is_in(DYNAMICS_365_WORKLOADS) & c("association").is_in(["CPOR_OSU", "DPOR", "CSP_T1", "CSP_T2"]))
            | (c("workload").is_in(PAL_WORKLOADS) & (c("association") == "PAL"))
        )
    )
    tw = eligible.group_by("partner_id", "tenant_id", "workload", "month").agg(c("mcv").sum())
    per = tw.group_by("partner_id").agg(
        c("mcv").filter(c("month") == L).sum().alias("m1"),
        c("mcv").filter(c("month") == Y).sum().alias("m0"),
        *[
            ((c("mcv") >= t) & (c("month") == m)).sum().cast(pl.Int64).alias(f"{seg}{i}")
            for t, seg in ((10_000, "de"), (5_000, "ds"))
            for m, i in ((L, 1), (Y, 0))
        ],
    )
    m1, m0 = c("m1").cast(pl.Float64), c("m0").cast(pl.Float64)
    return per.select(
        "partner_id",
        pl.when(m0 == 0).then(0.0).otherwise((m1 - m0) * 100 / m0).alias("business_apps_usage_growth_pct"),
        m0.alias("business_apps_baseline_mcv"),
        (c("de1") - c("de0")).clip(0).alias("business_apps_deployments_ent"),
        (c("ds1") - c("ds0")).clip(0).alias("business_apps_deployments_smb"),
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
