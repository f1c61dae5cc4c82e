"""MSSP benchmark and settlement from a tiny claims set, worked by hand (42 CFR 425.601,
425.605; the ACO's agreement starts in 2023, so the pre-2024 rules apply).

One county; every beneficiary aged/non-dual, enrolled in Parts A and B 2020-2023. ACO1 bills
through T1 and starts 2023-01-01 (BY1-BY3 = 2020-2022, PY 2023). A1 and A2 see ACO1's
primary care physician every year; B1 sees an unaffiliated practice (T9), so is assignable
but not assigned; D1 has no primary care service, so is not assignable. Each person-year
has one 99213 visit (paid 80) and one other line making up the total below. No risk-score
table: every risk score is 1.0.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest
from rich.console import Console

import apmlab
from apmlab import core
from apmlab.mssp import assignment, benchmark, stage
from apmlab.mssp.benchmark_spec import load_benchmark_spec
from mssp.aco_world import PARTICIPATION, PROVIDERS, quantile_99, run_aco_stage
from tiny_input import LINE, PERSON, write_input

TOTAL = {  # annual paid dollars excluding IME, by person and year
    "A1": {2020: 1000, 2021: 1100, 2022: 1200, 2023: 1300},
    "A2": {2020: 2000, 2021: 2100, 2022: 2200, 2023: 2300},
    "B1": {2020: 1500, 2021: 1600, 2022: 3000, 2023: 1800},
    "D1": {2020: 100, 2021: 100, 2022: 500_000, 2023: 100},
}
TIN_OF = {"A1": "T1", "A2": "T1", "B1": "T9"}
IME_A1_2022 = 300  # paid on A1's 2022 line but excluded (425.601(a)(1)(i))


def _world(folder):
    eligibility = [{**PERSON, "person_id": p, "enrollment_start_date": "2020-01-01",
                    "enrollment_end_date": "2023-12-31", "county_fips": "01001", "state": "AL"}
                   for p in TOTAL]
    claims, n = [], 0
    for person, years in TOTAL.items():
        for year, total in years.items():
            day = f"{year}-03-01"
            if person in TIN_OF:
                n += 1
                claims.append({**LINE, "claim_id": f"C{n}", "person_id": person,
                               "rendering_npi": "N1" if TIN_OF[person] == "T1" else "N9",
                               "billing_tin": TIN_OF[person], "hcpcs_code": "99213",
                               "allowed_amount": "100", "paid_amount": "80",
                               "claim_start_date": day, "claim_end_date": day})
            ime = IME_A1_2022 if (person, year) == ("A1", 2022) else 0
            other = total - (80 if person in TIN_OF else 0) + ime
            n += 1
            claims.append({**LINE, "claim_id": f"C{n}", "person_id": person,
                           "rendering_npi": "N9", "billing_tin": "T9", "hcpcs_code": "93000",
                           "allowed_amount": str(other), "paid_amount": str(other),
                           "ime_amount": str(ime), "claim_start_date": day,
                           "claim_end_date": day})
    return write_input(folder, eligibility=eligibility, medical_claim=claims,
                       provider=PROVIDERS, participation=PARTICIPATION)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_aco_stage(_world(tmp_path_factory.mktemp("bench")), (2020, 2023))


def _truncated(year):
    """Truncated spending of the assignable beneficiaries (A1, A2, B1) in ``year``."""
    values = [TOTAL[p][year] for p in ("A1", "A2", "B1")]
    cap = quantile_99(values)
    return {p: min(TOTAL[p][year], cap) for p in ("A1", "A2", "B1")}


def test_benchmark_years_are_assigned_with_the_agreement_tins_425_601_a(run):
    bench = run.execute("SELECT year, person_id, aco_id FROM mssp_benchmark_assignment "
                        "WHERE method = 'retrospective' ORDER BY 1, 2").fetchall()
    assert bench == [(y, p, "ACO1") for y in (2020, 2021, 2022) for p in ("A1", "A2")]
    performance = run.execute("SELECT DISTINCT year FROM mssp_assignment").fetchall()
    assert performance == [(2023,)]  # benchmark years are not performance years


def test_truncation_at_99th_percentile_of_assignable_425_601_a_4(run):
    """D1 (not assignable, $500,000 in 2022) does not move the threshold; B1's 2022 $3,000
    is cut to 2,200 + 0.98 x 800 = 2,984."""
    threshold = run.execute("SELECT DISTINCT truncation_threshold FROM "
                            "mssp_assignable_truncated WHERE year = 2022").fetchall()
    assert threshold == [(pytest.approx(2984.0),)]
    assert _truncated(2022)["B1"] == pytest.approx(2984.0)
    persons = {p for (p,) in run.execute("SELECT person_id FROM mssp_assignable").fetchall()}
    assert persons == {"A1", "A2", "B1"}
    a1 = run.execute("SELECT expenditure FROM mssp_assignable WHERE person_id = 'A1' "
                     "AND year = 2022").fetchall()
    assert a1 == [(pytest.approx(1200.0),)]  # the $300 IME is excluded


def _expected():
    aco = {y: (_truncated(y)["A1"] + _truncated(y)["A2"]) / 2 for y in range(2020, 2024)}
    nat = {y: sum(_truncated(y).values()) / 3 for y in range(2020, 2024)}
    # One county holding every assignable beneficiary: regional = national, market share
    # 2/3, so each trend factor is national growth (425.601(a)(5)).
    restated = [aco[2020] * nat[2022] / nat[2020], aco[2021] * nat[2022] / nat[2021], aco[2022]]
    historical = 0.1 * restated[0] + 0.3 * restated[1] + 0.6 * restated[2]  # (a)(7)
    regional = nat[2022]
    lower = regional > historical  # (f)(1)(i): 35% for an ACO spending less than its region
    adjustment = (0.35 if lower else 0.15) * (regional - historical)
    adjustment = max(min(adjustment, 0.05 * nat[2022]), -0.05 * nat[2022])  # (a)(8)(ii)(C)
    adjusted = historical + adjustment
    updated = adjusted * nat[2023] / nat[2022]  # (b): national = regional growth, risk 1.0
    return {"historical": historical, "adjusted": adjusted, "updated": updated,
            "expenditure": 2 * aco[2023], "regional": regional}


def test_historical_benchmark_adjustment_and_update_425_601(run):
    want = _expected()
    row = run.execute(
        "SELECT historical_benchmark, regional_per_capita_by3, adjusted_benchmark, "
        "updated_benchmark, expenditure_total, market_share, baseline_status, by1_weight "
        "FROM mssp_benchmark WHERE aco_id = 'ACO1' AND performance_year = 2023 "
        "AND enrollment_type = 'aged_non_dual'").fetchall()[0]
    assert row[0] == pytest.approx(want["historical"])
    assert row[1] == pytest.approx(want["regional"])
    assert row[2] == pytest.approx(want["adjusted"])
    assert row[3] == pytest.approx(want["updated"])
    assert row[4] == pytest.approx(want["expenditure"])
    assert row[5] == pytest.approx(2 / 3)
    assert row[6] == "complete" and row[7] == pytest.approx(0.1)


def test_settlement_from_the_benchmark_425_605(run):
    """BASIC level E, elected 2% MSR/MLR (spec default), quality met: 50% of savings
    after 2% sequestration, or 30% of losses limited to 8% of the ACO participants' revenue,
    or 4% of the benchmark when lower (425.605(d)(1)(v)). The revenue is what T1 billed in
    2023: A1's and A2's visits, 2 x $80; the assigned beneficiaries' untruncated
    expenditure (425.20 low revenue test) is A1's and A2's 2023 totals."""
    want = _expected()
    benchmark_total = 2 * want["updated"]
    gross = benchmark_total - want["expenditure"]
    rate = gross / benchmark_total
    revenue = 2 * 80
    if abs(rate) < 0.02:
        earned = 0.0
    elif gross > 0:
        earned = min(gross * 0.5 * 0.98, 0.10 * benchmark_total)
    else:
        earned = -min(-gross * 0.30, 0.04 * benchmark_total, 0.08 * revenue)
    row = run.execute("SELECT benchmark_total, savings_rate, earned_savings_losses, "
                      "participant_revenue, assigned_ffs_expenditure, benchmark_total_two_way "
                      "FROM mssp_settlement").fetchall()
    assert row == [(pytest.approx(benchmark_total), pytest.approx(rate), pytest.approx(earned),
                    pytest.approx(revenue), pytest.approx(TOTAL["A1"][2023] + TOTAL["A2"][2023]),
                    None)]  # a 2023 agreement: no two-way recalculation (425.652(b)(5))
    assert run.execute("SELECT count(*) FROM reach_settlement").fetchall() == [(0,)]


def test_missing_benchmark_year_is_reported_never_silent(run):
    """Without 2020 in the data BY1 is missing: 'reweight' scales BY2/BY3 to 1/3 and 2/3
    and says so; 'require' builds no benchmark and says why."""
    assignment.run(run, (2021, 2023))
    spec = load_benchmark_spec()
    grid, hist, perf = benchmark.build(run, spec)
    rows, settle_input = benchmark.compute(grid, hist, perf, spec)
    status = rows.column("baseline_status").to_pylist()[0]
    assert status.startswith("reweighted: BY1 (2020) not in the data")
    aged = rows.column("enrollment_type").to_pylist().index("aged_non_dual")
    weights = rows.column("by2_weight")[aged].as_py(), rows.column("by3_weight")[aged].as_py()
    assert weights == (pytest.approx(1 / 3), pytest.approx(2 / 3))
    assert settle_input.num_rows == 1

    strict = dataclasses.replace(spec, partial_baseline="require")
    rows, settle_input = benchmark.compute(grid, benchmark.historical(grid, strict), perf, strict)
    assert rows.column("baseline_status").to_pylist()[0].startswith(
        "not benchmarked: BY1 (2020) not in the data")
    assert settle_input.num_rows == 0


def test_report_section_lists_each_aco(run):
    sections = stage.sections(SimpleNamespace(con=run))
    body = sections[1].body
    assert "ACO1" in body and "Payout" in body


def test_benchmark_tins_are_those_before_the_agreement_starts_425_652_a(tmp_path):
    """425.652(a): benchmark-year assignment uses 'the ACO participant TINs identified
    before the start of the agreement period'. T2 joins ACO1 in 2024: its 2022 patient C is
    not in ACO1's benchmark population, but is assigned in performance year 2024."""
    eligibility = [{**PERSON, "person_id": p, "enrollment_start_date": "2022-01-01",
                    "enrollment_end_date": "2024-12-31"} for p in ("A", "C")]
    visits = [("A", "N1", "T1", "2022-03-01"), ("C", "N2", "T2", "2022-03-01"),
              ("C", "N2", "T2", "2024-03-01")]
    claims = [{**LINE, "claim_id": f"C{i}", "person_id": who, "rendering_npi": npi,
               "billing_tin": tin, "hcpcs_code": "99213", "claim_start_date": day,
               "claim_end_date": day} for i, (who, npi, tin, day) in enumerate(visits)]
    providers = [{"npi": n, "tin": t, "provider_type": "physician", "specialty_code": "08"}
                 for n, t in (("N1", "T1"), ("N2", "T2"))]
    participation = [
        {"entity_id": "ACO1", "model": "mssp", "tin": "T1", "start_date": "2023-01-01"},
        {"entity_id": "ACO1", "model": "mssp", "tin": "T2", "start_date": "2024-01-01"},
        {"entity_id": "OLD", "model": "mssp", "tin": "T3", "start_date": "2015-01-01"},
    ]
    con = apmlab.load(write_input(tmp_path, eligibility=eligibility, medical_claim=claims,
                                  provider=providers, participation=participation)).con
    core.run(con, (2022, 2024))
    assignment.run(con, (2022, 2024))
    bench = con.execute("SELECT year, person_id FROM mssp_benchmark_assignment "
                        "WHERE method = 'retrospective'").fetchall()
    assert bench == [(2022, "A")]
    performance = con.execute("SELECT year, person_id, aco_id FROM mssp_assignment "
                              "WHERE method = 'retrospective'").fetchall()
    assert performance == [(2024, "C", "ACO1")]
    # An agreement older than every rule set (2015: 425.603) is reported, not computed.
    spec = load_benchmark_spec()
    rows, _ = benchmark.compute(*benchmark.build(con, spec), spec)
    old = [r for r in rows.to_pylist() if r["aco_id"] == "OLD"]
    assert len(old) == 1 and old[0]["baseline_status"].startswith(
        "not benchmarked: benchmark.toml: no rule set for agreements starting in 2015")


def test_no_aco_in_the_data_writes_empty_tables(tmp_path):
    participation = [{"entity_id": "H1", "model": "cjr", "ccn": "010001",
                      "start_date": "2021-01-01"}]
    con = apmlab.load(write_input(tmp_path, participation=participation)).con
    core.run(con, (2021, 2021))
    ctx = SimpleNamespace(con=con, years=(2021, 2021), console=Console(quiet=True))
    stage.run(ctx)
    for name in ("mssp_assignment", "mssp_benchmark", "mssp_settlement", "reach_settlement"):
        assert con.execute(f"SELECT count(*) FROM {name}").fetchall() == [(0,)]
    columns = {r[0] for r in con.execute("DESCRIBE mssp_settlement").fetchall()}
    assert {"aco_id", "earned_savings_losses", "benchmark_total"} <= columns
    assignment_section, aco_section = stage.sections(ctx)
    assert "No beneficiary is assigned" in assignment_section.body
    assert "No ACO performance year was settled" in aco_section.body
