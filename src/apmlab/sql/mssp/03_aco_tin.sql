-- ACO participant TINs of each performance year (participation rows of ACO models active
-- at any time in the year). Services billed through a TIN that participates in more than
-- one ACO are left out of assignment (42 CFR 425.400(a)(2)(iii)).
WITH active AS (
    SELECT DISTINCT w.year, p.model, p.entity_id AS aco_id, p.tin
    FROM participation AS p
    INNER JOIN (SELECT DISTINCT year FROM mssp_assignment_window) AS w
        ON p.start_date <= make_date(w.year, 12, 31)
        AND (p.end_date IS NULL OR p.end_date >= make_date(w.year, 1, 1))
    WHERE p.model IN ('mssp', 'reach') AND p.tin IS NOT NULL
)
SELECT
    year,
    model,
    aco_id,
    tin,
    count(*) OVER (PARTITION BY year, tin) > 1 AS shared_tin
FROM active
