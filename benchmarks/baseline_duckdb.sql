-- The hand-written baseline for benchmarks/bench_sql.py: the Cloud Partner Program 2022 rules
-- (DESIGN §4.1 readings) written directly as one DuckDB query in DOUBLE, as an analyst would
-- write them — the same rules as benchmarks/baseline.py. It validates nothing and is not exact
-- (a total of thirds can land a hair under 70). Same input table, same output shape as the
-- compiled query: partner_id, track, level, score.
WITH lines AS (
  SELECT
    partner_id,
    azure_solutions_architect_experts >= 2 AS experts,
    azure_administrator_associates >= 2 AS admins,
    security_step1_certified >= 1 AND security_step2_certified >= 1 AS steps,
    -- Data & AI
    30 * greatest(least(data_ai_net_customer_adds / 3.0, 1), 0) AS da1,
    CASE WHEN azure_solutions_architect_experts >= 2 AND azure_administrator_associates >= 2
      THEN 40 * greatest(least(data_ai_intermediate_certified / 10.0, 1), 0) ELSE 0 END AS da2,
    20 * greatest(least(CAST(data_ai_usage_growth_pct AS DOUBLE) / 20, 1), 0) AS da3,
    10 * greatest(least(data_ai_deployments / 5.0, 1), 0) AS da4,
    -- Digital & App Innovation
    30 * greatest(least(digital_app_net_customer_adds / 3.0, 1), 0) AS dg1,
    CASE WHEN azure_administrator_associates >= 2 THEN 20 * greatest(least(digital_app_intermediate_certified / 5.0, 1), 0) ELSE 0 END AS dg2,
    CASE WHEN azure_solutions_architect_experts >= 2 THEN 20 * greatest(least(digital_app_advanced_certified / 5.0, 1), 0) ELSE 0 END AS dg3,
    20 * greatest(least(CAST(digital_app_usage_growth_pct AS DOUBLE) / 20, 1), 0) AS dg4,
    10 * greatest(least(digital_app_deployments / 5.0, 1), 0) AS dg5,
    -- Infrastructure
    30 * greatest(least(infrastructure_net_customer_adds / 3.0, 1), 0) AS in1,
    CASE WHEN azure_administrator_associates >= 2 THEN 20 * greatest(least(infrastructure_intermediate_certified / 5.0, 1), 0) ELSE 0 END AS in2,
    CASE WHEN azure_solutions_architect_experts >= 2 THEN 20 * greatest(least(infrastructure_advanced_certified / 5.0, 1), 0) ELSE 0 END AS in3,
    20 * greatest(least(CAST(infrastructure_usage_growth_pct AS DOUBLE) / 20, 1), 0) AS in4,
    10 * greatest(least(infrastructure_deployments / 5.0, 1), 0) AS in5,
    -- Security
    20 * greatest(least((security_net_customer_adds_azure + security_net_customer_adds_m365) / 10.0, 1), 0) AS se1,
    CASE WHEN security_step1_certified >= 1 AND security_step2_certified >= 1
      THEN 40 * greatest(least(security_intermediate_certified / 6.0, 1), 0) ELSE 0 END AS se2,
    20 * greatest(least((security_deployments_azure + security_deployments_m365) / 6.0, 1), 0) AS se3,
    least(20, greatest(CAST(security_acr_growth_usd AS DOUBLE), 0) / 1250 + greatest(CAST(security_protected_users_growth AS DOUBLE), 0) / 125) AS se4,
    -- Modern Work, Enterprise and SMB
    20 * greatest(least(modern_work_net_customer_adds_ent / 5.0, 1), 0) AS me1,
    10 * greatest(least(modern_work_intermediate_certified / 4.0, 1), 0) AS me2,
    15 * greatest(least(modern_work_advanced_certified / 2.0, 1), 0) AS me3,
    30 * greatest(greatest(least(modern_work_usage_growth_cpor_ent / 1000.0, 1), 0), greatest(least(modern_work_usage_growth_dpor_ent / 4000.0, 1), 0)) AS me4,
    25 * greatest(greatest(least(modern_work_deployments_cpor_ent / 5.0, 1), 0), greatest(least(modern_work_deployments_dpor_ent / 10.0, 1), 0)) AS me5,
    20 * greatest(least(modern_work_net_customer_adds_smb / 10.0, 1), 0) AS ms1,
    10 * greatest(least(modern_work_intermediate_certified / 2.0, 1), 0) AS ms2,
    15 * greatest(least(modern_work_advanced_certified / 1.0, 1), 0) AS ms3,
    30 * greatest(greatest(least(modern_work_usage_growth_cpor_smb / 500.0, 1), 0), greatest(least(modern_work_usage_growth_csp_smb / 2000.0, 1), 0)) AS ms4,
    25 * greatest(greatest(least(modern_work_deployments_cpor_smb / 5.0, 1), 0), greatest(least(modern_work_deployments_csp_smb / 10.0, 1), 0)) AS ms5,
    -- Business Applications, Enterprise and SMB
    business_apps_enterprise_workloads >= 5 AS enterprise,
    15 * greatest(least(business_apps_net_customer_adds_ent / 5.0, 1), 0) AS be1,
    20 * greatest(least(business_apps_intermediate_certified / 20.0, 1), 0) AS be2,
    15 * greatest(least(business_apps_advanced_certified / 7.0, 1), 0) AS be3,
    CASE WHEN CAST(business_apps_baseline_mcv AS DOUBLE) >= 50000 THEN 30 * greatest(least(CAST(business_apps_usage_growth_pct AS DOUBLE) / 30, 1), 0) ELSE 0 END AS be4,
    20 * greatest(least(business_apps_deployments_ent / 5.0, 1), 0) AS be5,
    15 * greatest(least(business_apps_net_customer_adds_smb / 5.0, 1), 0) AS bs1,
    20 * greatest(least(business_apps_intermediate_certified / 5.0, 1), 0) AS bs2,
    15 * greatest(least(business_apps_advanced_certified / 2.0, 1), 0) AS bs3,
    CASE WHEN CAST(business_apps_baseline_mcv AS DOUBLE) >= 25000 THEN 30 * greatest(least(CAST(business_apps_usage_growth_pct AS DOUBLE) / 30, 1), 0) ELSE 0 END AS bs4,
    20 * greatest(least(business_apps_deployments_smb / 5.0, 1), 0) AS bs5
  FROM partners
), scores AS (
  SELECT
    *,
    least(least(da1, 30) + least(da2, 40) + least(da3 + da4, 30), 100) AS s_da,
    da1 > 0 AND da2 > 0 AND da3 > 0 AND da4 > 0 AS ok_da,
    least(least(dg1, 30) + least(dg2 + dg3, 40) + least(dg4 + dg5, 30), 100) AS s_dg,
    dg1 > 0 AND dg2 > 0 AND dg3 > 0 AND dg4 > 0 AND dg5 > 0 AS ok_dg,
    least(least(in1, 30) + least(in2 + in3, 40) + least(in4 + in5, 30), 100) AS s_in,
    in1 > 0 AND in2 > 0 AND in3 > 0 AND in4 > 0 AND in5 > 0 AS ok_in,
    least(least(se1, 20) + least(se2, 40) + least(se3 + se4, 40), 100) AS s_se,
    se1 > 0 AND se2 > 0 AND se3 > 0 AND se4 > 0 AS ok_se,
    least(least(me1, 20) + least(me2 + me3, 25) + least(me4 + me5, 55), 100) AS s_me,
    me1 > 0 AND me2 > 0 AND me3 > 0 AND me4 > 0 AND me5 > 0 AS ok_me,
    least(least(ms1, 20) + least(ms2 + ms3, 25) + least(ms4 + ms5, 55), 100) AS s_ms,
    ms1 > 0 AND ms2 > 0 AND ms3 > 0 AND ms4 > 0 AND ms5 > 0 AS ok_ms,
    least(least(be1, 15) + least(be2 + be3, 35) + least(be4 + be5, 50), 100) AS s_be,
    be1 > 0 AND be2 > 0 AND be3 > 0 AND be4 > 0 AND be5 > 0 AS ok_be,
    least(least(bs1, 15) + least(bs2 + bs3, 35) + least(bs4 + bs5, 50), 100) AS s_bs,
    bs1 > 0 AND bs2 > 0 AND bs3 > 0 AND bs4 > 0 AND bs5 > 0 AS ok_bs
  FROM lines
), tracks AS (
  SELECT
    partner_id,
    s_da, s_da >= 70 AND ok_da AS d_da,
    s_dg, s_dg >= 70 AND ok_dg AS d_dg,
    s_in, s_in >= 70 AND ok_in AS d_in,
    s_se, s_se >= 70 AND ok_se AS d_se,
    CASE WHEN ((s_ms >= 70 AND ok_ms) AND NOT (s_me >= 70 AND ok_me)) OR ((s_ms >= 70 AND ok_ms) = (s_me >= 70 AND ok_me) AND s_ms > s_me)
      THEN s_ms ELSE s_me END AS s_mw,
    CASE WHEN ((s_ms >= 70 AND ok_ms) AND NOT (s_me >= 70 AND ok_me)) OR ((s_ms >= 70 AND ok_ms) = (s_me >= 70 AND ok_me) AND s_ms > s_me)
      THEN s_ms >= 70 AND ok_ms ELSE s_me >= 70 AND ok_me END AS d_mw,
    CASE WHEN enterprise THEN s_be ELSE s_bs END AS s_ba,
    CASE WHEN enterprise THEN s_be >= 70 AND ok_be ELSE s_bs >= 70 AND ok_bs END AS d_ba
  FROM scores
), held AS (
  SELECT *, CAST(d_da AS INTEGER) + CAST(d_dg AS INTEGER) + CAST(d_in AS INTEGER) + CAST(d_se AS INTEGER) + CAST(d_mw AS INTEGER) + CAST(d_ba AS INTEGER) AS n
  FROM tracks
)
SELECT
  partner_id,
  t.track,
  CASE t.k
    WHEN 0 THEN CASE WHEN d_da THEN 'designated' END
    WHEN 1 THEN CASE WHEN d_dg THEN 'designated' END
    WHEN 2 THEN CASE WHEN d_in THEN 'designated' END
    WHEN 3 THEN CASE WHEN d_se THEN 'designated' END
    WHEN 4 THEN CASE WHEN d_mw THEN 'designated' END
    WHEN 5 THEN CASE WHEN d_ba THEN 'designated' END
    WHEN 6 THEN CASE WHEN n = 6 THEN 'designated' END
    ELSE CASE WHEN n = 6 THEN 'microsoft_cloud' WHEN n >= 1 THEN 'solutions_partner' ELSE 'member' END
  END AS level,
  CASE t.k WHEN 0 THEN s_da WHEN 1 THEN s_dg WHEN 2 THEN s_in WHEN 3 THEN s_se WHEN 4 THEN s_mw WHEN 5 THEN s_ba END AS score
FROM held
CROSS JOIN (VALUES (0, 'data_ai'), (1, 'digital_app'), (2, 'infrastructure'), (3, 'security'), (4, 'modern_work'), (5, 'business_apps'), (6, 'microsoft_cloud'), (7, 'partner_status')) AS t(k, track)
