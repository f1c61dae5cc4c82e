-- Each ACO agreement's assigned population by year and enrollment type (42 CFR
-- 425.652(a)(2)): beneficiaries with months of the type, person-years, truncated
-- expenditure and risk-score sums (persons over all types: mssp_benchmark_persons). The
-- untruncated expenditure is the assigned beneficiaries' total Parts A and B FFS
-- expenditure of the 425.20 low revenue test (IME, DSH and uncompensated care excluded).
SELECT
    model,
    aco_id,
    agreement_start,
    year,
    enrollment_type,
    count(*) AS beneficiaries,
    sum(person_years) AS person_years,
    sum(expenditure_truncated) AS expenditure,
    sum(expenditure) AS untruncated_expenditure,
    sum(risk_score * person_years) AS risk_person_years,
    sum(demographic_score * person_years) AS demographic_person_years
FROM mssp_benchmark_assigned
GROUP BY model, aco_id, agreement_start, year, enrollment_type
