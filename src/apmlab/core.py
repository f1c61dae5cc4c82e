"""The core stage: beneficiary-months and -years, classified claims, spending, utilisation.

Every later stage (risk, mssp, episodes, budgets, evaluate) reads these tables rather than
the raw input. The SQL lives in ``sql/core/``; this module picks the years and adds the
truncation that benchmarks and evaluations share.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import duckdb

from apmlab import engine

TRUNCATION_PERCENTILE = 0.99  # 42 CFR 425.652(a)(3)(i): national 99th percentile
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def years_in_data(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """First and last year with both enrollment and claims."""
    first, last = con.execute(
        "SELECT greatest(min(year(enrollment_start_date)), (SELECT min(year(claim_end_date))"
        " FROM medical_claim)), least(max(year(enrollment_end_date)),"
        " (SELECT max(year(claim_end_date)) FROM medical_claim)) FROM eligibility"
    ).fetchall()[0]
    if first is None or last is None or first > last:
        raise ValueError("the data have no year with both enrollment and claims")
    return int(first), int(last)


def run(
    con: duckdb.DuckDBPyConnection,
    years: tuple[int, int] | None = None,
    on_model: Callable[[engine.SqlModel], None] | None = None,
) -> list[str]:
    """Build the core tables for ``years`` (default: every year the data cover)."""
    first, last = years or years_in_data(con)
    written = engine.run_stage(
        con, "core", {"first_year": first, "last_year": last}, on_model=on_model
    )
    truncate_at_percentile(
        con,
        source="core_beneficiary_year",
        value="total_paid_excl_supplemental",
        weight="person_years",
        by=("year", "enrollment_type"),
        out="core_spending_truncated",
        keep=("person_id",),
    )
    return [*written, "core_spending_truncated"]


def truncate_at_percentile(
    con: duckdb.DuckDBPyConnection,
    source: str,
    value: str,
    weight: str,
    by: Sequence[str],
    out: str,
    keep: Sequence[str] = (),
    percentile: float = TRUNCATION_PERCENTILE,
) -> None:
    """Cap each row's annualised ``value`` at the ``percentile`` of its ``by`` group.

    The Shared Savings Program truncates each beneficiary's annualised Parts A and B
    expenditure at the national 99th percentile for the enrollment type (42 CFR
    425.652(a)(3)(i), 425.605(b)): annualised = value / person-years, the cap is applied to
    that, and the result is scaled back by person-years. Writes ``out`` with the ``keep``
    and ``by`` columns, the value, ``truncation_threshold`` (annualised) and
    ``<value>_truncated``. Rows with no person-years are left out, as they carry no
    annualised spending.
    """
    if not 0 < percentile < 1:
        raise ValueError(f"percentile must be between 0 and 1, got {percentile}")
    sql = truncation_sql(source, value, weight, by, keep)
    con.execute(f"CREATE OR REPLACE TABLE {_plain(out)} AS {sql}", {"percentile": percentile})


def truncation_sql(
    source: str, value: str, weight: str, by: Sequence[str], keep: Sequence[str] = ()
) -> str:
    """The portable SELECT behind :func:`truncate_at_percentile` (percentile bound as
    ``$percentile``); identifiers are checked, never values formatted in."""
    source, value, weight = _plain(source), _plain(value), _plain(weight)
    group = ", ".join(_plain(c) for c in by)
    columns = ", ".join(f"s.{_plain(c)}" for c in (*keep, *by))
    join = " AND ".join(f"t.{c} = s.{c}" for c in by)
    return f"""
        WITH threshold AS (
            SELECT {group}, quantile_cont({value} / {weight}, $percentile) AS cap
            FROM {source} WHERE {weight} > 0 GROUP BY {group}
        )
        SELECT {columns}, s.{weight}, s.{value}, t.cap AS truncation_threshold,
            least(s.{value} / s.{weight}, t.cap) * s.{weight} AS {value}_truncated
        FROM {source} AS s INNER JOIN threshold AS t ON {join}
        WHERE s.{weight} > 0
    """


def _plain(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return name
