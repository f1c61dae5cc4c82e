"""Benchmark rules worked by hand from the regulation's words (42 CFR 425.601, 425.652-425.660)
and properties that hold for any input. Enrollment types are ordered ESRD, disabled,
aged/dual, aged/non-dual."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from apmlab.mssp import benchmark_rules as br
from apmlab.mssp.benchmark import prior_savings
from apmlab.mssp.benchmark_spec import load_benchmark_spec
from apmlab.mssp.spec import SpecError
from apmlab.reach.benchmark import blended_benchmark

SPEC = load_benchmark_spec()
R2024 = SPEC.for_agreement(2024)
R2019 = SPEC.for_agreement(2023)

HISTORICAL = np.array([50000.0, 12000.0, 15000.0, 10000.0])
DIFFERENCE = np.array([2000.0, 500.0, 300.0, 400.0])
PROPORTIONS = np.array([0.0, 0.2, 0.3, 0.5])
NATIONAL = np.array([60000.0, 11000.0, 14000.0, 10000.0])
ONES = np.ones(4)


def regional(difference, application=1, rules=R2024, dual=0.0, risk=ONES):
    return br.regional_adjustment(HISTORICAL + difference, HISTORICAL, PROPORTIONS, NATIONAL,
                                  application, rules, dual, risk, HISTORICAL, PROPORTIONS)


def test_rule_sets_follow_agreement_start():
    assert R2024.name == "from_2024" and R2019.name == "from_2019"
    assert SPEC.year_weights(2024) == (0.10, 0.30, 0.60)  # 425.652(a)(7)
    with pytest.raises(SpecError):
        SPEC.for_agreement(2012)


@pytest.mark.parametrize("application, weight", [(1, 0.35), (2, 0.50), (3, 0.50), (4, 0.50)])
def test_lower_spending_aco_regional_weights_425_656_d(application, weight):
    """sum(proportion x difference) = 0.2x500 + 0.3x300 + 0.5x400 = 390 > 0: the ACO spends
    less than its region, so the lower-spending weight of the n-th application applies."""
    r = regional(DIFFERENCE, application)
    assert bool(r.lower_spending) and r.weight == weight
    np.testing.assert_allclose(r.adjustment, weight * DIFFERENCE)
    assert r.single_value == pytest.approx(weight * 390)


@pytest.mark.parametrize("application, weight", [(1, 0.15), (2, 0.25), (3, 0.35), (4, 0.50)])
def test_higher_spending_aco_regional_weights_425_656_d(application, weight):
    r = regional(-DIFFERENCE / 10, application)  # small, so the -1.5% cap does not bind
    assert not bool(r.lower_spending) and r.weight == weight
    np.testing.assert_allclose(r.uncapped, -weight * DIFFERENCE / 10)


def test_regional_caps_plus_5_minus_1_5_percent_of_national_425_656_c_3():
    """Positive: 35% x 4,000 = 1,400 for aged/non-dual, capped at 5% x 10,000 = 500.
    Negative: 15% x -4,000 = -600, floored at -1.5% x 10,000 = -150."""
    up = regional(np.array([0, 0, 0, 4000.0]))
    assert up.adjustment[3] == pytest.approx(500.0)
    down = regional(np.array([0, 0, 0, -4000.0]))
    assert down.uncapped[3] == pytest.approx(-600.0)
    assert down.adjustment[3] == pytest.approx(-150.0)


def test_negative_regional_adjustment_offset_425_656_c_4():
    """offset = dual share 0.2 + (weighted BY3 risk 1.05 - 1) = 0.25; -150 x 0.75."""
    down = regional(np.array([0, 0, 0, -4000.0]), dual=0.2, risk=np.full(4, 1.05))
    assert down.offset == pytest.approx(0.25)
    assert down.adjustment[3] == pytest.approx(-112.5)
    full = regional(np.array([0, 0, 0, -4000.0]), dual=0.9, risk=np.full(4, 1.2))
    assert full.offset == 1.0 and full.adjustment[3] == 0.0  # 425.656(c)(5): at most 1


def test_pre_2024_caps_are_5_percent_both_ways_without_offset_425_601_a_8():
    down = regional(np.array([0, 0, 0, -4000.0]), rules=R2019, dual=0.2,
                    risk=np.full(4, 1.05))
    assert down.adjustment[3] == pytest.approx(-500.0)


def test_negative_regional_not_applied_from_2024_425_652_a_8_iii():
    down = regional(-DIFFERENCE)
    applied, kind = br.choose_adjustment(down, np.bool_(False), 0.0, R2024)
    assert kind == "none" and not applied.any()
    down_2019 = regional(-DIFFERENCE, rules=R2019)
    applied, kind = br.choose_adjustment(down_2019, np.bool_(False), 0.0, R2019)
    assert kind == "regional"
    np.testing.assert_allclose(applied, down_2019.adjustment)


def test_prior_savings_adjustment_425_658():
    """Savings 0 (not reconciled), 300, 600: average 300; 50% = 150, below the cap of
    5% x 10,000 = 500. It beats a regional single value of 0.35 x 390 = 136.5 and applies
    as a flat 150 to every type (425.652(a)(8)(iv)(B))."""
    average, eligible, amount = br.prior_savings_adjustment(
        np.array([0.0, 300.0, 600.0]), 1.0, 10000.0, R2024)
    assert (average, bool(eligible), amount) == (300.0, True, pytest.approx(150.0))
    applied, kind = br.choose_adjustment(regional(DIFFERENCE), eligible, amount, R2024)
    assert kind == "prior_savings"
    np.testing.assert_allclose(applied, np.full(4, 150.0))
    # A larger regional single value wins and is applied by type (a)(8)(iv)(A).
    bigger = regional(DIFFERENCE, application=2)  # single value 195
    applied, kind = br.choose_adjustment(bigger, eligible, amount, R2024)
    assert kind == "regional"
    # Capped at 5% of national per capita (425.658(c)(1)(ii)); average <= 0 not eligible.
    assert br.prior_savings_adjustment(np.array([3000.0] * 3), 1.0, 10000.0, R2024)[2] == 500
    assert not br.prior_savings_adjustment(np.array([-900.0, 300.0, 300.0]), 1.0, 1e4,
                                           R2024)[1]


def test_flat_3_percent_risk_cap_before_2024_425_605_a_1():
    ratio, capped, _ = br.capped_risk_ratio(np.array([1.1, 1.0, 0.9, 1.05]), ONES, ONES, ONES,
                                            ONES, R2019)
    np.testing.assert_allclose(ratio, [1.1, 1.0, 0.9, 1.05])
    np.testing.assert_allclose(capped, [1.03, 1.0, 0.9, 1.03])  # decreases uncapped


def test_aggregate_risk_cap_demographic_plus_3_points_from_2024_425_605_a_1_ii():
    """Ratios 1.10, 1.06, 1.02, 0.97 with equal weights: aggregate HCC growth 1.0375;
    demographic growth 0.5% gives a cap of 1.005 + 0.03 = 1.035 ((a)(1)(ii)(A)). The
    aggregate exceeds it, so the cap applies and no type's positive adjustment may be larger
    than it ((a)(1)(ii)(B)): 1.10 and 1.06 become 1.035; 1.02 and the decrease stay."""
    py = np.array([1.10, 1.06, 1.02, 0.97])
    _, capped, cap = br.capped_risk_ratio(py, ONES, np.full(4, 1.005), ONES, ONES, R2024)
    assert cap == pytest.approx(1.035)
    np.testing.assert_allclose(capped, [1.035, 1.035, 1.02, 0.97])
    # Demographic growth 1%: cap 1.04 >= aggregate 1.0375, so no type is capped, not even
    # the 1.10 ((a)(1)(ii)(B): the cap applies only when the aggregate exceeds it).
    _, capped, _ = br.capped_risk_ratio(py, ONES, np.full(4, 1.01), ONES, ONES, R2024)
    np.testing.assert_allclose(capped, py)
    # The weights are historical benchmark expenditure x PY person-years ((a)(1)(ii)(C)):
    # all weight on the 1.02 type puts the aggregate under the cap.
    _, capped, _ = br.capped_risk_ratio(py, ONES, np.full(4, 1.005), ONES,
                                        np.array([0.0, 0.0, 1.0, 0.0]), R2024)
    np.testing.assert_allclose(capped, py)


def test_regional_risk_score_growth_cap_factor_425_655():
    """Aggregate regional HCC growth 1.05 > demographic 1.00 + 0.03; market share 0.2 lifts
    the cap to 1.03 + 0.2 x (1.05 - 1.03) = 1.034; types above it get growth / cap."""
    h = np.array([1.08, 1.02, 1.05, 1.05])
    factor = br.regional_risk_cap_factor(h, ONES, ONES, np.full(4, 0.2), ONES, R2024)
    np.testing.assert_allclose(factor, [1.08 / 1.034, 1.0, 1.05 / 1.034, 1.05 / 1.034])
    assert (br.regional_risk_cap_factor(h, ONES, ONES, np.full(4, 0.2), ONES, R2019) == 1).all()


def test_three_way_blend_with_acpt_425_652_b():
    """National 4%, regional 6%, market share 0.25: two-way 5.5%; ACPT 4.9% at 1/3."""
    weight, growth = R2024.acpt(2024, 2025)
    assert (weight, growth) == (pytest.approx(1 / 3), 0.094)
    update, two_way = br.update_factor(np.full(4, 1.04), np.full(4, 1.06), 0.25, 0.049, 1 / 3)
    np.testing.assert_allclose(two_way, 1.055)
    np.testing.assert_allclose(update, 2 / 3 * 1.055 + 1 / 3 * 1.049)
    assert R2024.acpt(2024, 2024) == (pytest.approx(1 / 6), 0.049)  # PY2024 weight halved
    with pytest.raises(SpecError, match="no ACPT"):
        R2024.acpt(2026, 2026)
    assert R2019.acpt(2023, 2025) == (0.0, 0.0)  # 425.601(b): no ACPT


def test_risk_adjust_trend_and_weight_benchmark_years_425_652_a():
    """One type: BY per capita 9,000 / 9,500 / 10,000 at risk 0.9 / 0.95 / 1.0 are 10,000
    each at BY3 risk; trend = 0.25 x national + 0.75 x regional growth to BY3."""
    per_capita = np.array([[9000.0], [9500.0], [10000.0]])
    risk = np.array([[0.9], [0.95], [1.0]])
    national = np.array([[9000.0], [9450.0], [10000.0]])
    regional_ = np.array([[8000.0], [8800.0], [9600.0]])
    out = br.restate_to_by3(per_capita, risk, national, regional_, 0.25)
    np.testing.assert_allclose(out["risk_adjusted"][:, 0], [10000.0] * 3)
    trend = [0.25 * 10000 / 9000 + 0.75 * 9600 / 8000, 0.25 * 10000 / 9450 + 0.75 * 9600 / 8800, 1]
    np.testing.assert_allclose(out["trend"][:, 0], trend)
    benchmark, w = br.weight_years(out["restated"], np.ones((3, 1), bool), (0.1, 0.3, 0.6))
    assert benchmark[0] == pytest.approx(
        10000 * (0.1 * trend[0] + 0.3 * trend[1] + 0.6))
    present = np.array([[False], [True], [True]])
    benchmark, w = br.weight_years(out["restated"], present, (0.1, 0.3, 0.6))
    np.testing.assert_allclose(w[:, 0], [0, 1 / 3, 2 / 3])
    assert benchmark[0] == pytest.approx(10000 * (trend[1] / 3 + 2 / 3))


def test_reach_blend_and_symmetric_risk_cap():
    """Historical 12,000 at BY3 risk 1.2 is 10,000 per unit of risk, x 1.05 national growth
    = 10,500; blended 0.55 x 10,500 + 0.45 x 9,000 = 9,825; PY risk 1.3 / 1.2 capped at +3%."""
    out = blended_benchmark(np.array([12000.0]), np.array([1.2]), np.array([1.05]),
                            np.array([9000.0]), 0.45, np.array([1.3]), 0.03)
    assert out["blended"][0] == pytest.approx(9825.0)
    assert out["benchmark"][0] == pytest.approx(9825.0 * 1.03 * 1.2)
    low = blended_benchmark(np.array([12000.0]), np.array([1.2]), np.array([1.05]),
                            np.array([9000.0]), 0.45, np.array([1.1]), 0.03)
    assert low["capped"][0] == pytest.approx(0.97)  # the floor of the symmetric cap


money = st.floats(1000, 100000)
amounts = st.lists(st.floats(-20000, 20000), min_size=4, max_size=4)


@given(st.lists(money, min_size=4, max_size=4), amounts, st.integers(1, 5),
       st.floats(0, 1), st.floats(0.5, 2))
def test_regional_adjustment_stays_within_caps(national, difference, application, dual, risk):
    national = np.array(national)
    for rules in (R2024, R2019):
        r = br.regional_adjustment(HISTORICAL + np.array(difference), HISTORICAL, PROPORTIONS,
                                   national, application, rules, dual, np.full(4, risk),
                                   HISTORICAL, PROPORTIONS)
        assert (r.adjustment <= rules.cap_positive * national + 1e-9).all()
        assert (r.adjustment >= -rules.cap_negative * national - 1e-9).all()
        assert 0 <= r.offset <= 1


@given(st.lists(st.floats(0.5, 2), min_size=4, max_size=4),
       st.lists(st.floats(0.8, 1.2), min_size=4, max_size=4),
       st.lists(st.floats(1, 1000), min_size=4, max_size=4))
def test_capped_risk_growth_never_exceeds_the_cap(py, demographic, weights):
    py, demographic, w = np.array(py), np.array(demographic), np.array(weights)
    ratio, capped, cap = br.capped_risk_ratio(py, ONES, demographic, ONES, w, R2024)
    aggregate = (w * ratio).sum() / w.sum()
    if aggregate > cap:
        positive = ratio > 1
        np.testing.assert_array_equal(capped[~positive], ratio[~positive])
        np.testing.assert_allclose(capped[positive], np.minimum(ratio[positive], cap))
    else:
        np.testing.assert_array_equal(capped, ratio)
    assert (capped <= ratio).all()  # the cap never raises a risk ratio
    _, flat, _ = br.capped_risk_ratio(py, ONES, demographic, ONES, w, R2019)
    assert (flat <= 1.03 + 1e-12).all()


def test_prior_savings_read_for_the_3_years_before_the_agreement_425_658_b_1():
    """An agreement starting 2024 looks at 2021-2023; 2021 and 2023 have no row (not
    reconciled: 0); a 2019 row is outside the window."""
    con = duckdb.connect()
    con.execute("CREATE TABLE mssp_prior_savings AS SELECT * FROM (VALUES "
                "('ACO1', 2022, 100.0, 0.8), ('ACO1', 2019, 999.0, 1.0)) "
                "AS t(aco_id, year, per_capita_savings, proration)")
    savings, proration = prior_savings(con, [("mssp", "ACO1", 2024, "basic_e")])
    assert savings.tolist() == [[0.0, 100.0, 0.0]] and proration.tolist() == [0.8]
