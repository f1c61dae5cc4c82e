-- The beneficiaries compared for one model ($model), with their baseline covariates.
-- The cohort is every beneficiary enrolled in the baseline year ($baseline_year, the year
-- before the model's first start), so both groups are followed from the same point:
--   treated: attributed to an entity of $model before it started (evaluate_attribution);
--   comparison: attributed to no entity of the models in $family, with a baseline
--     primary-care TIN that is no participant of them, and, when $needs_practice, with a
--     baseline primary-care TIN at all (as every ACO-attributed beneficiary has); living in
--     the same markets when $same_market (states of the treated at baseline).
-- Baseline trend is the change in spending per person-year from the year before.
WITH base AS (
    SELECT * FROM evaluate_person_year WHERE year = $baseline_year
),
prior AS (
    SELECT person_id, spending FROM evaluate_person_year WHERE year = $baseline_year - 1
),
practice AS (
    SELECT person_id, tin FROM evaluate_primary_care_tin WHERE year = $baseline_year
),
treated AS (
    SELECT person_id, cohort, entity_id
    FROM evaluate_attribution
    WHERE model = $model AND cohort > $baseline_year
),
excluded AS (
    SELECT DISTINCT person_id FROM evaluate_attribution WHERE list_contains($family, model)
),
participant_tin AS (
    SELECT DISTINCT tin
    FROM participation
    WHERE list_contains($family, model) AND tin IS NOT NULL
),
market AS (
    SELECT DISTINCT b.state FROM base AS b INNER JOIN treated AS t ON t.person_id = b.person_id
)
SELECT
    b.person_id,
    CASE WHEN t.person_id IS NULL THEN 0 ELSE 1 END AS treated,
    coalesce(t.cohort, 0) AS cohort,
    t.entity_id,
    b.state,
    b.county_fips,
    c.tin AS primary_care_tin,
    b.rural,
    b.age,
    b.female,
    b.dual,
    b.enrollment_type,
    b.risk_score,
    b.spending AS baseline_spending,
    b.spending - p.spending AS baseline_trend
FROM base AS b
LEFT JOIN treated AS t ON t.person_id = b.person_id
LEFT JOIN prior AS p ON p.person_id = b.person_id
LEFT JOIN practice AS c ON c.person_id = b.person_id
WHERE t.person_id IS NOT NULL
    OR (
        b.person_id NOT IN (SELECT person_id FROM excluded)
        AND (c.tin IS NULL OR c.tin NOT IN (SELECT tin FROM participant_tin))
        AND (NOT $needs_practice OR c.tin IS NOT NULL)
        AND (NOT $same_market OR b.state IN (SELECT state FROM market))
    )
