-- One row per episode: actual payment (included services, prorated) split by service
-- category, excluded and out-of-window dollars, the beneficiary's risk factors and the
-- cancellation reason. Cancellation (510.210(b), 512.535(b), 512.537(b)): death during the
-- episode; loss of Parts A and B fee-for-service coverage in any month of the window (a
-- month without enrollment, or without both parts; months after the data end do not count); ESRD entitlement (Medicare status 11,
-- 21, 31); the overlap rule of the model. An episode whose window runs past the last day of
-- data is set aside as 'incomplete_window' (claims run-out, not a model rule).
-- Risk factors (510.301(a), 512.545(a)): CMS-HCC count of the calendar year before the
-- anchor (table episodes_input_hcc, empty when no risk stage ran), age at the anchor start,
-- full Medicaid benefits in the anchor month, hospital bed size.
WITH money AS (
    SELECT
        episode_id,
        sum(paid * fraction_in_window) FILTER (WHERE exclusion_reason IS NULL) AS actual,
        sum(paid * fraction_in_window) FILTER (
            WHERE exclusion_reason IS NULL AND service_category = 'inpatient_acute'
        ) AS inpatient_acute,
        sum(paid * fraction_in_window) FILTER (
            WHERE exclusion_reason IS NULL AND service_category = 'inpatient_other'
        ) AS inpatient_other,
        sum(paid * fraction_in_window) FILTER (
            WHERE exclusion_reason IS NULL AND service_category = 'snf'
        ) AS snf,
        sum(paid * fraction_in_window) FILTER (
            WHERE exclusion_reason IS NULL AND service_category = 'home_health'
        ) AS home_health,
        sum(paid * fraction_in_window) FILTER (
            WHERE exclusion_reason IS NULL AND service_category = 'hospice'
        ) AS hospice,
        sum(paid * fraction_in_window) FILTER (
            WHERE exclusion_reason IS NULL AND service_category = 'outpatient'
        ) AS outpatient,
        sum(paid * fraction_in_window) FILTER (
            WHERE exclusion_reason IS NULL AND service_category = 'professional'
        ) AS professional,
        sum(paid * fraction_in_window) FILTER (
            WHERE exclusion_reason IS NULL AND service_category IN ('dme', 'other')
        ) AS dme_other,
        sum(paid * fraction_in_window) FILTER (WHERE exclusion_reason IS NOT NULL)
            AS excluded,
        sum(paid * (1 - fraction_in_window)) AS outside_window
    FROM episodes_window_claim
    GROUP BY episode_id
),
coverage AS (
    SELECT
        e.episode_id,
        count(bm.person_id) FILTER (WHERE bm.part_a AND bm.part_b) AS months_ab,
        coalesce(bool_or(bm.medicare_status_code IN ('11', '21', '31')), FALSE) AS esrd,
        coalesce(bool_or(bm.dual_status = 'full' AND bm.year * 12 + bm.month
            = year(e.anchor_start_date) * 12 + month(e.anchor_start_date)), FALSE) AS full_dual
    FROM episodes_anchor AS e
    LEFT JOIN core_beneficiary_month AS bm
        ON bm.person_id = e.person_id
        AND bm.year * 12 + bm.month
            BETWEEN year(e.anchor_start_date) * 12 + month(e.anchor_start_date)
            AND year(e.window_end_date) * 12 + month(e.window_end_date)
    GROUP BY e.episode_id
),
person AS (
    SELECT person_id, max(birth_date) AS birth_date, max(death_date) AS death_date
    FROM eligibility
    GROUP BY person_id
),
aged AS (
    SELECT
        e.episode_id,
        year(e.anchor_start_date) - year(p.birth_date)
            - CASE
                WHEN month(e.anchor_start_date) < month(p.birth_date)
                    OR (month(e.anchor_start_date) = month(p.birth_date)
                        AND day(e.anchor_start_date) < day(p.birth_date)) THEN 1
                ELSE 0
            END AS age
    FROM episodes_anchor AS e
    INNER JOIN person AS p ON p.person_id = e.person_id
)
SELECT
    e.*,
    coalesce(mo.actual, 0) AS actual_payment,
    coalesce(mo.inpatient_acute, 0) AS paid_inpatient_acute,
    coalesce(mo.inpatient_other, 0) AS paid_inpatient_other,
    coalesce(mo.snf, 0) AS paid_snf,
    coalesce(mo.home_health, 0) AS paid_home_health,
    coalesce(mo.hospice, 0) AS paid_hospice,
    coalesce(mo.outpatient, 0) AS paid_outpatient,
    coalesce(mo.professional, 0) AS paid_professional,
    coalesce(mo.dme_other, 0) AS paid_dme_other,
    coalesce(mo.excluded, 0) AS excluded_payment,
    coalesce(mo.outside_window, 0) AS outside_window_payment,
    CASE
        WHEN p.death_date BETWEEN e.anchor_start_date AND e.window_end_date THEN 'death'
        WHEN cv.months_ab < 12 * (year(least(e.window_end_date, $last_date)) - year(e.anchor_start_date))
            + month(least(e.window_end_date, $last_date)) - month(e.anchor_start_date) + 1
            THEN 'lost_ab_ffs'
        WHEN cv.esrd THEN 'esrd'
        WHEN e.overlapped THEN 'overlap'
        WHEN e.window_end_date > $last_date THEN 'incomplete_window'
    END AS cancel_reason,
    CASE
        WHEN h.hcc_count IS NULL THEN 'unknown'
        WHEN h.hcc_count >= 4 THEN '4plus'
        ELSE CAST(h.hcc_count AS VARCHAR)
    END AS hcc_count_band,
    CASE
        WHEN a.age < 65 THEN 'lt65'
        WHEN a.age < 75 THEN '65_74'
        WHEN a.age < 85 THEN '75_84'
        ELSE '85plus'
    END AS age_band,
    CASE WHEN cv.full_dual THEN 'full_dual' ELSE 'not_full_dual' END AS dual
FROM episodes_anchor AS e
LEFT JOIN money AS mo ON mo.episode_id = e.episode_id
LEFT JOIN coverage AS cv ON cv.episode_id = e.episode_id
LEFT JOIN person AS p ON p.person_id = e.person_id
LEFT JOIN aged AS a ON a.episode_id = e.episode_id
LEFT JOIN episodes_input_hcc AS h
    ON h.person_id = e.person_id AND h.year = year(e.anchor_start_date) - 1
