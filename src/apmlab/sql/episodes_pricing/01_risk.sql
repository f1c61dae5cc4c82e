-- Beneficiary (and hospital) risk multiplier per episode: exp of the sum of the episode's
-- factor coefficients (episodes_risk_coefficient, fitted in apmlab.episodes.risk; the MS-DRG
-- is one of them for models priced per episode type), divided
-- by the mean over the model's non-canceled episodes of the same type so that risk
-- adjustment is budget neutral (normalisation; 510.301(a), 512.545(a)). Years whose rules
-- have no risk adjustment get 1.
WITH factors AS (
    SELECT
        e.episode_id,
        e.model,
        e.episode_type,
        e.cancelled,
        y.risk_adjusted,
        exp(coalesce(sum(c.coefficient), 0)) AS raw_multiplier
    FROM episodes_capped AS e
    INNER JOIN episodes_ref_year AS y ON y.model = e.model AND y.year = e.performance_year
    LEFT JOIN episodes_risk_coefficient AS c
        ON c.model = e.model
        AND (
            (c.factor = 'hcc_count' AND c.level = e.hcc_count_band)
            OR (c.factor = 'age_band' AND c.level = e.age_band)
            OR (c.factor = 'dual' AND c.level = e.dual)
            OR (c.factor = 'bed_size' AND c.level = e.bed_size)
            OR (c.factor = 'anchor_drg' AND c.level = e.anchor_drg)
        )
    GROUP BY e.episode_id, e.model, e.episode_type, e.cancelled, y.risk_adjusted
)
SELECT
    episode_id,
    CASE
        WHEN risk_adjusted THEN raw_multiplier / avg(CASE WHEN NOT cancelled THEN raw_multiplier END)
            OVER (PARTITION BY model, episode_type)
        ELSE 1.0
    END AS risk_multiplier
FROM factors
