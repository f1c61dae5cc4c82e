-- Primary care services (42 CFR 425.400(c)) by beneficiary, billing TIN, role of the
-- rendering clinician (425.20, 425.402(c): primary care physician, non-physician
-- practitioner (NP, PA, CNS) or step-two specialist) and period: January-September or
-- October-December of a calendar year. Every assignment window (01_assignment_window)
-- begins on January 1 or October 1 and ends on September 30 or December 31, so it is a
-- union of such periods: the claim lines are read once, into this narrow table, and each
-- window is summed from it. Services by other clinicians play no part in assignment and
-- are left out. The COVID-19 emergency's extra codes are summed apart (phe_), since only
-- windows that include the emergency count them (425.400(c)(2)).
WITH clinician AS (
    -- the role of each rendering NPI, looked up once (a small table, so the join with the
    -- claim lines builds its hash table on it)
    SELECT
        p.npi,
        coalesce(r.role, CASE WHEN n.provider_type IS NOT NULL THEN 'non_physician' END)
            AS role
    FROM provider AS p
    LEFT JOIN mssp_ref_specialty_role AS r ON r.specialty_code = p.specialty_code
    LEFT JOIN mssp_ref_non_physician_type AS n ON n.provider_type = p.provider_type
    WHERE r.role IS NOT NULL OR n.provider_type IS NOT NULL
),
primary_care AS (
    SELECT
        l.person_id,
        l.billing_tin,
        k.role,
        year(l.claim_start_date) AS year,
        month(l.claim_start_date) >= 10 AS late,
        c.phe_only,
        l.allowed_amount
    FROM medical_claim AS l
    INNER JOIN mssp_ref_primary_care_code AS c ON c.hcpcs_code = l.hcpcs_code
    INNER JOIN clinician AS k ON k.npi = l.rendering_npi
    WHERE l.claim_type = 'professional'
        AND NOT (c.snf_excluded AND coalesce(l.place_of_service_code, '') = $snf_place_of_service)
        -- from the first prospective window (October 1, two years before the first year)
        -- to the end of the last year
        AND l.claim_start_date BETWEEN make_date($first_year - 2, 10, 1)
            AND make_date($last_year, 12, 31)
)
SELECT
    person_id,
    billing_tin,
    role,
    year,
    make_date(year, CASE WHEN late THEN 10 ELSE 1 END, 1) AS period_start,
    coalesce(sum(allowed_amount) FILTER (WHERE NOT phe_only), 0) AS allowed_amount,
    count(*) FILTER (WHERE NOT phe_only) AS services,
    coalesce(sum(allowed_amount) FILTER (WHERE phe_only), 0) AS phe_allowed_amount,
    count(*) FILTER (WHERE phe_only) AS phe_services
FROM primary_care
GROUP BY person_id, billing_tin, role, year, late
