-- CMS-HCC risk score per beneficiary-year (risk stage), a baseline covariate.
SELECT person_id, CAST(year AS INTEGER) AS year, avg(risk_score) AS risk_score
FROM risk_score
GROUP BY person_id, year
