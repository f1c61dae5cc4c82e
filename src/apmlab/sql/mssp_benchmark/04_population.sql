-- Each ACO agreement's assigned population by year and enrollment type (42 CFR
-- 425.652(a)(2)): beneficiaries with months of the type, person-years, truncated
-- expenditure and risk-score sums (persons over all types: mssp_benchmark_persons).
SELECT
    model,
    aco_id,
    agreement_start,
    year,
    enrollment_type,
    count(*) AS beneficiaries,
    sum(person_years) AS person_years,
    sum(expenditure_truncated) AS expenditure,
    sum(risk_score * person_years) AS risk_person_years,
    sum(demographic_score * person_years) AS demographic_person_years
FROM mssp_benchmark_assigned
GROUP BY model, aco_id, agreement_start, year, enrollment_type
