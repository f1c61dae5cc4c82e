-- Assignable beneficiary-years (42 CFR 425.20 "assignable beneficiary"): enrolled in both
-- Part A and Part B in every enrolled month of the calendar year, with at least one primary
-- care service (425.400(c)) from a primary care physician, a non-physician practitioner or
-- a step-two specialist in the year (its retrospective window: the emergency's extra codes
-- count when the year includes the emergency, 425.400(c)(2)). They are the population of
-- the national and county (regional) expenditures and of the 99th-percentile truncation
-- (425.652(a)(4), 425.654(a)). Expenditure excludes IME, DSH and uncompensated care payments
-- (425.652(a)(1)(i)). Risk scores come from mssp_risk_input (apmlab.mssp.benchmark).
-- County is the county of residence at the last enrolled month of the year.
SELECT
    b.person_id,
    b.year,
    b.enrollment_type,
    b.person_years,
    coalesce(b.county_fips, 'unknown') AS county_fips,
    b.dual,
    b.total_paid_excl_supplemental AS expenditure,
    r.risk_score,
    r.demographic_score
FROM core_beneficiary_year AS b
INNER JOIN mssp_risk_input AS r ON r.person_id = b.person_id AND r.year = b.year
WHERE b.months_part_ab > 0
    AND b.months_part_ab = b.months_enrolled
    AND EXISTS (
        SELECT 1
        FROM mssp_primary_care_service AS s
        INNER JOIN mssp_assignment_window AS w
            ON w.year = s.year AND w.method = 'retrospective'
        WHERE s.person_id = b.person_id AND s.year = b.year
            AND (s.services > 0 OR (w.includes_phe AND s.phe_services > 0))
    )
