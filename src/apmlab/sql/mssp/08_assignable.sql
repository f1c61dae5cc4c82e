-- Assignable beneficiaries (42 CFR 425.20 "assignable beneficiary"), one row per person,
-- year and enrollment type: the person-year is enrolled in both Part A and Part B in every
-- enrolled month of the calendar year, with at least one primary care service
-- (425.400(c)) from a primary care physician, a non-physician practitioner or a step-two
-- specialist in the year (its retrospective window: the emergency's extra codes count when
-- the year includes the emergency, 425.400(c)(2)). They are the population of the national
-- and county (regional) expenditures and of the 99th-percentile truncation (425.652(a)(4),
-- 425.654(a)).
-- As CMS's Shared Savings and Losses, Assignment and Quality Performance Standard
-- Methodology Specifications do, a person-year is split by enrollment type (425.652(a)(2),
-- 425.654(a)(1)): each enrolled month counts 1/12 person-year in that month's type, and each
-- claim counts in the type of the month of its through date (a claim in a month without
-- enrollment counts in the person-year's type, core_beneficiary_year.enrollment_type, so no
-- dollar is lost). A person-year of one type takes its whole-year expenditure from
-- core_beneficiary_year; only the claims of person-years that change type are read again, by
-- month. Expenditure excludes IME, DSH and uncompensated care payments
-- (425.652(a)(1)(i)). Every row of a person-year carries the person-year's county, dual
-- flag and risk scores (mssp_risk_input, apmlab.mssp.benchmark): CMS scores ESRD months with
-- its ESRD model, which is not implemented. County is the county of residence at the last
-- enrolled month of the year.
WITH eligible AS (
    SELECT
        b.person_id,
        b.year,
        b.enrollment_type AS year_type,
        coalesce(b.county_fips, 'unknown') AS county_fips,
        b.dual,
        b.total_paid_excl_supplemental AS year_expenditure,
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
),
months AS (
    SELECT m.person_id, m.year, m.month, m.enrollment_type
    FROM core_beneficiary_month AS m
    INNER JOIN eligible AS e ON e.person_id = m.person_id AND e.year = m.year
),
type_years AS (
    SELECT person_id, year, enrollment_type, count(*) / 12.0 AS person_years
    FROM months
    GROUP BY person_id, year, enrollment_type
),
type_changes AS (
    SELECT person_id, year
    FROM type_years
    GROUP BY person_id, year
    HAVING count(*) > 1
),
type_spending AS (
    SELECT
        c.person_id,
        c.year,
        coalesce(m.enrollment_type, e.year_type) AS enrollment_type,
        sum(c.paid_amount - c.supplemental_amount) AS expenditure
    FROM core_claim_line AS c
    INNER JOIN type_changes AS x ON x.person_id = c.person_id AND x.year = c.year
    INNER JOIN eligible AS e ON e.person_id = c.person_id AND e.year = c.year
    LEFT JOIN months AS m
        ON m.person_id = c.person_id AND m.year = c.year
        AND m.month = month(c.claim_end_date)
    GROUP BY c.person_id, c.year, coalesce(m.enrollment_type, e.year_type)
)
SELECT
    e.person_id,
    e.year,
    t.enrollment_type,
    t.person_years,
    e.county_fips,
    e.dual,
    CASE
        WHEN x.person_id IS NULL THEN e.year_expenditure
        ELSE coalesce(s.expenditure, 0)
    END AS expenditure,
    e.risk_score,
    e.demographic_score
FROM eligible AS e
INNER JOIN type_years AS t ON t.person_id = e.person_id AND t.year = e.year
LEFT JOIN type_changes AS x ON x.person_id = e.person_id AND x.year = e.year
LEFT JOIN type_spending AS s
    ON s.person_id = e.person_id AND s.year = e.year AND s.enrollment_type = t.enrollment_type
