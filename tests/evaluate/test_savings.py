"""Net savings arithmetic and the verdict rule, worked by hand."""

from __future__ import annotations

import pytest

from apmlab.evaluate import savings
from apmlab.evaluate.estimators import Estimate


def estimate(effect: float, low: float, high: float) -> Estimate:
    return Estimate("did", "spending", effect, 25.0, low, high, 0.01, 1000, 50, 10_000.0, "CRV1")


def test_gross_savings_is_the_fall_in_spending_times_exposed_units():
    """-$100 per person-year (95% CI -150 to -50) over 1,000 exposed person-years is
    $100,000 saved gross (50,000 to 150,000); $30,000 of shared savings leaves $70,000."""
    net = savings.net_savings(estimate(-100, -150, -50), 1_000, 30_000)
    assert (net.gross, net.gross_low, net.gross_high) == (100_000, 50_000, 150_000)
    assert (net.net, net.net_low, net.net_high) == (70_000, 20_000, 120_000)
    assert net.verdict == savings.SAVES


@pytest.mark.parametrize(("paid", "verdict"), [
    (30_000, savings.SAVES),      # net 20k to 120k
    (120_000, savings.MIXED),     # spending fell, net -70k to 30k
    (200_000, savings.COSTS),     # net -150k to -50k
    (None, savings.INCONCLUSIVE),  # payments unknown
])
def test_verdict_rule(paid, verdict):
    assert savings.net_savings(estimate(-100, -150, -50), 1_000, paid).verdict == verdict


def test_no_detectable_change_and_no_clear_net_is_inconclusive():
    """Spending change -150 to +50 and no payments: net = gross spans 0."""
    net = savings.net_savings(estimate(-50, -150, 50), 1_000, 0.0)
    assert net.net_low < 0 < net.net_high
    assert net.verdict == savings.INCONCLUSIVE


def test_a_model_that_raised_spending_and_paid_out_costs_money():
    net = savings.net_savings(estimate(80, 20, 140), 1_000, 10_000)
    assert net.net_high == pytest.approx(-30_000)
    assert net.verdict == savings.COSTS


def test_shared_losses_repaid_add_to_net_savings():
    """Negative payments (shared losses, repayments) are money back to Medicare."""
    net = savings.net_savings(estimate(-50, -150, 50), 1_000, -60_000)
    assert net.net_low == pytest.approx(10_000)
    assert net.verdict == savings.SAVES


@pytest.mark.parametrize(("clusters", "expected"), [
    (None, savings.SAVES), (savings.MIN_CLUSTERS, savings.SAVES),
    (savings.MIN_CLUSTERS - 1, savings.INCONCLUSIVE)])
def test_no_verdict_on_the_intervals_of_too_few_participant_clusters(clusters, expected):
    """A net-savings interval wholly above 0 says 'saves money' unless the pooled interval
    rests on fewer than MIN_CLUSTERS participant clusters (the rule's reasons are in the
    savings module's docstring)."""
    assert savings.verdict(100.0, 50.0, 150.0, clusters) == expected
