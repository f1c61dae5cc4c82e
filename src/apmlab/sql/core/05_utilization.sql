-- Utilisation per beneficiary-year, counted as the MSSP public use file counts it:
-- inpatient admissions (distinct 11x claims), SNF stays (distinct admissions) and their
-- days, emergency department visits (institutional claims with revenue centre 0450-0459
-- or 0981) and E&M visits (99202-99215, nursing facility and home visits 99304-99350,
-- welcome and annual wellness visits G0402/G0438/G0439), split by the rendering
-- clinician: primary care physicians (specialties 01, 08, 11, 38) and other physicians.
WITH ed AS (
    SELECT person_id, year, count(DISTINCT claim_id) AS ed_visits
    FROM core_claim_line
    WHERE claim_type = 'institutional'
        AND (revenue_center_code BETWEEN '0450' AND '0459' OR revenue_center_code = '0981')
    GROUP BY person_id, year
),
inpatient AS (
    SELECT
        person_id,
        year,
        count(DISTINCT claim_id) AS admissions,
        count(DISTINCT claim_id) FILTER (
            WHERE service_category = 'inpatient_acute'
        ) AS acute_admissions
    FROM core_claim_line
    WHERE service_category IN ('inpatient_acute', 'inpatient_other')
    GROUP BY person_id, year
),
snf_stay AS (
    SELECT
        person_id,
        year,
        coalesce(admission_date, claim_start_date) AS admitted,
        max(date_diff('day', coalesce(admission_date, claim_start_date),
            coalesce(discharge_date, claim_end_date))) AS days
    FROM core_claim_line
    WHERE service_category = 'snf'
    GROUP BY person_id, year, coalesce(admission_date, claim_start_date)
),
snf AS (
    SELECT person_id, year, count(*) AS snf_stays, sum(days) AS snf_days
    FROM snf_stay
    GROUP BY person_id, year
),
em AS (
    SELECT
        l.person_id,
        l.year,
        count(*) AS em_visits,
        count(*) FILTER (WHERE p.specialty_code IN ('01', '08', '11', '38'))
            AS em_visits_primary_care,
        count(*) FILTER (
            WHERE p.provider_type = 'physician'
            AND (p.specialty_code IS NULL OR p.specialty_code NOT IN ('01', '08', '11', '38'))
        ) AS em_visits_specialist
    FROM core_claim_line AS l
    LEFT JOIN provider AS p ON p.npi = l.rendering_npi
    WHERE l.claim_type = 'professional'
        AND (
            l.hcpcs_code BETWEEN '99202' AND '99215'
            OR l.hcpcs_code BETWEEN '99304' AND '99350'
            OR l.hcpcs_code IN ('G0402', 'G0438', 'G0439')
        )
    GROUP BY l.person_id, l.year
),
keys AS (
    SELECT person_id, year FROM ed
    UNION
    SELECT person_id, year FROM inpatient
    UNION
    SELECT person_id, year FROM snf
    UNION
    SELECT person_id, year FROM em
)
SELECT
    k.person_id,
    k.year,
    coalesce(i.admissions, 0) AS admissions,
    coalesce(i.acute_admissions, 0) AS acute_admissions,
    coalesce(s.snf_stays, 0) AS snf_stays,
    coalesce(s.snf_days, 0) AS snf_days,
    coalesce(e.ed_visits, 0) AS ed_visits,
    coalesce(m.em_visits, 0) AS em_visits,
    coalesce(m.em_visits_primary_care, 0) AS em_visits_primary_care,
    coalesce(m.em_visits_specialist, 0) AS em_visits_specialist
FROM keys AS k
LEFT JOIN inpatient AS i ON i.person_id = k.person_id AND i.year = k.year
LEFT JOIN snf AS s ON s.person_id = k.person_id AND s.year = k.year
LEFT JOIN ed AS e ON e.person_id = k.person_id AND e.year = k.year
LEFT JOIN em AS m ON m.person_id = k.person_id AND m.year = k.year
