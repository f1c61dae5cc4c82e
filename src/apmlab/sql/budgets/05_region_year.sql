-- Medicare Parts A and B spending and person-years by year of each region of the model
-- ($model: the states of its participation rows that name no hospital) and of the
-- comparison, every beneficiary living in another state (the rest of the nation). The
-- Maryland TCOC test compares Maryland's per-capita Medicare TCOC with the national one
-- (innovation.cms.gov/initiatives/md-tccm). Beneficiary-years with no known state are left
-- out of both.
WITH region AS (
    SELECT
        state,
        min(year(start_date)) AS start_year,
        max(coalesce(year(end_date), 9999)) AS end_year
    FROM participation
    WHERE model = $model AND ccn IS NULL AND state IS NOT NULL
    GROUP BY state
)
SELECT
    coalesce(r.state, '(comparison)') AS area,
    r.state IS NOT NULL AS is_region,
    max(r.start_year) AS start_year,
    max(r.end_year) AS end_year,
    b.year,
    count(*) AS beneficiaries,
    sum(b.person_years) AS person_years,
    sum(b.total_paid) AS total_paid,
    sum(b.total_paid) / sum(b.person_years) AS per_capita
FROM core_beneficiary_year AS b
LEFT JOIN region AS r ON r.state = b.state
WHERE b.state IS NOT NULL AND b.person_years > 0
GROUP BY coalesce(r.state, '(comparison)'), r.state IS NOT NULL, b.year
