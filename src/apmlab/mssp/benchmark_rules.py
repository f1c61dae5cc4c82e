"""The benchmark rules of the Shared Savings Program as array arithmetic per ACO.

Every function works on NumPy arrays whose last axis is the enrollment type (ESRD,
disabled, aged/dual, aged/non-dual; 42 CFR 425.652(a)(2)) and whose leading axes are ACO
agreements (and performance years), so one call handles every ACO at once. Benchmark-year
arrays have the three benchmark years on the axis before the type. Missing values are NaN
(no beneficiary of the type that year). The rules are cited on each function; parameters
come from ``specs/mssp/benchmark.toml`` through :class:`BenchmarkRules`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from apmlab.mssp.benchmark_spec import BenchmarkRules

TYPES = ("esrd", "disabled", "aged_dual", "aged_non_dual")


def ratio(numerator, denominator) -> np.ndarray:
    """numerator / denominator, NaN where the denominator is 0 or missing."""
    n = np.asarray(numerator, dtype=float)
    d = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d > 0, n / np.where(d > 0, d, 1.0), np.nan)


def restate_to_by3(per_capita, risk, national, regional, national_weight) -> dict:
    """Risk-adjust and trend each benchmark year to BY3 (425.652(a)(3), (a)(5); 425.601).

    BYk expenditure x (BY3 risk score / BYk risk score) x trend factor, where the trend
    factor blends national growth (BY3 / BYk national per capita) with weight
    ``national_weight`` (the ACO's BY3 market share, (a)(5)(iv)) and regional growth with
    1 - that weight. Where the ACO has no regional value for a year, national growth is used.
    Shapes: (..., 3, T) and national_weight (...,).
    """
    risk_adjusted = per_capita * ratio(risk[..., 2:3, :], risk)
    national_growth = ratio(national[..., 2:3, :], national)
    regional_growth = ratio(regional[..., 2:3, :], regional)
    w = np.asarray(national_weight, dtype=float)[..., None, None]
    trend = np.where(np.isnan(regional_growth), national_growth,
                     w * national_growth + (1 - w) * regional_growth)
    return {"risk_adjusted": risk_adjusted, "trend": trend, "restated": risk_adjusted * trend}


def weight_years(restated, present, weights) -> tuple[np.ndarray, np.ndarray]:
    """Weighted benchmark per type (425.652(a)(7), (c)(2); 425.601(a)(7), (e)(2)(i)).

    ``present`` (..., 3, T) says which benchmark years have a value; the weights of the
    years present are scaled to sum to 1 (all three present: the rule's weights unchanged).
    Returns (benchmark (..., T), effective weights (..., 3, T)).
    """
    w = np.asarray(weights, dtype=float)[:, None] * present
    total = w.sum(axis=-2, keepdims=True)
    w = np.where(total > 0, w / np.where(total > 0, total, 1), 0.0)
    benchmark = np.where(total[..., 0, :] > 0, np.nansum(w * np.nan_to_num(restated), -2), np.nan)
    return benchmark, w


@dataclass(frozen=True)
class RegionalAdjustment:
    difference: np.ndarray   # regional - historical, per capita (..., T)
    lower_spending: np.ndarray  # (...,)
    weight: np.ndarray       # (...,)
    uncapped: np.ndarray
    cap_low: np.ndarray
    cap_high: np.ndarray
    offset: np.ndarray       # (...,)
    adjustment: np.ndarray   # (..., T)
    single_value: np.ndarray  # (...,)


def regional_adjustment(regional, historical, proportions, national, application: int,
                        rules: BenchmarkRules, dual_share, risk_by3, per_capita_by3,
                        person_years_by3) -> RegionalAdjustment:
    """Regional adjustment per enrollment type (425.656(c)-(d); 425.601(a)(8), (f)).

    1. difference = regional per capita (at the ACO's BY3 risk) - historical benchmark;
    2. lower spending when sum(BY3 proportion x difference) > 0 ((d)(5)), which picks the
       phase-in weight of the ``application``-th adjustment ((d)(1)-(4));
    3. weight x difference, capped at +cap_positive / -cap_negative of national BY3 per
       capita of the type ((c)(3));
    4. negative amounts x (1 - offset), offset = BY3 dual share + (BY3 risk score weighted by
       per capita expenditure x person-years - 1), within [0, 1] ((c)(4)-(5)), when the rule
       set has the offset;
    5. single value = the amounts weighted by BY3 proportions.
    """
    difference = regional - historical
    p = np.nan_to_num(proportions)
    lower = np.nansum(p * difference, axis=-1) > 0
    weights = np.array([rules.regional_weight(application, flag) for flag in (True, False)])
    w = np.where(lower, weights[0], weights[1])
    uncapped = w[..., None] * difference
    cap_high = rules.cap_positive * national
    cap_low = -rules.cap_negative * national
    capped = np.clip(uncapped, cap_low, cap_high)
    if rules.negative_offset:
        expenditure_weight = np.nan_to_num(per_capita_by3 * person_years_by3)
        risk = np.nansum(expenditure_weight * np.nan_to_num(risk_by3), -1) / np.maximum(
            expenditure_weight.sum(-1), 1e-12)
        offset = np.clip(np.asarray(dual_share, dtype=float) + risk - 1, 0.0, 1.0)
    else:
        offset = np.zeros(np.shape(lower))
    adjustment = np.where(capped < 0, capped * (1 - offset[..., None]), capped)
    single = np.nansum(p * adjustment, axis=-1)
    return RegionalAdjustment(difference, lower, w, uncapped, cap_low, cap_high, offset,
                              adjustment, single)


def prior_savings_adjustment(per_capita_savings, proration, national_single,
                             rules: BenchmarkRules) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Prior savings adjustment (425.658(b)-(c)).

    ``per_capita_savings`` (..., 3): savings (losses negative) of the 3 performance years
    before the agreement, 0 for a year not reconciled ((b)(1)(i)). Returns (simple average,
    eligible = average > 0, adjustment = min(share x proration x average, cap x national
    single value)).
    """
    average = np.mean(np.nan_to_num(per_capita_savings), axis=-1)
    eligible = (average > 0) & (rules.prior_savings_share > 0)
    amount = np.minimum(rules.prior_savings_share * proration * average,
                        rules.prior_savings_cap * national_single)
    return average, eligible, np.where(eligible, amount, 0.0)


def choose_adjustment(regional: RegionalAdjustment, prior_eligible, prior_amount,
                      rules: BenchmarkRules) -> tuple[np.ndarray, np.ndarray]:
    """The adjustment added to the historical benchmark, and which one it is.

    425.652(a)(8)(ii)-(v): the positive regional adjustment (by type) when it is the larger
    single value, else the prior savings adjustment as a flat amount for every type; a
    regional single value <= 0 is not applied. Rule sets that apply negative regional
    adjustments (425.601(a)(8)) always apply the regional adjustment.
    """
    positive = regional.single_value > 0
    use_prior = prior_eligible & (~positive | (prior_amount > regional.single_value))
    use_regional = ~use_prior & (positive | rules.apply_negative)
    adjustment = np.where(use_prior[..., None], np.asarray(prior_amount)[..., None],
                          np.where(use_regional[..., None],
                                   np.nan_to_num(regional.adjustment), 0.0))
    kind = np.where(use_prior, "prior_savings", np.where(use_regional, "regional", "none"))
    return adjustment, kind


def capped_risk_ratio(py_risk, by3_risk, py_demographic, by3_demographic, weights,
                      rules: BenchmarkRules) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Performance-year risk ratio per type and its cap (425.605(a)(1), 425.610(a)(2)).

    ratio = PY / BY3 prospective HCC risk score. ``flat`` (agreements before 2024): each
    type's ratio at most 1 + cap. ``demographic_plus`` (from 2024, 425.605(a)(1)(ii),
    425.610(a)(2)(ii)): the cap is the aggregate demographic growth + cap points; it applies
    only when the aggregate HCC growth exceeds it (both aggregates weight each type's ratio
    by ``weights`` = historical benchmark expenditure x PY person-years, (a)(1)(ii)(C)), and
    then no type's positive adjustment may be larger than the cap ((a)(1)(ii)(B)).
    Decreases are never capped. Returns (ratio, capped ratio, cap as a ratio).
    """
    ratio_ = ratio(py_risk, by3_risk)
    ratio_ = np.where(np.isnan(ratio_), 1.0, ratio_)
    if rules.risk_mode == "flat":
        cap = np.full(np.shape(ratio_)[:-1], 1 + rules.risk_cap)
        return ratio_, np.minimum(ratio_, 1 + rules.risk_cap), cap
    demographic = ratio(py_demographic, by3_demographic)
    demographic = np.where(np.isnan(demographic), 1.0, demographic)
    w = np.nan_to_num(weights)
    total = np.maximum(w.sum(-1), 1e-12)
    aggregate = (w * ratio_).sum(-1) / total
    cap = (w * demographic).sum(-1) / total + rules.risk_cap
    binding = (aggregate > cap)[..., None] & (ratio_ > 1.0) & (ratio_ > cap[..., None])
    return ratio_, np.where(binding, cap[..., None], ratio_), cap


def regional_risk_cap_factor(hcc_growth, demographic_growth, weights, market_share,
                             person_years, rules: BenchmarkRules) -> np.ndarray:
    """Regional risk score growth cap adjustment factor per type (425.655(d)-(f)).

    Aggregate growth of regional HCC (and demographic) scores, weighted by benchmark
    expenditure x PY person-years; cap = demographic growth + cap points + aggregate market
    share x max(0, HCC growth - that sum); when HCC growth exceeds the cap, each type whose
    growth exceeds it gets growth / cap, the others 1.
    """
    if not rules.regional_risk_cap:
        return np.ones(np.shape(hcc_growth))
    h = np.where(np.isnan(hcc_growth), 1.0, hcc_growth)
    d = np.where(np.isnan(demographic_growth), 1.0, demographic_growth)
    w = np.nan_to_num(weights)
    total = np.maximum(w.sum(-1), 1e-12)
    aggregate_h = (w * h).sum(-1) / total
    base = (w * d).sum(-1) / total + rules.risk_cap
    py = np.nan_to_num(person_years)
    share = (py * np.nan_to_num(market_share)).sum(-1) / np.maximum(py.sum(-1), 1e-12)
    cap = base + share * np.maximum(aggregate_h - base, 0.0)
    over = (aggregate_h > cap)[..., None] & (h > cap[..., None])
    return np.where(over, h / cap[..., None], 1.0)


def update_factor(national_growth, regional_growth, national_weight, acpt_growth,
                  acpt_weight) -> tuple[np.ndarray, np.ndarray]:
    """Annual update from BY3 to the performance year (425.652(b); 425.601(b)).

    two-way = market share x national growth + (1 - share) x regional growth (national
    alone where there is no regional value); update = (1 - ACPT weight) x two-way + ACPT
    weight x (1 + ACPT growth). Returns (update, two-way).
    """
    w = np.asarray(national_weight, dtype=float)[..., None]
    two_way = np.where(np.isnan(regional_growth), national_growth,
                       w * national_growth + (1 - w) * regional_growth)
    a = np.asarray(acpt_weight, dtype=float)[..., None]
    return (1 - a) * two_way + a * (1 + np.asarray(acpt_growth, dtype=float)[..., None]), two_way
