-- The model's payment HCCs, each with one bit: HCCs in CC order, 62 per BIGINT word
-- (b0 for the first 62, b1 for the rest; V24 has 86 HCCs, V28 115). Per-person sets of
-- HCCs are then bit masks: risk_hcc applies the hierarchies with them and risk_segment_score
-- ORs them into the flags of the output. The HCC list is the coefficient table's, which
-- refdata.check() proves equal to the set of CCs the map and edits can produce.
SELECT
    cc,
    pos,
    CASE WHEN pos < 62 THEN CAST(1 AS BIGINT) << pos ELSE 0 END AS b0,
    CASE WHEN pos >= 62 THEN CAST(1 AS BIGINT) << (pos - 62) ELSE 0 END AS b1
FROM (
    SELECT cc, ROW_NUMBER() OVER (ORDER BY cc) - 1 AS pos
    FROM (
        SELECT DISTINCT CAST(substr(variable, 4) AS INTEGER) AS cc
        FROM ref_hcc_coefficients
        WHERE model = $model AND payment_year = $payment_year
          AND regexp_full_match(variable, 'HCC[0-9]+')
    ) AS h
) AS p
