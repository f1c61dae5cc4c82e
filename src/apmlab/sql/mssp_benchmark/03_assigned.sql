-- The beneficiaries of each ACO agreement by year: benchmark-year assignment before the
-- agreement starts (mssp_benchmark_assignment), performance-year assignment from its start
-- (mssp_assignment), both by the assignment method $method, with their truncated and
-- untruncated expenditure, risk scores and county.
WITH assigned AS (
    SELECT model, aco_id, agreement_start, year, person_id
    FROM mssp_benchmark_assignment
    WHERE method = $method
    UNION ALL
    SELECT a.model, a.aco_id, g.agreement_start, a.year, a.person_id
    FROM mssp_assignment AS a
    INNER JOIN mssp_agreement AS g ON g.model = a.model AND g.aco_id = a.aco_id
    WHERE a.method = $method AND a.year >= g.agreement_start
)
SELECT
    a.model,
    a.aco_id,
    a.agreement_start,
    a.year,
    t.person_id,
    t.enrollment_type,
    t.county_fips,
    t.dual,
    t.person_years,
    t.expenditure_truncated,
    t.expenditure,
    t.risk_score,
    t.demographic_score
FROM assigned AS a
INNER JOIN mssp_assignable_truncated AS t ON t.person_id = a.person_id AND t.year = a.year
