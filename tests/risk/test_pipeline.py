"""Risk scores per beneficiary-year from the core tables (apmlab.risk.pipeline), on a
hand-built input layer; expected scores are sums of published coefficients."""

from __future__ import annotations

import pytest
import sqlglot

import apmlab
from apmlab import core
from apmlab.risk import pipeline
from risk.risk_helpers import expected
from tiny_input import LINE, PERSON, write_input

SPAN = {**PERSON, "enrollment_start_date": "2025-01-01", "enrollment_end_date": "2026-12-31"}
ELIGIBILITY = [
    # P1: male, 70 on 1 Feb 2026, aged non-dual, enrolled all of 2025 -> community NA.
    {**SPAN, "person_id": "P1", "gender": "male", "birth_date": "1955-06-01"},
    # P2: 64 on 1 Feb 2026 with OREC 0 (the 65 cell); enrolled from June 2025: fewer than
    # 12 months of Part B in 2025 -> new enrollee.
    {**SPAN, "person_id": "P2", "gender": "female", "birth_date": "1961-03-01",
     "enrollment_start_date": "2025-06-01"},
    # P3: 50, disabled (OREC 1, status 20), full dual -> community full-benefit disabled.
    {**SPAN, "person_id": "P3", "gender": "male", "birth_date": "1975-06-01",
     "original_reason_entitlement_code": "1", "medicare_status_code": "20",
     "dual_status_code": "02"},
    # P4: male, 75 on 1 Feb 2026, aged non-dual -> community NA; sources only facility
    # outpatient claims.
    {**SPAN, "person_id": "P4", "gender": "male", "birth_date": "1950-06-01"},
]


def line(claim_id, person, end, **fields):
    return {**LINE, "claim_id": claim_id, "person_id": person, "claim_start_date": end,
            "claim_end_date": end, **fields}


CLAIMS = [
    # inpatient stay on the data year's last day: a source with all its diagnoses
    line("C1", "P1", "2025-12-31", claim_type="institutional", bill_type_code="111",
         facility_ccn="210001", diagnosis_code_1="E1169", diagnosis_code_2="I5030"),
    # office visit with an eligible HCPCS on the data year's first day: a source
    line("C2", "P1", "2025-01-01", hcpcs_code="99213", diagnosis_code_1="I509",
         diagnosis_code_3="I2111"),
    # lab test (80053 not on the eligible list) and DME: not sources
    line("C3", "P1", "2025-05-02", hcpcs_code="80053", diagnosis_code_1="C3490"),
    line("C4", "P1", "2025-05-02", claim_type="dme", diagnosis_code_1="G35"),
    # a claim of the payment year's first day is not in its data year
    line("C5", "P1", "2026-01-01", hcpcs_code="99213", diagnosis_code_1="C3490"),
    line("C6", "P2", "2025-07-01", hcpcs_code="99213", diagnosis_code_1="C3490"),
    line("C7", "P3", "2025-07-01", hcpcs_code="99213", diagnosis_code_1="R69"),
    # outpatient facility claims (CMS filtering memo, 2015): hospital Part B inpatient (12x)
    # and religious non-medical outpatient (43x) with an eligible HCPCS are sources; a
    # hospital referred-lab claim (14x) is not, whatever its HCPCS.
    line("C8", "P4", "2025-04-01", claim_type="institutional", bill_type_code="121",
         facility_ccn="210001", hcpcs_code="99213", diagnosis_code_1="E1169"),
    line("C9", "P4", "2025-04-02", claim_type="institutional", bill_type_code="431",
         facility_ccn="210001", hcpcs_code="99213", diagnosis_code_1="I5030"),
    line("C10", "P4", "2025-04-03", claim_type="institutional", bill_type_code="141",
         facility_ccn="210001", hcpcs_code="99213", diagnosis_code_1="C3490"),
]


@pytest.fixture(scope="module")
def scores(tmp_path_factory):
    folder = write_input(tmp_path_factory.mktemp("risk") / "input", eligibility=ELIGIBILITY,
                         medical_claim=CLAIMS)
    con = apmlab.load(folder).con
    core.run(con, (2025, 2026))
    pipeline.run(con, [2026])
    rows = con.execute("SELECT * FROM risk_score ORDER BY person_id").fetchall()
    cols = [d[0] for d in con.description]
    return {r[0]: dict(zip(cols, r, strict=True)) for r in rows}


def test_segment_from_the_input_layer(scores):
    assert {p: r["segment"] for p, r in scores.items()} == {"P1": "CNA", "P2": "NE",
                                                            "P3": "CFD", "P4": "CNA"}


def test_scores_use_prior_year_eligible_claims_only(scores):
    """P1's sources are C1 and C2 (the published 1.286 case); C3-C5 must not count."""
    assert round(scores["P1"]["raw_score"], 3) == 1.286
    assert scores["P1"]["normalized_score"] == 1.205
    assert scores["P1"]["payment_score"] == 1.205  # no MA coding adjustment in the pipeline
    assert scores["P2"]["raw_score"] == pytest.approx(
        expected("V28", 2026, "NE", ["NMCAID_NORIGDIS_NEF65"]), abs=1e-12)
    assert scores["P3"]["raw_score"] == pytest.approx(
        expected("V28", 2026, "CFD", ["M45_54"]), abs=1e-12)
    # P4: HCC37 (12x claim) and HCC226 (43x claim), not the cancer HCC of the 14x claim
    assert scores["P4"]["raw_score"] == pytest.approx(expected(
        "V28", 2026, "CNA", ["M75_79", "HCC37", "HCC226", "D2", "DIABETES_HF_V28"]),
        abs=1e-12)
    assert {r["year"] for r in scores.values()} == {2026}
    assert {r["model"] for r in scores.values()} == {"V28"}


def test_pipeline_sql_transpiles_to_spark():
    for path in pipeline.models():
        sqlglot.transpile(path.read_text(), read="duckdb", write="spark",
                          unsupported_level=sqlglot.ErrorLevel.RAISE)


def test_several_payment_years_in_one_run(tmp_path):
    """Each payment year adds its rows: scoring a later year must not overwrite the table
    (the scorer's own intermediate tables once shared its name)."""
    folder = write_input(tmp_path / "input", eligibility=ELIGIBILITY, medical_claim=CLAIMS)
    con = apmlab.load(folder).con
    core.run(con, (2025, 2026))
    pipeline.run(con, [2025, 2026])
    counts = dict(con.execute(
        "SELECT year, count(*) FROM risk_score GROUP BY year ORDER BY year").fetchall())
    assert counts == {2025: 4, 2026: 4}


def test_hcc_count_per_person_and_diagnosis_year(tmp_path):
    """The bundled-payment risk factor (510.301(a), 512.545(a)): payment HCCs after the
    hierarchies. P1 has the published case's HCC37, HCC226 and HCC228; P2's C3490 is one
    cancer HCC; P3's R69 maps to none. Keyed by 2025, the year of the diagnoses."""
    folder = write_input(tmp_path / "input", eligibility=ELIGIBILITY, medical_claim=CLAIMS)
    con = apmlab.load(folder).con
    core.run(con, (2025, 2026))
    pipeline.run(con, [2026])
    counts = con.execute(
        "SELECT person_id, year, hcc_count FROM risk_hcc_count ORDER BY person_id").fetchall()
    assert counts == [("P1", 2025, 3), ("P2", 2025, 1), ("P3", 2025, 0), ("P4", 2025, 2)]
