"""CMS-HCC reference tables: read the tidy files under refdata/hcc, check them, load them.

Layout (see refdata/hcc/PROVENANCE.md): ``<model>/PY<year>/`` holds that payment year's
ICD-10 map, coefficients, hierarchy and edits, never a union of years; ``<model>/`` holds
the model's interaction definitions (groups.csv, interactions.csv, requires.csv), and
``age_bands.csv`` the demographic cells. ``check()`` proves, for every model and payment
year, that each variable the SQL can produce has a coefficient in some segment and that
each coefficient of each segment can be produced; it raises otherwise (a name mismatch
between an interaction and the coefficient table would silently drop a coefficient).
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files
from pathlib import Path

import duckdb
import pyarrow as pa

ROOT = Path(str(files("apmlab") / "refdata" / "hcc"))
SEGMENTS = ("CNA", "CND", "CFA", "CFD", "CPA", "CPD", "INS", "NE", "SNPNE")
YEAR_TABLES = ("dx_to_cc", "coefficients", "hierarchy", "edits")
MODEL_TABLES = ("groups", "interactions", "requires")


class ReferenceError(ValueError):
    """The reference tables are inconsistent (a variable without coefficient, or back)."""


@cache
def _rows(path: Path) -> tuple[dict[str, str], ...]:
    with path.open(newline="") as f:
        return tuple(csv.DictReader(f))


def eligible_hcpcs_years() -> tuple[int, ...]:
    """Date-of-service years with CMS's eligible CPT/HCPCS list shipped."""
    return tuple(sorted(int(p.stem[3:]) for p in (ROOT / "eligible_hcpcs").glob("DOS*.csv")))


def available() -> dict[str, tuple[int, ...]]:
    """Model -> payment years with reference tables shipped."""
    out = {}
    for model_dir in sorted(p for p in ROOT.iterdir() if p.is_dir() and p.name.startswith("V")):
        years = sorted(int(p.name[2:]) for p in model_dir.glob("PY*") if p.is_dir())
        out[model_dir.name] = tuple(years)
    return out


def require(model: str, payment_year: int) -> None:
    years = available().get(model)
    if years is None:
        raise ValueError(f"no CMS-HCC model {model!r} (shipped: {', '.join(available())})")
    if payment_year not in years:
        raise ValueError(
            f"no {model} reference tables for payment year {payment_year} "
            f"(shipped: {', '.join(map(str, years))})"
        )


def producible_variables(model: str, payment_year: int) -> set[str]:
    """Every variable name the risk SQL models can set to 1 for this model and year."""
    folder = ROOT / model / f"PY{payment_year}"
    ccs = {r["cc"] for r in _rows(folder / "dx_to_cc.csv")}
    ccs |= {r["cc_override"] for r in _rows(folder / "edits.csv") if r["cc_override"]}
    names = {f"HCC{int(cc)}" for cc in ccs}
    names |= {r["variable"] for r in _rows(ROOT / model / "interactions.csv")}
    names |= {f"D{i}" for i in range(1, 10)} | {"D10P"}
    names |= {"OriginallyDisabled_Female", "OriginallyDisabled_Male", "ORIGDS", "LTIMCAID"}
    for band in _rows(ROOT / "age_bands.csv"):
        for sex in "FM":
            if band["kind"] == "cell":
                names.add(f"{sex}{band['band']}")
                continue
            origdis = ("NORIGDIS", "ORIGDIS") if int(band["min_age"]) >= 65 else ("NORIGDIS",)
            for mcaid in ("NMCAID", "MCAID"):
                for orig in origdis:
                    names.add(f"{mcaid}_{orig}_NE{sex}{band['band']}")
    return names


def check(model: str, payment_year: int) -> None:
    """Raise ReferenceError unless variables and coefficients match both ways."""
    produced = producible_variables(model, payment_year)
    folder = ROOT / model / f"PY{payment_year}"
    by_segment: dict[str, set[str]] = {s: set() for s in SEGMENTS}
    for r in _rows(folder / "coefficients.csv"):
        by_segment[r["segment"]].add(r["variable"])
    problems = []
    for segment, names in by_segment.items():
        if not names:
            problems.append(f"segment {segment} has no coefficients")
        for name in sorted(names - produced):
            problems.append(f"coefficient {segment}_{name} is never produced")
    for name in sorted(produced - set().union(*by_segment.values())):
        problems.append(f"variable {name} has no coefficient in any segment")
    groups = {r["grp"] for r in _rows(ROOT / model / "groups.csv")} | {"DISABL"}
    for r in _rows(ROOT / model / "interactions.csv"):
        for term in (r["left_term"], r["right_term"]):
            if term not in groups:
                problems.append(f"interaction {r['variable']}: unknown term {term}")
    if problems:
        raise ReferenceError(f"{model} PY{payment_year} reference tables: " + "; ".join(problems))


TABLES = ("ref_hcc_dx_to_cc", "ref_hcc_coefficients", "ref_hcc_hierarchy", "ref_hcc_edits",
          "ref_hcc_groups", "ref_hcc_interactions", "ref_hcc_requires",
          "ref_hcc_eligible_hcpcs", "ref_hcc_age_bands")
_cache: dict[str, pa.Table] = {}


def load(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ref_hcc_* tables on ``con`` (once per connection), after check(). The
    CSV files are read and checked once per process; later connections copy the result."""
    if _loaded(con):
        return
    if not _cache:
        scratch = duckdb.connect()
        _read_into(scratch)
        _cache.update({t: scratch.table(t).to_arrow_table() for t in TABLES})
        scratch.close()
    for name, table in _cache.items():
        con.register("_ref_hcc_source", table)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _ref_hcc_source")
        con.unregister("_ref_hcc_source")


def _read_into(con: duckdb.DuckDBPyConnection) -> None:
    shipped = available()
    for model, years in shipped.items():
        for year in years:
            check(model, year)
    root = str(ROOT)
    year_files = {t: [] for t in YEAR_TABLES}
    for model, years in shipped.items():
        for year in years:
            for t in YEAR_TABLES:
                year_files[t].append((model, year, f"{root}/{model}/PY{year}/{t}.csv"))
    for t, items in year_files.items():
        selects = [
            f"SELECT '{m}' AS model, {y} AS payment_year, * "
            f"FROM read_csv('{p}', header = true, all_varchar = true)"
            for m, y, p in items
        ]
        _create_union(con, f"_raw_{t}", selects)
    for t in MODEL_TABLES:
        selects = [
            f"SELECT '{m}' AS model, * FROM read_csv('{root}/{m}/{t}.csv', header = true, "
            f"all_varchar = true)"
            for m in shipped
        ]
        _create_union(con, f"_raw_{t}", selects)
    con.execute(f"""
        CREATE OR REPLACE TABLE ref_hcc_dx_to_cc AS
        SELECT model, payment_year, icd10, CAST(cc AS INTEGER) AS cc FROM _raw_dx_to_cc;
        CREATE OR REPLACE TABLE ref_hcc_coefficients AS
        SELECT model, payment_year, segment, variable, CAST(coefficient AS DOUBLE) AS coefficient
        FROM _raw_coefficients;
        CREATE OR REPLACE TABLE ref_hcc_hierarchy AS
        SELECT model, payment_year, CAST(parent AS INTEGER) AS parent,
               CAST(child AS INTEGER) AS child
        FROM _raw_hierarchy;
        CREATE OR REPLACE TABLE ref_hcc_edits AS
        SELECT model, payment_year, icd10, kind, CAST(NULLIF(sex, '') AS INTEGER) AS sex,
               CAST(NULLIF(fires_if_age_at_least, '') AS INTEGER) AS fires_if_age_at_least,
               CAST(NULLIF(fires_if_age_at_most, '') AS INTEGER) AS fires_if_age_at_most,
               action, CAST(NULLIF(cc_override, '') AS INTEGER) AS cc_override
        FROM _raw_edits;
        CREATE OR REPLACE TABLE ref_hcc_groups AS
        SELECT model, grp, CAST(cc AS INTEGER) AS cc FROM _raw_groups;
        CREATE OR REPLACE TABLE ref_hcc_interactions AS
        SELECT model, variable, left_term, right_term FROM _raw_interactions;
        CREATE OR REPLACE TABLE ref_hcc_requires AS
        SELECT model, CAST(cc AS INTEGER) AS cc, CAST(required_cc AS INTEGER) AS required_cc
        FROM _raw_requires;
        CREATE OR REPLACE TABLE ref_hcc_eligible_hcpcs AS
        SELECT CAST(regexp_extract(filename, 'DOS([0-9]{{4}})', 1) AS INTEGER) AS dos_year,
               hcpcs
        FROM read_csv('{root}/eligible_hcpcs/DOS*.csv', header = true, all_varchar = true,
                      filename = true);
        CREATE OR REPLACE TABLE ref_hcc_age_bands AS
        SELECT b.kind, b.band, CAST(a.range AS INTEGER) AS age
        FROM read_csv('{root}/age_bands.csv', header = true) AS b
        JOIN range(0, 201) AS a ON a.range BETWEEN b.min_age AND b.max_age;
    """)
    for t in (*YEAR_TABLES, *MODEL_TABLES):
        con.execute(f"DROP TABLE _raw_{t}")


def _create_union(con: duckdb.DuckDBPyConnection, table: str, selects: list[str]) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS " + " UNION ALL BY NAME ".join(selects))


def _loaded(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ref_hcc_age_bands'"
    ).fetchall()[0]
    return bool(found[0])
