"""Synthetic partner data for the benchmark: DESIGN §4 column names, reproducible.

The values come from a fixed integer hash of (row, column seed), not from a random number
generator, so the same command always writes the same files (polars only; no numpy).
Distributions are chosen so that every designation has partners on both sides of its
thresholds, gates open and closed, negative growth and net adds.

    python benchmarks/generate.py [ROWS] [OUTDIR]    # default 1,000,000 rows, benchmarks/data; every layout
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

M = 2**32

#: column -> (kind, low, high): counts are whole numbers in [low, high]; "cents" columns are
#: decimals with two places, [low, high] in cents.
COLUMNS: dict[str, tuple[str, int, int]] = {
    "azure_solutions_architect_experts": ("count", 0, 4),
    "azure_administrator_associates": ("count", 0, 4),
    "data_ai_net_customer_adds": ("count", -3, 6),
    "data_ai_intermediate_certified": ("count", 0, 14),
    "data_ai_usage_growth_pct": ("cents", -1000, 3000),
    "data_ai_deployments": ("count", 0, 8),
    "digital_app_net_customer_adds": ("count", -3, 6),
    "digital_app_intermediate_certified": ("count", 0, 8),
    "digital_app_advanced_certified": ("count", 0, 8),
    "digital_app_usage_growth_pct": ("cents", -1000, 3000),
    "digital_app_deployments": ("count", 0, 8),
    "infrastructure_net_customer_adds": ("count", -3, 6),
    "infrastructure_intermediate_certified": ("count", 0, 8),
    "infrastructure_advanced_certified": ("count", 0, 8),
    "infrastructure_usage_growth_pct": ("cents", -1000, 3000),
    "infrastructure_deployments": ("count", 0, 8),
    "security_step1_certified": ("count", 0, 3),
    "security_step2_certified": ("count", 0, 3),
    "security_net_customer_adds_azure": ("count", -3, 8),
    "security_net_customer_adds_m365": ("count", -3, 8),
    "security_intermediate_certified": ("count", 0, 8),
    "security_deployments_azure": ("count", 0, 5),
    "security_deployments_m365": ("count", 0, 5),
    "security_acr_growth_usd": ("cents", -500_000, 2_500_000),
    "security_protected_users_growth": ("cents", -50_000, 300_000),
    "modern_work_net_customer_adds_ent": ("count", -3, 8),
    "modern_work_net_customer_adds_smb": ("count", -3, 14),
    "modern_work_intermediate_certified": ("count", 0, 6),
    "modern_work_advanced_certified": ("count", 0, 4),
    "modern_work_usage_growth_cpor_ent": ("count", -200, 1500),
    "modern_work_usage_growth_dpor_ent": ("count", -200, 5000),
    "modern_work_usage_growth_cpor_smb": ("count", -200, 800),
    "modern_work_usage_growth_csp_smb": ("count", -200, 2500),
    "modern_work_deployments_cpor_ent": ("count", 0, 7),
    "modern_work_deployments_dpor_ent": ("count", 0, 12),
    "modern_work_deployments_cpor_smb": ("count", 0, 7),
    "modern_work_deployments_csp_smb": ("count", 0, 12),
    "business_apps_enterprise_workloads": ("count", 0, 9),
    "business_apps_net_customer_adds_ent": ("count", -3, 7),
    "business_apps_net_customer_adds_smb": ("count", -3, 7),
    "business_apps_intermediate_certified": ("count", 0, 24),
    "business_apps_advanced_certified": ("count", 0, 9),
    "business_apps_usage_growth_pct": ("cents", -1000, 4000),
    "business_apps_baseline_mcv": ("cents", 0, 10_000_000),
    "business_apps_deployments_ent": ("count", 0, 7),
    "business_apps_deployments_smb": ("count", 0, 7),
}


def _hash(n: int, seed: int) -> pl.Expr:
    """A 32-bit integer mix (murmur-style finalizer) of the row number and a seed."""
    x = (pl.int_range(n, dtype=pl.Int64) + seed * 0x9E3779B9) % M
    x = (x.xor(x // 65536) * 0x45D9F3B) % M
    x = (x.xor(x // 65536) * 0x45D9F3B) % M
    return x.xor(x // 65536)


def _cents_text(c: pl.Expr) -> pl.Expr:
    """Integer cents as exact decimal text with two places: -1234 -> '-12.34'."""
    a = c.abs()
    sign = pl.when(c < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str([sign, (a // 100).cast(pl.String), pl.lit("."), (a % 100 + 100).cast(pl.String).str.slice(1)])


def frame(rows: int) -> pl.DataFrame:
    """The dataset: decimals as exact text (CSV writes them verbatim)."""
    exprs = [pl.format("P{}", pl.int_range(rows).cast(pl.String).str.zfill(7)).alias("partner_id")]
    for seed, (name, (kind, lo, hi)) in enumerate(COLUMNS.items(), start=1):
        v = _hash(rows, seed) % (hi - lo + 1) + lo
        exprs.append((v if kind == "count" else _cents_text(v)).alias(name))
    # An anniversary date, carried through by the loader (issue 5's renewal timeline).
    exprs.append((pl.lit(19_000) + _hash(rows, 999) % 365).cast(pl.Date).alias("anniversary"))
    return pl.select(exprs)


#: The input layouts users have, by name: file ending and what writes it.
LAYOUTS = {
    "csv": "CSV, decimals as written (2 places)",
    "decimal.parquet": "Parquet, decimals as DECIMAL(18,2) (what a warehouse export writes)",
    "float.parquet": "Parquet, decimals as float64 and counts as int64, written by pyarrow with its defaults (what pandas' to_parquet writes)",
    "jsonl": "JSON Lines, decimals as JSON numbers",
}


def path_for(rows: int, outdir: Path, layout: str) -> Path:
    return outdir / f"partners_{rows}.{layout}"


def write(rows: int, outdir: Path, layouts: tuple[str, ...] = ("csv", "decimal.parquet")) -> dict[str, Path]:
    """Write partners_<rows>.<layout> for each layout of `LAYOUTS` (reusing files already
    there): the same partners and values in each."""
    outdir.mkdir(parents=True, exist_ok=True)
    paths = {layout: path_for(rows, outdir, layout) for layout in layouts}
    todo = [layout for layout, p in paths.items() if not p.exists()]
    if not todo:
        return paths
    df = frame(rows)
    cents = [n for n, (k, _, _) in COLUMNS.items() if k == "cents"]
    for layout in todo:
        tmp = paths[layout].with_name(paths[layout].name + ".tmp")
        if layout == "csv":
            df.write_csv(tmp)
        elif layout == "decimal.parquet":
            df.with_columns([pl.col(c).cast(pl.Decimal(18, 2)) for c in cents]).write_parquet(tmp)
        elif layout == "float.parquet":
            import pyarrow.parquet as pq

            # pandas.DataFrame.to_parquet hands the frame to pyarrow.parquet.write_table with
            # its defaults (snappy, one row group per 1Mi rows): the file layout users get
            pq.write_table(df.with_columns([pl.col(c).cast(pl.Float64) for c in cents]).to_arrow(), tmp)
        elif layout == "jsonl":
            df.with_columns([pl.col(c).cast(pl.Float64) for c in cents]).write_ndjson(tmp)
        else:
            raise ValueError(f"unknown layout {layout!r} (one of {', '.join(LAYOUTS)})")
        tmp.rename(paths[layout])
    return paths


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).parent / "data"
    for p in write(n, out, tuple(LAYOUTS)).values():
        print(p)
