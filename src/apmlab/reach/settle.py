"""ACO REACH settlement from per-ACO totals: discount, quality withhold, risk corridors.

For each ACO (parameters from ``specs/reach/pyYYYY.toml``, each cited there):

1. final benchmark = benchmark - discount (Global only) - quality withhold
   + withhold x Total Quality Score (the withhold earned back);
2. gross savings/losses = final benchmark - expenditure (no minimum savings rate);
3. the ACO keeps a share of the gross amount that falls in each risk corridor (bands of the
   final benchmark), the same on the savings and the loss side;
4. sequestration, if the spec sets it, reduces positive amounts only.

The output has the MSSP settlement's shape: ``final_sharing_rate`` / ``loss_sharing_rate``
are the effective shares kept, ``cap_applied`` says the corridors beyond the first were
reached, and ``minimum_savings_rate`` is 0.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from apmlab.mssp.table import (
    Columns,
    append_columns,
    require_columns,
    to_arrow,
    write_table,
)
from apmlab.reach.spec import ReachSpec, ReachTrack, load_spec

REQUIRED = ["aco_id", "track", "assigned_beneficiaries", "benchmark_total",
            "expenditure_total", "quality_score"]
WHAT = "ACO REACH settlement input"


def settle(table: Any, performance_year: int, spec: ReachSpec | None = None) -> pa.Table:
    """Settle every REACH ACO of ``table``; returns the input plus the settlement columns."""
    spec = spec or load_spec(performance_year)
    t = to_arrow(table)
    require_columns(t, REQUIRED, WHAT)
    cols = Columns(t, WHAT)
    tracks, index = cols.lookup("track", spec.track)
    n = cols.number("assigned_beneficiaries")
    cols.fail((n < 0) | (n != np.floor(n)), "assigned_beneficiaries",
              "must be a whole number, not negative")
    benchmark = cols.number("benchmark_total")
    cols.fail(benchmark <= 0, "benchmark_total", "must be positive")
    expenditure = cols.number("expenditure_total")
    cols.fail(expenditure < 0, "expenditure_total", "must not be negative")
    quality = cols.number("quality_score")
    cols.fail((quality < 0) | (quality > 1), "quality_score", "must be between 0 and 1")

    discount = np.array([tr.discount for tr in tracks])[index] * benchmark
    withhold = spec.quality_withhold * benchmark
    earned_back = withhold * quality
    final_benchmark = benchmark - discount - withhold + earned_back
    gross = final_benchmark - expenditure
    kept = corridor_share(np.abs(gross), final_benchmark, tracks, index)
    earned = np.sign(gross) * kept
    earned = np.where(earned > 0, earned * (1 - spec.sequestration_rate), earned)
    share = np.divide(kept, np.abs(gross), out=np.zeros_like(kept), where=gross != 0)
    first_band_end = np.array([tr.corridors[0][1] for tr in tracks])[index]

    return append_columns(t, {
        "performance_year": np.full(t.num_rows, spec.performance_year, dtype=np.int32),
        "discount_amount": discount,
        "quality_withhold_earned_back": earned_back,
        "final_benchmark": final_benchmark,
        "savings_rate": gross / final_benchmark,
        "minimum_savings_rate": np.zeros(t.num_rows),
        "gross_savings_losses": gross,
        "final_sharing_rate": np.where(gross > 0, share, 0.0),
        "loss_sharing_rate": np.where(gross < 0, share, 0.0),
        "cap_applied": np.abs(gross) > first_band_end * final_benchmark,
        "earned_savings_losses": earned,
    })


def corridor_share(amount: np.ndarray, benchmark: np.ndarray, tracks: list[ReachTrack],
                   index: np.ndarray) -> np.ndarray:
    """Sum over corridors of (share kept x the part of ``amount`` inside the corridor)."""
    kept = np.zeros_like(amount)
    for k, track in enumerate(tracks):
        rows = index == k
        for low, high, share in track.corridors:
            inside = np.clip(amount[rows] - low * benchmark[rows], 0,
                             (high - low) * benchmark[rows])
            kept[rows] += share * inside
    return kept


def write_settlement(con: duckdb.DuckDBPyConnection, settled: pa.Table) -> str:
    """Store the output of :func:`settle` as table ``reach_settlement`` in the run database."""
    return write_table(con, settled, "reach_settlement")
