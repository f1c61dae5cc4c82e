-- One row per beneficiary and year with at least one enrolled month: enrollment,
-- demographics, spending by service category and utilisation.
-- Year enrollment type: ESRD if any ESRD month, otherwise the type with the most months
-- (ties: disabled, aged dual, aged non-dual). The months of each type are kept too,
-- because Shared Savings Program person-years are split by month (42 CFR 425.652(a)(2)).
-- Age is as of February 1 of the year, the CMS-HCC convention.
WITH months AS (
    SELECT
        person_id,
        year,
        count(*) AS months_enrolled,
        count(*) FILTER (WHERE part_a AND part_b) AS months_part_ab,
        count(*) FILTER (WHERE enrollment_type = 'esrd') AS esrd_months,
        count(*) FILTER (WHERE enrollment_type = 'disabled') AS disabled_months,
        count(*) FILTER (WHERE enrollment_type = 'aged_dual') AS aged_dual_months,
        count(*) FILTER (WHERE enrollment_type = 'aged_non_dual') AS aged_non_dual_months,
        count(*) FILTER (WHERE dual_status <> 'none') AS dual_months,
        count(*) FILTER (WHERE dual_status = 'full') AS full_dual_months,
        count(*) FILTER (WHERE institutional) AS institutional_months,
        count(*) FILTER (WHERE hospice) AS hospice_months,
        max_by(original_reason_entitlement_code, month) AS original_reason_entitlement_code,
        max_by(medicare_status_code, month) AS medicare_status_code,
        max_by(state, month) AS state,
        max_by(county_fips, month) AS county_fips,
        max(birth_date) AS birth_date,
        max(death_date) AS death_date,
        max(gender) AS gender,
        max(race) AS race
    FROM core_beneficiary_month
    GROUP BY person_id, year
),
spending AS (
    SELECT
        person_id,
        year,
        sum(allowed_amount) AS total_allowed,
        sum(paid_amount) AS total_paid,
        sum(supplemental_amount) AS supplemental_amount,
        sum(paid_amount_excl_supplemental) AS total_paid_excl_supplemental,
        sum(paid_amount) FILTER (WHERE service_category = 'inpatient_acute') AS paid_inpatient_acute,
        sum(paid_amount) FILTER (WHERE service_category = 'inpatient_other') AS paid_inpatient_other,
        sum(paid_amount) FILTER (WHERE service_category = 'snf') AS paid_snf,
        sum(paid_amount) FILTER (WHERE service_category = 'home_health') AS paid_home_health,
        sum(paid_amount) FILTER (WHERE service_category = 'hospice') AS paid_hospice,
        sum(paid_amount) FILTER (WHERE service_category = 'outpatient') AS paid_outpatient,
        sum(paid_amount) FILTER (WHERE service_category = 'professional') AS paid_professional,
        sum(paid_amount) FILTER (WHERE service_category = 'dme') AS paid_dme,
        sum(paid_amount) FILTER (WHERE service_category = 'other') AS paid_other
    FROM core_spending
    GROUP BY person_id, year
)
SELECT
    m.person_id,
    m.year,
    m.months_enrolled,
    m.months_part_ab,
    m.months_enrolled / 12.0 AS person_years,
    m.esrd_months,
    m.disabled_months,
    m.aged_dual_months,
    m.aged_non_dual_months,
    CASE
        WHEN m.esrd_months > 0 THEN 'esrd'
        WHEN m.disabled_months > 0
            AND m.disabled_months >= m.aged_dual_months
            AND m.disabled_months >= m.aged_non_dual_months THEN 'disabled'
        WHEN m.aged_dual_months > 0 AND m.aged_dual_months >= m.aged_non_dual_months
            THEN 'aged_dual'
        ELSE 'aged_non_dual'
    END AS enrollment_type,
    m.dual_months > 0 AS dual,
    m.full_dual_months > 0 AS full_dual,
    m.institutional_months > 0 AS institutional,
    m.hospice_months > 0 AS hospice,
    m.year - year(m.birth_date)
        - CASE
            WHEN month(m.birth_date) > 2 OR (month(m.birth_date) = 2 AND day(m.birth_date) > 1)
                THEN 1
            ELSE 0
        END AS age,
    m.gender,
    m.race,
    m.state,
    m.county_fips,
    m.original_reason_entitlement_code,
    m.medicare_status_code,
    m.death_date IS NOT NULL AND year(m.death_date) = m.year AS died,
    coalesce(s.total_allowed, 0) AS total_allowed,
    coalesce(s.total_paid, 0) AS total_paid,
    coalesce(s.supplemental_amount, 0) AS supplemental_amount,
    coalesce(s.total_paid_excl_supplemental, 0) AS total_paid_excl_supplemental,
    coalesce(s.paid_inpatient_acute, 0) AS paid_inpatient_acute,
    coalesce(s.paid_inpatient_other, 0) AS paid_inpatient_other,
    coalesce(s.paid_snf, 0) AS paid_snf,
    coalesce(s.paid_home_health, 0) AS paid_home_health,
    coalesce(s.paid_hospice, 0) AS paid_hospice,
    coalesce(s.paid_outpatient, 0) AS paid_outpatient,
    coalesce(s.paid_professional, 0) AS paid_professional,
    coalesce(s.paid_dme, 0) AS paid_dme,
    coalesce(s.paid_other, 0) AS paid_other,
    coalesce(u.admissions, 0) AS admissions,
    coalesce(u.acute_admissions, 0) AS acute_admissions,
    coalesce(u.snf_stays, 0) AS snf_stays,
    coalesce(u.snf_days, 0) AS snf_days,
    coalesce(u.ed_visits, 0) AS ed_visits,
    coalesce(u.em_visits, 0) AS em_visits,
    coalesce(u.em_visits_primary_care, 0) AS em_visits_primary_care,
    coalesce(u.em_visits_specialist, 0) AS em_visits_specialist
FROM months AS m
LEFT JOIN spending AS s ON s.person_id = m.person_id AND s.year = m.year
LEFT JOIN core_utilization AS u ON u.person_id = m.person_id AND u.year = m.year
