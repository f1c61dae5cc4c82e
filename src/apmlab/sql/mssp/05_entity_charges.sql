-- Allowed charges for primary care services per basis (03_aco_tin), beneficiary, window
-- and entity: the ACO whose participant TIN billed them, otherwise the billing TIN itself
-- (425.402(b)(3); other_tin). TINs in more than one ACO of the basis are left out
-- (425.400(a)(2)(iii)). Step one counts primary care physicians and non-physician
-- practitioners, step two the specialists of 425.402(c). `aco_physician_services` marks
-- the beneficiaries that 425.402(b)(1) lets an ACO consider: a primary care service from
-- one of its primary care physicians or step-two specialists.
-- A period of 04_primary_care_service falls in the retrospective window of its calendar
-- year and in the prospective (offset) window of the next year if it is January-September,
-- of the year after next if October-December; windows are matched by equality on that
-- year and the dates are checked against the window too. Only beneficiaries with a service
-- billed by a participant TIN of an ACO of the basis in the window can be assigned by
-- claims in that basis, so only they are summed here (voluntary alignment does not read
-- this table). Charges are rounded to the cent, so that a tie is a tie whatever order the
-- sum was taken in.
WITH period AS (
    SELECT person_id, billing_tin, role, period_start, allowed_amount, services,
        phe_allowed_amount, phe_services, year AS window_year, 'retrospective' AS method
    FROM mssp_primary_care_service
    UNION ALL
    SELECT person_id, billing_tin, role, period_start, allowed_amount, services,
        phe_allowed_amount, phe_services,
        year + CASE WHEN month(period_start) >= 10 THEN 2 ELSE 1 END AS window_year,
        'prospective' AS method
    FROM mssp_primary_care_service
),
service AS (
    SELECT
        w.year,
        w.method,
        s.person_id,
        s.billing_tin,
        s.role,
        s.allowed_amount + CASE WHEN w.includes_phe THEN s.phe_allowed_amount ELSE 0 END
            AS allowed_amount,
        s.services + CASE WHEN w.includes_phe THEN s.phe_services ELSE 0 END AS services
    FROM period AS s
    INNER JOIN mssp_assignment_window AS w
        ON w.year = s.window_year AND w.method = s.method
        AND s.period_start BETWEEN w.window_start AND w.window_end
),
aco_contact AS (
    SELECT DISTINCT t.basis, s.year, s.method, s.person_id
    FROM service AS s
    INNER JOIN mssp_aco_tin AS t
        ON t.year = s.year AND t.tin = s.billing_tin AND NOT t.shared_tin
    WHERE s.services > 0
)
SELECT
    c.basis,
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
FROM service AS s
INNER JOIN aco_contact AS c
    ON c.year = s.year AND c.method = s.method AND c.person_id = s.person_id
LEFT JOIN mssp_aco_tin AS a
    ON a.basis = c.basis AND a.year = s.year AND a.tin = s.billing_tin
WHERE s.services > 0 AND (a.shared_tin IS NULL OR NOT a.shared_tin)
GROUP BY c.basis, s.year, s.method, s.person_id, a.aco_id, a.model,
    CASE WHEN a.aco_id IS NULL THEN s.billing_tin END
