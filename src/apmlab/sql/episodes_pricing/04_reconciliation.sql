-- Net payment reconciliation amount (NPRA) per participant and performance year, over its
-- non-canceled episodes with a target price (510.305(e), 512.550):
--   target total  = sum of targets before discount x (1 - quality-adjusted discount)
--   NPRA          = target total - sum of capped actual payments
-- CJR quality (510.315(f)): good / excellent composite scores lower the discount (both the
-- reconciliation and the repayment discount, 510.300(c)(1)); a positive NPRA is computed with
-- the reconciliation discount, a negative one with the repayment discount (510.300(c)(2)-(3)).
-- TEAM / BPCI Advanced quality: the positive (negative) amount is scaled down by up to
-- quality_positive_max (quality_negative_max) according to the score.
-- Limits: the amount is held between -stop_loss and +stop_gain times the target total, by
-- track and hospital type (510.305(e)(1)(v)); then the CJR quality gate withholds a positive
-- payment when the score is under the gate (510.305(f)(2), (g)).
-- Gross savings = sum of undiscounted targets - actual; net savings to Medicare = gross
-- savings - reconciliation payment.
WITH ep AS (
    SELECT
        model,
        participant_id,
        performance_year,
        min(performance_year_label) AS performance_year_label,
        min(rules_year) AS rules_year,
        min(track) AS track,
        max(hospital_type) AS hospital_type,
        count(*) AS episodes,
        sum(target_before_discount) AS undiscounted_total,
        sum(target_before_discount * discount) AS discount_dollars,
        sum(target_before_discount * repayment_discount) AS repayment_discount_dollars,
        sum(actual_payment) AS actual_uncapped_total,
        sum(capped_payment) AS actual_total
    FROM episodes_pricing_target
    WHERE participant_id IS NOT NULL AND NOT cancelled AND target_before_discount IS NOT NULL
    GROUP BY model, participant_id, performance_year
),
scored AS (
    SELECT
        ep.*,
        coalesce(q.composite_quality_score, m.default_quality) AS quality_score,
        m.quality_mode,
        m.quality_gate,
        m.quality_positive_max,
        m.quality_negative_max,
        CASE
            WHEN m.quality_mode <> 'cjr' THEN 0.0
            WHEN coalesce(q.composite_quality_score, m.default_quality) > m.excellent_threshold
                THEN m.excellent_reduction
            WHEN coalesce(q.composite_quality_score, m.default_quality) >= m.good_threshold
                THEN m.good_reduction
            ELSE 0.0
        END AS discount_reduction,
        coalesce(l.stop_gain, 0) AS stop_gain,
        coalesce(l.stop_loss, 0) AS stop_loss
    FROM ep
    INNER JOIN episodes_ref_model AS m ON m.model = ep.model
    LEFT JOIN episodes_input_quality AS q
        ON q.model = ep.model AND q.participant_id = ep.participant_id
        AND q.performance_year = ep.performance_year
    LEFT JOIN episodes_ref_limit AS l
        ON l.model = ep.model AND l.year = ep.performance_year
        AND l.track = regexp_replace(lower(ep.track), '[^0-9]', '', 'g')
        AND l.hospital_type = ep.hospital_type
),
npra AS (
    SELECT
        s.*,
        s.undiscounted_total - greatest(s.discount_dollars - s.discount_reduction * s.undiscounted_total, 0)
            AS target_total,
        s.undiscounted_total
            - greatest(s.repayment_discount_dollars - s.discount_reduction * s.undiscounted_total, 0)
            AS repayment_target_total
    FROM scored AS s
),
raw AS (
    SELECT
        n.*,
        CASE
            WHEN n.target_total - n.actual_total > 0 THEN n.target_total - n.actual_total
            WHEN n.repayment_target_total - n.actual_total < 0
                THEN n.repayment_target_total - n.actual_total
            ELSE 0.0
        END AS npra
    FROM npra AS n
),
quality_adjusted AS (
    SELECT
        r.*,
        CASE
            WHEN r.quality_mode = 'cjr' THEN r.npra
            WHEN r.npra > 0
                THEN r.npra * (1 - r.quality_positive_max * (1 - least(r.quality_score, 100) / 100))
            ELSE r.npra * (1 - r.quality_negative_max * least(r.quality_score, 100) / 100)
        END AS quality_adjusted_npra
    FROM raw AS r
),
limited AS (
    SELECT
        qa.*,
        least(greatest(qa.quality_adjusted_npra, -qa.stop_loss * qa.target_total),
            qa.stop_gain * qa.target_total) AS limited_amount
    FROM quality_adjusted AS qa
)
SELECT
    model,
    participant_id,
    performance_year,
    performance_year_label,
    rules_year,
    track,
    hospital_type,
    episodes,
    undiscounted_total,
    target_total,
    actual_uncapped_total,
    actual_total,
    npra,
    quality_score,
    quality_adjusted_npra,
    stop_gain * target_total AS stop_gain_limit,
    stop_loss * target_total AS stop_loss_limit,
    limited_amount <> quality_adjusted_npra AS stop_loss_gain_applied,
    quality_mode = 'cjr' AND limited_amount > 0 AND quality_score < quality_gate
        AS quality_gate_failed,
    CASE
        WHEN quality_mode = 'cjr' AND limited_amount > 0 AND quality_score < quality_gate THEN 0.0
        ELSE limited_amount
    END AS reconciliation_payment,
    undiscounted_total - actual_total AS gross_savings
FROM limited
