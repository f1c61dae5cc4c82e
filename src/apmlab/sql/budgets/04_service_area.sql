-- Population growth of each model hospital's service area, for the demographic adjustment:
-- the growth from the prior year of Medicare FFS person-years in each area (the patient's
-- county, else state), weighted by the hospital's prior-year revenue from that area. HSCRC
-- weights zip codes and age cohorts (population aging); apmlab uses counties and no age
-- weighting. An area with no person-years in the year counts as a 100% decline.
WITH area_person_years AS (
    SELECT
        coalesce(county_fips, state, 'unknown') AS area,
        year,
        sum(person_years) AS person_years
    FROM core_beneficiary_year
    GROUP BY coalesce(county_fips, state, 'unknown'), year
),
hospital_area AS (
    SELECT
        l.facility_ccn AS ccn,
        l.year,
        coalesce(b.county_fips, b.state, 'unknown') AS area,
        sum(l.paid_amount) AS revenue
    FROM core_claim_line AS l
    INNER JOIN budgets_hospital AS h ON h.ccn = l.facility_ccn
    LEFT JOIN core_beneficiary_year AS b ON b.person_id = l.person_id AND b.year = l.year
    WHERE l.claim_type = 'institutional'
        AND l.service_category IN ('inpatient_acute', 'inpatient_other', 'outpatient')
    GROUP BY l.facility_ccn, l.year, coalesce(b.county_fips, b.state, 'unknown')
),
weight AS (
    SELECT
        ccn,
        year,
        area,
        revenue / sum(revenue) OVER (PARTITION BY ccn, year) AS weight
    FROM hospital_area
    WHERE revenue > 0
)
SELECT
    w.ccn,
    w.year + 1 AS year,
    sum(w.weight * (coalesce(cur.person_years, 0) / prev.person_years - 1)) AS population_growth
FROM weight AS w
INNER JOIN area_person_years AS prev ON prev.area = w.area AND prev.year = w.year
LEFT JOIN area_person_years AS cur ON cur.area = w.area AND cur.year = w.year + 1
WHERE prev.person_years > 0
    AND w.year + 1 IN (SELECT year FROM core_calendar_month)
GROUP BY w.ccn, w.year + 1
