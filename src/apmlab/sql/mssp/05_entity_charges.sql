-- Allowed charges for primary care services per basis (03_aco_tin), beneficiary, window
-- and entity: the ACO whose participant TIN billed them, otherwise the billing TIN itself
-- (425.402(b)(3); other_tin). TINs in more than one ACO of the basis are left out
-- (425.400(a)(2)(iii)). Step one counts primary care physicians and non-physician
-- practitioners, step two the specialists of 425.402(c). `aco_physician_services` marks
-- the beneficiaries that 425.402(b)(1) lets an ACO consider: a primary care service from
-- one of its primary care physicians or step-two specialists. Only beneficiaries with a
-- service billed by some ACO's TIN in the window can be assigned by claims, so the others
-- are left out here (voluntary alignment does not read this table). Charges are rounded
-- to the cent, so that a tie is a tie whatever order the sum was taken in.
WITH aco_contact AS (
    SELECT DISTINCT s.year, s.method, s.person_id
    FROM mssp_primary_care_service AS s
    INNER JOIN (SELECT DISTINCT year, tin FROM mssp_aco_tin) AS t
        ON t.year = s.year AND t.tin = s.billing_tin
)
SELECT
    b.basis,
    s.year,
    s.method,
    s.person_id,
    a.aco_id,
    CASE WHEN a.aco_id IS NULL THEN s.billing_tin END AS other_tin,
    a.model,
    round(coalesce(sum(s.allowed_amount) FILTER (
        WHERE s.role IN ('primary_care', 'non_physician')), 0), 2) AS step_one_allowed,
    coalesce(sum(s.services) FILTER (WHERE s.role IN ('primary_care', 'non_physician')), 0)
        AS step_one_services,
    round(coalesce(sum(s.allowed_amount) FILTER (WHERE s.role = 'step_two'), 0), 2)
        AS step_two_allowed,
    coalesce(sum(s.services) FILTER (
        WHERE a.aco_id IS NOT NULL AND s.role IN ('primary_care', 'step_two')
    ), 0) AS aco_physician_services
FROM mssp_primary_care_service AS s
INNER JOIN aco_contact AS c
    ON c.year = s.year AND c.method = s.method AND c.person_id = s.person_id
INNER JOIN (SELECT DISTINCT basis, year FROM mssp_aco_tin) AS b ON b.year = s.year
LEFT JOIN mssp_aco_tin AS a
    ON a.basis = b.basis AND a.year = s.year AND a.tin = s.billing_tin
WHERE a.shared_tin IS NULL OR NOT a.shared_tin
GROUP BY b.basis, s.year, s.method, s.person_id, a.aco_id, a.model,
    CASE WHEN a.aco_id IS NULL THEN s.billing_tin END
