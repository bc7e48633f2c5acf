-- The second hand-written baseline for benchmarks/bench_sql.py: the same Cloud Partner Program
-- 2022 rules as baseline_duckdb.sql, written as a careful analyst would write them to be exact
-- and to refuse bad input, in one DuckDB query:
-- - checked: a missing value, an empty or repeated partner_id, a negative count where the
--   program says a count cannot be negative, a growth below -100% or a negative baseline
--   stops the query with an error naming the partner (one filter over the table, one
--   GROUP BY for repeated ids);
-- - exact: decimals are read as DECIMAL(18, 6) and scaled to integer millionths; each track's
--   points are integers over one denominator (millionths of a point; times 3750 for Security's
--   thirds and its per-1,250 and per-125 rates, times 7 for Business Applications' sevenths),
--   so a total of exactly 70 is 70; scores are rounded half-even to six places and written as
--   DECIMAL(18, 6) (DESIGN §4.3: "score as an exact decimal or text").
-- It does not read a DOUBLE as its shortest decimal text (a DOUBLE is rounded to 6 places) and
-- its messages do not name the column. Same input table, same output rows as the compiled
-- query: partner_id, track, level, score.
WITH checked AS (
  SELECT
    partner_id,
    azure_solutions_architect_experts AS experts,
    azure_administrator_associates AS admins,
    security_step1_certified AS step1,
    security_step2_certified AS step2,
    data_ai_net_customer_adds, data_ai_intermediate_certified, data_ai_deployments,
    CAST(CAST(data_ai_usage_growth_pct AS DECIMAL(18, 6)) * 1000000 AS BIGINT) AS data_ai_pct,
    digital_app_net_customer_adds, digital_app_intermediate_certified, digital_app_advanced_certified, digital_app_deployments,
    CAST(CAST(digital_app_usage_growth_pct AS DECIMAL(18, 6)) * 1000000 AS BIGINT) AS digital_app_pct,
    infrastructure_net_customer_adds, infrastructure_intermediate_certified, infrastructure_advanced_certified, infrastructure_deployments,
    CAST(CAST(infrastructure_usage_growth_pct AS DECIMAL(18, 6)) * 1000000 AS BIGINT) AS infrastructure_pct,
    security_net_customer_adds_azure + security_net_customer_adds_m365 AS security_adds,
    security_intermediate_certified,
    security_deployments_azure + security_deployments_m365 AS security_deployments,
    CAST(CAST(security_acr_growth_usd AS DECIMAL(18, 6)) * 1000000 AS BIGINT) AS security_acr,
    CAST(CAST(security_protected_users_growth AS DECIMAL(18, 6)) * 1000000 AS BIGINT) AS security_users,
    modern_work_net_customer_adds_ent, modern_work_net_customer_adds_smb, modern_work_intermediate_certified, modern_work_advanced_certified,
    modern_work_usage_growth_cpor_ent, modern_work_usage_growth_dpor_ent, modern_work_usage_growth_cpor_smb, modern_work_usage_growth_csp_smb,
    modern_work_deployments_cpor_ent, modern_work_deployments_dpor_ent, modern_work_deployments_cpor_smb, modern_work_deployments_csp_smb,
    business_apps_enterprise_workloads >= 5 AS enterprise,
    business_apps_net_customer_adds_ent, business_apps_net_customer_adds_smb, business_apps_intermediate_certified, business_apps_advanced_certified,
    CAST(CAST(business_apps_usage_growth_pct AS DECIMAL(18, 6)) * 1000000 AS BIGINT) AS business_apps_pct,
    CAST(business_apps_baseline_mcv AS DECIMAL(18, 6)) AS mcv,
    business_apps_deployments_ent, business_apps_deployments_smb
  FROM partners
  WHERE CASE
    WHEN partner_id IS NULL OR trim(CAST(partner_id AS VARCHAR)) = ''
      OR azure_solutions_architect_experts IS NULL OR azure_solutions_architect_experts < 0
      OR azure_administrator_associates IS NULL OR azure_administrator_associates < 0
      OR data_ai_net_customer_adds IS NULL
      OR data_ai_intermediate_certified IS NULL OR data_ai_intermediate_certified < 0
      OR data_ai_usage_growth_pct IS NULL OR data_ai_usage_growth_pct < -100
      OR data_ai_deployments IS NULL OR data_ai_deployments < 0
      OR digital_app_net_customer_adds IS NULL
      OR digital_app_intermediate_certified IS NULL OR digital_app_intermediate_certified < 0
      OR digital_app_advanced_certified IS NULL OR digital_app_advanced_certified < 0
      OR digital_app_usage_growth_pct IS NULL OR digital_app_usage_growth_pct < -100
      OR digital_app_deployments IS NULL OR digital_app_deployments < 0
      OR infrastructure_net_customer_adds IS NULL
      OR infrastructure_intermediate_certified IS NULL OR infrastructure_intermediate_certified < 0
      OR infrastructure_advanced_certified IS NULL OR infrastructure_advanced_certified < 0
      OR infrastructure_usage_growth_pct IS NULL OR infrastructure_usage_growth_pct < -100
      OR infrastructure_deployments IS NULL OR infrastructure_deployments < 0
      OR security_step1_certified IS NULL OR security_step1_certified < 0
      OR security_step2_certified IS NULL OR security_step2_certified < 0
      OR security_net_customer_adds_azure IS NULL OR security_net_customer_adds_m365 IS NULL
      OR security_intermediate_certified IS NULL OR security_intermediate_certified < 0
      OR security_deployments_azure IS NULL OR security_deployments_azure < 0
      OR security_deployments_m365 IS NULL OR security_deployments_m365 < 0
      OR security_acr_growth_usd IS NULL OR security_protected_users_growth IS NULL
      OR modern_work_net_customer_adds_ent IS NULL OR modern_work_net_customer_adds_smb IS NULL
      OR modern_work_intermediate_certified IS NULL OR modern_work_intermediate_certified < 0
      OR modern_work_advanced_certified IS NULL OR modern_work_advanced_certified < 0
      OR modern_work_usage_growth_cpor_ent IS NULL OR modern_work_usage_growth_dpor_ent IS NULL
      OR modern_work_usage_growth_cpor_smb IS NULL OR modern_work_usage_growth_csp_smb IS NULL
      OR modern_work_deployments_cpor_ent IS NULL OR modern_work_deployments_cpor_ent < 0
      OR modern_work_deployments_dpor_ent IS NULL OR modern_work_deployments_dpor_ent < 0
      OR modern_work_deployments_cpor_smb IS NULL OR modern_work_deployments_cpor_smb < 0
      OR modern_work_deployments_csp_smb IS NULL OR modern_work_deployments_csp_smb < 0
      OR business_apps_enterprise_workloads IS NULL OR business_apps_enterprise_workloads < 0
      OR business_apps_net_customer_adds_ent IS NULL OR business_apps_net_customer_adds_smb IS NULL
      OR business_apps_intermediate_certified IS NULL OR business_apps_intermediate_certified < 0
      OR business_apps_advanced_certified IS NULL OR business_apps_advanced_certified < 0
      OR business_apps_usage_growth_pct IS NULL OR business_apps_usage_growth_pct < -100
      OR business_apps_baseline_mcv IS NULL OR business_apps_baseline_mcv < 0
      OR business_apps_deployments_ent IS NULL OR business_apps_deployments_ent < 0
      OR business_apps_deployments_smb IS NULL OR business_apps_deployments_smb < 0
    THEN error('bad input in the row of partner ' || coalesce(CAST(partner_id AS VARCHAR), '(empty)'))
    ELSE TRUE
  END
), unique_ids AS (
  SELECT CASE WHEN count(*) > 0 THEN error('partner_id ' || min(partner_id) || ' appears more than once') ELSE TRUE END AS unique_ids
  FROM (SELECT partner_id FROM partners GROUP BY partner_id HAVING count(*) > 1)
), lines AS (
  -- each line in integer millionths of a point (Security: times 3750; Business Applications: times 7)
  SELECT
    partner_id,
    -- Data & AI: 30 * min(adds / 3, 1) = 10 points per add up to 3, and so on
    10000000 * least(greatest(data_ai_net_customer_adds, 0), 3) AS da1,
    CASE WHEN experts >= 2 AND admins >= 2 THEN 4000000 * least(greatest(data_ai_intermediate_certified, 0), 10) ELSE 0 END AS da2,
    least(greatest(data_ai_pct, 0), 20000000) AS da3,
    2000000 * least(greatest(data_ai_deployments, 0), 5) AS da4,
    -- Digital & App Innovation
    10000000 * least(greatest(digital_app_net_customer_adds, 0), 3) AS dg1,
    CASE WHEN admins >= 2 THEN 4000000 * least(greatest(digital_app_intermediate_certified, 0), 5) ELSE 0 END AS dg2,
    CASE WHEN experts >= 2 THEN 4000000 * least(greatest(digital_app_advanced_certified, 0), 5) ELSE 0 END AS dg3,
    least(greatest(digital_app_pct, 0), 20000000) AS dg4,
    2000000 * least(greatest(digital_app_deployments, 0), 5) AS dg5,
    -- Infrastructure
    10000000 * least(greatest(infrastructure_net_customer_adds, 0), 3) AS in1,
    CASE WHEN admins >= 2 THEN 4000000 * least(greatest(infrastructure_intermediate_certified, 0), 5) ELSE 0 END AS in2,
    CASE WHEN experts >= 2 THEN 4000000 * least(greatest(infrastructure_advanced_certified, 0), 5) ELSE 0 END AS in3,
    least(greatest(infrastructure_pct, 0), 20000000) AS in4,
    2000000 * least(greatest(infrastructure_deployments, 0), 5) AS in5,
    -- Security, times 3750: 2 points per add, 20/3 per certified, 10/3 per deployment,
    -- 1 per 1,250 USD and 1 per 125 users (capped at 20)
    7500000000 * least(greatest(security_adds, 0), 10) AS se1,
    CASE WHEN step1 >= 1 AND step2 >= 1 THEN 25000000000 * least(greatest(security_intermediate_certified, 0), 6) ELSE 0 END AS se2,
    12500000000 * least(greatest(security_deployments, 0), 6) AS se3,
    least(75000000000, 3 * least(greatest(security_acr, 0), 25000000000) + 30 * least(greatest(security_users, 0), 2500000000)) AS se4,
    -- Modern Work, Enterprise and SMB
    4000000 * least(greatest(modern_work_net_customer_adds_ent, 0), 5) AS me1,
    2500000 * least(greatest(modern_work_intermediate_certified, 0), 4) AS me2,
    7500000 * least(greatest(modern_work_advanced_certified, 0), 2) AS me3,
    greatest(30000 * least(greatest(modern_work_usage_growth_cpor_ent, 0), 1000), 7500 * least(greatest(modern_work_usage_growth_dpor_ent, 0), 4000)) AS me4,
    greatest(5000000 * least(greatest(modern_work_deployments_cpor_ent, 0), 5), 2500000 * least(greatest(modern_work_deployments_dpor_ent, 0), 10)) AS me5,
    2000000 * least(greatest(modern_work_net_customer_adds_smb, 0), 10) AS ms1,
    5000000 * least(greatest(modern_work_intermediate_certified, 0), 2) AS ms2,
    15000000 * least(greatest(modern_work_advanced_certified, 0), 1) AS ms3,
    greatest(60000 * least(greatest(modern_work_usage_growth_cpor_smb, 0), 500), 15000 * least(greatest(modern_work_usage_growth_csp_smb, 0), 2000)) AS ms4,
    greatest(5000000 * least(greatest(modern_work_deployments_cpor_smb, 0), 5), 2500000 * least(greatest(modern_work_deployments_csp_smb, 0), 10)) AS ms5,
    -- Business Applications, Enterprise and SMB, times 7 (15/7 points per advanced certified)
    enterprise,
    21000000 * least(greatest(business_apps_net_customer_adds_ent, 0), 5) AS be1,
    7000000 * least(greatest(business_apps_intermediate_certified, 0), 20) AS be2,
    15000000 * least(greatest(business_apps_advanced_certified, 0), 7) AS be3,
    CASE WHEN mcv >= 50000 THEN 7 * least(greatest(business_apps_pct, 0), 30000000) ELSE 0 END AS be4,
    28000000 * least(greatest(business_apps_deployments_ent, 0), 5) AS be5,
    21000000 * least(greatest(business_apps_net_customer_adds_smb, 0), 5) AS bs1,
    28000000 * least(greatest(business_apps_intermediate_certified, 0), 5) AS bs2,
    52500000 * least(greatest(business_apps_advanced_certified, 0), 2) AS bs3,
    CASE WHEN mcv >= 25000 THEN 7 * least(greatest(business_apps_pct, 0), 30000000) ELSE 0 END AS bs4,
    28000000 * least(greatest(business_apps_deployments_smb, 0), 5) AS bs5
  FROM checked CROSS JOIN unique_ids
  WHERE unique_ids  -- refers to the check, so that it runs
), scores AS (
  SELECT
    *,
    least(least(da1, 30000000) + least(da2, 40000000) + least(da3 + da4, 30000000), 100000000) AS s_da,
    da1 > 0 AND da2 > 0 AND da3 > 0 AND da4 > 0 AS ok_da,
    least(least(dg1, 30000000) + least(dg2 + dg3, 40000000) + least(dg4 + dg5, 30000000), 100000000) AS s_dg,
    dg1 > 0 AND dg2 > 0 AND dg3 > 0 AND dg4 > 0 AND dg5 > 0 AS ok_dg,
    least(least(in1, 30000000) + least(in2 + in3, 40000000) + least(in4 + in5, 30000000), 100000000) AS s_in,
    in1 > 0 AND in2 > 0 AND in3 > 0 AND in4 > 0 AND in5 > 0 AS ok_in,
    least(least(se1, 75000000000) + least(se2, 150000000000) + least(se3 + se4, 150000000000), 375000000000) AS s_se,
    se1 > 0 AND se2 > 0 AND se3 > 0 AND se4 > 0 AS ok_se,
    least(least(me1, 20000000) + least(me2 + me3, 25000000) + least(me4 + me5, 55000000), 100000000) AS s_me,
    me1 > 0 AND me2 > 0 AND me3 > 0 AND me4 > 0 AND me5 > 0 AS ok_me,
    least(least(ms1, 20000000) + least(ms2 + ms3, 25000000) + least(ms4 + ms5, 55000000), 100000000) AS s_ms,
    ms1 > 0 AND ms2 > 0 AND ms3 > 0 AND ms4 > 0 AND ms5 > 0 AS ok_ms,
    least(least(be1, 105000000) + least(be2 + be3, 245000000) + least(be4 + be5, 350000000), 700000000) AS s_be,
    be1 > 0 AND be2 > 0 AND be3 > 0 AND be4 > 0 AND be5 > 0 AS ok_be,
    least(least(bs1, 105000000) + least(bs2 + bs3, 245000000) + least(bs4 + bs5, 350000000), 700000000) AS s_bs,
    bs1 > 0 AND bs2 > 0 AND bs3 > 0 AND bs4 > 0 AND bs5 > 0 AS ok_bs
  FROM lines
), tracks AS (
  SELECT
    partner_id,
    s_da, s_da >= 70000000 AND ok_da AS d_da,
    s_dg, s_dg >= 70000000 AND ok_dg AS d_dg,
    s_in, s_in >= 70000000 AND ok_in AS d_in,
    s_se, s_se >= 262500000000 AND ok_se AS d_se,
    CASE WHEN ((s_ms >= 70000000 AND ok_ms) AND NOT (s_me >= 70000000 AND ok_me)) OR ((s_ms >= 70000000 AND ok_ms) = (s_me >= 70000000 AND ok_me) AND s_ms > s_me)
      THEN s_ms ELSE s_me END AS s_mw,
    CASE WHEN ((s_ms >= 70000000 AND ok_ms) AND NOT (s_me >= 70000000 AND ok_me)) OR ((s_ms >= 70000000 AND ok_ms) = (s_me >= 70000000 AND ok_me) AND s_ms > s_me)
      THEN s_ms >= 70000000 AND ok_ms ELSE s_me >= 70000000 AND ok_me END AS d_mw,
    CASE WHEN enterprise THEN s_be ELSE s_bs END AS s_ba,
    CASE WHEN enterprise THEN s_be >= 490000000 AND ok_be ELSE s_bs >= 490000000 AND ok_bs END AS d_ba
  FROM scores
), held AS (
  SELECT
    *,
    CAST(d_da AS INTEGER) + CAST(d_dg AS INTEGER) + CAST(d_in AS INTEGER) + CAST(d_se AS INTEGER) + CAST(d_mw AS INTEGER) + CAST(d_ba AS INTEGER) AS n,
    -- Security and Business Applications back to millionths of a point, rounded half-even
    s_se // 3750 + CASE WHEN 2 * (s_se % 3750) > 3750 OR (2 * (s_se % 3750) = 3750 AND (s_se // 3750) % 2 = 1) THEN 1 ELSE 0 END AS u_se,
    s_ba // 7 + CASE WHEN 2 * (s_ba % 7) > 7 THEN 1 ELSE 0 END AS u_ba
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
  CAST(CASE t.k WHEN 0 THEN s_da WHEN 1 THEN s_dg WHEN 2 THEN s_in WHEN 3 THEN u_se WHEN 4 THEN s_mw WHEN 5 THEN u_ba END AS DECIMAL(12, 0))
    * CAST(0.000001 AS DECIMAL(6, 6)) AS score
FROM held
CROSS JOIN (VALUES (0, 'data_ai'), (1, 'digital_app'), (2, 'infrastructure'), (3, 'security'), (4, 'modern_work'), (5, 'business_apps'), (6, 'microsoft_cloud'), (7, 'partner_status')) AS t(k, track)
