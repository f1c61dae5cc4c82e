-- Benchmark prices per model, performance year and price cell, for each hospital and region:
-- the weighted mean of the baseline years' mean capped, risk-standardised episode payment
-- (capped payment / risk multiplier). The price cell is the MS-DRG, or the episode type for a
-- model whose spec prices by episode type (BPCI Advanced's clinical episode categories; the
-- MS-DRG is then in the risk multiplier). Baseline = 3 years ending baseline_lag years before
-- the performance year (episodes_ref_baseline's offsets; 1: the 3 years just before),
-- weighted oldest to newest as the spec says (CJR equal, TEAM 17/33/50); each baseline year
-- is trended to the most recent one in the data by the national change in mean payment for
-- the cell (510.300(b)(1)). Baseline years missing from the data are left out and the
-- weights of the rest rescaled; baseline_years says how many were used.
-- projected_trend carries the benchmark from the latest baseline year to the performance
-- year: the model's national annual growth in mean standardised payment over the baseline
-- years (a fixed-mix index: each cell weighted by its episodes in the latest baseline year),
-- compounded over the years between. It stands for CJR's update of target prices for
-- Medicare payment updates (510.300(a)(2)), TEAM's prospective trend factor and BPCI
-- Advanced's projected peer-group trend; 1 when the spec does not project or there is
-- fewer than 2 baseline years.
WITH ep AS (
    SELECT
        c.model,
        c.price_cell,
        c.hospital_ccn,
        c.region,
        c.performance_year AS year,
        c.capped_payment / r.risk_multiplier AS standardized
    FROM episodes_capped AS c
    INNER JOIN episodes_pricing_risk AS r ON r.episode_id = c.episode_id
    WHERE NOT c.cancelled
),
national AS (
    SELECT model, price_cell, year, avg(standardized) AS mean_payment, count(*) AS episodes
    FROM ep
    GROUP BY model, price_cell, year
),
baseline_span AS (
    SELECT b.model, b.year AS performance_year, min(n.year) AS oldest, max(n.year) AS newest
    FROM episodes_ref_baseline AS b
    INNER JOIN national AS n ON n.model = b.model AND n.year = b.year - b.year_offset
    GROUP BY b.model, b.year
),
projection AS (
    SELECT
        s.model,
        s.performance_year,
        CASE
            WHEN NOT max(m.project_trend) OR max(s.newest) = max(s.oldest) THEN 1.0
            ELSE power(sum(new.episodes * new.mean_payment) / sum(new.episodes * old.mean_payment),
                CAST(max(s.performance_year - s.newest) AS DOUBLE) / max(s.newest - s.oldest))
        END AS projected_trend
    FROM baseline_span AS s
    INNER JOIN episodes_ref_model AS m ON m.model = s.model
    LEFT JOIN national AS new ON new.model = s.model AND new.year = s.newest
    LEFT JOIN national AS old
        ON old.model = s.model AND old.year = s.oldest AND old.price_cell = new.price_cell
    WHERE old.mean_payment IS NOT NULL OR s.newest = s.oldest
    GROUP BY s.model, s.performance_year
),
trended AS (
    SELECT
        b.model,
        b.year AS performance_year,
        ep.price_cell,
        ep.hospital_ccn,
        ep.region,
        ep.year AS baseline_year,
        b.weight,
        ep.standardized * latest.mean_payment / yearly.mean_payment AS payment
    FROM episodes_ref_baseline AS b
    INNER JOIN ep ON ep.model = b.model AND ep.year = b.year - b.year_offset
    INNER JOIN national AS yearly
        ON yearly.model = ep.model AND yearly.price_cell = ep.price_cell
        AND yearly.year = ep.year
    INNER JOIN baseline_span AS s ON s.model = b.model AND s.performance_year = b.year
    INNER JOIN national AS latest
        ON latest.model = ep.model AND latest.price_cell = ep.price_cell
        AND latest.year = s.newest
),
units AS (
    SELECT 'hospital' AS level, hospital_ccn AS unit, trended.* FROM trended
    UNION ALL
    SELECT 'region' AS level, region AS unit, trended.* FROM trended
),
unit_year AS (
    SELECT level, model, performance_year, price_cell, unit, baseline_year,
        max(weight) AS weight, avg(payment) AS mean_payment, count(*) AS episodes
    FROM units
    GROUP BY level, model, performance_year, price_cell, unit, baseline_year
)
SELECT
    u.level,
    u.model,
    u.performance_year,
    u.price_cell,
    u.unit,
    sum(u.weight * u.mean_payment) / sum(u.weight) AS benchmark,
    sum(u.episodes) AS baseline_episodes,
    count(*) AS baseline_years,
    coalesce(max(p.projected_trend), 1.0) AS projected_trend
FROM unit_year AS u
LEFT JOIN projection AS p ON p.model = u.model AND p.performance_year = u.performance_year
GROUP BY u.level, u.model, u.performance_year, u.price_cell, u.unit
