"""CMS-HCC reference tables: read the tidy files under refdata/hcc, check them, load them.

Layout (see refdata/hcc/PROVENANCE.md): ``<model>/PY<year>/`` holds that payment year's
ICD-10 map, coefficients, hierarchy and edits, never a union of years; ``<model>/`` holds
the model's interaction definitions (groups.csv, interactions.csv, requires.csv), and
``age_bands.csv`` the demographic cells. ``check()`` proves, for every model and payment
year, that each variable the scorer can produce has a coefficient in some segment and that
each coefficient of each segment can be produced; it raises otherwise (a name mismatch
between an interaction and the coefficient table would silently drop a coefficient).
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files
from pathlib import Path

import duckdb

ROOT = Path(str(files("apmlab") / "refdata" / "hcc"))
SEGMENTS = ("CNA", "CND", "CFA", "CFD", "CPA", "CPD", "INS", "NE", "SNPNE")


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
    """Every variable name apmlab.risk.kernel can set to 1 for this model and year."""
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


def load(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``ref_hcc_eligible_hcpcs`` (dos_year, hcpcs) on ``con``: CMS's list of
    CPT/HCPCS codes that make a professional or outpatient claim a risk-adjustment source,
    read by the pipeline's SQL. (The scorer reads the other tables from the files.)"""
    con.execute(f"""
        CREATE OR REPLACE TABLE ref_hcc_eligible_hcpcs AS
        SELECT CAST(regexp_extract(filename, 'DOS([0-9]{{4}})', 1) AS INTEGER) AS dos_year,
               hcpcs
        FROM read_csv('{ROOT}/eligible_hcpcs/DOS*.csv', header = true, all_varchar = true,
                      filename = true)
    """)
