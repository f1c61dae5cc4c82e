-- Each beneficiary-year's plurality primary-care billing TIN: the TIN with the most allowed
-- charges for E&M services (the codes core_utilization counts) from primary care
-- clinicians (physician specialties 01, 08, 11, 38; nurse practitioners, physician
-- assistants and clinical nurse specialists), ties to the lower TIN. It is the fallback
-- attribution to an ACO when no mssp_assignment table exists (a simplification of step 1
-- of 42 CFR 425.402(b)), and the practice used as the cluster of comparison beneficiaries.
WITH charges AS (
    SELECT l.person_id, l.year, l.billing_tin AS tin, sum(l.allowed_amount) AS allowed
    FROM core_claim_line AS l
    INNER JOIN provider AS p ON p.npi = l.rendering_npi
    WHERE l.claim_type = 'professional'
        AND l.billing_tin IS NOT NULL
        AND (
            l.hcpcs_code BETWEEN '99202' AND '99215'
            OR l.hcpcs_code BETWEEN '99304' AND '99350'
            OR l.hcpcs_code IN ('G0402', 'G0438', 'G0439')
        )
        AND (
            p.specialty_code IN ('01', '08', '11', '38')
            OR p.provider_type IN (
                'nurse_practitioner', 'physician_assistant', 'clinical_nurse_specialist'
            )
        )
    GROUP BY l.person_id, l.year, l.billing_tin
),
ranked AS (
    SELECT
        person_id,
        year,
        tin,
        allowed,
        row_number() OVER (PARTITION BY person_id, year ORDER BY allowed DESC, tin) AS place
    FROM charges
)
SELECT person_id, year, tin, allowed AS allowed_charges
FROM ranked
WHERE place = 1
