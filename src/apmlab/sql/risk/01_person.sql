-- One row per person with the demographic terms of the CMS-HCC software (V24/V28 main
-- macros, CMS "DIY" SAS/Python software): age as of February 1 of the payment year
-- ($age_year; the pipeline may score a year with another year's tables),
-- DISABL = age < 65 and OREC <> 0, ORIGDS = OREC = 1 and not DISABL.
-- Input: risk_input_person (person_key, dob, sex 1/2, orec 0-3, ltimcaid, nemcaid).
SELECT
    person_key,
    sex,
    orec,
    ltimcaid,
    nemcaid,
    age,
    CASE WHEN age < 65 AND orec <> 0 THEN 1 ELSE 0 END AS disabl,
    CASE WHEN orec = 1 AND NOT (age < 65 AND orec <> 0) THEN 1 ELSE 0 END AS origds
FROM (
    SELECT
        person_key, sex, orec, ltimcaid, nemcaid,
        $age_year - YEAR(dob)
            - CASE WHEN MONTH(dob) > 2 OR (MONTH(dob) = 2 AND DAY(dob) > 1) THEN 1 ELSE 0 END
            AS age
    FROM risk_input_person
) AS p
