-- Each ACO agreement's assigned population by year and enrollment type (42 CFR
-- 425.652(a)(2)): beneficiaries, person-years, truncated expenditure, risk-score sums and
-- dual eligibles (for the offset factor of 425.656(c)(4)(i)).
SELECT
    model,
    aco_id,
    agreement_start,
    year,
    enrollment_type,
    count(*) AS beneficiaries,
    count(*) FILTER (WHERE dual) AS dual_beneficiaries,
    sum(person_years) AS person_years,
    sum(expenditure_truncated) AS expenditure,
    sum(risk_score * person_years) AS risk_person_years,
    sum(demographic_score * person_years) AS demographic_person_years
FROM mssp_benchmark_assigned
GROUP BY model, aco_id, agreement_start, year, enrollment_type
