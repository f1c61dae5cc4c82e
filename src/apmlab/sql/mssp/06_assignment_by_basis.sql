-- Assignment of each eligible beneficiary to at most one ACO per basis (03_aco_tin), year
-- and method (42 CFR 425.402(b)):
--   step 1: beneficiaries with any primary care service from a primary care physician or
--     non-physician practitioner (inside or outside an ACO) go to the ACO whose allowed
--     charges for such services are greater than those of every other ACO and every
--     unaffiliated billing TIN (a tie assigns no one);
--   step 2: the others, by the same plurality over step-two specialists' charges;
--   voluntary alignment (425.402(e)): a designation of an ACO professional assigns the
--     beneficiary to that ACO whatever the claims say; a designation of a clinician outside
--     every ACO keeps the beneficiary out of claims-based assignment.
-- Eligibility (425.401(a)): enrolled in both Part A and Part B in every enrolled month of
-- the performance year.
WITH best AS (
    SELECT
        basis,
        year,
        method,
        person_id,
        sum(step_one_services) > 0 AS step_one,
        max(step_one_allowed) AS best_one,
        max(step_two_allowed) AS best_two
    FROM mssp_entity_charges
    GROUP BY basis, year, method, person_id
),
leaders AS (
    -- the entities with the greatest charges of the person's step; one alone is a plurality
    SELECT
        c.basis,
        c.year,
        c.method,
        c.person_id,
        count(*) AS leaders,
        max(c.model) AS model,
        max(c.aco_id) AS aco_id,
        CASE WHEN max(b.step_one) THEN '1' ELSE '2' END AS step,
        CASE WHEN max(b.step_one) THEN max(b.best_one) ELSE max(b.best_two) END
            AS allowed_charges,
        max(c.aco_physician_services) AS aco_physician_services
    FROM mssp_entity_charges AS c
    INNER JOIN best AS b
        ON b.basis = c.basis AND b.year = c.year AND b.method = c.method
        AND b.person_id = c.person_id
        AND CASE
            WHEN b.step_one THEN c.step_one_allowed = b.best_one AND b.best_one > 0
            ELSE c.step_two_allowed = b.best_two AND b.best_two > 0
        END
    GROUP BY c.basis, c.year, c.method, c.person_id
),
claims_based AS (
    SELECT basis, year, method, person_id, model, aco_id, step, allowed_charges
    FROM leaders
    WHERE leaders = 1 AND aco_id IS NOT NULL AND aco_physician_services > 0
),
designation AS (
    SELECT
        b.basis,
        w.year,
        w.method,
        v.person_id,
        a.model,
        a.aco_id,
        row_number() OVER (
            PARTITION BY b.basis, w.year, w.method, v.person_id
            ORDER BY v.designation_date DESC, v.npi
        ) AS latest
    FROM voluntary_alignment AS v
    INNER JOIN mssp_assignment_window AS w ON v.designation_date <= w.window_end
    INNER JOIN (SELECT DISTINCT basis, year FROM mssp_aco_tin) AS b ON b.year = w.year
    LEFT JOIN provider AS p ON p.npi = v.npi
    LEFT JOIN mssp_aco_tin AS a
        ON a.basis = b.basis AND a.year = w.year AND a.tin = p.tin AND NOT a.shared_tin
),
assigned AS (
    SELECT basis, year, method, person_id, model, aco_id, 'voluntary' AS step,
        CAST(NULL AS DOUBLE) AS allowed_charges
    FROM designation
    WHERE latest = 1 AND aco_id IS NOT NULL
    UNION ALL
    SELECT c.basis, c.year, c.method, c.person_id, c.model, c.aco_id, c.step,
        c.allowed_charges
    FROM claims_based AS c
    WHERE NOT EXISTS (
        SELECT 1 FROM designation AS d
        WHERE d.basis = c.basis AND d.year = c.year AND d.method = c.method
            AND d.person_id = c.person_id
    )
)
SELECT a.*
FROM assigned AS a
INNER JOIN core_beneficiary_year AS b ON b.person_id = a.person_id AND b.year = a.year
WHERE b.months_part_ab > 0 AND b.months_part_ab = b.months_enrolled
