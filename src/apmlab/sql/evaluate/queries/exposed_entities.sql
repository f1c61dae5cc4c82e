-- Exposed person-years of one model ($model) per entity over the whole population: the
-- person-years each entity was accountable for (evaluate_exposure), for per-entity savings.
SELECT x.entity_id, sum(y.person_years) AS exposed
FROM evaluate_person_year AS y
INNER JOIN evaluate_exposure AS x
    ON x.person_id = y.person_id AND x.year = y.year AND x.model = $model
GROUP BY x.entity_id
