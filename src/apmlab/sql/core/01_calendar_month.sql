-- One row per calendar month of the run's years ($first_year..$last_year).
SELECT
    y.year,
    m.month,
    make_date(y.year, m.month, 1) AS month_start,
    last_day(make_date(y.year, m.month, 1)) AS month_end
FROM (SELECT unnest(generate_series($first_year, $last_year)) AS year) AS y
CROSS JOIN (SELECT unnest(generate_series(1, 12)) AS month) AS m
