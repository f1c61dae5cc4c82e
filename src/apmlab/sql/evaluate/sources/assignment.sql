-- ACO assignment (mssp stage): one ACO per beneficiary-year; where the table holds both
-- assignment methods for a year, the lowest ACO id is kept (they rarely differ).
SELECT person_id, CAST(year AS INTEGER) AS year, min(aco_id) AS entity_id
FROM mssp_assignment
WHERE aco_id IS NOT NULL
GROUP BY person_id, year
