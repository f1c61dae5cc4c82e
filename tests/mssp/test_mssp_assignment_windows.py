"""Assignment windows worked by hand (42 CFR 425.20, 425.400(a)(2)-(3), 425.400(c)(2)).

Performance year 2024. Retrospective window: calendar 2024. Prospective (offset) window:
October 1, 2022 to September 30, 2023. The COVID-19 emergency (January 27, 2020 - May 11,
2023) touches the prospective window, not the retrospective one, so its extra codes (the
telephone E&M 99442) count in the first only. ACO1 bills through T1 (N1, family medicine);
T9 (N9, internal medicine) is an unaffiliated practice.
"""

from __future__ import annotations

import pytest

import apmlab
from apmlab import core
from apmlab.mssp import assignment
from tiny_input import LINE, PERSON, write_input

PROVIDERS = [
    {"npi": "N1", "tin": "T1", "provider_type": "physician", "specialty_code": "08"},
    {"npi": "N9", "tin": "T9", "provider_type": "physician", "specialty_code": "11"},
]
TIN_OF = {"N1": "T1", "N9": "T9"}
SERVICES = [  # person, rendering npi, HCPCS, allowed, date
    # QA: ACO1's 80 (January) + 50 (December) = 130 beat T9's 120: the two parts of the
    # year are summed for the retrospective window.
    ("QA", "N1", "99213", 80, "2024-01-15"),
    ("QA", "N9", "99213", 120, "2024-06-01"),
    ("QA", "N1", "99213", 50, "2024-12-31"),
    # QB: September 30, 2023 is the last day of PY2024's prospective window; October 1,
    # 2023 is outside it (it opens PY2025's): ACO1's 100 counts, T9's 300 does not.
    ("QB", "N1", "99213", 100, "2023-09-30"),
    ("QB", "N9", "99213", 300, "2023-10-01"),
    # QC: October 1, 2022 opens the prospective window; September 30, 2022 is before it.
    ("QC", "N1", "99213", 70, "2022-10-01"),
    ("QC", "N9", "99213", 500, "2022-09-30"),
    # QD: the telephone E&M counts in the prospective window (it includes the emergency),
    # not in the 2024 retrospective window (which does not).
    ("QD", "N1", "99442", 90, "2023-03-01"),
    ("QD", "N1", "99442", 90, "2024-03-01"),
    # QE: a 2024 telephone E&M at ACO1 is no primary care service in 2024, so T9's 20 is
    # the only one: T9 has the plurality, nobody is assigned.
    ("QE", "N1", "99442", 500, "2024-04-01"),
    ("QE", "N9", "99213", 20, "2024-04-02"),
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    people = sorted({s[0] for s in SERVICES})
    eligibility = [{**PERSON, "person_id": p, "enrollment_start_date": "2022-01-01",
                    "enrollment_end_date": "2024-12-31"} for p in people]
    claims = [
        {**LINE, "claim_id": f"C{i}", "person_id": who, "rendering_npi": npi,
         "billing_tin": TIN_OF[npi], "hcpcs_code": code, "allowed_amount": str(allowed),
         "paid_amount": str(allowed * 0.8), "claim_start_date": day, "claim_end_date": day,
         "place_of_service_code": "11"}
        for i, (who, npi, code, allowed, day) in enumerate(SERVICES)
    ]
    participation = [{"entity_id": "ACO1", "model": "mssp", "tin": "T1",
                      "start_date": "2024-01-01"}]
    folder = write_input(tmp_path_factory.mktemp("windows"), eligibility=eligibility,
                         medical_claim=claims, provider=PROVIDERS, participation=participation)
    connection = apmlab.load(folder).con
    core.run(connection, (2022, 2024))
    assignment.run(connection, (2024, 2024))
    return connection


def _assigned(con, method):
    rows = con.execute("SELECT person_id, aco_id, step, allowed_charges FROM mssp_assignment "
                       "WHERE year = 2024 AND method = $m", {"m": method}).fetchall()
    return {p: (aco, step, allowed) for p, aco, step, allowed in rows}


def test_retrospective_window_is_the_calendar_year_425_400_a_3(con):
    assert _assigned(con, "retrospective") == {"QA": ("ACO1", "1", 130.0)}


def test_prospective_window_is_october_to_september_425_20(con):
    assert _assigned(con, "prospective") == {
        "QB": ("ACO1", "1", 100.0),
        "QC": ("ACO1", "1", 70.0),
        "QD": ("ACO1", "1", 90.0),
    }


def test_assignable_needs_a_primary_care_service_in_the_year_425_20(con):
    """QB's and QC's services all fall before 2024; QD's only 2024 service is a telephone E&M,
    which is no primary care service in 2024 (425.400(c)(2))."""
    rows = con.execute("SELECT person_id FROM mssp_assignable WHERE year = 2024 "
                       "ORDER BY person_id").fetchall()
    assert [p for (p,) in rows] == ["QA", "QE"]
