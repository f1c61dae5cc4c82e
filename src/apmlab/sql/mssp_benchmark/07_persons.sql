-- Each ACO agreement's assigned beneficiaries by year over all enrollment types, as persons:
-- a beneficiary whose year is split between enrollment types (42 CFR 425.652(a)(2)) has a
-- row in each type of mssp_benchmark_population but counts once here. The counts of the
-- ``all`` rows, of settlement (425.604(b), 425.110(b)) and of the dual share of the offset
-- factor (425.656(c)(4)(i)).
SELECT
    model,
    aco_id,
    agreement_start,
    year,
    count(DISTINCT person_id) AS beneficiaries,
    count(DISTINCT CASE WHEN dual THEN person_id END) AS dual_beneficiaries
FROM mssp_benchmark_assigned
GROUP BY model, aco_id, agreement_start, year
