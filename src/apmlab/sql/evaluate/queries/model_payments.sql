-- What one model ($model) paid its participants over the evaluated years ($first_year to
-- $last_year), by source table and entity; positive amounts are paid by Medicare.
SELECT source, entity_id, sum(amount) AS amount, count(*) AS records
FROM evaluate_source_payment
WHERE model = $model AND year BETWEEN $first_year AND $last_year
GROUP BY source, entity_id
ORDER BY source, entity_id
