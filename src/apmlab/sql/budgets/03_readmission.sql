-- Potentially avoidable utilisation (PAU) revenue of each model hospital and year, which the
-- Maryland demographic adjustment does not fund (HSCRC, "Overview of the Demographic
-- Adjustment under Global Revenue Models"). HSCRC PAU is readmissions plus AHRQ prevention
-- quality indicator admissions; apmlab counts the first part only: acute stays admitted 1 to
-- 30 days after the person's latest earlier acute discharge at any hospital (same-day
-- admissions are taken as transfers, not readmissions).
WITH stay AS (
    SELECT
        person_id,
        claim_id,
        max(facility_ccn) AS ccn,
        max(year) AS year,
        min(coalesce(admission_date, claim_start_date)) AS admitted,
        max(coalesce(discharge_date, claim_end_date)) AS discharged,
        sum(paid_amount) AS paid
    FROM core_claim_line
    WHERE service_category = 'inpatient_acute'
    GROUP BY person_id, claim_id
),
ordered AS (
    SELECT
        *,
        max(discharged) OVER (
            PARTITION BY person_id
            ORDER BY admitted, claim_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) AS previous_discharge
    FROM stay
)
SELECT
    o.ccn,
    o.year,
    count(*) AS readmissions,
    sum(o.paid) AS readmission_revenue
FROM ordered AS o
INNER JOIN budgets_hospital AS h ON h.ccn = o.ccn
WHERE date_diff('day', o.previous_discharge, o.admitted) BETWEEN 1 AND 30
GROUP BY o.ccn, o.year
