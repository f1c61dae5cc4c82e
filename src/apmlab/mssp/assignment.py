"""Shared Savings Program beneficiary assignment from claims (42 CFR 425.400-425.402).

The rule's lists (primary care service codes, clinician specialties, the COVID-19
emergency's extra codes) live in ``specs/mssp/assignment.toml`` with their citations; this
module turns them into reference tables and runs the SQL models of ``sql/mssp/``, which
write ``mssp_assignment``: one row per performance year, method (``retrospective`` or
``prospective``) and assigned beneficiary, with the ACO and the step that assigned them
(``voluntary``, ``1`` or ``2``). The same models assign the benchmark years before each
agreement with the agreement's participant TINs (``mssp_benchmark_assignment``, 42 CFR
425.652(a), 425.601(a)), pick the assignable population (``mssp_assignable``) and sum each
MSSP ACO's participants' revenue (``mssp_participant_revenue``). A user can copy the spec,
change a list and rerun.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import duckdb
import pyarrow as pa

from apmlab import engine
from apmlab.mssp.benchmark import prepare_risk_input
from apmlab.specfile import read_spec

SPEC_PATH = Path(str(files("apmlab") / "specs" / "mssp" / "assignment.toml"))


def load_assignment_spec(path: Path | None = None) -> dict:
    return read_spec(path or SPEC_PATH)


def _expand(ranges: list[list[str]]) -> list[str]:
    """All five-digit codes from first to last of each range, inclusive."""
    return [f"{n:05d}" for first, last in ranges for n in range(int(first), int(last) + 1)]


def reference_tables(spec: dict) -> dict[str, pa.Table]:
    codes = spec["primary_care_codes"]
    regular = set(_expand(codes["cpt_ranges"])) | set(codes["codes"])
    emergency = set(codes["public_health_emergency"]["codes"]) - regular
    snf_excluded = set(_expand(codes["snf_excluded_ranges"]))
    all_codes = sorted(regular | emergency)
    roles = spec["specialties"]
    role_rows = [
        (code, role)
        for role, key in (("primary_care", "primary_care"), ("non_physician", "non_physician"),
                          ("step_two", "step_two"))
        for code in roles[key]
    ]
    return {
        "mssp_ref_primary_care_code": pa.table({
            "hcpcs_code": all_codes,
            "phe_only": [c in emergency for c in all_codes],
            "snf_excluded": [c in snf_excluded for c in all_codes],
        }),
        "mssp_ref_specialty_role": pa.table({
            "specialty_code": [c for c, _ in role_rows],
            "role": [r for _, r in role_rows],
        }),
        "mssp_ref_non_physician_type": pa.table({
            "provider_type": roles["non_physician_provider_types"],
        }),
    }


def run(
    con: duckdb.DuckDBPyConnection,
    years: tuple[int, int],
    spec_path: Path | None = None,
    on_model: Callable[[engine.SqlModel], None] | None = None,
) -> list[str]:
    """Write the reference tables, ``mssp_assignment`` for performance years ``years``, the
    benchmark-year assignment and the assignable population (with ``mssp_risk_input``).
    ``on_model`` is called before each SQL model runs (progress, timing)."""
    spec = load_assignment_spec(spec_path)
    prepare_risk_input(con)
    for name, table in reference_tables(spec).items():
        con.register("_ref", table)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _ref")
        con.unregister("_ref")
    emergency = spec["primary_care_codes"]["public_health_emergency"]
    first, last = years
    return engine.run_stage(con, "mssp", {
        "first_year": first,
        "last_year": last,
        "phe_start": emergency["start"],
        "phe_end": emergency["end"],
        "snf_place_of_service": spec["primary_care_codes"]["snf_place_of_service"],
    }, on_model=on_model)
