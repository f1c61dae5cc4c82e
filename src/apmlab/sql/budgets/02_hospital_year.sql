-- Medicare FFS facility revenue of each model hospital and year: the paid amount of its
-- inpatient (bill type 11x) and outpatient (13x and the other outpatient bill types) claim
-- lines, the revenue a hospital global budget replaces (AHEAD: IPPS + OPPS payments; Maryland
-- GBR and the Pennsylvania Rural Health Model: inpatient and hospital outpatient services).
-- Beneficiaries: distinct patients, for small-cell suppression. Every hospital gets a row for every year of the run, with zero revenue where it had none.
WITH years AS (
    SELECT DISTINCT year FROM core_calendar_month
),
revenue AS (
    SELECT
        l.facility_ccn AS ccn,
        l.year,
        count(DISTINCT l.person_id) AS beneficiaries,
        sum(l.paid_amount) FILTER (
            WHERE l.service_category IN ('inpatient_acute', 'inpatient_other')
        ) AS inpatient_revenue,
        sum(l.paid_amount) FILTER (WHERE l.service_category = 'outpatient') AS outpatient_revenue
    FROM core_claim_line AS l
    INNER JOIN budgets_hospital AS h ON h.ccn = l.facility_ccn
    WHERE l.claim_type = 'institutional'
        AND l.service_category IN ('inpatient_acute', 'inpatient_other', 'outpatient')
    GROUP BY l.facility_ccn, l.year
)
SELECT
    h.ccn,
    h.market,
    h.track,
    h.start_year,
    h.end_year,
    y.year,
    coalesce(r.beneficiaries, 0) AS beneficiaries,
    coalesce(r.inpatient_revenue, 0) AS inpatient_revenue,
    coalesce(r.outpatient_revenue, 0) AS outpatient_revenue,
    coalesce(r.inpatient_revenue, 0) + coalesce(r.outpatient_revenue, 0) AS revenue
FROM budgets_hospital AS h
CROSS JOIN years AS y
LEFT JOIN revenue AS r ON r.ccn = h.ccn AND r.year = y.year
