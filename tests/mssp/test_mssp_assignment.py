"""MSSP assignment from claims, worked by hand from 42 CFR 425.400-425.402.

ACO1 bills through TIN T1, ACO2 through T2; T9 is an unaffiliated practice; TS is a TIN in
both ACOs. Each beneficiary below isolates one rule; the expected assignment is written
next to them.
"""

from __future__ import annotations

import pytest

import apmlab
from apmlab import core
from apmlab.mssp import assignment
from tiny_input import LINE, PERSON, write_input

PROVIDERS = [
    {"npi": "N1", "tin": "T1", "provider_type": "physician", "specialty_code": "08"},
    {"npi": "N2", "tin": "T1", "provider_type": "nurse_practitioner", "specialty_code": "50"},
    {"npi": "N3", "tin": "T1", "provider_type": "physician", "specialty_code": "06"},
    {"npi": "N4", "tin": "T9", "provider_type": "physician", "specialty_code": "11"},
    {"npi": "N5", "tin": "T9", "provider_type": "physician", "specialty_code": "46"},
    {"npi": "N6", "tin": "T2", "provider_type": "physician", "specialty_code": "08"},
    {"npi": "N7", "tin": "TS", "provider_type": "physician", "specialty_code": "08"},
]
TIN_OF = {p["npi"]: p["tin"] for p in PROVIDERS}
PARTICIPATION = [
    {"entity_id": "ACO1", "model": "mssp", "tin": "T1", "start_date": "2021-01-01"},
    {"entity_id": "ACO1", "model": "mssp", "tin": "TS", "start_date": "2021-01-01"},
    {"entity_id": "ACO2", "model": "mssp", "tin": "T2", "start_date": "2021-01-01"},
    {"entity_id": "ACO2", "model": "mssp", "tin": "TS", "start_date": "2021-01-01"},
]
PEOPLE = ["PA", "PB", "PC", "PD", "PE", "PF", "PG", "PH", "PI", "PJ", "PK", "PL", "PM"]
SERVICES = [  # person, rendering npi, HCPCS, allowed, date, place of service
    ("PA", "N1", "99213", 100, "2022-03-01", "11"),
    ("PA", "N2", "99213", 50, "2022-04-01", "11"),
    ("PA", "N4", "99214", 120, "2022-05-01", "11"),
    ("PB", "N1", "99213", 100, "2022-03-01", "11"),
    ("PB", "N4", "99213", 100, "2022-03-02", "11"),
    ("PC", "N2", "99213", 80, "2022-03-01", "11"),
    ("PD", "N3", "99214", 200, "2022-03-01", "11"),
    ("PD", "N5", "99214", 150, "2022-03-02", "11"),
    ("PE", "N4", "99212", 10, "2022-03-01", "11"),
    ("PE", "N3", "99215", 500, "2022-03-02", "11"),
    ("PF", "N1", "99213", 100, "2022-03-01", "11"),
    ("PG", "N1", "99213", 100, "2022-03-01", "11"),
    ("PH", "N7", "99213", 300, "2022-03-01", "11"),
    ("PH", "N6", "99213", 50, "2022-03-02", "11"),
    ("PI", "N1", "99213", 100, "2020-11-15", "11"),
    ("PJ", "N1", "93000", 500, "2022-03-01", "11"),
    ("PJ", "N4", "99213", 20, "2022-03-02", "11"),
    ("PK", "N1", "99309", 300, "2022-03-01", "31"),
    ("PK", "N4", "99213", 20, "2022-03-02", "11"),
    ("PL", "N1", "99213", 100, "2022-03-01", "11"),
    ("PM", "N1", "99442", 100, "2022-03-01", "02"),
]
DESIGNATIONS = [
    {"person_id": "PF", "npi": "N6", "designation_date": "2021-01-01"},
    {"person_id": "PG", "npi": "N4", "designation_date": "2021-06-01"},
]


@pytest.fixture(scope="module")
def assigned(tmp_path_factory):
    eligibility = [
        {**PERSON, "person_id": p, "enrollment_start_date": "2020-01-01",
         "enrollment_end_date": "2022-12-31", "part_b_flag": "false" if p == "PL" else "true"}
        for p in PEOPLE
    ]
    claims = [
        {**LINE, "claim_id": f"C{i}", "person_id": who, "rendering_npi": npi,
         "billing_tin": TIN_OF[npi], "hcpcs_code": code, "allowed_amount": str(allowed),
         "paid_amount": str(allowed * 0.8), "claim_start_date": day, "claim_end_date": day,
         "place_of_service_code": pos}
        for i, (who, npi, code, allowed, day, pos) in enumerate(SERVICES)
    ]
    folder = write_input(tmp_path_factory.mktemp("assign"), eligibility=eligibility,
                         medical_claim=claims, provider=PROVIDERS, participation=PARTICIPATION,
                         voluntary_alignment=DESIGNATIONS)
    con = apmlab.load(folder).con
    core.run(con, (2020, 2022))
    assignment.run(con, (2022, 2022))
    rows = con.execute(
        "SELECT method, person_id, aco_id, step, allowed_charges FROM mssp_assignment"
    ).fetchall()
    return {(method, person): (aco, step, allowed) for method, person, aco, step, allowed in rows}


def test_retrospective_assignment_follows_each_rule(assigned):
    retrospective = {p: v for (m, p), v in assigned.items() if m == "retrospective"}
    assert retrospective == {
        # 425.402(b)(3): ACO1's physician and NP charges (100 + 50) beat T9's 120.
        "PA": ("ACO1", "1", 150.0),
        # 425.402(b)(4): no primary care clinician at all, so specialists decide: 200 > 150.
        "PD": ("ACO1", "2", 200.0),
        # 425.402(e)(1): a designation of an ACO2 clinician overrides ACO1's claims.
        "PF": ("ACO2", "voluntary", None),
        # 425.400(a)(2)(iii): TS is in two ACOs, its 300 is left out; ACO2's 50 remains.
        "PH": ("ACO2", "1", 50.0),
        # 425.400(c)(2): a telephone E&M counts in a window that includes the emergency.
        "PM": ("ACO1", "1", 100.0),
    }
    # Not assigned, and why:
    # PB: a tie (100 = 100) is not "greater than" (425.402(b)(3)).
    # PC: only a nurse practitioner of ACO1 was seen: 425.402(b)(1) needs an ACO physician.
    # PE: a primary care physician was seen (T9), so step one applies and ACO1's
    #     cardiologist does not count: T9's 10 is the plurality.
    # PG: designated a clinician outside every ACO (425.402(e)(2)(ii)(C)).
    # PJ: 93000 is not a primary care service (425.400(c)); T9's 99213 wins.
    # PK: 99309 furnished in a SNF (place 31) is excluded (425.400(c)(1)(v)(A)(3)).
    # PL: Part A only: not an eligible beneficiary (425.401(a)).


def test_prospective_assignment_uses_the_offset_window(assigned):
    """425.20: PY2022's prospective window is 1 October 2020 to 30 September 2021, so PI's
    November 2020 visit assigns them, and PF's 2021 designation holds."""
    prospective = {p: v for (m, p), v in assigned.items() if m == "prospective"}
    assert prospective == {"PI": ("ACO1", "1", 100.0), "PF": ("ACO2", "voluntary", None)}


def test_reference_codes_come_from_the_spec():
    tables = assignment.reference_tables(assignment.load_assignment_spec())
    codes = dict(zip(tables["mssp_ref_primary_care_code"]["hcpcs_code"].to_pylist(),
                     tables["mssp_ref_primary_care_code"]["phe_only"].to_pylist(), strict=True))
    assert codes["99201"] is False and codes["99215"] is False and codes["99350"] is False
    assert codes["99441"] is True  # telephone E&M: emergency only
    assert codes["99421"] is False  # online E&M: permanent from 2021
    assert "99216" not in codes and "93000" not in codes
