-- designations 1.0 (sha256:...) compiled by tierlang for postgres
-- reads the table partners; returns partner_id, track, level, score (one row per partner and track)
-- decimal columns are read exactly with up to 6 decimal places; a bad value stops the query with an error
WITH "partners_read" /* partners: every value read exactly (shortest decimal text of a float; decimals scaled to integers) */ AS MATERIALIZED (
  SELECT
    CASE
      WHEN (
        "partner_id" IS NULL
      )
      OR (
        CAST("partner_id" AS TEXT) = ''
      )
      OR (
        ASCII(CAST("partner_id" AS TEXT)) IN (
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
        ASCII(RIGHT(CAST("partner_id" AS TEXT), 1)) IN (
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
      THEN CAST(CAST('tier: TL410 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column partner_id: ' || CASE
        WHEN (
          "partner_id" IS NULL
        )
        OR (
          CAST("partner_id" AS TEXT) ~ '^[\u0009\u000A\u000B\u000C\u000D\u0020\u0085\u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000]*$'
        )
        THEN 'partner_id is empty'
        ELSE 'partner_id ' || '''' || CAST("partner_id" AS TEXT) || '''' || ' has blanks around it'
      END AS BIGINT) AS TEXT)
      ELSE CAST("partner_id" AS TEXT)
    END AS "partner_id",
    CASE
      WHEN "experts" IS NULL
      THEN CAST('tier: TL403 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column experts: ' || 'the value is missing (the metric declares no default)' AS DECIMAL)
      ELSE CASE
        WHEN CAST("experts" AS TEXT) ~ '^[ \t]*[+-]?0*[0-9]{1,18}[ \t]*$'
        THEN CAST(TRIM((
          CHR(32) || CHR(9)
        ) FROM CAST("experts" AS TEXT)) AS DECIMAL)
        WHEN CAST("experts" AS TEXT) ~ '^[ \t]*[+-]?[0-9]+[ \t]*$'
        THEN CAST('tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column experts: ' || '''' || CAST("experts" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)' AS DECIMAL)
        WHEN CAST("experts" AS TEXT) ~ '^[ \t]*$'
        THEN CAST('tier: TL403 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column experts: ' || 'the value is missing (the metric declares no default)' AS DECIMAL)
        ELSE CAST('tier: TL404 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column experts: ' || '''' || CAST("experts" AS TEXT) || '''' || ' is not a whole number' AS DECIMAL)
      END
    END AS "experts",
    CASE
      WHEN "adds" IS NULL
      THEN CAST('tier: TL403 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column adds: ' || 'the value is missing (the metric declares no default)' AS DECIMAL)
      ELSE CASE
        WHEN CAST("adds" AS TEXT) ~ '^[ \t]*[+-]?0*[0-9]{1,18}[ \t]*$'
        THEN CAST(TRIM((
          CHR(32) || CHR(9)
        ) FROM CAST("adds" AS TEXT)) AS DECIMAL)
        WHEN CAST("adds" AS TEXT) ~ '^[ \t]*[+-]?[0-9]+[ \t]*$'
        THEN CAST('tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column adds: ' || '''' || CAST("adds" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)' AS DECIMAL)
        WHEN CAST("adds" AS TEXT) ~ '^[ \t]*$'
        THEN CAST('tier: TL403 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column adds: ' || 'the value is missing (the metric declares no default)' AS DECIMAL)
        ELSE CAST('tier: TL404 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column adds: ' || '''' || CAST("adds" AS TEXT) || '''' || ' is not a whole number' AS DECIMAL)
      END
    END AS "adds",
    CASE
      WHEN "certified" IS NULL
      THEN CAST('tier: TL403 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column certified: ' || 'the value is missing (the metric declares no default)' AS DECIMAL)
      ELSE CASE
        WHEN CAST("certified" AS TEXT) ~ '^[ \t]*[+-]?0*[0-9]{1,18}[ \t]*$'
        THEN CAST(TRIM((
          CHR(32) || CHR(9)
        ) FROM CAST("certified" AS TEXT)) AS DECIMAL)
        WHEN CAST("certified" AS TEXT) ~ '^[ \t]*[+-]?[0-9]+[ \t]*$'
        THEN CAST('tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column certified: ' || '''' || CAST("certified" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)' AS DECIMAL)
        WHEN CAST("certified" AS TEXT) ~ '^[ \t]*$'
        THEN CAST('tier: TL403 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column certified: ' || 'the value is missing (the metric declares no default)' AS DECIMAL)
        ELSE CAST('tier: TL404 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column certified: ' || '''' || CAST("certified" AS TEXT) || '''' || ' is not a whole number' AS DECIMAL)
      END
    END AS "certified",
    CASE
      WHEN "growth" IS NULL
      THEN CAST('tier: TL403 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column growth: ' || 'the value is missing (the metric declares no default)' AS DECIMAL)
      ELSE CASE
        WHEN NOT (
          CAST("growth" AS TEXT) ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$'
        )
        THEN CAST('tier: TL405 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column growth: ' || '''' || CAST("growth" AS TEXT) || '''' || ' is not a plain decimal' AS DECIMAL)
        WHEN LENGTH(
          TRIM(TRAILING '0' FROM CASE
            WHEN POSITION('.' IN CAST("growth" AS TEXT)) > 0
            THEN SUBSTRING(CAST("growth" AS TEXT) FROM POSITION('.' IN CAST("growth" AS TEXT)) + 1)
            ELSE ''
          END)
        ) > 6
        THEN CAST('tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column growth: ' || '''' || CAST("growth" AS TEXT) || '''' || ' has more than 6 decimal places (compile with --decimals)' AS DECIMAL)
        WHEN LENGTH(
          TRIM(LEADING '+-' FROM CASE
            WHEN POSITION('.' IN CAST("growth" AS TEXT)) > 0
            THEN LEFT(CAST("growth" AS TEXT), POSITION('.' IN CAST("growth" AS TEXT)) - 1)
            ELSE CAST("growth" AS TEXT)
          END)
        ) > 32
        THEN CAST('tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column growth: ' || '''' || CAST("growth" AS TEXT) || '''' || ' is too large to read exactly' AS DECIMAL)
        ELSE CAST(CASE
          WHEN POSITION('.' IN CAST("growth" AS TEXT)) > 0
          THEN LEFT(CAST("growth" AS TEXT), POSITION('.' IN CAST("growth" AS TEXT)) - 1)
          ELSE CAST("growth" AS TEXT)
        END || LEFT(
          CASE
            WHEN POSITION('.' IN CAST("growth" AS TEXT)) > 0
            THEN SUBSTRING(CAST("growth" AS TEXT) FROM POSITION('.' IN CAST("growth" AS TEXT)) + 1)
            ELSE ''
          END || '000000',
          6
        ) AS DECIMAL)
      END
    END AS "growth",
    CASE
      WHEN "deployments" IS NULL
      THEN CAST('tier: TL403 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column deployments: ' || 'the value is missing (the metric declares no default)' AS DECIMAL)
      ELSE CASE
        WHEN CAST("deployments" AS TEXT) ~ '^[ \t]*[+-]?0*[0-9]{1,18}[ \t]*$'
        THEN CAST(TRIM((
          CHR(32) || CHR(9)
        ) FROM CAST("deployments" AS TEXT)) AS DECIMAL)
        WHEN CAST("deployments" AS TEXT) ~ '^[ \t]*[+-]?[0-9]+[ \t]*$'
        THEN CAST('tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column deployments: ' || '''' || CAST("deployments" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)' AS DECIMAL)
        WHEN CAST("deployments" AS TEXT) ~ '^[ \t]*$'
        THEN CAST('tier: TL403 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column deployments: ' || 'the value is missing (the metric declares no default)' AS DECIMAL)
        ELSE CAST('tier: TL404 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column deployments: ' || '''' || CAST("deployments" AS TEXT) || '''' || ' is not a whole number' AS DECIMAL)
      END
    END AS "deployments",
    CASE
      WHEN "acr" IS NULL
      THEN CAST(0 AS DECIMAL)
      ELSE CASE
        WHEN NOT (
          CAST("acr" AS TEXT) ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$'
        )
        THEN CAST('tier: TL405 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column acr: ' || '''' || CAST("acr" AS TEXT) || '''' || ' is not a plain decimal' AS DECIMAL)
        WHEN LENGTH(
          TRIM(TRAILING '0' FROM CASE
            WHEN POSITION('.' IN CAST("acr" AS TEXT)) > 0
            THEN SUBSTRING(CAST("acr" AS TEXT) FROM POSITION('.' IN CAST("acr" AS TEXT)) + 1)
            ELSE ''
          END)
        ) > 6
        THEN CAST('tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column acr: ' || '''' || CAST("acr" AS TEXT) || '''' || ' has more than 6 decimal places (compile with --decimals)' AS DECIMAL)
        WHEN LENGTH(
          TRIM(LEADING '+-' FROM CASE
            WHEN POSITION('.' IN CAST("acr" AS TEXT)) > 0
            THEN LEFT(CAST("acr" AS TEXT), POSITION('.' IN CAST("acr" AS TEXT)) - 1)
            ELSE CAST("acr" AS TEXT)
          END)
        ) > 32
        THEN CAST('tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column acr: ' || '''' || CAST("acr" AS TEXT) || '''' || ' is too large to read exactly' AS DECIMAL)
        ELSE CAST(CASE
          WHEN POSITION('.' IN CAST("acr" AS TEXT)) > 0
          THEN LEFT(CAST("acr" AS TEXT), POSITION('.' IN CAST("acr" AS TEXT)) - 1)
          ELSE CAST("acr" AS TEXT)
        END || LEFT(
          CASE
            WHEN POSITION('.' IN CAST("acr" AS TEXT)) > 0
            THEN SUBSTRING(CAST("acr" AS TEXT) FROM POSITION('.' IN CAST("acr" AS TEXT)) + 1)
            ELSE ''
          END || '000000',
          6
        ) AS DECIMAL)
      END
    END AS "acr",
    CASE
      WHEN "workloads" IS NULL
      THEN CAST('tier: TL403 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column workloads: ' || 'the value is missing (the metric declares no default)' AS DECIMAL)
      ELSE CASE
        WHEN CAST("workloads" AS TEXT) ~ '^[ \t]*[+-]?0*[0-9]{1,18}[ \t]*$'
        THEN CAST(TRIM((
          CHR(32) || CHR(9)
        ) FROM CAST("workloads" AS TEXT)) AS DECIMAL)
        WHEN CAST("workloads" AS TEXT) ~ '^[ \t]*[+-]?[0-9]+[ \t]*$'
        THEN CAST('tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column workloads: ' || '''' || CAST("workloads" AS TEXT) || '''' || ' is too large for a count (at most 18 digits)' AS DECIMAL)
        WHEN CAST("workloads" AS TEXT) ~ '^[ \t]*$'
        THEN CAST('tier: TL403 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column workloads: ' || 'the value is missing (the metric declares no default)' AS DECIMAL)
        ELSE CAST('tier: TL404 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column workloads: ' || '''' || CAST("workloads" AS TEXT) || '''' || ' is not a whole number' AS DECIMAL)
      END
    END AS "workloads",
    CASE
      WHEN "tier" IS NULL
      THEN 'bronze'
      ELSE CASE
        WHEN CAST("tier" AS TEXT) IN ('bronze', 'silver', 'gold')
        THEN CAST("tier" AS TEXT)
        ELSE CAST(CAST('tier: TL407 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column tier: ' || '''' || CAST("tier" AS TEXT) || '''' || ' is not one of bronze, silver, gold' AS BIGINT) AS TEXT)
      END
    END AS "tier",
    CASE
      WHEN "audited" IS NULL
      THEN FALSE
      ELSE CASE
        WHEN LOWER(CAST("audited" AS TEXT)) = 'true'
        THEN TRUE
        WHEN LOWER(CAST("audited" AS TEXT)) = 'false'
        THEN FALSE
        ELSE CAST('tier: TL408 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column audited: ' || '''' || CAST("audited" AS TEXT) || '''' || ' is not true or false' AS BOOLEAN)
      END
    END AS "audited"
  FROM "partners"
), "partners_checked" /* ranges, repeated partner_ids and the limits of exact arithmetic checked */ AS MATERIALIZED (
  SELECT
    CASE
      WHEN "partners_read"."partner_id" = "repeated"
      THEN CAST(CAST('tier: TL411 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column partner_id: ' || 'the partner_id appears more than once' AS BIGINT) AS TEXT)
      ELSE "partners_read"."partner_id"
    END AS "partner_id",
    CASE
      WHEN "experts" < 0
      THEN CAST('tier: TL406 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column experts: ' || CAST("experts" AS TEXT) || ' is below the minimum 0; a count cannot be negative' AS DECIMAL)
      WHEN ABS("experts") > CAST(10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 AS DECIMAL)
      THEN CAST('tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column experts: ' || CAST("experts" AS TEXT) || ' is too large to evaluate exactly in SQL' AS DECIMAL)
      ELSE "experts"
    END AS "experts",
    CASE
      WHEN ABS("adds") > CAST(999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999993 AS DECIMAL)
      THEN CAST('tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column adds: ' || CAST("adds" AS TEXT) || ' is too large to evaluate exactly in SQL' AS DECIMAL)
      ELSE "adds"
    END AS "adds",
    CASE
      WHEN "certified" < 0
      THEN CAST('tier: TL406 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column certified: ' || CAST("certified" AS TEXT) || ' is below the minimum 0; a count cannot be negative' AS DECIMAL)
      WHEN ABS("certified") > CAST(10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 AS DECIMAL)
      THEN CAST('tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column certified: ' || CAST("certified" AS TEXT) || ' is too large to evaluate exactly in SQL' AS DECIMAL)
      ELSE "certified"
    END AS "certified",
    CASE
      WHEN "growth" < -100000000
      THEN CAST('tier: TL406 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column growth: ' || CAST("growth" AS TEXT) || '/1000000' || ' is below the minimum -100' AS DECIMAL)
      WHEN "growth" > 1000000000
      THEN CAST('tier: TL406 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column growth: ' || CAST("growth" AS TEXT) || '/1000000' || ' is above the maximum 1000' AS DECIMAL)
      WHEN ABS("growth") > CAST(909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909 AS DECIMAL)
      THEN CAST('tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column growth: ' || CAST("growth" AS TEXT) || '/1000000' || ' is too large to evaluate exactly in SQL' AS DECIMAL)
      ELSE "growth"
    END AS "growth",
    CASE
      WHEN "deployments" < 0
      THEN CAST('tier: TL406 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column deployments: ' || CAST("deployments" AS TEXT) || ' is below the minimum 0; a count cannot be negative' AS DECIMAL)
      WHEN ABS("deployments") > CAST(10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 AS DECIMAL)
      THEN CAST('tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column deployments: ' || CAST("deployments" AS TEXT) || ' is too large to evaluate exactly in SQL' AS DECIMAL)
      ELSE "deployments"
    END AS "deployments",
    CASE
      WHEN ABS("acr") > CAST(909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909 AS DECIMAL)
      THEN CAST('tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column acr: ' || CAST("acr" AS TEXT) || '/1000000' || ' is too large to evaluate exactly in SQL' AS DECIMAL)
      ELSE "acr"
    END AS "acr",
    CASE
      WHEN "workloads" < 0
      THEN CAST('tier: TL406 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column workloads: ' || CAST("workloads" AS TEXT) || ' is below the minimum 0; a count cannot be negative' AS DECIMAL)
      WHEN ABS("workloads") > CAST(10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 AS DECIMAL)
      THEN CAST('tier: TL412 table partners, partner_id ''' || COALESCE(CAST("partner_id" AS TEXT), '(empty)') || ''', column workloads: ' || CAST("workloads" AS TEXT) || ' is too large to evaluate exactly in SQL' AS DECIMAL)
      ELSE "workloads"
    END AS "workloads",
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
), "data_capability" AS (
  SELECT
    "acr",
    "adds",
    "audited",
    "certified",
    "deployments",
    "experts",
    "growth",
    "partner_id",
    "tier",
    "workloads",
    "adds" * 10 AS "line_data_capability_adds" /* designations.tier:26 */
  FROM partners_checked
), "data_capability_2" AS (
  SELECT
    "acr",
    "adds",
    "audited",
    "certified",
    "deployments",
    "experts",
    "growth",
    "line_data_capability_adds",
    "partner_id",
    "tier",
    "workloads",
    LEAST("line_data_capability_adds", 30) AS "cat_data_capability_performance" /* designations.tier:25 */
  FROM data_capability
), "gate_experts_gate" AS (
  SELECT
    "acr",
    "adds",
    "audited",
    "cat_data_capability_performance",
    "certified",
    "deployments",
    "growth",
    "line_data_capability_adds",
    "partner_id",
    "tier",
    "workloads",
    "experts" >= 2 AS "gate_experts_gate" /* designations.tier:21 */
  FROM data_capability_2
), "data_capability_3" AS (
  SELECT
    "acr",
    "adds",
    "audited",
    "cat_data_capability_performance",
    "certified",
    "deployments",
    "growth",
    "line_data_capability_adds",
    "partner_id",
    "tier",
    "workloads",
    CAST(CASE
      WHEN "gate_experts_gate"
      THEN LEAST(GREATEST("certified", 0), 10) * 4
      ELSE 0
    END AS BIGINT) AS "line_data_capability_certified" /* designations.tier:29 */
  FROM gate_experts_gate
), "data_capability_4" AS (
  SELECT
    "acr",
    "adds",
    "audited",
    "cat_data_capability_performance",
    "certified",
    "deployments",
    "growth",
    "line_data_capability_adds",
    "line_data_capability_certified",
    "partner_id",
    "tier",
    "workloads",
    "line_data_capability_certified" AS "cat_data_capability_skilling", /* designations.tier:28 */
    CAST(LEAST(GREATEST("growth", 0), 20000000) AS BIGINT) AS "line_data_capability_growth", /* designations.tier:32 */
    CAST(LEAST(GREATEST("deployments", 0), 5) * 2 AS BIGINT) AS "line_data_capability_deployments" /* designations.tier:33 */
  FROM data_capability_3
), "data_capability_5" AS (
  SELECT
    "acr",
    "adds",
    "audited",
    "cat_data_capability_performance",
    "cat_data_capability_skilling",
    "certified",
    "deployments",
    "growth",
    "line_data_capability_adds",
    "line_data_capability_certified",
    "line_data_capability_deployments",
    "line_data_capability_growth",
    "partner_id",
    "tier",
    "workloads",
    CAST("line_data_capability_growth" + (
      "line_data_capability_deployments" * 1000000
    ) AS BIGINT) AS "cat_data_capability_success" /* designations.tier:31 */
  FROM data_capability_4
), "data_capability_6" AS (
  SELECT
    "acr",
    "adds",
    "audited",
    "certified",
    "deployments",
    "growth",
    "line_data_capability_adds",
    "line_data_capability_certified",
    "line_data_capability_deployments",
    "line_data_capability_growth",
    "partner_id",
    "tier",
    "workloads",
    LEAST(
      (
        "cat_data_capability_performance" + "cat_data_capability_skilling"
      ) * 1000000 + "cat_data_capability_success",
      100000000
    ) AS "score_data_capability" /* designations.tier:24 */
  FROM data_capability_5
), "data" AS MATERIALIZED (
  SELECT
    "acr",
    "adds",
    "audited",
    "certified",
    "deployments",
    "growth",
    "partner_id",
    "score_data_capability",
    "tier",
    "workloads",
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
    "acr",
    "adds",
    "audited",
    "certified",
    "deployments",
    "growth",
    "partner_id",
    "score_data_capability",
    "tier",
    "workloads",
    CASE WHEN "req_data_designated_1" AND "req_data_designated_2" THEN 0 ELSE -1 END AS "lvl_data" /* designations.tier:23 */
  FROM data
), "security_capability" AS (
  SELECT
    "acr",
    "adds",
    "audited",
    "certified",
    "deployments",
    "growth",
    "lvl_data",
    "partner_id",
    "score_data_capability",
    "tier",
    "workloads",
    CAST(LEAST(GREATEST("adds", 0), 10) * 2 AS BIGINT) AS "line_security_capability_adds" /* designations.tier:45 */
  FROM data_2
), "security_capability_2" AS (
  SELECT
    "acr",
    "adds",
    "audited",
    "certified",
    "deployments",
    "growth",
    "lvl_data",
    "partner_id",
    "score_data_capability",
    "tier",
    "workloads",
    CAST(LEAST("line_security_capability_adds", 20) AS BIGINT) AS "cat_security_capability_performance", /* designations.tier:44 */
    CAST(LEAST(GREATEST("certified", 0), 6) * 20 AS BIGINT) AS "line_security_capability_certified" /* designations.tier:48 */
  FROM security_capability
), "security_capability_3" AS (
  SELECT
    "adds",
    "audited",
    "cat_security_capability_performance",
    "certified",
    "lvl_data",
    "partner_id",
    "score_data_capability",
    "tier",
    "workloads",
    CAST(LEAST("line_security_capability_certified", 120) AS BIGINT) AS "cat_security_capability_skilling", /* designations.tier:47 */
    CAST(LEAST(GREATEST("deployments", 0), 6) * 10 AS BIGINT) AS "line_security_capability_deployments", /* designations.tier:51 */
    CAST(LEAST(
      CAST(25000000000 AS DECIMAL),
      GREATEST(0, "acr") + (
        GREATEST(0, "growth") * 10
      )
    ) AS BIGINT) AS "line_security_capability_usage" /* designations.tier:52 */
  FROM security_capability_2
), "security_capability_4" AS (
  SELECT
    "adds",
    "audited",
    "cat_security_capability_performance",
    "cat_security_capability_skilling",
    "certified",
    "lvl_data",
    "partner_id",
    "score_data_capability",
    "tier",
    "workloads",
    CAST(LEAST(
      "line_security_capability_deployments" * 1250000000 + (
        "line_security_capability_usage" * 3
      ),
      CAST(150000000000 AS DECIMAL)
    ) AS BIGINT) AS "cat_security_capability_success" /* designations.tier:50 */
  FROM security_capability_3
), "security_capability_5" AS (
  SELECT
    "adds",
    "audited",
    "certified",
    "lvl_data",
    "partner_id",
    "score_data_capability",
    "tier",
    "workloads",
    CAST((
      "cat_security_capability_performance" * 3 + "cat_security_capability_skilling"
    ) * 1250000000 + "cat_security_capability_success" AS BIGINT) AS "score_security_capability" /* designations.tier:43 */
  FROM security_capability_4
), "security" AS (
  SELECT
    "adds",
    "audited",
    "certified",
    "lvl_data",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "tier",
    "workloads",
    "score_security_capability" >= CAST(262500000000 AS DECIMAL) AS "req_security_designated_1" /* designations.tier:56 */
  FROM security_capability_5
), "security_2" AS (
  SELECT
    "adds",
    "audited",
    "certified",
    "lvl_data",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "tier",
    "workloads",
    CASE WHEN "req_security_designated_1" THEN 0 ELSE -1 END AS "lvl_security" /* designations.tier:42 */
  FROM security
), "apps_enterprise_capability" AS (
  SELECT
    "adds",
    "audited",
    "certified",
    "lvl_data",
    "lvl_security",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "tier",
    "workloads",
    CAST(LEAST(GREATEST("adds", 0), 5) * 3 AS BIGINT) AS "line_apps_enterprise_capability_adds", /* designations.tier:64 */
    CAST(LEAST(GREATEST("certified", 0), 20) AS BIGINT) AS "line_apps_enterprise_capability_certified" /* designations.tier:65 */
  FROM security_2
), "apps_enterprise_capability_2" AS (
  SELECT
    "adds",
    "audited",
    "certified",
    "lvl_data",
    "lvl_security",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "tier",
    "workloads",
    CAST("line_apps_enterprise_capability_adds" + "line_apps_enterprise_capability_certified" AS BIGINT) AS "score_apps_enterprise_capability" /* designations.tier:63 */
  FROM apps_enterprise_capability
), "apps_enterprise" AS (
  SELECT
    "adds",
    "audited",
    "certified",
    "lvl_data",
    "lvl_security",
    "partner_id",
    "score_apps_enterprise_capability",
    "score_data_capability",
    "score_security_capability",
    "tier",
    "workloads",
    "score_apps_enterprise_capability" >= 30 AS "req_apps_enterprise_designated_1" /* designations.tier:67 */
  FROM apps_enterprise_capability_2
), "apps_enterprise_2" AS (
  SELECT
    "adds",
    "audited",
    "certified",
    "lvl_data",
    "lvl_security",
    "partner_id",
    "score_apps_enterprise_capability",
    "score_data_capability",
    "score_security_capability",
    "tier",
    "workloads",
    CASE WHEN "req_apps_enterprise_designated_1" THEN 0 ELSE -1 END AS "lvl_apps_enterprise" /* designations.tier:62 */
  FROM apps_enterprise
), "apps_smb_capability" AS (
  SELECT
    "adds",
    "audited",
    "certified",
    "lvl_apps_enterprise",
    "lvl_data",
    "lvl_security",
    "partner_id",
    "score_apps_enterprise_capability",
    "score_data_capability",
    "score_security_capability",
    "tier",
    "workloads",
    CAST(LEAST(GREATEST("adds", 0), 5) * 3 AS BIGINT) AS "line_apps_smb_capability_adds", /* designations.tier:71 */
    CAST(LEAST(GREATEST("certified", 0), 5) * 4 AS BIGINT) AS "line_apps_smb_capability_certified" /* designations.tier:72 */
  FROM apps_enterprise_2
), "apps_smb_capability_2" AS (
  SELECT
    "adds",
    "audited",
    "certified",
    "lvl_apps_enterprise",
    "lvl_data",
    "lvl_security",
    "partner_id",
    "score_apps_enterprise_capability",
    "score_data_capability",
    "score_security_capability",
    "tier",
    "workloads",
    CAST("line_apps_smb_capability_adds" + "line_apps_smb_capability_certified" AS BIGINT) AS "score_apps_smb_capability" /* designations.tier:70 */
  FROM apps_smb_capability
), "apps_smb" AS (
  SELECT
    "adds",
    "audited",
    "certified",
    "lvl_apps_enterprise",
    "lvl_data",
    "lvl_security",
    "partner_id",
    "score_apps_enterprise_capability",
    "score_apps_smb_capability",
    "score_data_capability",
    "score_security_capability",
    "tier",
    "workloads",
    "score_apps_smb_capability" >= 30 AS "req_apps_smb_designated_1" /* designations.tier:74 */
  FROM apps_smb_capability_2
), "apps_smb_2" AS MATERIALIZED (
  SELECT
    "adds",
    "audited",
    "certified",
    "lvl_apps_enterprise",
    "lvl_data",
    "lvl_security",
    "partner_id",
    "score_apps_enterprise_capability",
    "score_apps_smb_capability",
    "score_data_capability",
    "score_security_capability",
    "tier",
    "workloads",
    CASE WHEN "req_apps_smb_designated_1" THEN 0 ELSE -1 END AS "lvl_apps_smb" /* designations.tier:69 */
  FROM apps_smb
), "apps" AS (
  SELECT
    "adds",
    "audited",
    "certified",
    "lvl_apps_enterprise",
    "lvl_apps_smb",
    "lvl_data",
    "lvl_security",
    "partner_id",
    "score_apps_enterprise_capability",
    "score_apps_smb_capability",
    "score_data_capability",
    "score_security_capability",
    "tier",
    CASE WHEN "workloads" >= 5 THEN 0 ELSE 1 END AS "sel_apps" /* designations.tier:60 */
  FROM apps_smb_2
), "apps_2" AS (
  SELECT
    "adds",
    "audited",
    "certified",
    "lvl_data",
    "lvl_security",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "tier",
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
    "adds",
    "audited",
    "certified",
    "level_apps",
    "lvl_data",
    "lvl_security",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "tier",
    "tscore_apps",
    CAST(LEAST(GREATEST("adds", 0), 5) * 4 AS BIGINT) AS "line_work_enterprise_capability_adds" /* designations.tier:82 */
  FROM apps_2
), "work_enterprise_capability_2" AS (
  SELECT
    "adds",
    "audited",
    "certified",
    "level_apps",
    "lvl_data",
    "lvl_security",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "tier",
    "tscore_apps",
    "line_work_enterprise_capability_adds" AS "score_work_enterprise_capability" /* designations.tier:81 */
  FROM work_enterprise_capability
), "work_enterprise" AS (
  SELECT
    "adds",
    "audited",
    "certified",
    "level_apps",
    "lvl_data",
    "lvl_security",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "score_work_enterprise_capability",
    "tier",
    "tscore_apps",
    "score_work_enterprise_capability" >= 20 AS "req_work_enterprise_designated_1" /* designations.tier:84 */
  FROM work_enterprise_capability_2
), "work_enterprise_2" AS (
  SELECT
    "adds",
    "audited",
    "certified",
    "level_apps",
    "lvl_data",
    "lvl_security",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "score_work_enterprise_capability",
    "tier",
    "tscore_apps",
    CASE WHEN "req_work_enterprise_designated_1" THEN 0 ELSE -1 END AS "lvl_work_enterprise" /* designations.tier:80 */
  FROM work_enterprise
), "work_smb_capability" AS (
  SELECT
    "audited",
    "certified",
    "level_apps",
    "lvl_data",
    "lvl_security",
    "lvl_work_enterprise",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "score_work_enterprise_capability",
    "tier",
    "tscore_apps",
    CAST(LEAST(GREATEST("adds", 0), 10) * 2 AS BIGINT) AS "line_work_smb_capability_adds" /* designations.tier:88 */
  FROM work_enterprise_2
), "work_smb_capability_2" AS (
  SELECT
    "audited",
    "certified",
    "level_apps",
    "lvl_data",
    "lvl_security",
    "lvl_work_enterprise",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "score_work_enterprise_capability",
    "tier",
    "tscore_apps",
    "line_work_smb_capability_adds" AS "score_work_smb_capability" /* designations.tier:87 */
  FROM work_smb_capability
), "work_smb" AS (
  SELECT
    "audited",
    "certified",
    "level_apps",
    "lvl_data",
    "lvl_security",
    "lvl_work_enterprise",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "score_work_enterprise_capability",
    "score_work_smb_capability",
    "tier",
    "tscore_apps",
    "score_work_smb_capability" >= 10 AS "req_work_smb_designated_1" /* designations.tier:90 */
  FROM work_smb_capability_2
), "work_smb_2" AS (
  SELECT
    "audited",
    "certified",
    "level_apps",
    "lvl_data",
    "lvl_security",
    "lvl_work_enterprise",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "score_work_enterprise_capability",
    "score_work_smb_capability",
    "tier",
    "tscore_apps",
    CASE WHEN "req_work_smb_designated_1" THEN 0 ELSE -1 END AS "lvl_work_smb" /* designations.tier:86 */
  FROM work_smb
), "work" AS MATERIALIZED (
  SELECT
    "audited",
    "certified",
    "level_apps",
    "lvl_data",
    "lvl_security",
    "lvl_work_enterprise",
    "lvl_work_smb",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "score_work_enterprise_capability",
    "score_work_smb_capability",
    "tier",
    "tscore_apps",
    GREATEST("lvl_work_enterprise", "lvl_work_smb") AS "best_level_work"
  FROM work_smb_2
), "work_2" AS (
  SELECT
    "audited",
    "best_level_work",
    "certified",
    "level_apps",
    "lvl_data",
    "lvl_security",
    "lvl_work_enterprise",
    "lvl_work_smb",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "score_work_enterprise_capability",
    "score_work_smb_capability",
    "tier",
    "tscore_apps",
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
), "work_3" AS MATERIALIZED (
  SELECT
    "audited",
    "best_first_work",
    "best_level_work",
    "certified",
    "level_apps",
    "lvl_data",
    "lvl_security",
    "lvl_work_enterprise",
    "lvl_work_smb",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "score_work_enterprise_capability",
    "score_work_smb_capability",
    "tier",
    "tscore_apps",
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
  FROM work_2
), "work_4" AS (
  SELECT
    "audited",
    "certified",
    "level_apps",
    "lvl_data",
    "lvl_security",
    "lvl_work_enterprise",
    "lvl_work_smb",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "score_work_enterprise_capability",
    "score_work_smb_capability",
    "tier",
    "tscore_apps",
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
    "audited",
    "certified",
    "level_apps",
    "lvl_data",
    "lvl_security",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "tier",
    "tscore_apps",
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
    "level_apps",
    "level_work",
    "lvl_data",
    "lvl_security",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "tscore_apps",
    "tscore_work",
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
), "ladder_2" AS MATERIALIZED (
  SELECT
    "level_apps",
    "level_work",
    "lvl_data",
    "lvl_security",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "tscore_apps",
    "tscore_work",
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
), "status" AS MATERIALIZED (
  SELECT
    "level_apps",
    "level_work",
    "lvl_data",
    "lvl_ladder",
    "lvl_security",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "tscore_apps",
    "tscore_work",
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
    "level_apps",
    "level_work",
    "lvl_data",
    "lvl_ladder",
    "lvl_security",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "tscore_apps",
    "tscore_work",
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
), "score_quotients" AS MATERIALIZED (
  SELECT
    "level_apps",
    "level_work",
    "lvl_data",
    "lvl_ladder",
    "lvl_security",
    "lvl_status",
    "partner_id",
    "score_data_capability",
    "score_security_capability",
    "tscore_apps",
    "tscore_work",
    CASE
      WHEN CAST("score_security_capability" AS BIGINT) * 1000000 >= 0
      THEN DIV(CAST("score_security_capability" AS BIGINT) * 1000000, 3750000000)
      ELSE -(
        DIV(
          (
            -CAST("score_security_capability" AS BIGINT) * 1000000 + 3749999999
          ),
          3750000000
        )
      )
    END AS "quotient:security"
  FROM status_2
), "score_units" /* each score in millionths, rounded half-even */ AS (
  SELECT
    "level_apps",
    "level_work",
    "lvl_data",
    "lvl_ladder",
    "lvl_security",
    "lvl_status",
    "partner_id",
    "score_data_capability",
    "tscore_apps",
    "tscore_work",
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
    END AS "units:security"
  FROM score_quotients
), "results" /* level of each track as text, score as an exact decimal */ AS MATERIALIZED (
  SELECT
    "partner_id",
    CASE WHEN "lvl_data" = 0 THEN 'designated' END AS "level:data",
    CAST("score_data_capability" * 0.000001 AS DECIMAL(38, 6)) AS "score:data",
    CASE WHEN "lvl_security" = 0 THEN 'designated' END AS "level:security",
    CAST("units:security" * 0.000001 AS DECIMAL(38, 6)) AS "score:security",
    CASE WHEN "level_apps" = 0 THEN 'designated' END AS "level:apps",
    CAST(CAST("tscore_apps" AS BIGINT) AS DECIMAL(38, 6)) AS "score:apps",
    CASE WHEN "level_work" = 0 THEN 'designated' END AS "level:work",
    CAST(CAST("tscore_work" AS BIGINT) AS DECIMAL(38, 6)) AS "score:work",
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
