-- Reconciliation payments to (positive) or repayments from (negative) each participant of
-- a bundled-payment model, after discount, quality and stop-loss/stop-gain limits
-- (episode_reconciliation.reconciliation_payment; 42 CFR 510.305, 512.550).
SELECT
    model,
    participant_id AS entity_id,
    CAST(performance_year AS INTEGER) AS year,
    reconciliation_payment AS amount,
    'episode_reconciliation.reconciliation_payment' AS source
FROM episode_reconciliation
WHERE reconciliation_payment IS NOT NULL
