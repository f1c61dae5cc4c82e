-- Each claim line of an episode's beneficiary that overlaps the episode (anchor start to
-- window end), with the share of its days inside the window: a service that straddles the
-- window is prorated by days (CJR: 80 FR 73540 preamble; TEAM 512.555). Payments are
-- standardised by leaving out IME, DSH and uncompensated-care amounts (510.300(b)(6); TEAM:
-- 512.552 keeps incentive programs and add-on payments outside the model). Lines are flagged when excluded from the episode (510.200(d)): readmissions with
-- an unrelated MS-DRG, and excluded Part B drugs. The anchor claim itself is never excluded.
WITH lines AS (
    SELECT
        e.episode_id,
        e.model,
        e.anchor_claim_id,
        l.claim_id,
        l.service_category,
        l.drg_code,
        l.hcpcs_code,
        l.paid_amount - l.supplemental_amount AS paid,
        date_diff('day', l.claim_start_date, l.claim_end_date) + 1 AS claim_days,
        date_diff('day', greatest(l.claim_start_date, e.anchor_start_date),
            least(l.claim_end_date, e.window_end_date)) + 1 AS days_in_window
    FROM episodes_anchor AS e
    INNER JOIN core_claim_line AS l
        ON l.person_id = e.person_id
        AND l.claim_start_date <= e.window_end_date
        AND l.claim_end_date >= e.anchor_start_date
)
SELECT
    li.episode_id,
    li.model,
    li.claim_id,
    li.service_category,
    li.paid,
    CAST(li.days_in_window AS DOUBLE) / li.claim_days AS fraction_in_window,
    CASE
        WHEN li.claim_id = li.anchor_claim_id THEN NULL
        WHEN li.service_category IN ('inpatient_acute', 'inpatient_other') THEN xd.reason
        ELSE xh.reason
    END AS exclusion_reason
FROM lines AS li
LEFT JOIN episodes_ref_excluded AS xd
    ON xd.code_type = 'drg' AND xd.code = li.drg_code AND xd.model IN ('all', li.model)
LEFT JOIN episodes_ref_excluded AS xh
    ON xh.code_type = 'hcpcs' AND xh.code = li.hcpcs_code AND xh.model IN ('all', li.model)
