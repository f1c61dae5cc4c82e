-- The person-year rows of the compared beneficiaries (evaluate_units: one model's units
-- with their cluster, entity and propensity weight), every year they were enrolled, and whether
-- that year they were exposed to $model (evaluate_exposure).
SELECT
    y.*,
    u.person_id AS unit_id,
    u.cluster_id,
    u.treated,
    u.cohort,
    u.entity_id,
    CASE WHEN u.treated = 1 AND y.year >= u.cohort THEN 1 ELSE 0 END AS treat_post,
    CASE WHEN x.person_id IS NULL THEN 0 ELSE 1 END AS exposed,
    y.person_years * u.propensity_weight AS weight
FROM evaluate_person_year AS y
INNER JOIN evaluate_units AS u ON u.person_id = y.person_id
LEFT JOIN evaluate_exposure AS x
    ON x.person_id = y.person_id AND x.year = y.year AND x.model = $model
