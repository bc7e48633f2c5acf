"""The hand-written baseline: the Cloud Partner Program 2022 rules written directly as one
polars query in Float64, the fastest straightforward approach on this machine.

Same input file, same output shape as `tier eval` (partner_id, track, level, score; track by
track), written to the same kind of file. It validates nothing and is not exact: scores are
binary floats (a total of thirds can land a hair under 70), which is what tierlang exists to
avoid. `run.py` reports how many levels it gets wrong next to the timing.

    python benchmarks/baseline.py DATA OUT        # DATA: .csv, .parquet or .jsonl; OUT: .csv or .parquet
"""

from __future__ import annotations

import sys

import polars as pl

c = pl.col


def clamp(x: pl.Expr) -> pl.Expr:
    return x.clip(0.0, 1.0)


def cat(*lines: pl.Expr, cap: float | None = None) -> pl.Expr:
    total = pl.sum_horizontal(lines)
    return total.clip(upper_bound=cap) if cap is not None else total


def designation(lines: list[pl.Expr], cats: list[tuple[list[int], float]]) -> tuple[pl.Expr, pl.Expr]:
    score = pl.sum_horizontal([cat(*[lines[i] for i in idx], cap=cap) for idx, cap in cats]).clip(upper_bound=100.0)
    designated = (score >= 70.0) & pl.all_horizontal([x > 0.0 for x in lines])
    return score, designated


def tracks() -> dict[str, tuple[pl.Expr, pl.Expr]]:
    experts = c("azure_solutions_architect_experts") >= 2
    admins = c("azure_administrator_associates") >= 2

    def gated(gate: pl.Expr, x: pl.Expr) -> pl.Expr:
        return pl.when(gate).then(x).otherwise(0.0)

    out = {}
    out["data_ai"] = designation(
        [
            30 * clamp(c("data_ai_net_customer_adds") / 3),
            gated(experts & admins, 40 * clamp(c("data_ai_intermediate_certified") / 10)),
            20 * clamp(c("data_ai_usage_growth_pct") / 20),
            10 * clamp(c("data_ai_deployments") / 5),
        ],
        [([0], 30), ([1], 40), ([2, 3], 30)],
    )
    for area in ("digital_app", "infrastructure"):
        out[area] = designation(
            [
                30 * clamp(c(f"{area}_net_customer_adds") / 3),
                gated(admins, 20 * clamp(c(f"{area}_intermediate_certified") / 5)),
                gated(experts, 20 * clamp(c(f"{area}_advanced_certified") / 5)),
                20 * clamp(c(f"{area}_usage_growth_pct") / 20),
                10 * clamp(c(f"{area}_deployments") / 5),
            ],
            [([0], 30), ([1, 2], 40), ([3, 4], 30)],
        )
    steps = (c("security_step1_certified") >= 1) & (c("security_step2_certified") >= 1)
    out["security"] = designation(
        [
            20 * clamp((c("security_net_customer_adds_azure") + c("security_net_customer_adds_m365")) / 10),
            gated(steps, 40 * clamp(c("security_intermediate_certified") / 6)),
            20 * clamp((c("security_deployments_azure") + c("security_deployments_m365")) / 6),
            pl.min_horizontal(
                pl.lit(20.0),
                c("security_acr_growth_usd").cast(pl.Float64).clip(lower_bound=0) / 1250
                + c("security_protected_users_growth").cast(pl.Float64).clip(lower_bound=0) / 125,
            ),
        ],
        [([0], 20), ([1], 40), ([2, 3], 40)],
    )

    def mw(seg: str, nca: float, inter: float, adv: float, usage: tuple[str, float, str, float], dep: tuple[str, float, str, float]):
        u1, t1, u2, t2 = usage
        d1, s1, d2, s2 = dep
        return designation(
            [
                20 * clamp(c(f"modern_work_net_customer_adds_{seg}") / nca),
                10 * clamp(c("modern_work_intermediate_certified") / inter),
                15 * clamp(c("modern_work_advanced_certified") / adv),
                30 * pl.max_horizontal(clamp(c(u1) / t1), clamp(c(u2) / t2)),
                25 * pl.max_horizontal(clamp(c(d1) / s1), clamp(c(d2) / s2)),
            ],
            [([0], 20), ([1, 2], 25), ([3, 4], 55)],
        )

    ent = mw(
        "ent",
        5,
        4,
        2,
        ("modern_work_usage_growth_cpor_ent", 1000, "modern_work_usage_growth_dpor_ent", 4000),
        ("modern_work_deployments_cpor_ent", 5, "modern_work_deployments_dpor_ent", 10),
    )
    smb = mw(
        "smb",
        10,
        2,
        1,
        ("modern_work_usage_growth_cpor_smb", 500, "modern_work_usage_growth_csp_smb", 2000),
        ("modern_work_deployments_cpor_smb", 5, "modern_work_deployments_csp_smb", 10),
    )
    pick_smb = (smb[1] & ~ent[1]) | ((smb[1] == ent[1]) & (smb[0] > ent[0]))
    out["modern_work"] = (pl.when(pick_smb).then(smb[0]).otherwise(ent[0]), pl.when(pick_smb).then(smb[1]).otherwise(ent[1]))

    def ba(seg: str, inter: float, adv: float, baseline: float):
        return designation(
            [
                15 * clamp(c(f"business_apps_net_customer_adds_{seg}") / 5),
                20 * clamp(c("business_apps_intermediate_certified") / inter),
                15 * clamp(c("business_apps_advanced_certified") / adv),
                gated(
                    c("business_apps_baseline_mcv").cast(pl.Float64) >= baseline,
                    30 * clamp(c("business_apps_usage_growth_pct").cast(pl.Float64) / 30),
                ),
                20 * clamp(c(f"business_apps_deployments_{seg}") / 5),
            ],
            [([0], 15), ([1, 2], 35), ([3, 4], 50)],
        )

    be, bs = ba("ent", 20, 7, 50_000), ba("smb", 5, 2, 25_000)
    enterprise = c("business_apps_enterprise_workloads") >= 5
    out["business_apps"] = (pl.when(enterprise).then(be[0]).otherwise(bs[0]), pl.when(enterprise).then(be[1]).otherwise(bs[1]))
    return out


def query(lf: pl.LazyFrame) -> pl.LazyFrame:
    t = tracks()
    decimals = [
        "data_ai_usage_growth_pct",
        "digital_app_usage_growth_pct",
        "infrastructure_usage_growth_pct",
        "business_apps_usage_growth_pct",
        "security_acr_growth_usd",
        "security_protected_users_growth",
        "business_apps_baseline_mcv",
    ]
    wide = lf.with_columns([c(x).cast(pl.Float64) for x in decimals]).select(
        c("partner_id"), *[e.alias(f"S:{n}") for n, (e, _) in t.items()], *[d.alias(f"D:{n}") for n, (_, d) in t.items()]
    )
    held = pl.sum_horizontal([c(f"D:{n}").cast(pl.Int32) for n in t])
    # the badge (all six designations) and the program-level status, as the program has them
    wide = wide.with_columns((held == len(t)).alias("D:microsoft_cloud"))
    status = (
        pl.when(held == len(t))
        .then(pl.lit("microsoft_cloud"))
        .when(held >= 1)
        .then(pl.lit("solutions_partner"))
        .otherwise(pl.lit("member"))
    )
    wide = wide.with_columns(status.alias("status"))
    parts = [
        wide.select(
            c("partner_id"),
            pl.lit(n).alias("track"),
            pl.when(c(f"D:{n}")).then(pl.lit("designated")).alias("level"),
            (c(f"S:{n}") if n in t else pl.lit(None, pl.Float64)).alias("score"),
        )
        for n in [*t, "microsoft_cloud"]
    ]
    parts.append(
        wide.select(
            c("partner_id"), pl.lit("partner_status").alias("track"), c("status").alias("level"), pl.lit(None, pl.Float64).alias("score")
        )
    )
    return pl.concat(parts)


def main(src: str, out: str) -> None:
    if src.endswith(".csv"):
        lf = pl.scan_csv(src)
    elif src.endswith(".jsonl"):
        lf = pl.scan_ndjson(src)
    else:
        lf = pl.scan_parquet(src)
    q = query(lf)
    if out.endswith(".csv"):
        q.sink_csv(out)
    else:
        q.sink_parquet(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
