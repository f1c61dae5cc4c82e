-- Beneficiaries who would have been assigned to an ACO in each of the 3 benchmark years
-- before its agreement starts, using the agreement's participant TINs (42 CFR 425.652(a),
-- 425.601(a)). Kept apart from mssp_assignment: these years are not performance years.
SELECT
    b.year,
    b.method,
    b.person_id,
    b.model,
    b.aco_id,
    a.agreement_start,
    b.step,
    b.allowed_charges
FROM mssp_assignment_by_basis AS b
INNER JOIN mssp_agreement AS a ON a.model = b.model AND a.aco_id = b.aco_id
WHERE b.basis = 'benchmark ' || CAST(a.agreement_start AS VARCHAR)
