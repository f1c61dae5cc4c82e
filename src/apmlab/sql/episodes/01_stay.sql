-- Acute inpatient stays, one row per inpatient claim, with transfers chained: a stay that
-- begins on the day of (or the day after) a discharge coded 02 (transferred to a short-term
-- hospital) continues the earlier stay, so an episode anchored on it starts at the first
-- admission and takes the first hospital's stay in (one transfer deep).
WITH claims AS (
    SELECT
        claim_id,
        person_id,
        max(facility_ccn) AS facility_ccn,
        min(coalesce(admission_date, claim_start_date)) AS admission_date,
        max(coalesce(discharge_date, claim_end_date)) AS discharge_date,
        max(drg_code) AS drg_code,
        max(discharge_disposition_code) AS disposition
    FROM core_claim_line
    WHERE service_category = 'inpatient_acute'
    GROUP BY claim_id, person_id
),
ordered AS (
    SELECT
        c.*,
        lag(c.admission_date) OVER w AS previous_admission,
        lag(c.discharge_date) OVER w AS previous_discharge,
        lag(c.disposition) OVER w AS previous_disposition
    FROM claims AS c
    WINDOW w AS (PARTITION BY c.person_id ORDER BY c.admission_date, c.discharge_date, c.claim_id)
)
SELECT
    claim_id,
    person_id,
    facility_ccn,
    drg_code,
    disposition,
    admission_date,
    discharge_date,
    coalesce(previous_disposition = '02'
        AND date_diff('day', previous_discharge, admission_date) BETWEEN 0 AND 1, FALSE)
        AS transferred_in,
    CASE
        WHEN previous_disposition = '02'
            AND date_diff('day', previous_discharge, admission_date) BETWEEN 0 AND 1
            THEN previous_admission
        ELSE admission_date
    END AS stay_start_date
FROM ordered
