-- Each ACO agreement's share of the assignable beneficiaries of its regional service area,
-- over all enrollment types (42 CFR 425.652(a)(5)(v), (b)(2)(iv); 425.601(a)(5)(v)): the
-- county shares weighted by the ACO's assigned beneficiaries residing in each county. It is
-- the weight of national growth in the national-regional blend. Beneficiaries are persons:
-- one whose year is split between enrollment types counts once.
WITH aco_county AS (
    SELECT model, aco_id, agreement_start, year, county_fips,
        count(DISTINCT person_id) AS assigned
    FROM mssp_benchmark_assigned
    GROUP BY model, aco_id, agreement_start, year, county_fips
),
county AS (
    SELECT year, county_fips, count(DISTINCT person_id) AS assignable
    FROM mssp_assignable_truncated
    GROUP BY year, county_fips
)
SELECT
    a.model,
    a.aco_id,
    a.agreement_start,
    a.year,
    sum(a.assigned * a.assigned / c.assignable) / sum(a.assigned) AS market_share
FROM aco_county AS a
INNER JOIN county AS c ON c.year = a.year AND c.county_fips = a.county_fips
GROUP BY a.model, a.aco_id, a.agreement_start, a.year
