-- Diagnoses of the data year (payment year - 1, by claim through date) from claims that are
-- risk-adjustment sources under CMS's filtering logic (CMS, "Medicare Filtering Logic"
-- industry memo, December 22, 2015, which CMS applies to encounter data and which mirrors
-- its fee-for-service rules): inpatient facility claims (bill type 11x, 41x) count with all
-- their diagnoses; outpatient facility claims (12x, 13x, 43x, 71x, 73x, 76x, 77x, 85x) and
-- professional claims count only when a line carries a CPT/HCPCS code on CMS's
-- risk-adjustment eligible list for that year (refdata eligible_hcpcs/DOS<year>.csv,
-- $hcpcs_year). The memo filters professional records on CPT/HCPCS alone and says CMS does
-- not use the providers' specialty codes, so no specialty filter is applied (the older
-- "acceptable physician specialty" list belongs to RAPS submissions). DME, SNF, home
-- health, hospice and other claims and cancelled claims (adjustment type 1) are not
-- sources. Only persons scored in the payment year (risk_pipeline_person) are kept.
WITH lines AS (
    SELECT l.*
    FROM core_claim_line AS l
    -- the data year as a date range (= year(claim_end_date)), which DuckDB can push into the
    -- scan of the claims and skip whole row groups of other years
    WHERE l.claim_end_date BETWEEN make_date($payment_year - 1, 1, 1)
        AND make_date($payment_year - 1, 12, 31)
      AND COALESCE(l.claim_adjustment_type_code, '0') <> '1'
      AND l.person_id IN (SELECT "ID" FROM risk_pipeline_person)
),
source_claim AS (
    SELECT DISTINCT claim_id
    FROM lines
    WHERE (claim_type = 'institutional' AND SUBSTR(bill_type_code, 1, 2) IN ('11', '41'))
       OR ((claim_type = 'professional'
            OR (claim_type = 'institutional'
                AND SUBSTR(bill_type_code, 1, 2) IN ('12', '13', '43', '71', '73', '76', '77',
                                                          '85')))
           AND hcpcs_code IN (
               SELECT hcpcs FROM ref_hcc_eligible_hcpcs WHERE dos_year = $hcpcs_year))
),
source_line AS (
    SELECT l.*
    FROM lines AS l
    JOIN source_claim AS c ON c.claim_id = l.claim_id
),
codes AS (
    SELECT person_id, diagnosis_code_1 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_2 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_3 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_4 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_5 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_6 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_7 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_8 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_9 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_10 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_11 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_12 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_13 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_14 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_15 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_16 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_17 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_18 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_19 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_20 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_21 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_22 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_23 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_24 AS code FROM source_line
    UNION ALL
    SELECT person_id, diagnosis_code_25 AS code FROM source_line
)
SELECT DISTINCT person_id AS "ID", code AS "ICD10"
FROM codes
WHERE code IS NOT NULL AND code <> ''
