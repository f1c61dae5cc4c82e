-- Primary care services (42 CFR 425.400(c)) in each assignment window, with the role of
-- the rendering clinician (425.20, 425.402(c)) and the entity they count for: the ACO
-- whose participant TIN billed them, otherwise the billing TIN itself (425.402(b)(3)).
-- Each service counts once per basis of 03_aco_tin that has the year.
SELECT
    b.basis,
    w.year,
    w.method,
    l.person_id,
    l.allowed_amount,
    coalesce(a.aco_id, 'TIN ' || l.billing_tin) AS entity_id,
    a.aco_id,
    a.model,
    CASE
        WHEN r.role IS NOT NULL THEN r.role
        WHEN p.provider_type IN (SELECT provider_type FROM mssp_ref_non_physician_type)
            THEN 'non_physician'
    END AS role
FROM medical_claim AS l
INNER JOIN mssp_assignment_window AS w
    ON l.claim_start_date BETWEEN w.window_start AND w.window_end
INNER JOIN (SELECT DISTINCT basis, year FROM mssp_aco_tin) AS b ON b.year = w.year
INNER JOIN mssp_ref_primary_care_code AS c
    ON c.hcpcs_code = l.hcpcs_code AND (NOT c.phe_only OR w.includes_phe)
LEFT JOIN provider AS p ON p.npi = l.rendering_npi
LEFT JOIN mssp_ref_specialty_role AS r ON r.specialty_code = p.specialty_code
LEFT JOIN mssp_aco_tin AS a
    ON a.basis = b.basis AND a.year = w.year AND a.tin = l.billing_tin
WHERE l.claim_type = 'professional'
    AND NOT (c.snf_excluded AND coalesce(l.place_of_service_code, '') = $snf_place_of_service)
    AND (a.shared_tin IS NULL OR NOT a.shared_tin)
