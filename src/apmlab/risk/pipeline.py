"""Risk scores per beneficiary and payment year from the core tables (table ``risk_score``).

For each payment year: the persons enrolled that year in the CMS software layout with
their segment (sql/risk/pipeline/01_person.sql), the diagnoses of the prior year's
eligible claims (02_diagnosis.sql), then the same scorer as ``apmlab risk score``. One row
per person and payment year: the segment's raw score of the year's principal model, that
model's normalized score and the payment-year (blended, normalized) score, without the MA
coding-pattern adjustment (an MA-only step; FFS uses such as MSSP benchmarks omit it).

Years outside the shipped tables (PY2024-2026) are scored with the nearest shipped year's
tables and spec (``tables_year`` says which); ages are still taken on February 1 of the
payment year itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import duckdb

from apmlab.engine import SQL_ROOT
from apmlab.risk import refdata
from apmlab.risk.score import SCORE_COLUMNS, score

PIPELINE_SQL = SQL_ROOT / "risk" / "pipeline"
SEGMENT_COLUMN = dict(zip(
    ("CNA", "CND", "CFA", "CFD", "CPA", "CPD", "INS", "NE", "SNPNE"), SCORE_COLUMNS.values(),
    strict=True))
TABLE = "risk_score"
# Payment HCCs (after hierarchies, principal model) per person and year of the diagnoses:
# the HCC-count risk factor of CJR (42 CFR 510.301(a)) and TEAM (512.545(a)).
HCC_COUNT = "risk_hcc_count"


def models() -> list[Path]:
    return sorted(PIPELINE_SQL.glob("*.sql"))


def tables_year(payment_year: int) -> int:
    years = sorted({y for ys in refdata.available().values() for y in ys})
    return min(max(payment_year, years[0]), years[-1])


def _hcpcs_year(payment_year: int) -> int:
    years = refdata.eligible_hcpcs_years()
    return min(max(payment_year - 1, years[0]), years[-1])


def run(con: duckdb.DuckDBPyConnection, payment_years: Iterable[int]) -> str:
    """Write ``risk_score`` (person_id, year, ...) and ``risk_hcc_count`` for
    ``payment_years``; returns the name of the first."""
    refdata.load(con)
    con.execute(f"DROP TABLE IF EXISTS {TABLE}")
    con.execute(f"DROP TABLE IF EXISTS {HCC_COUNT}")
    first = True
    for year in payment_years:
        params = {"payment_year": year, "hcpcs_year": _hcpcs_year(year)}
        for path in models():
            name = "risk_pipeline_" + re.sub(r"^\d+_", "", path.stem)
            sql = path.read_text()
            used = {k: v for k, v in params.items() if f"${k}" in sql}
            con.execute(f"CREATE OR REPLACE TABLE {name} AS\n{sql}", used)
        scored = score("risk_pipeline_person", "risk_pipeline_diagnosis", tables_year(year),
                       con=con, age_year=year)
        con.register("risk_pipeline_scored", scored.table)
        columns = {
            kind: "CASE p.segment " + "\n".join(
                f"WHEN '{seg}' THEN s.\"{col}{suffix}\"" for seg, col in SEGMENT_COLUMN.items()
            ) + " END"
            for kind, suffix in (("raw", ""), ("normalized", "_NORMALIZED"),
                                 ("payment", "_PAYMENT"))
        }
        target = f"CREATE TABLE {TABLE} AS" if first else f"INSERT INTO {TABLE}"
        count_target = f"CREATE TABLE {HCC_COUNT} AS" if first else f"INSERT INTO {HCC_COUNT}"
        first = False
        flags = " + ".join(f'"{c}"' for c in scored.table.column_names if c.startswith("HCC"))
        con.execute(
            f"""{count_target}
                SELECT CAST("ID" AS VARCHAR) AS person_id, $diagnosis_year AS year,
                       CAST({flags or "0"} AS INTEGER) AS hcc_count
                FROM risk_pipeline_scored
            """,
            {"diagnosis_year": year - 1},
        )
        con.execute(
            f"""{target}
                SELECT CAST(p."ID" AS VARCHAR) AS person_id, $year AS year,
                       $tables_year AS tables_year, $model AS model, p.segment, p.esrd,
                       {columns['raw']} AS raw_score,
                       {columns['normalized']} AS normalized_score,
                       {columns['payment']} AS payment_score
                FROM risk_pipeline_person AS p
                JOIN risk_pipeline_scored AS s ON s."ID" = CAST(p."ID" AS VARCHAR)
            """,
            {"year": year, "tables_year": tables_year(year),
             "model": "+".join(scored.models)},
        )
        con.unregister("risk_pipeline_scored")
    return TABLE


def stage(ctx) -> None:
    """Adapter for apmlab.pipeline.STAGES: score every year of the run's data but the first
    (whose diagnoses would need the year before it)."""
    first, last = ctx.years
    years = range(first + 1, last + 1) if last > first else range(first, last + 1)
    with ctx.console.status("risk: CMS-HCC scores"):
        run(ctx.con, years)
