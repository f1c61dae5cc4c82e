-- Assignment for the performance years of ACOs active in the year (42 CFR 425.402): one
-- row per year, method and assigned beneficiary, with the ACO and the step.
SELECT year, method, person_id, model, aco_id, step, allowed_charges
FROM mssp_assignment_by_basis
WHERE basis = 'performance'
