-- designations 1.0 (sha256:...) compiled by tierlang for duckdb
-- reads the table partners; returns partner_id, track, level, score (one row per partner and track)
-- decimal columns are read exactly with up to 6 decimal places; a bad value stops the query with an error
WITH "partners_read" /* partners: every value read exactly (shortest decimal text of a float; decimals scaled to integers) */ AS (
  SELECT
    CASE
      WHEN (
        "partner_id" IS NULL
      )
      OR (
        CAST("partner_id" AS TEXT) = ''
      )
      OR (
        UNICODE(CAST("partner_id" AS TEXT)) IN (
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
        UNICODE(RIGHT(CAST("partner_id" AS TEXT), 1)) IN (
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
      THEN ERROR(
        'tier: TL410 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column partner_id: ' || CASE
          WHEN (
            "partner_id" IS NULL
          )
          OR (
            REGEXP_MATCHES(
              CAST("partner_id" AS TEXT),
              '^[\x{9}\x{A}\x{B}\x{C}\x{D}\x{20}\x{85}\x{A0}\x{1680}\x{2000}\x{2001}\x{2002}\x{2003}\x{2004}\x{2005}\x{2006}\x{2007}\x{2008}\x{2009}\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]*$'
            )
          )
          THEN 'partner_id is empty'
          ELSE 'partner_id ' || '''' || CAST("partner_id" AS TEXT) || '''' || ' has blanks around it'
        END
      )
      ELSE CAST("partner_id" AS TEXT)
    END AS "partner_id",
    CASE
      WHEN TYPEOF("experts") IN ('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER')
      THEN CAST("experts" AS BIGINT)
      WHEN TYPEOF("experts") IN ('HUGEINT')
      THEN CASE
        WHEN NOT CAST("experts" AS INT128) BETWEEN -999999999999999999 AND 999999999999999999
        THEN ERROR(
          'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column experts: ' || '''' || CAST("experts" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)'
        )
        ELSE CAST("experts" AS BIGINT)
      END
      WHEN TYPEOF("experts") IN ('UBIGINT', 'UHUGEINT')
      THEN CASE
        WHEN CAST("experts" AS UINT128) > 999999999999999999
        THEN ERROR(
          'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column experts: ' || '''' || CAST("experts" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)'
        )
        ELSE CAST("experts" AS BIGINT)
      END
      ELSE CASE
        WHEN "experts" IS NULL
        THEN NULL
        ELSE CASE
          WHEN REGEXP_MATCHES(CAST("experts" AS TEXT), '^[ \t]*[+-]?0*[0-9]{1,18}[ \t]*$')
          THEN CAST(TRIM(CAST("experts" AS TEXT), (
            CHR(32) || CHR(9)
          )) AS BIGINT)
          WHEN REGEXP_MATCHES(CAST("experts" AS TEXT), '^[ \t]*[+-]?[0-9]+[ \t]*$')
          THEN ERROR(
            'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column experts: ' || '''' || CAST("experts" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)'
          )
          WHEN REGEXP_MATCHES(CAST("experts" AS TEXT), '^[ \t]*$')
          THEN NULL
          ELSE ERROR(
            'tier: TL404 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column experts: ' || '''' || CAST("experts" AS TEXT) || '''' || ' is not a whole number'
          )
        END
      END
    END AS "experts",
    CASE
      WHEN TYPEOF("adds") IN ('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER')
      THEN CAST("adds" AS BIGINT)
      WHEN TYPEOF("adds") IN ('HUGEINT')
      THEN CASE
        WHEN NOT CAST("adds" AS INT128) BETWEEN -999999999999999999 AND 999999999999999999
        THEN ERROR(
          'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column adds: ' || '''' || CAST("adds" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)'
        )
        ELSE CAST("adds" AS BIGINT)
      END
      WHEN TYPEOF("adds") IN ('UBIGINT', 'UHUGEINT')
      THEN CASE
        WHEN CAST("adds" AS UINT128) > 999999999999999999
        THEN ERROR(
          'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column adds: ' || '''' || CAST("adds" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)'
        )
        ELSE CAST("adds" AS BIGINT)
      END
      ELSE CASE
        WHEN "adds" IS NULL
        THEN NULL
        ELSE CASE
          WHEN REGEXP_MATCHES(CAST("adds" AS TEXT), '^[ \t]*[+-]?0*[0-9]{1,18}[ \t]*$')
          THEN CAST(TRIM(CAST("adds" AS TEXT), (
            CHR(32) || CHR(9)
          )) AS BIGINT)
          WHEN REGEXP_MATCHES(CAST("adds" AS TEXT), '^[ \t]*[+-]?[0-9]+[ \t]*$')
          THEN ERROR(
            'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column adds: ' || '''' || CAST("adds" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)'
          )
          WHEN REGEXP_MATCHES(CAST("adds" AS TEXT), '^[ \t]*$')
          THEN NULL
          ELSE ERROR(
            'tier: TL404 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column adds: ' || '''' || CAST("adds" AS TEXT) || '''' || ' is not a whole number'
          )
        END
      END
    END AS "adds",
    CASE
      WHEN TYPEOF("certified") IN ('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER')
      THEN CAST("certified" AS BIGINT)
      WHEN TYPEOF("certified") IN ('HUGEINT')
      THEN CASE
        WHEN NOT CAST("certified" AS INT128) BETWEEN -999999999999999999 AND 999999999999999999
        THEN ERROR(
          'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column certified: ' || '''' || CAST("certified" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)'
        )
        ELSE CAST("certified" AS BIGINT)
      END
      WHEN TYPEOF("certified") IN ('UBIGINT', 'UHUGEINT')
      THEN CASE
        WHEN CAST("certified" AS UINT128) > 999999999999999999
        THEN ERROR(
          'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column certified: ' || '''' || CAST("certified" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)'
        )
        ELSE CAST("certified" AS BIGINT)
      END
      ELSE CASE
        WHEN "certified" IS NULL
        THEN NULL
        ELSE CASE
          WHEN REGEXP_MATCHES(CAST("certified" AS TEXT), '^[ \t]*[+-]?0*[0-9]{1,18}[ \t]*$')
          THEN CAST(TRIM(CAST("certified" AS TEXT), (
            CHR(32) || CHR(9)
          )) AS BIGINT)
          WHEN REGEXP_MATCHES(CAST("certified" AS TEXT), '^[ \t]*[+-]?[0-9]+[ \t]*$')
          THEN ERROR(
            'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column certified: ' || '''' || CAST("certified" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)'
          )
          WHEN REGEXP_MATCHES(CAST("certified" AS TEXT), '^[ \t]*$')
          THEN NULL
          ELSE ERROR(
            'tier: TL404 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column certified: ' || '''' || CAST("certified" AS TEXT) || '''' || ' is not a whole number'
          )
        END
      END
    END AS "certified",
    CASE
      WHEN TYPEOF("growth") IN (
        'TINYINT',
        'SMALLINT',
        'INTEGER',
        'BIGINT',
        'HUGEINT',
        'UTINYINT',
        'USMALLINT',
        'UINTEGER',
        'UBIGINT',
        'UHUGEINT'
      )
      THEN CASE
        WHEN CAST("growth" AS INT128) BETWEEN -9223372036854 AND 9223372036854
        THEN CAST("growth" AS BIGINT) * 1000000
        ELSE ERROR(
          'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column growth: ' || CAST("growth" AS TEXT) || ' is too large to evaluate exactly in SQL (this query computes in 64-bit integers; compile it with --wide for 128 bits)'
        )
      END
      WHEN (
        ABS(CAST("growth" AS DOUBLE)) < CAST(1125899906 AS DOUBLE)
      )
      AND (
        (
          (
            TYPEOF("growth") IN ('DOUBLE')
          )
          AND (
            ROUND(CAST("growth" AS DOUBLE) * CAST(1000000 AS DOUBLE)) / CAST(1000000 AS DOUBLE) = CAST("growth" AS DOUBLE)
          )
        )
        OR (
          REGEXP_MATCHES(TYPEOF("growth"), '^DECIMAL\([0-9]+,(0|1|2|3|4|5|6)\)$')
        )
        OR (
          (
            TYPEOF("growth") LIKE 'DECIMAL%'
          )
          AND (
            TRY_CAST("growth" AS DECIMAL(38, 6)) = "growth"
          )
        )
      )
      THEN CAST(ROUND(CAST("growth" AS DOUBLE) * CAST(1000000 AS DOUBLE)) AS BIGINT)
      ELSE CASE
        WHEN "growth" IS NULL
        THEN NULL
        ELSE CASE
          WHEN NOT (
            REGEXP_MATCHES(CAST("growth" AS TEXT), '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$')
          )
          THEN ERROR(
            'tier: TL405 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column growth: ' || '''' || CAST("growth" AS TEXT) || '''' || ' is not a plain decimal'
          )
          WHEN LENGTH(
            RTRIM(
              CASE
                WHEN STRPOS(CAST("growth" AS TEXT), '.') > 0
                THEN SUBSTRING(CAST("growth" AS TEXT), STRPOS(CAST("growth" AS TEXT), '.') + 1)
                ELSE ''
              END,
              '0'
            )
          ) > 6
          THEN ERROR(
            'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column growth: ' || '''' || CAST("growth" AS TEXT) || '''' || ' has more than 6 decimal places (compile with --decimals)'
          )
          WHEN LENGTH(
            LTRIM(
              CASE
                WHEN STRPOS(CAST("growth" AS TEXT), '.') > 0
                THEN LEFT(CAST("growth" AS TEXT), STRPOS(CAST("growth" AS TEXT), '.') - 1)
                ELSE CAST("growth" AS TEXT)
              END,
              '+-'
            )
          ) > 12
          THEN ERROR(
            'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column growth: ' || '''' || CAST("growth" AS TEXT) || '''' || ' is too large to evaluate exactly in SQL (this query computes in 64-bit integers; compile it with --wide for 128 bits)'
          )
          ELSE CAST(CASE
            WHEN STRPOS(CAST("growth" AS TEXT), '.') > 0
            THEN LEFT(CAST("growth" AS TEXT), STRPOS(CAST("growth" AS TEXT), '.') - 1)
            ELSE CAST("growth" AS TEXT)
          END || LEFT(
            CASE
              WHEN STRPOS(CAST("growth" AS TEXT), '.') > 0
              THEN SUBSTRING(CAST("growth" AS TEXT), STRPOS(CAST("growth" AS TEXT), '.') + 1)
              ELSE ''
            END || '000000',
            6
          ) AS BIGINT)
        END
      END
    END AS "growth",
    CASE
      WHEN TYPEOF("deployments") IN ('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER')
      THEN CAST("deployments" AS BIGINT)
      WHEN TYPEOF("deployments") IN ('HUGEINT')
      THEN CASE
        WHEN NOT CAST("deployments" AS INT128) BETWEEN -999999999999999999 AND 999999999999999999
        THEN ERROR(
          'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column deployments: ' || '''' || CAST("deployments" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)'
        )
        ELSE CAST("deployments" AS BIGINT)
      END
      WHEN TYPEOF("deployments") IN ('UBIGINT', 'UHUGEINT')
      THEN CASE
        WHEN CAST("deployments" AS UINT128) > 999999999999999999
        THEN ERROR(
          'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column deployments: ' || '''' || CAST("deployments" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)'
        )
        ELSE CAST("deployments" AS BIGINT)
      END
      ELSE CASE
        WHEN "deployments" IS NULL
        THEN NULL
        ELSE CASE
          WHEN REGEXP_MATCHES(CAST("deployments" AS TEXT), '^[ \t]*[+-]?0*[0-9]{1,18}[ \t]*$')
          THEN CAST(TRIM(CAST("deployments" AS TEXT), (
            CHR(32) || CHR(9)
          )) AS BIGINT)
          WHEN REGEXP_MATCHES(CAST("deployments" AS TEXT), '^[ \t]*[+-]?[0-9]+[ \t]*$')
          THEN ERROR(
            'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column deployments: ' || '''' || CAST("deployments" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)'
          )
          WHEN REGEXP_MATCHES(CAST("deployments" AS TEXT), '^[ \t]*$')
          THEN NULL
          ELSE ERROR(
            'tier: TL404 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column deployments: ' || '''' || CAST("deployments" AS TEXT) || '''' || ' is not a whole number'
          )
        END
      END
    END AS "deployments",
    CASE
      WHEN "acr" IS NULL
      THEN CAST(0 AS BIGINT)
      ELSE CASE
        WHEN TYPEOF("acr") IN (
          'TINYINT',
          'SMALLINT',
          'INTEGER',
          'BIGINT',
          'HUGEINT',
          'UTINYINT',
          'USMALLINT',
          'UINTEGER',
          'UBIGINT',
          'UHUGEINT'
        )
        THEN CASE
          WHEN CAST("acr" AS INT128) BETWEEN -9223372036854 AND 9223372036854
          THEN CAST("acr" AS BIGINT) * 1000000
          ELSE ERROR(
            'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column acr: ' || CAST("acr" AS TEXT) || ' is too large to evaluate exactly in SQL (this query computes in 64-bit integers; compile it with --wide for 128 bits)'
          )
        END
        WHEN (
          ABS(CAST("acr" AS DOUBLE)) < CAST(1125899906 AS DOUBLE)
        )
        AND (
          (
            (
              TYPEOF("acr") IN ('DOUBLE')
            )
            AND (
              ROUND(CAST("acr" AS DOUBLE) * CAST(1000000 AS DOUBLE)) / CAST(1000000 AS DOUBLE) = CAST("acr" AS DOUBLE)
            )
          )
          OR (
            REGEXP_MATCHES(TYPEOF("acr"), '^DECIMAL\([0-9]+,(0|1|2|3|4|5|6)\)$')
          )
          OR (
            (
              TYPEOF("acr") LIKE 'DECIMAL%'
            )
            AND (
              TRY_CAST("acr" AS DECIMAL(38, 6)) = "acr"
            )
          )
        )
        THEN CAST(ROUND(CAST("acr" AS DOUBLE) * CAST(1000000 AS DOUBLE)) AS BIGINT)
        ELSE CASE
          WHEN "acr" IS NULL
          THEN NULL
          ELSE CASE
            WHEN NOT (
              REGEXP_MATCHES(CAST("acr" AS TEXT), '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$')
            )
            THEN ERROR(
              'tier: TL405 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column acr: ' || '''' || CAST("acr" AS TEXT) || '''' || ' is not a plain decimal'
            )
            WHEN LENGTH(
              RTRIM(
                CASE
                  WHEN STRPOS(CAST("acr" AS TEXT), '.') > 0
                  THEN SUBSTRING(CAST("acr" AS TEXT), STRPOS(CAST("acr" AS TEXT), '.') + 1)
                  ELSE ''
                END,
                '0'
              )
            ) > 6
            THEN ERROR(
              'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column acr: ' || '''' || CAST("acr" AS TEXT) || '''' || ' has more than 6 decimal places (compile with --decimals)'
            )
            WHEN LENGTH(
              LTRIM(
                CASE
                  WHEN STRPOS(CAST("acr" AS TEXT), '.') > 0
                  THEN LEFT(CAST("acr" AS TEXT), STRPOS(CAST("acr" AS TEXT), '.') - 1)
                  ELSE CAST("acr" AS TEXT)
                END,
                '+-'
              )
            ) > 12
            THEN ERROR(
              'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column acr: ' || '''' || CAST("acr" AS TEXT) || '''' || ' is too large to evaluate exactly in SQL (this query computes in 64-bit integers; compile it with --wide for 128 bits)'
            )
            ELSE CAST(CASE
              WHEN STRPOS(CAST("acr" AS TEXT), '.') > 0
              THEN LEFT(CAST("acr" AS TEXT), STRPOS(CAST("acr" AS TEXT), '.') - 1)
              ELSE CAST("acr" AS TEXT)
            END || LEFT(
              CASE
                WHEN STRPOS(CAST("acr" AS TEXT), '.') > 0
                THEN SUBSTRING(CAST("acr" AS TEXT), STRPOS(CAST("acr" AS TEXT), '.') + 1)
                ELSE ''
              END || '000000',
              6
            ) AS BIGINT)
          END
        END
      END
    END AS "acr",
    CASE
      WHEN TYPEOF("workloads") IN ('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER')
      THEN CAST("workloads" AS BIGINT)
      WHEN TYPEOF("workloads") IN ('HUGEINT')
      THEN CASE
        WHEN NOT CAST("workloads" AS INT128) BETWEEN -999999999999999999 AND 999999999999999999
        THEN ERROR(
          'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column workloads: ' || '''' || CAST("workloads" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)'
        )
        ELSE CAST("workloads" AS BIGINT)
      END
      WHEN TYPEOF("workloads") IN ('UBIGINT', 'UHUGEINT')
      THEN CASE
        WHEN CAST("workloads" AS UINT128) > 999999999999999999
        THEN ERROR(
          'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column workloads: ' || '''' || CAST("workloads" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)'
        )
        ELSE CAST("workloads" AS BIGINT)
      END
      ELSE CASE
        WHEN "workloads" IS NULL
        THEN NULL
        ELSE CASE
          WHEN REGEXP_MATCHES(CAST("workloads" AS TEXT), '^[ \t]*[+-]?0*[0-9]{1,18}[ \t]*$')
          THEN CAST(TRIM(CAST("workloads" AS TEXT), (
            CHR(32) || CHR(9)
          )) AS BIGINT)
          WHEN REGEXP_MATCHES(CAST("workloads" AS TEXT), '^[ \t]*[+-]?[0-9]+[ \t]*$')
          THEN ERROR(
            'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column workloads: ' || '''' || CAST("workloads" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)'
          )
          WHEN REGEXP_MATCHES(CAST("workloads" AS TEXT), '^[ \t]*$')
          THEN NULL
          ELSE ERROR(
            'tier: TL404 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column workloads: ' || '''' || CAST("workloads" AS TEXT) || '''' || ' is not a whole number'
          )
        END
      END
    END AS "workloads",
    CASE
      WHEN "tier" IS NULL
      THEN 'bronze'
      ELSE CASE
        WHEN CAST("tier" AS TEXT) IN ('bronze', 'silver', 'gold')
        THEN CAST("tier" AS TEXT)
        ELSE ERROR(
          'tier: TL407 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column tier: ' || '''' || CAST("tier" AS TEXT) || '''' || ' is not one of bronze, silver, gold'
        )
      END
    END AS "tier",
    CASE
      WHEN "audited" IS NULL
      THEN FALSE
      ELSE CASE
        WHEN TYPEOF("audited") IN ('BOOLEAN')
        THEN CAST("audited" AS BOOLEAN)
        ELSE CASE
          WHEN LOWER(CAST("audited" AS TEXT)) = 'true'
          THEN TRUE
          WHEN LOWER(CAST("audited" AS TEXT)) = 'false'
          THEN FALSE
          ELSE ERROR(
            'tier: TL408 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column audited: ' || '''' || CAST("audited" AS TEXT) || '''' || ' is not true or false'
          )
        END
      END
    END AS "audited"
  FROM "partners"
), "partners_checked" /* ranges, repeated partner_ids and the limits of exact arithmetic checked */ AS (
  SELECT
    "partners_read"."partner_id" AS "partner_id",
    "experts" AS "experts",
    "adds" AS "adds",
    "certified" AS "certified",
    "growth" AS "growth",
    "deployments" AS "deployments",
    "acr" AS "acr",
    "workloads" AS "workloads",
    "tier" AS "tier",
    "audited" AS "audited"
  FROM partners_read
  CROSS JOIN (
    SELECT
      MIN(CAST("partner_id" AS TEXT)) AS "repeated"
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
  WHERE
    CASE
      WHEN (
        "experts" IS NULL
      )
      OR (
        "adds" IS NULL
      )
      OR (
        "certified" IS NULL
      )
      OR (
        "growth" IS NULL
      )
      OR (
        "deployments" IS NULL
      )
      OR (
        "workloads" IS NULL
      )
      OR (
        NOT "experts" BETWEEN 0 AND 999999999999999999
      )
      OR (
        NOT "adds" BETWEEN -999999999999999999 AND 999999999999999999
      )
      OR (
        NOT "certified" BETWEEN 0 AND 999999999999999999
      )
      OR (
        "growth" < -100000000
      )
      OR (
        "growth" > 1000000000
      )
      OR (
        NOT "deployments" BETWEEN 0 AND 999999999999999999
      )
      OR (
        NOT "workloads" BETWEEN 0 AND 999999999999999999
      )
      OR (
        "partners_read"."partner_id" = "repeated"
      )
      THEN ERROR(
        CASE
          WHEN (
            "experts" IS NULL
          )
          THEN 'tier: TL403 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column experts: ' || 'the value is missing (the metric declares no default)'
          WHEN (
            "adds" IS NULL
          )
          THEN 'tier: TL403 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column adds: ' || 'the value is missing (the metric declares no default)'
          WHEN (
            "certified" IS NULL
          )
          THEN 'tier: TL403 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column certified: ' || 'the value is missing (the metric declares no default)'
          WHEN (
            "growth" IS NULL
          )
          THEN 'tier: TL403 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column growth: ' || 'the value is missing (the metric declares no default)'
          WHEN (
            "deployments" IS NULL
          )
          THEN 'tier: TL403 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column deployments: ' || 'the value is missing (the metric declares no default)'
          WHEN (
            "workloads" IS NULL
          )
          THEN 'tier: TL403 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column workloads: ' || 'the value is missing (the metric declares no default)'
          WHEN (
            NOT "experts" BETWEEN 0 AND 999999999999999999
          )
          THEN CASE
            WHEN NOT "experts" BETWEEN -999999999999999999 AND 999999999999999999
            THEN 'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column experts: ' || '''' || CAST("experts" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)'
            ELSE 'tier: TL406 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column experts: ' || CAST("experts" AS TEXT) || ' is below the minimum 0; a count cannot be negative'
          END
          WHEN (
            NOT "adds" BETWEEN -999999999999999999 AND 999999999999999999
          )
          THEN 'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column adds: ' || '''' || CAST("adds" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)'
          WHEN (
            NOT "certified" BETWEEN 0 AND 999999999999999999
          )
          THEN CASE
            WHEN NOT "certified" BETWEEN -999999999999999999 AND 999999999999999999
            THEN 'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column certified: ' || '''' || CAST("certified" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)'
            ELSE 'tier: TL406 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column certified: ' || CAST("certified" AS TEXT) || ' is below the minimum 0; a count cannot be negative'
          END
          WHEN (
            "growth" < -100000000
          )
          THEN 'tier: TL406 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column growth: ' || CAST("growth" AS TEXT) || '/1000000' || ' is below the minimum -100'
          WHEN (
            "growth" > 1000000000
          )
          THEN 'tier: TL406 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column growth: ' || CAST("growth" AS TEXT) || '/1000000' || ' is above the maximum 1000'
          WHEN (
            NOT "deployments" BETWEEN 0 AND 999999999999999999
          )
          THEN CASE
            WHEN NOT "deployments" BETWEEN -999999999999999999 AND 999999999999999999
            THEN 'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column deployments: ' || '''' || CAST("deployments" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)'
            ELSE 'tier: TL406 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column deployments: ' || CAST("deployments" AS TEXT) || ' is below the minimum 0; a count cannot be negative'
          END
          WHEN (
            NOT "workloads" BETWEEN 0 AND 999999999999999999
          )
          THEN CASE
            WHEN NOT "workloads" BETWEEN -999999999999999999 AND 999999999999999999
            THEN 'tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column workloads: ' || '''' || CAST("workloads" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)'
            ELSE 'tier: TL406 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column workloads: ' || CAST("workloads" AS TEXT) || ' is below the minimum 0; a count cannot be negative'
          END
          WHEN (
            "partners_read"."partner_id" = "repeated"
          )
          THEN 'tier: TL411 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column partner_id: ' || 'the partner_id appears more than once'
        END
      )
      ELSE TRUE
    END
), "rules_1" /* data capability, security capability, apps enterprise capability, apps smb capability, apps, work enterprise capability, work smb capability, ladder */ AS (
  SELECT
    "audited",
    "certified",
    "partner_id",
    "tier",
    CAST("adds" AS INT128) * 10 AS "line_data_capability_adds", /* designations.tier:26 */
    CAST(CASE
      WHEN (
        "experts" >= 2
      ) /* designations.tier:21 */
      THEN LEAST(GREATEST("certified", 0), 10) * 4
      ELSE 0
    END AS BIGINT) AS "line_data_capability_certified", /* designations.tier:29 */
    CAST(LEAST(GREATEST("growth", 0), 20000000) AS BIGINT) AS "line_data_capability_growth", /* designations.tier:32 */
    CAST(LEAST(GREATEST("deployments", 0), 5) * 2 AS BIGINT) AS "line_data_capability_deployments", /* designations.tier:33 */
    CAST((
      CAST(LEAST(CAST(LEAST(GREATEST("adds", 0), 10) * 2 AS BIGINT) /* designations.tier:45 */, 20) AS BIGINT) /* designations.tier:44 */ * 3 + CAST(LEAST(
        CAST(LEAST(GREATEST("certified", 0), 6) * 20 AS BIGINT) /* designations.tier:48 */,
        120
      ) AS BIGINT) /* designations.tier:47 */
    ) * 1250000000 + CAST(LEAST(
      CAST(LEAST(GREATEST("deployments", 0), 6) * 10 AS BIGINT) /* designations.tier:51 */ * 1250000000 + (
        CAST(LEAST(
          CAST(25000000000 AS BIGINT),
          GREATEST(0, CAST("acr" AS INT128)) + (
            GREATEST(0, CAST("growth" AS INT128)) * 10
          )
        ) AS BIGINT) /* designations.tier:52 */ * 3
      ),
      CAST(150000000000 AS BIGINT)
    ) AS BIGINT) /* designations.tier:50 */ AS BIGINT) AS "score_security_capability", /* designations.tier:43 */
    CAST(CAST(LEAST(GREATEST("adds", 0), 5) * 3 AS BIGINT) /* designations.tier:64 */ + CAST(LEAST(GREATEST("certified", 0), 20) AS BIGINT) /* designations.tier:65 */ AS BIGINT) AS "score_apps_enterprise_capability", /* designations.tier:63 */
    CAST(CAST(LEAST(GREATEST("adds", 0), 5) * 3 AS BIGINT) /* designations.tier:71 */ + CAST(LEAST(GREATEST("certified", 0), 5) * 4 AS BIGINT) /* designations.tier:72 */ AS BIGINT) AS "score_apps_smb_capability", /* designations.tier:70 */
    CASE WHEN "workloads" >= 5 THEN 0 ELSE 1 END AS "sel_apps", /* designations.tier:60 */
    CAST(LEAST(GREATEST("adds", 0), 5) * 4 AS BIGINT) /* designations.tier:82 */ AS "score_work_enterprise_capability", /* designations.tier:81 */
    CAST(LEAST(GREATEST("adds", 0), 10) * 2 AS BIGINT) /* designations.tier:88 */ AS "score_work_smb_capability", /* designations.tier:87 */
    "certified" >= 2 AS "req_ladder_silver_1" /* designations.tier:95 */
  FROM partners_checked
), "rules_2" /* data capability, security, apps, work enterprise, work smb, ladder */ AS (
  SELECT
    "line_data_capability_adds",
    "line_data_capability_certified",
    "line_data_capability_deployments",
    "line_data_capability_growth",
    "partner_id",
    "score_apps_enterprise_capability",
    "score_apps_smb_capability",
    "score_security_capability",
    "score_work_enterprise_capability",
    "score_work_smb_capability",
    "sel_apps",
    LEAST(
      (
        LEAST("line_data_capability_adds", 30) /* designations.tier:25 */ + CAST("line_data_capability_certified" AS INT128)
      ) * 1000000 + CAST(CAST("line_data_capability_growth" + (
        "line_data_capability_deployments" * 1000000
      ) AS BIGINT) /* designations.tier:31 */ AS INT128),
      100000000
    ) AS "score_data_capability", /* designations.tier:24 */
    CASE
      WHEN (
        "score_security_capability" >= CAST(262500000000 AS BIGINT)
      ) /* designations.tier:56 */
      THEN 0
      ELSE -1
    END AS "lvl_security", /* designations.tier:42 */
    CASE
      WHEN "sel_apps" = 0
      THEN CASE
        WHEN (
          "score_apps_enterprise_capability" >= 30
        ) /* designations.tier:67 */
        THEN 0
        ELSE -1
      END /* designations.tier:62 */
      WHEN "sel_apps" = 1
      THEN CASE
        WHEN (
          "score_apps_smb_capability" >= 30
        ) /* designations.tier:74 */
        THEN 0
        ELSE -1
      END /* designations.tier:69 */
      ELSE -1
    END AS "level_apps", /* designations.tier:60 */
    CASE
      WHEN (
        "score_work_enterprise_capability" >= 20
      ) /* designations.tier:84 */
      THEN 0
      ELSE -1
    END AS "lvl_work_enterprise", /* designations.tier:80 */
    CASE
      WHEN (
        "score_work_smb_capability" >= 10
      ) /* designations.tier:90 */
      THEN 0
      ELSE -1
    END AS "lvl_work_smb", /* designations.tier:86 */
    CASE
      WHEN "audited"
      THEN 2
      WHEN (
        (
          "certified" >= 4
        ) /* designations.tier:96 */
        AND (
          CASE
            WHEN "tier" = 'bronze'
            THEN 0
            WHEN "tier" = 'silver'
            THEN 1
            WHEN "tier" = 'gold'
            THEN 2
          END >= 1
        ) /* designations.tier:96 */
      )
      AND "req_ladder_silver_1"
      THEN 1
      WHEN "req_ladder_silver_1"
      THEN 0
      ELSE -1
    END AS "lvl_ladder", /* designations.tier:94 */
    CASE
      WHEN CAST("score_security_capability" AS BIGINT) * 1000000 >= 0
      THEN CAST("score_security_capability" AS BIGINT) * 1000000 // 3750000000
      ELSE -(
        (
          -CAST("score_security_capability" AS BIGINT) * 1000000 + 3749999999
        ) // 3750000000
      )
    END AS "quotient:security"
  FROM rules_1
), "rules_3" /* data, work */ AS (
  SELECT
    "level_apps",
    "lvl_ladder",
    "lvl_security",
    "lvl_work_enterprise",
    "lvl_work_smb",
    "partner_id",
    "quotient:security",
    "score_apps_enterprise_capability",
    "score_apps_smb_capability",
    "score_data_capability",
    "score_security_capability",
    "score_work_enterprise_capability",
    "score_work_smb_capability",
    "sel_apps",
    CASE
      WHEN (
        "score_data_capability" >= 70000000
      ) /* designations.tier:37 */
      AND (
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
        )
      ) /* designations.tier:38 */
      THEN 0
      ELSE -1
    END AS "lvl_data", /* designations.tier:23 */
    GREATEST("lvl_work_enterprise", "lvl_work_smb") AS "best_level_work"
  FROM rules_2
), "work" AS (
  SELECT
    "best_level_work",
    "level_apps",
    "lvl_data",
    "lvl_ladder",
    "lvl_security",
    "lvl_work_enterprise",
    "lvl_work_smb",
    "partner_id",
    "quotient:security",
    "score_apps_enterprise_capability",
    "score_apps_smb_capability",
    "score_data_capability",
    "score_security_capability",
    "score_work_enterprise_capability",
    "score_work_smb_capability",
    "sel_apps",
    CAST(CASE
      WHEN "lvl_work_enterprise" = "best_level_work"
      THEN "score_work_enterprise_capability"
      WHEN "lvl_work_smb" = "best_level_work"
      THEN "score_work_smb_capability"
      ELSE 0
    END AS BIGINT) AS "best_first_score_work"
  FROM rules_3
), "work_2" AS (
  SELECT
    "best_level_work",
    "level_apps",
    "lvl_data",
    "lvl_ladder",
    "lvl_security",
    "lvl_work_enterprise",
    "lvl_work_smb",
    "partner_id",
    "quotient:security",
    "score_apps_enterprise_capability",
    "score_apps_smb_capability",
    "score_data_capability",
    "score_security_capability",
    "score_work_enterprise_capability",
    "score_work_smb_capability",
    "sel_apps",
    CAST(GREATEST(
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
  FROM work
), "work_3" AS (
  SELECT
    "level_apps",
    "lvl_data",
    "lvl_ladder",
    "lvl_security",
    "lvl_work_enterprise",
    "lvl_work_smb",
    "partner_id",
    "quotient:security",
    "score_apps_enterprise_capability",
    "score_apps_smb_capability",
    "score_data_capability",
    "score_security_capability",
    "score_work_enterprise_capability",
    "score_work_smb_capability",
    "sel_apps",
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
      ELSE CASE
        WHEN "lvl_work_enterprise" = "best_level_work"
        THEN 0
        WHEN "lvl_work_smb" = "best_level_work"
        THEN 1
        ELSE -1
      END
    END AS "sel_work" /* designations.tier:78 */
  FROM work_2
), "work_4" AS (
  SELECT
    "level_apps",
    "lvl_data",
    "lvl_ladder",
    "lvl_security",
    "partner_id",
    "quotient:security",
    "score_apps_enterprise_capability",
    "score_apps_smb_capability",
    "score_data_capability",
    "score_security_capability",
    "score_work_enterprise_capability",
    "score_work_smb_capability",
    "sel_apps",
    "sel_work",
    CASE
      WHEN "sel_work" = 0
      THEN "lvl_work_enterprise"
      WHEN "sel_work" = 1
      THEN "lvl_work_smb"
      ELSE -1
    END AS "level_work" /* designations.tier:78 */
  FROM work_3
), "status" AS (
  SELECT
    "level_apps",
    "level_work",
    "lvl_data",
    "lvl_ladder",
    "lvl_security",
    "partner_id",
    "quotient:security",
    "score_apps_enterprise_capability",
    "score_apps_smb_capability",
    "score_data_capability",
    "score_security_capability",
    "score_work_enterprise_capability",
    "score_work_smb_capability",
    "sel_apps",
    "sel_work",
    (
      CASE WHEN "lvl_data" >= 0 THEN 1 ELSE 0 END + CASE WHEN "lvl_security" >= 0 THEN 1 ELSE 0 END + CASE WHEN "level_apps" >= 0 THEN 1 ELSE 0 END + CASE WHEN "level_work" >= 0 THEN 1 ELSE 0 END
    ) >= 1 AS "req_status_partner_1" /* designations.tier:102 */
  FROM work_4
), "status_2" AS (
  SELECT
    "level_apps",
    "level_work",
    "lvl_data",
    "lvl_ladder",
    "lvl_security",
    "partner_id",
    "quotient:security",
    "score_apps_enterprise_capability",
    "score_apps_smb_capability",
    "score_data_capability",
    "score_security_capability",
    "score_work_enterprise_capability",
    "score_work_smb_capability",
    "sel_apps",
    "sel_work",
    CASE
      WHEN (
        (
          (
            CASE WHEN "lvl_data" >= 0 THEN 1 ELSE 0 END + CASE WHEN "lvl_security" >= 0 THEN 1 ELSE 0 END + CASE WHEN "level_apps" >= 0 THEN 1 ELSE 0 END + CASE WHEN "level_work" >= 0 THEN 1 ELSE 0 END
          ) >= 4
        )
        AND (
          "score_data_capability" >= 90000000
        )
      ) /* designations.tier:103 */
      AND (
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
), "results" /* level of each track as text, score as an exact decimal */ AS (
  SELECT
    "partner_id",
    CASE WHEN "lvl_data" = 0 THEN 'designated' END AS "level:data",
    CAST("score_data_capability" * 0.000001 AS DECIMAL(38, 6)) AS "score:data",
    CASE WHEN "lvl_security" = 0 THEN 'designated' END AS "level:security",
    CAST((
      "quotient:security" + CASE
        WHEN (
          (
            CAST("score_security_capability" AS BIGINT) * 1000000 - "quotient:security" * 3750000000
          ) * 2 > 3750000000
        )
        OR (
          (
            (
              CAST("score_security_capability" AS BIGINT) * 1000000 - "quotient:security" * 3750000000
            ) * 2 = 3750000000
          )
          AND (
            "quotient:security" % 2 <> 0
          )
        )
        THEN 1
        ELSE 0
      END
    ) * 0.000001 AS DECIMAL(38, 6)) AS "score:security",
    CASE WHEN "level_apps" = 0 THEN 'designated' END AS "level:apps",
    CAST(CAST(CAST(CASE
      WHEN "sel_apps" = 0
      THEN "score_apps_enterprise_capability"
      ELSE "score_apps_smb_capability"
    END AS BIGINT) /* designations.tier:60 */ AS BIGINT) AS DECIMAL(38, 6)) AS "score:apps",
    CASE WHEN "level_work" = 0 THEN 'designated' END AS "level:work",
    CAST(CAST(CAST(CASE
      WHEN "sel_work" = 0
      THEN "score_work_enterprise_capability"
      ELSE "score_work_smb_capability"
    END AS BIGINT) /* designations.tier:78 */ AS BIGINT) AS DECIMAL(38, 6)) AS "score:work",
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
  FROM status_2
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
