"""Bundled payments from claims: CJR, TEAM and BPCI Advanced episodes, prices, reconciliation.

:func:`run` builds, in the run database:

- ``episodes``: one row per episode of every model at every hospital (participants and
  others, the latter for regional prices and comparison), with its payments by service
  category, capped payment, target price and cancellation reason;
- ``episode_reconciliation``: NPRA, limits, quality and reconciliation payment per
  participant and performance year;
- ``episode_exclusions``: counts and dollars of canceled episodes and left-out services by
  reason.

The work is SQL (``sql/episodes/`` builds and caps episodes, ``sql/episodes_pricing/``
prices and reconciles them); Python loads the specs and reference lists into rule tables and
fits the risk-adjustment regression between the two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from importlib.resources import files
from pathlib import Path

import duckdb

from apmlab import engine
from apmlab.episodes import risk
from apmlab.episodes.spec import MODELS, RULE_TABLES, load_model, rule_rows

REFDATA = Path(str(files("apmlab") / "refdata" / "episodes"))
BASELINE_YEARS = 3
HCC_SOURCE = "risk_hcc_count"  # (person_id, year, hcc_count), written by a risk stage if any
CORE_TABLES = ("core_claim_line", "core_beneficiary_month", "core_beneficiary_year")
QUALITY_SOURCE = "episode_quality"  # (model, participant_id, performance_year, score), optional

EPISODE_COLUMNS = (
    "episode_id, model, participant_id, hospital_ccn, person_id, episode_type, anchor_drg, "
    "anchor_setting, transferred_in, anchor_start_date, anchor_end_date, window_end_date, "
    "performance_year, performance_year_label, rules_year, track, hospital_type, region, "
    "actual_payment, paid_inpatient_acute, paid_inpatient_other, paid_snf, paid_home_health, "
    "paid_hospice, paid_outpatient, paid_professional, paid_dme_other, excluded_payment, "
    "outside_window_payment, cap_amount, capped_payment, hcc_count_band, age_band, dual, "
    "bed_size, risk_multiplier, hospital_weight, hospital_benchmark, regional_benchmark, "
    "baseline_years, prospective_trend_factor, retrospective_trend_factor, discount, "
    "target_before_discount, target_price, cancelled, cancel_reason"
)
PUBLIC_TABLES = {
    "episodes": f"SELECT {EPISODE_COLUMNS} FROM episodes_pricing_target",
    "episode_reconciliation": "SELECT * FROM episodes_pricing_reconciliation",
    "episode_exclusions": "SELECT * FROM episodes_pricing_exclusion",
}


def run(
    con: duckdb.DuckDBPyConnection,
    years: tuple[int, int],
    models: Iterable[str] = MODELS,
    on_model: Callable[[engine.SqlModel], None] | None = None,
) -> list[str]:
    """Build episodes, target prices and reconciliations for ``years`` (core tables must
    exist). Returns the public tables written."""
    first, last = years
    missing = [t for t in CORE_TABLES if not has_table(con, t)]
    if missing:
        raise ValueError(f"episodes need the core stage's tables first (missing: {missing})")
    specs = [load_model(m) for m in models]
    _reference_tables(con, [s.model for s in specs])
    rows: dict[str, list[tuple]] = {name: [] for name in RULE_TABLES}
    for spec in specs:
        for name, table_rows in rule_rows(spec, range(first - BASELINE_YEARS, last + 1)).items():
            rows[name].extend(table_rows)
    for name, columns in RULE_TABLES.items():
        _write(con, name, columns, rows[name])
    _optional_input(con, "episodes_input_hcc", HCC_SOURCE,
                    "person_id VARCHAR, year INTEGER, hcc_count INTEGER")
    _optional_input(con, "episodes_input_quality", QUALITY_SOURCE,
                    "model VARCHAR, participant_id VARCHAR, performance_year INTEGER, "
                    "composite_quality_score DOUBLE")
    engine.run_stage(con, "episodes", {"last_date": dt.date(last, 12, 31)}, on_model=on_model)
    coefficients = []
    for spec in specs:
        if any(y.get("risk_adjusted") for y in spec.years.values()):
            coefficients.extend(risk.fit(con, spec.model, spec.pricing.get("risk_factors", [])))
    _write(con, "episodes_risk_coefficient",
           "model VARCHAR, factor VARCHAR, level VARCHAR, coefficient DOUBLE", coefficients)
    engine.run_stage(con, "episodes_pricing", on_model=on_model)
    for table, select in PUBLIC_TABLES.items():
        con.execute(f"CREATE OR REPLACE TABLE {table} AS {select}")
    return list(PUBLIC_TABLES)


def _reference_tables(con: duckdb.DuckDBPyConnection, models: list[str]) -> None:
    """Anchor and exclusion lists of the chosen models, and the census divisions."""
    for table, name, where in (
        ("episodes_ref_anchor", "anchor_codes.csv", "WHERE list_contains($models, model)"),
        ("episodes_ref_excluded", "excluded_codes.csv",
         "WHERE model = 'all' OR list_contains($models, model)"),
        ("episodes_ref_division", "census_divisions.csv", ""),
    ):
        con.execute(
            f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM "
            f"read_csv($path, all_varchar = true, header = true) {where}",
            {"path": str(REFDATA / name), **({"models": models} if where else {})},
        )


def _write(con: duckdb.DuckDBPyConnection, table: str, columns: str, rows: list[tuple]) -> None:
    con.execute(f"CREATE OR REPLACE TABLE {table} ({columns})")
    if rows:
        marks = ", ".join("?" * len(rows[0]))
        con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)


def _optional_input(con: duckdb.DuckDBPyConnection, table: str, source: str,
                    columns: str) -> None:
    """``table`` from the run's ``source`` table when a stage or the user wrote one, else
    empty (so prices fall back to what the data allow; the report says so)."""
    names = [c.split()[0] for c in columns.split(", ")]
    if has_table(con, source):
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {', '.join(names)} FROM {source}")
    else:
        _write(con, table, columns, [])


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = $name",
        {"name": name},
    ).fetchall()[0][0])
