-- Payment HCCs after CMS's hierarchies: a CC is dropped when the person also has a CC
-- ranked above it (V24H86H1 / V28115H1 hierarchy tables). Before that, a CC that needs a
-- companion is dropped without one: V28 HCC 223 (heart assist device) counts only with a
-- heart-failure HCC 221, 222, 224, 225 or 226 (V28 model software, refdata requires.csv);
-- a CC so dropped does not rank above others either. One row per person and HCC.
-- Set-based with bit masks (risk_hcc_bit): one GROUP BY gives each person the bits of
-- the CCs present, and an HCC is kept when its bit is set and none of its parents' is.
WITH parents AS (
    SELECT r.child AS cc, BIT_OR(p.b0) AS p0, BIT_OR(p.b1) AS p1
    FROM ref_hcc_hierarchy AS r
    JOIN risk_hcc_bit AS p ON p.cc = r.parent
    WHERE r.model = $model AND r.payment_year = $payment_year
    GROUP BY r.child
),
needs AS (
    SELECT q.cc, BIT_OR(p.b0) AS n0, BIT_OR(p.b1) AS n1
    FROM ref_hcc_requires AS q
    JOIN risk_hcc_bit AS p ON p.cc = q.required_cc
    WHERE q.model = $model
    GROUP BY q.cc
),
per_cc AS (
    SELECT
        b.cc, b.b0, b.b1,
        COALESCE(pa.p0, 0) AS p0, COALESCE(pa.p1, 0) AS p1,
        ne.cc IS NOT NULL AS has_needs, COALESCE(ne.n0, 0) AS n0, COALESCE(ne.n1, 0) AS n1
    FROM risk_hcc_bit AS b
    LEFT JOIN parents AS pa ON pa.cc = b.cc
    LEFT JOIN needs AS ne ON ne.cc = b.cc
),
present AS (
    SELECT d.person_key, BIT_OR(b.b0) AS w0, BIT_OR(b.b1) AS w1
    FROM risk_dx_cc AS d
    JOIN risk_hcc_bit AS b ON b.cc = d.cc
    GROUP BY d.person_key
),
ruled_out AS (
    SELECT m.person_key, BIT_OR(c.b0) AS r0, BIT_OR(c.b1) AS r1
    FROM present AS m
    JOIN per_cc AS c
        ON c.has_needs AND ((m.w0 & c.b0) | (m.w1 & c.b1)) <> 0
    WHERE ((m.w0 & c.n0) | (m.w1 & c.n1)) = 0
    GROUP BY m.person_key
),
kept AS (
    SELECT
        m.person_key,
        m.w0 & ~COALESCE(o.r0, 0) AS w0,
        m.w1 & ~COALESCE(o.r1, 0) AS w1
    FROM present AS m
    LEFT JOIN ruled_out AS o ON o.person_key = m.person_key
)
SELECT k.person_key, c.cc
FROM kept AS k
JOIN per_cc AS c ON ((k.w0 & c.b0) | (k.w1 & c.b1)) <> 0
WHERE ((k.w0 & c.p0) | (k.w1 & c.p1)) = 0
