-- designations 1.0 (sha256:...) compiled by tierlang for snowflake
-- reads the table partners; returns partner_id, track, level, score (one row per partner and track)
-- decimal columns are read exactly with up to 6 decimal places; a bad value stops the query with an error
WITH "partners_read" /* partners: every value read exactly (shortest decimal text of a float; decimals scaled to integers) */ AS (
  SELECT
    CASE
      WHEN (
        "partner_id" IS NULL
      )
      OR (
        CAST("partner_id" AS VARCHAR) = ''
      )
      OR (
        UNICODE(CAST("partner_id" AS VARCHAR)) IN (
          9,
          10,
          11,
          12,
          13,
          32,
          133,
          160,
          5760,
          8192,
          8193,
          8194,
          8195,
          8196,
          8197,
          8198,
          8199,
          8200,
          8201,
          8202,
          8232,
          8233,
          8239,
          8287,
          12288
        ) /* the code points of Unicode's blanks (White_Space), which tierlang's loader strips */
      )
      OR (
        UNICODE(RIGHT(CAST("partner_id" AS VARCHAR), 1)) IN (
          9,
          10,
          11,
          12,
          13,
          32,
          133,
          160,
          5760,
          8192,
          8193,
          8194,
          8195,
          8196,
          8197,
          8198,
          8199,
          8200,
          8201,
          8202,
          8232,
          8233,
          8239,
          8287,
          12288
        )
      )
      THEN CAST(CAST('tier: TL410 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column partner_id: ' || CASE
        WHEN (
          "partner_id" IS NULL
        )
        OR (
          LTRIM(
            CAST("partner_id" AS VARCHAR),
            (
              CHR(9) || CHR(10) || CHR(11) || CHR(12) || CHR(13) || CHR(32) || CHR(133) || CHR(160) || CHR(5760) || CHR(8192) || CHR(8193) || CHR(8194) || CHR(8195) || CHR(8196) || CHR(8197) || CHR(8198) || CHR(8199) || CHR(8200) || CHR(8201) || CHR(8202) || CHR(8232) || CHR(8233) || CHR(8239) || CHR(8287) || CHR(12288)
            )
          ) = ''
        )
        THEN 'partner_id is empty'
        ELSE 'partner_id ' || '\'' || CAST("partner_id" AS VARCHAR) || '\'' || ' has blanks around it'
      END AS BIGINT) AS VARCHAR)
      ELSE CAST("partner_id" AS VARCHAR)
    END AS "partner_id",
    CASE
      WHEN "experts" IS NULL
      THEN CAST('tier: TL403 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column experts: ' || 'the value is missing (the metric declares no default)' AS DECIMAL(38, 0))
      ELSE CASE
        WHEN REGEXP_LIKE(CAST("experts" AS VARCHAR), '^[ \\t]*[+-]?0*[0-9]{1,18}[ \\t]*$')
        THEN CAST(TRIM(CAST("experts" AS VARCHAR), (
          CHR(32) || CHR(9)
        )) AS DECIMAL(38, 0))
        WHEN REGEXP_LIKE(CAST("experts" AS VARCHAR), '^[ \\t]*[+-]?[0-9]+[ \\t]*$')
        THEN CAST('tier: TL412 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column experts: ' || '\'' || CAST("experts" AS VARCHAR) || '\'' || ' is too large for a count (at most 18 digits)' AS DECIMAL(38, 0))
        WHEN REGEXP_LIKE(CAST("experts" AS VARCHAR), '^[ \\t]*$')
        THEN CAST('tier: TL403 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column experts: ' || 'the value is missing (the metric declares no default)' AS DECIMAL(38, 0))
        ELSE CAST('tier: TL404 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column experts: ' || '\'' || CAST("experts" AS VARCHAR) || '\'' || ' is not a whole number' AS DECIMAL(38, 0))
      END
    END AS "experts",
    CASE
      WHEN "adds" IS NULL
      THEN CAST('tier: TL403 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column adds: ' || 'the value is missing (the metric declares no default)' AS DECIMAL(38, 0))
      ELSE CASE
        WHEN REGEXP_LIKE(CAST("adds" AS VARCHAR), '^[ \\t]*[+-]?0*[0-9]{1,18}[ \\t]*$')
        THEN CAST(TRIM(CAST("adds" AS VARCHAR), (
          CHR(32) || CHR(9)
        )) AS DECIMAL(38, 0))
        WHEN REGEXP_LIKE(CAST("adds" AS VARCHAR), '^[ \\t]*[+-]?[0-9]+[ \\t]*$')
        THEN CAST('tier: TL412 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column adds: ' || '\'' || CAST("adds" AS VARCHAR) || '\'' || ' is too large for a count (at most 18 digits)' AS DECIMAL(38, 0))
        WHEN REGEXP_LIKE(CAST("adds" AS VARCHAR), '^[ \\t]*$')
        THEN CAST('tier: TL403 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column adds: ' || 'the value is missing (the metric declares no default)' AS DECIMAL(38, 0))
        ELSE CAST('tier: TL404 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column adds: ' || '\'' || CAST("adds" AS VARCHAR) || '\'' || ' is not a whole number' AS DECIMAL(38, 0))
      END
    END AS "adds",
    CASE
      WHEN "certified" IS NULL
      THEN CAST('tier: TL403 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column certified: ' || 'the value is missing (the metric declares no default)' AS DECIMAL(38, 0))
      ELSE CASE
        WHEN REGEXP_LIKE(CAST("certified" AS VARCHAR), '^[ \\t]*[+-]?0*[0-9]{1,18}[ \\t]*$')
        THEN CAST(TRIM(CAST("certified" AS VARCHAR), (
          CHR(32) || CHR(9)
        )) AS DECIMAL(38, 0))
        WHEN REGEXP_LIKE(CAST("certified" AS VARCHAR), '^[ \\t]*[+-]?[0-9]+[ \\t]*$')
        THEN CAST('tier: TL412 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column certified: ' || '\'' || CAST("certified" AS VARCHAR) || '\'' || ' is too large for a count (at most 18 digits)' AS DECIMAL(38, 0))
        WHEN REGEXP_LIKE(CAST("certified" AS VARCHAR), '^[ \\t]*$')
        THEN CAST('tier: TL403 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column certified: ' || 'the value is missing (the metric declares no default)' AS DECIMAL(38, 0))
        ELSE CAST('tier: TL404 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column certified: ' || '\'' || CAST("certified" AS VARCHAR) || '\'' || ' is not a whole number' AS DECIMAL(38, 0))
      END
    END AS "certified",
    CASE
      WHEN "growth" IS NULL
      THEN CAST('tier: TL403 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column growth: ' || 'the value is missing (the metric declares no default)' AS DECIMAL(38, 0))
      ELSE CASE
        WHEN NOT (
          REGEXP_LIKE(CAST("growth" AS VARCHAR), '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$')
        )
        THEN CAST('tier: TL405 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column growth: ' || '\'' || CAST("growth" AS VARCHAR) || '\'' || ' is not a plain decimal' AS DECIMAL(38, 0))
        WHEN LENGTH(
          RTRIM(
            CASE
              WHEN CHARINDEX('.', CAST("growth" AS VARCHAR)) > 0
              THEN SUBSTRING(CAST("growth" AS VARCHAR), CHARINDEX('.', CAST("growth" AS VARCHAR)) + 1)
              ELSE ''
            END,
            '0'
          )
        ) > 6
        THEN CAST('tier: TL412 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column growth: ' || '\'' || CAST("growth" AS VARCHAR) || '\'' || ' has more than 6 decimal places (compile with --decimals)' AS DECIMAL(38, 0))
        WHEN LENGTH(
          LTRIM(
            CASE
              WHEN CHARINDEX('.', CAST("growth" AS VARCHAR)) > 0
              THEN LEFT(CAST("growth" AS VARCHAR), CHARINDEX('.', CAST("growth" AS VARCHAR)) - 1)
              ELSE CAST("growth" AS VARCHAR)
            END,
            '+-'
          )
        ) > 32
        THEN CAST('tier: TL412 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column growth: ' || '\'' || CAST("growth" AS VARCHAR) || '\'' || ' is too large to read exactly' AS DECIMAL(38, 0))
        ELSE CAST(CASE
          WHEN CHARINDEX('.', CAST("growth" AS VARCHAR)) > 0
          THEN LEFT(CAST("growth" AS VARCHAR), CHARINDEX('.', CAST("growth" AS VARCHAR)) - 1)
          ELSE CAST("growth" AS VARCHAR)
        END || LEFT(
          CASE
            WHEN CHARINDEX('.', CAST("growth" AS VARCHAR)) > 0
            THEN SUBSTRING(CAST("growth" AS VARCHAR), CHARINDEX('.', CAST("growth" AS VARCHAR)) + 1)
            ELSE ''
          END || '000000',
          6
        ) AS DECIMAL(38, 0))
      END
    END AS "growth",
    CASE
      WHEN "deployments" IS NULL
      THEN CAST('tier: TL403 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column deployments: ' || 'the value is missing (the metric declares no default)' AS DECIMAL(38, 0))
      ELSE CASE
        WHEN REGEXP_LIKE(CAST("deployments" AS VARCHAR), '^[ \\t]*[+-]?0*[0-9]{1,18}[ \\t]*$')
        THEN CAST(TRIM(CAST("deployments" AS VARCHAR), (
          CHR(32) || CHR(9)
        )) AS DECIMAL(38, 0))
        WHEN REGEXP_LIKE(CAST("deployments" AS VARCHAR), '^[ \\t]*[+-]?[0-9]+[ \\t]*$')
        THEN CAST('tier: TL412 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column deployments: ' || '\'' || CAST("deployments" AS VARCHAR) || '\'' || ' is too large for a count (at most 18 digits)' AS DECIMAL(38, 0))
        WHEN REGEXP_LIKE(CAST("deployments" AS VARCHAR), '^[ \\t]*$')
        THEN CAST('tier: TL403 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column deployments: ' || 'the value is missing (the metric declares no default)' AS DECIMAL(38, 0))
        ELSE CAST('tier: TL404 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column deployments: ' || '\'' || CAST("deployments" AS VARCHAR) || '\'' || ' is not a whole number' AS DECIMAL(38, 0))
      END
    END AS "deployments",
    CASE
      WHEN "acr" IS NULL
      THEN CAST(0 AS DECIMAL(38, 0))
      ELSE CASE
        WHEN NOT (
          REGEXP_LIKE(CAST("acr" AS VARCHAR), '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$')
        )
        THEN CAST('tier: TL405 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column acr: ' || '\'' || CAST("acr" AS VARCHAR) || '\'' || ' is not a plain decimal' AS DECIMAL(38, 0))
        WHEN LENGTH(
          RTRIM(
            CASE
              WHEN CHARINDEX('.', CAST("acr" AS VARCHAR)) > 0
              THEN SUBSTRING(CAST("acr" AS VARCHAR), CHARINDEX('.', CAST("acr" AS VARCHAR)) + 1)
              ELSE ''
            END,
            '0'
          )
        ) > 6
        THEN CAST('tier: TL412 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column acr: ' || '\'' || CAST("acr" AS VARCHAR) || '\'' || ' has more than 6 decimal places (compile with --decimals)' AS DECIMAL(38, 0))
        WHEN LENGTH(
          LTRIM(
            CASE
              WHEN CHARINDEX('.', CAST("acr" AS VARCHAR)) > 0
              THEN LEFT(CAST("acr" AS VARCHAR), CHARINDEX('.', CAST("acr" AS VARCHAR)) - 1)
              ELSE CAST("acr" AS VARCHAR)
            END,
            '+-'
          )
        ) > 32
        THEN CAST('tier: TL412 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column acr: ' || '\'' || CAST("acr" AS VARCHAR) || '\'' || ' is too large to read exactly' AS DECIMAL(38, 0))
        ELSE CAST(CASE
          WHEN CHARINDEX('.', CAST("acr" AS VARCHAR)) > 0
          THEN LEFT(CAST("acr" AS VARCHAR), CHARINDEX('.', CAST("acr" AS VARCHAR)) - 1)
          ELSE CAST("acr" AS VARCHAR)
        END || LEFT(
          CASE
            WHEN CHARINDEX('.', CAST("acr" AS VARCHAR)) > 0
            THEN SUBSTRING(CAST("acr" AS VARCHAR), CHARINDEX('.', CAST("acr" AS VARCHAR)) + 1)
            ELSE ''
          END || '000000',
          6
        ) AS DECIMAL(38, 0))
      END
    END AS "acr",
    CASE
      WHEN "workloads" IS NULL
      THEN CAST('tier: TL403 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column workloads: ' || 'the value is missing (the metric declares no default)' AS DECIMAL(38, 0))
      ELSE CASE
        WHEN REGEXP_LIKE(CAST("workloads" AS VARCHAR), '^[ \\t]*[+-]?0*[0-9]{1,18}[ \\t]*$')
        THEN CAST(TRIM(CAST("workloads" AS VARCHAR), (
          CHR(32) || CHR(9)
        )) AS DECIMAL(38, 0))
        WHEN REGEXP_LIKE(CAST("workloads" AS VARCHAR), '^[ \\t]*[+-]?[0-9]+[ \\t]*$')
        THEN CAST('tier: TL412 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column workloads: ' || '\'' || CAST("workloads" AS VARCHAR) || '\'' || ' is too large for a count (at most 18 digits)' AS DECIMAL(38, 0))
        WHEN REGEXP_LIKE(CAST("workloads" AS VARCHAR), '^[ \\t]*$')
        THEN CAST('tier: TL403 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column workloads: ' || 'the value is missing (the metric declares no default)' AS DECIMAL(38, 0))
        ELSE CAST('tier: TL404 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column workloads: ' || '\'' || CAST("workloads" AS VARCHAR) || '\'' || ' is not a whole number' AS DECIMAL(38, 0))
      END
    END AS "workloads",
    CASE
      WHEN "tier" IS NULL
      THEN 'bronze'
      ELSE CASE
        WHEN CAST("tier" AS VARCHAR) IN ('bronze', 'silver', 'gold')
        THEN CAST("tier" AS VARCHAR)
        ELSE CAST(CAST('tier: TL407 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column tier: ' || '\'' || CAST("tier" AS VARCHAR) || '\'' || ' is not one of bronze, silver, gold' AS BIGINT) AS VARCHAR)
      END
    END AS "tier",
    CASE
      WHEN "audited" IS NULL
      THEN FALSE
      ELSE CASE
        WHEN LOWER(CAST("audited" AS VARCHAR)) = 'true'
        THEN TRUE
        WHEN LOWER(CAST("audited" AS VARCHAR)) = 'false'
        THEN FALSE
        ELSE CAST('tier: TL408 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column audited: ' || '\'' || CAST("audited" AS VARCHAR) || '\'' || ' is not true or false' AS BOOLEAN)
      END
    END AS "audited"
  FROM "partners"
), "partners_checked" /* ranges, repeated partner_ids and the limits of exact arithmetic checked */ AS (
  SELECT
    CASE
      WHEN "partners_read"."partner_id" = "repeated"
      THEN CAST(CAST('tier: TL411 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column partner_id: ' || 'the partner_id appears more than once' AS BIGINT) AS VARCHAR)
      ELSE "partners_read"."partner_id"
    END AS "partner_id",
    CASE
      WHEN "experts" < 0
      THEN CAST('tier: TL406 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column experts: ' || CAST("experts" AS VARCHAR) || ' is below the minimum 0; a count cannot be negative' AS DECIMAL(38, 0))
      WHEN ABS("experts") > CAST(85070591730234615865843651857942052864 AS DECIMAL(38, 0))
      THEN CAST('tier: TL412 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column experts: ' || CAST("experts" AS VARCHAR) || ' is too large to evaluate exactly in SQL' AS DECIMAL(38, 0))
      ELSE "experts"
    END AS "experts",
    CASE
      WHEN ABS("adds") > CAST(8507059173023461586584358 AS DECIMAL(38, 0))
      THEN CAST('tier: TL412 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column adds: ' || CAST("adds" AS VARCHAR) || ' is too large to evaluate exactly in SQL' AS DECIMAL(38, 0))
      ELSE "adds"
    END AS "adds",
    CASE
      WHEN "certified" < 0
      THEN CAST('tier: TL406 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column certified: ' || CAST("certified" AS VARCHAR) || ' is below the minimum 0; a count cannot be negative' AS DECIMAL(38, 0))
      WHEN ABS("certified") > CAST(85070591730234615865843651857942052864 AS DECIMAL(38, 0))
      THEN CAST('tier: TL412 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column certified: ' || CAST("certified" AS VARCHAR) || ' is too large to evaluate exactly in SQL' AS DECIMAL(38, 0))
      ELSE "certified"
    END AS "certified",
    CASE
      WHEN "growth" < -100000000
      THEN CAST('tier: TL406 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column growth: ' || CAST("growth" AS VARCHAR) || '/1000000' || ' is below the minimum -100' AS DECIMAL(38, 0))
      WHEN "growth" > 1000000000
      THEN CAST('tier: TL406 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column growth: ' || CAST("growth" AS VARCHAR) || '/1000000' || ' is above the maximum 1000' AS DECIMAL(38, 0))
      WHEN ABS("growth") > CAST(7733690157294055987803968350722004805 AS DECIMAL(38, 0))
      THEN CAST('tier: TL412 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column growth: ' || CAST("growth" AS VARCHAR) || '/1000000' || ' is too large to evaluate exactly in SQL' AS DECIMAL(38, 0))
      ELSE "growth"
    END AS "growth",
    CASE
      WHEN "deployments" < 0
      THEN CAST('tier: TL406 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column deployments: ' || CAST("deployments" AS VARCHAR) || ' is below the minimum 0; a count cannot be negative' AS DECIMAL(38, 0))
      WHEN ABS("deployments") > CAST(85070591730234615865843651857942052864 AS DECIMAL(38, 0))
      THEN CAST('tier: TL412 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column deployments: ' || CAST("deployments" AS VARCHAR) || ' is too large to evaluate exactly in SQL' AS DECIMAL(38, 0))
      ELSE "deployments"
    END AS "deployments",
    CASE
      WHEN ABS("acr") > CAST(7733690157294055987803968350722004805 AS DECIMAL(38, 0))
      THEN CAST('tier: TL412 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column acr: ' || CAST("acr" AS VARCHAR) || '/1000000' || ' is too large to evaluate exactly in SQL' AS DECIMAL(38, 0))
      ELSE "acr"
    END AS "acr",
    CASE
      WHEN "workloads" < 0
      THEN CAST('tier: TL406 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column workloads: ' || CAST("workloads" AS VARCHAR) || ' is below the minimum 0; a count cannot be negative' AS DECIMAL(38, 0))
      WHEN ABS("workloads") > CAST(85070591730234615865843651857942052864 AS DECIMAL(38, 0))
      THEN CAST('tier: TL412 table partners, partner_id \'' || COALESCE(CAST("partner_id" AS VARCHAR), '(empty)') || '\', column workloads: ' || CAST("workloads" AS VARCHAR) || ' is too large to evaluate exactly in SQL' AS DECIMAL(38, 0))
      ELSE "workloads"
    END AS "workloads",
    "tier" AS "tier",
    "audited" AS "audited"
  FROM partners_read
  CROSS JOIN (
    SELECT
      MIN(CAST("partner_id" AS VARCHAR)) AS "repeated"
    FROM (
      SELECT
        "partner_id" AS "partner_id"
      FROM "partners"
      GROUP BY
        "partner_id"
      HAVING
        COUNT(*) > 1
    ) AS repeated_ids
  ) AS repeated_id
), "data_capability" AS (
  SELECT
    *,
    "adds" * 10 AS "line_data_capability_adds" /* designations.tier:26 */
  FROM partners_checked
), "data_capability_2" AS (
  SELECT
    *,
    LEAST_IGNORE_NULLS("line_data_capability_adds", 30) AS "cat_data_capability_performance" /* designations.tier:25 */
  FROM data_capability
), "gate_experts_gate" AS (
  SELECT
    *,
    "experts" >= 2 AS "gate_experts_gate" /* designations.tier:21 */
  FROM data_capability_2
), "data_capability_3" AS (
  SELECT
    *,
    CAST(CASE
      WHEN "gate_experts_gate"
      THEN LEAST_IGNORE_NULLS(GREATEST_IGNORE_NULLS("certified", 0), 10) * 4
      ELSE 0
    END AS BIGINT) AS "line_data_capability_certified" /* designations.tier:29 */
  FROM gate_experts_gate
), "data_capability_4" AS (
  SELECT
    *,
    "line_data_capability_certified" AS "cat_data_capability_skilling", /* designations.tier:28 */
    CAST(LEAST_IGNORE_NULLS(GREATEST_IGNORE_NULLS("growth", 0), 20000000) AS BIGINT) AS "line_data_capability_growth", /* designations.tier:32 */
    CAST(LEAST_IGNORE_NULLS(GREATEST_IGNORE_NULLS("deployments", 0), 5) * 2 AS BIGINT) AS "line_data_capability_deployments" /* designations.tier:33 */
  FROM data_capability_3
), "data_capability_5" AS (
  SELECT
    *,
    CAST("line_data_capability_growth" + (
      "line_data_capability_deployments" * 1000000
    ) AS BIGINT) AS "cat_data_capability_success" /* designations.tier:31 */
  FROM data_capability_4
), "data_capability_6" AS (
  SELECT
    *,
    LEAST_IGNORE_NULLS(
      (
        "cat_data_capability_performance" + "cat_data_capability_skilling"
      ) * 1000000 + "cat_data_capability_success",
      100000000
    ) AS "score_data_capability" /* designations.tier:24 */
  FROM data_capability_5
), "data" AS (
  SELECT
    *,
    "score_data_capability" >= 70000000 AS "req_data_designated_1", /* designations.tier:37 */
    (
      "line_data_capability_adds" > 0
    )
    AND (
      "line_data_capability_certified" > 0
    )
    AND (
      "line_data_capability_growth" > 0
    )
    AND (
      "line_data_capability_deployments" > 0
    ) AS "req_data_designated_2" /* designations.tier:38 */
  FROM data_capability_6
), "data_2" AS (
  SELECT
    *,
    CASE WHEN "req_data_designated_1" AND "req_data_designated_2" THEN 0 ELSE -1 END AS "lvl_data" /* designations.tier:23 */
  FROM data
), "security_capability" AS (
  SELECT
    *,
    CAST(LEAST_IGNORE_NULLS(GREATEST_IGNORE_NULLS("adds", 0), 10) * 2 AS BIGINT) AS "line_security_capability_adds" /* designations.tier:45 */
  FROM data_2
), "security_capability_2" AS (
  SELECT
    *,
    CAST(LEAST_IGNORE_NULLS("line_security_capability_adds", 20) AS BIGINT) AS "cat_security_capability_performance", /* designations.tier:44 */
    CAST(LEAST_IGNORE_NULLS(GREATEST_IGNORE_NULLS("certified", 0), 6) * 20 AS BIGINT) AS "line_security_capability_certified" /* designations.tier:48 */
  FROM security_capability
), "security_capability_3" AS (
  SELECT
    *,
    CAST(LEAST_IGNORE_NULLS("line_security_capability_certified", 120) AS BIGINT) AS "cat_security_capability_skilling", /* designations.tier:47 */
    CAST(LEAST_IGNORE_NULLS(GREATEST_IGNORE_NULLS("deployments", 0), 6) * 10 AS BIGINT) AS "line_security_capability_deployments", /* designations.tier:51 */
    CAST(LEAST_IGNORE_NULLS(
      CAST(25000000000 AS DECIMAL(38, 0)),
      GREATEST_IGNORE_NULLS(0, "acr") + (
        GREATEST_IGNORE_NULLS(0, "growth") * 10
      )
    ) AS BIGINT) AS "line_security_capability_usage" /* designations.tier:52 */
  FROM security_capability_2
), "security_capability_4" AS (
  SELECT
    *,
    CAST(LEAST_IGNORE_NULLS(
      "line_security_capability_deployments" * 1250000000 + (
        "line_security_capability_usage" * 3
      ),
      CAST(150000000000 AS DECIMAL(38, 0))
    ) AS BIGINT) AS "cat_security_capability_success" /* designations.tier:50 */
  FROM security_capability_3
), "security_capability_5" AS (
  SELECT
    *,
    CAST((
      "cat_security_capability_performance" * 3 + "cat_security_capability_skilling"
    ) * 1250000000 + "cat_security_capability_success" AS BIGINT) AS "score_security_capability" /* designations.tier:43 */
  FROM security_capability_4
), "security" AS (
  SELECT
    *,
    "score_security_capability" >= CAST(262500000000 AS DECIMAL(38, 0)) AS "req_security_designated_1" /* designations.tier:56 */
  FROM security_capability_5
), "security_2" AS (
  SELECT
    *,
    CASE WHEN "req_security_designated_1" THEN 0 ELSE -1 END AS "lvl_security" /* designations.tier:42 */
  FROM security
), "apps_enterprise_capability" AS (
  SELECT
    *,
    CAST(LEAST_IGNORE_NULLS(GREATEST_IGNORE_NULLS("adds", 0), 5) * 3 AS BIGINT) AS "line_apps_enterprise_capability_adds", /* designations.tier:64 */
    CAST(LEAST_IGNORE_NULLS(GREATEST_IGNORE_NULLS("certified", 0), 20) AS BIGINT) AS "line_apps_enterprise_capability_certified" /* designations.tier:65 */
  FROM security_2
), "apps_enterprise_capability_2" AS (
  SELECT
    *,
    CAST("line_apps_enterprise_capability_adds" + "line_apps_enterprise_capability_certified" AS BIGINT) AS "score_apps_enterprise_capability" /* designations.tier:63 */
  FROM apps_enterprise_capability
), "apps_enterprise" AS (
  SELECT
    *,
    "score_apps_enterprise_capability" >= 30 AS "req_apps_enterprise_designated_1" /* designations.tier:67 */
  FROM apps_enterprise_capability_2
), "apps_enterprise_2" AS (
  SELECT
    *,
    CASE WHEN "req_apps_enterprise_designated_1" THEN 0 ELSE -1 END AS "lvl_apps_enterprise" /* designations.tier:62 */
  FROM apps_enterprise
), "apps_smb_capability" AS (
  SELECT
    *,
    CAST(LEAST_IGNORE_NULLS(GREATEST_IGNORE_NULLS("adds", 0), 5) * 3 AS BIGINT) AS "line_apps_smb_capability_adds", /* designations.tier:71 */
    CAST(LEAST_IGNORE_NULLS(GREATEST_IGNORE_NULLS("certified", 0), 5) * 4 AS BIGINT) AS "line_apps_smb_capability_certified" /* designations.tier:72 */
  FROM apps_enterprise_2
), "apps_smb_capability_2" AS (
  SELECT
    *,
    CAST("line_apps_smb_capability_adds" + "line_apps_smb_capability_certified" AS BIGINT) AS "score_apps_smb_capability" /* designations.tier:70 */
  FROM apps_smb_capability
), "apps_smb" AS (
  SELECT
    *,
    "score_apps_smb_capability" >= 30 AS "req_apps_smb_designated_1" /* designations.tier:74 */
  FROM apps_smb_capability_2
), "apps_smb_2" AS (
  SELECT
    *,
    CASE WHEN "req_apps_smb_designated_1" THEN 0 ELSE -1 END AS "lvl_apps_smb" /* designations.tier:69 */
  FROM apps_smb
), "apps" AS (
  SELECT
    *,
    CASE WHEN "workloads" >= 5 THEN 0 ELSE 1 END AS "sel_apps" /* designations.tier:60 */
  FROM apps_smb_2
), "apps_2" AS (
  SELECT
    *,
    CASE
      WHEN "sel_apps" = 0
      THEN "lvl_apps_enterprise"
      WHEN "sel_apps" = 1
      THEN "lvl_apps_smb"
      ELSE -1
    END AS "level_apps", /* designations.tier:60 */
    CAST(CASE
      WHEN "sel_apps" = 0
      THEN "score_apps_enterprise_capability"
      ELSE "score_apps_smb_capability"
    END AS BIGINT) AS "tscore_apps" /* designations.tier:60 */
  FROM apps
), "work_enterprise_capability" AS (
  SELECT
    *,
    CAST(LEAST_IGNORE_NULLS(GREATEST_IGNORE_NULLS("adds", 0), 5) * 4 AS BIGINT) AS "line_work_enterprise_capability_adds" /* designations.tier:82 */
  FROM apps_2
), "work_enterprise_capability_2" AS (
  SELECT
    *,
    "line_work_enterprise_capability_adds" AS "score_work_enterprise_capability" /* designations.tier:81 */
  FROM work_enterprise_capability
), "work_enterprise" AS (
  SELECT
    *,
    "score_work_enterprise_capability" >= 20 AS "req_work_enterprise_designated_1" /* designations.tier:84 */
  FROM work_enterprise_capability_2
), "work_enterprise_2" AS (
  SELECT
    *,
    CASE WHEN "req_work_enterprise_designated_1" THEN 0 ELSE -1 END AS "lvl_work_enterprise" /* designations.tier:80 */
  FROM work_enterprise
), "work_smb_capability" AS (
  SELECT
    *,
    CAST(LEAST_IGNORE_NULLS(GREATEST_IGNORE_NULLS("adds", 0), 10) * 2 AS BIGINT) AS "line_work_smb_capability_adds" /* designations.tier:88 */
  FROM work_enterprise_2
), "work_smb_capability_2" AS (
  SELECT
    *,
    "line_work_smb_capability_adds" AS "score_work_smb_capability" /* designations.tier:87 */
  FROM work_smb_capability
), "work_smb" AS (
  SELECT
    *,
    "score_work_smb_capability" >= 10 AS "req_work_smb_designated_1" /* designations.tier:90 */
  FROM work_smb_capability_2
), "work_smb_2" AS (
  SELECT
    *,
    CASE WHEN "req_work_smb_designated_1" THEN 0 ELSE -1 END AS "lvl_work_smb" /* designations.tier:86 */
  FROM work_smb
), "work" AS (
  SELECT
    *,
    GREATEST_IGNORE_NULLS("lvl_work_enterprise", "lvl_work_smb") AS "best_level_work"
  FROM work_smb_2
), "work_2" AS (
  SELECT
    *,
    CASE
      WHEN "lvl_work_enterprise" = "best_level_work"
      THEN 0
      WHEN "lvl_work_smb" = "best_level_work"
      THEN 1
      ELSE -1
    END AS "best_first_work",
    CAST(CASE
      WHEN "lvl_work_enterprise" = "best_level_work"
      THEN "score_work_enterprise_capability"
      WHEN "lvl_work_smb" = "best_level_work"
      THEN "score_work_smb_capability"
      ELSE 0
    END AS BIGINT) AS "best_first_score_work"
  FROM work
), "work_3" AS (
  SELECT
    *,
    CAST(GREATEST_IGNORE_NULLS(
      CASE
        WHEN "lvl_work_enterprise" = "best_level_work"
        THEN "score_work_enterprise_capability"
        ELSE "best_first_score_work"
      END,
      CASE
        WHEN "lvl_work_smb" = "best_level_work"
        THEN "score_work_smb_capability"
        ELSE "best_first_score_work"
      END
    ) AS BIGINT) AS "best_score_work"
  FROM work_2
), "work_4" AS (
  SELECT
    *,
    CASE
      WHEN (
        "lvl_work_enterprise" = "best_level_work"
      )
      AND (
        "score_work_enterprise_capability" = "best_score_work"
      )
      THEN 0
      WHEN (
        "lvl_work_smb" = "best_level_work"
      )
      AND (
        "score_work_smb_capability" = "best_score_work"
      )
      THEN 1
      ELSE "best_first_work"
    END AS "sel_work" /* designations.tier:78 */
  FROM work_3
), "work_5" AS (
  SELECT
    *,
    CASE
      WHEN "sel_work" = 0
      THEN "lvl_work_enterprise"
      WHEN "sel_work" = 1
      THEN "lvl_work_smb"
      ELSE -1
    END AS "level_work", /* designations.tier:78 */
    CAST(CASE
      WHEN "sel_work" = 0
      THEN "score_work_enterprise_capability"
      ELSE "score_work_smb_capability"
    END AS BIGINT) AS "tscore_work" /* designations.tier:78 */
  FROM work_4
), "ladder" AS (
  SELECT
    *,
    "certified" >= 2 AS "req_ladder_silver_1", /* designations.tier:95 */
    "certified" >= 4 AS "req_ladder_gold_1", /* designations.tier:96 */
    CASE
      WHEN "tier" = 'bronze'
      THEN 0
      WHEN "tier" = 'silver'
      THEN 1
      WHEN "tier" = 'gold'
      THEN 2
    END >= 1 AS "req_ladder_gold_2", /* designations.tier:96 */
    "audited" AS "req_ladder_platinum_1" /* designations.tier:97 */
  FROM work_5
), "ladder_2" AS (
  SELECT
    *,
    CASE
      WHEN "req_ladder_platinum_1"
      THEN 2
      WHEN (
        "req_ladder_gold_1" AND "req_ladder_gold_2"
      ) AND "req_ladder_silver_1"
      THEN 1
      WHEN "req_ladder_silver_1"
      THEN 0
      ELSE -1
    END AS "lvl_ladder" /* designations.tier:94 */
  FROM ladder
), "status" AS (
  SELECT
    *,
    (
      CASE WHEN "lvl_data" >= 0 THEN 1 ELSE 0 END + CASE WHEN "lvl_security" >= 0 THEN 1 ELSE 0 END + CASE WHEN "level_apps" >= 0 THEN 1 ELSE 0 END + CASE WHEN "level_work" >= 0 THEN 1 ELSE 0 END
    ) >= 1 AS "req_status_partner_1", /* designations.tier:102 */
    (
      (
        CASE WHEN "lvl_data" >= 0 THEN 1 ELSE 0 END + CASE WHEN "lvl_security" >= 0 THEN 1 ELSE 0 END + CASE WHEN "level_apps" >= 0 THEN 1 ELSE 0 END + CASE WHEN "level_work" >= 0 THEN 1 ELSE 0 END
      ) >= 4
    )
    AND (
      "score_data_capability" >= 90000000
    ) AS "req_status_cloud_1" /* designations.tier:103 */
  FROM ladder_2
), "status_2" AS (
  SELECT
    *,
    CASE
      WHEN "req_status_cloud_1" AND (
        "req_status_partner_1" AND TRUE
      )
      THEN 2
      WHEN "req_status_partner_1" AND TRUE
      THEN 1
      WHEN TRUE
      THEN 0
      ELSE -1
    END AS "lvl_status" /* designations.tier:100 */
  FROM status
), "score_quotients" AS (
  SELECT
    *,
    FLOOR((
      CAST("score_security_capability" AS DECIMAL(38, 0))
    ) * 1000000 / 3750000000) - CASE
      WHEN FLOOR((
        CAST("score_security_capability" AS DECIMAL(38, 0))
      ) * 1000000 / 3750000000) * 3750000000 > (
        CAST("score_security_capability" AS DECIMAL(38, 0))
      ) * 1000000
      THEN 1
      ELSE 0
    END + CASE
      WHEN (
        FLOOR((
          CAST("score_security_capability" AS DECIMAL(38, 0))
        ) * 1000000 / 3750000000) + 1
      ) * 3750000000 <= (
        CAST("score_security_capability" AS DECIMAL(38, 0))
      ) * 1000000
      THEN 1
      ELSE 0
    END AS "quotient:security"
  FROM status_2
), "score_units" /* each score in millionths, rounded half-even */ AS (
  SELECT
    *,
    "quotient:security" + CASE
      WHEN (
        (
          (
            CAST("score_security_capability" AS DECIMAL(38, 0))
          ) * 1000000 - "quotient:security" * 3750000000
        ) * 2 > 3750000000
      )
      OR (
        (
          (
            (
              CAST("score_security_capability" AS DECIMAL(38, 0))
            ) * 1000000 - "quotient:security" * 3750000000
          ) * 2 = 3750000000
        )
        AND (
          "quotient:security" % 2 <> 0
        )
      )
      THEN 1
      ELSE 0
    END AS "units:security"
  FROM score_quotients
), "results" /* level of each track as text, score as an exact decimal */ AS (
  SELECT
    "partner_id",
    CASE WHEN "lvl_data" = 0 THEN 'designated' END AS "level:data",
    CAST("score_data_capability" * 0.000001 AS DECIMAL(38, 6)) AS "score:data",
    CASE WHEN "lvl_security" = 0 THEN 'designated' END AS "level:security",
    CAST("units:security" * 0.000001 AS DECIMAL(38, 6)) AS "score:security",
    CASE WHEN "level_apps" = 0 THEN 'designated' END AS "level:apps",
    CAST(CAST("tscore_apps" AS DECIMAL(38, 0)) AS DECIMAL(38, 6)) AS "score:apps",
    CASE WHEN "level_work" = 0 THEN 'designated' END AS "level:work",
    CAST(CAST("tscore_work" AS DECIMAL(38, 0)) AS DECIMAL(38, 6)) AS "score:work",
    CASE
      WHEN "lvl_ladder" = 0
      THEN 'silver'
      WHEN "lvl_ladder" = 1
      THEN 'gold'
      WHEN "lvl_ladder" = 2
      THEN 'platinum'
    END AS "level:ladder",
    CASE
      WHEN "lvl_status" = 0
      THEN 'member'
      WHEN "lvl_status" = 1
      THEN 'partner'
      WHEN "lvl_status" = 2
      THEN 'cloud'
    END AS "level:status"
  FROM score_units
)
SELECT
  "results"."partner_id" AS "partner_id",
  "tracks"."track" AS "track",
  CASE
    WHEN "n" = 0
    THEN "level:data"
    WHEN "n" = 1
    THEN "level:security"
    WHEN "n" = 2
    THEN "level:apps"
    WHEN "n" = 3
    THEN "level:work"
    WHEN "n" = 4
    THEN "level:ladder"
    WHEN "n" = 5
    THEN "level:status"
  END AS "level",
  CAST(CASE
    WHEN "n" = 0
    THEN "score:data"
    WHEN "n" = 1
    THEN "score:security"
    WHEN "n" = 2
    THEN "score:apps"
    WHEN "n" = 3
    THEN "score:work"
  END AS DECIMAL(38, 6)) AS "score"
FROM results
CROSS JOIN (VALUES
  (0, 'data'),
  (1, 'security'),
  (2, 'apps'),
  (3, 'work'),
  (4, 'ladder'),
  (5, 'status')) AS "tracks"("n", "track");
