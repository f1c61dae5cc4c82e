-- CMS-HCC risk score per beneficiary-year (risk stage: risk_score.normalized_score, the
-- score after normalization, before the coding-intensity adjustment), a baseline
-- covariate. One row per person-year (the mean if the stage wrote several).
SELECT person_id, CAST(year AS INTEGER) AS year, avg(normalized_score) AS risk_score
FROM risk_score
GROUP BY person_id, year
