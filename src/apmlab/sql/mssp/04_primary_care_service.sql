-- Allowed charges and counts of primary care services (42 CFR 425.400(c)) per assignment
-- window, beneficiary, billing TIN and role of the rendering clinician (425.20,
-- 425.402(c)): primary care physician, non-physician practitioner (NP, PA, CNS) or
-- step-two specialist. Services by other clinicians play no part in assignment and are
-- left out. Summing by TIN here, before ACOs are looked up, keeps the later steps small.
WITH service AS (
    SELECT
        w.year,
        w.method,
        l.person_id,
        l.billing_tin,
        l.allowed_amount,
        coalesce(r.role, CASE WHEN n.provider_type IS NOT NULL THEN 'non_physician' END)
            AS role
    FROM medical_claim AS l
    INNER JOIN mssp_assignment_window AS w
        ON l.claim_start_date BETWEEN w.window_start AND w.window_end
    INNER JOIN mssp_ref_primary_care_code AS c
        ON c.hcpcs_code = l.hcpcs_code AND (NOT c.phe_only OR w.includes_phe)
    LEFT JOIN provider AS p ON p.npi = l.rendering_npi
    LEFT JOIN mssp_ref_specialty_role AS r ON r.specialty_code = p.specialty_code
    LEFT JOIN mssp_ref_non_physician_type AS n ON n.provider_type = p.provider_type
    WHERE l.claim_type = 'professional'
        AND NOT (c.snf_excluded AND coalesce(l.place_of_service_code, '') = $snf_place_of_service)
)
SELECT
    year,
    method,
    person_id,
    billing_tin,
    role,
    sum(allowed_amount) AS allowed_amount,
    count(*) AS services
FROM service
WHERE role IS NOT NULL
GROUP BY year, method, person_id, billing_tin, role
