-- What hospital global budgets paid beyond fee-for-service claims (positive) or recouped
-- (negative) at reconciliation: the part of each hospital's variance from its budget that
-- falls outside the corridor (hospital_budget.corridor_adjustment, budgets stage).
SELECT
    'global_budget' AS model,
    ccn AS entity_id,
    CAST(year AS INTEGER) AS year,
    corridor_adjustment AS amount,
    'hospital_budget.corridor_adjustment' AS source
FROM hospital_budget
WHERE corridor_adjustment IS NOT NULL
