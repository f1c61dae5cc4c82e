"""An ACO starting in 2024, from a tiny claims set worked by hand: its participants' revenue
(42 CFR 425.605(d), 425.20) and the two-way recalculation of its benchmark (425.652(b)(5)).

One county; every beneficiary aged/non-dual, enrolled in Parts A and B 2021-2024; no risk
scores (every score 1.0). ACO1 (BASIC Level E) has participant TIN T1 and hospital CCN
010001 from 2024-01-01: benchmark years 2021-2023, performance year 2024. A1 and A2 see
T1's primary care physician every year; B1 sees T9's, so is assignable but not assigned;
D1 has no primary care service. Each of A1, A2, B1 has one 99213 visit a year (paid 80) and
one T9 line making up the annual total below. In 2024, D1 has a T1 line (paid 50), a hospital
line at CCN 010001 billed under another TIN (paid 1,000, of which 100 IME) and one at 010001
billed by T1 (paid 200).
"""

from __future__ import annotations

import pytest

from mssp.aco_world import run_aco_stage
from tiny_input import LINE, PERSON, write_input

TOTAL = {  # annual paid dollars of the assignable beneficiaries
    "A1": {2021: 1000, 2022: 1000, 2023: 1000, 2024: 2400},
    "A2": {2021: 2000, 2022: 2000, 2023: 2000, 2024: 2400},
    "B1": {2021: 2000, 2022: 2000, 2023: 2000, 2024: 1100},
}
TIN_OF = {"A1": "T1", "A2": "T1", "B1": "T9"}
PROVIDERS = [
    {"npi": "N1", "tin": "T1", "provider_type": "physician", "specialty_code": "08"},
    {"npi": "N9", "tin": "T9", "provider_type": "physician", "specialty_code": "08"},
]
PARTICIPATION = [
    {"entity_id": "ACO1", "model": "mssp", "track": "basic_e", "tin": "T1",
     "start_date": "2024-01-01"},
    {"entity_id": "ACO1", "model": "mssp", "track": "basic_e", "ccn": "010001",
     "start_date": "2024-01-01"},
]
D1_2024 = [  # (billing TIN, facility CCN, paid, IME)
    ("T1", None, 50, 0), ("H1", "010001", 1000, 100), ("T1", "010001", 200, 0)]


def _world(folder):
    eligibility = [{**PERSON, "person_id": p, "enrollment_start_date": "2021-01-01",
                    "enrollment_end_date": "2024-12-31", "county_fips": "01001", "state": "AL"}
                   for p in (*TOTAL, "D1")]
    claims = []

    def line(**values):
        claims.append({**LINE, "claim_id": f"C{len(claims)}", **values})

    for person, years in TOTAL.items():
        for year, total in years.items():
            day = f"{year}-03-01"
            npi = "N1" if TIN_OF[person] == "T1" else "N9"
            line(person_id=person, rendering_npi=npi, billing_tin=TIN_OF[person],
                 hcpcs_code="99213", paid_amount="80", claim_start_date=day, claim_end_date=day)
            line(person_id=person, rendering_npi="N9", billing_tin="T9", hcpcs_code="93000",
                 allowed_amount=str(total - 80), paid_amount=str(total - 80),
                 claim_start_date=day, claim_end_date=day)
    for tin, ccn, paid, ime in D1_2024:
        institutional = {"claim_type": "institutional", "bill_type_code": "131",
                         "facility_ccn": ccn} if ccn else {}
        line(person_id="D1", rendering_npi="N9", billing_tin=tin, hcpcs_code="93000",
             allowed_amount=str(paid), paid_amount=str(paid), ime_amount=str(ime),
             claim_start_date="2024-05-01", claim_end_date="2024-05-01", **institutional)
    return write_input(folder, eligibility=eligibility, medical_claim=claims,
                       provider=PROVIDERS, participation=PARTICIPATION)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_aco_stage(_world(tmp_path_factory.mktemp("revenue")), (2021, 2024))


def test_participant_revenue_counts_every_line_billed_by_a_participant_425_605_d(run):
    """Revenue of 'the ACO participants in the ACO' (425.605(d)(1)(v)(D)): T1's lines for
    A1, A2 (80 + 80) and unassigned D1 (50), the CCN 010001 line under another TIN (1,000
    paid, IME included) and the line matching both T1 and 010001 once (200); not T9's lines,
    not 2021-2023 (T1 joins in 2024)."""
    rows = run.execute("SELECT aco_id, year, claim_lines, participant_revenue "
                       "FROM mssp_participant_revenue").fetchall()
    assert rows == [("ACO1", 2024, 5, pytest.approx(80 + 80 + 50 + 1000 + 200))]


def _benchmark():
    """425.652: BY per capita 1,500 (A1, A2) every year, national and regional 5,000 / 3
    (one county, nothing truncated: the top two values are equal), so the historical
    benchmark is 1,500; the ACO spends less than its region: + 35% of the difference
    (425.656(d)(1), under the 5% cap). PY2024 national and regional growth 5,900 / 5,000 =
    1.18 (two-way blend, any market share); three-way = 5/6 x 1.18 + 1/6 x 1.049 (ACPT 4.9%,
    weight cut to 1/6 for PY2024)."""
    adjusted = 1500 + 0.35 * (5000 / 3 - 1500)
    two_way = 5900 / 5000
    update = 5 / 6 * two_way + 1 / 6 * 1.049
    return {"updated": 2 * adjusted * update, "two_way": 2 * adjusted * two_way}


def test_benchmark_keeps_the_two_way_recalculation_425_652_b_5(run):
    want = _benchmark()
    row = run.execute(
        "SELECT benchmark_total, benchmark_total_two_way, updated_benchmark_two_way, "
        "py_expenditure_untruncated FROM mssp_benchmark WHERE enrollment_type = 'all' "
        "AND performance_year = 2024").fetchall()
    assert row == [(pytest.approx(want["updated"]), pytest.approx(want["two_way"]),
                    pytest.approx(want["two_way"] / 2), pytest.approx(4800))]


def test_settlement_uses_claims_revenue_and_the_two_way_benchmark_425_652_b_5(run):
    """Expenditure 2 x 2,400 = 4,800 is 33% above the updated benchmark (>= 2% MLR) and
    above the higher two-way recalculation by less: losses against the recalculated
    benchmark (425.652(b)(5)(i)), 30% x (4,800 - two-way), limited to 8% of the 1,410
    participant revenue (lower than 4% of the benchmark, 425.605(d)(1)(v)(D))."""
    want = _benchmark()
    row = run.execute(
        "SELECT two_way_benchmark_applied, gross_savings_losses, participant_revenue, "
        "assigned_ffs_expenditure, loss_limit_applied, earned_savings_losses "
        "FROM mssp_settlement").fetchall()
    loss = 4800 - want["two_way"]
    assert 0.30 * loss > 0.08 * 1410 < 0.04 * want["two_way"]
    assert row == [(True, pytest.approx(-loss), pytest.approx(1410), pytest.approx(4800),
                    True, pytest.approx(-0.08 * 1410))]
