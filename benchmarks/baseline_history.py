"""The hand-written baseline of a history: the Cloud Partner Program 2022 rules as one polars
query in Float64 (benchmarks/baseline.py's), every month of a long table, with the
qualification window of 2023-09-19 (a designation held when it qualifies in the month or any
of the five before) and the badge and status read from the held designations.

Same input file and same output rows as `tier eval PROGRAM HISTORY --history` (partner_id,
month, track, level, score, held_by for every partner and month; track by track). It
validates nothing and is not exact (binary floats), as the snapshot baseline.

    python benchmarks/baseline_history.py HISTORY.parquet OUT.parquet
"""

from __future__ import annotations

import datetime as dt
import sys

import baseline
import polars as pl

c = pl.col
WINDOW, WINDOW_FROM = 6, dt.date(2023, 10, 1)  # the first month evaluated on or after 2023-09-19


def query(lf: pl.LazyFrame) -> pl.LazyFrame:
    t = baseline.tracks()
    names = list(t)
    decimals = [
        "data_ai_usage_growth_pct",
        "digital_app_usage_growth_pct",
        "infrastructure_usage_growth_pct",
        "business_apps_usage_growth_pct",
        "security_acr_growth_usd",
        "security_protected_users_growth",
        "business_apps_baseline_mcv",
    ]
    rows = lf.with_columns([c(x).cast(pl.Float64) for x in decimals]).select(
        c("partner_id"), c("month"), *[e.alias(f"S:{n}") for n, (e, _) in t.items()], *[d.alias(f"D:{n}") for n, (_, d) in t.items()]
    )
    # every partner at every month (a month without a row earns nothing)
    partners = lf.select(c("partner_id").unique(maintain_order=True))
    months = lf.select(c("month").unique().sort())
    grid = partners.join(months, how="cross").join(rows, on=["partner_id", "month"], how="left")
    grid = grid.sort(["partner_id", "month"]).with_columns([c(f"D:{n}").fill_null(False) for n in names])
    window = c("month") >= WINDOW_FROM
    held = [
        pl.when(window).then(c(f"D:{n}").cast(pl.Int8).rolling_max(WINDOW, min_samples=1).over("partner_id") == 1).otherwise(c(f"D:{n}"))
        for n in names
    ]
    grid = grid.with_columns([h.alias(f"H:{n}") for h, n in zip(held, names)])
    # the badge and the status have no status rule: they are earned in the months with data,
    # from the designations held
    count = pl.sum_horizontal([c(f"H:{n}").cast(pl.Int32) for n in names])
    data = c("S:data_ai").is_not_null()
    grid = grid.with_columns(
        (data & (count == len(names))).alias("H:microsoft_cloud"),
        pl.when(~data)
        .then(pl.lit(None, pl.String))
        .when(count == len(names))
        .then(pl.lit("microsoft_cloud"))
        .when(count >= 1)
        .then(pl.lit("solutions_partner"))
        .otherwise(pl.lit("member"))
        .alias("status"),
    )
    parts = [
        grid.select(
            c("partner_id"),
            c("month"),
            pl.lit(n).alias("track"),
            pl.when(c(f"H:{n}")).then(pl.lit("designated")).alias("level"),
            c(f"S:{n}").alias("score"),
            pl.when(c(f"D:{n}")).then(pl.lit("qualified")).when(c(f"H:{n}")).then(pl.lit("qualification_window")).alias("held_by"),
        )
        for n in names
    ]
    parts.append(
        grid.select(
            c("partner_id"),
            c("month"),
            pl.lit("microsoft_cloud").alias("track"),
            pl.when(c("H:microsoft_cloud")).then(pl.lit("designated")).alias("level"),
            pl.lit(None, pl.Float64).alias("score"),
            pl.when(c("H:microsoft_cloud")).then(pl.lit("qualified")).alias("held_by"),
        )
    )
    parts.append(
        grid.select(
            c("partner_id"),
            c("month"),
            pl.lit("partner_status").alias("track"),
            c("status").alias("level"),
            pl.lit(None, pl.Float64).alias("score"),
            pl.when(c("status").is_not_null()).then(pl.lit("qualified")).alias("held_by"),
        )
    )
    return pl.concat(parts)


def main(src: str, out: str) -> None:
    query(pl.scan_parquet(src)).collect().write_parquet(out, compression="zstd", compression_level=1, statistics=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
