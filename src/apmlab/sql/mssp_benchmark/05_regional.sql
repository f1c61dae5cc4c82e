-- Regional values of each ACO agreement by year and enrollment type. The regional service
-- area is the counties where the ACO's assigned beneficiaries live; each county is weighted
-- by the ACO's assigned beneficiaries of the enrollment type residing there over all its
-- assigned beneficiaries of that type (42 CFR 425.654(b), 425.601(d)):
--   regional_per_capita: risk-adjusted county expenditure (expenditure per person-year
--     divided by the county's mean prospective HCC score, 425.654(a)(4)), weighted;
--   regional_risk / regional_demographic: county mean risk scores, weighted (425.655(c));
--   market_share: county share of assignable beneficiaries assigned to the ACO, weighted
--     (425.652(a)(5)(v) and (b)(2)(iv), by enrollment type as 425.655(e)(2) uses it).
WITH aco_county AS (
    SELECT model, aco_id, agreement_start, year, enrollment_type, county_fips,
        count(*) AS assigned
    FROM mssp_benchmark_assigned
    GROUP BY model, aco_id, agreement_start, year, enrollment_type, county_fips
),
weighted AS (
    SELECT
        a.*,
        a.assigned / sum(a.assigned) OVER (
            PARTITION BY a.model, a.aco_id, a.agreement_start, a.year, a.enrollment_type
        ) AS weight,
        c.expenditure / c.risk_person_years AS county_risk_adjusted,
        c.risk_person_years / c.person_years AS county_risk,
        c.demographic_person_years / c.person_years AS county_demographic,
        a.assigned / c.beneficiaries AS county_share
    FROM aco_county AS a
    INNER JOIN mssp_benchmark_county AS c
        ON c.year = a.year AND c.county_fips = a.county_fips
        AND c.enrollment_type = a.enrollment_type
)
SELECT
    model,
    aco_id,
    agreement_start,
    year,
    enrollment_type,
    count(*) AS counties,
    sum(weight * county_risk_adjusted) AS regional_per_capita,
    sum(weight * county_risk) AS regional_risk,
    sum(weight * county_demographic) AS regional_demographic,
    sum(weight * county_share) AS market_share
FROM weighted
GROUP BY model, aco_id, agreement_start, year, enrollment_type
