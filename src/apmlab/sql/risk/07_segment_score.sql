-- Raw score of every segment for every person, as CMS's software writes them: the sum of
-- the segment's coefficients over the person's HCCs (risk_hcc, joined on the CC number),
-- other variables (risk_variable, joined on the name) and the count of payment HCCs
-- (D1..D9, D10P; V24/V28 main macros), added once the HCCs are counted. The coefficient
-- table is pivoted to one row per variable and one column per segment, so one GROUP BY
-- scores all nine segments. New-enrollee segments have no HCC coefficients, so their
-- scores are demographic only. The same GROUP BY ORs each HCC's bit (risk_hcc_bit) into
-- hcc_bits_0/1, from which the output's HCC flag columns are read.
WITH coef AS (
    SELECT
        variable,
        CASE WHEN regexp_full_match(variable, 'HCC[0-9]+')
            THEN CAST(substr(variable, 4) AS INTEGER) END AS cc,
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
),
hcc_coef AS (
    SELECT c.*, b.b0 AS bits_0, b.b1 AS bits_1
    FROM coef AS c
    JOIN risk_hcc_bit AS b ON b.cc = c.cc
),
contribution AS (
    SELECT h.person_key, c.cna, c.cnd, c.cfa, c.cfd, c.cpa, c.cpd, c.ins, c.ne, c.snpne,
           1 AS hcc, c.bits_0, c.bits_1
    FROM risk_hcc AS h
    JOIN hcc_coef AS c ON c.cc = h.cc
    UNION ALL
    SELECT v.person_key, c.cna, c.cnd, c.cfa, c.cfd, c.cpa, c.cpd, c.ins, c.ne, c.snpne,
           0 AS hcc, 0 AS bits_0, 0 AS bits_1
    FROM risk_variable AS v
    JOIN coef AS c ON c.variable = v.variable
),
summed AS (
    SELECT
        person_key,
        SUM(cna) AS cna,
        SUM(cnd) AS cnd,
        SUM(cfa) AS cfa,
        SUM(cfd) AS cfd,
        SUM(cpa) AS cpa,
        SUM(cpd) AS cpd,
        SUM(ins) AS ins,
        SUM(ne) AS ne,
        SUM(snpne) AS snpne,
        SUM(hcc) AS n_hcc,
        BIT_OR(bits_0) AS hcc_bits_0,
        BIT_OR(bits_1) AS hcc_bits_1
    FROM contribution
    GROUP BY person_key
)
SELECT
    s.person_key,
    s.cna + COALESCE(d.cna, 0) AS score_community_na,
    s.cnd + COALESCE(d.cnd, 0) AS score_community_nd,
    s.cfa + COALESCE(d.cfa, 0) AS score_community_fba,
    s.cfd + COALESCE(d.cfd, 0) AS score_community_fbd,
    s.cpa + COALESCE(d.cpa, 0) AS score_community_pba,
    s.cpd + COALESCE(d.cpd, 0) AS score_community_pbd,
    s.ins + COALESCE(d.ins, 0) AS score_institutional,
    s.ne + COALESCE(d.ne, 0) AS score_new_enrollee,
    s.snpne + COALESCE(d.snpne, 0) AS score_snp_new_enrollee,
    s.n_hcc,
    s.hcc_bits_0,
    s.hcc_bits_1
FROM summed AS s
LEFT JOIN coef AS d
    ON d.variable = CASE
        WHEN s.n_hcc >= 10 THEN 'D10P'
        WHEN s.n_hcc > 0 THEN CONCAT('D', CAST(s.n_hcc AS VARCHAR))
    END
