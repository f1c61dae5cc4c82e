"""42 CFR 425.652(b)(5): losses against the updated benchmark recalculated with the two-way blend.

The rule (agreements from 2024): "If an ACO's average per capita Medicare expenditures for
the performance year are above its updated benchmark [...] by at least the MLR or negative
MSR established for the ACO, CMS will compute a recalculated updated benchmark using the
two-way blend". (i) Expenditures above the recalculated benchmark "by a smaller amount":
the recalculated benchmark determines the ACO's shared losses (425.605, 425.610). (ii)
Expenditures below it: "neither [...] responsible for sharing losses [...] nor eligible for
sharing in savings".

The base ACO, worked by hand: BASIC Level E in PY2025 (425.605(d)(1)(v): 30% loss rate,
loss limit 4% of the updated benchmark; no participant revenue given), elected 2% MSR/MLR,
updated benchmark (three-way blend with the ACPT) $100M, recalculated two-way benchmark $103M.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from apmlab.mssp import settle

BENCHMARK = 100_000_000.0
TWO_WAY = 103_000_000.0


def run(expenditure: float, two_way: float | None = TWO_WAY, **overrides) -> dict:
    row = dict(aco_id="A1", track="basic_e", assigned_beneficiaries=20_000,
               benchmark_total=BENCHMARK, expenditure_total=expenditure, quality_score=1.0,
               met_quality_standard=True, msr=0.02, agreement_start=2024,
               benchmark_total_two_way=two_way)
    row.update(overrides)
    out = settle(pa.table({k: [v] for k, v in row.items()}), 2025)
    return {c: out.column(c)[0].as_py() for c in out.column_names}


def test_loss_within_the_mlr_of_the_recalculated_benchmark_owes_nothing_425_652_b_5_i():
    # $104M is 4% above $100M (>= 2% MLR): recalculate. $104M - $103M = $1M is less than
    # $4M and 0.97% of $103M, under the 2% MLR: no shared losses. Without the rule the ACO
    # would owe 30% x $4M = $1.2M.
    out = run(104_000_000.0)
    assert out["two_way_benchmark_applied"] is True
    assert out["savings_rate"] == pytest.approx(-0.04)
    assert out["gross_savings_losses"] == 0.0
    assert out["earned_savings_losses"] == 0.0
    without = run(104_000_000.0, two_way=None)
    assert without["two_way_benchmark_applied"] is False
    assert without["earned_savings_losses"] == pytest.approx(-1_200_000)


def test_loss_beyond_the_mlr_is_shared_against_the_recalculated_benchmark_425_652_b_5_i():
    # $106M: 6% above $100M; $3M (2.91%) above $103M, at least the MLR: 30% x $3M = $900,000
    out = run(106_000_000.0)
    assert out["two_way_benchmark_applied"] is True
    assert out["gross_savings_losses"] == pytest.approx(-3_000_000)
    assert out["earned_savings_losses"] == pytest.approx(-900_000)


def test_loss_limit_is_a_share_of_the_recalculated_benchmark_425_652_b_5_i():
    # $130M: $27M above $103M; 30% = $8.1M, limited to 4% x $103M = $4.12M (not $4M)
    out = run(130_000_000.0)
    assert out["loss_limit_applied"] is True
    assert out["earned_savings_losses"] == pytest.approx(-4_120_000)


def test_spending_below_the_recalculated_benchmark_shares_nothing_425_652_b_5_ii():
    # $104M: 4% above $100M, but below a $105M recalculated benchmark: no losses, no savings
    out = run(104_000_000.0, two_way=105_000_000.0)
    assert out["two_way_benchmark_applied"] is True
    assert out["gross_savings_losses"] == 0.0
    assert out["earned_savings_losses"] == 0.0


def test_no_recalculation_within_the_mlr_425_652_b_5():
    # $101.5M is 1.5% above $100M, under the 2% MLR: no losses, and no recalculation
    out = run(101_500_000.0)
    assert out["two_way_benchmark_applied"] is False
    assert out["gross_savings_losses"] == 0.0


def test_a_lower_recalculated_benchmark_leaves_the_updated_one_425_652_b_5_i():
    # $102.5M: 2.5% above $100M; $99M two-way benchmark: $3.5M above it is not a smaller
    # amount than $2.5M, so the updated benchmark stands: 30% x $2.5M = $750,000
    out = run(102_500_000.0, two_way=99_000_000.0)
    assert out["two_way_benchmark_applied"] is False
    assert out["earned_savings_losses"] == pytest.approx(-750_000)


def test_savings_are_untouched_425_652_b_5():
    # $95M: 5% savings, shared at 50% after 2% sequestration whatever the two-way benchmark
    out = run(95_000_000.0)
    assert out["two_way_benchmark_applied"] is False
    assert out["earned_savings_losses"] == pytest.approx(5_000_000 * 0.50 * 0.98)

