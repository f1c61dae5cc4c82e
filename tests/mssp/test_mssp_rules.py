"""Hand-worked settlement examples, each computed from the words of the cited rule."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from apmlab.mssp import InputError, SpecError, load_spec, settle, size_based_msr


def aco(**overrides) -> dict:
    row = dict(aco_id="A1", track="track_1", assigned_beneficiaries=20_000,
               benchmark_total=100_000_000.0, expenditure_total=96_000_000.0,
               quality_score=1.0, met_quality_standard=True)
    row.update(overrides)
    return row


def run(year: int, *rows: dict) -> dict:
    columns = {k: [r.get(k) for r in rows] for k in {k for r in rows for k in r}}
    out = settle(pa.table(columns), year)
    return {c: out.column(c).to_pylist() for c in out.column_names}


# --- MSR, 42 CFR 425.604(b) -------------------------------------------------------------

def test_msr_interpolates_within_band_425_604_b():
    bands = load_spec(2018).msr_bands
    n = np.array([5_000, 5_999, 8_525, 17_568, 60_000, 250_000, 4_999])
    msr = size_based_msr(n, bands)
    # band ends are the table's values; inside, linear from (low end, low MSR) to (high end)
    assert msr[0] == pytest.approx(0.039)
    assert msr[1] == pytest.approx(0.036)
    assert msr[2] == pytest.approx(0.032 - 0.001 * 525 / 999)  # PUF A3629: 0.031474474
    assert msr[3] == pytest.approx(0.027 - 0.002 * 2_568 / 4_999)  # 2.5973%, methodology.md
    assert msr[4] == msr[5] == pytest.approx(0.02)
    assert np.isnan(msr[6])


def test_one_sided_aco_below_5000_needs_msr_425_110():
    with pytest.raises(InputError, match=r"row 1 \(aco_id A1\), column msr.*5,000"):
        run(2018, aco(assigned_beneficiaries=4_999))
    out = run(2018, aco(assigned_beneficiaries=4_999, msr=0.04))
    assert out["minimum_savings_rate"] == [0.04]


def test_savings_below_msr_are_not_shared_425_604_c():
    # 20,000 beneficiaries -> MSR 2.5%; saving 2.4% does not qualify
    out = run(2018, aco(expenditure_total=97_600_000.0))
    assert out["minimum_savings_rate"][0] == pytest.approx(0.025)
    assert out["gross_savings_losses"] == [0.0]
    assert out["earned_savings_losses"] == [0.0]


# --- Sharing, cap, sequestration: 425.604(d)-(e) ---------------------------------------

def test_track_1_shares_first_dollar_at_quality_rate_425_604_d_e():
    # 4% savings >= 2.5% MSR: 4,000,000 x (50% x 0.9) x (1 - 2% sequestration)
    out = run(2018, aco(quality_score=0.9))
    assert out["gross_savings_losses"] == [4_000_000.0]
    assert out["final_sharing_rate"][0] == pytest.approx(0.45)
    assert out["earned_savings_losses"][0] == pytest.approx(4_000_000 * 0.45 * 0.98)


def test_failing_quality_standard_earns_nothing_425_502_d():
    out = run(2018, aco(met_quality_standard=False, quality_score=0.9))
    assert out["earned_savings_losses"] == [0.0]


def test_savings_capped_at_10_percent_of_benchmark_425_604_e_2():
    # 30M savings x 50% x 0.98 = 14.7M > 10% x 100M
    out = run(2018, aco(expenditure_total=70_000_000.0))
    assert out["earned_savings_losses"][0] == pytest.approx(10_000_000.0)
    assert out["cap_applied"] == [True]


def test_no_sequestration_for_py2020_payments():
    out = run(2020, aco())
    assert out["earned_savings_losses"][0] == pytest.approx(4_000_000 * 0.5)


def test_one_sided_losses_reported_but_not_owed():
    out = run(2018, aco(expenditure_total=104_000_000.0))
    assert out["gross_savings_losses"] == [-4_000_000.0]
    assert out["earned_savings_losses"] == [0.0]


# --- Loss sharing and loss limits ------------------------------------------------------

def test_track_3_loss_rate_floor_40_percent_425_610_f():
    # 3% loss >= 2% MLR; 1 - 75% x 0.9 = 32.5% -> floored at 40%
    out = run(2018, aco(track="track_3", msr=0.02, quality_score=0.9,
                        expenditure_total=103_000_000.0))
    assert out["loss_sharing_rate"][0] == pytest.approx(0.40)
    assert out["earned_savings_losses"][0] == pytest.approx(-1_200_000.0)


def test_track_3_failing_quality_shares_losses_at_75_percent_425_610_f_2():
    out = run(2018, aco(track="track_3", msr=0.02, met_quality_standard=False,
                        expenditure_total=103_000_000.0))
    assert out["loss_sharing_rate"][0] == pytest.approx(0.75)
    assert out["earned_savings_losses"][0] == pytest.approx(-2_250_000.0)


def test_track_3_loss_limit_15_percent_425_610_g():
    # 50M loss x 40% = 20M > 15% x 100M
    out = run(2018, aco(track="track_3", msr=0.0, expenditure_total=150_000_000.0))
    assert out["earned_savings_losses"][0] == pytest.approx(-15_000_000.0)
    assert out["loss_limit_applied"] == [True]


@pytest.mark.parametrize(("year_of_participation", "owed"),
                         [(1, 5_000_000), (2, 7_500_000), (3, 8_000_000), (None, 8_000_000)])
def test_track_2_loss_limit_by_year_425_606_g(year_of_participation, owed):
    # 20M loss x (1 - 60%) = 8M; limits 5% / 7.5% / 10% of 100M
    out = run(2018, aco(track="track_2", msr=0.02, expenditure_total=120_000_000.0,
                        participation_year=year_of_participation))
    assert out["earned_savings_losses"][0] == pytest.approx(-owed)


@pytest.mark.parametrize(("revenue", "owed"),
                         [(None, 1_000_000), (40_000_000.0, 800_000), (200_000_000.0, 1_000_000)])
def test_basic_c_revenue_limit_replaced_by_1_percent_benchmark_425_605_d_1_iii(revenue, owed):
    # 10M loss x 30% = 3M; limit 2% of revenue, or 1% of benchmark when that is lower
    out = run(2022, aco(track="basic_c", msr=0.0, expenditure_total=110_000_000.0,
                        participant_revenue=revenue))
    assert out["loss_sharing_rate"][0] == pytest.approx(0.30)
    assert out["earned_savings_losses"][0] == pytest.approx(-owed)


def test_basic_e_limit_8_percent_revenue_425_605_d_1_v():
    # 3M shared loss; 8% x 30M revenue = 2.4M < 4% x 100M
    out = run(2022, aco(track="basic_e", msr=0.0, expenditure_total=110_000_000.0,
                        participant_revenue=30_000_000.0))
    assert out["earned_savings_losses"][0] == pytest.approx(-2_400_000.0)


def test_disaster_reduction_after_limit_425_605_f():
    # BASIC D: 3M shared loss, limited to 2% x 100M = 2M, then reduced by 0.5M
    out = run(2022, aco(track="basic_d", msr=0.0, expenditure_total=110_000_000.0,
                        disaster_adjustment=-500_000.0))
    assert out["earned_savings_losses"][0] == pytest.approx(-1_500_000.0)


def test_track_1_plus_fixed_30_percent_and_4_percent_limit():
    # Track 1+ Model: 5M loss x 30% = 1.5M; 10M loss x 30% = 3M -> limit 4% x 50M = 2M
    out = run(2018,
              aco(track="track_1_plus", msr=0.0, expenditure_total=105_000_000.0),
              aco(aco_id="A2", track="track_1_plus", msr=0.0, benchmark_total=50_000_000.0,
                  expenditure_total=60_000_000.0))
    assert out["earned_savings_losses"] == pytest.approx([-1_500_000.0, -2_000_000.0])


# --- Quality modes by year --------------------------------------------------------------

def test_py2022_full_rate_when_standard_met_425_605_d_2():
    out = run(2022, aco(track="basic_a", quality_score=0.3),
              aco(aco_id="A2", track="basic_a", met_quality_standard=False))
    assert out["earned_savings_losses"] == pytest.approx([4_000_000 * 0.40 * 0.98, 0.0])


def test_py2024_sliding_scale_for_enhanced():
    # not met, sliding factor 0.8: 75% x 0.8 = 60% on 5M; loss side factor 0.2 -> 1 - 15% -> 75%
    out = run(2024,
              aco(track="enhanced", msr=0.0, expenditure_total=95_000_000.0,
                  met_quality_standard=False, quality_score=0.8),
              aco(aco_id="A2", track="enhanced", msr=0.0, expenditure_total=102_000_000.0,
                  met_quality_standard=False, quality_score=0.2))
    assert out["earned_savings_losses"][0] == pytest.approx(5_000_000 * 0.60 * 0.98)
    assert out["loss_sharing_rate"][1] == pytest.approx(0.75)
    assert out["earned_savings_losses"][1] == pytest.approx(-1_500_000.0)


def test_enhanced_loss_rate_uses_the_quality_score_when_the_standard_is_met_425_610_f():
    """425.610(f)(2)(i) (PY2021-2022) and (f)(4)(i) (PY2024+): shared loss rate = 1 - 75% x
    quality score, within 40%-75%, even though savings would be shared at the full 75%.
    Score 0.6: 1 - 0.45 = 55% of a 2M loss; score 0.9: 1 - 0.675 floored at 40%."""
    for year in (2022, 2024):
        out = run(year,
                  aco(track="enhanced", msr=0.0, expenditure_total=102_000_000.0,
                      quality_score=0.6),
                  aco(aco_id="A2", track="enhanced", msr=0.0, expenditure_total=102_000_000.0,
                      quality_score=0.9))
        assert out["loss_sharing_rate"] == pytest.approx([0.55, 0.40])
        assert out["earned_savings_losses"] == pytest.approx([-1_100_000.0, -800_000.0])
    with pytest.raises(InputError, match=r"column quality_score.*425.610\(f\)"):
        run(2024, aco(track="enhanced", msr=0.0, quality_score=None))


# --- Advance payments -------------------------------------------------------------------

def test_advance_payment_recouped_up_to_earned_savings():
    earned = 4_000_000 * 0.5 * 0.98
    out = run(2018, aco(advance_payment=2_500_000.0),
              aco(aco_id="A2", advance_payment=500_000.0),
              aco(aco_id="A3", advance_payment=500_000.0, expenditure_total=104_000_000.0))
    assert out["advance_payment_recouped"] == pytest.approx([earned, 500_000.0, 0.0])


# --- Validation and spec loading --------------------------------------------------------

def test_unknown_track_names_row_and_column():
    with pytest.raises(InputError, match=r"row 2 \(aco_id A2\), column track.*track_9"):
        run(2018, aco(), aco(aco_id="A2", track="track_9"))


def test_track_not_available_that_year():
    with pytest.raises(InputError, match=r"column track.*'track_3'.*2015"):
        run(2015, aco(track="track_3", msr=0.0))
    with pytest.raises(InputError, match=r"column track.*'track_1'.*2021"):
        run(2021, aco())


def test_negative_beneficiaries_rejected():
    with pytest.raises(InputError, match=r"row 1 \(aco_id A1\), column assigned_beneficiaries"):
        run(2018, aco(assigned_beneficiaries=-1))


def test_missing_column_rejected():
    with pytest.raises(InputError, match="missing column.*quality_score"):
        settle(pa.table({k: [v] for k, v in aco().items() if k != "quality_score"}), 2018)


def test_missing_year_fails_loudly():
    with pytest.raises(SpecError, match="performance year 2013"):
        load_spec(2013)


def test_every_year_2014_2026_has_cited_rules():
    for year in range(2014, 2027):
        spec = load_spec(year)
        assert spec.tracks, year
        assert all("425" in r.source or "Track 1+" in r.source for r in spec.tracks.values())
        assert spec.sources["quality"] and spec.sources["sequestration"]
