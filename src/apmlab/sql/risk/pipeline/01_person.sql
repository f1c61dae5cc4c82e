-- Beneficiaries enrolled in the payment year ($payment_year), in the person layout of
-- CMS's risk-score software, with the segment CMS scores them in (CMS-HCC model, Rate
-- Announcement Attachment VI; segments as in CMS's software output):
--   new enrollee (NE)  fewer than 12 months of Part B in the data year (payment year - 1);
--   institutional      long-term institutional in the payment year (input-layer flag);
--   community          by Medicaid status in the payment year (full dual -> FB*, partial ->
--                      PB*, none -> N*) and age on February 1 (65+ aged *A, else disabled *D).
-- LTIMCAID = institutional and any Medicaid; NEMCAID = any Medicaid. ESRD beneficiaries are
-- scored with the CMS-HCC model too and flagged: the ESRD models are not implemented.
-- Persons whose gender is neither male nor female cannot be scored and are left out.
WITH py AS (
    SELECT * FROM core_beneficiary_year WHERE year = $payment_year
),
born AS (
    SELECT person_id, MAX(birth_date) AS birth_date
    FROM core_beneficiary_month
    GROUP BY person_id
),
data_year AS (
    SELECT person_id, COUNT(*) FILTER (WHERE part_b) AS part_b_months
    FROM core_beneficiary_month
    WHERE year = $payment_year - 1
    GROUP BY person_id
)
SELECT
    py.person_id AS "ID",
    b.birth_date AS "DOB",
    CASE py.gender WHEN 'male' THEN 1 ELSE 2 END AS "SEX",
    COALESCE(py.original_reason_entitlement_code, '0') AS "OREC",
    CASE WHEN py.institutional AND py.dual THEN 1 ELSE 0 END AS "LTIMCAID",
    CASE WHEN py.dual THEN 1 ELSE 0 END AS "NEMCAID",
    py.enrollment_type = 'esrd' AS esrd,
    CASE
        WHEN COALESCE(d.part_b_months, 0) < 12 THEN 'NE'
        WHEN py.institutional THEN 'INS'
        WHEN py.full_dual THEN CASE WHEN py.age >= 65 THEN 'CFA' ELSE 'CFD' END
        WHEN py.dual THEN CASE WHEN py.age >= 65 THEN 'CPA' ELSE 'CPD' END
        WHEN py.age >= 65 THEN 'CNA'
        ELSE 'CND'
    END AS segment
FROM py
JOIN born AS b ON b.person_id = py.person_id
LEFT JOIN data_year AS d ON d.person_id = py.person_id
WHERE py.gender IN ('male', 'female')
