"""Settle every ACO performance year that has a benchmark, with the existing settlement code.

The benchmark stage gives per-ACO totals (``benchmark_total`` = updated benchmark x PY
person-years, ``expenditure_total`` = truncated PY expenditure); what claims cannot give —
quality, the two-sided ACO's MSR/MLR election — comes from the ``[run]`` defaults of
``specs/mssp/benchmark.toml`` and ``specs/reach/benchmark.toml``. The ACO participants'
revenue comes from claims (``mssp_participant_revenue``, :func:`with_participant_revenue`).
A performance year without
a settlement spec, or a one-sided ACO below 5,000 beneficiaries (CMS sets its MSR,
425.110(b)), is left unsettled and named in the returned notes.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from apmlab import mssp, reach
from apmlab.mssp.benchmark_spec import BenchmarkSpec
from apmlab.mssp.spec import SpecError
from apmlab.reach.benchmark import ReachBenchmarkSpec

SMALL_ACO = 5_000
# Columns settle_mssp adds to the benchmark stage's settlement input, in order.
MSSP_INPUT_TYPES = {"participant_revenue": pa.float64(), "msr": pa.float64(),
                    "quality_score": pa.float64(), "met_quality_standard": pa.bool_()}


def with_participant_revenue(con, inputs: pa.Table) -> tuple[pa.Table, list[str]]:
    """``inputs`` plus ``participant_revenue`` from ``mssp_participant_revenue`` (the ACO
    participants' total Parts A and B FFS revenue, 425.605(d), 425.610(d), 425.20); an ACO
    year with no claim billed by its participants gets a blank (not known) and a note."""
    revenue = {(aco, int(year)): value for aco, year, value in con.execute(
        "SELECT aco_id, year, participant_revenue FROM mssp_participant_revenue "
        "WHERE model = 'mssp'").fetchall()}
    acos = inputs.column("aco_id").to_pylist()
    years = [int(y) for y in inputs.column("performance_year").to_pylist()]
    values = [revenue.get(key) for key in zip(acos, years, strict=True)]
    notes = [f"MSSP {aco} PY{year}: no claim billed by its participants' TINs or CCNs, so "
             "its participant revenue is not known: revenue-based loss limits and 425.605(h) "
             "do not apply." for aco, year, value in zip(acos, years, values, strict=True)
             if value is None]
    return inputs.append_column("participant_revenue", pa.array(values, pa.float64())), notes


def settle_mssp(inputs: pa.Table, spec: BenchmarkSpec) -> tuple[pa.Table | None, list[str]]:
    """``mssp.settle`` for each performance year of ``inputs``; (settled rows, notes)."""
    settled, notes = [], []
    for year in sorted(set(inputs.column("performance_year").to_pylist())):
        rows = inputs.filter(pc.equal(inputs.column("performance_year"), year))
        try:
            year_spec = mssp.load_spec(year)
            two_sided = np.array([year_spec.track(t or "").two_sided
                                  for t in rows.column("track").to_pylist()])
        except SpecError as exc:
            notes.append(f"MSSP PY{year} not settled: {exc}.")
            continue
        n = np.asarray(rows.column("assigned_beneficiaries").to_numpy(), dtype=float)
        small = ~two_sided & (n < SMALL_ACO)
        for aco in np.asarray(rows.column("aco_id").to_pylist())[small]:
            notes.append(f"MSSP {aco} PY{year} not settled: one-sided with fewer than "
                         f"{SMALL_ACO:,} assigned beneficiaries (CMS sets the MSR, 425.110(b)).")
        rows = rows.filter(pa.array(~small))
        count = rows.num_rows
        rows = rows.append_column("msr", pa.array(
            np.where(two_sided[~small], spec.two_sided_msr, np.nan), pa.float64()))
        rows = rows.append_column("quality_score", pa.array([spec.quality_score] * count,
                                                            pa.float64()))
        rows = rows.append_column("met_quality_standard",
                                  pa.array([spec.met_quality_standard] * count))
        settled.append(mssp.settle(rows, year, year_spec))
    return (pa.concat_tables(settled) if settled else None), notes


def settle_reach(inputs: pa.Table, spec: ReachBenchmarkSpec) -> tuple[pa.Table | None, list[str]]:
    """``reach.settle`` for each performance year of ``inputs``; (settled rows, notes)."""
    settled, notes = [], []
    for year in sorted(set(inputs.column("performance_year").to_pylist())):
        rows = inputs.filter(pc.equal(inputs.column("performance_year"), year))
        rows = rows.append_column("quality_score", pa.array([spec.quality_score] * rows.num_rows,
                                                            pa.float64()))
        try:
            settled.append(reach.settle(rows, year))
        except SpecError as exc:
            notes.append(f"REACH PY{year} not settled: {exc}.")
    return (pa.concat_tables(settled) if settled else None), notes
