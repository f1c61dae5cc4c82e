-- Target price per episode. Blend of hospital and regional benchmarks with the year's
-- hospital weight (regional only under low_volume_min baseline episodes, 510.300(b)(3)),
-- times the prospective trend (the benchmark's projected_trend from the latest baseline year
-- to the performance year, times 1 + the spec's fixed prospective_trend), times the episode's
-- risk multiplier (510.301(a), 512.545(a)),
-- times the retrospective (market) trend factor where the year's rules have one: the
-- regional mean standardised payment of the performance year over the regional benchmark,
-- bounded when the spec gives a bound (510.301(b), 512.545). The discount (510.300(c),
-- 512.540) gives target_price; the reconciliation applies the quality-adjusted discount.
-- Episodes with no regional benchmark (no baseline year in the data) get no target.
WITH priced AS (
    SELECT
        c.*,
        r.risk_multiplier,
        y.rules_year,
        y.label AS performance_year_label,
        coalesce(dt.discount, y.discount) AS discount,
        coalesce(dt.discount, y.repayment_discount) AS repayment_discount,
        CASE WHEN coalesce(hb.baseline_episodes, 0) < m.low_volume_min
            OR hb.benchmark IS NULL THEN 0.0 ELSE y.hospital_weight END AS hospital_weight,
        hb.benchmark AS hospital_benchmark,
        rb.benchmark AS regional_benchmark,
        rb.baseline_years,
        (1 + y.prospective_trend) * rb.projected_trend AS prospective_trend_factor,
        y.retrospective_trend,
        m.retro_trend_bound
    FROM episodes_capped AS c
    INNER JOIN episodes_pricing_risk AS r ON r.episode_id = c.episode_id
    INNER JOIN episodes_ref_year AS y ON y.model = c.model AND y.year = c.performance_year
    INNER JOIN episodes_ref_model AS m ON m.model = c.model
    LEFT JOIN episodes_ref_discount AS dt
        ON dt.model = c.model AND dt.year = c.performance_year
        AND dt.episode_type = c.episode_type
    LEFT JOIN episodes_pricing_benchmark AS hb
        ON hb.level = 'hospital' AND hb.model = c.model
        AND hb.performance_year = c.performance_year
        AND hb.price_cell = c.price_cell AND hb.unit = c.hospital_ccn
    LEFT JOIN episodes_pricing_benchmark AS rb
        ON rb.level = 'region' AND rb.model = c.model
        AND rb.performance_year = c.performance_year
        AND rb.price_cell = c.price_cell AND rb.unit = c.region
),
blended AS (
    SELECT
        p.*,
        (p.hospital_weight * coalesce(p.hospital_benchmark, 0)
            + (1 - p.hospital_weight) * p.regional_benchmark)
            * p.prospective_trend_factor AS benchmark_price
    FROM priced AS p
),
market AS (
    SELECT
        b.model,
        b.price_cell,
        b.region,
        b.performance_year,
        avg(b.capped_payment / b.risk_multiplier)
            / max(b.regional_benchmark * b.prospective_trend_factor) AS observed_trend
    FROM blended AS b
    WHERE NOT b.cancelled AND b.regional_benchmark IS NOT NULL
    GROUP BY b.model, b.price_cell, b.region, b.performance_year
),
trended AS (
    SELECT
        b.*,
        CASE
            WHEN NOT b.retrospective_trend OR mk.observed_trend IS NULL THEN 1.0
            WHEN b.retro_trend_bound IS NULL THEN mk.observed_trend
            ELSE greatest(1 - b.retro_trend_bound, least(1 + b.retro_trend_bound, mk.observed_trend))
        END AS retrospective_trend_factor
    FROM blended AS b
    LEFT JOIN market AS mk
        ON mk.model = b.model AND mk.price_cell = b.price_cell
        AND mk.region = b.region AND mk.performance_year = b.performance_year
)
SELECT
    t.* EXCLUDE (retrospective_trend, retro_trend_bound),
    t.benchmark_price * t.risk_multiplier * t.retrospective_trend_factor
        AS target_before_discount,
    t.benchmark_price * t.risk_multiplier * t.retrospective_trend_factor * (1 - t.discount)
        AS target_price
FROM trended AS t
