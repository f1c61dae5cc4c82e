-- Hospitals of one global-budget model ($model): one row per CCN named in its participation
-- rows, with the years it takes part and its market (the state of its participation row,
-- else of its provider row) within which market shifts are measured.
SELECT
    p.ccn,
    coalesce(max(p.state), max(pr.state), 'all') AS market,
    max(p.track) AS track,
    min(year(p.start_date)) AS start_year,
    max(coalesce(year(p.end_date), 9999)) AS end_year
FROM participation AS p
LEFT JOIN provider AS pr ON pr.ccn = p.ccn
WHERE p.model = $model AND p.ccn IS NOT NULL
GROUP BY p.ccn
