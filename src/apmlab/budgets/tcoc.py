"""Total-cost-of-care test of a region (a state under a global-budget model) against a
comparison (the rest of the nation), as the Maryland TCOC Model measures it
(specs/budgets/maryland_tcoc.toml cites each rule):

* per-capita TCOC = Medicare Parts A and B paid / person-years, by year;
* expected per capita = the region's base-year per capita grown at the comparison's
  per-capita growth since the base year (the national trend);
* savings = (expected - actual per capita) x the region's person-years;
* savings target = the model year's target share x expected spending;
* guardrail: in a model year, the region's growth may not exceed the comparison's by more
  than ``max_excess_growth``, nor exceed it at all for more than ``max_years_above``
  model years running.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from apmlab.budgets.spec import TcocSpec

SCHEMA = pa.schema({
    "region": pa.string(), "year": pa.int32(), "model_year": pa.int32(),
    "base_year": pa.int32(), "beneficiaries": pa.int64(), "person_years": pa.float64(),
    "per_capita_tcoc": pa.float64(),
    "comparison_per_capita": pa.float64(), "expected_per_capita": pa.float64(),
    "tcoc_growth": pa.float64(), "comparison_growth": pa.float64(),
    "excess_growth": pa.float64(), "savings": pa.float64(), "savings_target": pa.float64(),
    "cumulative_savings": pa.float64(), "cumulative_target": pa.float64(),
    "guardrail_ok": pa.bool_(),
})


@dataclass(frozen=True)
class RegionYears:
    """One region's series and its comparison's, on consecutive ``years``."""

    region: str
    years: np.ndarray
    per_capita: np.ndarray
    person_years: np.ndarray
    beneficiaries: np.ndarray
    comparison_per_capita: np.ndarray
    start_year: int
    end_year: int


def base_year_for(years: np.ndarray, start_year: int, spec_base_year: int) -> int:
    """The spec's base year when the data reach it, else the last year before the model
    started, else the first year of the data."""
    if spec_base_year in years and spec_base_year < start_year:
        return spec_base_year
    if start_year - 1 in years:
        return start_year - 1
    return int(years[0])


def compute(r: RegionYears, spec: TcocSpec) -> pa.Table:
    """The TCOC test of one region, one row per year (see module doc)."""
    years = r.years
    base = base_year_for(years, r.start_year, spec.base_year)
    b = int(np.flatnonzero(years == base)[0])
    expected = r.per_capita[b] * r.comparison_per_capita / r.comparison_per_capita[b]
    savings = (expected - r.per_capita) * r.person_years
    growth = np.r_[np.nan, r.per_capita[1:] / r.per_capita[:-1] - 1]
    comparison_growth = np.r_[np.nan, r.comparison_per_capita[1:]
                              / r.comparison_per_capita[:-1] - 1]
    excess = growth - comparison_growth
    in_model = (years >= r.start_year) & (years <= r.end_year)
    model_year = np.where(in_model, years - r.start_year + 1, 0)

    target = np.full(len(years), np.nan)
    guardrail: list[bool | None] = [None] * len(years)
    cumulative = np.full(len(years), np.nan)
    cumulative_target = np.full(len(years), np.nan)
    running_savings = running_target = 0.0
    years_above = 0
    for j in np.flatnonzero(in_model):
        target[j] = spec.target_share(int(model_year[j])) * expected[j] * r.person_years[j]
        running_savings += savings[j]
        running_target += target[j]
        cumulative[j], cumulative_target[j] = running_savings, running_target
        if np.isnan(excess[j]):
            continue
        years_above = years_above + 1 if excess[j] > 0 else 0
        guardrail[j] = bool(excess[j] <= spec.max_excess_growth
                            and years_above <= spec.max_years_above)
    data = {
        "region": [r.region] * len(years),
        "year": years,
        "model_year": [int(m) if m else None for m in model_year],
        "base_year": [base] * len(years),
        "beneficiaries": r.beneficiaries,
        "person_years": r.person_years,
        "per_capita_tcoc": r.per_capita,
        "comparison_per_capita": r.comparison_per_capita,
        "expected_per_capita": expected,
        "tcoc_growth": growth,
        "comparison_growth": comparison_growth,
        "excess_growth": excess,
        "savings": savings,
        "savings_target": target,
        "cumulative_savings": cumulative,
        "cumulative_target": cumulative_target,
        "guardrail_ok": guardrail,
    }
    return pa.table({name: pa.array(data[name], SCHEMA.field(name).type, from_pandas=True)
                     for name in SCHEMA.names}, schema=SCHEMA)  # NaN (undefined) -> NULL


def read_regions(con: duckdb.DuckDBPyConnection) -> list[RegionYears]:
    """Each region of ``budgets_region_year`` with the comparison's series on its years."""
    rows = con.execute(
        """
        SELECT r.area, r.year, r.per_capita, r.person_years, r.beneficiaries, c.per_capita,
            r.start_year, r.end_year
        FROM budgets_region_year AS r
        INNER JOIN budgets_region_year AS c ON c.year = r.year AND NOT c.is_region
        WHERE r.is_region
        ORDER BY r.area, r.year
        """
    ).fetchall()
    regions = []
    for area in dict.fromkeys(row[0] for row in rows):
        mine = [row for row in rows if row[0] == area]
        years = np.arange(mine[0][1], mine[-1][1] + 1)
        by_year = {row[1]: row for row in mine}
        series = np.array([[by_year[y][k] if y in by_year else 0 for k in (2, 3, 4, 5)]
                           for y in years], dtype=float)
        regions.append(RegionYears(area, years, series[:, 0], series[:, 1],
                                   series[:, 2].astype(np.int64), series[:, 3],
                                   int(mine[0][6]), int(mine[0][7])))
    return regions
