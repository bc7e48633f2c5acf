-- designations 1.0 (sha256:...) compiled by tierlang for spark
-- reads the table partners; returns partner_id, track, level, score (one row per partner and track)
-- decimal columns are read exactly with up to 6 decimal places; a bad value stops the query with an error
WITH `partners_read` /* partners: every value read exactly (shortest decimal text of a float; decimals scaled to integers) */ AS (
  SELECT
    CASE
      WHEN (
        `partner_id` IS NULL
      )
      OR (
        CAST(`partner_id` AS STRING) = ''
      )
      OR (
        ASCII(CAST(`partner_id` AS STRING)) IN (
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
        ASCII(RIGHT(CAST(`partner_id` AS STRING), 1)) IN (
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
      THEN RAISE_ERROR(
        'tier: TL410 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column partner_id: ' || CASE
          WHEN (
            `partner_id` IS NULL
          )
          OR (
            CAST(`partner_id` AS STRING) RLIKE '^[\\x{9}\\x{A}\\x{B}\\x{C}\\x{D}\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}\\x{2001}\\x{2002}\\x{2003}\\x{2004}\\x{2005}\\x{2006}\\x{2007}\\x{2008}\\x{2009}\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]*$'
          )
          THEN 'partner_id is empty'
          ELSE 'partner_id ' || '\'' || CAST(`partner_id` AS STRING) || '\'' || ' has blanks around it'
        END
      )
      ELSE CAST(`partner_id` AS STRING)
    END AS `partner_id`,
    CASE
      WHEN `experts` IS NULL
      THEN RAISE_ERROR(
        'tier: TL403 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column experts: ' || 'the value is missing (the metric declares no default)'
      )
      ELSE CASE
        WHEN CAST(`experts` AS STRING) RLIKE '^[ \\t]*[+-]?0*[0-9]{1,18}[ \\t]*$'
        THEN CAST(TRIM((
          CHR(32) || CHR(9)
        ) FROM CAST(`experts` AS STRING)) AS DECIMAL(38, 0))
        WHEN CAST(`experts` AS STRING) RLIKE '^[ \\t]*[+-]?[0-9]+[ \\t]*$'
        THEN RAISE_ERROR(
          'tier: TL412 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column experts: ' || '\'' || CAST(`experts` AS STRING) || '\'' || ' is too large for a count (at most 18 digits)'
        )
        WHEN CAST(`experts` AS STRING) RLIKE '^[ \\t]*$'
        THEN RAISE_ERROR(
          'tier: TL403 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column experts: ' || 'the value is missing (the metric declares no default)'
        )
        ELSE RAISE_ERROR(
          'tier: TL404 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column experts: ' || '\'' || CAST(`experts` AS STRING) || '\'' || ' is not a whole number'
        )
      END
    END AS `experts`,
    CASE
      WHEN `adds` IS NULL
      THEN RAISE_ERROR(
        'tier: TL403 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column adds: ' || 'the value is missing (the metric declares no default)'
      )
      ELSE CASE
        WHEN CAST(`adds` AS STRING) RLIKE '^[ \\t]*[+-]?0*[0-9]{1,18}[ \\t]*$'
        THEN CAST(TRIM((
          CHR(32) || CHR(9)
        ) FROM CAST(`adds` AS STRING)) AS DECIMAL(38, 0))
        WHEN CAST(`adds` AS STRING) RLIKE '^[ \\t]*[+-]?[0-9]+[ \\t]*$'
        THEN RAISE_ERROR(
          'tier: TL412 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column adds: ' || '\'' || CAST(`adds` AS STRING) || '\'' || ' is too large for a count (at most 18 digits)'
        )
        WHEN CAST(`adds` AS STRING) RLIKE '^[ \\t]*$'
        THEN RAISE_ERROR(
          'tier: TL403 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column adds: ' || 'the value is missing (the metric declares no default)'
        )
        ELSE RAISE_ERROR(
          'tier: TL404 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column adds: ' || '\'' || CAST(`adds` AS STRING) || '\'' || ' is not a whole number'
        )
      END
    END AS `adds`,
    CASE
      WHEN `certified` IS NULL
      THEN RAISE_ERROR(
        'tier: TL403 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column certified: ' || 'the value is missing (the metric declares no default)'
      )
      ELSE CASE
        WHEN CAST(`certified` AS STRING) RLIKE '^[ \\t]*[+-]?0*[0-9]{1,18}[ \\t]*$'
        THEN CAST(TRIM((
          CHR(32) || CHR(9)
        ) FROM CAST(`certified` AS STRING)) AS DECIMAL(38, 0))
        WHEN CAST(`certified` AS STRING) RLIKE '^[ \\t]*[+-]?[0-9]+[ \\t]*$'
        THEN RAISE_ERROR(
          'tier: TL412 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column certified: ' || '\'' || CAST(`certified` AS STRING) || '\'' || ' is too large for a count (at most 18 digits)'
        )
        WHEN CAST(`certified` AS STRING) RLIKE '^[ \\t]*$'
        THEN RAISE_ERROR(
          'tier: TL403 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column certified: ' || 'the value is missing (the metric declares no default)'
        )
        ELSE RAISE_ERROR(
          'tier: TL404 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column certified: ' || '\'' || CAST(`certified` AS STRING) || '\'' || ' is not a whole number'
        )
      END
    END AS `certified`,
    CASE
      WHEN `growth` IS NULL
      THEN RAISE_ERROR(
        'tier: TL403 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column growth: ' || 'the value is missing (the metric declares no default)'
      )
      ELSE CASE
        WHEN NOT (
          CAST(`growth` AS STRING) RLIKE '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$'
        )
        THEN RAISE_ERROR(
          'tier: TL405 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column growth: ' || '\'' || CAST(`growth` AS STRING) || '\'' || ' is not a plain decimal'
        )
        WHEN LENGTH(
          TRIM(TRAILING '0' FROM CASE
            WHEN LOCATE('.', CAST(`growth` AS STRING)) > 0
            THEN SUBSTRING(CAST(`growth` AS STRING), LOCATE('.', CAST(`growth` AS STRING)) + 1)
            ELSE ''
          END)
        ) > 6
        THEN RAISE_ERROR(
          'tier: TL412 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column growth: ' || '\'' || CAST(`growth` AS STRING) || '\'' || ' has more than 6 decimal places (compile with --decimals)'
        )
        WHEN LENGTH(
          TRIM(LEADING '+-' FROM CASE
            WHEN LOCATE('.', CAST(`growth` AS STRING)) > 0
            THEN LEFT(CAST(`growth` AS STRING), LOCATE('.', CAST(`growth` AS STRING)) - 1)
            ELSE CAST(`growth` AS STRING)
          END)
        ) > 32
        THEN RAISE_ERROR(
          'tier: TL412 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column growth: ' || '\'' || CAST(`growth` AS STRING) || '\'' || ' is too large to read exactly'
        )
        ELSE CAST(CASE
          WHEN LOCATE('.', CAST(`growth` AS STRING)) > 0
          THEN LEFT(CAST(`growth` AS STRING), LOCATE('.', CAST(`growth` AS STRING)) - 1)
          ELSE CAST(`growth` AS STRING)
        END || LEFT(
          CASE
            WHEN LOCATE('.', CAST(`growth` AS STRING)) > 0
            THEN SUBSTRING(CAST(`growth` AS STRING), LOCATE('.', CAST(`growth` AS STRING)) + 1)
            ELSE ''
          END || '000000',
          6
        ) AS DECIMAL(38, 0))
      END
    END AS `growth`,
    CASE
      WHEN `deployments` IS NULL
      THEN RAISE_ERROR(
        'tier: TL403 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column deployments: ' || 'the value is missing (the metric declares no default)'
      )
      ELSE CASE
        WHEN CAST(`deployments` AS STRING) RLIKE '^[ \\t]*[+-]?0*[0-9]{1,18}[ \\t]*$'
        THEN CAST(TRIM((
          CHR(32) || CHR(9)
        ) FROM CAST(`deployments` AS STRING)) AS DECIMAL(38, 0))
        WHEN CAST(`deployments` AS STRING) RLIKE '^[ \\t]*[+-]?[0-9]+[ \\t]*$'
        THEN RAISE_ERROR(
          'tier: TL412 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column deployments: ' || '\'' || CAST(`deployments` AS STRING) || '\'' || ' is too large for a count (at most 18 digits)'
        )
        WHEN CAST(`deployments` AS STRING) RLIKE '^[ \\t]*$'
        THEN RAISE_ERROR(
          'tier: TL403 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column deployments: ' || 'the value is missing (the metric declares no default)'
        )
        ELSE RAISE_ERROR(
          'tier: TL404 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column deployments: ' || '\'' || CAST(`deployments` AS STRING) || '\'' || ' is not a whole number'
        )
      END
    END AS `deployments`,
    CASE
      WHEN `acr` IS NULL
      THEN CAST(0 AS DECIMAL(38, 0))
      ELSE CASE
        WHEN NOT (
          CAST(`acr` AS STRING) RLIKE '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$'
        )
        THEN RAISE_ERROR(
          'tier: TL405 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column acr: ' || '\'' || CAST(`acr` AS STRING) || '\'' || ' is not a plain decimal'
        )
        WHEN LENGTH(
          TRIM(TRAILING '0' FROM CASE
            WHEN LOCATE('.', CAST(`acr` AS STRING)) > 0
            THEN SUBSTRING(CAST(`acr` AS STRING), LOCATE('.', CAST(`acr` AS STRING)) + 1)
            ELSE ''
          END)
        ) > 6
        THEN RAISE_ERROR(
          'tier: TL412 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column acr: ' || '\'' || CAST(`acr` AS STRING) || '\'' || ' has more than 6 decimal places (compile with --decimals)'
        )
        WHEN LENGTH(
          TRIM(LEADING '+-' FROM CASE
            WHEN LOCATE('.', CAST(`acr` AS STRING)) > 0
            THEN LEFT(CAST(`acr` AS STRING), LOCATE('.', CAST(`acr` AS STRING)) - 1)
            ELSE CAST(`acr` AS STRING)
          END)
        ) > 32
        THEN RAISE_ERROR(
          'tier: TL412 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column acr: ' || '\'' || CAST(`acr` AS STRING) || '\'' || ' is too large to read exactly'
        )
        ELSE CAST(CASE
          WHEN LOCATE('.', CAST(`acr` AS STRING)) > 0
          THEN LEFT(CAST(`acr` AS STRING), LOCATE('.', CAST(`acr` AS STRING)) - 1)
          ELSE CAST(`acr` AS STRING)
        END || LEFT(
          CASE
            WHEN LOCATE('.', CAST(`acr` AS STRING)) > 0
            THEN SUBSTRING(CAST(`acr` AS STRING), LOCATE('.', CAST(`acr` AS STRING)) + 1)
            ELSE ''
          END || '000000',
          6
        ) AS DECIMAL(38, 0))
      END
    END AS `acr`,
    CASE
      WHEN `workloads` IS NULL
      THEN RAISE_ERROR(
        'tier: TL403 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column workloads: ' || 'the value is missing (the metric declares no default)'
      )
      ELSE CASE
        WHEN CAST(`workloads` AS STRING) RLIKE '^[ \\t]*[+-]?0*[0-9]{1,18}[ \\t]*$'
        THEN CAST(TRIM((
          CHR(32) || CHR(9)
        ) FROM CAST(`workloads` AS STRING)) AS DECIMAL(38, 0))
        WHEN CAST(`workloads` AS STRING) RLIKE '^[ \\t]*[+-]?[0-9]+[ \\t]*$'
        THEN RAISE_ERROR(
          'tier: TL412 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column workloads: ' || '\'' || CAST(`workloads` AS STRING) || '\'' || ' is too large for a count (at most 18 digits)'
        )
        WHEN CAST(`workloads` AS STRING) RLIKE '^[ \\t]*$'
        THEN RAISE_ERROR(
          'tier: TL403 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column workloads: ' || 'the value is missing (the metric declares no default)'
        )
        ELSE RAISE_ERROR(
          'tier: TL404 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column workloads: ' || '\'' || CAST(`workloads` AS STRING) || '\'' || ' is not a whole number'
        )
      END
    END AS `workloads`,
    CASE
      WHEN `tier` IS NULL
      THEN 'bronze'
      ELSE CASE
        WHEN CAST(`tier` AS STRING) IN ('bronze', 'silver', 'gold')
        THEN CAST(`tier` AS STRING)
        ELSE RAISE_ERROR(
          'tier: TL407 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column tier: ' || '\'' || CAST(`tier` AS STRING) || '\'' || ' is not one of bronze, silver, gold'
        )
      END
    END AS `tier`,
    CASE
      WHEN `audited` IS NULL
      THEN FALSE
      ELSE CASE
        WHEN LOWER(CAST(`audited` AS STRING)) = 'true'
        THEN TRUE
        WHEN LOWER(CAST(`audited` AS STRING)) = 'false'
        THEN FALSE
        ELSE RAISE_ERROR(
          'tier: TL408 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column audited: ' || '\'' || CAST(`audited` AS STRING) || '\'' || ' is not true or false'
        )
      END
    END AS `audited`
  FROM `partners`
), `partners_checked` /* ranges, repeated partner_ids and the limits of exact arithmetic checked */ AS (
  SELECT
    CASE
      WHEN `partners_read`.`partner_id` = `repeated`
      THEN RAISE_ERROR(
        'tier: TL411 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column partner_id: ' || 'the partner_id appears more than once'
      )
      ELSE `partners_read`.`partner_id`
    END AS `partner_id`,
    CASE
      WHEN `experts` < 0
      THEN RAISE_ERROR(
        'tier: TL406 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column experts: ' || CAST(`experts` AS STRING) || ' is below the minimum 0; a count cannot be negative'
      )
      WHEN ABS(`experts`) > CAST(85070591730234615865843651857942052864 AS DECIMAL(38, 0))
      THEN RAISE_ERROR(
        'tier: TL412 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column experts: ' || CAST(`experts` AS STRING) || ' is too large to evaluate exactly in SQL'
      )
      ELSE `experts`
    END AS `experts`,
    CASE
      WHEN ABS(`adds`) > CAST(8507059173023461586584358 AS DECIMAL(38, 0))
      THEN RAISE_ERROR(
        'tier: TL412 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column adds: ' || CAST(`adds` AS STRING) || ' is too large to evaluate exactly in SQL'
      )
      ELSE `adds`
    END AS `adds`,
    CASE
      WHEN `certified` < 0
      THEN RAISE_ERROR(
        'tier: TL406 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column certified: ' || CAST(`certified` AS STRING) || ' is below the minimum 0; a count cannot be negative'
      )
      WHEN ABS(`certified`) > CAST(85070591730234615865843651857942052864 AS DECIMAL(38, 0))
      THEN RAISE_ERROR(
        'tier: TL412 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column certified: ' || CAST(`certified` AS STRING) || ' is too large to evaluate exactly in SQL'
      )
      ELSE `certified`
    END AS `certified`,
    CASE
      WHEN `growth` < -100000000
      THEN RAISE_ERROR(
        'tier: TL406 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column growth: ' || CAST(`growth` AS STRING) || '/1000000' || ' is below the minimum -100'
      )
      WHEN `growth` > 1000000000
      THEN RAISE_ERROR(
        'tier: TL406 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column growth: ' || CAST(`growth` AS STRING) || '/1000000' || ' is above the maximum 1000'
      )
      WHEN ABS(`growth`) > CAST(7733690157294055987803968350722004805 AS DECIMAL(38, 0))
      THEN RAISE_ERROR(
        'tier: TL412 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column growth: ' || CAST(`growth` AS STRING) || '/1000000' || ' is too large to evaluate exactly in SQL'
      )
      ELSE `growth`
    END AS `growth`,
    CASE
      WHEN `deployments` < 0
      THEN RAISE_ERROR(
        'tier: TL406 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column deployments: ' || CAST(`deployments` AS STRING) || ' is below the minimum 0; a count cannot be negative'
      )
      WHEN ABS(`deployments`) > CAST(85070591730234615865843651857942052864 AS DECIMAL(38, 0))
      THEN RAISE_ERROR(
        'tier: TL412 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column deployments: ' || CAST(`deployments` AS STRING) || ' is too large to evaluate exactly in SQL'
      )
      ELSE `deployments`
    END AS `deployments`,
    CASE
      WHEN ABS(`acr`) > CAST(7733690157294055987803968350722004805 AS DECIMAL(38, 0))
      THEN RAISE_ERROR(
        'tier: TL412 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column acr: ' || CAST(`acr` AS STRING) || '/1000000' || ' is too large to evaluate exactly in SQL'
      )
      ELSE `acr`
    END AS `acr`,
    CASE
      WHEN `workloads` < 0
      THEN RAISE_ERROR(
        'tier: TL406 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column workloads: ' || CAST(`workloads` AS STRING) || ' is below the minimum 0; a count cannot be negative'
      )
      WHEN ABS(`workloads`) > CAST(85070591730234615865843651857942052864 AS DECIMAL(38, 0))
      THEN RAISE_ERROR(
        'tier: TL412 table partners, partner_id \'' || COALESCE(CAST(`partner_id` AS STRING), '(empty)') || '\', column workloads: ' || CAST(`workloads` AS STRING) || ' is too large to evaluate exactly in SQL'
      )
      ELSE `workloads`
    END AS `workloads`,
    `tier` AS `tier`,
    `audited` AS `audited`
  FROM partners_read
  CROSS JOIN (
    SELECT
      MIN(CAST(`partner_id` AS STRING)) AS `repeated`
    FROM (
      SELECT
        `partner_id` AS `partner_id`
      FROM `partners`
      GROUP BY
        `partner_id`
      HAVING
        COUNT(*) > 1
    ) AS repeated_ids
  ) AS repeated_id
), `stage_1` /* data capability, gate experts_gate, security capability, apps enterprise capability, apps smb capability, apps, work enterprise capability, work smb capability, ladder */ AS (
  SELECT
    *,
    `adds` * 10 AS `line_data_capability_adds`, /* designations.tier:26 */
    `experts` >= 2 AS `gate_experts_gate`, /* designations.tier:21 */
    CAST(LEAST(GREATEST(`growth`, 0), 20000000) AS BIGINT) AS `line_data_capability_growth`, /* designations.tier:32 */
    CAST(LEAST(GREATEST(`deployments`, 0), 5) * 2 AS BIGINT) AS `line_data_capability_deployments`, /* designations.tier:33 */
    CAST(LEAST(GREATEST(`adds`, 0), 10) * 2 AS BIGINT) AS `line_security_capability_adds`, /* designations.tier:45 */
    CAST(LEAST(GREATEST(`certified`, 0), 6) * 20 AS BIGINT) AS `line_security_capability_certified`, /* designations.tier:48 */
    CAST(LEAST(GREATEST(`deployments`, 0), 6) * 10 AS BIGINT) AS `line_security_capability_deployments`, /* designations.tier:51 */
    CAST(LEAST(
      CAST(25000000000 AS DECIMAL(38, 0)),
      GREATEST(0, `acr`) + (
        GREATEST(0, `growth`) * 10
      )
    ) AS BIGINT) AS `line_security_capability_usage`, /* designations.tier:52 */
    CAST(LEAST(GREATEST(`adds`, 0), 5) * 3 AS BIGINT) AS `line_apps_enterprise_capability_adds`, /* designations.tier:64 */
    CAST(LEAST(GREATEST(`certified`, 0), 20) AS BIGINT) AS `line_apps_enterprise_capability_certified`, /* designations.tier:65 */
    CAST(LEAST(GREATEST(`adds`, 0), 5) * 3 AS BIGINT) AS `line_apps_smb_capability_adds`, /* designations.tier:71 */
    CAST(LEAST(GREATEST(`certified`, 0), 5) * 4 AS BIGINT) AS `line_apps_smb_capability_certified`, /* designations.tier:72 */
    CASE WHEN `workloads` >= 5 THEN 0 ELSE 1 END AS `sel_apps`, /* designations.tier:60 */
    CAST(LEAST(GREATEST(`adds`, 0), 5) * 4 AS BIGINT) AS `line_work_enterprise_capability_adds`, /* designations.tier:82 */
    CAST(LEAST(GREATEST(`adds`, 0), 10) * 2 AS BIGINT) AS `line_work_smb_capability_adds`, /* designations.tier:88 */
    `certified` >= 2 AS `req_ladder_silver_1`, /* designations.tier:95 */
    `certified` >= 4 AS `req_ladder_gold_1`, /* designations.tier:96 */
    CASE
      WHEN `tier` = 'bronze'
      THEN 0
      WHEN `tier` = 'silver'
      THEN 1
      WHEN `tier` = 'gold'
      THEN 2
    END >= 1 AS `req_ladder_gold_2`, /* designations.tier:96 */
    `audited` AS `req_ladder_platinum_1` /* designations.tier:97 */
  FROM partners_checked
), `stage_2` /* data capability, security capability, apps enterprise capability, apps smb capability, work enterprise capability, work smb capability, ladder */ AS (
  SELECT
    *,
    LEAST(`line_data_capability_adds`, 30) AS `cat_data_capability_performance`, /* designations.tier:25 */
    CAST(CASE
      WHEN `gate_experts_gate`
      THEN LEAST(GREATEST(`certified`, 0), 10) * 4
      ELSE 0
    END AS BIGINT) AS `line_data_capability_certified`, /* designations.tier:29 */
    CAST(`line_data_capability_growth` + (
      `line_data_capability_deployments` * 1000000
    ) AS BIGINT) AS `cat_data_capability_success`, /* designations.tier:31 */
    CAST(LEAST(`line_security_capability_adds`, 20) AS BIGINT) AS `cat_security_capability_performance`, /* designations.tier:44 */
    CAST(LEAST(`line_security_capability_certified`, 120) AS BIGINT) AS `cat_security_capability_skilling`, /* designations.tier:47 */
    CAST(LEAST(
      `line_security_capability_deployments` * 1250000000 + (
        `line_security_capability_usage` * 3
      ),
      CAST(150000000000 AS DECIMAL(38, 0))
    ) AS BIGINT) AS `cat_security_capability_success`, /* designations.tier:50 */
    CAST(`line_apps_enterprise_capability_adds` + `line_apps_enterprise_capability_certified` AS BIGINT) AS `score_apps_enterprise_capability`, /* designations.tier:63 */
    CAST(`line_apps_smb_capability_adds` + `line_apps_smb_capability_certified` AS BIGINT) AS `score_apps_smb_capability`, /* designations.tier:70 */
    `line_work_enterprise_capability_adds` AS `score_work_enterprise_capability`, /* designations.tier:81 */
    `line_work_smb_capability_adds` AS `score_work_smb_capability`, /* designations.tier:87 */
    CASE
      WHEN `req_ladder_platinum_1`
      THEN 2
      WHEN (
        `req_ladder_gold_1` AND `req_ladder_gold_2`
      ) AND `req_ladder_silver_1`
      THEN 1
      WHEN `req_ladder_silver_1`
      THEN 0
      ELSE -1
    END AS `lvl_ladder` /* designations.tier:94 */
  FROM stage_1
), `stage_3` /* data capability, data, security capability, apps enterprise, apps smb, apps, work enterprise, work smb */ AS (
  SELECT
    *,
    `line_data_capability_certified` AS `cat_data_capability_skilling`, /* designations.tier:28 */
    (
      `line_data_capability_adds` > 0
    )
    AND (
      `line_data_capability_certified` > 0
    )
    AND (
      `line_data_capability_growth` > 0
    )
    AND (
      `line_data_capability_deployments` > 0
    ) AS `req_data_designated_2`, /* designations.tier:38 */
    CAST((
      `cat_security_capability_performance` * 3 + `cat_security_capability_skilling`
    ) * 1250000000 + `cat_security_capability_success` AS BIGINT) AS `score_security_capability`, /* designations.tier:43 */
    `score_apps_enterprise_capability` >= 30 AS `req_apps_enterprise_designated_1`, /* designations.tier:67 */
    `score_apps_smb_capability` >= 30 AS `req_apps_smb_designated_1`, /* designations.tier:74 */
    CAST(CASE
      WHEN `sel_apps` = 0
      THEN `score_apps_enterprise_capability`
      ELSE `score_apps_smb_capability`
    END AS BIGINT) AS `tscore_apps`, /* designations.tier:60 */
    `score_work_enterprise_capability` >= 20 AS `req_work_enterprise_designated_1`, /* designations.tier:84 */
    `score_work_smb_capability` >= 10 AS `req_work_smb_designated_1` /* designations.tier:90 */
  FROM stage_2
), `stage_4` /* data capability, security, apps enterprise, apps smb, work enterprise, work smb */ AS (
  SELECT
    *,
    LEAST(
      (
        `cat_data_capability_performance` + `cat_data_capability_skilling`
      ) * 1000000 + `cat_data_capability_success`,
      100000000
    ) AS `score_data_capability`, /* designations.tier:24 */
    `score_security_capability` >= CAST(262500000000 AS DECIMAL(38, 0)) AS `req_security_designated_1`, /* designations.tier:56 */
    CASE WHEN `req_apps_enterprise_designated_1` THEN 0 ELSE -1 END AS `lvl_apps_enterprise`, /* designations.tier:62 */
    CASE WHEN `req_apps_smb_designated_1` THEN 0 ELSE -1 END AS `lvl_apps_smb`, /* designations.tier:69 */
    CASE WHEN `req_work_enterprise_designated_1` THEN 0 ELSE -1 END AS `lvl_work_enterprise`, /* designations.tier:80 */
    CASE WHEN `req_work_smb_designated_1` THEN 0 ELSE -1 END AS `lvl_work_smb` /* designations.tier:86 */
  FROM stage_3
), `stage_5` /* data, security, apps, work */ AS (
  SELECT
    *,
    `score_data_capability` >= 70000000 AS `req_data_designated_1`, /* designations.tier:37 */
    CASE WHEN `req_security_designated_1` THEN 0 ELSE -1 END AS `lvl_security`, /* designations.tier:42 */
    CASE
      WHEN `sel_apps` = 0
      THEN `lvl_apps_enterprise`
      WHEN `sel_apps` = 1
      THEN `lvl_apps_smb`
      ELSE -1
    END AS `level_apps`, /* designations.tier:60 */
    GREATEST(`lvl_work_enterprise`, `lvl_work_smb`) AS `best_level_work`
  FROM stage_4
), `stage_6` /* data, work */ AS (
  SELECT
    *,
    CASE WHEN `req_data_designated_1` AND `req_data_designated_2` THEN 0 ELSE -1 END AS `lvl_data`, /* designations.tier:23 */
    CASE
      WHEN `lvl_work_enterprise` = `best_level_work`
      THEN 0
      WHEN `lvl_work_smb` = `best_level_work`
      THEN 1
      ELSE -1
    END AS `best_first_work`,
    CAST(CASE
      WHEN `lvl_work_enterprise` = `best_level_work`
      THEN `score_work_enterprise_capability`
      WHEN `lvl_work_smb` = `best_level_work`
      THEN `score_work_smb_capability`
      ELSE 0
    END AS BIGINT) AS `best_first_score_work`
  FROM stage_5
), `stage_7` /* work */ AS (
  SELECT
    *,
    CAST(GREATEST(
      CASE
        WHEN `lvl_work_enterprise` = `best_level_work`
        THEN `score_work_enterprise_capability`
        ELSE `best_first_score_work`
      END,
      CASE
        WHEN `lvl_work_smb` = `best_level_work`
        THEN `score_work_smb_capability`
        ELSE `best_first_score_work`
      END
    ) AS BIGINT) AS `best_score_work`
  FROM stage_6
), `stage_8` /* work */ AS (
  SELECT
    *,
    CASE
      WHEN (
        `lvl_work_enterprise` = `best_level_work`
      )
      AND (
        `score_work_enterprise_capability` = `best_score_work`
      )
      THEN 0
      WHEN (
        `lvl_work_smb` = `best_level_work`
      )
      AND (
        `score_work_smb_capability` = `best_score_work`
      )
      THEN 1
      ELSE `best_first_work`
    END AS `sel_work` /* designations.tier:78 */
  FROM stage_7
), `stage_9` /* work */ AS (
  SELECT
    *,
    CASE
      WHEN `sel_work` = 0
      THEN `lvl_work_enterprise`
      WHEN `sel_work` = 1
      THEN `lvl_work_smb`
      ELSE -1
    END AS `level_work`, /* designations.tier:78 */
    CAST(CASE
      WHEN `sel_work` = 0
      THEN `score_work_enterprise_capability`
      ELSE `score_work_smb_capability`
    END AS BIGINT) AS `tscore_work` /* designations.tier:78 */
  FROM stage_8
), `stage_10` /* status */ AS (
  SELECT
    *,
    (
      CASE WHEN `lvl_data` >= 0 THEN 1 ELSE 0 END + CASE WHEN `lvl_security` >= 0 THEN 1 ELSE 0 END + CASE WHEN `level_apps` >= 0 THEN 1 ELSE 0 END + CASE WHEN `level_work` >= 0 THEN 1 ELSE 0 END
    ) >= 1 AS `req_status_partner_1`, /* designations.tier:102 */
    (
      (
        CASE WHEN `lvl_data` >= 0 THEN 1 ELSE 0 END + CASE WHEN `lvl_security` >= 0 THEN 1 ELSE 0 END + CASE WHEN `level_apps` >= 0 THEN 1 ELSE 0 END + CASE WHEN `level_work` >= 0 THEN 1 ELSE 0 END
      ) >= 4
    )
    AND (
      `score_data_capability` >= 90000000
    ) AS `req_status_cloud_1` /* designations.tier:103 */
  FROM stage_9
), `stage_11` /* status */ AS (
  SELECT
    *,
    CASE
      WHEN `req_status_cloud_1` AND (
        `req_status_partner_1` AND TRUE
      )
      THEN 2
      WHEN `req_status_partner_1` AND TRUE
      THEN 1
      WHEN TRUE
      THEN 0
      ELSE -1
    END AS `lvl_status` /* designations.tier:100 */
  FROM stage_10
), `score_quotients` AS (
  SELECT
    *,
    FLOOR((
      CAST(`score_security_capability` AS DECIMAL(38, 0))
    ) * 1000000 / 3750000000) - CASE
      WHEN FLOOR((
        CAST(`score_security_capability` AS DECIMAL(38, 0))
      ) * 1000000 / 3750000000) * 3750000000 > (
        CAST(`score_security_capability` AS DECIMAL(38, 0))
      ) * 1000000
      THEN 1
      ELSE 0
    END + CASE
      WHEN (
        FLOOR((
          CAST(`score_security_capability` AS DECIMAL(38, 0))
        ) * 1000000 / 3750000000) + 1
      ) * 3750000000 <= (
        CAST(`score_security_capability` AS DECIMAL(38, 0))
      ) * 1000000
      THEN 1
      ELSE 0
    END AS `quotient:security`
  FROM stage_11
), `score_units` /* each score in millionths, rounded half-even */ AS (
  SELECT
    *,
    `quotient:security` + CASE
      WHEN (
        (
          (
            CAST(`score_security_capability` AS DECIMAL(38, 0))
          ) * 1000000 - `quotient:security` * 3750000000
        ) * 2 > 3750000000
      )
      OR (
        (
          (
            (
              CAST(`score_security_capability` AS DECIMAL(38, 0))
            ) * 1000000 - `quotient:security` * 3750000000
          ) * 2 = 3750000000
        )
        AND (
          `quotient:security` % 2 <> 0
        )
      )
      THEN 1
      ELSE 0
    END AS `units:security`
  FROM score_quotients
), `results` /* level of each track as text, score as an exact decimal */ AS (
  SELECT
    `partner_id`,
    CASE WHEN `lvl_data` = 0 THEN 'designated' END AS `level:data`,
    CAST(`score_data_capability` * 0.000001 AS DECIMAL(38, 6)) AS `score:data`,
    CASE WHEN `lvl_security` = 0 THEN 'designated' END AS `level:security`,
    CAST(`units:security` * 0.000001 AS DECIMAL(38, 6)) AS `score:security`,
    CASE WHEN `level_apps` = 0 THEN 'designated' END AS `level:apps`,
    CAST(CAST(`tscore_apps` AS DECIMAL(38, 0)) AS DECIMAL(38, 6)) AS `score:apps`,
    CASE WHEN `level_work` = 0 THEN 'designated' END AS `level:work`,
    CAST(CAST(`tscore_work` AS DECIMAL(38, 0)) AS DECIMAL(38, 6)) AS `score:work`,
    CASE
      WHEN `lvl_ladder` = 0
      THEN 'silver'
      WHEN `lvl_ladder` = 1
      THEN 'gold'
      WHEN `lvl_ladder` = 2
      THEN 'platinum'
    END AS `level:ladder`,
    CASE
      WHEN `lvl_status` = 0
      THEN 'member'
      WHEN `lvl_status` = 1
      THEN 'partner'
      WHEN `lvl_status` = 2
      THEN 'cloud'
    END AS `level:status`
  FROM score_units
)
SELECT
  `results`.`partner_id` AS `partner_id`,
  `tracks`.`track` AS `track`,
  CASE
    WHEN `n` = 0
    THEN `level:data`
    WHEN `n` = 1
    THEN `level:security`
    WHEN `n` = 2
    THEN `level:apps`
    WHEN `n` = 3
    THEN `level:work`
    WHEN `n` = 4
    THEN `level:ladder`
    WHEN `n` = 5
    THEN `level:status`
  END AS `level`,
  CAST(CASE
    WHEN `n` = 0
    THEN `score:data`
    WHEN `n` = 1
    THEN `score:security`
    WHEN `n` = 2
    THEN `score:apps`
    WHEN `n` = 3
    THEN `score:work`
  END AS DECIMAL(38, 6)) AS `score`
FROM results
CROSS JOIN VALUES
  (0, 'data'),
  (1, 'security'),
  (2, 'apps'),
  (3, 'work'),
  (4, 'ladder'),
  (5, 'status') AS `tracks`(`n`, `track`);
