"""Global budgets and total cost of care: hospital global budgets (Maryland GBR, AHEAD,
PARHM/CHART) and the Maryland-style TCOC test of a state against the national trend.

``run(con)`` reads the core tables, runs the SQL models of ``sql/budgets/`` and writes two
tables to the run database:

* ``hospital_budget``: one row per participating hospital and budget year, with each
  adjustment in its own column, the budget, actual FFS revenue, variance and the corridor
  settlement (:mod:`apmlab.budgets.hospital`);
* ``tcoc_test``: one row per region and year, per-capita TCOC against the comparison,
  savings against the target and the guardrail (:mod:`apmlab.budgets.tcoc`).

A hospital whose participation ``track`` names a hospital spec (``maryland_gbr``,
``ahead_2026``, ``chart_parhm``) is budgeted under it, every other one under
``hospital_spec``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from apmlab import engine
from apmlab.budgets import hospital, tcoc
from apmlab.budgets.spec import (
    DEFAULT_HOSPITAL_SPEC,
    DEFAULT_TCOC_SPEC,
    HOSPITAL_SPECS,
    SpecError,
    load_hospital_spec,
    load_tcoc_spec,
)

MODEL = "global_budget"
TABLES = ("hospital_budget", "tcoc_test")


def run(
    con: duckdb.DuckDBPyConnection,
    model: str = MODEL,
    hospital_spec: str | Path = DEFAULT_HOSPITAL_SPEC,
    tcoc_spec: str | Path = DEFAULT_TCOC_SPEC,
) -> dict[str, int]:
    """Write ``hospital_budget`` and ``tcoc_test``; returns their row counts."""
    default = load_hospital_spec(hospital_spec)
    tcoc_rules = load_tcoc_spec(tcoc_spec)
    engine.run_stage(con, "budgets", {"model": model})

    grid = hospital.read_inputs(con)
    tracks = dict(con.execute("SELECT ccn, track FROM budgets_hospital").fetchall())
    spec_of = np.array([tracks[c] if tracks[c] in HOSPITAL_SPECS else default.name
                        for c in grid.ccn])
    budgets = [
        hospital.compute(grid, default if name == default.name else load_hospital_spec(name),
                         only=spec_of == name)
        for name in sorted(set(spec_of))
    ]
    tests = [tcoc.compute(region, tcoc_rules) for region in tcoc.read_regions(con)]
    _write(con, "hospital_budget", budgets, hospital.SCHEMA)
    _write(con, "tcoc_test", tests, tcoc.SCHEMA)
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES}


def _write(con: duckdb.DuckDBPyConnection, name: str, parts: list[pa.Table],
           schema: pa.Schema) -> None:
    con.register("budgets_result", pa.concat_tables(parts) if parts else schema.empty_table())
    try:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM budgets_result")
    finally:
        con.unregister("budgets_result")


__all__ = ["MODEL", "SpecError", "load_hospital_spec", "load_tcoc_spec", "run"]
