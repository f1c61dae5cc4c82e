-- One row per beneficiary and month of enrollment, alive at the start of the month.
-- Overlapping spans of one person: the span that started last describes the month.
-- Enrollment type per month, as the Shared Savings Program defines the four types
-- (42 CFR 425.20 "Assignable beneficiary", 425.652(a)(2)): ESRD (Medicare status 11, 21,
-- 31) first, then disabled (status 20), then aged dual (any full or partial Medicaid
-- benefit that month), else aged non-dual.
WITH spans AS (
    SELECT
        e.*,
        c.year,
        c.month,
        c.month_start,
        row_number() OVER (
            PARTITION BY e.person_id, c.year, c.month
            ORDER BY e.enrollment_start_date DESC, e.enrollment_end_date DESC
        ) AS span_rank
    FROM eligibility AS e
    INNER JOIN core_calendar_month AS c
        ON e.enrollment_start_date <= c.month_end
        AND e.enrollment_end_date >= c.month_start
        AND (e.death_date IS NULL OR e.death_date >= c.month_start)
)
SELECT
    person_id,
    year,
    month,
    month_start,
    CASE
        WHEN medicare_status_code IN ('11', '21', '31') THEN 'esrd'
        WHEN medicare_status_code = '20' THEN 'disabled'
        WHEN dual_status_code IN ('01', '02', '03', '04', '05', '06', '08') THEN 'aged_dual'
        ELSE 'aged_non_dual'
    END AS enrollment_type,
    CASE
        WHEN dual_status_code IN ('02', '04', '08') THEN 'full'
        WHEN dual_status_code IN ('01', '03', '05', '06') THEN 'partial'
        ELSE 'none'
    END AS dual_status,
    medicare_status_code,
    original_reason_entitlement_code,
    part_a_flag AS part_a,
    part_b_flag AS part_b,
    hospice_flag AS hospice,
    long_term_institutional_flag AS institutional,
    birth_date,
    death_date,
    gender,
    race,
    state,
    county_fips
FROM spans
WHERE span_rank = 1
