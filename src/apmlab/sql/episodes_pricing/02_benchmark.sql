-- Benchmark prices per model, performance year and MS-DRG, for each hospital and region:
-- the weighted mean of the baseline years' mean capped, risk-standardised episode payment
-- (capped payment / risk multiplier). Baseline = the 3 years before the performance year,
-- weighted oldest to newest as the spec says (CJR equal, TEAM 17/33/50); each baseline year
-- is trended to the most recent one by the national change in mean payment for the MS-DRG
-- (510.300(b)(1)). Baseline years missing from the data are left out and the weights of the
-- rest rescaled; baseline_years says how many were used.
WITH ep AS (
    SELECT
        c.model,
        c.anchor_drg,
        c.hospital_ccn,
        c.region,
        c.performance_year AS year,
        c.capped_payment / r.risk_multiplier AS standardized
    FROM episodes_capped AS c
    INNER JOIN episodes_pricing_risk AS r ON r.episode_id = c.episode_id
    WHERE NOT c.cancelled
),
national AS (
    SELECT model, anchor_drg, year, avg(standardized) AS mean_payment
    FROM ep
    GROUP BY model, anchor_drg, year
),
trended AS (
    SELECT
        b.model,
        b.year AS performance_year,
        ep.anchor_drg,
        ep.hospital_ccn,
        ep.region,
        ep.year AS baseline_year,
        b.weight,
        ep.standardized * latest.mean_payment / yearly.mean_payment AS payment
    FROM episodes_ref_baseline AS b
    INNER JOIN ep ON ep.model = b.model AND ep.year = b.year - b.year_offset
    INNER JOIN national AS yearly
        ON yearly.model = ep.model AND yearly.anchor_drg = ep.anchor_drg
        AND yearly.year = ep.year
    INNER JOIN national AS latest
        ON latest.model = ep.model AND latest.anchor_drg = ep.anchor_drg
        AND latest.year = b.year - 1
),
units AS (
    SELECT 'hospital' AS level, hospital_ccn AS unit, trended.* FROM trended
    UNION ALL
    SELECT 'region' AS level, region AS unit, trended.* FROM trended
),
unit_year AS (
    SELECT level, model, performance_year, anchor_drg, unit, baseline_year,
        max(weight) AS weight, avg(payment) AS mean_payment, count(*) AS episodes
    FROM units
    GROUP BY level, model, performance_year, anchor_drg, unit, baseline_year
)
SELECT
    level,
    model,
    performance_year,
    anchor_drg,
    unit,
    sum(weight * mean_payment) / sum(weight) AS benchmark,
    sum(episodes) AS baseline_episodes,
    count(*) AS baseline_years
FROM unit_year
GROUP BY level, model, performance_year, anchor_drg, unit
