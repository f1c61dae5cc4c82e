"""Beneficiary risk-adjustment factors for episode target prices, fitted on the run's episodes.

CJR PY6-8 (42 CFR 510.301(a)) and TEAM (512.545(a)) adjust target prices by binary
beneficiary factors (HCC count 0/1/2/3/4+, age bracket, dual or economic status; TEAM also
hospital bed size) whose coefficients CMS computes by regression on baseline episodes. apmlab
does the same on the episodes in the data: ordinary least squares of log capped episode
payment on one-hot factor levels plus MS-DRG fixed effects, one fit per model over its
non-canceled episodes. The regression runs on one numeric matrix per model, not row by row.
"""

from __future__ import annotations

import duckdb
import numpy as np

FACTOR_COLUMNS = {"hcc_count": "hcc_count_band", "age_band": "age_band", "dual": "dual",
                  "bed_size": "bed_size"}


def fit(
    con: duckdb.DuckDBPyConnection, model: str, factors: list[str]
) -> list[tuple[str, str, str, float]]:
    """(model, factor, level, coefficient) rows; the most frequent level of each factor is
    the reference (coefficient 0). Factors with a single level in the data get none."""
    unknown = sorted(set(factors) - FACTOR_COLUMNS.keys())
    if unknown:
        raise ValueError(f"specs/{model}: unknown risk factors {unknown}")
    columns = ", ".join(FACTOR_COLUMNS[f] for f in factors)
    data = con.execute(
        f"SELECT anchor_drg, {columns}, ln(capped_payment) AS y FROM episodes_capped"
        " WHERE model = $model AND NOT cancelled AND capped_payment > 0",
        {"model": model},
    ).fetchnumpy()
    y = np.asarray(data["y"], dtype=float)
    if len(y) < 2:
        return []
    blocks, names = [_dummies(np.asarray(data["anchor_drg"]), keep_reference=True)[0]], []
    for factor in factors:
        matrix, levels = _dummies(np.asarray(data[FACTOR_COLUMNS[factor]]), keep_reference=False)
        blocks.append(matrix)
        names.extend((factor, level) for level in levels)
    if not names:
        return []
    x = np.hstack(blocks)
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    coefficients = beta[-len(names):]
    return [(model, f, lvl, float(b)) for (f, lvl), b in zip(names, coefficients, strict=True)]


def _dummies(values: np.ndarray, keep_reference: bool) -> tuple[np.ndarray, list[str]]:
    levels, counts = np.unique(values.astype(str), return_counts=True)
    if not keep_reference:
        levels = np.delete(levels, int(np.argmax(counts)))
    matrix = (values.astype(str)[:, None] == levels[None, :]).astype(float)
    return matrix, [str(level) for level in levels]
