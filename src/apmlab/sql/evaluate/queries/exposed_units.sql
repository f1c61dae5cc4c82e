-- Exposed person-years of one model ($model) over the whole population (not only the
-- compared cohort): the person-years it was accountable for (evaluate_exposure).
SELECT coalesce(sum(y.person_years), 0) AS exposed
FROM evaluate_person_year AS y
INNER JOIN evaluate_exposure AS x
    ON x.person_id = y.person_id AND x.year = y.year AND x.model = $model
