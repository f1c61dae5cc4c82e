-- The treated group of each entity, fixed before the entity started (intent to treat):
-- beneficiaries attributed to it in the year before its first participating year,
--   ACOs (mssp, reach): their plurality primary-care TIN that year is a participant TIN;
--   global_budget: they lived in the participating state that year.
-- Attribution is decided before the start so that it cannot depend on care received under
-- the model (assignment in a performance year requires visits in that year, which selects
-- beneficiaries whose spending was rising). cohort is the entity's first year.
WITH entity AS (
    SELECT model, entity_id, year(min(start_date)) AS cohort
    FROM participation
    GROUP BY model, entity_id
),
aco_tin AS (
    SELECT DISTINCT model, entity_id, tin
    FROM participation
    WHERE model IN ('mssp', 'reach') AND tin IS NOT NULL
),
state_member AS (
    SELECT DISTINCT model, entity_id, state
    FROM participation
    WHERE model = 'global_budget' AND state IS NOT NULL AND tin IS NULL AND ccn IS NULL
),
attributed AS (
    SELECT a.model, a.entity_id, e.cohort, c.person_id, 'primary_care_tin' AS basis
    FROM aco_tin AS a
    INNER JOIN entity AS e ON e.model = a.model AND e.entity_id = a.entity_id
    INNER JOIN evaluate_primary_care_tin AS c ON c.tin = a.tin AND c.year = e.cohort - 1
    UNION ALL
    SELECT m.model, m.entity_id, e.cohort, b.person_id, 'state_residence' AS basis
    FROM state_member AS m
    INNER JOIN entity AS e ON e.model = m.model AND e.entity_id = m.entity_id
    INNER JOIN core_beneficiary_year AS b ON b.state = m.state AND b.year = e.cohort - 1
)
SELECT
    model,
    person_id,
    min(cohort) AS cohort,
    min_by(entity_id, cohort) AS entity_id,
    min(basis) AS basis
FROM attributed
GROUP BY model, person_id
