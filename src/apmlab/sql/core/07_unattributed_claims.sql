-- Paid dollars kept at load that no beneficiary-year carries, by reason, so that none leave
-- the analysis silently: claims ending outside the run's years, and claims in a year in
-- which the person has no enrolled month (e.g. after death, or before enrollment).
SELECT
    CASE
        WHEN year(l.claim_end_date) NOT BETWEEN (SELECT min(year) FROM core_calendar_month)
            AND (SELECT max(year) FROM core_calendar_month) THEN 'outside the run''s years'
        ELSE 'in a year with no enrolled month'
    END AS reason,
    count(*) AS claim_lines,
    count(DISTINCT l.person_id) AS beneficiaries,
    sum(l.paid_amount) AS paid_amount
FROM medical_claim AS l
LEFT JOIN core_beneficiary_year AS y
    ON y.person_id = l.person_id AND y.year = year(l.claim_end_date)
WHERE y.person_id IS NULL
GROUP BY 1
