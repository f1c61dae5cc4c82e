-- Exposed beneficiary-years, one row per model, beneficiary and year (the lowest entity id
-- if two entities of one model claim the same person-year): the person-years a model was
-- accountable for, which its estimated effect per person-year is applied to.
--   global_budget, 'state_residence': residents of a participating state (participation
--     rows with a state and neither TIN nor CCN);
--   mssp / reach, 'assignment': assigned to a participating ACO in mssp_assignment;
--   mssp / reach, 'plurality_tin': only for a model with no assignment rows at all, the
--     beneficiary's plurality primary-care TIN (evaluate_primary_care_tin) is a
--     participant TIN of the ACO.
-- Only years inside the entity's participation (start_date to end_date) count.
WITH entity AS (
    SELECT
        model,
        entity_id,
        year(min(start_date)) AS first_year,
        year(max(coalesce(end_date, DATE '9999-12-31'))) AS last_year
    FROM participation
    GROUP BY model, entity_id
),
state_member AS (
    SELECT DISTINCT model, entity_id, state
    FROM participation
    WHERE model = 'global_budget' AND state IS NOT NULL AND tin IS NULL AND ccn IS NULL
),
aco_tin AS (
    SELECT DISTINCT model, entity_id, tin
    FROM participation
    WHERE model IN ('mssp', 'reach') AND tin IS NOT NULL
),
assigned AS (
    SELECT e.model, a.entity_id, a.person_id, a.year, 'assignment' AS source
    FROM evaluate_source_assignment AS a
    INNER JOIN entity AS e ON e.entity_id = a.entity_id AND e.model IN ('mssp', 'reach')
),
exposed AS (
    SELECT m.model, m.entity_id, b.person_id, b.year, 'state_residence' AS source
    FROM core_beneficiary_year AS b
    INNER JOIN state_member AS m ON m.state = b.state
    UNION ALL
    SELECT model, entity_id, person_id, year, source FROM assigned
    UNION ALL
    SELECT t.model, t.entity_id, c.person_id, c.year, 'plurality_tin' AS source
    FROM evaluate_primary_care_tin AS c
    INNER JOIN aco_tin AS t ON t.tin = c.tin
    WHERE t.model NOT IN (SELECT model FROM assigned)
)
SELECT
    x.model,
    x.person_id,
    x.year,
    min(x.entity_id) AS entity_id,
    min(x.source) AS source
FROM exposed AS x
INNER JOIN entity AS e ON e.model = x.model AND e.entity_id = x.entity_id
WHERE x.year BETWEEN e.first_year AND e.last_year
GROUP BY x.model, x.person_id, x.year
