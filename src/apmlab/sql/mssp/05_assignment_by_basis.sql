-- Assignment of each eligible beneficiary to at most one ACO per basis (03_aco_tin), year
-- and method (42 CFR 425.402(b)):
--   step 1: beneficiaries with any primary care service from a primary care physician or
--     non-physician practitioner (inside or outside an ACO) go to the ACO whose allowed
--     charges for such services are greater than those of every other ACO and every
--     unaffiliated billing TIN (a tie assigns no one);
--   step 2: the others, by the same plurality over step-two specialists' charges;
--   an ACO may only consider a beneficiary with a primary care service from one of its
--     primary care physicians or step-two specialists (425.402(b)(1));
--   voluntary alignment (425.402(e)): a designation of an ACO professional assigns the
--     beneficiary to that ACO whatever the claims say; a designation of a clinician outside
--     every ACO keeps the beneficiary out of claims-based assignment.
-- Eligibility (425.401(a)): enrolled in both Part A and Part B in every enrolled month of
-- the performance year.
-- Charges are summed per entity: the ACO whose participant TIN billed them, otherwise the
-- billing TIN itself (425.402(b)(3)); TINs in more than one ACO of the basis are left out
-- (425.400(a)(2)(iii)). Only beneficiaries who saw a participant TIN of an ACO of the basis
-- in the window can be assigned by claims in that basis, so only they are summed. Charges
-- are rounded to the cent, so that a tie is a tie whatever order the sum was taken in.
WITH period AS (
    -- a period of 04_primary_care_service falls in the retrospective window of its
    -- calendar year, and in the prospective (offset) window of the next year if it is
    -- January-September, of the year after next if October-December
    SELECT person_id, billing_tin, role, period_start, allowed_amount, services,
        phe_allowed_amount, phe_services, year AS window_year, 'retrospective' AS method
    FROM mssp_primary_care_service
    UNION ALL
    SELECT person_id, billing_tin, role, period_start, allowed_amount, services,
        phe_allowed_amount, phe_services,
        year + CASE WHEN month(period_start) >= 10 THEN 2 ELSE 1 END AS window_year,
        'prospective' AS method
    FROM mssp_primary_care_service
),
service AS (
    -- each TIN's and role's services in each window; the emergency's extra codes only
    -- where the window includes the emergency; the dates are checked against the window
    SELECT
        w.year,
        w.method,
        s.person_id,
        s.billing_tin,
        s.role,
        s.allowed_amount + CASE WHEN w.includes_phe THEN s.phe_allowed_amount ELSE 0 END
            AS allowed_amount,
        s.services + CASE WHEN w.includes_phe THEN s.phe_services ELSE 0 END AS services
    FROM period AS s
    INNER JOIN mssp_assignment_window AS w
        ON w.year = s.window_year AND w.method = s.method
        AND s.period_start BETWEEN w.window_start AND w.window_end
    WHERE s.services > 0 OR (w.includes_phe AND s.phe_services > 0)
),
aco_contact AS (
    SELECT DISTINCT t.basis, s.year, s.method, s.person_id
    FROM service AS s
    INNER JOIN mssp_aco_tin AS t
        ON t.year = s.year AND t.tin = s.billing_tin AND NOT t.shared_tin
),
entity_charges AS (
    SELECT
        c.basis,
        s.year,
        s.method,
        s.person_id,
        a.aco_id,
        CASE WHEN a.aco_id IS NULL THEN s.billing_tin END AS other_tin,
        a.model,
        round(coalesce(sum(s.allowed_amount) FILTER (
            WHERE s.role IN ('primary_care', 'non_physician')), 0), 2) AS step_one_allowed,
        coalesce(sum(s.services) FILTER (WHERE s.role IN ('primary_care', 'non_physician')), 0)
            AS step_one_services,
        round(coalesce(sum(s.allowed_amount) FILTER (WHERE s.role = 'step_two'), 0), 2)
            AS step_two_allowed,
        coalesce(sum(s.services) FILTER (
            WHERE a.aco_id IS NOT NULL AND s.role IN ('primary_care', 'step_two')
        ), 0) AS aco_physician_services
    FROM service AS s
    INNER JOIN aco_contact AS c
        ON c.year = s.year AND c.method = s.method AND c.person_id = s.person_id
    LEFT JOIN mssp_aco_tin AS a
        ON a.basis = c.basis AND a.year = s.year AND a.tin = s.billing_tin
    WHERE a.shared_tin IS NULL OR NOT a.shared_tin
    GROUP BY c.basis, s.year, s.method, s.person_id, a.aco_id, a.model,
        CASE WHEN a.aco_id IS NULL THEN s.billing_tin END
),
best AS (
    SELECT
        basis,
        year,
        method,
        person_id,
        sum(step_one_services) > 0 AS step_one,
        max(step_one_allowed) AS best_one,
        max(step_two_allowed) AS best_two
    FROM entity_charges
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
    FROM entity_charges AS c
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
