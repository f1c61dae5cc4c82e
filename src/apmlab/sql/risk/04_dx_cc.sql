-- Diagnoses -> condition categories for the model and payment year, after CMS's age/sex
-- and MCE edits (CMS-HCC edit macros V24I0ED3 / V28I0ED3): an edit that fires either voids
-- the code (action 'invalid') or moves it to another CC ('override'). Codes not in the
-- year's map drop out here. Input: risk_input_diagnosis (person_key, code as written).
-- A person may carry a CC more than once here (two codes, one CC); risk_hcc dedupes.
-- Edits are looked up per distinct code (risk_code), so only the few rows whose code has
-- an edit meet the person table.
WITH code_cc AS (
    SELECT c.code, c.icd10, m.cc
    FROM risk_code AS c
    JOIN ref_hcc_dx_to_cc AS m
        ON m.icd10 = c.icd10 AND m.model = $model AND m.payment_year = $payment_year
),
edited_code AS (
    SELECT c.code, e.kind, e.sex, e.fires_if_age_at_least, e.fires_if_age_at_most,
           e.action, e.cc_override
    FROM risk_code AS c
    JOIN ref_hcc_edits AS e
        ON e.icd10 = c.icd10 AND e.model = $model AND e.payment_year = $payment_year
),
fired AS (
    SELECT DISTINCT d.person_key, d.code, e.action, e.cc_override
    FROM risk_input_diagnosis AS d
    JOIN edited_code AS e ON e.code = d.code
    JOIN risk_person AS p ON p.person_key = d.person_key
    WHERE (e.kind = 'sex' AND p.sex = e.sex)
       OR (e.kind <> 'sex' AND (p.age >= e.fires_if_age_at_least
                                OR p.age <= e.fires_if_age_at_most))
)
SELECT d.person_key, CASE WHEN f.action = 'override' THEN f.cc_override ELSE m.cc END AS cc
FROM risk_input_diagnosis AS d
JOIN code_cc AS m ON m.code = d.code
LEFT JOIN fired AS f ON f.person_key = d.person_key AND f.code = d.code
WHERE f.action IS NULL OR f.action = 'override'
