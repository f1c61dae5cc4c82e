"""Shared Savings Program settlement from per-ACO totals (42 CFR 425 subpart G).

One vectorised pass over the table; the spec of the performance year supplies each track's
rates, caps and limits (``specs/mssp``). Steps, with the rules they implement:

1. savings rate = (benchmark - expenditure) / benchmark.
2. MSR/MLR: the input ``msr`` if given (a two-sided ACO's election, 425.605(b)(2),
   425.606(b), 425.610(b); or a CMS-set MSR below 5,000 beneficiaries, 425.110(b)), else
   the track's default, usually the size-based scale of 425.604(b), interpolated linearly
   between the low and high end of each band.
3. gross savings/losses = benchmark - expenditure when |savings rate| >= MSR/MLR, else 0
   (savings shared "on a first dollar basis", 425.604(e)(1)); one-sided ACOs report their
   gross losses too, as the PUF's GenSaveLoss does, but owe nothing.
   Agreements from 2024 (425.652(b)(5)), given ``benchmark_total_two_way``, the updated
   benchmark recalculated with the two-way national-regional blend (no ACPT): when
   expenditure is above the updated benchmark by at least the MLR (or negative MSR) and
   above the recalculated benchmark by a smaller amount, the recalculated benchmark
   determines losses (MLR test, gross loss and loss limit; (b)(5)(i)); when expenditure is
   not above the recalculated benchmark, the ACO neither shares losses nor savings
   ((b)(5)(ii)). Output ``two_way_benchmark_applied`` says where either happened.
4. final sharing rate by the year's quality mode: ``score`` (PY <= 2020) max rate x quality
   score; ``standard`` (PY2021-2022) max rate if the quality standard is met; ``sliding_scale``
   (PY2023+) max rate if met, else max rate x quality_score (the sliding-scale factor).
   No savings when the standard is not met (425.502(d)(2)(iii), 425.512(a)(1)) except under
   the sliding scale.
   Savings below the MSR (425.605(h), years whose spec has ``[below_msr_sharing]``): a BASIC
   ACO with savings but below its MSR shares them on the first dollar at half its final
   sharing rate when it is a low revenue ACO (425.20: ``participant_revenue`` < 35% of
   ``assigned_ffs_expenditure``, or of ``expenditure_total`` when that is blank), has at
   least 5,000 assigned beneficiaries and is in an agreement period that began in 2024 or
   later (``agreement_start``). Earned savings stay monotone in savings: half the rate below
   the MSR, the full rate from it.
5. shared savings = gross x final sharing rate x (1 - sequestration), capped at the track's
   share of the benchmark. The PY2018 PUF shows the cap binding on the sequestered amount
   (ACO A1409: EarnSaveLoss = exactly 10% of its benchmark).
6. shared losses = gross loss x loss rate (fixed, or within the track's bounds 1 - max rate
   x quality score, 425.610(f): the score counts even when the quality standard is met and
   savings are shared at the full rate (PY2021+); 75% when no standard is met), limited
   to the loss recoupment limit (a share of the benchmark that determines losses, or of
   participant revenue capped at that), then reduced by ``disaster_adjustment`` for extreme
   and uncontrollable circumstances "after the application of the shared loss rate and the
   loss recoupment limit" (425.605(f)).
7. advance payments are recouped from earned shared savings, up to the savings earned
   (PY2018 PUF: Adv_Pay_Recoup = min(Adv_Pay_Amt, EarnSaveLoss) for all 60 ACOs with one).

Dollar outputs are not rounded.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from apmlab.mssp.spec import MsrBand, MsspSpec, TrackRule, load_spec
from apmlab.mssp.table import (
    Columns,
    append_columns,
    require_columns,
    to_arrow,
    write_table,
)

REQUIRED = [
    "aco_id",
    "track",
    "assigned_beneficiaries",
    "benchmark_total",
    "expenditure_total",
    "quality_score",
    "met_quality_standard",
]
OPTIONAL = ["msr", "participant_revenue", "advance_payment", "disaster_adjustment",
            "participation_year", "agreement_start", "assigned_ffs_expenditure",
            "benchmark_total_two_way"]
OUTPUT = [
    "performance_year",
    "savings_rate",
    "minimum_savings_rate",
    "gross_savings_losses",
    "two_way_benchmark_applied",
    "final_sharing_rate",
    "shared_below_msr",
    "loss_sharing_rate",
    "cap_applied",
    "loss_limit_applied",
    "earned_savings_losses",
    "advance_payment_recouped",
]
WHAT = "MSSP settlement input"


def settle(table: Any, performance_year: int, spec: MsspSpec | None = None) -> pa.Table:
    """Settle every ACO of ``table`` for ``performance_year``; returns the input plus OUTPUT.

    ``earned_savings_losses`` is after sequestration; negative means shared losses owed.
    Optional input ``participation_year`` (1, 2, 3+) picks Track 2's loss limit
    (425.606(g)); blank means the third or a later year. For 425.605(h) (PY2024 on):
    ``agreement_start``, the calendar year the ACO's agreement period began (needed only for a
    low revenue BASIC ACO with savings below its MSR), and ``assigned_ffs_expenditure``, total
    Parts A and B FFS expenditures of the assigned beneficiaries for the low revenue test of
    425.20 (blank: ``expenditure_total``). A blank ``participant_revenue`` means the ACO is not
    known to be low revenue, and 425.605(h) is not applied. ``benchmark_total_two_way``: the
    updated benchmark recalculated with the two-way blend for 425.652(b)(5), agreements from
    2024 only (blank: the recalculation does not apply).
    """
    spec = spec or load_spec(performance_year)
    t = to_arrow(table)
    require_columns(t, REQUIRED, WHAT)
    cols = Columns(t, WHAT)
    rules, track_index = cols.lookup("track", spec.track)
    n = _beneficiaries(cols)
    benchmark = cols.number("benchmark_total")
    cols.fail(benchmark <= 0, "benchmark_total", "must be positive")
    expenditure = cols.number("expenditure_total")
    cols.fail(expenditure < 0, "expenditure_total", "must not be negative")
    given_quality = cols.number("quality_score", required=spec.quality_mode == "score")
    cols.fail((given_quality < 0) | (given_quality > 1), "quality_score",
              "must be between 0 and 1")
    quality = np.nan_to_num(given_quality)
    met = cols.flag("met_quality_standard")
    msr_in = cols.number("msr", required=False)
    cols.fail((msr_in < 0) | (msr_in >= 1), "msr", "must be a fraction in [0, 1)")
    revenue = cols.number("participant_revenue", required=False)
    cols.fail(revenue < 0, "participant_revenue", "must not be negative")
    advance = np.nan_to_num(cols.number("advance_payment", required=False))
    cols.fail(advance < 0, "advance_payment", "must not be negative")
    disaster = np.nan_to_num(cols.number("disaster_adjustment", required=False))
    cols.fail(disaster > 0, "disaster_adjustment",
              "is a reduction of shared losses, reported as a negative number (PUF DisAdj)")
    participation = cols.number("participation_year", required=False)
    cols.fail(participation < 1, "participation_year", "must be 1 or more")
    participation = np.where(np.isnan(participation), 3, participation).astype(int)

    def per_row(get) -> np.ndarray:
        return np.array([get(r) for r in rules], dtype=float)[track_index]

    max_rate = per_row(lambda r: r.max_sharing_rate)
    cap_share = per_row(lambda r: r.savings_cap)
    two_sided = per_row(lambda r: r.two_sided).astype(bool)
    inverse = per_row(lambda r: r.loss_rate == "inverse").astype(bool)
    fixed_loss_rate = per_row(lambda r: r.loss_rate if _is_number(r.loss_rate) else 0.0)
    loss_rate_min = per_row(lambda r: r.loss_rate_min)
    cols.fail(inverse & met & np.isnan(given_quality), "quality_score",
              "is needed for the ENHANCED track's shared loss rate (42 CFR 425.610(f))")
    loss_rate_max = per_row(lambda r: r.loss_rate_max)
    revenue_limit_share = per_row(lambda r: r.loss_limit_revenue or np.nan)
    benchmark_limit_share = _benchmark_limit_share(rules, track_index, participation)
    msr_default = per_row(lambda r: r.msr_default if _is_number(r.msr_default) else np.nan)

    # 1-3. savings rate, MSR/MLR, gross savings or losses
    difference = benchmark - expenditure
    savings_rate = difference / benchmark
    msr = np.where(np.isnan(msr_in), msr_default, msr_in)
    msr = np.where(np.isnan(msr), size_based_msr(n, spec.msr_bands), msr)
    cols.fail(np.isnan(msr), "msr",
              "the size-based MSR starts at 5,000 assigned beneficiaries; for fewer, "
              "supply the MSR CMS set (42 CFR 425.110(b))")
    gross = np.where(np.abs(savings_rate) >= msr, difference, 0.0)
    loss_benchmark, two_way_applied = _loss_benchmark(cols, benchmark, expenditure,
                                                      savings_rate, msr)
    loss_difference = loss_benchmark - expenditure
    gross = np.where(two_way_applied,
                     np.where(-loss_difference >= msr * loss_benchmark,
                              np.minimum(loss_difference, 0.0), 0.0),
                     gross)

    # 4. final sharing rate
    if spec.quality_mode == "score":
        sharing = np.where(met, max_rate * quality, 0.0)
    elif spec.quality_mode == "standard":
        sharing = np.where(met, max_rate, 0.0)
    else:
        sharing = np.where(met, max_rate, max_rate * quality)
    below_msr, factor = _shares_below_msr(
        spec, cols, rules, track_index, n, expenditure, revenue,
        (difference > 0) & (savings_rate < msr) & (sharing > 0))
    gross = np.where(below_msr, difference, gross)
    sharing = np.where(below_msr, sharing * factor, sharing)

    # 5. shared savings after sequestration, within the cap
    shared = np.where(gross > 0, gross * sharing, 0.0) * (1 - spec.sequestration_rate)
    cap = cap_share * benchmark
    cap_applied = shared > cap
    savings = np.minimum(shared, cap)

    # 6. shared losses, loss limit, extreme and uncontrollable circumstances
    scored = met | (spec.quality_mode == "sliding_scale")
    loss_rate = np.where(inverse,
                         np.clip(1 - max_rate * np.where(scored, quality, 0.0),
                                 loss_rate_min, loss_rate_max),
                         fixed_loss_rate)
    loss_rate = np.where(two_sided, loss_rate, 0.0)
    losses = np.where(gross < 0, -gross * loss_rate, 0.0)
    limit = benchmark_limit_share * loss_benchmark
    has_revenue_limit = ~np.isnan(revenue) & ~np.isnan(revenue_limit_share)
    limit = np.where(has_revenue_limit, np.minimum(limit, revenue_limit_share * revenue), limit)
    loss_limit_applied = losses > limit
    owed = np.maximum(np.minimum(losses, limit) + disaster * (losses > 0), 0.0)
    earned = savings - owed

    # 7. advance payment recoupment
    recouped = np.minimum(advance, np.maximum(earned, 0.0))

    return append_columns(t, {
        "performance_year": np.full(t.num_rows, spec.performance_year, dtype=np.int32),
        "savings_rate": savings_rate,
        "minimum_savings_rate": msr,
        "gross_savings_losses": gross,
        "two_way_benchmark_applied": two_way_applied,
        "final_sharing_rate": sharing,
        "shared_below_msr": below_msr,
        "loss_sharing_rate": loss_rate,
        "cap_applied": cap_applied,
        "loss_limit_applied": loss_limit_applied,
        "earned_savings_losses": earned,
        "advance_payment_recouped": recouped,
    })


def size_based_msr(beneficiaries: np.ndarray, bands: tuple[MsrBand, ...]) -> np.ndarray:
    """MSR by number of assigned beneficiaries (42 CFR 425.604(b)); NaN below the first band."""
    msr = np.full(beneficiaries.shape, np.nan)
    for band in bands:
        inside = (beneficiaries >= band.low) & (beneficiaries <= band.high)
        if np.isinf(band.high):
            msr[inside] = band.msr_low
            continue
        position = (beneficiaries[inside] - band.low) / (band.high - band.low)
        msr[inside] = band.msr_low - (band.msr_low - band.msr_high) * position
    return msr


def _loss_benchmark(cols: Columns, benchmark: np.ndarray, expenditure: np.ndarray,
                    savings_rate: np.ndarray, msr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The benchmark that determines shared losses (42 CFR 425.652(b)(5)), and where it is
    the recalculated one.

    "If an ACO's average per capita Medicare expenditures for the performance year are above
    its updated benchmark [...] by at least the MLR or negative MSR established for the ACO,
    CMS will compute a recalculated updated benchmark using the two-way blend": used for
    losses when expenditure is above it "by a smaller amount" ((b)(5)(i)); expenditure below
    it means neither losses nor savings ((b)(5)(ii)), which the caller gets from a loss
    difference >= 0. Totals stand in for per capita amounts: both share the person-years.
    """
    two_way = cols.number("benchmark_total_two_way", required=False)
    cols.fail(two_way <= 0, "benchmark_total_two_way", "must be positive")
    recalculated = (~np.isnan(two_way) & (expenditure > benchmark) & (savings_rate <= -msr)
                    & (two_way > benchmark))
    return np.where(recalculated, two_way, benchmark), recalculated


def _shares_below_msr(
    spec: MsspSpec, cols: Columns, rules: list[TrackRule], track_index: np.ndarray,
    n: np.ndarray, expenditure: np.ndarray, revenue: np.ndarray, savings_below_msr: np.ndarray,
) -> tuple[np.ndarray, float]:
    """Rows sharing savings below their MSR under 42 CFR 425.605(h), and their rate factor.

    ``savings_below_msr``: expenditure below the benchmark ((h)(1)(i)) but not by the MSR,
    with a quality standard met (a positive sharing rate, (c)(2)(ii)).
    """
    start = cols.number("agreement_start", required=False)
    cols.fail(np.mod(start, 1) > 0, "agreement_start", "must be a calendar year")
    cols.fail(start > spec.performance_year, "agreement_start",
              f"is after performance year {spec.performance_year}")
    assigned_spending = cols.number("assigned_ffs_expenditure", required=False)
    cols.fail(assigned_spending <= 0, "assigned_ffs_expenditure", "must be positive")
    rule = spec.below_msr
    if rule is None:
        return np.zeros(n.shape, dtype=bool), 1.0
    basic = np.array([r.name in rule.rule_sets for r in rules], dtype=bool)[track_index]
    spending = np.where(np.isnan(assigned_spending), expenditure, assigned_spending)
    low_revenue = revenue < rule.low_revenue_share * spending  # NaN revenue: not known, False
    candidate = basic & low_revenue & (n >= rule.min_beneficiaries) & savings_below_msr
    cols.fail(candidate & np.isnan(start), "agreement_start",
              "is needed for a low revenue BASIC ACO with savings below its MSR: 42 CFR "
              "425.605(h) applies to agreement periods beginning in "
              f"{rule.first_agreement_year} or later")
    return candidate & (start >= rule.first_agreement_year), rule.sharing_rate_factor


def _beneficiaries(cols: Columns) -> np.ndarray:
    n = cols.number("assigned_beneficiaries")
    cols.fail(n < 0, "assigned_beneficiaries", "must not be negative")
    cols.fail(n != np.floor(n), "assigned_beneficiaries", "must be a whole number")
    return n


def _benchmark_limit_share(
    rules: list[TrackRule], track_index: np.ndarray, participation: np.ndarray
) -> np.ndarray:
    """Loss limit as a share of benchmark; Track 2's depends on the year of participation."""
    share = np.empty(track_index.shape)
    for k, rule in enumerate(rules):
        rows = track_index == k
        limits = rule.loss_limit_benchmark
        if isinstance(limits, tuple):
            years = np.clip(participation[rows], 1, len(limits)) - 1
            share[rows] = np.asarray(limits, dtype=float)[years]
        else:
            share[rows] = np.inf if limits is None else float(limits)
    return share


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def write_settlement(con: duckdb.DuckDBPyConnection, settled: pa.Table) -> str:
    """Store the output of :func:`settle` as table ``mssp_settlement`` in the run database."""
    return write_table(con, settled, "mssp_settlement")
