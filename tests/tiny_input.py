"""Small input-layer folders written from rows given in the test."""

from __future__ import annotations

import csv
from pathlib import Path

PERSON = {
    "person_id": "P1",
    "birth_date": "1950-03-15",
    "gender": "female",
    "enrollment_start_date": "2021-01-01",
    "enrollment_end_date": "2021-12-31",
    "original_reason_entitlement_code": "0",
    "medicare_status_code": "10",
    "dual_status_code": "00",
}
LINE = {
    "claim_id": "C1",
    "claim_line_number": "1",
    "claim_type": "professional",
    "person_id": "P1",
    "claim_start_date": "2021-02-01",
    "claim_end_date": "2021-02-01",
    "paid_amount": "80",
    "allowed_amount": "100",
}
PROVIDER = {"npi": "1000000001", "provider_type": "physician", "specialty_code": "08"}
PARTICIPATION = {"entity_id": "ACO1", "model": "mssp", "tin": "100000001",
                 "start_date": "2021-01-01"}


def write_csv(path: Path, rows: list[dict]) -> Path:
    fields = list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_input(folder: Path, eligibility=None, medical_claim=None, provider=None,
                participation=None, voluntary_alignment=None,
                budget_hospital_adjustment=None) -> Path:
    """An input-layer folder of CSV files; required tables not given get one plain row,
    optional tables not given are left out."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("voluntary_alignment", voluntary_alignment),
                       ("budget_hospital_adjustment", budget_hospital_adjustment)):
        if rows:
            write_csv(folder / f"{name}.csv", rows)
    write_csv(folder / "eligibility.csv", eligibility or [PERSON])
    write_csv(folder / "medical_claim.csv", medical_claim or [LINE])
    write_csv(folder / "provider.csv", provider or [PROVIDER])
    write_csv(folder / "participation.csv", participation or [PARTICIPATION])
    return folder
