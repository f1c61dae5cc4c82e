"""Hand-worked global-budget and TCOC examples; every expected figure is computed below from
the words of the rule cited in specs/budgets/*.toml, not taken from the code's output."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apmlab.budgets import hospital, tcoc
from apmlab.budgets.spec import SpecError, load_hospital_spec, load_tcoc_spec, spec_path

NAN = np.nan


def spec(**changes):
    """Maryland GBR mechanism with round parameters for hand arithmetic."""
    base = load_hospital_spec("maryland_gbr")
    values = dict(baseline_weights=(1.0,), baseline_trend=0.0, rate_update=0.03,
                  rate_update_by_year={2023: 0.02}, marginal_cost_factor=0.5,
                  exclude_pau=True, market_shift_cost_factor=0.5, quality_adjustment=0.0,
                  corridor_width=0.005, settlement_share=1.0)
    values.update(changes)
    return dataclasses.replace(base, **values)


def grid(revenue, market=None, start=None, end=None, pau=None, growth=None, quality=None,
         service=None, update=None, years=(2020, 2021, 2022, 2023)):
    revenue = np.array(revenue, dtype=float)
    n, y = revenue.shape

    def full(v, fill):
        return np.full((n, y), fill) if v is None else np.array(v, dtype=float)

    return hospital.HospitalYears(
        ccn=[f"21000{i + 1}" for i in range(n)],
        market=market or ["MD"] * n,
        years=np.array(years),
        start_year=np.array(start or [years[1]] * n),
        end_year=np.array(end or [9999] * n),
        revenue=revenue,
        beneficiaries=np.full((n, y), 100),
        pau_revenue=full(pau, 0.0),
        population_growth=full(growth, NAN),
        rate_update=full(update, NAN),
        quality=full(quality, NAN),
        service_change=full(service, 0.0),
    )


def rows(table, ccn):
    return [r for r in table.to_pylist() if r["ccn"] == ccn]


def test_one_hospital_three_years_with_every_adjustment():
    """HSCRC GBR: prior-year approved revenue x (1 + update) + demographic adjustment at
    marginal cost on non-PAU revenue + market shift + quality + service change
    (hscrc.maryland.gov/Pages/gbr-tpr.aspx; HSCRC demographic adjustment overview)."""
    h = grid(
        revenue=[[1000, 1050, 1000, 1100], [1000, 950, 1000, 1000]],
        pau=[[100, 105, 50, 0], [0, 0, 0, 0]],
        growth=[[NAN, 0.02, 0.01, -0.01], [NAN, NAN, NAN, NAN]],
        quality=[[NAN, NAN, 0.01, NAN], [NAN] * 4],
        service=[[0, 0, 0, 20], [0] * 4],
    )
    a = rows(hospital.compute(h, spec()), "210001")
    assert [r["year"] for r in a] == [2021, 2022, 2023]
    assert [r["model_year"] for r in a] == [1, 2, 3]
    # Market MD revenue 2000, 2000, 2000, 2100; A's share 0.5, 0.525, 0.5, 1100/2100.
    # 2021: prior = 2020 revenue 1000; update 3% = 30; demographic 1000 x 2% x 0.5 x (1 -
    # 100/1000 PAU) = 9; market shift (0.525 - 0.5) x 2000 x 0.5 = 25 -> budget 1064.
    y1 = a[0]
    assert y1["baseline_revenue"] == pytest.approx(1000)
    assert y1["rate_update_adjustment"] == pytest.approx(30)
    assert y1["demographic_adjustment"] == pytest.approx(9)
    assert y1["market_shift_adjustment"] == pytest.approx(25)
    assert y1["quality_adjustment"] == pytest.approx(0)
    assert y1["budget"] == pytest.approx(1064)
    # Actual 1050: variance -14; corridor 0.5% x 1064 = 5.32; 8.68 beyond it paid back.
    assert y1["variance"] == pytest.approx(-14)
    assert y1["corridor_adjustment"] == pytest.approx(8.68)
    assert y1["revenue_under_model"] == pytest.approx(1058.68)
    # 2022: prior 1064; update 31.92; demographic 1064 x 1% x 0.5 x (1 - 105/1050) = 4.788;
    # shift (0.5 - 0.525) x 2000 x 0.5 = -25; quality 1% x 1064 = 10.64 -> 1086.348.
    y2 = a[1]
    assert y2["prior_budget"] == pytest.approx(1064)
    assert y2["demographic_adjustment"] == pytest.approx(4.788)
    assert y2["market_shift_adjustment"] == pytest.approx(-25)
    assert y2["quality_adjustment"] == pytest.approx(10.64)
    assert y2["budget"] == pytest.approx(1086.348)
    # 2023: update 2% (by_year) = 21.72696; demographic 1086.348 x -1% x 0.5 x (1 - 50/1000)
    # = -5.160153; shift (1100/2100 - 0.5) x 2100 x 0.5 = 25; service change +20.
    y3 = a[2]
    assert y3["rate_update_adjustment"] == pytest.approx(21.72696)
    assert y3["demographic_adjustment"] == pytest.approx(-5.160153)
    assert y3["market_shift_adjustment"] == pytest.approx(25)
    assert y3["service_change_adjustment"] == pytest.approx(20)
    assert y3["budget"] == pytest.approx(1147.914807)
    assert y3["corridor_adjustment"] == pytest.approx(47.914807 - 0.005 * 1147.914807)


def test_the_rate_setters_approved_update_replaces_the_specs():
    """HSCRC sets each rate year's update factor (hsp-gbr-tpr-update.aspx); an approved
    factor for a hospital-year (input budget_hospital_adjustment.rate_update) is used in
    place of the spec's, and a blank one falls back to the spec (3%, 2% in 2023)."""
    h = grid([[1000, 0, 0, 0]], update=[[NAN, 0.01, NAN, 0.005]])
    budgets = [r["budget"] for r in hospital.compute(h, spec()).to_pylist()]
    # 2021: 1000 x 1.01 = 1010; 2022: spec 3% -> 1040.3; 2023: approved 0.5% -> 1045.5015.
    assert budgets == pytest.approx([1010, 1040.3, 1045.5015])


def test_corridor_breach_recoups_only_the_part_beyond_the_corridor():
    """Revenue 2% over budget with a 0.5% corridor: the hospital keeps 0.5%, returns 1.5%;
    within the corridor nothing is settled."""
    s = spec(rate_update_by_year={}, corridor_width=0.005)
    # Alone in its market (no shift); budget 2021 = 1000 x 1.03 = 1030.
    over = grid([[1000, 1030 * 1.02]], years=(2020, 2021))
    r = hospital.compute(over, s).to_pylist()[0]
    assert r["budget"] == pytest.approx(1030)
    assert r["variance"] == pytest.approx(20.6)
    assert r["corridor_adjustment"] == pytest.approx(-(20.6 - 5.15))
    assert r["revenue_under_model"] == pytest.approx(1030 * 1.005)
    within = grid([[1000, 1030 * 1.004]], years=(2020, 2021))
    assert hospital.compute(within, s).to_pylist()[0]["corridor_adjustment"] == 0
    # Half settlement: half of the part beyond the corridor.
    half = hospital.compute(over, dataclasses.replace(s, settlement_share=0.5)).to_pylist()[0]
    assert half["corridor_adjustment"] == pytest.approx(-(20.6 - 5.15) / 2)


def test_prospective_budget_pays_exactly_the_budget():
    """AHEAD and PARHM/CHART pay the budget itself (zero-width corridor)."""
    s = load_hospital_spec("chart_parhm")
    r = hospital.compute(grid([[800, 700]], years=(2021, 2022)), s).to_pylist()[0]
    assert r["budget"] == pytest.approx(800 * (1 + s.rate_update))
    assert r["revenue_under_model"] == pytest.approx(r["budget"])


def test_ahead_baseline_weights_three_years_10_30_60():
    """AHEAD: baseline = 10% x base year 1 + 30% x base year 2 + 60% x base year 3 (CMS HGB
    financial specification, via Essential Hospitals' summary)."""
    s = dataclasses.replace(load_hospital_spec("ahead_2026"), rate_update=0.0,
                            rate_update_by_year={})
    years = (2019, 2020, 2021, 2022)
    r = hospital.compute(grid([[900, 1000, 1200, 0]], start=[2022], years=years), s)
    assert r.to_pylist()[0]["baseline_revenue"] == pytest.approx(90 + 300 + 720)
    # Data from 2020 only: weights 30/60 rescaled to 1/3, 2/3.
    r = hospital.compute(grid([[1000, 1200, 0]], start=[2022], years=years[1:]), s)
    assert r.to_pylist()[0]["baseline_revenue"] == pytest.approx((300 + 720) / 0.9)


def test_hospital_outside_its_participation_years_gets_no_budget():
    h = grid([[1000, 1000, 1000, 1000]], start=[2022], end=[2022])
    assert [r["year"] for r in hospital.compute(h, spec()).to_pylist()] == [2022]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.floats(0, 1e6), min_size=4, max_size=4), min_size=1, max_size=6),
       st.lists(st.sampled_from(["MD", "PA"]), min_size=6, max_size=6))
def test_market_shifts_net_to_zero_within_each_market(revenue, markets):
    """Volume that moved between hospitals is taken from one and given to another."""
    shift = hospital._market_shift(np.array(revenue), markets[: len(revenue)])
    for m in set(markets[: len(revenue)]):
        idx = [i for i, x in enumerate(markets[: len(revenue)]) if x == m]
        assert np.abs(shift[idx].sum(axis=0)).max() <= 1e-6 * max(1.0, np.max(revenue))


def test_a_copied_spec_with_a_changed_parameter_changes_the_budget(tmp_path):
    text = spec_path("maryland_gbr").read_text().replace("rate = 0.0300", "rate = 0.0500")
    copy = tmp_path / "variant.toml"
    copy.write_text(text)
    variant = load_hospital_spec(copy)
    assert variant.rate_update == 0.05
    r = hospital.compute(grid([[1000, 1000]], years=(2020, 2021)), variant).to_pylist()[0]
    assert r["rate_update_adjustment"] == pytest.approx(50)


def test_bad_specs_are_refused(tmp_path):
    with pytest.raises(SpecError, match="no budgets spec named"):
        load_hospital_spec("nowhere")
    text = spec_path("ahead_2026").read_text().replace("[0.10, 0.30, 0.60]", "[0.5, 0.6]")
    (tmp_path / "bad.toml").write_text(text)
    with pytest.raises(SpecError, match="sum to 1"):
        load_hospital_spec(tmp_path / "bad.toml")


# --- Total cost of care --------------------------------------------------------------------

def region(per_capita, comparison, person_years, years=(2018, 2019, 2020, 2021), start=2019):
    return tcoc.RegionYears("MD", np.array(years), np.array(per_capita, float),
                            np.array(person_years, float), np.full(len(years), 500),
                            np.array(comparison, float), start, 9999)


def test_savings_against_the_national_trend():
    """Maryland TCOC: savings = (base-year per capita x national growth since the base year
    - actual per capita) x person-years (HSCRC: savings 'from 2013 base year' relative to
    'national average growth')."""
    r = region([10_000, 10_100, 10_500, 10_600],
               [11_000, 11_000 * 1.03, 11_000 * 1.03 * 1.02, 11_000 * 1.03 * 1.02 * 1.03],
               [900, 1000, 1100, 1200])
    out = tcoc.compute(r, load_tcoc_spec()).to_pylist()
    assert [o["base_year"] for o in out] == [2018] * 4
    assert out[0]["model_year"] is None and out[0]["guardrail_ok"] is None
    assert out[1]["expected_per_capita"] == pytest.approx(10_300)
    assert out[1]["savings"] == pytest.approx(200 * 1000)
    assert out[2]["savings"] == pytest.approx((10_506 - 10_500) * 1100)
    assert out[3]["savings"] == pytest.approx((10_821.18 - 10_600) * 1200)
    assert out[3]["cumulative_savings"] == pytest.approx(200_000 + 6_600 + 265_416)
    # Targets: 1.15%, 1.50%, 2.13% of expected spending in model years 1-3.
    assert out[1]["savings_target"] == pytest.approx(0.0115 * 10_300 * 1000)
    assert out[2]["savings_target"] == pytest.approx(0.0150 * 10_506 * 1100)
    assert out[3]["savings_target"] == pytest.approx(0.0213 * 10_821.18 * 1200)


def test_guardrail_fails_when_growth_exceeds_national_by_more_than_one_point():
    """2020: Maryland +3.96% against national +2.00%: 1.96 points above, more than 1."""
    r = region([10_000, 10_100, 10_500, 10_600],
               [11_000, 11_330, 11_556.6, 11_903.298], [1000] * 4)
    out = tcoc.compute(r, load_tcoc_spec()).to_pylist()
    assert out[2]["tcoc_growth"] == pytest.approx(10_500 / 10_100 - 1)
    assert out[2]["comparison_growth"] == pytest.approx(0.02)
    assert [o["guardrail_ok"] for o in out] == [None, True, False, True]


def test_guardrail_fails_the_second_year_running_above_national():
    """Half a point above national is allowed once, not two model years running."""
    national = [10_000 * 1.02 ** k for k in range(4)]
    state = [10_000, 10_000 * 1.025, 10_000 * 1.025 * 1.025, 10_000 * 1.025 * 1.025 * 1.01]
    out = tcoc.compute(region(state, national, [1000] * 4), load_tcoc_spec()).to_pylist()
    assert [o["guardrail_ok"] for o in out] == [None, True, False, True]


def test_base_year_is_the_spec_year_when_the_data_reach_it():
    years = np.array([2013, 2014, 2019])
    assert tcoc.base_year_for(years, 2019, 2013) == 2013
    assert tcoc.base_year_for(np.array([2021, 2022, 2023]), 2023, 2013) == 2022
    assert tcoc.base_year_for(np.array([2021, 2022]), 2021, 2013) == 2021


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(1.0, 1e7), min_size=4, max_size=4),
       st.floats(0.0, 0.05), st.floats(-0.05, 0.05))
def test_full_settlement_lands_revenue_inside_the_corridor(revenue, width, growth):
    """With the whole excess settled, revenue under the model is within the corridor of the
    budget; inside the corridor the hospital keeps exactly its FFS revenue."""
    s = spec(corridor_width=width, settlement_share=1.0)
    h = grid([revenue], growth=[[growth] * 4])
    for r in hospital.compute(h, s).to_pylist():
        band = width * abs(r["budget"]) * (1 + 1e-9) + 1e-6
        assert abs(r["revenue_under_model"] - r["budget"]) <= band
        if abs(r["variance"]) <= width * abs(r["budget"]):
            assert r["revenue_under_model"] == r["actual_revenue"]
