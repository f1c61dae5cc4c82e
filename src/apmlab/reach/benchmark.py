"""ACO REACH benchmarks from claims (Standard ACOs, claims-aligned beneficiaries).

Reuses the Shared Savings Program's set-based sums and historical benchmark
(:mod:`apmlab.mssp.benchmark`): the REACH benchmark blends the risk-normalised historical
baseline, trended to the performance year, with regional per capita expenditure, and scales
it by the performance year risk score with a symmetrical cap. Parameters, each cited, are in
``specs/reach/benchmark.toml``. Rows go to ``mssp_benchmark`` (model ``reach``) in the same
columns as the MSSP rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np
import pyarrow as pa

from apmlab.mssp import benchmark as mb
from apmlab.mssp import benchmark_rules as br
from apmlab.specfile import SpecError, read_spec

SPEC_PATH = Path(str(files("apmlab") / "specs" / "reach" / "benchmark.toml"))


@dataclass(frozen=True)
class ReachBenchmarkSpec:
    weights: tuple[float, float, float]
    regional_weight: dict[int, float]
    risk_cap: float
    quality_score: float


def load_benchmark_spec(path: Path | None = None) -> ReachBenchmarkSpec:
    path = path or SPEC_PATH
    raw = read_spec(path)
    try:
        return ReachBenchmarkSpec(
            weights=tuple(raw["historical"]["weights"]),
            regional_weight={int(k): float(v) for k, v in raw["regional"]["weights"].items()},
            risk_cap=float(raw["risk"]["cap"]),
            quality_score=float(raw["run"]["quality_score"]),
        )
    except KeyError as exc:
        raise SpecError(f"{path}: missing {exc.args[0]}") from None


def blended_benchmark(historical, by3_risk, national_growth, regional, regional_weight,
                      py_risk, risk_cap) -> dict[str, np.ndarray]:
    """The REACH benchmark per type (see the module docstring); arrays [..., T]."""
    normalised = br.ratio(historical, by3_risk) * national_growth
    w = np.asarray(regional_weight, dtype=float)[..., None]
    blended = np.where(np.isnan(regional), normalised, (1 - w) * normalised + w * regional)
    risk_ratio = br.ratio(py_risk, by3_risk)
    risk_ratio = np.where(np.isnan(risk_ratio), 1.0, risk_ratio)
    capped = np.clip(risk_ratio, 1 - risk_cap, 1 + risk_cap)
    return {"normalised": normalised, "blended": blended, "risk_ratio": risk_ratio,
            "capped": capped, "benchmark": blended * capped * by3_risk}


def compute(grid: mb.Grid, hist: mb.Historical, perf: mb.Performance | None,
            spec: ReachBenchmarkSpec) -> tuple[pa.Table, pa.Table]:
    """REACH rows for ``mssp_benchmark`` and the settlement input of :func:`apmlab.reach.settle`."""
    rows = {c: [] for c in mb.BENCHMARK_COLUMNS}
    settlement = {c: [] for c in mb.SETTLEMENT_INPUT}
    if perf is not None:
        reach = np.array([grid.agreements[g][0] == "reach" for g in perf.agreement], dtype=bool)
        _rows(grid, hist, perf, spec, reach, rows, settlement)
    mb.status_rows(grid, hist, perf, "reach", rows)
    return mb.benchmark_table(rows), pa.table(
        {c: pa.array(v, mb.SETTLEMENT_TYPES[c]) for c, v in settlement.items()})


def _rows(grid, hist, perf, spec, reach, out, settlement) -> None:
    a = perf.agreement
    # Historical baseline with REACH's own benchmark-year weights.
    weights = np.array(spec.weights)
    historical = np.empty((len(a), len(br.TYPES)))
    for k, g in enumerate(a):  # the benchmark years present are those the MSSP weighted
        historical[k], _ = br.weight_years(hist.restated[g], hist.weights[g] > 0, weights)
    historical = np.where(np.isnan(historical), hist.national_by3[a], historical)
    by3_risk = hist.risk[a, 2]
    regional = perf.regional_growth * br.ratio(hist.regional_by3[a], by3_risk)
    regional_weight = np.array([spec.regional_weight.get(int(y), np.nan) for y in perf.year])
    result = blended_benchmark(historical, by3_risk, perf.national_growth, regional,
                               np.nan_to_num(regional_weight), perf.risk, spec.risk_cap)
    totals = np.nansum(result["benchmark"] * perf.person_years, -1)
    expenditure = perf.expenditure.sum(-1)
    for k in np.flatnonzero(reach):
        g = a[k]
        model, aco, start, track = grid.agreements[g]
        status = hist.status[g]
        if np.isnan(regional_weight[k]):
            status = f"not benchmarked: no REACH regional weight for PY{perf.year[k]}"
        ok = not status.startswith("not benchmarked")
        base = {"model": model, "aco_id": aco, "agreement_start": start, "track": track,
                "performance_year": int(perf.year[k]), "rule_set": "reach",
                "baseline_status": status, "by1_year": int(hist.by_years[g, 0]),
                "by2_year": int(hist.by_years[g, 1]), "by3_year": int(hist.by_years[g, 2])}
        for t, type_ in enumerate(br.TYPES):
            row = dict(base, enrollment_type=type_)
            mb.by_columns(row, hist, g, t)
            mb.py_columns(row, perf, k, t)
            row.update({
                "historical_benchmark": historical[k, t],
                "regional_per_capita_py": regional[k, t],
                "regional_blend_weight": regional_weight[k],
                "risk_ratio": result["risk_ratio"][k, t],
                "risk_ratio_capped": result["capped"][k, t],
                "risk_cap": spec.risk_cap,
                "update_factor": perf.national_growth[k, t],
                "updated_benchmark": result["benchmark"][k, t] if ok else None,
                "benchmark_total": (result["benchmark"][k, t] * perf.person_years[k, t]
                                    if ok else None),
            })
            mb.append_row(out, row)
        mb.append_row(out, dict(
            base, **mb.all_row(perf, k, totals[k] if ok else np.nan, expenditure[k]),
            historical_benchmark=float(np.nansum(hist.proportions[g] * historical[k]))))
        if ok and totals[k] > 0:
            mb.append_settlement(settlement, grid.agreements[g], perf, k, totals[k],
                                 expenditure[k])
