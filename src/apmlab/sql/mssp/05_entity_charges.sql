-- Allowed charges for primary care services per basis (03_aco_tin), beneficiary, window
-- and entity: the ACO whose participant TIN billed them, otherwise the billing TIN itself
-- (425.402(b)(3); other_tin). TINs in more than one ACO of the basis are left out
-- (425.400(a)(2)(iii)). Step one counts primary care physicians and non-physician
-- practitioners, step two the specialists of 425.402(c). `aco_physician_services` marks
-- the beneficiaries that 425.402(b)(1) lets an ACO consider: a primary care service from
-- one of its primary care physicians or step-two specialists.
SELECT
    b.basis,
    s.year,
    s.method,
    s.person_id,
    a.aco_id,
    CASE WHEN a.aco_id IS NULL THEN s.billing_tin END AS other_tin,
    a.model,
    coalesce(sum(s.allowed_amount) FILTER (WHERE s.role IN ('primary_care', 'non_physician')), 0)
        AS step_one_allowed,
    coalesce(sum(s.services) FILTER (WHERE s.role IN ('primary_care', 'non_physician')), 0)
        AS step_one_services,
    coalesce(sum(s.allowed_amount) FILTER (WHERE s.role = 'step_two'), 0) AS step_two_allowed,
    coalesce(sum(s.services) FILTER (
        WHERE a.aco_id IS NOT NULL AND s.role IN ('primary_care', 'step_two')
    ), 0) AS aco_physician_services
FROM mssp_primary_care_service AS s
INNER JOIN (SELECT DISTINCT basis, year FROM mssp_aco_tin) AS b ON b.year = s.year
LEFT JOIN mssp_aco_tin AS a
    ON a.basis = b.basis AND a.year = s.year AND a.tin = s.billing_tin
WHERE a.shared_tin IS NULL OR NOT a.shared_tin
GROUP BY b.basis, s.year, s.method, s.person_id, a.aco_id, a.model,
    CASE WHEN a.aco_id IS NULL THEN s.billing_tin END
