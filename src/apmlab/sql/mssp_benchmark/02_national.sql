-- National per capita values by year and enrollment type, over all assignable
-- beneficiaries in the data (the data's population stands in for the nation: CMS uses
-- Office of the Actuary national expenditures, 42 CFR 425.652(a)(5)(ii), 425.656(c)(3)).
SELECT
    year,
    enrollment_type,
    sum(beneficiaries) AS beneficiaries,
    sum(person_years) AS person_years,
    sum(expenditure) AS expenditure,
    sum(risk_person_years) AS risk_person_years,
    sum(demographic_person_years) AS demographic_person_years
FROM mssp_benchmark_county
GROUP BY year, enrollment_type
