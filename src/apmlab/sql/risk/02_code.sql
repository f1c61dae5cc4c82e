-- Each distinct diagnosis code as written in the input, with how many rows carry it, its
-- cleaned form (upper case, no dots or blanks) and whether the year's map knows it.
-- Cleaning and looking up once per distinct code, not once per row, keeps the per-row
-- work of the next model to one join on a small table; the row counts give the number of
-- diagnosis rows ignored because their code is not in the map.
SELECT
    c.code,
    c.n_rows,
    c.icd10,
    CASE WHEN EXISTS (
        SELECT 1 FROM ref_hcc_dx_to_cc AS m
        WHERE m.icd10 = c.icd10 AND m.model = $model AND m.payment_year = $payment_year
    ) THEN 1 ELSE 0 END AS mapped
FROM (
    SELECT code, COUNT(*) AS n_rows, UPPER(REPLACE(TRIM(code), '.', '')) AS icd10
    FROM risk_input_diagnosis
    GROUP BY code
) AS c
