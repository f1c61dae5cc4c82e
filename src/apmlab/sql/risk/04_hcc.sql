-- Payment HCCs after CMS's hierarchies: a CC is dropped when the person also has a CC
-- ranked above it (V24H86H1 / V28115H1 hierarchy tables). Before that, a CC that needs a
-- companion is dropped without one: V28 HCC 223 (heart assist device) counts only with a
-- heart-failure HCC 221, 222, 224, 225 or 226 (V28 model software, refdata requires.csv).
WITH ruled_out AS (
    SELECT h.person_key, h.cc
    FROM risk_dx_cc AS h
    JOIN (SELECT DISTINCT cc FROM ref_hcc_requires WHERE model = $model) AS r ON r.cc = h.cc
    LEFT JOIN (
        SELECT DISTINCT f.person_key, q.cc
        FROM risk_dx_cc AS f
        JOIN ref_hcc_requires AS q ON q.required_cc = f.cc AND q.model = $model
    ) AS ok ON ok.person_key = h.person_key AND ok.cc = h.cc
    WHERE ok.person_key IS NULL
),
kept AS (
    SELECT h.person_key, h.cc
    FROM risk_dx_cc AS h
    LEFT JOIN ruled_out AS o ON o.person_key = h.person_key AND o.cc = h.cc
    WHERE o.person_key IS NULL
),
dominated AS (
    SELECT DISTINCT k.person_key, r.child AS cc
    FROM kept AS k
    JOIN ref_hcc_hierarchy AS r
        ON r.parent = k.cc AND r.model = $model AND r.payment_year = $payment_year
)
SELECT k.person_key, k.cc
FROM kept AS k
LEFT JOIN dominated AS d ON d.person_key = k.person_key AND d.cc = k.cc
WHERE d.person_key IS NULL
