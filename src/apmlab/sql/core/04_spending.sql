-- Paid dollars per beneficiary, year and service category, with and without the
-- supplemental payments that Shared Savings Program expenditures exclude (IME, DSH and
-- uncompensated care: 42 CFR 425.652(a)(1)(i)).
SELECT
    person_id,
    year,
    service_category,
    count(*) AS claim_lines,
    sum(allowed_amount) AS allowed_amount,
    sum(paid_amount) AS paid_amount,
    sum(supplemental_amount) AS supplemental_amount,
    sum(paid_amount - supplemental_amount) AS paid_amount_excl_supplemental
FROM core_claim_line
GROUP BY person_id, year, service_category
