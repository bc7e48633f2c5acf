"""`tier synth --records`: the Microsoft 365 table (m365_usage) of a synthetic population,
built to the snapshot's Modern Work and Security (Microsoft 365) columns exactly.

Every customer tenant has one association and one workload row per month it is present, in
one *segment*: Enterprise (more than 300 paid seats) through CPOR or DPOR, SMB (11 to 300)
through CPOR or CSP, or Security (25 or more seats on a security workload, through CPOR).
Within a segment the program's readings (programs/cloudpartner2022-records.tier) reduce to
three numbers per month: the tenants, the deployed tenants (active users at least 40 %, or
15 % for Security, of paid seats) and the active users summed. For each segment the
generator picks tenants last month (L) and the same month last year (Y) so that their
difference is the net customer adds, deploys `D` of L's tenants and none of Y's so that the
deployments are `D`, and splits active users so that A(L) − A(Y) is the usage (or protected
users) growth; paid seats are then drawn inside what each tenant's active users and
deployment state allow. Every snapshot value is reachable this way (an SMB tenant's users
are bounded, so a large SMB growth gets more tenants), so nothing is reconciled: docs/synth.md.

Intune is on both the Modern Work and the security lists; no generated row uses it, so the
two sides never read each other's rows.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import polars as pl

from tierlang.synth.records import _L, _P, _Y, _counter, _decimal, _Draws, _ids, _monthly_rows, _pick, _units

__all__ = ["M365_COLUMNS", "microsoft_365"]

#: The snapshot columns m365_usage gives (cloudpartner2022.tier).
M365_COLUMNS = (
    "security_net_customer_adds_m365",
    "security_deployments_m365",
    "security_protected_users_growth",
    "modern_work_net_customer_adds_ent",
    "modern_work_net_customer_adds_smb",
    "modern_work_usage_growth_cpor_ent",
    "modern_work_usage_growth_dpor_ent",
    "modern_work_usage_growth_cpor_smb",
    "modern_work_usage_growth_csp_smb",
    "modern_work_deployments_cpor_ent",
    "modern_work_deployments_dpor_ent",
    "modern_work_deployments_cpor_smb",
    "modern_work_deployments_csp_smb",
)
_MW_WORKLOADS = (
    "Exchange", "ProPlus", "SharePoint", "Teams", "Teams Meetings", "Teams Phone", "Teams Phone calling",
    "Teams Platform", "Yammer", "Viva Insights", "Viva Topics", "Viva Learning", "Viva Connections",
)  # fmt: skip
_SECURITY_WORKLOADS = (
    "Azure AD Premium", "Defender for Office 365", "Defender for Endpoint", "Defender for Identity",
    "Microsoft Information Protection",
)  # fmt: skip
# Workloads on neither list: their rows count for nothing (and tier names them in a warning).
_OTHER_WORKLOADS = ("Project Online", "Visio Online", "Windows 365", "Power BI Pro")
_BIG = 1 << 31  # "no bound" on a tenant's active users (its paid seats grow with them)


@dataclass(frozen=True)
class _Shape:
    """What the readings allow one tenant of a segment: the fewest active users of a deployed
    tenant, the most of a deployed and of a not-deployed one (paid seats are drawn to fit),
    a typical tenant's active users, and the fewest paid seats."""

    kind: str
    lo_dep: int
    hi_dep: int
    hi_non: int
    users: float
    min_seats: int


# Enterprise: seats >= 301, deployed when 10a >= 4p (so a >= 121); SMB: 11 <= seats <= 300,
# deployed a in [5, 300], not deployed a <= 119; Security: seats >= 25, deployed when
# 20a >= 3p (so a >= 4).
_ENT = _Shape("ent", 121, _BIG, _BIG, 900.0, 301)
_SMB = _Shape("smb", 5, 300, 119, 45.0, 11)
_SEC = _Shape("sec", 4, _BIG, _BIG, 160.0, 25)


def _ceil_div(a: pl.Expr, b: int) -> pl.Expr:
    return -((-a) // b)


def microsoft_365(parts: pl.DataFrame, d: _Draws, last: _dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(m365_usage, the snapshot columns it gives) for a chunk of partners."""
    p = _counter((pl.col(_P), 24))
    mw = [c for c in M365_COLUMNS if c.startswith("modern_work_")]
    f = parts.select(
        _P,
        pl.col("employees").cast(pl.Float64).alias(":size"),
        pl.any_horizontal(*(pl.col(c) != 0 for c in mw)).alias(":mw"),
        pl.any_horizontal(*(pl.col(c) != 0 for c in M365_COLUMNS if not c.startswith("modern_work_"))).alias(":sec"),
        *(pl.col(c) for c in M365_COLUMNS if c != "security_protected_users_growth"),
        _units("security_protected_users_growth", 0).alias("security_protected_users_growth"),
    )
    # Net adds are shared between the two segments of a size at a drawn fraction.
    ne, ns = pl.col("modern_work_net_customer_adds_ent"), pl.col("modern_work_net_customer_adds_smb")
    cut_e = (ne.cast(pl.Float64) * d.u("m365:split:ent", p)).cast(pl.Int64)  # toward zero
    cut_s = (ns.cast(pl.Float64) * d.u("m365:split:smb", p)).cast(pl.Int64)
    scale = (pl.col(":size") / 25).pow(0.5) * d.lognormal("m365:scale", p, 0.6)
    segments = [
        # (code, association(s), net adds, growth, deployments, drawn base tenants, shape)
        ("EC", ("CPOR",), cut_e, "usage_growth_cpor_ent", "deployments_cpor_ent", 0.6, _ENT),
        ("ED", ("DPOR",), ne - cut_e, "usage_growth_dpor_ent", "deployments_dpor_ent", 0.8, _ENT),
        ("SC", ("CPOR",), cut_s, "usage_growth_cpor_smb", "deployments_cpor_smb", 3.0, _SMB),
        ("SP", ("CSP_T1", "CSP_T2"), ns - cut_s, "usage_growth_csp_smb", "deployments_csp_smb", 5.0, _SMB),
    ]
    tables = []
    for code, associations, delta, growth, deployments, base, shape in segments:
        g, dep = pl.col(f"modern_work_{growth}"), pl.col(f"modern_work_{deployments}").clip(0)
        tables.append(_segment(f, code, shape, associations, _MW_WORKLOADS, ":mw", delta, g, dep, base * scale, d))
    g, dep = pl.col("security_protected_users_growth"), pl.col("security_deployments_m365").clip(0)
    delta = pl.col("security_net_customer_adds_m365")
    tables.append(_segment(f, "X", _SEC, ("CPOR",), _SECURITY_WORKLOADS, ":sec", delta, g, dep, 1.5 * scale, d))
    tables.append(_inert(f, d))
    order = ("tenant_id", ":m", "workload")
    seats, active = pl.col(":seats").alias("paid_seats"), pl.col(":act").alias("active_users")
    table = _monthly_rows(pl.concat(tables), parts, order, last, "workload", "association", seats, active)
    gives = f.select(
        _P,
        *(pl.col(c).clip(0) if "deployments" in c else pl.col(c) for c in M365_COLUMNS if c != "security_protected_users_growth"),
        _decimal(pl.col("security_protected_users_growth"), 0, 0).alias("security_protected_users_growth"),
    )
    return table, gives


def _segment(
    f: pl.DataFrame,
    code: str,
    seg: _Shape,
    associations: tuple[str, ...],
    workloads: tuple[str, ...],
    active: str,
    delta: pl.Expr,
    growth: pl.Expr,
    deployed: pl.Expr,
    base: pl.Expr,
    d: _Draws,
) -> pl.DataFrame:
    """The rows of one segment: nY tenants in Y, nL = nY + delta in L (the first `deployed` of
    them deployed), active users A(Y) = x and A(L) = x + growth."""
    p = _counter((pl.col(_P), 24))
    lo_dep, hi_dep, hi_non = seg.lo_dep, seg.hi_dep, seg.hi_non
    s = f.filter(pl.col(active)).select(
        _P,
        delta.cast(pl.Int64).alias(":dn"),
        growth.cast(pl.Int64).alias(":g"),
        deployed.cast(pl.Int64).alias(":D"),
        (base * d.u(f"m365:{code}:base", p)).floor().cast(pl.Int64).alias(":base"),
    )
    D, G, dn = pl.col(":D"), pl.col(":g"), pl.col(":dn")
    # Y's tenants hold at most hi_non users each and L's deployed ones at least lo_dep: enough
    # tenants in Y for a decline, enough in L for a rise (docs/synth.md, "Microsoft 365").
    need_y = _ceil_div(lo_dep * D - G, hi_non)
    need_l = pl.max_horizontal(D, D + _ceil_div(G - hi_dep * D, hi_non))
    s = s.with_columns(pl.max_horizontal(pl.lit(0), pl.col(":base"), need_y, need_l - dn, -dn).alias(":nY"))
    s = s.with_columns((pl.col(":nY") + dn).alias(":nL"))
    nL, nY = pl.col(":nL"), pl.col(":nY")
    lo = pl.max_horizontal(pl.lit(0), lo_dep * D - G)
    hi = pl.min_horizontal(hi_non * nY, hi_dep * D + hi_non * (nL - D) - G)
    level = (nY.cast(pl.Float64) * seg.users * d.lognormal(f"m365:{code}:level", p, 0.5)).round().cast(pl.Int64)
    s = s.with_columns(level.clip(lo, hi).alias(":x"))
    s = s.with_columns((pl.col(":x") + G).alias(":xL"))
    months = []
    for m, n, total, deploys in ((_L, nL, pl.col(":xL"), D), (_Y, nY, pl.col(":x"), pl.lit(0, pl.Int64))):
        t = s.filter(n > 0).select(_P, total.alias(":A"), deploys.alias(":D"), pl.int_ranges(0, n).alias(":t")).explode(":t")
        tc = _counter((pl.col(_P), 24), (pl.col(":t"), 20), (m, 5))
        dep = pl.col(":t") < pl.col(":D")
        t = t.with_columns(
            dep.alias(":dep"),
            pl.when(dep).then(lo_dep).otherwise(0).cast(pl.Int64).alias(":lo"),
            pl.when(dep).then(hi_dep - lo_dep).otherwise(hi_non).cast(pl.Int64).alias(":cap"),
            (1 + (d.u(f"m365:{code}:w", tc) * 1000).floor().cast(pl.Int64)).alias(":w"),
        )
        t = t.with_columns(_allot(pl.col(":A") - pl.col(":lo").sum().over(_P), pl.col(":w"), pl.col(":cap"), [_P]).alias(":act"))
        t = t.with_columns((pl.col(":lo") + pl.col(":act")).alias(":act"), pl.lit(m, pl.Int64).alias(":m"))
        months.append(t.with_columns(_seats(seg, pl.col(":act"), pl.col(":dep"), d.u(f"m365:{code}:seats", tc)).alias(":seats")))
    key = pl.concat(months)
    # The other months of the half the tenant is present in: the key month's seats and users
    # give or take 10 %, read by no rule (months other than L and Y are read only by the
    # Security customers' 12-month windows, where the tenant counts already).
    others = key.with_columns(pl.int_ranges(pl.col(":m") - 11, pl.col(":m")).alias(":o")).explode(":o")
    oc = _counter((pl.col(_P), 24), (pl.col(":t"), 20), (pl.col(":o"), 5))
    wobble = 0.9 + 0.2 * d.u(f"m365:{code}:wobble", oc)
    others = others.with_columns(
        pl.max_horizontal(pl.lit(seg.min_seats), (pl.col(":seats") * wobble).round().cast(pl.Int64)).alias(":seats"),
    ).with_columns(
        pl.min_horizontal(pl.col(":seats"), (pl.col(":act") * wobble).round().cast(pl.Int64)).alias(":act"),
        pl.col(":o").alias(":m"),
    )
    # a partner's tenants each keep one workload and association
    cols = [_P, ":t", ":m", ":seats", ":act"]
    rows = pl.concat([key.select(cols), others.select(cols)])
    tc = _counter((pl.col(_P), 24), (pl.col(":t"), 20), (ord(code[-1]), 8))
    return rows.select(
        _P,
        ":m",
        ":seats",
        ":act",
        _ids("M" + code, pl.col(":t") + 1, 5).alias("tenant_id"),
        _pick(workloads, d.u(f"m365:{code}:workload", tc)).alias("workload"),
        _pick(associations, d.u(f"m365:{code}:association", tc)).alias("association"),
    )


def _allot(total: pl.Expr, weight: pl.Expr, cap: pl.Expr, group: list[str]) -> pl.Expr:
    """`total` (the same on every row of a group, at most the group's summed `cap`) split over
    the group's rows in proportion to whole weights, each row at most its `cap`, exactly: the
    proportional floors, capped, then what is left filled in row order."""
    share = pl.min_horizontal(total * weight // weight.sum().over(group), cap)
    left = total - share.sum().over(group)
    room = cap - share
    before = room.cum_sum().over(group) - room
    return share + (left - before).clip(0, None).clip(upper_bound=room)


def _seats(seg: _Shape, a: pl.Expr, deployed: pl.Expr, u: pl.Expr) -> pl.Expr:
    """Paid seats for a tenant with `a` active users, deployed or not: inside the segment's
    bounds, drawn with `u`."""
    ratio = (a.cast(pl.Float64) / (0.15 + 0.85 * u)).ceil().cast(pl.Int64)
    if seg.kind == "sec":  # Security: >= 25 seats; deployed when 20a >= 3p
        dep = ratio.clip(25, None).clip(upper_bound=20 * a // 3)
        non = pl.max_horizontal(pl.lit(25), 20 * a // 3 + 1 + (u * a.cast(pl.Float64)).floor().cast(pl.Int64))
    elif seg.kind == "ent":  # Enterprise: >= 301 seats; deployed when 10a >= 4p
        dep = ratio.clip(301, None).clip(upper_bound=5 * a // 2)
        non = pl.max_horizontal(pl.lit(301), 5 * a // 2 + 1 + (u * 2 * a.cast(pl.Float64)).floor().cast(pl.Int64))
    else:  # SMB: 11 to 300 seats
        dep = pl.min_horizontal(pl.max_horizontal(ratio, a, pl.lit(11)), pl.min_horizontal(pl.lit(300), 5 * a // 2))
        low = pl.max_horizontal(pl.lit(11), 5 * a // 2 + 1)
        non = low + (u * (301 - low).cast(pl.Float64)).floor().cast(pl.Int64).clip(0, None)
    return pl.when(deployed).then(dep).otherwise(non).cast(pl.Int64)


def _inert(f: pl.DataFrame, d: _Draws) -> pl.DataFrame:
    """Rows that count for nothing, for partners with Microsoft 365 customers: workloads on no
    list, DPOR tenants of SMB size and CSP tenants of Enterprise size (no reading takes
    either), and tenants of 10 seats or fewer."""
    p = _counter((pl.col(_P), 24))
    n = pl.when(pl.col(":mw") | pl.col(":sec")).then((d.u("m365:inert:n", p) * 6).floor().cast(pl.Int64)).otherwise(0)
    t = f.select(_P, pl.int_ranges(0, n).alias(":t")).explode(":t").drop_nulls(":t")
    tc = _counter((pl.col(_P), 24), (pl.col(":t"), 20))
    kind = (d.u("m365:inert:kind", tc) * 4).floor().cast(pl.Int64)
    u = d.u("m365:inert:seats", tc)
    t = t.with_columns(
        kind.alias(":kind"),
        pl.when(kind == 0)
        .then(_pick(_OTHER_WORKLOADS, d.u("m365:inert:workload", tc)))
        .otherwise(_pick(_MW_WORKLOADS, d.u("m365:inert:workload", tc)))
        .alias("workload"),
        pl.when(kind == 1)
        .then(pl.lit("DPOR"))
        .when(kind == 2)
        .then(_pick(("CSP_T1", "CSP_T2"), d.u("m365:inert:association", tc)))
        .otherwise(_pick(("CPOR", "CSP_T1", "CSP_T2", "DPOR"), d.u("m365:inert:association", tc)))
        .alias("association"),
        pl.when(kind == 1)
        .then(11 + (u * 290).floor().cast(pl.Int64))
        .when(kind == 2)
        .then(301 + (u * 2000).floor().cast(pl.Int64))
        .when(kind == 3)
        .then(1 + (u * 10).floor().cast(pl.Int64))
        .otherwise(1 + (u * 500).floor().cast(pl.Int64))
        .alias(":seats"),
    )
    t = t.with_columns((pl.col(":seats").cast(pl.Float64) * d.u("m365:inert:active", tc)).floor().cast(pl.Int64).alias(":act"))
    # the months L - 1, L, Y - 1 and Y
    t = t.with_columns(pl.lit([_L - 1, _L, _Y - 1, _Y]).alias(":m")).explode(":m")
    return t.select(
        _P, pl.col(":m").cast(pl.Int64), ":seats", ":act", _ids("MN", pl.col(":t") + 1, 5).alias("tenant_id"), "workload", "association"
    )
