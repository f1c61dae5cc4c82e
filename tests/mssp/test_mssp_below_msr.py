"""42 CFR 425.605(h): a low revenue BASIC ACO below its MSR shares savings at half the rate.

Each expected amount is worked by hand from the rule's words. The base ACO: BASIC Level C in
PY2024, 20,000 assigned beneficiaries (size-based MSR 2.5%, 425.605(b)(1)), benchmark $100M,
expenditure $98M (savings rate 2%, below the MSR), quality standard met, participant revenue
$20M (< 35% x $98M = $34.3M: low revenue, 425.20), agreement period from 2024.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from apmlab.mssp import InputError, load_spec, settle


def aco(**overrides) -> dict:
    row = dict(aco_id="A1", track="basic_c", assigned_beneficiaries=20_000,
               benchmark_total=100_000_000.0, expenditure_total=98_000_000.0,
               quality_score=1.0, met_quality_standard=True,
               participant_revenue=20_000_000.0, agreement_start=2024)
    row.update(overrides)
    return row


def run(year: int, row: dict) -> dict:
    out = settle(pa.table({k: [v] for k, v in row.items()}), year)
    return {c: out.column(c)[0].as_py() for c in out.column_names}


@pytest.mark.parametrize(("year", "track", "rate"), [
    (2024, "basic_c", 0.25),  # one-half of 50%, (h)(2) and (d)(1)(iii)(A)(4)(i)
    (2024, "basic_a", 0.20),  # one-half of 40%, (d)(1)(i)(A)(4)(i)
    (2026, "basic_e", 0.25),  # one-half of 50%, (d)(1)(v)(A)(4)(i)
])
def test_low_revenue_basic_aco_below_msr_shares_half_425_605_h(year, track, rate):
    out = run(year, aco(track=track))
    assert out["minimum_savings_rate"] == pytest.approx(0.025)
    assert out["shared_below_msr"] is True
    assert out["gross_savings_losses"] == pytest.approx(2_000_000)  # first dollar, (d)(..)(B)(1)
    assert out["final_sharing_rate"] == pytest.approx(rate)
    assert out["earned_savings_losses"] == pytest.approx(2_000_000 * rate * 0.98)


def test_alternative_quality_standard_halves_the_sliding_scale_rate_425_605_h_2():
    # (d)(1)(iii)(A)(4)(ii): 50% x score 0.8 = 40%; (h)(2): one-half -> 20%
    out = run(2024, aco(met_quality_standard=False, quality_score=0.8))
    assert out["final_sharing_rate"] == pytest.approx(0.20)
    assert out["earned_savings_losses"] == pytest.approx(2_000_000 * 0.20 * 0.98)


def test_meeting_the_msr_keeps_the_full_rate_425_605_d():
    # 4% savings >= 2.5% MSR: 50%, not halved; more savings never earn less across the MSR
    out = run(2024, aco(expenditure_total=96_000_000.0))
    assert out["shared_below_msr"] is False
    assert out["earned_savings_losses"] == pytest.approx(4_000_000 * 0.50 * 0.98)
    just_below = run(2024, aco(expenditure_total=97_510_000.0))["earned_savings_losses"]
    assert just_below == pytest.approx(2_490_000 * 0.25 * 0.98)
    at_msr = run(2024, aco(expenditure_total=97_500_000.0))["earned_savings_losses"]
    assert at_msr == pytest.approx(2_500_000 * 0.50 * 0.98) and at_msr > just_below


@pytest.mark.parametrize("overrides", [
    # 425.20: revenue must be *less than* 35% of the assigned beneficiaries' expenditures
    {"participant_revenue": 0.35 * 98_000_000},
    # the same test against the given assigned-beneficiary expenditure: 20M >= 35% x 50M
    {"assigned_ffs_expenditure": 50_000_000.0},
    # revenue unknown: not known to be low revenue
    {"participant_revenue": None},
    # (h)(1)(iii): at least 5,000 assigned beneficiaries (CMS-set MSR below 5,000, 425.110(b))
    {"assigned_beneficiaries": 4_999, "msr": 0.039},
    # (h)(1)(iv): agreement period beginning on January 1, 2024, or later
    {"agreement_start": 2023},
    # (c)(2)(ii): neither the quality standard nor the alternative standard met
    {"met_quality_standard": False, "quality_score": 0.0},
    # (h)(1)(i): expenditure not below the benchmark
    {"expenditure_total": 100_000_000.0},
    # BASIC track only: ENHANCED keeps its MSR requirement (425.610(b)(2))
    {"track": "enhanced"},
])
def test_failing_a_condition_of_425_605_h_earns_nothing(overrides):
    out = run(2024, aco(**overrides))
    assert out["shared_below_msr"] is False
    assert out["gross_savings_losses"] == 0.0
    assert out["earned_savings_losses"] == 0.0


def test_low_revenue_test_uses_the_given_assigned_expenditure_425_20():
    # revenue 20M < 35% x 60M = 21M: low revenue, though expenditure_total is 98M either way
    out = run(2024, aco(assigned_ffs_expenditure=60_000_000.0))
    assert out["shared_below_msr"] is True


def test_not_applied_before_2024():
    # PY2023: no agreement period beginning in 2024 or later exists, and no rule in the spec;
    # the same ACO gets nothing, and agreement_start is not asked for
    assert load_spec(2023).below_msr is None
    assert load_spec(2024).below_msr is not None
    for start in (2023, None):
        out = run(2023, aco(agreement_start=start))
        assert out["shared_below_msr"] is False
        assert out["earned_savings_losses"] == 0.0


def test_agreement_start_required_when_the_rule_could_apply():
    with pytest.raises(InputError, match=r"row 1 \(aco_id A1\), column agreement_start.*425\.605"):
        run(2024, aco(agreement_start=None))


def test_agreement_start_after_the_performance_year_rejected():
    with pytest.raises(InputError, match="agreement_start: is after performance year 2024"):
        run(2024, aco(agreement_start=2025))
