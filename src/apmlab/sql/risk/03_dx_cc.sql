-- Diagnoses -> condition categories for the model and payment year, after CMS's age/sex
-- and MCE edits (CMS-HCC edit macros V24I0ED3 / V28I0ED3): an edit that fires either voids
-- the code (action 'invalid') or moves it to another CC ('override'). Codes not in the
-- year's map drop out here. Input: risk_input_diagnosis (person_key, code as written).
-- A person may carry a CC more than once here (two codes, one CC); risk_hcc dedupes.
WITH mapped AS (
    SELECT d.person_key, c.icd10, m.cc
    FROM risk_input_diagnosis AS d
    JOIN risk_code AS c ON c.code = d.code AND c.mapped = 1
    JOIN ref_hcc_dx_to_cc AS m
        ON m.icd10 = c.icd10 AND m.model = $model AND m.payment_year = $payment_year
),
fired AS (
    SELECT DISTINCT mp.person_key, mp.icd10, e.action, e.cc_override
    FROM mapped AS mp
    JOIN ref_hcc_edits AS e
        ON e.icd10 = mp.icd10 AND e.model = $model AND e.payment_year = $payment_year
    JOIN risk_person AS p ON p.person_key = mp.person_key
    WHERE (e.kind = 'sex' AND p.sex = e.sex)
       OR (e.kind <> 'sex' AND (p.age >= e.fires_if_age_at_least
                                OR p.age <= e.fires_if_age_at_most))
)
SELECT mp.person_key, CASE WHEN f.action = 'override' THEN f.cc_override ELSE mp.cc END AS cc
FROM mapped AS mp
LEFT JOIN fired AS f ON f.person_key = mp.person_key AND f.icd10 = mp.icd10
WHERE f.action IS NULL OR f.action = 'override'
