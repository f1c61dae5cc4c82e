-- Every anchor at any hospital, for every model: an acute inpatient stay whose MS-DRG is on
-- the model's anchor list, or (TEAM, CJR from July 2021) an outpatient claim with an anchor
-- HCPCS code, priced with the MS-DRG it maps to (refdata/episodes/anchor_codes.csv). The
-- window ends window_days after discharge, the day of discharge being day 1 (42 CFR
-- 510.210(a)). The participant is the model's participation row for the hospital's CCN at
-- the anchor date; episodes at other hospitals are kept for regional prices and comparison.
-- Overlap: CJR cancels an episode when the beneficiary is readmitted to a participant
-- hospital for another anchor (510.210(b)(2)); TEAM and BPCI Advanced keep the earlier one.
-- The region is the U.S. Census division of the hospital's state (510.300(b)(1)), else of
-- the beneficiary's state.
WITH inpatient AS (
    SELECT
        a.model,
        a.episode_type,
        s.drg_code AS anchor_drg,
        s.person_id,
        s.facility_ccn AS hospital_ccn,
        s.claim_id AS anchor_claim_id,
        'inpatient' AS anchor_setting,
        s.transferred_in,
        s.stay_start_date AS anchor_start_date,
        s.discharge_date AS anchor_end_date
    FROM episodes_stay AS s
    INNER JOIN episodes_ref_anchor AS a ON a.code_type = 'drg' AND a.code = s.drg_code
),
outpatient AS (
    SELECT
        a.model,
        min(a.episode_type) AS episode_type,
        min(a.anchor_drg) AS anchor_drg,
        l.person_id,
        max(l.facility_ccn) AS hospital_ccn,
        l.claim_id AS anchor_claim_id,
        'outpatient' AS anchor_setting,
        FALSE AS transferred_in,
        min(l.claim_start_date) AS anchor_start_date,
        min(l.claim_start_date) AS anchor_end_date
    FROM core_claim_line AS l
    INNER JOIN episodes_ref_anchor AS a ON a.code_type = 'hcpcs' AND a.code = l.hcpcs_code
    WHERE l.service_category = 'outpatient'
    GROUP BY a.model, l.person_id, l.claim_id
),
anchors AS (
    SELECT * FROM inpatient
    UNION ALL
    SELECT * FROM outpatient
),
participant AS (
    SELECT
        an.model,
        an.anchor_claim_id,
        min(p.entity_id) AS participant_id,
        min(p.track) AS track,
        min(p.state) AS participation_state
    FROM anchors AS an
    INNER JOIN participation AS p
        ON p.model = an.model
        AND p.ccn = an.hospital_ccn
        AND an.anchor_start_date >= p.start_date
        AND (p.end_date IS NULL OR an.anchor_start_date <= p.end_date)
    GROUP BY an.model, an.anchor_claim_id
),
hospital AS (
    SELECT ccn, max(state) AS state, bool_or(rural_flag) AS rural, max(bed_count) AS beds
    FROM provider
    WHERE ccn IS NOT NULL
    GROUP BY ccn
),
windowed AS (
    SELECT
        an.*,
        CAST(an.anchor_end_date + INTERVAL (m.window_days - 1) DAY AS DATE) AS window_end_date,
        CASE WHEN m.year_basis = 'anchor_end' THEN year(an.anchor_end_date)
            ELSE year(an.anchor_start_date) END AS performance_year,
        m.overlap
    FROM anchors AS an
    INNER JOIN episodes_ref_model AS m ON m.model = an.model
)
SELECT
    w.model || '-' || w.anchor_claim_id AS episode_id,
    w.model,
    w.episode_type,
    w.anchor_drg,
    w.anchor_setting,
    w.transferred_in,
    w.person_id,
    w.hospital_ccn,
    w.anchor_claim_id,
    w.anchor_start_date,
    w.anchor_end_date,
    w.window_end_date,
    w.performance_year,
    pa.participant_id,
    coalesce(pa.track, m.default_track) AS track,
    CASE WHEN coalesce(h.rural, FALSE) THEN 'rural' ELSE 'standard' END AS hospital_type,
    CASE
        WHEN h.beds IS NULL THEN 'unknown'
        WHEN h.beds <= 250 THEN 'le250'
        WHEN h.beds <= 500 THEN '251_500'
        WHEN h.beds <= 850 THEN '501_850'
        ELSE 'gt850'
    END AS bed_size,
    coalesce(d.division, 'unknown') AS region,
    CASE
        WHEN w.overlap = 'cancel_earlier' THEN coalesce(lead(w.anchor_start_date) OVER o
            <= w.window_end_date AND lead(pa.participant_id) OVER o IS NOT NULL, FALSE)
        ELSE coalesce(w.anchor_start_date <= lag(w.window_end_date) OVER o, FALSE)
    END AS overlapped
FROM windowed AS w
INNER JOIN episodes_ref_model AS m ON m.model = w.model
LEFT JOIN participant AS pa ON pa.model = w.model AND pa.anchor_claim_id = w.anchor_claim_id
LEFT JOIN hospital AS h ON h.ccn = w.hospital_ccn
LEFT JOIN core_beneficiary_year AS py_row
    ON py_row.person_id = w.person_id AND py_row.year = year(w.anchor_start_date)
LEFT JOIN episodes_ref_division AS d
    ON d.state = coalesce(h.state, pa.participation_state, py_row.state)
WINDOW o AS (PARTITION BY w.model, w.person_id ORDER BY w.anchor_start_date, w.anchor_claim_id)
