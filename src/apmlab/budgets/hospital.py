"""Hospital global budgets: a budget per participating hospital and year, and reconciliation.

The mechanism common to Maryland GBR, AHEAD and PARHM/CHART (specs/budgets/*.toml cite each
rule):

* first budget year: the baseline, a weighted sum of the hospital's Medicare FFS inpatient
  and outpatient revenue of the base years before it (AHEAD: three years weighted 10/30/60);
* each year after: the prior-year budget
  + rate update (prior x update factor: the rate setter's approved factor for the
    hospital-year from input table ``budget_hospital_adjustment``, else the spec's)
  + demographic adjustment (prior x service-area population growth x marginal-cost factor,
    on the part of revenue that is not potentially avoidable utilisation where the model
    excludes it)
  + market shift (change in the hospital's share of its market's revenue x market revenue x
    cost factor: volume that moved between hospitals follows them, netting to zero)
  + quality adjustment (prior x the hospital's quality factor) + service-change amount;
* reconciliation: variance = actual FFS revenue - budget; the hospital keeps a variance
  within the corridor (a fraction of the budget) and the part beyond it is settled back
  towards the budget (corridor_adjustment > 0 is paid to the hospital, < 0 recouped).

Budgets compound year on year, so the arithmetic runs as vectorised columns over all
hospitals, one step per year (a handful of steps), on aggregated hospital-years only.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from apmlab.budgets.spec import HospitalBudgetSpec

ADJUSTMENT_TABLE = "budget_hospital_adjustment"  # optional input (inputs/schema.py)
ADJUSTMENTS = ("rate_update", "demographic", "market_shift", "quality", "service_change")
COLUMNS = {
    "ccn": pa.string(), "market": pa.string(), "spec": pa.string(), "year": pa.int32(),
    "model_year": pa.int32(), "beneficiaries": pa.int64(), "baseline_revenue": pa.float64(),
    "prior_budget": pa.float64(),
    "population_growth": pa.float64(), "pau_share": pa.float64(),
    **{f"{a}_adjustment": pa.float64() for a in ADJUSTMENTS},
    "budget": pa.float64(), "actual_revenue": pa.float64(), "variance": pa.float64(),
    "variance_pct": pa.float64(), "corridor_adjustment": pa.float64(),
    "revenue_under_model": pa.float64(),
}
SCHEMA = pa.schema(COLUMNS)


@dataclass(frozen=True)
class HospitalYears:
    """Inputs on a hospital x year grid: rows follow ``ccn``, columns follow ``years``."""

    ccn: list[str]
    market: list[str]
    years: np.ndarray              # (Y,) consecutive calendar years
    start_year: np.ndarray         # (H,) first year of participation
    end_year: np.ndarray           # (H,) last year of participation
    revenue: np.ndarray            # (H, Y) inpatient + outpatient FFS revenue
    beneficiaries: np.ndarray      # (H, Y) distinct patients
    pau_revenue: np.ndarray        # (H, Y) revenue from potentially avoidable utilisation
    population_growth: np.ndarray  # (H, Y) service-area growth from the prior year
    rate_update: np.ndarray        # (H, Y) approved update factor, NaN = the spec's
    quality: np.ndarray            # (H, Y) quality factor, NaN = the spec's default
    service_change: np.ndarray     # (H, Y) service-change amount in dollars


def compute(h: HospitalYears, spec: HospitalBudgetSpec,
            only: np.ndarray | None = None) -> pa.Table:
    """Budgets and reconciliation under ``spec`` (see module doc) of the hospitals selected by
    the boolean mask ``only`` (default: all). Market shares are always measured over every
    hospital of the grid, whichever spec each is budgeted under."""
    n_hosp, n_years = h.revenue.shape
    only = np.ones(n_hosp, bool) if only is None else np.asarray(only, bool)
    years = h.years
    # The first budget year needs at least one base year in the data.
    first = np.maximum(h.start_year, years[0] + 1)
    baseline = _baseline(h.revenue, years, first, spec)
    shift = _market_shift(h.revenue, h.market) * spec.market_shift_cost_factor
    with np.errstate(divide="ignore", invalid="ignore"):
        pau_share = np.where(h.revenue > 0, h.pau_revenue / h.revenue, 0.0)
    if not spec.exclude_pau:
        pau_share = np.zeros_like(pau_share)
    quality = np.where(np.isnan(h.quality), spec.quality_adjustment, h.quality)
    update = np.where(np.isnan(h.rate_update),
                      np.array([spec.update_for(int(y)) for y in years]), h.rate_update)
    growth = np.nan_to_num(h.population_growth)

    out = {name: np.full((n_hosp, n_years), np.nan) for name in (
        "prior", "growth", "pau", *ADJUSTMENTS, "budget")}
    for j, year in enumerate(years):
        active = only & (year >= first) & (year <= h.end_year)
        if j == 0 or not active.any():
            continue
        prior = np.where(year == first, baseline, out["budget"][:, j - 1])
        # Demographic growth funds only the share of last year's revenue that was not PAU.
        funded = 1 - pau_share[:, j - 1]
        step = {
            "rate_update": prior * update[:, j],
            "demographic": prior * growth[:, j] * spec.marginal_cost_factor * funded,
            "market_shift": shift[:, j],
            "quality": prior * quality[:, j],
            "service_change": h.service_change[:, j],
        }
        budget = prior + sum(step.values())
        for name, value in (("prior", prior), ("growth", growth[:, j]),
                            ("pau", pau_share[:, j - 1]), *step.items(), ("budget", budget)):
            out[name][:, j] = np.where(active, value, np.nan)

    rows, cols = np.nonzero(~np.isnan(out["budget"]))
    budget = out["budget"][rows, cols]
    actual = h.revenue[rows, cols]
    variance = actual - budget
    beyond = np.maximum(np.abs(variance) - spec.corridor_width * np.abs(budget), 0.0)
    corridor = -np.sign(variance) * beyond * spec.settlement_share + 0.0  # no -0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        variance_pct = np.where(budget != 0, variance / budget, np.nan)
    data = {
        "ccn": [h.ccn[i] for i in rows],
        "market": [h.market[i] for i in rows],
        "spec": [spec.name] * len(rows),
        "year": years[cols],
        "model_year": years[cols] - first[rows] + 1,
        "beneficiaries": h.beneficiaries[rows, cols],
        "baseline_revenue": baseline[rows],
        "prior_budget": out["prior"][rows, cols],
        "population_growth": out["growth"][rows, cols],
        "pau_share": out["pau"][rows, cols],
        **{f"{a}_adjustment": out[a][rows, cols] for a in ADJUSTMENTS},
        "budget": budget,
        "actual_revenue": actual,
        "variance": variance,
        "variance_pct": variance_pct,
        "corridor_adjustment": corridor,
        "revenue_under_model": actual + corridor,
    }
    return pa.table({name: pa.array(data[name], SCHEMA.field(name).type, from_pandas=True)
                     for name in SCHEMA.names}, schema=SCHEMA)  # NaN (undefined) -> NULL


def _baseline(revenue: np.ndarray, years: np.ndarray, first: np.ndarray,
              spec: HospitalBudgetSpec) -> np.ndarray:
    """Weighted revenue of the base years before each hospital's first budget year, each
    trended to the last base year; weights of base years before the data are dropped and the
    rest rescaled to sum to one."""
    weights = np.asarray(spec.baseline_weights)
    n = len(weights)
    result = np.full(len(first), np.nan)
    for i, start in enumerate(first):
        base_years = np.arange(start - n, start)
        inside = (base_years >= years[0]) & (base_years <= years[-1])
        if not inside.any():
            continue
        cols = base_years[inside] - years[0]
        trend = (1 + spec.baseline_trend) ** (start - 1 - base_years[inside])
        w = weights[inside] / weights[inside].sum()
        result[i] = float(np.sum(w * revenue[i, cols] * trend))
    return result


def _market_shift(revenue: np.ndarray, market: list[str]) -> np.ndarray:
    """Revenue that moved to (+) or from (-) each hospital: the change in its share of its
    market's revenue from the prior year, times the market's revenue this year. Zero in the
    first year and where the market had no revenue; sums to zero over each market."""
    shift = np.zeros_like(revenue)
    markets = np.asarray(market)
    for m in np.unique(markets):
        idx = np.flatnonzero(markets == m)
        total = revenue[idx].sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(total > 0, revenue[idx] / total, 0.0)
        # A market with no revenue in one of the two years has no share to shift.
        both = (total[1:] > 0) & (total[:-1] > 0)
        shift[idx, 1:] = np.where(both, (share[:, 1:] - share[:, :-1]) * total[1:], 0.0)
    return shift


def read_inputs(con: duckdb.DuckDBPyConnection) -> HospitalYears:
    """The grid of every model hospital from the budgets_* tables and the optional
    ``budget_hospital_adjustment`` table (ccn, year, rate_update, quality_adjustment,
    service_change; absent from a connection that did not load it)."""
    has_adjustments = bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [ADJUSTMENT_TABLE]
    ).fetchall()[0][0])
    adjustments = (
        f"""LEFT JOIN (
            SELECT ccn, year, max(rate_update) AS rate_update,
                max(quality_adjustment) AS quality_adjustment,
                sum(service_change) AS service_change
            FROM {ADJUSTMENT_TABLE} GROUP BY ccn, year
        ) AS a ON a.ccn = h.ccn AND a.year = h.year"""
        if has_adjustments else
        "CROSS JOIN (SELECT CAST(NULL AS DOUBLE) AS rate_update, "
        "CAST(NULL AS DOUBLE) AS quality_adjustment, "
        "CAST(NULL AS DOUBLE) AS service_change) AS a"
    )
    rows = con.execute(
        f"""
        SELECT h.ccn, h.market, h.year, h.start_year, h.end_year, h.revenue, h.beneficiaries,
            coalesce(r.readmission_revenue, 0), g.population_growth, a.rate_update,
            a.quality_adjustment, coalesce(a.service_change, 0)
        FROM budgets_hospital_year AS h
        LEFT JOIN budgets_readmission AS r ON r.ccn = h.ccn AND r.year = h.year
        LEFT JOIN budgets_service_area AS g ON g.ccn = h.ccn AND g.year = h.year
        {adjustments}
        ORDER BY h.ccn, h.year
        """
    ).fetchall()
    years = np.array(sorted({r[2] for r in rows}), dtype=np.int64)
    ccn = list(dict.fromkeys(r[0] for r in rows))
    shape = (len(ccn), len(years))
    grid = {k: np.full(shape, np.nan)
            for k in ("revenue", "patients", "pau", "growth", "update", "quality", "svc")}
    for k, r in enumerate(rows):  # every hospital has a row for every year, in order
        i, j = divmod(k, len(years))
        for name, value in zip(grid, r[5:], strict=True):
            grid[name][i, j] = np.nan if value is None else value
    first_rows = rows[:: len(years)] if years.size else []
    return HospitalYears(
        ccn=ccn,
        market=[r[1] for r in first_rows],
        years=years,
        start_year=np.array([r[3] for r in first_rows], dtype=np.int64),
        end_year=np.array([r[4] for r in first_rows], dtype=np.int64),
        revenue=grid["revenue"],
        beneficiaries=grid["patients"].astype(np.int64),
        pau_revenue=grid["pau"],
        population_growth=grid["growth"],
        rate_update=grid["update"],
        quality=grid["quality"],
        service_change=grid["svc"],
    )
