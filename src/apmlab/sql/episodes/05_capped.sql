-- High-cost episodes capped per model, MS-DRG, region and performance year, over the
-- episodes of every hospital in the region that are not canceled: at the mean + k standard
-- deviations (CJR, 510.300(b)(5)) or at a percentile (TEAM, BPCI Advanced: winsorisation
-- at the 99th percentile: the smallest payment whose cumulative share of episodes reaches
-- the percentile, i.e. the nearest-rank percentile). The cap applies to actual payments as well
-- (510.305(e)(1)(i)). price_cell is what one benchmark price covers: the MS-DRG, or the
-- episode type for a model whose spec prices by episode type (BPCI Advanced).
WITH ranked AS (
    SELECT
        e.*,
        e.cancel_reason IS NOT NULL AS cancelled,
        CASE WHEN e.cancel_reason IS NULL THEN cume_dist() OVER (
            PARTITION BY e.model, e.anchor_drg, e.region, e.performance_year,
                e.cancel_reason IS NULL
            ORDER BY e.actual_payment
        ) END AS payment_rank
    FROM episodes_episode AS e
),
cap AS (
    SELECT
        r.model,
        r.anchor_drg,
        r.region,
        r.performance_year,
        CASE
            WHEN max(m.cap_method) = 'mean_plus_sd'
                THEN avg(r.actual_payment) + max(m.cap_sd) * coalesce(stddev_samp(r.actual_payment), 0)
            ELSE min(r.actual_payment) FILTER (WHERE r.payment_rank >= m.cap_percentile)
        END AS cap_amount
    FROM ranked AS r
    INNER JOIN episodes_ref_model AS m ON m.model = r.model
    WHERE NOT r.cancelled
    GROUP BY r.model, r.anchor_drg, r.region, r.performance_year
)
SELECT
    r.* EXCLUDE (payment_rank),
    c.cap_amount,
    least(r.actual_payment, coalesce(c.cap_amount, r.actual_payment)) AS capped_payment,
    CASE WHEN m.price_by = 'episode_type' THEN r.episode_type ELSE r.anchor_drg END
        AS price_cell
FROM ranked AS r
INNER JOIN episodes_ref_model AS m ON m.model = r.model
LEFT JOIN cap AS c
    ON c.model = r.model
    AND c.anchor_drg = r.anchor_drg
    AND c.region = r.region
    AND c.performance_year = r.performance_year
