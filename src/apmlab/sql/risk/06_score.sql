-- Raw score of every segment for every person, as CMS's software writes them: the sum of
-- the segment's coefficients over the person's variables. The coefficient table is pivoted
-- to one row per variable and one column per segment, so one join and one GROUP BY score
-- all nine segments. New-enrollee segments have no HCC coefficients, so their scores are
-- demographic only.
WITH coef AS (
    SELECT
        variable,
        SUM(CASE WHEN segment = 'CNA' THEN coefficient ELSE 0 END) AS cna,
        SUM(CASE WHEN segment = 'CND' THEN coefficient ELSE 0 END) AS cnd,
        SUM(CASE WHEN segment = 'CFA' THEN coefficient ELSE 0 END) AS cfa,
        SUM(CASE WHEN segment = 'CFD' THEN coefficient ELSE 0 END) AS cfd,
        SUM(CASE WHEN segment = 'CPA' THEN coefficient ELSE 0 END) AS cpa,
        SUM(CASE WHEN segment = 'CPD' THEN coefficient ELSE 0 END) AS cpd,
        SUM(CASE WHEN segment = 'INS' THEN coefficient ELSE 0 END) AS ins,
        SUM(CASE WHEN segment = 'NE' THEN coefficient ELSE 0 END) AS ne,
        SUM(CASE WHEN segment = 'SNPNE' THEN coefficient ELSE 0 END) AS snpne
    FROM ref_hcc_coefficients
    WHERE model = $model AND payment_year = $payment_year
    GROUP BY variable
)
SELECT
    v.person_key,
    SUM(c.cna) AS score_community_na,
    SUM(c.cnd) AS score_community_nd,
    SUM(c.cfa) AS score_community_fba,
    SUM(c.cfd) AS score_community_fbd,
    SUM(c.cpa) AS score_community_pba,
    SUM(c.cpd) AS score_community_pbd,
    SUM(c.ins) AS score_institutional,
    SUM(c.ne) AS score_new_enrollee,
    SUM(c.snpne) AS score_snp_new_enrollee
FROM risk_variable AS v
JOIN coef AS c ON c.variable = v.variable
GROUP BY v.person_key
