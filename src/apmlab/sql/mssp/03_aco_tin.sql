-- ACO participant TINs by year and basis. Services billed through a TIN that participates
-- in more than one ACO of the same basis are left out of assignment (42 CFR
-- 425.400(a)(2)(iii)).
--   'performance': TINs of ACOs active at any time in the year (participation rows);
--   'benchmark YYYY': for each of the 3 years before agreement periods starting in YYYY
--     (the benchmark years, 425.652(a), 425.601(a)), the TINs identified before the start
--     of the agreement (425.118(a); 02_agreement). ACOs starting in the same year form one
--     basis, so their counterfactual participant lists compete with each other and with
--     every other billing TIN, as the ACOs would in their first performance year.
WITH window_year AS (
    SELECT DISTINCT year FROM mssp_assignment_window
),
performance AS (
    SELECT DISTINCT 'performance' AS basis, w.year, p.model, p.entity_id AS aco_id, p.tin
    FROM participation AS p
    INNER JOIN window_year AS w
        ON p.start_date <= make_date(w.year, 12, 31)
        AND (p.end_date IS NULL OR p.end_date >= make_date(w.year, 1, 1))
    WHERE p.model IN ('mssp', 'reach') AND p.tin IS NOT NULL
),
benchmark AS (
    SELECT DISTINCT
        'benchmark ' || CAST(a.agreement_start AS VARCHAR) AS basis,
        w.year,
        a.model,
        a.aco_id,
        p.tin
    FROM mssp_agreement AS a
    INNER JOIN participation AS p
        ON p.model = a.model AND p.entity_id = a.aco_id
        AND p.start_date = a.agreement_start_date AND p.tin IS NOT NULL
    INNER JOIN window_year AS w
        ON w.year BETWEEN a.agreement_start - 3 AND a.agreement_start - 1
)
SELECT
    basis,
    year,
    model,
    aco_id,
    tin,
    count(*) OVER (PARTITION BY basis, year, tin) > 1 AS shared_tin
FROM (
    SELECT * FROM performance
    UNION ALL
    SELECT * FROM benchmark
) AS tins
