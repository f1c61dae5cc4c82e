"""Helpers shared by the risk tests: build CMS-layout inputs, look up published coefficients."""

from __future__ import annotations

import csv
from functools import cache

import pyarrow as pa

from apmlab.risk import refdata, score


@cache
def coefficients(model: str, year: int) -> dict[tuple[str, str], float]:
    path = refdata.ROOT / model / f"PY{year}" / "coefficients.csv"
    with path.open() as f:
        return {(r["segment"], r["variable"]): float(r["coefficient"]) for r in csv.DictReader(f)}


def expected(model: str, year: int, segment: str, variables: list[str]) -> float:
    """Hand computation: the sum of the segment's published coefficients of ``variables``."""
    table = coefficients(model, year)
    return sum(table.get((segment, v), 0.0) for v in variables)


def people(*rows: tuple) -> pa.Table:
    """rows of (ID, DOB, SEX, OREC, LTIMCAID, NEMCAID)."""
    cols = list(zip(*rows, strict=True))
    return pa.table({name: [str(v) for v in col] for name, col in zip(
        ("ID", "DOB", "SEX", "OREC", "LTIMCAID", "NEMCAID"), cols, strict=True)})


def dx(*pairs: tuple[str, str]) -> pa.Table:
    return pa.table({"ID": [p[0] for p in pairs], "ICD10": [p[1] for p in pairs]})


def run(persons, diagnoses, year=2026, model=None, **kw):
    """Score and index the output rows by ID."""
    result = score(persons, diagnoses, year, model, **kw)
    return {row["ID"]: row for row in result.table.to_pylist()}, result
