-- Bundled-payment episodes (episodes stage), at participant and other hospitals: the
-- anchor hospital, the year the anchor stay ended, the episode's Medicare payment and its
-- post-acute part (SNF, home health, rehabilitation and long-term care hospitals), and the
-- case mix the comparison is weighted on (MS-DRG, age band, full dual, HCC count band).
-- Canceled episodes are not reconciled, so they are left out.
SELECT
    episode_id,
    model,
    hospital_ccn AS ccn,
    CAST(year(anchor_end_date) AS INTEGER) AS year,
    actual_payment AS episode_spending,
    paid_snf + paid_home_health + paid_inpatient_other AS post_acute_spending,
    anchor_drg,
    age_band,
    dual,
    hcc_count_band
FROM episodes
WHERE NOT cancelled
