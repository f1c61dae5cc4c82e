"""Beneficiary risk-adjustment factors for episode target prices, fitted on the run's episodes.

CJR PY6-8 (42 CFR 510.301(a)) and TEAM (512.545(a)) adjust target prices by binary
beneficiary factors (HCC count 0/1/2/3/4+, age bracket, dual or economic status; TEAM also
hospital bed size) whose coefficients CMS computes by regression on baseline episodes. apmlab
does the same on the episodes in the data: ordinary least squares (pyfixest) of log capped
episode payment on one-hot factor levels with MS-DRG and year fixed effects, one fit per
model over its non-canceled episodes. A level collinear with the fixed effects (an age band
that only one year has) is dropped by pyfixest and priced as the reference.
A model priced per episode type (BPCI Advanced) lists ``anchor_drg`` among its factors: the
MS-DRG is then a case-mix factor with a coefficient of its own, as in BPCI Advanced's
patient case-mix model (Datagen 2018, "Understanding the BPCI Advanced Targets": MS-DRG is a
patient characteristic of the risk model, so every episode of a clinical episode category
gets the same target before case mix).
"""

from __future__ import annotations

import warnings

import duckdb
import numpy as np
import pandas as pd
import pyfixest as pf

UNKNOWN = "unknown"  # the level of a factor that cannot be read from the data (04_episode.sql)
FACTOR_COLUMNS = {"hcc_count": "hcc_count_band", "age_band": "age_band", "dual": "dual",
                  "bed_size": "bed_size", "anchor_drg": "anchor_drg"}


def fit(
    con: duckdb.DuckDBPyConnection, model: str, factors: list[str]
) -> list[tuple[str, str, str, float]]:
    """(model, factor, level, coefficient) rows; the most frequent level of each factor is
    the reference (coefficient 0). Factors with a single level in the data get none.

    The fit has MS-DRG and year fixed effects, so that a level that is more common in some
    years does not take those years' payment level. It runs on the episodes whose factors are
    all known; level ``unknown`` (an HCC count with no claims in the year before the anchor,
    as in the first year of the data) gets the log of the mean known multiplier, so that such
    episodes are standardised as an average episode, not as a year apart. A factor unknown
    on every episode gets no coefficient."""
    unknown = sorted(set(factors) - FACTOR_COLUMNS.keys())
    if unknown:
        raise ValueError(f"specs/{model}: unknown risk factors {unknown}")
    columns = ", ".join(FACTOR_COLUMNS[f] for f in factors if f != "anchor_drg")
    data = con.execute(
        f"SELECT anchor_drg, performance_year, {columns + ', ' if columns else ''}"
        "ln(capped_payment) AS y"
        " FROM episodes_capped WHERE model = $model AND NOT cancelled AND capped_payment > 0",
        {"model": model},
    ).fetchnumpy()
    values = {f: np.asarray(data[FACTOR_COLUMNS[f]]).astype(str) for f in factors}
    # A factor the data never reveal (no HCC counts at all: no risk stage) is left out
    # rather than leaving no episode to fit the others on.
    factors = [f for f in factors if (values[f] != UNKNOWN).any()]
    values = {f: values[f] for f in factors}
    known = np.ones(len(data["y"]), bool)
    for column in values.values():
        known &= column != UNKNOWN
    y = np.asarray(data["y"], dtype=float)[known]
    if len(y) < 2:
        return []
    frame = {"y": y, "drg": np.asarray(data["anchor_drg"])[known].astype(str),
             "year": np.asarray(data["performance_year"])[known]}
    names = []
    for factor in factors:
        matrix, levels = _dummies(values[factor][known], keep_reference=False)
        for j, level in enumerate(levels):
            frame[f"x{len(names)}"] = matrix[:, j]
            names.append((factor, level))
    if not names:
        return []
    # MS-DRG and year fixed effects; year only when the MS-DRG is a factor of its own.
    fixed = "year" if "anchor_drg" in factors else "drg + year"
    regressors = " + ".join(f"x{i}" for i in range(len(names)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyfixest's note on dropped collinear levels
        fit = pf.feols(f"y ~ {regressors} | {fixed}", data=pd.DataFrame(frame), vcov="iid")
    beta = fit.coef()
    coefficient = {name: float(beta.get(f"x{i}", 0.0)) for i, name in enumerate(names)}
    rows = [(model, f, lvl, b) for (f, lvl), b in coefficient.items()]
    for factor in factors:
        if (values[factor] == UNKNOWN).any():
            multiplier = np.exp([coefficient.get((factor, v), 0.0)
                                 for v in values[factor][known]])
            rows.append((model, factor, UNKNOWN, float(np.log(multiplier.mean()))))
    return rows


def _dummies(values: np.ndarray, keep_reference: bool) -> tuple[np.ndarray, list[str]]:
    levels, counts = np.unique(values.astype(str), return_counts=True)
    if not keep_reference:
        levels = np.delete(levels, int(np.argmax(counts)))
    matrix = (values.astype(str)[:, None] == levels[None, :]).astype(float)
    return matrix, [str(level) for level in levels]
