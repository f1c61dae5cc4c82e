-- Savings paid (positive) or losses owed (negative) to each REACH ACO after the discount,
-- quality withhold and risk corridors (reach_settlement.earned_savings_losses).
SELECT
    'reach' AS model,
    aco_id AS entity_id,
    CAST(performance_year AS INTEGER) AS year,
    earned_savings_losses AS amount,
    'reach_settlement.earned_savings_losses' AS source
FROM reach_settlement
