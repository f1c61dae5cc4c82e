-- Beneficiary-year outcomes and covariates of the evaluation panel. Outcomes are per
-- person-year (the year's amount divided by its enrolled person-years), to be weighted by
-- person-years, so a weighted mean is the CMS per-capita figure (total / person-years) and
-- part-year enrollees and decedents count for the months they were enrolled.
-- spending is total Parts A and B paid (IME, DSH and uncompensated care included: they are
-- Medicare outlays). A county is rural when most of its providers carry the rural flag.
WITH county AS (
    SELECT county_fips, avg(CASE WHEN rural_flag THEN 1.0 ELSE 0.0 END) > 0.5 AS rural
    FROM provider
    WHERE county_fips IS NOT NULL
    GROUP BY county_fips
)
SELECT
    b.person_id,
    b.year,
    b.person_years,
    b.state,
    b.county_fips,
    coalesce(c.rural, FALSE) AS rural,
    b.age,
    CASE WHEN b.gender = 'female' THEN 1 ELSE 0 END AS female,
    CASE WHEN b.dual THEN 1 ELSE 0 END AS dual,
    b.enrollment_type,
    r.risk_score,
    b.total_paid / b.person_years AS spending,
    (b.paid_inpatient_acute + b.paid_inpatient_other) / b.person_years AS spending_inpatient,
    (b.paid_snf + b.paid_home_health) / b.person_years AS spending_post_acute,
    b.paid_outpatient / b.person_years AS spending_outpatient,
    b.paid_professional / b.person_years AS spending_professional,
    (b.paid_hospice + b.paid_dme + b.paid_other) / b.person_years AS spending_other,
    b.admissions / b.person_years AS admissions,
    b.ed_visits / b.person_years AS ed_visits,
    b.snf_days / b.person_years AS snf_days,
    CASE WHEN b.died THEN 1.0 ELSE 0.0 END / b.person_years AS deaths
FROM core_beneficiary_year AS b
LEFT JOIN county AS c ON c.county_fips = b.county_fips
LEFT JOIN evaluate_source_risk AS r ON r.person_id = b.person_id AND r.year = b.year
WHERE b.person_years > 0
