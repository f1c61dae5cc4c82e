-- One row per ACO (MSSP or REACH) with the start of its agreement period: the earliest
-- start_date of its participation rows. The participant TINs of the agreement are the rows
-- that start on that date: the ACO participant list certified before the agreement starts
-- (42 CFR 425.118(a)), which defines the benchmark-year population (425.652(a), 425.601(a)).
-- A renewal is not visible in participation rows, so every ACO has one agreement here.
SELECT
    model,
    entity_id AS aco_id,
    min(start_date) AS agreement_start_date,
    year(min(start_date)) AS agreement_start,
    max(track) AS track,
    count(DISTINCT tin) AS participant_tins
FROM participation
WHERE model IN ('mssp', 'reach') AND tin IS NOT NULL
GROUP BY model, entity_id
