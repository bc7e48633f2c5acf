"""`tier synth --records`: the related tables of the Cloud Partner Program's records form
(DESIGN §4.2), for a synthetic population, coherent with the snapshot.

The snapshot population comes first (`synthesize` on the parent program,
programs/cloudpartner2022.tier): one row of metric values per partner. The records are then
*built to those values*: for every partner, people and certifications whose distinct-person
counts are the snapshot's certified columns, and customer tenants whose monthly Azure
consumption gives exactly its net customer adds, usage growth and deployments, and its
Security (Azure) customers, deployments and ACR growth. Where the snapshot's values cannot
all hold at once in records (the three Azure designations share one set of customers in
records but are drawn separately in the snapshot; a deployment count above the services
there are), the snapshot is *reconciled*: the written snapshot holds what the records give,
so that aggregating the records gives the snapshot columns exactly, and both forms give the
same designations (tested; docs/synth.md says which columns are reconciled and how often).

Everything is vectorized in polars, partner chunk by partner chunk (memory is bounded by the
chunk), and every random number is a counter-based draw keyed by the partner's row and the
record's place (`rng.word_at`), so the tables are a pure function of the options, and a
partner's records do not depend on how many partners were asked for.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import polars as pl

from tierlang import atomic, ir
from tierlang.synth.calibration import Calibration
from tierlang.synth.model import ANNIVERSARY, PARTNER_ID, synthesize
from tierlang.synth.rng import check_arithmetic, stream_key, uniform, word_at
from tierlang.synth.schema import SynthError

__all__ = ["RecordsResult", "synthesize_records", "RECORD_TABLES", "SNAPSHOT_FILE"]

#: The related tables written, in this order (DESIGN §4.2 and docs/programs/cloudpartner2022-records.md).
RECORD_TABLES = ("certifications", "azure_usage", "m365_usage", "dynamics_revenue", "dynamics_usage")
#: The snapshot (the parent program's columns, as the records give them), beside the tables.
SNAPSHOT_FILE = "snapshot"
#: Partners per chunk: the records of one chunk are built, written and dropped together.
CHUNK = 25_000

_P = ":p"  # the partner's row in the population (UInt64)
_MONTHS = 24  # month index 0 is L - 23, 23 is L (the last full month before the as-of date)
_L, _L1, _Y, _Y1 = 23, 22, 11, 10  # L, L - 1, L - 12, L - 13
_FREE = tuple(m for m in range(_MONTHS) if m not in (_L, _L1, _Y, _Y1))
_CENT = 100
_E = 1000 * _CENT  # the 1,000 USD of an eligible Azure customer, in cents
_LOW = _E - 1  # the most a tenant may have in a month where it must not count

# Certified-people columns of the snapshot and the list each counts (cloudpartner2022-records.tier).
CERT_METRICS = (
    ("azure_solutions_architect_experts", "azure_architect_certifications"),
    ("azure_administrator_associates", "azure_administrator_certifications"),
    ("data_ai_intermediate_certified", "data_ai_certifications"),
    ("digital_app_intermediate_certified", "digital_app_intermediate_certifications"),
    ("digital_app_advanced_certified", "digital_app_advanced_certifications"),
    ("infrastructure_intermediate_certified", "infrastructure_intermediate_certifications"),
    ("infrastructure_advanced_certified", "infrastructure_advanced_certifications"),
    ("security_step1_certified", "security_step1_certifications"),
    ("security_intermediate_certified", "security_step3_certifications"),
    ("security_step2_certified", "security_step2_certifications"),
    ("modern_work_intermediate_certified", "modern_work_intermediate_certifications"),
    ("modern_work_advanced_certified", "modern_work_advanced_certifications"),
    ("business_apps_intermediate_certified", "business_apps_intermediate_certifications"),
    ("business_apps_advanced_certified", "business_apps_advanced_certifications"),
)
# Certifications that count until a date (the list, and the param holding its last day or first day out).
_EXPIRING_LISTS = (
    ("retired_july_2024", "retired_july_2024_through", True),
    ("retired_june_2024", "retired_june_2024_through", True),
    ("not_eligible_from_july_2023", "not_eligible_from_july_2023_date", False),
)
# Certifications on no list of the program: they never count (and tier warns about them).
_OTHER_CERTIFICATIONS = (
    "Azure Fundamentals",
    "Azure Data Fundamentals",
    "Azure AI Fundamentals",
    "Security, Compliance, and Identity Fundamentals",
    "Power Platform Fundamentals",
)
AZURE = ("data_ai", "digital_app", "infrastructure")
# Azure Service Level 2 names used for customers' consumption (none is a security service).
_CORE_SERVICES = (
    "SQL Database", "Storage", "App Service", "Azure Kubernetes Service", "Azure Cosmos DB",
    "Azure Machine Learning", "Cognitive Services", "Azure OpenAI Service", "Functions", "Data Factory",
    "Azure Synapse Analytics", "Azure Databricks", "Event Hubs", "Service Bus", "Logic Apps",
    "API Management", "Azure Monitor", "Log Analytics", "Backup", "Site Recovery",
    "Azure Virtual Desktop", "Azure Database for PostgreSQL", "Azure Database for MySQL",
    "Azure Cache for Redis", "Azure Cognitive Search", "Container Registry", "Container Instances",
    "Azure Container Apps", "Azure Spring Apps", "Azure DevOps", "Virtual Network", "Load Balancer",
    "VPN Gateway", "ExpressRoute", "Azure DNS", "Content Delivery Network", "Bandwidth",
    "Azure Files", "Azure NetApp Files", "Azure Stack HCI", "Azure Arc", "Azure IoT Hub",
    "Azure Digital Twins", "Stream Analytics", "HDInsight", "Azure Data Explorer", "Power BI Embedded",
    "Azure Communication Services", "Notification Hubs", "SignalR Service", "Azure Batch",
    "Azure SQL Managed Instance", "Azure Analysis Services", "Azure Purview", "Azure Maps",
    "Azure Bot Service", "Media Services", "Azure Lab Services", "Azure VMware Solution", "Automation",
)  # fmt: skip
_VM_SERVICES = ("Virtual Machines", "Virtual Machines Licenses")
_ELIGIBLE_OFFERS = ("Azure plan", "Enterprise Agreement", "Pay-As-You-Go", "MCA-E")
_INELIGIBLE_OFFERS = ("Support", "Internal", "Benefit Program", "Trial")
_CORE_ASSOCIATIONS = ("CSP_T1", "CSP_T2", "DPOR", "PAL")


@dataclass
class RecordsResult:
    """What `synthesize_records` wrote: rows per table, the snapshot columns it reconciled
    (column: partners whose value differs from the drawn snapshot's), and the folder."""

    folder: Path
    partners: int
    rows: dict[str, int] = field(default_factory=dict)
    reconciled: dict[str, int] = field(default_factory=dict)


def _last_month(as_of: _dt.date) -> _dt.date:
    first = as_of.replace(day=1)
    return (first - _dt.timedelta(days=1)).replace(day=1)


def _month(last: _dt.date, index: int) -> _dt.date:
    n = last.year * 12 + last.month - 1 - (_L - index)
    return _dt.date(n // 12, n % 12 + 1, 1)


def _monthly_rows(rows: pl.DataFrame, parts: pl.DataFrame, order: tuple[str, ...], last: _dt.date, *columns: str | pl.Expr) -> pl.DataFrame:
    """A monthly usage table as written: each row's partner id, rows sorted by partner then
    `order`, then `partner_id`, `tenant_id`, `month` (the month index `:m` as the first day of
    its month) and `columns`."""
    rows = rows.join(parts.select(_P, PARTNER_ID), on=_P, how="left").sort(_P, *order, maintain_order=True)
    month = pl.col(":m").replace_strict({m: _month(last, m) for m in range(_MONTHS)}, return_dtype=pl.Date)
    return rows.select(PARTNER_ID, "tenant_id", month.alias("month"), *columns)


def _u64(v: int) -> pl.Expr:
    return pl.lit(v, pl.UInt64)


def _counter(*parts: tuple[pl.Expr | int, int]) -> pl.Expr:
    """A record's counter from (value, bits) parts, most significant first (53 bits in all)."""
    out: pl.Expr | None = None
    for value, bits in parts:
        v = value.cast(pl.UInt64) if isinstance(value, pl.Expr) else _u64(value)
        out = v if out is None else out * _u64(1 << bits) + v
    assert out is not None
    return out


class _Draws:
    """Uniform draws in (0, 1), one stream per name, at explicit record counters."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._keys: dict[str, int] = {}

    def u(self, name: str, counter: pl.Expr, field_: int = 0) -> pl.Expr:
        key = self._keys.get(name)
        if key is None:
            key = self._keys[name] = stream_key(self.seed, f"records:{name}")
        return uniform(word_at(key, counter), field_)

    def lognormal(self, name: str, counter: pl.Expr, sigma: float) -> pl.Expr:
        # Box-Muller from the word's two 32-bit halves.
        a, b = self.u(name, counter, 0), self.u(name, counter, 1)
        return ((a.log() * -2.0).sqrt() * (b * (2.0 * math.pi)).cos() * sigma).exp()


def _pick(values: tuple[str, ...], u: pl.Expr) -> pl.Expr:
    """One of `values`, uniformly by `u` in (0, 1)."""
    index = (u * len(values)).floor().cast(pl.Int64).clip(0, len(values) - 1)
    return index.replace_strict(dict(enumerate(values)), return_dtype=pl.String)


def _units(column: str, scale: int) -> pl.Expr:
    """A decimal column as a whole number of its last place (exact: through its text)."""
    text = pl.col(column).cast(pl.Decimal(38, scale)).cast(pl.String)
    return text.str.replace(".", "", literal=True).cast(pl.Int64)


def _ids(prefix: str, n: pl.Expr, width: int) -> pl.Expr:
    return pl.lit(prefix) + n.cast(pl.String).str.zfill(width)


# ------------------------------------------------------------------ certifications


@dataclass(frozen=True)
class _CertPlan:
    column: str
    certs: tuple[str, ...]  # what its people hold: only this list's counting certifications
    shares_with: str | None = None  # a column whose first people also count here (a shared certification)


def _cert_plans(program: ir.Program, as_of: _dt.date) -> tuple[list[_CertPlan], tuple[str, ...]]:
    lists = {v.name: v.values for v in program.lists}
    params = program.param_map
    missing = [name for _, name in CERT_METRICS if name not in lists]
    if missing:
        raise SynthError(
            f"--records needs the certification lists of programs/cloudpartner2022-records.tier; missing: {', '.join(missing)}"
        )
    out_of_date: set[str] = set()
    for list_name, param, through in _EXPIRING_LISTS:
        if list_name in lists and param in params:
            day = params[param].value
            if (as_of > day) if through else (as_of >= day):
                out_of_date |= set(lists[list_name])
    owners: dict[str, set[str]] = {}
    for column, list_name in CERT_METRICS:
        for c in lists[list_name]:
            owners.setdefault(c, set()).add(column)
    plans = []
    for column, list_name in CERT_METRICS:
        own = tuple(c for c in lists[list_name] if owners[c] == {column} and c not in out_of_date)
        if own:
            plans.append(_CertPlan(column, own))
            continue
        # No certification counts here alone (Security step 2 after June 2024 holds only
        # Security Operations Analyst, also a step-3 certification): its people hold a shared
        # one, and count in the other list too.
        shared = [c for c in lists[list_name] if len(owners[c]) == 2 and c not in out_of_date]
        if not shared:
            raise SynthError(f"no certification of '{list_name}' counts as of {as_of.isoformat()}: cannot build its people")
        other = next(iter(owners[shared[0]] - {column}))
        plans.append(_CertPlan(column, (shared[0],), other))
    everything = tuple(sorted({c for _, name in CERT_METRICS for c in lists[name]}))
    return plans, everything


def _certifications(parts: pl.DataFrame, plans: list[_CertPlan], all_certs: tuple[str, ...], as_of: _dt.date, d: _Draws):
    """The certifications of a chunk of partners, and the certified columns they give."""
    counts = {p.column: pl.col(p.column).clip(0) for p in plans}
    # A shared certification makes its holders count in the other list too: that list has at
    # least as many people.
    for p in plans:
        if p.shares_with:
            counts[p.shares_with] = pl.max_horizontal(counts[p.shares_with], counts[p.column])
    frame = parts.select(_P, *(v.alias(k) for k, v in counts.items()), pl.col("employees"))
    total = pl.sum_horizontal(*(pl.col(p.column) for p in plans))
    most = pl.max_horizontal(*(pl.col(p.column) for p in plans))
    # People who count: each holds about 1.6 of the listed certifications (blocks of people
    # per list, wrapping around the partner's people).
    frame = frame.with_columns(((total * 10 + 15) // 16).alias(":people"), most.alias(":most"))
    frame = frame.with_columns(pl.max_horizontal(":people", ":most").alias(":people"))
    offsets: dict[str, pl.Expr] = {}
    running: pl.Expr = pl.lit(0, pl.Int64)
    for p in plans:
        if p.shares_with is None:
            offsets[p.column] = running
            running = running + pl.col(p.column)
    for p in plans:
        if p.shares_with is not None:
            offsets[p.column] = offsets[p.shares_with]
    rows = []
    for i, p in enumerate(plans):
        sub = frame.select(
            _P, ":people", (offsets[p.column] % pl.max_horizontal(pl.col(":people"), pl.lit(1))).alias(":off"),
            pl.int_ranges(0, pl.col(p.column)).alias(":k"),
        ).explode(":k").drop_nulls(":k")  # fmt: skip
        ctr = _counter((pl.col(_P), 24), (i, 5), (pl.col(":k"), 24))
        sub = sub.select(
            _P,
            ((pl.col(":off") + pl.col(":k")) % pl.col(":people")).alias(":person"),
            _pick(p.certs, d.u("cert:name", ctr)).alias("certification"),
            d.u("cert:earned", ctr).alias(":u1"),
            d.u("cert:expiry", ctr).alias(":u2"),
        )
        rows.append(sub)
    counting = pl.concat(rows)
    # Earned within the year before the as-of date (role-based certifications renew yearly),
    # some on the date itself; a third never expire (specialties), some expire on the date.
    earned = pl.lit(as_of) - pl.duration(days=(pl.col(":u1") * 365).floor().cast(pl.Int64).clip(0, 364))
    counting = counting.with_columns(
        earned.alias("earned_on"),
        pl.when(pl.col(":u2") < 0.3)
        .then(pl.lit(None, pl.Date))
        .when(pl.col(":u2") > 0.985)
        .then(pl.lit(as_of))
        .otherwise(earned + pl.duration(days=365))
        .alias("expires_on"),
        pl.lit(True).alias("linked"),
    )
    # Rows that never count: certifications on no list, unlinked profiles, expired ones, and
    # ones earned after the date; on average 2.5 × employees^0.45 per partner.
    frame = frame.with_columns(
        (d.u("cert:inert", _counter((pl.col(_P), 24))) * 5.0 * pl.col("employees").cast(pl.Float64).pow(0.45))
        .floor()
        .cast(pl.Int64)
        .alias(":inert")
    )
    inert = frame.select(_P, ":people", pl.int_ranges(0, pl.col(":inert")).alias(":k")).explode(":k").drop_nulls(":k")
    ctr = _counter((pl.col(_P), 24), (31, 5), (pl.col(":k"), 24))
    kind = (d.u("cert:inert:kind", ctr) * 4).floor().cast(pl.Int64)
    u = d.u("cert:inert:date", ctr)
    days = (u * 1400).floor().cast(pl.Int64) + 1
    inert = inert.select(
        _P,
        kind.alias(":kind"),
        # some inert rows belong to people who count (a lapsed certification beside a valid one)
        pl.when(d.u("cert:inert:who", ctr) < 0.3)
        .then(pl.col(":k") % pl.max_horizontal(pl.col(":people"), pl.lit(1)))
        .otherwise(pl.col(":people") + pl.col(":k") // 2)
        .alias(":person"),
        pl.when(kind == 0)
        .then(_pick(_OTHER_CERTIFICATIONS, d.u("cert:inert:name", ctr)))
        .otherwise(_pick(all_certs, d.u("cert:inert:name", ctr)))
        .alias("certification"),
        (kind != 1).alias("linked"),
        pl.when(kind == 3)
        .then(pl.lit(as_of) + pl.duration(days=(u * 200).floor().cast(pl.Int64) + 1))
        .when(kind == 2)
        .then(pl.lit(as_of) - pl.duration(days=days + 365))
        .otherwise(pl.lit(as_of) - pl.duration(days=(u * 364).floor().cast(pl.Int64)))
        .alias("earned_on"),
    )
    inert = inert.with_columns(
        pl.when(pl.col(":kind") == 0).then(pl.lit(None, pl.Date)).otherwise(pl.col("earned_on") + pl.duration(days=365)).alias("expires_on")
    )
    cols = [_P, ":person", "certification", "linked", "earned_on", "expires_on"]
    both = pl.concat([counting.select(cols), inert.select(cols)])
    # A few people show the same certification twice (identical rows: counted once).
    again = both.filter(d.u("cert:again", _counter((pl.col(_P), 24), (pl.col(":person"), 29))) < 0.02)
    table = pl.concat([both, again]).sort(_P, ":person", "certification", "earned_on", maintain_order=True)
    table = table.join(parts.select(_P, PARTNER_ID), on=_P, how="left").select(
        PARTNER_ID,
        _ids("U", pl.col(":person") + 1, 5).alias("person_id"),
        "certification",
        "linked",
        "earned_on",
        "expires_on",
    )
    return table, frame.select(_P, *(pl.col(p.column) for p in plans))


# ------------------------------------------------------------------ Azure


def _split(total: pl.Expr, u: pl.Expr, group: list[str], first: pl.Expr) -> pl.Expr:
    """`total` (the same on every row of a group) split over the group's rows in proportion to
    whole weights drawn from `u`, exactly (integer arithmetic): floors, and the remainder to
    the row where `first` holds."""
    weight = 1 + (u * 1000).floor().cast(pl.Int64)
    share = total * weight // weight.sum().over(group)
    rest = total - share.sum().over(group)
    return share + pl.when(first).then(rest).otherwise(0)


def _azure(parts: pl.DataFrame, d: _Draws, last: _dt.date):
    """The azure_usage rows of a chunk of partners, and the Azure and Security (Azure)
    columns they give."""
    p = _counter((pl.col(_P), 24))
    # The three Azure designations share customers, growth and deployments in records: the
    # partner's values are those of the designation it is strongest in (most deployments).
    lead = pl.lit("data_ai")
    best = pl.col("data_ai_deployments")
    for prefix in AZURE[1:]:
        better = pl.col(f"{prefix}_deployments") > best
        lead = pl.when(better).then(pl.lit(prefix)).otherwise(lead)
        best = pl.when(better).then(pl.col(f"{prefix}_deployments")).otherwise(best)

    def of_lead(metric: str, scale: int = 0) -> pl.Expr:
        value = (lambda c: _units(c, scale)) if scale else pl.col
        out = value(f"data_ai_{metric}")
        for prefix in AZURE[1:]:
            out = pl.when(lead == prefix).then(value(f"{prefix}_{metric}")).otherwise(out)
        return out

    f = parts.select(
        _P,
        pl.col("employees").cast(pl.Float64).alias(":size"),
        of_lead("net_customer_adds").alias(":n"),
        of_lead("usage_growth_pct", 1).alias(":g"),
        of_lead("deployments").clip(0).alias(":d"),
        pl.col("security_net_customer_adds_azure").alias(":sn"),
        pl.col("security_deployments_azure").clip(0).alias(":sd"),
        _units("security_acr_growth_usd", 2).alias(":sg"),
    )
    f = f.with_columns(
        ((pl.col(":n") != 0) | (pl.col(":g") != 0) | (pl.col(":d") != 0)).alias(":pursues"),
        ((pl.col(":sn") != 0) | (pl.col(":sd") != 0) | (pl.col(":sg") != 0)).alias(":secures"),
        # customers scale with size (about 2 at 25 people), lognormally
        (pl.col(":size") / 25).pow(0.5).mul(2.0).mul(d.lognormal("az:scale", p, 0.6)).alias(":k"),
    )
    k = pl.col(":k")
    g = pl.col(":g")
    b = pl.when(pl.col(":pursues")).then(pl.max_horizontal(pl.lit(1), k.round().cast(pl.Int64))).otherwise(0)
    f = f.with_columns(b.alias(":b"))
    need_a = (pl.col(":b") >= 1) & (g > -1000)
    x0 = (d.u("az:x0", p) * k * 0.5).floor().cast(pl.Int64)
    e0 = pl.max_horizontal(pl.col(":b") + x0, -pl.col(":n"), need_a.cast(pl.Int64) - pl.col(":n"))
    f = f.with_columns(need_a.alias(":need_a"), e0.alias(":e0"))
    f = f.with_columns((pl.col(":e0") + pl.col(":n")).alias(":e1"))
    ua = d.u("az:a", p)
    a = (
        pl.when(pl.col(":need_a"))
        .then(pl.min_horizontal(pl.col(":e1"), 1 + (ua * pl.col(":e1")).floor().cast(pl.Int64)))
        .when((pl.col(":b") == 0) & (g == 0))
        .then(pl.min_horizontal(pl.col(":e1"), (ua * (pl.col(":e1") + 1)).floor().cast(pl.Int64)))
        .otherwise(0)
    )
    f = f.with_columns(a.alias(":a"))
    # Q(L - 12) = q0 cents, a multiple of 10 USD so that Q(L) = q0 x (1000 + g) / 1000 is whole
    # cents: growth g tenths of a percent, exactly.
    level = (pl.col(":b").cast(pl.Float64) * 300 * d.lognormal("az:q", p, 0.5)).round().cast(pl.Int64)
    need_now = pl.when((pl.col(":a") > 0) & (g > -1000)).then((_E * pl.col(":a") + 999 + g) // (1000 + g)).otherwise(0)
    u10 = pl.max_horizontal(level, 100 * pl.col(":b"), need_now)
    f = f.with_columns(
        pl.when(pl.col(":b") > 0).then(u10 * 1000).otherwise(0).alias(":q0"),
        pl.when(pl.col(":b") > 0)
        .then(u10 * (1000 + g))
        .otherwise(pl.col(":a") * _E + (pl.col(":a").cast(pl.Float64) * 150_000 * d.u("az:ql", p)).floor().cast(pl.Int64))
        .alias(":q1"),
    )
    # Tenants: the now-set [0, e1) (its first a qualify in L), the before-set [s, s + e0) (its
    # first b qualify in L - 12): overlapping, retained customers; then a tail of small ones.
    retained = pl.min_horizontal(pl.col(":e0"), pl.col(":e1")).cast(pl.Float64) * 0.6 * d.u("az:ret", p)
    f = f.with_columns((pl.col(":e1") - retained.floor().cast(pl.Int64)).alias(":s"))
    tail = pl.when(pl.col(":pursues")).then(k * 4.0).otherwise(pl.when(d.u("az:casual", p) < 0.1).then(4.0).otherwise(0.0))
    f = f.with_columns((tail * d.u("az:tail", p)).floor().cast(pl.Int64).alias(":tail"))
    f = f.with_columns(
        pl.max_horizontal(pl.col(":e1"), pl.col(":s") + pl.col(":e0")).alias(":core"),
    )
    f = f.with_columns(
        (pl.col(":core") + pl.col(":tail") + ((pl.col(":core") + pl.col(":tail") == 0) & (pl.col(":d") > 0)).cast(pl.Int64)).alias(
            ":tenants"
        )
    )
    # Security (Azure): tenants S0.. with PAL consumption of security services. Before-window
    # customers (>= 100 USD over L-23..L-12) are c0, now-window ones c1 = c0 + sn, of which
    # the first sd consume >= 12,000 USD (deployments; none did before). Every key month stays
    # under 1,000 USD, so that no security tenant is an Azure customer.
    sb = pl.when(pl.col(":secures")).then((d.u("az:sec:base", p) * 3).floor().cast(pl.Int64)).otherwise(0)
    c0 = pl.max_horizontal(sb, -pl.col(":sn"), pl.col(":sd") - pl.col(":sn"))
    f = f.with_columns(c0.alias(":c0"))
    f = f.with_columns((pl.col(":c0") + pl.col(":sn")).alias(":c1"))
    s0 = pl.min_horizontal(
        pl.max_horizontal(pl.lit(0), -pl.col(":sg"))
        + pl.when(pl.col(":c0") > 0).then((d.u("az:sec:s0", p) * 40_000 * pl.col(":c0")).floor().cast(pl.Int64)).otherwise(0),
        _LOW * pl.col(":c0"),
    )
    f = f.with_columns(s0.alias(":s0"))
    f = f.with_columns((pl.col(":s0") + pl.col(":sg")).clip(0, pl.col(":c1") * _LOW).alias(":s1"))
    # Security services consumed in the last 12 months count as Azure deployments too.
    f = f.with_columns(
        pl.when(pl.col(":c1") > 0).then(1 + (d.u("az:sec:ks", p) * 3).floor().cast(pl.Int64)).otherwise(0).alias(":ks"),
        (d.u("az:svc", p) * len(_CORE_SERVICES)).floor().cast(pl.Int64).alias(":svc0"),
        (d.u("az:sec:svc", p) * len(_SECURITY_SERVICES)).floor().cast(pl.Int64).alias(":ssvc0"),
    )
    f = f.with_columns(
        (pl.col(":d") - pl.col(":ks")).clip(0, len(_CORE_SERVICES) - 3).alias(":dcore"),
    )
    core = _core_rows(f, d, last)
    security = _security_rows(f, d, last)
    gives = f.select(
        _P,
        pl.col(":n").alias("net_customer_adds"),
        pl.col(":g").alias("usage_growth_tenths"),
        (pl.col(":dcore") + pl.col(":ks")).alias("deployments"),
        pl.col(":sn").alias("security_net_customer_adds_azure"),
        pl.col(":sd").alias("security_deployments_azure"),
        (pl.col(":s1") - pl.col(":s0")).alias("security_acr_growth_cents"),
    )
    order = (":tenant_order", "tenant_id", ":m")
    acr = _decimal(pl.col(":cents"), 2, 2).alias("acr_usd")
    return _monthly_rows(pl.concat([core, security]), parts, order, last, "service", "offer", "association", acr), gives


_SECURITY_SERVICES = (
    "Key Vault", "Azure Firewall", "Azure Defender", "Sentinel", "Security Center", "Azure DDoS Protection",
    "Application Gateway", "Azure Front Door", "Azure Bastion", "Azure AD B2C",
)  # fmt: skip


def _core_rows(f: pl.DataFrame, d: _Draws, last: _dt.date) -> pl.DataFrame:
    t = f.select(pl.exclude(":pursues", ":secures"), pl.int_ranges(0, pl.col(":tenants")).alias(":t")).explode(":t")
    t = t.drop_nulls(":t")
    tc = _counter((pl.col(_P), 24), (pl.col(":t"), 16))
    T = pl.col(":t")
    in_now = pl.col(":e1") > T
    q_now = pl.col(":a") > T
    in_bef = (pl.col(":s") <= T) & (pl.col(":s") + pl.col(":e0") > T)
    q_bef = (pl.col(":s") <= T) & (pl.col(":s") + pl.col(":b") > T)
    tail = pl.col(":core") <= T
    t = t.with_columns(
        in_now.alias(":in_now"),
        q_now.alias(":q_now"),
        in_bef.alias(":in_bef"),
        q_bef.alias(":q_bef"),
        tail.alias(":is_tail"),
        # a tenant's typical month: 2,500 USD for a customer, 150 USD for the tail
        (pl.when(tail).then(15_000.0).otherwise(250_000.0) * d.lognormal("az:t:level", tc, 0.7)).alias(":lvl"),
        _pick(_CORE_ASSOCIATIONS, d.u("az:t:assoc", tc)).alias("association"),
        _pick(_ELIGIBLE_OFFERS, d.u("az:t:offer", tc)).alias("offer"),
        d.u("az:t:w", tc).alias(":w"),
        # new customers start within the last year, lost ones stop before L - 1
        pl.when(in_now & ~in_bef & ~tail).then(12 + (d.u("az:t:start", tc) * 10).floor().cast(pl.Int64)).otherwise(0).alias(":start"),
        pl.when(in_bef & ~in_now).then(12 + (d.u("az:t:stop", tc) * 10).floor().cast(pl.Int64)).otherwise(_L).alias(":stop"),
    )
    # exact shares of Q(L) and Q(L - 12) among the qualifying tenants (at least 1,000 USD each)
    t = t.with_columns(
        pl.when(pl.col(":q_now")).then(_E + _split(pl.col(":q1") - _E * pl.col(":a"), pl.col(":w"), [_P, ":q_now"], T == 0)).alias(":vL"),
        pl.when(pl.col(":q_bef"))
        .then(_E + _split(pl.col(":q0") - _E * pl.col(":b"), pl.col(":w"), [_P, ":q_bef"], pl.col(":s") == T))
        .alias(":vY"),
    )
    m = t.with_columns(pl.int_ranges(pl.col(":start"), pl.col(":stop") + 1).alias(":m")).explode(":m").drop_nulls(":m")
    mc = _counter((pl.col(_P), 24), (pl.col(":t"), 16), (pl.col(":m"), 5))
    M = pl.col(":m")
    free = (pl.col(":lvl") * d.lognormal("az:m:noise", mc, 0.25)).round().cast(pl.Int64)
    low = (pl.min_horizontal(pl.col(":lvl"), pl.lit(float(_LOW))) * d.u("az:m:low", mc)).floor().cast(pl.Int64)
    high = _E + (pl.col(":lvl") * d.u("az:m:high", mc)).floor().cast(pl.Int64)
    value = (
        pl.when(pl.col(":is_tail"))
        .then(low)
        .when(M == _L)
        .then(pl.when(pl.col(":q_now")).then(pl.col(":vL")).otherwise(low))
        .when(M == _L1)
        .then(pl.when(pl.col(":q_now")).then(free).when(pl.col(":in_now")).then(high).otherwise(low))
        .when(M == _Y)
        .then(pl.when(pl.col(":q_bef")).then(pl.col(":vY")).otherwise(low))
        .when(M == _Y1)
        .then(pl.when(pl.col(":q_bef")).then(free).when(pl.col(":in_bef")).then(high).otherwise(low))
        .otherwise(free)
    )
    m = m.with_columns(value.alias(":v"))
    # Each tenant-month is split over 1 to 11 services: in the last 12 months only the partner's
    # deployed services and Virtual Machines; before, also services it no longer uses.
    m = m.with_columns((1 + (d.u("az:m:rows", mc) * 11).floor().cast(pl.Int64)).alias(":r"))
    r = m.with_columns(pl.int_ranges(0, pl.col(":r")).alias(":j")).explode(":j")
    rc = _counter((pl.col(_P), 24), (pl.col(":t"), 16), (pl.col(":m"), 5), (pl.col(":j"), 8))
    allowed = pl.col(":dcore") + pl.when(M < 12).then(3).otherwise(0)
    pick = (d.u("az:r:svc", rc) * (allowed + 2)).floor().cast(pl.Int64).clip(0, allowed + 1)
    service = (
        pl.when(pick < allowed)
        .then(((pl.col(":svc0") + pick) % len(_CORE_SERVICES)).replace_strict(dict(enumerate(_CORE_SERVICES)), return_dtype=pl.String))
        .when(pick == allowed)
        .then(pl.lit(_VM_SERVICES[0]))
        .otherwise(pl.lit(_VM_SERVICES[1]))
    )
    r = r.with_columns(
        service.alias("service"),
        _split(pl.col(":v"), d.u("az:r:w", rc), [_P, ":t", ":m"], pl.col(":j") == 0).alias(":cents"),
    )
    # Credits: a negative Virtual Machines row, offset on the month's first row.
    credit = ((d.u("az:m:credit", mc) < 0.03) & (pl.col(":v") > 2000)).alias(":credit")
    r = r.with_columns(credit)
    amount = (pl.col(":v") * 0.1).floor().cast(pl.Int64)
    credits = r.filter(pl.col(":credit") & (pl.col(":j") == 0)).with_columns(
        pl.lit(_VM_SERVICES[0]).alias("service"), (-amount).alias(":cents"), pl.lit(100, pl.Int64).alias(":j")
    )
    r = r.with_columns(pl.when(pl.col(":credit") & (pl.col(":j") == 0)).then(pl.col(":cents") + amount).otherwise(pl.col(":cents")))
    # One row per deployed service in a month that no count reads (so each deployed service
    # has consumption above 0 in the last 12 months), then rows that count for nothing:
    # ineligible offers, CPOR association.
    dep = (
        f.filter(pl.col(":dcore") > 0)
        .select(pl.exclude(":pursues", ":secures"), pl.int_ranges(0, pl.col(":dcore")).alias(":j"))
        .explode(":j")
    )
    dc = _counter((pl.col(_P), 24), (1, 16), (pl.col(":j"), 13))
    dep = dep.with_columns(
        (pl.col(":j") % pl.col(":tenants")).alias(":t"),
        (12 + pl.col(":j") % 10).alias(":m"),
        ((pl.col(":svc0") + pl.col(":j")) % len(_CORE_SERVICES))
        .replace_strict(dict(enumerate(_CORE_SERVICES)), return_dtype=pl.String)
        .alias("service"),
        (100 + (d.u("az:dep", dc) * 20_000).floor().cast(pl.Int64)).alias(":cents"),
        pl.lit("Pay-As-You-Go").alias("offer"),
        pl.lit("DPOR").alias("association"),
        pl.lit(200, pl.Int64).alias(":j"),
    )
    noise = m.filter(d.u("az:m:noise?", mc) < 0.06).with_columns(
        pl.when(d.u("az:n:kind", mc) < 0.7)
        .then(_pick(_INELIGIBLE_OFFERS, d.u("az:n:offer", mc)))
        .otherwise(pl.col("offer"))
        .alias("offer"),
        pl.lit(300, pl.Int64).alias(":j"),
    )
    noise = noise.with_columns(
        pl.when(pl.col("offer").is_in(_INELIGIBLE_OFFERS)).then(pl.col("association")).otherwise(pl.lit("CPOR")).alias("association"),
        _pick(_CORE_SERVICES + _SECURITY_SERVICES + _VM_SERVICES, d.u("az:n:svc", mc)).alias("service"),
        ((d.u("az:n:amount", mc) - 0.1) * 500_000).floor().cast(pl.Int64).alias(":cents"),
    )
    cols = [_P, ":t", ":m", ":j", "service", "offer", "association", ":cents"]
    out = pl.concat([r.select(cols), credits.select(cols), dep.select(cols), noise.select(cols)])
    return out.with_columns(pl.lit(0).alias(":tenant_order"), _ids("T", pl.col(":t") + 1, 5).alias("tenant_id")).drop(":j")


def _security_rows(f: pl.DataFrame, d: _Draws, last: _dt.date) -> pl.DataFrame:
    n = pl.max_horizontal(pl.col(":c0"), pl.col(":c1"))
    t = f.filter(n > 0).select(_P, ":c0", ":c1", ":sd", ":s0", ":s1", ":ks", ":ssvc0", pl.int_ranges(0, n).alias(":t")).explode(":t")
    t = t.drop_nulls(":t")
    T = pl.col(":t")
    rows = t.with_columns(pl.int_ranges(T * 0, T * 0 + _MONTHS).alias(":m")).explode(":m")
    M = pl.col(":m")
    now = M >= 12
    rows = rows.filter(pl.when(now).then(pl.col(":c1") > T).otherwise(pl.col(":c0") > T))
    mc = _counter((pl.col(_P), 24), (pl.col(":t") + 40_000, 16), (pl.col(":m"), 5))
    u = d.u("sec:m", mc)
    key = (M == _L) | (M == _L1) | (M == _Y) | (M == _Y1)
    # S(L) and S(L - 12) split evenly (each under 1,000 USD: they fit by construction)
    even_now = pl.col(":s1") // pl.col(":c1") + (pl.col(":s1") % pl.col(":c1") > T).cast(pl.Int64)
    even_before = pl.col(":s0") // pl.col(":c0") + (pl.col(":s0") % pl.col(":c0") > T).cast(pl.Int64)
    deploys = now & (pl.col(":sd") > T)
    value = (
        pl.when(M == _L)
        .then(even_now)
        .when(M == _Y)
        .then(even_before)
        .when(key)
        .then((u * _LOW).floor().cast(pl.Int64))
        .when(deploys)
        .then(120_000 + (u * 60_000).floor().cast(pl.Int64))
        # under 1,000 USD a month (under 12,000 over 12 months), and at least 100 USD in one
        .when((M == 12) | (M == 0))
        .then(10_000 + (u * 80_000).floor().cast(pl.Int64))
        .otherwise(1 + (u * 20_000).floor().cast(pl.Int64))
    )
    rows = rows.with_columns(value.alias(":cents")).filter((pl.col(":cents") > 0) | ~key)
    # one security service per tenant-month, rotating over the partner's ks services (in the
    # last 12 months: the Azure deployments they make) or any of them before
    count = pl.when(now).then(pl.col(":ks")).otherwise(len(_SECURITY_SERVICES))
    index = (pl.col(":ssvc0") + (T + M) % pl.max_horizontal(count, pl.lit(1))) % len(_SECURITY_SERVICES)
    rows = rows.with_columns(
        index.replace_strict(dict(enumerate(_SECURITY_SERVICES)), return_dtype=pl.String).alias("service"),
        _pick(_ELIGIBLE_OFFERS, d.u("sec:offer", mc)).alias("offer"),
        pl.lit("PAL").alias("association"),
        pl.lit(1).alias(":tenant_order"),
        _ids("S", T + 1, 5).alias("tenant_id"),
    )
    return rows.select(_P, ":t", ":m", "service", "offer", "association", ":cents", ":tenant_order", "tenant_id")


# ------------------------------------------------------------------ Business Applications

#: The snapshot columns the Dynamics tables give (cloudpartner2022.tier).
BUSINESS_APPS = (
    "business_apps_enterprise_workloads",
    "business_apps_net_customer_adds_ent",
    "business_apps_net_customer_adds_smb",
    "business_apps_usage_growth_pct",
    "business_apps_baseline_mcv",
    "business_apps_deployments_ent",
    "business_apps_deployments_smb",
)
_D365_WORKLOADS = (
    "Business Central", "Core HR", "Customer Engagement", "Finance and Operations", "Guides",
    "Remote Assist", "Retail", "Talent Attract", "Talent Onboard",
)  # fmt: skip
_REVENUE_ASSOCIATIONS = ("CPOR_REVREC", "CPOR_OSA", "CPOR_REVREC_PERFORMANCE", "CSP_T1", "CSP_T2", "DPOR")
_USAGE_ASSOCIATIONS = ("CPOR_OSU", "DPOR", "CSP_T1", "CSP_T2")


def _business_apps(parts: pl.DataFrame, d: _Draws, last: _dt.date, decimals: dict[str, int]):
    """(dynamics_revenue, dynamics_usage, what they give) for a chunk of partners: every unit is
    a workload at tenant level, built so that the program's readings give the snapshot's
    business_apps columns (docs/synth.md, "Records"). MCV is written in whole units of
    10^-(baseline places + growth places + 2), where M(L) = B × (100 + g) / 100 is exact."""
    db = decimals.get("business_apps_baseline_mcv", 0)
    dg = decimals.get("business_apps_usage_growth_pct", 0)
    scale = db + dg + 2
    S, hundred = 10**scale, 100 * 10**dg
    b = _units("business_apps_baseline_mcv", db)
    f = parts.select(
        _P,
        pl.col("business_apps_enterprise_workloads").alias(":w"),
        pl.col("business_apps_net_customer_adds_ent").alias(":ne"),
        (pl.col("business_apps_net_customer_adds_smb") - pl.col("business_apps_net_customer_adds_ent")).alias(":nx"),
        (b * hundred).alias(":b"),
        # with no baseline the program reads the growth as 0 (the metric's default)
        pl.when(b > 0).then(_units("business_apps_usage_growth_pct", dg)).otherwise(0).alias(":g"),
        b.alias(":bu"),
        pl.col("business_apps_deployments_ent").alias(":de"),
        pl.col("business_apps_deployments_smb").alias(":ds"),
    )
    # M(L), or with no baseline just what the deployments need; then as many deployments as fit
    free = 10_000 * S * pl.col(":de") + 5_000 * S * (pl.col(":ds") - pl.col(":de")).clip(lower_bound=0)
    f = f.with_columns(pl.when(pl.col(":b") > 0).then(pl.col(":bu") * (hundred + pl.col(":g"))).otherwise(free).alias(":mcv"))
    f = f.with_columns(pl.min_horizontal(pl.col(":de"), pl.col(":mcv") // (10_000 * S)).alias(":de"))
    room = (pl.col(":mcv") - 10_000 * S * pl.col(":de")) // (5_000 * S)
    # Ds < De: SMB-sized tenant-workloads a year earlier make the SMB difference Ds
    s0 = pl.min_horizontal(pl.col(":de") - pl.col(":ds"), pl.col(":b") // (5_000 * S))
    up = pl.col(":ds") >= pl.col(":de")
    f = f.with_columns(
        pl.when(up).then(pl.col(":de") + pl.min_horizontal(pl.col(":ds") - pl.col(":de"), room)).otherwise(pl.col(":de") - s0).alias(":ds"),
        pl.when(up).then(0).otherwise(s0).alias(":s0"),
    )
    f = f.with_columns(
        (pl.col(":mcv") - 10_000 * S * pl.col(":de") - 5_000 * S * (pl.col(":ds") - pl.col(":de")).clip(lower_bound=0)).alias(":r1"),
        (pl.col(":b") - 5_000 * S * pl.col(":s0")).alias(":r0"),
    )
    gives = f.select(
        _P,
        pl.col(":w").alias("business_apps_enterprise_workloads"),
        pl.col(":ne").alias("business_apps_net_customer_adds_ent"),
        (pl.col(":ne") + pl.col(":nx")).alias("business_apps_net_customer_adds_smb"),
        _decimal(pl.col(":g"), dg, decimals.get("business_apps_usage_growth_pct", dg)).alias("business_apps_usage_growth_pct"),
        pl.col(":de").alias("business_apps_deployments_ent"),
        pl.col(":ds").alias("business_apps_deployments_smb"),
    )
    revenue = pl.concat(
        [
            # above USD 5,000 both months: Enterprise workloads, customers both years
            _slots(f, pl.col(":w"), "E", (_L, _Y), 500_001, 1_000_000, d),
            # USD 1,500 to 5,000 in one month: an Enterprise (and SMB) customer gained or lost
            _slots(f, pl.col(":ne").abs(), "A", (pl.when(pl.col(":ne") > 0).then(_L).otherwise(_Y),), 150_000, 350_000, d),
            # USD 250 to 1,500: an SMB customer only
            _slots(f, pl.col(":nx").abs(), "S", (pl.when(pl.col(":nx") > 0).then(_L).otherwise(_Y),), 25_000, 125_000, d),
        ]
    )
    usage = pl.concat(
        [
            _pieces(f, pl.col(":de"), pl.lit(10_000 * S), "U", _L, 0),
            _pieces(f, (pl.col(":ds") - pl.col(":de")).clip(lower_bound=0), pl.lit(5_000 * S), "U", _L, 10_000),
            _pieces(f, pl.col(":s0"), pl.lit(5_000 * S), "U", _Y, 20_000),
            # the rest in pieces under 5,000 (4,000 at most), which deploy nothing
            _pieces(f, (pl.col(":r1") + 4_000 * S - 1) // (4_000 * S), pl.col(":r1"), "U", _L, 30_000, split=True),
            _pieces(f, (pl.col(":r0") + 4_000 * S - 1) // (4_000 * S), pl.col(":r0"), "U", _Y, 40_000, split=True),
        ]
    )

    def table(rows: pl.DataFrame, associations: tuple[str, ...], value: pl.Expr) -> pl.DataFrame:
        c = _counter((pl.col(_P), 24), (pl.col(":k"), 20))  # one workload per tenant-workload, both months
        workload = _pick(_D365_WORKLOADS, d.u("ba:workload", c)).alias("workload")
        association = _pick(associations, d.u("ba:association", c)).alias("association")
        return _monthly_rows(rows, parts, ("tenant_id", ":m"), last, workload, association, value)

    return (
        table(revenue, _REVENUE_ASSOCIATIONS, _decimal(pl.col(":v"), 2, 2).alias("revenue_usd")),
        table(usage, _USAGE_ASSOCIATIONS, _decimal(pl.col(":v"), scale, scale).alias("mcv")),
        gives,
    )


def _slots(f: pl.DataFrame, n: pl.Expr, prefix: str, months: tuple, low: int, spread: int, d: _Draws) -> pl.DataFrame:
    """`n` tenant-workloads per partner, each in `months`, with `low` to `low + spread` cents."""
    at = [(pl.lit(m) if isinstance(m, int) else m).cast(pl.Int64).alias(f":m{i}") for i, m in enumerate(months)]
    rows = f.filter(n > 0).select(_P, *at, pl.int_ranges(0, n).alias(":k"))
    rows = rows.explode(":k").drop_nulls(":k")
    rows = rows.unpivot(index=[_P, ":k"], on=[f":m{i}" for i in range(len(months))], value_name=":m").drop("variable")
    c = _counter((pl.col(_P), 24), (pl.col(":k") + (ord(prefix) << 12), 20), (pl.col(":m"), 5))
    return rows.select(
        _P,
        (pl.col(":k") + (ord(prefix) << 12)).alias(":k"),
        pl.col(":m").cast(pl.Int64),
        _ids("D" + prefix, pl.col(":k") + 1, 5).alias("tenant_id"),
        (low + (d.u("ba:revenue", c) * spread).floor().cast(pl.Int64)).alias(":v"),
    )


def _pieces(f: pl.DataFrame, n: pl.Expr, each: pl.Expr, prefix: str, month: int, offset: int, split: bool = False) -> pl.DataFrame:
    """`n` tenant-workloads per partner in `month`, each of `each` units (or, with `split`,
    `each` split as evenly as whole units allow)."""
    rows = f.filter(n > 0).select(_P, n.alias(":n"), each.alias(":e"), pl.int_ranges(0, n).alias(":k")).explode(":k").drop_nulls(":k")
    value = (pl.col(":e") // pl.col(":n") + (pl.col(":e") % pl.col(":n") > pl.col(":k")).cast(pl.Int64)) if split else pl.col(":e")
    return rows.select(
        _P,
        (pl.col(":k") + offset).alias(":k"),
        pl.lit(month, pl.Int64).alias(":m"),
        _ids("D" + prefix, pl.col(":k") + offset + 1, 5).alias("tenant_id"),
        value.cast(pl.Int64).alias(":v"),
    )


# ------------------------------------------------------------------ the whole


def snapshot_program_path(program: ir.Program) -> str:
    """The snapshot program a records program extends (its first file)."""
    if not program.related_tables or not program.extends or len(program.files) < 2:
        raise SynthError(
            f"--records needs a program that computes its parent's metrics from records (like "
            f"programs/cloudpartner2022-records.tier); '{program.name}' does not",
        )
    return program.files[0]


def synthesize_records(
    program: ir.Program,
    snapshot_program: ir.Program,
    folder: str | os.PathLike,
    *,
    as_of: _dt.date,
    rows: int | None = None,
    seed: int = 0,
    calibration: Calibration | None = None,
    fmt: str = "parquet",
    chunk: int = CHUNK,
    progress: Callable[[str], None] | None = None,
) -> RecordsResult:
    """Write the partners, the related tables and the snapshot of a synthetic population into
    `folder` (one file per table, `fmt` parquet or csv). `program` is the records program,
    `snapshot_program` its parent (whose columns the snapshot holds)."""
    from tierlang.synth.m365 import microsoft_365  # here: it builds on this module's helpers

    check_arithmetic()
    if fmt not in ("parquet", "csv"):
        raise SynthError(f"--records writes parquet or csv, not {fmt}")
    tables = program.related_table_map
    needed = set(RECORD_TABLES)
    if not needed <= set(tables):
        raise SynthError(f"--records needs the tables {', '.join(sorted(needed))} (DESIGN §4.2); '{program.name}' lacks some")
    population = synthesize([snapshot_program], rows, seed=seed, calibration=calibration)
    frame = population.frame.with_columns(pl.int_range(0, pl.len(), dtype=pl.UInt64).alias(_P))
    plans, all_certs = _cert_plans(program, as_of)
    last = _last_month(as_of)
    d = _Draws(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    result = RecordsResult(folder, frame.height)
    names = ["partners", *RECORD_TABLES, SNAPSHOT_FILE]

    def chunks() -> Iterator[dict[str, pl.DataFrame]]:
        for start in range(0, frame.height, chunk):
            parts = frame.slice(start, chunk)
            certs, cert_cols = _certifications(parts, plans, all_certs, as_of, d)
            usage, gives = _azure(parts, d, last)
            m365, office = microsoft_365(parts, d, last)
            revenue, consumed, business = _business_apps(parts, d, last, population.decimals)
            business = business.join(office, on=_P)
            business = business.rename({c: f"{c}:g" for c in business.columns if c != _P})
            snapshot = _reconcile(parts, cert_cols, gives.join(business, on=_P), population.decimals, set(population.metric_columns))
            tables = {
                "certifications": certs,
                "azure_usage": usage,
                "m365_usage": m365,
                "dynamics_revenue": revenue,
                "dynamics_usage": consumed,
            }
            for name, table in tables.items():
                result.rows[name] = result.rows.get(name, 0) + table.height
            for column in population.metric_columns:
                changed = (snapshot[column] != parts[column]).sum()
                if changed:
                    result.reconciled[column] = result.reconciled.get(column, 0) + changed
            partners = parts.select(PARTNER_ID, ANNIVERSARY, *population.profile_columns)
            if progress:
                progress(f"partners {start + 1:,}-{start + parts.height:,}: {certs.height:,} certifications, {usage.height:,} usage rows")
            yield {"partners": partners, **tables, SNAPSHOT_FILE: snapshot}

    _write_tables(folder, names, chunks(), fmt)
    return result


def _reconcile(parts: pl.DataFrame, certs: pl.DataFrame, gives: pl.DataFrame, decimals: dict[str, int], metrics: set[str]) -> pl.DataFrame:
    """The snapshot as the records give it: the drawn values, with the columns the records
    could not give as drawn replaced by what they give."""
    joined = parts.join(certs.rename({c: f"{c}:r" for c in certs.columns if c != _P}), on=_P).join(gives, on=_P)
    out = []
    for c in parts.columns:
        if c == _P:
            continue
        if c not in metrics:  # partner_id, anniversary, profile columns: as drawn
            out.append(pl.col(c))
        elif f"{c}:r" in joined.columns:
            out.append(pl.col(f"{c}:r").alias(c))
        elif c.startswith(AZURE) and c.endswith("_net_customer_adds"):
            out.append(pl.col("net_customer_adds").alias(c))
        elif c.startswith(AZURE) and c.endswith("_usage_growth_pct"):
            out.append(_decimal(pl.col("usage_growth_tenths"), 1, decimals.get(c, 1)).alias(c))
        elif c.startswith(AZURE) and c.endswith("_deployments"):
            out.append(pl.col("deployments").alias(c))
        elif f"{c}:g" in joined.columns:  # Business Applications and Microsoft 365, as their tables give them
            out.append(pl.col(f"{c}:g").alias(c))
        elif c in ("security_net_customer_adds_azure", "security_deployments_azure", "business_apps_baseline_mcv"):
            out.append(pl.col(c))
        elif c == "security_acr_growth_usd":
            out.append(_decimal(pl.col("security_acr_growth_cents"), 2, decimals.get(c, 2)).alias(c))
        else:
            out.append(pl.col(c))
    return joined.sort(_P).select(out)


def _decimal(units: pl.Expr, scale: int, out_scale: int) -> pl.Expr:
    """Whole units of the `scale`-th decimal place as an exact Decimal(18, out_scale)."""
    place = pl.lit(Decimal(1).scaleb(-scale), pl.Decimal(18, scale))
    return (units.cast(pl.Decimal(18, 0)) * place).cast(pl.Decimal(18, max(scale, out_scale)))


def _write_tables(folder: Path, names: list[str], chunks: Iterator[dict[str, pl.DataFrame]], fmt: str) -> None:
    targets = [folder / f"{n}.{fmt}" for n in names]
    try:
        with atomic.replacing(*targets) as finals:
            if fmt == "parquet":
                with tempfile.TemporaryDirectory(dir=folder) as tmp:
                    parts: dict[str, list[Path]] = {n: [] for n in names}
                    for i, c in enumerate(chunks):
                        for n in names:
                            part = Path(tmp) / f"{n}.{i:05d}.parquet"
                            c[n].write_parquet(part, compression="zstd", statistics=True)
                            parts[n].append(part)
                    for n, final in zip(names, finals, strict=True):
                        pl.scan_parquet(parts[n]).sink_parquet(final, compression="zstd", statistics=True)
            else:
                handles = [open(f, "wb") for f in finals]  # noqa: SIM115 - closed below
                try:
                    for i, c in enumerate(chunks):
                        for n, fh in zip(names, handles, strict=True):
                            c[n].write_csv(fh, include_header=i == 0)
                finally:
                    for fh in handles:
                        fh.close()
    except OSError as e:
        raise SynthError(f"cannot write {folder}: {e.strerror or e}") from None
