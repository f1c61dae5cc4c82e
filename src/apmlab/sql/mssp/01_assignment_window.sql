-- The assignment windows of each performance year (42 CFR 425.20, 425.400(a)(2)-(3)):
-- retrospective reconciliation uses the performance year itself; prospective assignment
-- uses the offset window, October 1 two years before to September 30 of the year before.
-- A window that includes any month of the COVID-19 public health emergency also counts the
-- emergency's extra primary care codes (425.400(c)(2)).
WITH years AS (
    SELECT unnest(generate_series($first_year, $last_year)) AS year
),
windows AS (
    SELECT year, 'retrospective' AS method, make_date(year, 1, 1) AS window_start,
        make_date(year, 12, 31) AS window_end
    FROM years
    UNION ALL
    SELECT year, 'prospective' AS method, make_date(year - 2, 10, 1) AS window_start,
        make_date(year - 1, 9, 30) AS window_end
    FROM years
)
SELECT
    year,
    method,
    window_start,
    window_end,
    window_start <= CAST($phe_end AS DATE) AND window_end >= CAST($phe_start AS DATE)
        AS includes_phe
FROM windows
