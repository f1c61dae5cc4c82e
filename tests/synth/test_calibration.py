"""The synthetic population reproduces the real 2018 Medicare figures (methodology.md s7).

Measured the way the core stage measures real data: the generated folder is loaded with
``apmlab.load``, the core stage classifies claims and counts utilisation, and each figure is
compared with the CMS public use files within +/-10%. The targets are typed in here from
the PUFs, independently of ``apmlab.synth.calibration``:

* county_ffs_benchmark_puf_2018.csv: person-year shares and per-capita spending of the
  four enrollment types (national, person-year weighted);
* mssp_aco_puf_py2018.csv (weighted by N_AB): spending by service category (CapAnn_*),
  ADM, P_SNF_ADM, SNF_LOS, P_EDV_Vis, P_EM_Total, P_EM_PCP_Vis, P_EM_SP_Vis.
"""

from __future__ import annotations

import duckdb
import pytest

import apmlab
from apmlab import core
from apmlab.synth import generate
from apmlab.synth.codes import FILLER_CODES

TOLERANCE = 0.10
TYPE_SHARE = {"esrd": 0.010, "disabled": 0.142, "aged_dual": 0.092, "aged_non_dual": 0.756}
TYPE_PER_CAPITA = {"esrd": 85_402, "disabled": 11_158, "aged_dual": 17_244,
                   "aged_non_dual": 10_173}
CATEGORY_PER_CAPITA = {  # CapAnn_*: INP_S_trm, INP_All - INP_S_trm, SNF, OPD, PB, HHA, HSP, DME
    "inpatient_acute": 2_918.9, "inpatient_other": 3_318.7 - 2_918.9, "snf": 744.8,
    "outpatient": 2_494.5, "professional": 3_503.0, "home_health": 560.4, "hospice": 251.8,
    "dme": 271.7,
}
RATES = {"admissions_per_1000": 308.2, "snf_admissions_per_1000": 59.55,
         "snf_length_of_stay": 24.49, "ed_visits_per_1000": 704.9,
         "em_visits_per_beneficiary": 10.27, "em_primary_care_per_beneficiary": 3.87,
         "em_specialist_per_beneficiary": 4.68}


@pytest.fixture(scope="module")
def con(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    folder = tmp_path_factory.mktemp("synth50k")
    generate(folder, beneficiaries=50_000, years=(2021, 2022), seed=2018)
    con = duckdb.connect()
    apmlab.load(folder, con=con)
    core.run(con)
    return con


def _close(measured: float, target: float) -> None:
    assert measured == pytest.approx(target, rel=TOLERANCE), f"{measured:.4g} vs {target:.4g}"


def test_nothing_excluded_at_load(con):
    assert con.execute("SELECT count(*) FROM data_quality").fetchone()[0] == 0


@pytest.mark.parametrize("etype", TYPE_SHARE)
def test_enrollment_type_share_of_person_years(con, etype):
    share = con.execute(
        "SELECT sum(person_years) FILTER (WHERE enrollment_type = $t) / sum(person_years)"
        " FROM core_beneficiary_year", {"t": etype}).fetchone()[0]
    _close(share, TYPE_SHARE[etype])


@pytest.mark.parametrize("etype", ["esrd", "disabled", "aged_dual"])
def test_per_capita_ratio_to_aged_non_dual(con, etype):
    per_capita = dict(con.execute(
        "SELECT enrollment_type, sum(total_paid_excl_supplemental) / sum(person_years)"
        " FROM core_beneficiary_year GROUP BY 1").fetchall())
    _close(per_capita[etype] / per_capita["aged_non_dual"],
           TYPE_PER_CAPITA[etype] / TYPE_PER_CAPITA["aged_non_dual"])


@pytest.mark.parametrize("category", CATEGORY_PER_CAPITA)
def test_service_category_share(con, category):
    spend = dict(con.execute(
        "SELECT service_category, sum(paid_amount_excl_supplemental) FROM core_spending"
        " GROUP BY 1").fetchall())
    total = sum(spend.get(c, 0.0) for c in CATEGORY_PER_CAPITA)
    _close(spend.get(category, 0.0) / total,
           CATEGORY_PER_CAPITA[category] / sum(CATEGORY_PER_CAPITA.values()))


def test_no_spending_falls_outside_the_categories(con):
    other = con.execute("SELECT coalesce(sum(paid_amount), 0) FROM core_spending"
                        " WHERE service_category = 'other'").fetchone()[0]
    assert other == 0


@pytest.mark.parametrize("rate", RATES)
def test_utilisation(con, rate):
    measured = dict(zip(RATES, con.execute(
        "SELECT 1000 * sum(admissions) / sum(person_years),"
        " 1000 * sum(snf_stays) / sum(person_years), sum(snf_days) / sum(snf_stays),"
        " 1000 * sum(ed_visits) / sum(person_years), sum(em_visits) / sum(person_years),"
        " sum(em_visits_primary_care) / sum(person_years),"
        " sum(em_visits_specialist) / sum(person_years) FROM core_beneficiary_year"
    ).fetchone(), strict=True))
    _close(measured[rate], RATES[rate])


def test_spending_is_right_skewed(con):
    mean, median, top = con.execute(
        "SELECT avg(total_paid_excl_supplemental), median(total_paid_excl_supplemental),"
        " quantile_cont(total_paid_excl_supplemental, 0.99) FROM core_beneficiary_year"
        " WHERE months_enrolled = 12").fetchone()
    assert median < 0.5 * mean < top / 10


def test_spending_rises_with_disease_burden(con):
    """Per-capita spending by number of distinct chronic-condition codes on the claims."""
    fillers = "', '".join(FILLER_CODES)
    rows = con.execute(f"""
        WITH dx AS (
            SELECT person_id, year, unnest([diagnosis_code_1, diagnosis_code_2,
                                            diagnosis_code_3, diagnosis_code_4]) AS code
            FROM core_claim_line WHERE claim_type = 'professional'
        ), burden AS (
            SELECT person_id, year, count(DISTINCT code) AS n FROM dx
            WHERE code IS NOT NULL AND code NOT IN ('{fillers}') GROUP BY 1, 2
        )
        SELECT least(coalesce(b.n, 0), 4) AS bucket,
               sum(y.total_paid_excl_supplemental) / sum(y.person_years)
        FROM core_beneficiary_year y LEFT JOIN burden b USING (person_id, year)
        GROUP BY 1 ORDER BY 1""").fetchall()
    per_capita = [r[1] for r in rows]
    assert len(per_capita) == 5
    assert per_capita == sorted(per_capita)
    assert per_capita[-1] > 2 * per_capita[0]


def test_spending_trends_upward(con):
    by_year = dict(con.execute(
        "SELECT year, sum(total_paid_excl_supplemental) / sum(person_years)"
        " FROM core_beneficiary_year GROUP BY 1").fetchall())
    growth = by_year[2022] / by_year[2021] - 1
    assert 0.01 < growth < 0.08
