-- Money counted both ways (DESIGN.md principle 6): episodes set aside and dollars left out,
-- by model and reason, with counts and dollars. Kinds: canceled_episode (by cancellation
-- reason; dollars = actual payment of the episode), excluded_service (by exclusion reason;
-- prorated dollars), outside_window (prorated part of straddling services), high_cost_cap
-- (dollars above the cap in non-canceled episodes), no_target (participant episodes with
-- no baseline to price them).
SELECT model, 'canceled_episode' AS kind, cancel_reason AS reason,
    count(*) AS items, sum(actual_payment) AS dollars
FROM episodes_pricing_target
WHERE cancelled
GROUP BY model, cancel_reason
UNION ALL
SELECT model, 'excluded_service' AS kind, exclusion_reason AS reason,
    count(*) AS items, sum(paid * fraction_in_window) AS dollars
FROM episodes_window_claim
WHERE exclusion_reason IS NOT NULL
GROUP BY model, exclusion_reason
UNION ALL
SELECT model, 'outside_window' AS kind, 'prorated_straddling_service' AS reason,
    count(*) AS items, sum(paid * (1 - fraction_in_window)) AS dollars
FROM episodes_window_claim
WHERE fraction_in_window < 1
GROUP BY model
UNION ALL
SELECT model, 'high_cost_cap' AS kind, 'above_cap' AS reason,
    count(*) AS items, sum(actual_payment - capped_payment) AS dollars
FROM episodes_pricing_target
WHERE NOT cancelled AND actual_payment > capped_payment
GROUP BY model
UNION ALL
SELECT model, 'no_target' AS kind, 'no_baseline' AS reason,
    count(*) AS items, sum(actual_payment) AS dollars
FROM episodes_pricing_target
WHERE NOT cancelled AND participant_id IS NOT NULL AND target_price IS NULL
GROUP BY model
