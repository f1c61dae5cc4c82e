"""Score CMS-HCC risk for a population laid out like CMS's own software.

Input (the layout of CMS's SAS/"DIY" risk-score software):

- persons ``ID, DOB, SEX, OREC, LTIMCAID, NEMCAID``: SEX 1 male / 2 female, DOB as
  YYYY-MM-DD or YYYYMMDD, OREC 0-3, LTIMCAID and NEMCAID 0/1 (blank = 0);
- diagnoses ``ID, ICD10`` (dots optional).

Output: one row per person, in input order: ``ID``, the HCC flags of the scoring model
(after hierarchies), CMS's raw score columns ``SCORE_COMMUNITY_NA`` ... ``SCORE_SNP_NEW_ENROLLEE``,
and for each of them ``<column>_NORMALIZED`` (that model's raw score / its normalization
factor) and ``<column>_PAYMENT`` (the payment year's blend of normalized scores, with the
MA coding-pattern adjustment only if asked for). Rounding follows CMS's order (spec file).

Everything runs as set-based SQL on a DuckDB connection (sql/risk/ models, run by
apmlab.engine.run_stage); Python only validates the shape of the inputs and orchestrates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from apmlab import engine
from apmlab.risk import refdata, spec
from apmlab.risk.spec import PaymentYear

PERSON_COLUMNS = ("ID", "DOB", "SEX", "OREC", "LTIMCAID", "NEMCAID")
DIAGNOSIS_COLUMNS = ("ID", "ICD10")
SCORE_COLUMNS = {  # stage column -> CMS software column
    "score_community_na": "SCORE_COMMUNITY_NA",
    "score_community_nd": "SCORE_COMMUNITY_ND",
    "score_community_fba": "SCORE_COMMUNITY_FBA",
    "score_community_fbd": "SCORE_COMMUNITY_FBD",
    "score_community_pba": "SCORE_COMMUNITY_PBA",
    "score_community_pbd": "SCORE_COMMUNITY_PBD",
    "score_institutional": "SCORE_INSTITUTIONAL",
    "score_new_enrollee": "SCORE_NEW_ENROLLEE",
    "score_snp_new_enrollee": "SCORE_SNP_NEW_ENROLLEE",
}
_MAX_ERRORS = 5


class InputError(ValueError):
    """A malformed input row; the message names the file and row(s)."""


@dataclass(frozen=True)
class RiskScores:
    table: pa.Table
    payment_year: int
    models: tuple[str, ...]
    principal_model: str
    diagnoses: int
    unmapped_diagnoses: int  # rows whose code (or blank) is not in the principal model's map

    def to_pandas(self):
        return self.table.to_pandas()


def score(
    persons: Any,
    diagnoses: Any,
    payment_year: int,
    model: str | None = None,
    *,
    ma_coding_adjustment: bool = False,
    con: duckdb.DuckDBPyConnection | None = None,
    labels: tuple[str, str] = ("persons", "diagnoses"),
    header_lines: int = 0,
    age_year: int | None = None,
) -> RiskScores:
    """Score ``persons``/``diagnoses`` (Arrow tables, pandas frames, DuckDB relations or
    table names on ``con``) for a payment year.

    ``model`` (``"V24"``/``"V28"``) scores that model alone; without it the year's
    principal model fills the raw columns and the year's blend the payment columns.
    ``labels`` and ``header_lines`` only shape error messages (file names; 1 for CSV files
    so that row numbers are file line numbers). ``age_year`` takes ages on February 1 of
    another year than the payment year (the pipeline scores years outside the shipped
    tables with the nearest year's tables).
    """
    year = spec.payment_year(payment_year)
    if model is not None:
        year = year.only(model)
    for m in year.blend:
        refdata.require(m, year.year)
    con = con or engine.connect()
    refdata.load(con)
    _register(con, "risk_raw_person", persons, PERSON_COLUMNS, labels[0])
    _register(con, "risk_raw_diagnosis", diagnoses, DIAGNOSIS_COLUMNS, labels[1])
    age_year = age_year or year.year
    _prepare_persons(con, age_year, labels[0], header_lines)
    n_dx = _prepare_diagnoses(con, labels[1], header_lines)
    unmapped = 0
    for m in year.blend:
        engine.run_stage(con, "risk", {"model": m, "payment_year": year.year,
                                       "age_year": age_year})
        if m == year.principal_model:
            unmapped = con.execute(
                "SELECT COALESCE(SUM(n_rows), 0) FROM risk_code WHERE mapped = 0"
            ).fetchall()[0][0]
        for t in ("risk_segment_score", "risk_hcc", "risk_hcc_bit"):
            con.execute(f"DROP TABLE IF EXISTS {t}_{m}")
            con.execute(f"ALTER TABLE {t} RENAME TO {t}_{m}")
    table = _assemble(con, year, ma_coding_adjustment)
    return RiskScores(table, year.year, tuple(year.blend), year.principal_model, n_dx, unmapped)


def _register(con, name: str, obj: Any, columns: tuple[str, ...], label: str) -> None:
    """Expose ``obj`` as view ``name`` with its columns and a 1-based row number."""
    source = f"{name}_src"
    if isinstance(obj, str):
        con.execute(f'CREATE OR REPLACE TEMP VIEW {source} AS SELECT * FROM "{obj}"')
    elif isinstance(obj, duckdb.DuckDBPyRelation):
        obj.create_view(source, replace=True)
    else:
        if not isinstance(obj, pa.Table):
            obj = pa.Table.from_pandas(obj, preserve_index=False)
        obj = obj.append_column("__row", pa.array(np.arange(1, obj.num_rows + 1)))
        con.register(source, obj)
    have = {c for c, *_ in con.execute(f"DESCRIBE {source}").fetchall()}
    missing = [c for c in columns if c not in have]
    if missing:
        raise InputError(f"{label}: missing column(s) {', '.join(missing)} "
                         f"(expected {', '.join(columns)})")
    row = "__row" if "__row" in have else "row_number() OVER ()"
    cols = ", ".join(f'"{c}"' for c in columns)
    con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {cols}, {row} AS row_no "
                f"FROM {source}")


def _unit(header_lines: int) -> str:
    return "line" if header_lines else "row"


def _where(label: str, header_lines: int, rows: list[tuple]) -> str:
    unit = _unit(header_lines)
    return "; ".join(f"{label} {unit} {r[0] + header_lines}: {r[1]}" for r in rows)


def _prepare_persons(con, age_year: int, label: str, header_lines: int) -> None:
    dob_type = con.execute(
        "SELECT column_type FROM (DESCRIBE risk_raw_person) WHERE column_name = 'DOB'"
    ).fetchall()[0][0]
    dob = 'CAST("DOB" AS DATE)' if dob_type in ("DATE", "TIMESTAMP") else """CAST(COALESCE(
                TRY_STRPTIME(TRIM(CAST("DOB" AS VARCHAR)), '%Y-%m-%d'),
                TRY_STRPTIME(TRIM(CAST("DOB" AS VARCHAR)), '%Y%m%d')) AS DATE)"""
    con.execute(f"""
        CREATE OR REPLACE TABLE risk_person_checked AS
        SELECT
            row_no,
            CASE WHEN TRIM(CAST("ID" AS VARCHAR)) <> '' THEN CAST("ID" AS VARCHAR) END
                AS person_id,
            {dob} AS dob,
            TRIM(CAST("SEX" AS VARCHAR)) AS sex_text,
            TRIM(CAST("OREC" AS VARCHAR)) AS orec_text,
            COALESCE(NULLIF(TRIM(CAST("LTIMCAID" AS VARCHAR)), ''), '0') AS ltimcaid_text,
            COALESCE(NULLIF(TRIM(CAST("NEMCAID" AS VARCHAR)), ''), '0') AS nemcaid_text
        FROM risk_raw_person
    """)
    bad = con.execute(f"""
        WITH repeated AS (
            SELECT person_id, MIN(row_no) AS first_row
            FROM risk_person_checked
            GROUP BY person_id
            HAVING COUNT(*) > 1
        )
        SELECT row_no, reason FROM (
            SELECT c.row_no, CASE
                WHEN c.person_id IS NULL THEN 'ID is empty'
                WHEN dob IS NULL THEN 'DOB is not a date (YYYY-MM-DD or YYYYMMDD)'
                WHEN dob > MAKE_DATE($year, 2, 1)
                    THEN 'DOB is after February 1 of the payment year'
                WHEN dob < MAKE_DATE(1900, 1, 1) THEN 'DOB is before 1900'
                WHEN sex_text NOT IN ('1', '2') THEN 'SEX is not 1 (male) or 2 (female)'
                WHEN orec_text NOT IN ('0', '1', '2', '3') THEN 'OREC is not 0, 1, 2 or 3'
                WHEN ltimcaid_text NOT IN ('0', '1') THEN 'LTIMCAID is not 0 or 1'
                WHEN nemcaid_text NOT IN ('0', '1') THEN 'NEMCAID is not 0 or 1'
                WHEN c.row_no > r.first_row
                    THEN CONCAT('ID repeats the ID of ', $unit, ' ',
                                CAST(r.first_row + $offset AS VARCHAR))
            END AS reason
            FROM risk_person_checked AS c
            LEFT JOIN repeated AS r ON r.person_id = c.person_id
        ) WHERE reason IS NOT NULL ORDER BY row_no LIMIT {_MAX_ERRORS}
    """, {"year": age_year, "offset": header_lines, "unit": _unit(header_lines)}).fetchall()
    if bad:
        raise InputError(_where(label, header_lines, bad))
    con.execute("""
        CREATE OR REPLACE TABLE risk_input_person AS
        SELECT row_no AS person_key, person_id, dob,
               CAST(sex_text AS INTEGER) AS sex, CAST(orec_text AS INTEGER) AS orec,
               CAST(ltimcaid_text AS INTEGER) AS ltimcaid,
               CAST(nemcaid_text AS INTEGER) AS nemcaid
        FROM risk_person_checked
    """)
    con.execute("DROP TABLE risk_person_checked")


def _prepare_diagnoses(con, label: str, header_lines: int) -> int:
    con.execute("""
        CREATE OR REPLACE TABLE risk_input_diagnosis AS
        SELECT d.row_no, p.person_key, COALESCE(CAST(d."ICD10" AS VARCHAR), '') AS code
        FROM risk_raw_diagnosis AS d
        LEFT JOIN risk_input_person AS p ON p.person_id = CAST(d."ID" AS VARCHAR)
    """)
    bad = con.execute(f"""
        SELECT row_no, 'ID is not in the persons file' FROM risk_input_diagnosis
        WHERE person_key IS NULL ORDER BY row_no LIMIT {_MAX_ERRORS}
    """).fetchall()
    if bad:
        raise InputError(_where(label, header_lines, bad))
    return con.execute("SELECT count(*) FROM risk_input_diagnosis").fetchall()[0][0]


def _round(expr: str, decimals: int) -> str:
    """Round half up in decimal, as CMS's SAS ROUND does, not in binary floating point."""
    return f"CAST(ROUND(CAST(({expr}) AS DECIMAL(18, 9)), {decimals}) AS DOUBLE)"


def _assemble(con, year: PaymentYear, ma_adjust: bool) -> pa.Table:
    principal = year.principal_model
    # HCC flags: risk_segment_score ORs each HCC's bit (risk_hcc_bit: position pos, 62 per word);
    # the words come back from SQL and are unpacked into one column per HCC below.
    hccs = con.execute(f"SELECT cc, pos FROM risk_hcc_bit_{principal} ORDER BY pos").fetchall()
    if len(hccs) > 124:
        raise ValueError(f"{principal}: more HCCs than the two flag words can hold")
    d = year.rounding_decimals
    params: dict[str, Any] = {"ma": year.ma_coding_adjustment if ma_adjust else 0.0}
    raw, normalized, payment = [], [], []
    for col, out in SCORE_COLUMNS.items():
        raw.append(f'COALESCE(s_{principal}.{col}, 0) AS "{out}"')
        normalized.append(
            _round(f"COALESCE(s_{principal}.{col}, 0) / $nf_{principal}", d)
            + f' AS "{out}_NORMALIZED"'
        )
        blend = " + ".join(
            f"$w_{m} * " + _round(f"COALESCE(s_{m}.{col}, 0) / $nf_{m}", d)
            for m in year.blend
        )
        payment.append(_round(_round(blend, d) + " * (1 - $ma)", d) + f' AS "{out}_PAYMENT"')
    cols = raw + normalized + payment
    for m in year.blend:
        params[f"w_{m}"] = year.blend[m]
    for m in {*year.blend, principal}:
        params[f"nf_{m}"] = year.normalization[m]
    # Every person has a row in risk_segment_score (an age/sex cell at least), so inner joins keep
    # everyone; rows come back in join order and are put back in input order below.
    joins = "\n".join(
        f"JOIN risk_segment_score_{m} AS s_{m} ON s_{m}.person_key = p.person_key"
        for m in year.blend
    )
    sql = f"""
        SELECT p.person_key, p.person_id AS "ID",
               s_{principal}.hcc_bits_0, s_{principal}.hcc_bits_1, {", ".join(cols)}
        FROM risk_input_person AS p
        {joins}
    """
    table = _in_input_order(con.sql(sql, params=params).to_arrow_table())
    words = [table.column(f"hcc_bits_{i}").to_numpy() for i in (0, 1)]
    table = table.drop_columns(["hcc_bits_0", "hcc_bits_1"])
    for i, (cc, pos) in enumerate(hccs, start=1):
        flag = ((words[pos // 62] >> (pos % 62)) & 1).astype(np.int8)
        table = table.add_column(i, f"HCC{cc}", pa.array(flag))
    return table


def _in_input_order(table: pa.Table) -> pa.Table:
    """Reorder by person_key (1..n, one row each) without a sort: invert the permutation."""
    keys = table.column("person_key").to_numpy()
    order = np.empty(len(keys), dtype=np.int64)
    order[keys - 1] = np.arange(len(keys))
    if np.any(np.bincount(keys, minlength=len(keys) + 1)[1:] != 1):
        raise AssertionError("risk_segment_score must hold exactly one row per person")
    return table.take(order).drop_columns(["person_key"])
