-- Episodes compared for one bundled-payment model ($model): episodes anchored at its
-- participant hospitals (treated; cohort = the hospital's first participating year) and at
-- hospitals in no model of $family (comparison), in the episode lists of $model.
-- Unit and cluster are the anchor hospital; so is the entity of treated episodes. The
-- case-mix columns feed the comparison weights (apmlab.evaluate.panel.episode_panel).
WITH hospital AS (
    SELECT ccn, year(min(start_date)) AS cohort
    FROM participation
    WHERE model = $model AND ccn IS NOT NULL
    GROUP BY ccn
),
excluded AS (
    SELECT DISTINCT ccn FROM participation WHERE list_contains($family, model) AND ccn IS NOT NULL
)
SELECT
    e.episode_id,
    e.ccn AS unit_id,
    e.ccn AS cluster_id,
    e.year,
    CASE WHEN h.ccn IS NULL THEN 0 ELSE 1 END AS treated,
    coalesce(h.cohort, 0) AS cohort,
    h.ccn AS entity_id,
    CASE WHEN h.ccn IS NOT NULL AND e.year >= h.cohort THEN 1 ELSE 0 END AS treat_post,
    CASE WHEN h.ccn IS NOT NULL AND e.year >= h.cohort THEN 1 ELSE 0 END AS exposed,
    e.episode_spending,
    e.post_acute_spending,
    e.anchor_drg,
    e.age_band,
    e.dual,
    e.hcc_count_band
FROM evaluate_source_episode AS e
LEFT JOIN hospital AS h ON h.ccn = e.ccn
WHERE e.model = $model
    AND (h.ccn IS NOT NULL OR e.ccn NOT IN (SELECT ccn FROM excluded))
