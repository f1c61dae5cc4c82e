"""Agreement with hccinfhir (an independent implementation, test-only dependency) on a
random population spread over all nine segments: 5,000 people for V28 (PY2026) and V24
(PY2025), 900 for the other shipped model-years.

hccinfhir scores one person and one segment per call; each person is scored in the segment
drawn for them and compared with the matching SCORE_ column of apmlab's output (which
scores every segment for every person, as CMS's software does). hccinfhir is given the
same year's ICD-10 map file that apmlab's tables were built from.

Deliberate differences, kept out of the drawn population and listed here:
- hccinfhir never sets ORIGDS, so it omits the institutional ORIGDS term. Its coefficient
  is 0.0 in V24 and V28, so scores agree anyway; apmlab computes it as CMS does.
- When an age edit voids a code that maps to two CCs (V28 I70.xx codes, MCE edits below
  age 15), hccinfhir removes only one of the two CCs; apmlab voids the code, as CMS's edit
  macro does. The population is aged 19 and over, where no such edit fires.
"""

from __future__ import annotations

import csv

import numpy as np
import pyarrow as pa
import pytest

hccinfhir = pytest.importorskip("hccinfhir")
from hccinfhir.model_calculate import calculate_raf  # noqa: E402
from hccinfhir.utils import load_dx_to_cc_mapping  # noqa: E402

from apmlab.risk import refdata, score  # noqa: E402

N = 5_000
SEGMENTS = {
    "CNA": "SCORE_COMMUNITY_NA", "CND": "SCORE_COMMUNITY_ND",
    "CFA": "SCORE_COMMUNITY_FBA", "CFD": "SCORE_COMMUNITY_FBD",
    "CPA": "SCORE_COMMUNITY_PBA", "CPD": "SCORE_COMMUNITY_PBD",
    "INS": "SCORE_INSTITUTIONAL", "NE": "SCORE_NEW_ENROLLEE", "SNPNE": "SCORE_SNP_NEW_ENROLLEE",
}
CASES = [  # model, payment year, hccinfhir map file of that year (PROVENANCE.md), people
    ("V28", 2026, "ra_dx_to_cc_2027.csv", N),
    ("V24", 2025, "ra_dx_to_cc_2026.csv", N),
    ("V28", 2025, "ra_dx_to_cc_2026.csv", 900),
    ("V24", 2024, "ra_dx_to_cc_2025.csv", 900),
    ("V28", 2024, "ra_dx_to_cc_2025.csv", 900),
]


def _population(model: str, year: int, seed: int, n: int):
    rng = np.random.default_rng(seed)
    with (refdata.ROOT / model / f"PY{year}" / "dx_to_cc.csv").open() as f:
        codes = sorted({r["icd10"] for r in csv.DictReader(f)})
    extra = ["D66", "D67", "C50011", "C50912", "Z95811", "I5084", "XX999", "R69"]
    segs = list(SEGMENTS)
    people = []
    for i in range(n):
        seg = segs[i % len(segs)]
        aged = seg in ("CNA", "CFA", "CPA") or (seg not in ("CND", "CFD", "CPD")
                                                and rng.random() < 0.6)
        age = int(rng.integers(65, 100)) if aged else int(rng.integers(19, 65))
        orec = int(rng.integers(0, 2)) if aged else int(rng.choice([1, 3]))
        born = np.datetime64(f"{year - age - 1}-03-01") + np.timedelta64(
            int(rng.integers(0, 330)), "D")
        n_dx = int(rng.integers(0, 13))
        dx = list(rng.choice(codes, n_dx)) + [c for c in extra if rng.random() < 0.04]
        people.append({
            "ID": f"P{i}", "DOB": str(born), "SEX": int(rng.integers(1, 3)), "OREC": orec,
            "LTIMCAID": int(rng.integers(0, 2)), "NEMCAID": int(rng.integers(0, 2)),
            "seg": seg, "dx": [str(c) for c in dx],
        })
    return people


@pytest.mark.parametrize(("model", "year", "map_file", "n"), CASES)
def test_every_score_column_matches_hccinfhir(model, year, map_file, n):
    people = _population(model, year, seed=year, n=n)
    persons = pa.table({k: [p[k] for p in people]
                        for k in ("ID", "DOB", "SEX", "OREC", "LTIMCAID", "NEMCAID")})
    diagnoses = pa.table({"ID": [p["ID"] for p in people for _ in p["dx"]],
                          "ICD10": [c for p in people for c in p["dx"]]})
    ours = {r["ID"]: r for r in score(persons, diagnoses, year, model).table.to_pylist()}
    mapping = load_dx_to_cc_mapping(map_file)
    name = f"CMS-HCC Model {model}"
    worst = {seg: 0.0 for seg in SEGMENTS}
    with_hccs = {seg: 0 for seg in SEGMENTS}
    for p in people:
        seg = p["seg"]
        age = year - int(p["DOB"][:4]) - (p["DOB"][5:] > "02-01")
        flag = p["LTIMCAID"] if seg == "INS" else p["NEMCAID"]
        theirs = calculate_raf(
            p["dx"], model_name=name, age=age, sex=str(p["SEX"]), orec=str(p["OREC"]),
            dual_elgbl_cd="02" if flag else "NA", new_enrollee=seg in ("NE", "SNPNE"),
            prefix_override=f"{seg}_", dx_to_cc_mapping=mapping,
        ).risk_score
        diff = abs(ours[p["ID"]][SEGMENTS[seg]] - theirs)
        worst[seg] = max(worst[seg], diff)
        with_hccs[seg] += any(v == 1 for k, v in ours[p["ID"]].items() if k.startswith("HCC"))
    # the population exercises every segment, mostly with disease HCCs
    assert all(k > 0.8 * n / len(SEGMENTS) for k in with_hccs.values()), with_hccs
    assert max(worst.values()) <= 1e-9, worst
