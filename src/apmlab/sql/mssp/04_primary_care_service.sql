-- Allowed charges and counts of primary care services (42 CFR 425.400(c)) per assignment
-- window, beneficiary, billing TIN and role of the rendering clinician (425.20,
-- 425.402(c)): primary care physician, non-physician practitioner (NP, PA, CNS) or
-- step-two specialist. Services by other clinicians play no part in assignment and are
-- left out. Summing by TIN here, before ACOs are looked up, keeps the later steps small.
-- A service falls in the retrospective window of its calendar year and in the prospective
-- (offset) window of the year after next if furnished October-December, else of the next
-- year (01_assignment_window); windows are matched by equality on that year, which avoids
-- a range join over every claim line, and the dates are checked against the window too.
WITH primary_care AS (
    SELECT
        l.person_id,
        l.billing_tin,
        l.rendering_npi,
        l.allowed_amount,
        l.claim_start_date,
        c.phe_only
    FROM medical_claim AS l
    INNER JOIN mssp_ref_primary_care_code AS c ON c.hcpcs_code = l.hcpcs_code
    WHERE l.claim_type = 'professional'
        AND NOT (c.snf_excluded AND coalesce(l.place_of_service_code, '') = $snf_place_of_service)
),
in_window AS (
    SELECT person_id, billing_tin, rendering_npi, allowed_amount, claim_start_date, phe_only,
        year(claim_start_date) AS year, 'retrospective' AS method
    FROM primary_care
    UNION ALL
    SELECT person_id, billing_tin, rendering_npi, allowed_amount, claim_start_date, phe_only,
        year(claim_start_date) + CASE WHEN month(claim_start_date) >= 10 THEN 2 ELSE 1 END
            AS year,
        'prospective' AS method
    FROM primary_care
),
service AS (
    SELECT
        s.year,
        s.method,
        s.person_id,
        s.billing_tin,
        s.allowed_amount,
        coalesce(r.role, CASE WHEN n.provider_type IS NOT NULL THEN 'non_physician' END)
            AS role
    FROM in_window AS s
    INNER JOIN mssp_assignment_window AS w
        ON w.year = s.year AND w.method = s.method
        AND s.claim_start_date BETWEEN w.window_start AND w.window_end
    LEFT JOIN provider AS p ON p.npi = s.rendering_npi
    LEFT JOIN mssp_ref_specialty_role AS r ON r.specialty_code = p.specialty_code
    LEFT JOIN mssp_ref_non_physician_type AS n ON n.provider_type = p.provider_type
    WHERE NOT s.phe_only OR w.includes_phe
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
