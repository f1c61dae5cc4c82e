-- materialize: view
-- (a projection of medical_claim, which can hold 100M+ lines: copying it would double the
-- database and cost more than every later read of the view together).
-- Each claim line with its service category (methodology.md section 7, as the MSSP
-- public use file groups Parts A and B spending) and its year (of the claim's end date,
-- the "through" date; for inpatient stays that is the discharge).
-- Inpatient acute = bill type 11x at a short-term acute hospital (CCN digits 3-6 in
-- 0001-0879) or a critical access hospital (1300-1399); other inpatient (rehabilitation,
-- long-term care, psychiatric) otherwise. CCN ranges: CMS State Operations Manual,
-- chapter 2, section 2779A.
SELECT
    l.*,
    year(l.claim_end_date) AS year,
    CASE
        WHEN l.claim_type = 'dme' THEN 'dme'
        WHEN l.claim_type = 'professional' THEN 'professional'
        WHEN substr(l.bill_type_code, 1, 2) = '11' THEN
            CASE
                WHEN try_cast(substr(l.facility_ccn, 3, 4) AS INTEGER) BETWEEN 1 AND 879
                    OR try_cast(substr(l.facility_ccn, 3, 4) AS INTEGER) BETWEEN 1300 AND 1399
                    THEN 'inpatient_acute'
                ELSE 'inpatient_other'
            END
        WHEN substr(l.bill_type_code, 1, 2) IN ('21', '18') THEN 'snf'
        WHEN substr(l.bill_type_code, 1, 2) IN ('32', '33', '34') THEN 'home_health'
        WHEN substr(l.bill_type_code, 1, 2) IN ('81', '82') THEN 'hospice'
        WHEN substr(l.bill_type_code, 1, 2)
            IN ('13', '14', '83', '85', '71', '77', '72', '74', '75', '76') THEN 'outpatient'
        ELSE 'other'
    END AS service_category,
    l.ime_amount + l.dsh_amount + l.uncompensated_care_amount AS supplemental_amount
FROM medical_claim AS l
-- (A semi-join rather than BETWEEN scalar subqueries: DuckDB then estimates the view's size
-- well enough to build its hash tables on the small side of later joins.)
WHERE year(l.claim_end_date) IN (SELECT year FROM core_calendar_month)
