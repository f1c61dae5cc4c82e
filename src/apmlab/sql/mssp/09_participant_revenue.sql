-- The ACO participants' total Medicare Parts A and B fee-for-service revenue, by MSSP ACO and
-- calendar year: the base of the revenue-based loss recoupment limits (42 CFR
-- 425.605(d)(1)(iii)-(v)(D): "total Medicare Parts A and B fee-for-service revenue of the ACO
-- participants in the ACO"; 425.610(d)) and of the 425.20 low revenue ACO test.
-- What Medicare paid on every claim line an ACO participant billed in the year, for any
-- fee-for-service beneficiary, assigned or not. An ACO participant is a Medicare-enrolled
-- billing TIN (425.20 "ACO participant"; TINs of ACOs active in the year, 03_aco_tin); an
-- institutional participant bills through its CCN (CMS Shared Savings Program FAQ: "An ACO
-- participant bills Medicare for services through its Medicare-enrolled TIN, or CMS
-- Certification Number (CCN)"), so a line counts when its billing_tin is a participant TIN or
-- its facility_ccn a participant CCN of the ACO in the year; a line matching both counts once.
-- Revenue is the whole paid amount, IME, DSH and uncompensated care payments included: they
-- are the hospital's Medicare revenue (425.652(a)(1)(i) excludes them from expenditures, not
-- from revenue). The year is that of the claim's through date, as for expenditures. A TIN in
-- two ACOs counts in both. An ACO year without such a line has no row: revenue not known.
WITH tin AS (
    SELECT DISTINCT year, aco_id, tin
    FROM mssp_aco_tin
    WHERE basis = 'performance' AND model = 'mssp'
),
ccn AS (
    SELECT DISTINCT w.year, p.entity_id AS aco_id, p.ccn
    FROM participation AS p
    INNER JOIN (SELECT DISTINCT year FROM mssp_assignment_window) AS w
        ON p.start_date <= make_date(w.year, 12, 31)
        AND (p.end_date IS NULL OR p.end_date >= make_date(w.year, 1, 1))
    WHERE p.model = 'mssp' AND p.ccn IS NOT NULL
),
line AS (
    SELECT year(claim_end_date) AS year, billing_tin, facility_ccn, paid_amount
    FROM medical_claim
    WHERE claim_end_date BETWEEN make_date($first_year, 1, 1) AND make_date($last_year, 12, 31)
),
billed AS (
    SELECT t.aco_id, l.year, l.paid_amount
    FROM line AS l
    INNER JOIN tin AS t ON t.year = l.year AND t.tin = l.billing_tin
    UNION ALL
    SELECT c.aco_id, l.year, l.paid_amount
    FROM line AS l
    INNER JOIN ccn AS c ON c.year = l.year AND c.ccn = l.facility_ccn
    LEFT JOIN tin AS t
        ON t.year = l.year AND t.aco_id = c.aco_id AND t.tin = l.billing_tin
    WHERE t.tin IS NULL
)
SELECT
    'mssp' AS model,
    aco_id,
    year,
    count(*) AS claim_lines,
    sum(paid_amount) AS participant_revenue
FROM billed
GROUP BY aco_id, year
