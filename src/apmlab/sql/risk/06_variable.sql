-- Every model variable other than the HCCs themselves (those are risk_hcc) that is 1 for a
-- person, long form (person_key, variable), named as in CMS's coefficient tables:
-- interactions (refdata groups.csv/interactions.csv, from
-- the V24/V28 main macros), the age/sex cell of the
-- community and institutional segments, the new-enrollee cell (age 64 with OREC 0 counts
-- as 65, as in CMS's software), originally-disabled terms and LTIMCAID.
WITH grp AS (
    SELECT h.person_key, g.grp
    FROM risk_hcc AS h
    JOIN ref_hcc_groups AS g ON g.cc = h.cc AND g.model = $model
    UNION
    SELECT person_key, 'DISABL' AS grp FROM risk_person WHERE disabl = 1
)
SELECT a.person_key, i.variable
FROM ref_hcc_interactions AS i
JOIN grp AS a ON a.grp = i.left_term
JOIN grp AS b ON b.person_key = a.person_key AND b.grp = i.right_term
WHERE i.model = $model
UNION ALL
SELECT p.person_key, CONCAT(CASE WHEN p.sex = 2 THEN 'F' ELSE 'M' END, b.band)
FROM risk_person AS p
JOIN ref_hcc_age_bands AS b ON b.kind = 'cell' AND b.age = p.age
UNION ALL
SELECT
    p.person_key,
    CONCAT(
        CASE WHEN p.nemcaid = 1 THEN 'MCAID' ELSE 'NMCAID' END,
        CASE WHEN p.orec = 1 AND p.age >= 65 THEN '_ORIGDIS_NE' ELSE '_NORIGDIS_NE' END,
        CASE WHEN p.sex = 2 THEN 'F' ELSE 'M' END,
        b.band)
FROM risk_person AS p
JOIN ref_hcc_age_bands AS b
    ON b.kind = 'new_enrollee'
   AND b.age = CASE WHEN p.age = 64 AND p.orec = 0 THEN 65 ELSE p.age END
UNION ALL
SELECT person_key,
       CASE WHEN sex = 2 THEN 'OriginallyDisabled_Female' ELSE 'OriginallyDisabled_Male' END
FROM risk_person
WHERE origds = 1
UNION ALL
SELECT person_key, 'ORIGDS' FROM risk_person WHERE origds = 1
UNION ALL
SELECT person_key, 'LTIMCAID' FROM risk_person WHERE ltimcaid = 1
