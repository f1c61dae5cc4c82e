-- Allowed charges for primary care services per beneficiary, window and entity:
-- step one counts primary care physicians and non-physician practitioners, step two the
-- specialists of 425.402(c). `aco_physician_services` marks the beneficiaries that
-- 425.402(b)(1) lets an ACO consider: a primary care service from one of its primary care
-- physicians or step-two specialists.
SELECT
    basis,
    year,
    method,
    person_id,
    entity_id,
    aco_id,
    model,
    coalesce(sum(allowed_amount) FILTER (WHERE role IN ('primary_care', 'non_physician')), 0)
        AS step_one_allowed,
    count(*) FILTER (WHERE role IN ('primary_care', 'non_physician')) AS step_one_services,
    coalesce(sum(allowed_amount) FILTER (WHERE role = 'step_two'), 0) AS step_two_allowed,
    count(*) FILTER (
        WHERE aco_id IS NOT NULL AND role IN ('primary_care', 'step_two')
    ) AS aco_physician_services
FROM mssp_primary_care_service
WHERE role IS NOT NULL
GROUP BY basis, year, method, person_id, entity_id, aco_id, model
