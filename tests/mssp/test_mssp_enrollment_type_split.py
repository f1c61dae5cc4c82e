"""A beneficiary-year split between enrollment types, worked by hand (42 CFR 425.652(a)(2)
and (a)(3)(i), 425.654(a)(1), 425.601(a); CMS Shared Savings and Losses, Assignment and
Quality Performance Standard Methodology Specifications: person-years and expenditures
are split by the months in each enrollment type, claims by the month of their through date,
and truncation is on each beneficiary's annualised expenditure within the type).

One county, 2020-2023; ACO1 bills through T1 and starts 2023-01-01 (PY 2023). S is disabled
(Medicare status 20) from 2020 to June 2023 and aged/non-dual from July 2023 (turns 65).
In 2023 S sees ACO1's primary care physician in March (paid 80) and has a $2,920 line in
March and a $500 line in September. A1 and A2 (aged/non-dual, ACO1) and D (disabled, sees
an unaffiliated practice, so assignable but not assigned) keep one type all year. E (ESRD,
enrolled January-September 2023 only, unassigned) has a $420 line in November, a month
without enrollment.
"""

from __future__ import annotations

import pytest

from mssp.aco_world import PARTICIPATION, PROVIDERS, quantile_99, run_aco_stage
from tiny_input import LINE, PERSON, write_input

TOTAL = {"A1": 1300, "A2": 2300, "D": 1000}  # each year, paid in March; S: 3,000
TIN_OF = {"A1": "T1", "A2": "T1", "S": "T1", "D": "T9"}


def _line(n, person, day, paid, tin="T9", hcpcs="93000"):
    return {**LINE, "claim_id": f"C{n}", "person_id": person, "billing_tin": tin,
            "rendering_npi": "N1" if tin == "T1" else "N9", "hcpcs_code": hcpcs,
            "allowed_amount": str(paid), "paid_amount": str(paid),
            "claim_start_date": day, "claim_end_date": day}


def _world(folder):
    def span(person, start, end, status):
        return {**PERSON, "person_id": person, "enrollment_start_date": start,
                "enrollment_end_date": end, "medicare_status_code": status,
                "county_fips": "01001", "state": "AL"}

    eligibility = [span("A1", "2020-01-01", "2023-12-31", "10"),
                   span("A2", "2020-01-01", "2023-12-31", "10"),
                   span("D", "2020-01-01", "2023-12-31", "20"),
                   span("S", "2020-01-01", "2023-06-30", "20"),
                   span("S", "2023-07-01", "2023-12-31", "10"),
                   span("E", "2023-01-01", "2023-09-30", "11")]
    claims, n = [], 0
    for year in range(2020, 2024):
        for person, tin in TIN_OF.items():
            day = f"{year}-03-01"
            total = TOTAL.get(person, 3000)
            n += 1
            claims.append(_line(n, person, day, 80, tin, "99213"))
            n += 1
            claims.append(_line(n, person, day, total - 80))
    claims.append(_line(n + 1, "S", "2023-09-15", 500))
    claims.append(_line(n + 2, "E", "2023-03-01", 80, "T9", "99213"))
    claims.append(_line(n + 3, "E", "2023-11-20", 420))
    return write_input(folder, eligibility=eligibility, medical_claim=claims,
                       provider=PROVIDERS, participation=PARTICIPATION)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_aco_stage(_world(tmp_path_factory.mktemp("split")), (2020, 2023))


def test_person_years_and_dollars_split_by_month_type_425_652_a_2(run):
    """S's 2023: 6 disabled months (0.5 person-year) with the March claims, 80 + 2,920 =
    3,000; 6 aged/non-dual months (0.5) with the September $500. No dollar is lost."""
    rows = run.execute("SELECT enrollment_type, person_years, expenditure FROM mssp_assignable "
                       "WHERE person_id = 'S' AND year = 2023 ORDER BY 1").fetchall()
    assert rows == [("aged_non_dual", pytest.approx(0.5), pytest.approx(500.0)),
                    ("disabled", pytest.approx(0.5), pytest.approx(3000.0))]
    one_type = run.execute("SELECT person_id, enrollment_type, person_years, expenditure "
                           "FROM mssp_assignable WHERE year = 2023 AND person_id <> 'S' "
                           "ORDER BY 1").fetchall()
    assert one_type == [("A1", "aged_non_dual", 1.0, pytest.approx(1300.0)),
                        ("A2", "aged_non_dual", 1.0, pytest.approx(2300.0)),
                        ("D", "disabled", 1.0, pytest.approx(1000.0)),
                        # E's November claim has no enrolled month: it counts in E's
                        # year type, ESRD, so 80 + 420; 9 months = 0.75 person-year.
                        ("E", "esrd", pytest.approx(0.75), pytest.approx(500.0))]


def _truncated_2023():
    """Truncation within each type on annualised spending (425.652(a)(3)(i)): S's halves
    annualise to 3,000 / 0.5 = 6,000 (disabled) and 500 / 0.5 = 1,000 (aged/non-dual)."""
    disabled = quantile_99([6000, 1000])                  # 1,000 + 0.99 x 5,000 = 5,950
    aged = quantile_99([1000, 1300, 2300])                # 1,300 + 0.98 x 1,000 = 2,280
    return {("S", "disabled"): min(6000, disabled) * 0.5,
            ("D", "disabled"): min(1000, disabled),
            ("S", "aged_non_dual"): min(1000, aged) * 0.5,
            ("A1", "aged_non_dual"): min(1300, aged),
            ("A2", "aged_non_dual"): min(2300, aged),
            ("E", "esrd"): 500.0}  # alone in its type: the cap is its own 500 / 0.75


def test_truncation_is_per_type_on_annualised_spending_425_652_a_3(run):
    want = _truncated_2023()
    assert want[("S", "disabled")] == pytest.approx(2975.0)
    assert want[("A2", "aged_non_dual")] == pytest.approx(2280.0)
    got = run.execute("SELECT person_id, enrollment_type, expenditure_truncated FROM "
                      "mssp_assignable_truncated WHERE year = 2023").fetchall()
    assert {(p, t): v for p, t, v in got} == {k: pytest.approx(v) for k, v in want.items()}


def test_aco_counts_the_split_beneficiary_once_425_652_a_2(run):
    """ACO1's PY 2023: A1, A2 and S. S has months (and a row) in both types, but the ACO's
    beneficiaries are 3 persons, not 4 person-type rows."""
    want = _truncated_2023()
    rows = {r[0]: r[1:] for r in run.execute(
        "SELECT enrollment_type, py_beneficiaries, py_person_years, py_expenditure "
        "FROM mssp_benchmark WHERE aco_id = 'ACO1' AND performance_year = 2023").fetchall()}
    aged = (want[("A1", "aged_non_dual")] + want[("A2", "aged_non_dual")]
            + want[("S", "aged_non_dual")])
    assert rows["aged_non_dual"] == (3, pytest.approx(2.5), pytest.approx(aged))
    assert rows["disabled"] == (1, pytest.approx(0.5), pytest.approx(want[("S", "disabled")]))
    assert rows["all"] == (3, pytest.approx(3.0), pytest.approx(aged + want[("S", "disabled")]))
    settled = run.execute("SELECT assigned_beneficiaries FROM mssp_settlement "
                          "WHERE aco_id = 'ACO1' AND performance_year = 2023").fetchall()
    assert settled == [(3,)]


def test_market_share_counts_persons_425_652_a_5_v(run):
    """One county: 5 assignable persons in 2023 (A1, A2, S, D, E), 3 of them ACO1's, so the
    market share is 3/5, not 4 person-type rows over 6."""
    share = run.execute("SELECT market_share FROM mssp_benchmark_market_share "
                        "WHERE aco_id = 'ACO1' AND year = 2023").fetchall()
    assert share == [(pytest.approx(3 / 5),)]
