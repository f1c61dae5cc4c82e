"""Invariants of MSSP settlement over random ACOs, tracks and years (hypothesis).

From PY2024 the draws include low revenue BASIC ACOs in agreements from 2024 (participant
revenue 5% of the benchmark), so 42 CFR 425.605(h) is exercised: below the MSR they share at
half the rate, from the MSR at the full rate, so earned savings still only rise with savings.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from apmlab.mssp import load_spec, settle

YEAR_TRACKS = [(y, t) for y in range(2014, 2027) for t in load_spec(y).tracks]
# expenditure / benchmark; half the draws near 1, where the MSR/MLR boundaries are
RATIOS = st.one_of(st.floats(0.3, 1.7), st.floats(0.95, 1.05))


@st.composite
def acos(draw):
    year, track = draw(st.sampled_from(YEAR_TRACKS))
    benchmark = draw(st.floats(1e6, 2e9))
    return year, {
        "aco_id": "A1",
        "track": track,
        "assigned_beneficiaries": draw(st.integers(5_000, 200_000)),
        "benchmark_total": benchmark,
        "expenditure_total": benchmark * draw(RATIOS),
        "quality_score": draw(st.floats(0, 1)),
        "met_quality_standard": draw(st.booleans()),
        "msr": draw(st.sampled_from([None, 0.0, 0.005, 0.01, 0.02])),
        "participant_revenue": draw(st.sampled_from([None, benchmark * 0.05, benchmark * 2])),
        "participation_year": draw(st.sampled_from([None, 1, 2, 3])),
        "agreement_start": draw(st.sampled_from([year - 3, year])),
    }


def settle_rows(year: int, rows: list[dict]) -> pa.Table:
    return settle(pa.table({k: [r[k] for r in rows] for k in rows[0]}), year)


@settings(max_examples=300, deadline=None)
@given(acos())
def test_earned_savings_never_exceed_the_cap(case):
    year, row = case
    rule = load_spec(year).track(row["track"])
    earned = settle_rows(year, [row]).column("earned_savings_losses")[0].as_py()
    assert earned <= rule.savings_cap * row["benchmark_total"] * (1 + 1e-12)


@settings(max_examples=300, deadline=None)
@given(acos(), st.lists(RATIOS, min_size=2, max_size=8))
def test_more_savings_never_earn_less(case, ratios):
    year, row = case
    spending = sorted(row["benchmark_total"] * r for r in ratios)  # ascending spending
    earned = settle_rows(year, [row | {"expenditure_total": e} for e in spending])
    earned = np.array(earned.column("earned_savings_losses").to_pylist())
    assert np.all(np.diff(earned) <= 1e-6 * row["benchmark_total"])


@settings(max_examples=300, deadline=None)
@given(acos())
def test_losses_never_exceed_the_loss_limit(case):
    year, row = case
    rule = load_spec(year).track(row["track"])
    earned = settle_rows(year, [row]).column("earned_savings_losses")[0].as_py()
    limits = rule.loss_limit_benchmark
    if isinstance(limits, tuple):
        limits = limits[min(row["participation_year"] or 3, len(limits)) - 1]
    limit = np.inf if limits is None else limits * row["benchmark_total"]
    if rule.loss_limit_revenue is not None and row["participant_revenue"] is not None:
        limit = min(limit, rule.loss_limit_revenue * row["participant_revenue"])
    if not rule.two_sided:
        limit = 0.0
    assert -earned <= limit * (1 + 1e-12)


@settings(max_examples=200, deadline=None)
@given(acos(), st.sampled_from([(y, t) for y in (2024, 2025, 2026) for t in load_spec(y).tracks
                                if t.startswith("basic")]),
       st.lists(st.floats(0.9, 1.05), min_size=2, max_size=8))
def test_low_revenue_basic_aco_earns_more_with_more_savings_across_the_msr(case, year_track,
                                                                          ratios):
    """42 CFR 425.605(h): half the rate below the MSR, the full rate from it: no drop."""
    (_, row), (year, track) = case, year_track
    row = row | {"track": track, "participant_revenue": row["benchmark_total"] * 0.05,
                 "agreement_start": year}
    spending = sorted(row["benchmark_total"] * r for r in ratios)
    earned = settle_rows(year, [row | {"expenditure_total": e} for e in spending])
    assert np.all(np.diff(earned.column("earned_savings_losses").to_numpy())
                  <= 1e-6 * row["benchmark_total"])
