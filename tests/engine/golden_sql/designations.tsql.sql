-- designations 1.0 (sha256:...) compiled by tierlang for tsql
-- reads the table partners; returns partner_id, track, level, score (one row per partner and track)
-- decimal columns are read exactly with up to 6 decimal places; a bad value stops the query with an error
WITH [partners_read] /* partners: every value read exactly (shortest decimal text of a float; decimals scaled to integers) */ AS (
  SELECT
    CASE
      WHEN (
        [partner_id] IS NULL
      )
      OR (
        CAST([partner_id] AS NVARCHAR(MAX)) = ''
      )
      OR (
        UNICODE(CAST([partner_id] AS NVARCHAR(MAX))) IN (
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
        UNICODE(RIGHT(CAST([partner_id] AS NVARCHAR(MAX)), 1)) IN (
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
      THEN CAST(CAST('tier: TL410 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column partner_id: ' + CASE
        WHEN (
          [partner_id] IS NULL
        )
        OR (
          TRIM(LEADING (
            NCHAR(9) + NCHAR(10) + NCHAR(11) + NCHAR(12) + NCHAR(13) + NCHAR(32) + NCHAR(133) + NCHAR(160) + NCHAR(5760) + NCHAR(8192) + NCHAR(8193) + NCHAR(8194) + NCHAR(8195) + NCHAR(8196) + NCHAR(8197) + NCHAR(8198) + NCHAR(8199) + NCHAR(8200) + NCHAR(8201) + NCHAR(8202) + NCHAR(8232) + NCHAR(8233) + NCHAR(8239) + NCHAR(8287) + NCHAR(12288)
          ) FROM CAST([partner_id] AS NVARCHAR(MAX))) = ''
        )
        THEN 'partner_id is empty'
        ELSE 'partner_id ' + '''' + CAST([partner_id] AS NVARCHAR(MAX)) + '''' + ' has blanks around it'
      END AS BIGINT) AS NVARCHAR(MAX))
      ELSE CAST([partner_id] AS NVARCHAR(MAX))
    END AS [partner_id],
    CASE
      WHEN [experts] IS NULL
      THEN CAST('tier: TL403 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column experts: ' + 'the value is missing (the metric declares no default)' AS NUMERIC(38, 0))
      ELSE CASE
        WHEN REGEXP_LIKE(CAST([experts] AS NVARCHAR(MAX)), '^[ \t]*[+-]?0*[0-9]{1,18}[ \t]*$')
        THEN CAST(TRIM((
          NCHAR(32) + NCHAR(9)
        ) FROM CAST([experts] AS NVARCHAR(MAX))) AS NUMERIC(38, 0))
        WHEN REGEXP_LIKE(CAST([experts] AS NVARCHAR(MAX)), '^[ \t]*[+-]?[0-9]+[ \t]*$')
        THEN CAST('tier: TL412 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column experts: ' + '''' + CAST([experts] AS NVARCHAR(MAX)) + '''' + ' is too large for a count (at most 18 digits)' AS NUMERIC(38, 0))
        WHEN REGEXP_LIKE(CAST([experts] AS NVARCHAR(MAX)), '^[ \t]*$')
        THEN CAST('tier: TL403 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column experts: ' + 'the value is missing (the metric declares no default)' AS NUMERIC(38, 0))
        ELSE CAST('tier: TL404 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column experts: ' + '''' + CAST([experts] AS NVARCHAR(MAX)) + '''' + ' is not a whole number' AS NUMERIC(38, 0))
      END
    END AS [experts],
    CASE
      WHEN [adds] IS NULL
      THEN CAST('tier: TL403 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column adds: ' + 'the value is missing (the metric declares no default)' AS NUMERIC(38, 0))
      ELSE CASE
        WHEN REGEXP_LIKE(CAST([adds] AS NVARCHAR(MAX)), '^[ \t]*[+-]?0*[0-9]{1,18}[ \t]*$')
        THEN CAST(TRIM((
          NCHAR(32) + NCHAR(9)
        ) FROM CAST([adds] AS NVARCHAR(MAX))) AS NUMERIC(38, 0))
        WHEN REGEXP_LIKE(CAST([adds] AS NVARCHAR(MAX)), '^[ \t]*[+-]?[0-9]+[ \t]*$')
        THEN CAST('tier: TL412 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column adds: ' + '''' + CAST([adds] AS NVARCHAR(MAX)) + '''' + ' is too large for a count (at most 18 digits)' AS NUMERIC(38, 0))
        WHEN REGEXP_LIKE(CAST([adds] AS NVARCHAR(MAX)), '^[ \t]*$')
        THEN CAST('tier: TL403 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column adds: ' + 'the value is missing (the metric declares no default)' AS NUMERIC(38, 0))
        ELSE CAST('tier: TL404 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column adds: ' + '''' + CAST([adds] AS NVARCHAR(MAX)) + '''' + ' is not a whole number' AS NUMERIC(38, 0))
      END
    END AS [adds],
    CASE
      WHEN [certified] IS NULL
      THEN CAST('tier: TL403 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column certified: ' + 'the value is missing (the metric declares no default)' AS NUMERIC(38, 0))
      ELSE CASE
        WHEN REGEXP_LIKE(CAST([certified] AS NVARCHAR(MAX)), '^[ \t]*[+-]?0*[0-9]{1,18}[ \t]*$')
        THEN CAST(TRIM((
          NCHAR(32) + NCHAR(9)
        ) FROM CAST([certified] AS NVARCHAR(MAX))) AS NUMERIC(38, 0))
        WHEN REGEXP_LIKE(CAST([certified] AS NVARCHAR(MAX)), '^[ \t]*[+-]?[0-9]+[ \t]*$')
        THEN CAST('tier: TL412 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column certified: ' + '''' + CAST([certified] AS NVARCHAR(MAX)) + '''' + ' is too large for a count (at most 18 digits)' AS NUMERIC(38, 0))
        WHEN REGEXP_LIKE(CAST([certified] AS NVARCHAR(MAX)), '^[ \t]*$')
        THEN CAST('tier: TL403 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column certified: ' + 'the value is missing (the metric declares no default)' AS NUMERIC(38, 0))
        ELSE CAST('tier: TL404 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column certified: ' + '''' + CAST([certified] AS NVARCHAR(MAX)) + '''' + ' is not a whole number' AS NUMERIC(38, 0))
      END
    END AS [certified],
    CASE
      WHEN [growth] IS NULL
      THEN CAST('tier: TL403 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column growth: ' + 'the value is missing (the metric declares no default)' AS NUMERIC(38, 0))
      ELSE CASE
        WHEN NOT (
          REGEXP_LIKE(CAST([growth] AS NVARCHAR(MAX)), '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$')
        )
        THEN CAST('tier: TL405 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column growth: ' + '''' + CAST([growth] AS NVARCHAR(MAX)) + '''' + ' is not a plain decimal' AS NUMERIC(38, 0))
        WHEN LEN(
          TRIM(TRAILING '0' FROM CASE
            WHEN CHARINDEX('.', CAST([growth] AS NVARCHAR(MAX))) > 0
            THEN SUBSTRING(
              CAST([growth] AS NVARCHAR(MAX)),
              CHARINDEX('.', CAST([growth] AS NVARCHAR(MAX))) + 1
            )
            ELSE ''
          END)
        ) > 6
        THEN CAST('tier: TL412 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column growth: ' + '''' + CAST([growth] AS NVARCHAR(MAX)) + '''' + ' has more than 6 decimal places (compile with --decimals)' AS NUMERIC(38, 0))
        WHEN LEN(
          TRIM(LEADING '+-' FROM CASE
            WHEN CHARINDEX('.', CAST([growth] AS NVARCHAR(MAX))) > 0
            THEN LEFT(
              CAST([growth] AS NVARCHAR(MAX)),
              CHARINDEX('.', CAST([growth] AS NVARCHAR(MAX))) - 1
            )
            ELSE CAST([growth] AS NVARCHAR(MAX))
          END)
        ) > 32
        THEN CAST('tier: TL412 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column growth: ' + '''' + CAST([growth] AS NVARCHAR(MAX)) + '''' + ' is too large to read exactly' AS NUMERIC(38, 0))
        ELSE CAST(CASE
          WHEN CHARINDEX('.', CAST([growth] AS NVARCHAR(MAX))) > 0
          THEN LEFT(
            CAST([growth] AS NVARCHAR(MAX)),
            CHARINDEX('.', CAST([growth] AS NVARCHAR(MAX))) - 1
          )
          ELSE CAST([growth] AS NVARCHAR(MAX))
        END + LEFT(
          CASE
            WHEN CHARINDEX('.', CAST([growth] AS NVARCHAR(MAX))) > 0
            THEN SUBSTRING(
              CAST([growth] AS NVARCHAR(MAX)),
              CHARINDEX('.', CAST([growth] AS NVARCHAR(MAX))) + 1
            )
            ELSE ''
          END + '000000',
          6
        ) AS NUMERIC(38, 0))
      END
    END AS [growth],
    CASE
      WHEN [deployments] IS NULL
      THEN CAST('tier: TL403 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column deployments: ' + 'the value is missing (the metric declares no default)' AS NUMERIC(38, 0))
      ELSE CASE
        WHEN REGEXP_LIKE(CAST([deployments] AS NVARCHAR(MAX)), '^[ \t]*[+-]?0*[0-9]{1,18}[ \t]*$')
        THEN CAST(TRIM((
          NCHAR(32) + NCHAR(9)
        ) FROM CAST([deployments] AS NVARCHAR(MAX))) AS NUMERIC(38, 0))
        WHEN REGEXP_LIKE(CAST([deployments] AS NVARCHAR(MAX)), '^[ \t]*[+-]?[0-9]+[ \t]*$')
        THEN CAST('tier: TL412 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column deployments: ' + '''' + CAST([deployments] AS NVARCHAR(MAX)) + '''' + ' is too large for a count (at most 18 digits)' AS NUMERIC(38, 0))
        WHEN REGEXP_LIKE(CAST([deployments] AS NVARCHAR(MAX)), '^[ \t]*$')
        THEN CAST('tier: TL403 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column deployments: ' + 'the value is missing (the metric declares no default)' AS NUMERIC(38, 0))
        ELSE CAST('tier: TL404 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column deployments: ' + '''' + CAST([deployments] AS NVARCHAR(MAX)) + '''' + ' is not a whole number' AS NUMERIC(38, 0))
      END
    END AS [deployments],
    CASE
      WHEN [acr] IS NULL
      THEN CAST(0 AS NUMERIC(38, 0))
      ELSE CASE
        WHEN NOT (
          REGEXP_LIKE(CAST([acr] AS NVARCHAR(MAX)), '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$')
        )
        THEN CAST('tier: TL405 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column acr: ' + '''' + CAST([acr] AS NVARCHAR(MAX)) + '''' + ' is not a plain decimal' AS NUMERIC(38, 0))
        WHEN LEN(
          TRIM(TRAILING '0' FROM CASE
            WHEN CHARINDEX('.', CAST([acr] AS NVARCHAR(MAX))) > 0
            THEN SUBSTRING(CAST([acr] AS NVARCHAR(MAX)), CHARINDEX('.', CAST([acr] AS NVARCHAR(MAX))) + 1)
            ELSE ''
          END)
        ) > 6
        THEN CAST('tier: TL412 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column acr: ' + '''' + CAST([acr] AS NVARCHAR(MAX)) + '''' + ' has more than 6 decimal places (compile with --decimals)' AS NUMERIC(38, 0))
        WHEN LEN(
          TRIM(LEADING '+-' FROM CASE
            WHEN CHARINDEX('.', CAST([acr] AS NVARCHAR(MAX))) > 0
            THEN LEFT(CAST([acr] AS NVARCHAR(MAX)), CHARINDEX('.', CAST([acr] AS NVARCHAR(MAX))) - 1)
            ELSE CAST([acr] AS NVARCHAR(MAX))
          END)
        ) > 32
        THEN CAST('tier: TL412 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column acr: ' + '''' + CAST([acr] AS NVARCHAR(MAX)) + '''' + ' is too large to read exactly' AS NUMERIC(38, 0))
        ELSE CAST(CASE
          WHEN CHARINDEX('.', CAST([acr] AS NVARCHAR(MAX))) > 0
          THEN LEFT(CAST([acr] AS NVARCHAR(MAX)), CHARINDEX('.', CAST([acr] AS NVARCHAR(MAX))) - 1)
          ELSE CAST([acr] AS NVARCHAR(MAX))
        END + LEFT(
          CASE
            WHEN CHARINDEX('.', CAST([acr] AS NVARCHAR(MAX))) > 0
            THEN SUBSTRING(CAST([acr] AS NVARCHAR(MAX)), CHARINDEX('.', CAST([acr] AS NVARCHAR(MAX))) + 1)
            ELSE ''
          END + '000000',
          6
        ) AS NUMERIC(38, 0))
      END
    END AS [acr],
    CASE
      WHEN [workloads] IS NULL
      THEN CAST('tier: TL403 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column workloads: ' + 'the value is missing (the metric declares no default)' AS NUMERIC(38, 0))
      ELSE CASE
        WHEN REGEXP_LIKE(CAST([workloads] AS NVARCHAR(MAX)), '^[ \t]*[+-]?0*[0-9]{1,18}[ \t]*$')
        THEN CAST(TRIM((
          NCHAR(32) + NCHAR(9)
        ) FROM CAST([workloads] AS NVARCHAR(MAX))) AS NUMERIC(38, 0))
        WHEN REGEXP_LIKE(CAST([workloads] AS NVARCHAR(MAX)), '^[ \t]*[+-]?[0-9]+[ \t]*$')
        THEN CAST('tier: TL412 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column workloads: ' + '''' + CAST([workloads] AS NVARCHAR(MAX)) + '''' + ' is too large for a count (at most 18 digits)' AS NUMERIC(38, 0))
        WHEN REGEXP_LIKE(CAST([workloads] AS NVARCHAR(MAX)), '^[ \t]*$')
        THEN CAST('tier: TL403 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column workloads: ' + 'the value is missing (the metric declares no default)' AS NUMERIC(38, 0))
        ELSE CAST('tier: TL404 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column workloads: ' + '''' + CAST([workloads] AS NVARCHAR(MAX)) + '''' + ' is not a whole number' AS NUMERIC(38, 0))
      END
    END AS [workloads],
    CASE
      WHEN [tier] IS NULL
      THEN 'bronze'
      ELSE CASE
        WHEN (
          CAST([tier] AS NVARCHAR(MAX)) + '|'
        ) COLLATE Latin1_General_100_BIN2 IN (N'bronze|', N'silver|', N'gold|')
        THEN CAST([tier] AS NVARCHAR(MAX))
        ELSE CAST(CAST('tier: TL407 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column tier: ' + '''' + CAST([tier] AS NVARCHAR(MAX)) + '''' + ' is not one of bronze, silver, gold' AS BIGINT) AS NVARCHAR(MAX))
      END
    END AS [tier],
    CASE
      WHEN [audited] IS NULL
      THEN (1 = 0)
      ELSE CASE
        WHEN (
          LOWER(CAST([audited] AS NVARCHAR(MAX))) + '|'
        ) COLLATE Latin1_General_100_BIN2 IN (N'true|')
        THEN (1 = 1)
        WHEN (
          LOWER(CAST([audited] AS NVARCHAR(MAX))) + '|'
        ) COLLATE Latin1_General_100_BIN2 IN (N'false|')
        THEN (1 = 0)
        ELSE CAST('tier: TL408 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column audited: ' + '''' + CAST([audited] AS NVARCHAR(MAX)) + '''' + ' is not true or false' AS BIT)
      END
    END AS [audited]
  FROM [partners]
), [partners_checked] /* ranges, repeated partner_ids and the limits of exact arithmetic checked */ AS (
  SELECT
    CASE
      WHEN (
        [partners_read].[partner_id] + '|'
      ) COLLATE Latin1_General_100_BIN2 = [repeated]
      THEN CAST(CAST('tier: TL411 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column partner_id: ' + 'the partner_id appears more than once' AS BIGINT) AS NVARCHAR(MAX))
      ELSE [partners_read].[partner_id]
    END AS [partner_id],
    CASE
      WHEN [experts] < 0
      THEN CAST('tier: TL406 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column experts: ' + CAST([experts] AS NVARCHAR(MAX)) + ' is below the minimum 0; a count cannot be negative' AS NUMERIC(38, 0))
      WHEN ABS([experts]) > CAST(85070591730234615865843651857942052864 AS NUMERIC(38, 0))
      THEN CAST('tier: TL412 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column experts: ' + CAST([experts] AS NVARCHAR(MAX)) + ' is too large to evaluate exactly in SQL' AS NUMERIC(38, 0))
      ELSE [experts]
    END AS [experts],
    CASE
      WHEN ABS([adds]) > CAST(8507059173023461586584358 AS NUMERIC(38, 0))
      THEN CAST('tier: TL412 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column adds: ' + CAST([adds] AS NVARCHAR(MAX)) + ' is too large to evaluate exactly in SQL' AS NUMERIC(38, 0))
      ELSE [adds]
    END AS [adds],
    CASE
      WHEN [certified] < 0
      THEN CAST('tier: TL406 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column certified: ' + CAST([certified] AS NVARCHAR(MAX)) + ' is below the minimum 0; a count cannot be negative' AS NUMERIC(38, 0))
      WHEN ABS([certified]) > CAST(85070591730234615865843651857942052864 AS NUMERIC(38, 0))
      THEN CAST('tier: TL412 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column certified: ' + CAST([certified] AS NVARCHAR(MAX)) + ' is too large to evaluate exactly in SQL' AS NUMERIC(38, 0))
      ELSE [certified]
    END AS [certified],
    CASE
      WHEN [growth] < -100000000
      THEN CAST('tier: TL406 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column growth: ' + CAST([growth] AS NVARCHAR(MAX)) + '/1000000' + ' is below the minimum -100' AS NUMERIC(38, 0))
      WHEN [growth] > 1000000000
      THEN CAST('tier: TL406 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column growth: ' + CAST([growth] AS NVARCHAR(MAX)) + '/1000000' + ' is above the maximum 1000' AS NUMERIC(38, 0))
      WHEN ABS([growth]) > CAST(7733690157294055987803968350722004805 AS NUMERIC(38, 0))
      THEN CAST('tier: TL412 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column growth: ' + CAST([growth] AS NVARCHAR(MAX)) + '/1000000' + ' is too large to evaluate exactly in SQL' AS NUMERIC(38, 0))
      ELSE [growth]
    END AS [growth],
    CASE
      WHEN [deployments] < 0
      THEN CAST('tier: TL406 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column deployments: ' + CAST([deployments] AS NVARCHAR(MAX)) + ' is below the minimum 0; a count cannot be negative' AS NUMERIC(38, 0))
      WHEN ABS([deployments]) > CAST(85070591730234615865843651857942052864 AS NUMERIC(38, 0))
      THEN CAST('tier: TL412 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column deployments: ' + CAST([deployments] AS NVARCHAR(MAX)) + ' is too large to evaluate exactly in SQL' AS NUMERIC(38, 0))
      ELSE [deployments]
    END AS [deployments],
    CASE
      WHEN ABS([acr]) > CAST(7733690157294055987803968350722004805 AS NUMERIC(38, 0))
      THEN CAST('tier: TL412 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column acr: ' + CAST([acr] AS NVARCHAR(MAX)) + '/1000000' + ' is too large to evaluate exactly in SQL' AS NUMERIC(38, 0))
      ELSE [acr]
    END AS [acr],
    CASE
      WHEN [workloads] < 0
      THEN CAST('tier: TL406 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column workloads: ' + CAST([workloads] AS NVARCHAR(MAX)) + ' is below the minimum 0; a count cannot be negative' AS NUMERIC(38, 0))
      WHEN ABS([workloads]) > CAST(85070591730234615865843651857942052864 AS NUMERIC(38, 0))
      THEN CAST('tier: TL412 table partners, partner_id ''' + COALESCE(CAST([partner_id] AS NVARCHAR(MAX)), '(empty)') + ''', column workloads: ' + CAST([workloads] AS NVARCHAR(MAX)) + ' is too large to evaluate exactly in SQL' AS NUMERIC(38, 0))
      ELSE [workloads]
    END AS [workloads],
    [tier] AS [tier],
    [audited] AS [audited]
  FROM partners_read
  CROSS JOIN (
    SELECT
      MIN(CAST([partner_id] AS NVARCHAR(MAX))) AS [repeated]
    FROM (
      SELECT
        (
          [partner_id] + '|'
        ) COLLATE Latin1_General_100_BIN2 AS [partner_id]
      FROM [partners]
      GROUP BY
        (
          [partner_id] + '|'
        ) COLLATE Latin1_General_100_BIN2
      HAVING
        COUNT(*) > 1
    ) AS repeated_ids
  ) AS repeated_id
), [data_capability] AS (
  SELECT
    *,
    [adds] * 10 AS [line_data_capability_adds] /* designations.tier:26 */
  FROM partners_checked
), [data_capability_2] AS (
  SELECT
    *,
    LEAST([line_data_capability_adds], 30) AS [cat_data_capability_performance] /* designations.tier:25 */
  FROM data_capability
), [gate_experts_gate] AS (
  SELECT
    *,
    CASE WHEN [experts] >= 2 THEN 1 ELSE 0 END AS [gate_experts_gate] /* designations.tier:21 */
  FROM data_capability_2
), [data_capability_3] AS (
  SELECT
    *,
    CAST(CASE
      WHEN [gate_experts_gate] = 1
      THEN LEAST(GREATEST([certified], 0), 10) * 4
      ELSE 0
    END AS BIGINT) AS [line_data_capability_certified] /* designations.tier:29 */
  FROM gate_experts_gate
), [data_capability_4] AS (
  SELECT
    *,
    [line_data_capability_certified] AS [cat_data_capability_skilling], /* designations.tier:28 */
    CAST(LEAST(GREATEST([growth], 0), 20000000) AS BIGINT) AS [line_data_capability_growth], /* designations.tier:32 */
    CAST(LEAST(GREATEST([deployments], 0), 5) * 2 AS BIGINT) AS [line_data_capability_deployments] /* designations.tier:33 */
  FROM data_capability_3
), [data_capability_5] AS (
  SELECT
    *,
    CAST([line_data_capability_growth] + (
      [line_data_capability_deployments] * 1000000
    ) AS BIGINT) AS [cat_data_capability_success] /* designations.tier:31 */
  FROM data_capability_4
), [data_capability_6] AS (
  SELECT
    *,
    LEAST(
      (
        [cat_data_capability_performance] + [cat_data_capability_skilling]
      ) * 1000000 + [cat_data_capability_success],
      100000000
    ) AS [score_data_capability] /* designations.tier:24 */
  FROM data_capability_5
), [data] AS (
  SELECT
    *,
    CASE WHEN [score_data_capability] >= 70000000 THEN 1 ELSE 0 END AS [req_data_designated_1], /* designations.tier:37 */
    CASE
      WHEN (
        [line_data_capability_adds] > 0
      )
      AND (
        [line_data_capability_certified] > 0
      )
      AND (
        [line_data_capability_growth] > 0
      )
      AND (
        [line_data_capability_deployments] > 0
      )
      THEN 1
      ELSE 0
    END AS [req_data_designated_2] /* designations.tier:38 */
  FROM data_capability_6
), [data_2] AS (
  SELECT
    *,
    CASE
      WHEN (
        [req_data_designated_1] = 1
      ) AND (
        [req_data_designated_2] = 1
      )
      THEN 0
      ELSE -1
    END AS [lvl_data] /* designations.tier:23 */
  FROM data
), [security_capability] AS (
  SELECT
    *,
    CAST(LEAST(GREATEST([adds], 0), 10) * 2 AS BIGINT) AS [line_security_capability_adds] /* designations.tier:45 */
  FROM data_2
), [security_capability_2] AS (
  SELECT
    *,
    CAST(LEAST([line_security_capability_adds], 20) AS BIGINT) AS [cat_security_capability_performance], /* designations.tier:44 */
    CAST(LEAST(GREATEST([certified], 0), 6) * 20 AS BIGINT) AS [line_security_capability_certified] /* designations.tier:48 */
  FROM security_capability
), [security_capability_3] AS (
  SELECT
    *,
    CAST(LEAST([line_security_capability_certified], 120) AS BIGINT) AS [cat_security_capability_skilling], /* designations.tier:47 */
    CAST(LEAST(GREATEST([deployments], 0), 6) * 10 AS BIGINT) AS [line_security_capability_deployments], /* designations.tier:51 */
    CAST(LEAST(
      CAST(25000000000 AS NUMERIC(38, 0)),
      GREATEST(0, [acr]) + (
        GREATEST(0, [growth]) * 10
      )
    ) AS BIGINT) AS [line_security_capability_usage] /* designations.tier:52 */
  FROM security_capability_2
), [security_capability_4] AS (
  SELECT
    *,
    CAST(LEAST(
      [line_security_capability_deployments] * 1250000000 + (
        [line_security_capability_usage] * 3
      ),
      CAST(150000000000 AS NUMERIC(38, 0))
    ) AS BIGINT) AS [cat_security_capability_success] /* designations.tier:50 */
  FROM security_capability_3
), [security_capability_5] AS (
  SELECT
    *,
    CAST((
      [cat_security_capability_performance] * 3 + [cat_security_capability_skilling]
    ) * 1250000000 + [cat_security_capability_success] AS BIGINT) AS [score_security_capability] /* designations.tier:43 */
  FROM security_capability_4
), [security] AS (
  SELECT
    *,
    CASE
      WHEN [score_security_capability] >= CAST(262500000000 AS NUMERIC(38, 0))
      THEN 1
      ELSE 0
    END AS [req_security_designated_1] /* designations.tier:56 */
  FROM security_capability_5
), [security_2] AS (
  SELECT
    *,
    CASE WHEN (
      [req_security_designated_1] = 1
    ) THEN 0 ELSE -1 END AS [lvl_security] /* designations.tier:42 */
  FROM security
), [apps_enterprise_capability] AS (
  SELECT
    *,
    CAST(LEAST(GREATEST([adds], 0), 5) * 3 AS BIGINT) AS [line_apps_enterprise_capability_adds], /* designations.tier:64 */
    CAST(LEAST(GREATEST([certified], 0), 20) AS BIGINT) AS [line_apps_enterprise_capability_certified] /* designations.tier:65 */
  FROM security_2
), [apps_enterprise_capability_2] AS (
  SELECT
    *,
    CAST([line_apps_enterprise_capability_adds] + [line_apps_enterprise_capability_certified] AS BIGINT) AS [score_apps_enterprise_capability] /* designations.tier:63 */
  FROM apps_enterprise_capability
), [apps_enterprise] AS (
  SELECT
    *,
    CASE WHEN [score_apps_enterprise_capability] >= 30 THEN 1 ELSE 0 END AS [req_apps_enterprise_designated_1] /* designations.tier:67 */
  FROM apps_enterprise_capability_2
), [apps_enterprise_2] AS (
  SELECT
    *,
    CASE WHEN (
      [req_apps_enterprise_designated_1] = 1
    ) THEN 0 ELSE -1 END AS [lvl_apps_enterprise] /* designations.tier:62 */
  FROM apps_enterprise
), [apps_smb_capability] AS (
  SELECT
    *,
    CAST(LEAST(GREATEST([adds], 0), 5) * 3 AS BIGINT) AS [line_apps_smb_capability_adds], /* designations.tier:71 */
    CAST(LEAST(GREATEST([certified], 0), 5) * 4 AS BIGINT) AS [line_apps_smb_capability_certified] /* designations.tier:72 */
  FROM apps_enterprise_2
), [apps_smb_capability_2] AS (
  SELECT
    *,
    CAST([line_apps_smb_capability_adds] + [line_apps_smb_capability_certified] AS BIGINT) AS [score_apps_smb_capability] /* designations.tier:70 */
  FROM apps_smb_capability
), [apps_smb] AS (
  SELECT
    *,
    CASE WHEN [score_apps_smb_capability] >= 30 THEN 1 ELSE 0 END AS [req_apps_smb_designated_1] /* designations.tier:74 */
  FROM apps_smb_capability_2
), [apps_smb_2] AS (
  SELECT
    *,
    CASE WHEN (
      [req_apps_smb_designated_1] = 1
    ) THEN 0 ELSE -1 END AS [lvl_apps_smb] /* designations.tier:69 */
  FROM apps_smb
), [apps] AS (
  SELECT
    *,
    CASE WHEN [workloads] >= 5 THEN 0 ELSE 1 END AS [sel_apps] /* designations.tier:60 */
  FROM apps_smb_2
), [apps_2] AS (
  SELECT
    *,
    CASE
      WHEN [sel_apps] = 0
      THEN [lvl_apps_enterprise]
      WHEN [sel_apps] = 1
      THEN [lvl_apps_smb]
      ELSE -1
    END AS [level_apps], /* designations.tier:60 */
    CAST(CASE
      WHEN [sel_apps] = 0
      THEN [score_apps_enterprise_capability]
      ELSE [score_apps_smb_capability]
    END AS BIGINT) AS [tscore_apps] /* designations.tier:60 */
  FROM apps
), [work_enterprise_capability] AS (
  SELECT
    *,
    CAST(LEAST(GREATEST([adds], 0), 5) * 4 AS BIGINT) AS [line_work_enterprise_capability_adds] /* designations.tier:82 */
  FROM apps_2
), [work_enterprise_capability_2] AS (
  SELECT
    *,
    [line_work_enterprise_capability_adds] AS [score_work_enterprise_capability] /* designations.tier:81 */
  FROM work_enterprise_capability
), [work_enterprise] AS (
  SELECT
    *,
    CASE WHEN [score_work_enterprise_capability] >= 20 THEN 1 ELSE 0 END AS [req_work_enterprise_designated_1] /* designations.tier:84 */
  FROM work_enterprise_capability_2
), [work_enterprise_2] AS (
  SELECT
    *,
    CASE WHEN (
      [req_work_enterprise_designated_1] = 1
    ) THEN 0 ELSE -1 END AS [lvl_work_enterprise] /* designations.tier:80 */
  FROM work_enterprise
), [work_smb_capability] AS (
  SELECT
    *,
    CAST(LEAST(GREATEST([adds], 0), 10) * 2 AS BIGINT) AS [line_work_smb_capability_adds] /* designations.tier:88 */
  FROM work_enterprise_2
), [work_smb_capability_2] AS (
  SELECT
    *,
    [line_work_smb_capability_adds] AS [score_work_smb_capability] /* designations.tier:87 */
  FROM work_smb_capability
), [work_smb] AS (
  SELECT
    *,
    CASE WHEN [score_work_smb_capability] >= 10 THEN 1 ELSE 0 END AS [req_work_smb_designated_1] /* designations.tier:90 */
  FROM work_smb_capability_2
), [work_smb_2] AS (
  SELECT
    *,
    CASE WHEN (
      [req_work_smb_designated_1] = 1
    ) THEN 0 ELSE -1 END AS [lvl_work_smb] /* designations.tier:86 */
  FROM work_smb
), [work] AS (
  SELECT
    *,
    CASE WHEN GREATEST([lvl_work_enterprise], [lvl_work_smb]) THEN 1 ELSE 0 END AS [best_level_work]
  FROM work_smb_2
), [work_2] AS (
  SELECT
    *,
    CASE
      WHEN CASE
        WHEN [lvl_work_enterprise] = (
          [best_level_work] = 1
        )
        THEN 0
        WHEN [lvl_work_smb] = (
          [best_level_work] = 1
        )
        THEN 1
        ELSE -1
      END
      THEN 1
      ELSE 0
    END AS [best_first_work],
    CAST(CASE
      WHEN [lvl_work_enterprise] = (
        [best_level_work] = 1
      )
      THEN [score_work_enterprise_capability]
      WHEN [lvl_work_smb] = (
        [best_level_work] = 1
      )
      THEN [score_work_smb_capability]
      ELSE 0
    END AS BIGINT) AS [best_first_score_work]
  FROM work
), [work_3] AS (
  SELECT
    *,
    CAST(GREATEST(
      CASE
        WHEN [lvl_work_enterprise] = (
          [best_level_work] = 1
        )
        THEN [score_work_enterprise_capability]
        ELSE [best_first_score_work]
      END,
      CASE
        WHEN [lvl_work_smb] = (
          [best_level_work] = 1
        )
        THEN [score_work_smb_capability]
        ELSE [best_first_score_work]
      END
    ) AS BIGINT) AS [best_score_work]
  FROM work_2
), [work_4] AS (
  SELECT
    *,
    CASE
      WHEN (
        [lvl_work_enterprise] = (
          [best_level_work] = 1
        )
      )
      AND (
        [score_work_enterprise_capability] = [best_score_work]
      )
      THEN 0
      WHEN (
        [lvl_work_smb] = (
          [best_level_work] = 1
        )
      )
      AND (
        [score_work_smb_capability] = [best_score_work]
      )
      THEN 1
      ELSE [best_first_work] = 1
    END AS [sel_work] /* designations.tier:78 */
  FROM work_3
), [work_5] AS (
  SELECT
    *,
    CASE
      WHEN [sel_work] = 0
      THEN [lvl_work_enterprise]
      WHEN [sel_work] = 1
      THEN [lvl_work_smb]
      ELSE -1
    END AS [level_work], /* designations.tier:78 */
    CAST(CASE
      WHEN [sel_work] = 0
      THEN [score_work_enterprise_capability]
      ELSE [score_work_smb_capability]
    END AS BIGINT) AS [tscore_work] /* designations.tier:78 */
  FROM work_4
), [ladder] AS (
  SELECT
    *,
    CASE WHEN [certified] >= 2 THEN 1 ELSE 0 END AS [req_ladder_silver_1], /* designations.tier:95 */
    CASE WHEN [certified] >= 4 THEN 1 ELSE 0 END AS [req_ladder_gold_1], /* designations.tier:96 */
    CASE
      WHEN CASE
        WHEN [tier] = 'bronze'
        THEN 0
        WHEN [tier] = 'silver'
        THEN 1
        WHEN [tier] = 'gold'
        THEN 2
      END >= 1
      THEN 1
      ELSE 0
    END AS [req_ladder_gold_2], /* designations.tier:96 */
    CASE WHEN [audited] = 1 THEN 1 ELSE 0 END AS [req_ladder_platinum_1] /* designations.tier:97 */
  FROM work_5
), [ladder_2] AS (
  SELECT
    *,
    CASE
      WHEN (
        [req_ladder_platinum_1] = 1
      )
      THEN 2
      WHEN (
        (
          [req_ladder_gold_1] = 1
        ) AND (
          [req_ladder_gold_2] = 1
        )
      )
      AND (
        [req_ladder_silver_1] = 1
      )
      THEN 1
      WHEN (
        [req_ladder_silver_1] = 1
      )
      THEN 0
      ELSE -1
    END AS [lvl_ladder] /* designations.tier:94 */
  FROM ladder
), [status] AS (
  SELECT
    *,
    CASE
      WHEN (
        CASE WHEN [lvl_data] >= 0 THEN 1 ELSE 0 END + CASE WHEN [lvl_security] >= 0 THEN 1 ELSE 0 END + CASE WHEN [level_apps] >= 0 THEN 1 ELSE 0 END + CASE WHEN [level_work] >= 0 THEN 1 ELSE 0 END
      ) >= 1
      THEN 1
      ELSE 0
    END AS [req_status_partner_1], /* designations.tier:102 */
    CASE
      WHEN (
        (
          CASE WHEN [lvl_data] >= 0 THEN 1 ELSE 0 END + CASE WHEN [lvl_security] >= 0 THEN 1 ELSE 0 END + CASE WHEN [level_apps] >= 0 THEN 1 ELSE 0 END + CASE WHEN [level_work] >= 0 THEN 1 ELSE 0 END
        ) >= 4
      )
      AND (
        [score_data_capability] >= 90000000
      )
      THEN 1
      ELSE 0
    END AS [req_status_cloud_1] /* designations.tier:103 */
  FROM ladder_2
), [status_2] AS (
  SELECT
    *,
    CASE
      WHEN (
        [req_status_cloud_1] = 1
      )
      AND (
        (
          [req_status_partner_1] = 1
        ) AND (
          1 = 1
        )
      )
      THEN 2
      WHEN (
        [req_status_partner_1] = 1
      ) AND (
        1 = 1
      )
      THEN 1
      WHEN 1 = 1
      THEN 0
      ELSE -1
    END AS [lvl_status] /* designations.tier:100 */
  FROM status
), [score_quotients] AS (
  SELECT
    *,
    FLOOR(
      CAST((
        CAST([score_security_capability] AS NUMERIC(38, 0))
      ) * 1000000 AS FLOAT) / 3750000000
    ) - CASE
      WHEN FLOOR(
        CAST((
          CAST([score_security_capability] AS NUMERIC(38, 0))
        ) * 1000000 AS FLOAT) / 3750000000
      ) * 3750000000 > (
        CAST([score_security_capability] AS NUMERIC(38, 0))
      ) * 1000000
      THEN 1
      ELSE 0
    END + CASE
      WHEN (
        FLOOR(
          CAST((
            CAST([score_security_capability] AS NUMERIC(38, 0))
          ) * 1000000 AS FLOAT) / 3750000000
        ) + 1
      ) * 3750000000 <= (
        CAST([score_security_capability] AS NUMERIC(38, 0))
      ) * 1000000
      THEN 1
      ELSE 0
    END AS [quotient:security]
  FROM status_2
), [score_units] /* each score in millionths, rounded half-even */ AS (
  SELECT
    *,
    [quotient:security] + CASE
      WHEN (
        (
          (
            CAST([score_security_capability] AS NUMERIC(38, 0))
          ) * 1000000 - [quotient:security] * 3750000000
        ) * 2 > 3750000000
      )
      OR (
        (
          (
            (
              CAST([score_security_capability] AS NUMERIC(38, 0))
            ) * 1000000 - [quotient:security] * 3750000000
          ) * 2 = 3750000000
        )
        AND (
          [quotient:security] % 2 <> 0
        )
      )
      THEN 1
      ELSE 0
    END AS [units:security]
  FROM score_quotients
), [results] /* level of each track as text, score as an exact decimal */ AS (
  SELECT
    [partner_id] AS [partner_id],
    CASE WHEN [lvl_data] = 0 THEN 'designated' END AS [level:data],
    CAST([score_data_capability] * 0.000001 AS NUMERIC(38, 6)) AS [score:data],
    CASE WHEN [lvl_security] = 0 THEN 'designated' END AS [level:security],
    CAST([units:security] * 0.000001 AS NUMERIC(38, 6)) AS [score:security],
    CASE WHEN [level_apps] = 0 THEN 'designated' END AS [level:apps],
    CAST(CAST([tscore_apps] AS NUMERIC(38, 0)) AS NUMERIC(38, 6)) AS [score:apps],
    CASE WHEN [level_work] = 0 THEN 'designated' END AS [level:work],
    CAST(CAST([tscore_work] AS NUMERIC(38, 0)) AS NUMERIC(38, 6)) AS [score:work],
    CASE
      WHEN [lvl_ladder] = 0
      THEN 'silver'
      WHEN [lvl_ladder] = 1
      THEN 'gold'
      WHEN [lvl_ladder] = 2
      THEN 'platinum'
    END AS [level:ladder],
    CASE
      WHEN [lvl_status] = 0
      THEN 'member'
      WHEN [lvl_status] = 1
      THEN 'partner'
      WHEN [lvl_status] = 2
      THEN 'cloud'
    END AS [level:status]
  FROM score_units
)
SELECT
  [results].[partner_id] AS [partner_id],
  [tracks].[track] AS [track],
  CASE
    WHEN [n] = 0
    THEN [level:data]
    WHEN [n] = 1
    THEN [level:security]
    WHEN [n] = 2
    THEN [level:apps]
    WHEN [n] = 3
    THEN [level:work]
    WHEN [n] = 4
    THEN [level:ladder]
    WHEN [n] = 5
    THEN [level:status]
  END AS [level],
  CAST(CASE
    WHEN [n] = 0
    THEN [score:data]
    WHEN [n] = 1
    THEN [score:security]
    WHEN [n] = 2
    THEN [score:apps]
    WHEN [n] = 3
    THEN [score:work]
  END AS NUMERIC(38, 6)) AS [score]
FROM results
CROSS JOIN (VALUES
  (0, 'data'),
  (1, 'security'),
  (2, 'apps'),
  (3, 'work'),
  (4, 'ladder'),
  (5, 'status')) AS [tracks]([n], [track]);
