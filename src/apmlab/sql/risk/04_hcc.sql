-- Payment HCCs after CMS's hierarchies: a CC is dropped when the person also has a CC
-- ranked above it (V24H86H1 / V28115H1 hierarchy tables). Before that, a CC that needs a
-- companion is dropped without one: V28 HCC 223 (heart assist device) counts only with a
-- heart-failure HCC 221, 222, 224, 225 or 226 (V28 model software, refdata requires.csv);
-- a CC so dropped does not rank above others either.
-- One GROUP BY does the anti-join and the dedupe: the person's CCs (drop = 0) and the CCs
-- their other CCs knock out (drop = 1) are stacked; a CC survives if no row drops it.
WITH needs AS (
    SELECT h.person_key, h.cc
    FROM risk_dx_cc AS h
    WHERE h.cc IN (SELECT cc FROM ref_hcc_requires WHERE model = $model)
),
ruled_out AS (
    SELECT n.person_key, n.cc
    FROM needs AS n
    LEFT JOIN (
        SELECT DISTINCT f.person_key, q.cc
        FROM risk_dx_cc AS f
        JOIN ref_hcc_requires AS q ON q.required_cc = f.cc AND q.model = $model
    ) AS ok ON ok.person_key = n.person_key AND ok.cc = n.cc
    WHERE ok.person_key IS NULL
),
stacked AS (
    SELECT person_key, cc, 0 AS dropped FROM risk_dx_cc
    UNION ALL
    SELECT person_key, cc, 1 AS dropped FROM ruled_out
    UNION ALL
    SELECT h.person_key, r.child AS cc, 1 AS dropped
    FROM risk_dx_cc AS h
    JOIN ref_hcc_hierarchy AS r
        ON r.parent = h.cc AND r.model = $model AND r.payment_year = $payment_year
    LEFT JOIN ruled_out AS o ON o.person_key = h.person_key AND o.cc = h.cc
    WHERE o.person_key IS NULL
)
SELECT person_key, cc
FROM stacked
GROUP BY person_key, cc
HAVING MAX(dropped) = 0
