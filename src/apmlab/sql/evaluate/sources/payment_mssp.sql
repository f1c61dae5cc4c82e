-- Shared savings paid (positive) or shared losses owed (negative) to each MSSP ACO
-- (mssp_settlement.earned_savings_losses, after sequestration: 42 CFR 425.605, 425.610).
SELECT
    'mssp' AS model,
    aco_id AS entity_id,
    CAST(performance_year AS INTEGER) AS year,
    earned_savings_losses AS amount,
    'mssp_settlement.earned_savings_losses' AS source
FROM mssp_settlement
