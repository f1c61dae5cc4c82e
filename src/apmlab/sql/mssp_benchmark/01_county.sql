-- County values by year and enrollment type over the assignable population (42 CFR
-- 425.654(a)(1)-(4), 425.601(c)): truncated expenditure, person-years and the
-- person-year-weighted sums of prospective HCC and demographic risk scores.
-- beneficiaries: persons with months of the type (one row each in mssp_assignable).
SELECT
    year,
    county_fips,
    enrollment_type,
    count(*) AS beneficiaries,
    sum(person_years) AS person_years,
    sum(expenditure_truncated) AS expenditure,
    sum(risk_score * person_years) AS risk_person_years,
    sum(demographic_score * person_years) AS demographic_person_years
FROM mssp_assignable_truncated
GROUP BY year, county_fips, enrollment_type
