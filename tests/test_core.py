"""The core stage on a hand-built dataset; every expected figure is worked out below."""

from __future__ import annotations

import pytest

import apmlab
from apmlab import core
from tiny_input import LINE, PERSON, write_input

ELIGIBILITY = [
    # P1: aged non-dual, dies 15 June 2021 -> enrolled January to June (6 months).
    {**PERSON, "person_id": "P1", "death_date": "2021-06-15"},
    # P2: disabled January-March, then ESRD (status 21) April-December; full dual (02).
    {**PERSON, "person_id": "P2", "gender": "male", "birth_date": "1960-02-01",
     "enrollment_end_date": "2021-03-31", "medicare_status_code": "20",
     "original_reason_entitlement_code": "1", "dual_status_code": "02"},
    {**PERSON, "person_id": "P2", "gender": "male", "birth_date": "1960-02-01",
     "enrollment_start_date": "2021-04-01", "medicare_status_code": "21",
     "original_reason_entitlement_code": "1", "dual_status_code": "02"},
    # P3: aged, partial dual (01) January-June, non-dual July 2021 to December 2022.
    {**PERSON, "person_id": "P3", "enrollment_end_date": "2021-06-30", "dual_status_code": "01"},
    {**PERSON, "person_id": "P3", "enrollment_start_date": "2021-07-01",
     "enrollment_end_date": "2022-12-31"},
]


def claim(claim_id, person="P1", day="2021-02-01", end=None, **fields):
    return {**LINE, "claim_id": claim_id, "person_id": person, "claim_start_date": day,
            "claim_end_date": end or day, **fields}


def inst(claim_id, bill, ccn, paid, **fields):
    return claim(claim_id, claim_type="institutional", bill_type_code=bill, facility_ccn=ccn,
                 paid_amount=str(paid), allowed_amount=str(paid), **fields)


def prof(claim_id, hcpcs, npi, paid, person="P1"):
    return claim(claim_id, person=person, hcpcs_code=hcpcs, rendering_npi=npi,
                 paid_amount=str(paid), allowed_amount=str(paid))


CLAIMS = [
    # Acute stay (CCN 210001: digits 0001) with an ED line; IME 500 + DSH 300 on line 2.
    inst("C1", "111", "210001", 0, revenue_center_code="0450", admission_date="2021-02-01",
         discharge_date="2021-02-05", end="2021-02-05"),
    inst("C1", "111", "210001", 10_000, claim_line_number="2", revenue_center_code="0120",
         ime_amount="500", dsh_amount="300", end="2021-02-05"),
    # Rehabilitation facility (3025): inpatient, not acute.
    inst("C2", "111", "213025", 5_000, end="2021-02-05"),
    # One SNF stay billed on two claims: admitted 6 Feb, discharged 10 Mar = 32 days.
    inst("C3", "211", "215001", 8_000, admission_date="2021-02-06", day="2021-02-06",
         end="2021-02-26"),
    inst("C4", "211", "215001", 2_000, admission_date="2021-02-06", day="2021-02-26",
         end="2021-03-10", discharge_date="2021-03-10"),
    inst("C5", "131", "210001", 300, revenue_center_code="0450"),  # outpatient ED visit
    prof("C6", "99213", "1000000001", 90),  # family practice: primary care E&M
    prof("C7", "99214", "1000000002", 120),  # cardiology: specialist E&M
    prof("C8", "99213", "1000000003", 70),  # nurse practitioner: E&M, neither split
    prof("C9", "93000", "1000000002", 20),  # ECG: professional, not E&M
    inst("C10", "321", "217001", 1_500),  # home health
    inst("C11", "811", "211501", 4_000),  # hospice
    claim("C12", claim_type="dme", paid_amount="250", allowed_amount="250"),
    inst("C13", "661", "210001", 40),  # a bill type outside every category
    inst("C14", "131", "210001", 999, day="2023-01-05"),  # after the run's years
    prof("C15", "99215", "1000000004", 150, person="P2"),  # internal medicine
    inst("C16", "131", "210001", 100, person="P3", day="2022-05-01"),
    inst("C17", "131", "210001", 60, day="2022-03-01"),  # P1 died in 2021: no 2022 month
]
PROVIDERS = [
    {"npi": "1000000001", "provider_type": "physician", "specialty_code": "08"},
    {"npi": "1000000002", "provider_type": "physician", "specialty_code": "06"},
    {"npi": "1000000003", "provider_type": "nurse_practitioner", "specialty_code": "50"},
    {"npi": "1000000004", "provider_type": "physician", "specialty_code": "11"},
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    folder = write_input(tmp_path_factory.mktemp("core"), eligibility=ELIGIBILITY,
                         medical_claim=CLAIMS, provider=PROVIDERS)
    connection = apmlab.load(folder).con
    core.run(connection, (2021, 2022))
    return connection


def row(con, sql):
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def test_months_stop_at_death_and_follow_the_latest_span(con):
    months = row(con, "SELECT person_id, year, count(*) AS n FROM core_beneficiary_month"
                      " GROUP BY ALL ORDER BY ALL")
    assert [(m["person_id"], m["year"], m["n"]) for m in months] == [
        ("P1", 2021, 6), ("P2", 2021, 12), ("P3", 2021, 12), ("P3", 2022, 12)]


def test_enrollment_type_per_year(con):
    """42 CFR 425.652(a)(2): ESRD first; otherwise the type of most months, ties by order."""
    years = row(con, "SELECT * FROM core_beneficiary_year ORDER BY person_id, year")
    by_key = {(y["person_id"], y["year"]): y for y in years}
    p1, p2 = by_key[("P1", 2021)], by_key[("P2", 2021)]
    p3a, p3b = by_key[("P3", 2021)], by_key[("P3", 2022)]
    assert (p1["enrollment_type"], p1["person_years"], p1["died"]) == ("aged_non_dual", 0.5, True)
    assert (p2["enrollment_type"], p2["esrd_months"], p2["disabled_months"]) == ("esrd", 9, 3)
    assert (p2["dual"], p2["full_dual"]) == (True, True)
    # P3: six partial-dual months and six non-dual months: the tie goes to aged/dual.
    assert (p3a["enrollment_type"], p3a["dual"], p3a["full_dual"]) == ("aged_dual", True, False)
    assert p3b["enrollment_type"] == "aged_non_dual"
    # Age on 1 February: born 15 March 1950 -> 70; born 1 February 1960 -> 61.
    assert (p1["age"], p2["age"]) == (70, 61)


def test_spending_by_category(con):
    p1 = row(con, "SELECT * FROM core_beneficiary_year WHERE person_id = 'P1'")[0]
    expected = {
        "paid_inpatient_acute": 10_000, "paid_inpatient_other": 5_000,
        "paid_snf": 10_000, "paid_outpatient": 300, "paid_professional": 90 + 120 + 70 + 20,
        "paid_home_health": 1_500, "paid_hospice": 4_000, "paid_dme": 250, "paid_other": 40,
    }
    assert {k: p1[k] for k in expected} == expected
    assert p1["total_paid"] == sum(expected.values()) == 31_390
    assert p1["supplemental_amount"] == 800
    assert p1["total_paid_excl_supplemental"] == 30_590


def test_claims_outside_the_years_are_left_out(con):
    assert con.execute(
        "SELECT count(*) FROM core_claim_line WHERE claim_id = 'C14'").fetchall()[0][0] == 0


def test_utilisation(con):
    p1 = row(con, "SELECT * FROM core_beneficiary_year WHERE person_id = 'P1'")[0]
    assert (p1["admissions"], p1["acute_admissions"]) == (2, 1)
    assert (p1["snf_stays"], p1["snf_days"]) == (1, 32)
    assert p1["ed_visits"] == 2
    assert (p1["em_visits"], p1["em_visits_primary_care"], p1["em_visits_specialist"]) == (3, 1, 1)
    p2 = row(con, "SELECT * FROM core_beneficiary_year WHERE person_id = 'P2'")[0]
    assert (p2["em_visits"], p2["em_visits_primary_care"], p2["total_paid"]) == (1, 1, 150)


def test_spending_table_adds_up_to_claim_lines(con):
    """Dollars of the core claim lines = dollars of the spending table."""
    lines, spending = con.execute(
        "SELECT (SELECT sum(paid_amount) FROM core_claim_line),"
        " (SELECT sum(paid_amount) FROM core_spending)").fetchall()[0]
    assert lines == spending == 31_390 + 150 + 100 + 60


def test_dollars_no_beneficiary_year_carries_are_counted(con):
    """C14 ends in 2023, after the run's years; C17 is P1's, in 2022, after P1's death."""
    found = con.execute("SELECT reason, claim_lines, beneficiaries, paid_amount"
                        " FROM core_unattributed_claims ORDER BY reason").fetchall()
    assert found == [("in a year with no enrolled month", 1, 1, 60),
                     ("outside the run's years", 1, 1, 999)]
    carried = con.execute("SELECT sum(total_paid) FROM core_beneficiary_year").fetchall()[0][0]
    kept = con.execute("SELECT sum(paid_amount) FROM medical_claim").fetchall()[0][0]
    assert kept == carried + 60 + 999


def test_truncation_caps_annualised_spending_at_the_percentile(con):
    """425.652(a)(3)(i): the 99th percentile of 101 annualised values 0..100 is 99 (linear
    interpolation at rank 0.99 x 100 = 99). The person with 50 dollars over half a year
    (annualised 100) is capped at 99 x 0.5 = 49.5; a second group is capped separately."""
    rows = [("A", i, 1.0, float(i), "g1") for i in range(100)] + [("A", 100, 0.5, 50.0, "g1")]
    rows += [("B", i, 1.0, 10.0 * i, "g2") for i in range(101)]
    con.execute("CREATE OR REPLACE TABLE t_trunc (grp VARCHAR, pid INTEGER, py DOUBLE,"
                " spend DOUBLE, kind VARCHAR)")
    con.executemany("INSERT INTO t_trunc VALUES (?, ?, ?, ?, ?)", rows)
    core.truncate_at_percentile(con, "t_trunc", value="spend", weight="py", by=("kind",),
                                out="t_trunc_out", keep=("pid",))
    out = {(k, p): (t, v) for k, p, t, v in con.execute(
        "SELECT kind, pid, truncation_threshold, spend_truncated FROM t_trunc_out").fetchall()}
    assert out[("g1", 100)] == (pytest.approx(99.0), pytest.approx(49.5))
    assert out[("g1", 98)][1] == pytest.approx(98.0)
    assert out[("g2", 100)] == (pytest.approx(990.0), pytest.approx(990.0))
    assert out[("g2", 50)][1] == pytest.approx(500.0)


def test_truncation_refuses_identifiers_that_are_not_plain(con):
    with pytest.raises(ValueError, match="plain identifier"):
        core.truncate_at_percentile(con, "t; DROP TABLE x", "a", "b", ("c",), "d")
