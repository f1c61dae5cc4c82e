"""Properties of the vectorised scorer (apmlab.risk.kernel): the order of the input rows
does not matter, the way a code is written (dots, case, blanks) does not matter, and the
normalized and payment columns are CMS's decimal roundings (CY 2025 Rate Announcement,
Attachment VI: each model's raw score / its normalization factor rounded to 3 decimals, the
blend rounded, then the MA coding-pattern adjustment rounded), recomputed here with
Python's decimal module."""

from __future__ import annotations

import csv
import os
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apmlab.risk import kernel, refdata, score, spec

N = 600


def _population(seed: int):
    rng = np.random.default_rng(seed)
    with (refdata.ROOT / "V28" / "PY2025" / "dx_to_cc.csv").open() as f:
        codes = sorted({r["icd10"] for r in csv.DictReader(f)})
    ids = [f"Q{i:04d}" for i in range(N)]
    age = rng.integers(20, 100, N)
    born = [f"{2025 - a - 1}-0{m}-1{d}" for a, m, d in zip(age, rng.integers(3, 10, N),
                                                            rng.integers(0, 9, N), strict=True)]
    persons = pa.table({"ID": ids, "DOB": born, "SEX": rng.integers(1, 3, N),
                        "OREC": rng.integers(0, 4, N), "LTIMCAID": rng.integers(0, 2, N),
                        "NEMCAID": rng.integers(0, 2, N)})
    k = rng.integers(0, 12, N)
    diagnoses = pa.table({"ID": np.repeat(ids, k),
                          "ICD10": np.array(codes)[rng.integers(0, len(codes), k.sum())]})
    return persons, diagnoses, rng


def test_row_order_does_not_matter():
    """Persons and diagnoses shuffled (diagnoses no longer grouped by person) score the
    same, person by person, as the grouped and sorted input."""
    persons, diagnoses, rng = _population(1)
    grouped = score(persons, diagnoses, 2026).table
    shuffled = score(persons.take(rng.permutation(N)),
                     diagnoses.take(rng.permutation(diagnoses.num_rows)), 2026).table
    by_id = shuffled.take(np.argsort(shuffled.column("ID").to_numpy(zero_copy_only=False)))
    assert by_id == grouped


def test_how_a_code_is_written_does_not_matter():
    persons, diagnoses, _ = _population(2)
    codes = diagnoses.column("ICD10").to_pylist()
    written = [f" {c[:3]}.{c[3:].lower()} " if i % 3 == 0 else
               (f"{c[:3]}.{c[3:]}" if i % 3 == 1 else c) for i, c in enumerate(codes)]
    plain = score(persons, diagnoses, 2026)
    other = score(persons, diagnoses.set_column(1, "ICD10", pa.array(written)), 2026)
    assert other.table == plain.table
    assert other.unmapped_diagnoses == plain.unmapped_diagnoses  # PY2025 codes retired by 2026


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def test_normalized_and_payment_columns_are_cms_decimal_roundings():
    persons, diagnoses, _ = _population(3)
    year = spec.payment_year(2025)
    blend = score(persons, diagnoses, 2025, ma_coding_adjustment=True).table
    raw = {m: score(persons, diagnoses, 2025, m).table for m in ("V24", "V28")}
    nf = {m: Decimal(str(year.normalization[m])) for m in raw}
    weight = {m: Decimal(str(w)) for m, w in year.blend.items()}
    ma = Decimal(str(year.ma_coding_adjustment))
    for column in ("SCORE_COMMUNITY_NA", "SCORE_COMMUNITY_FBD", "SCORE_INSTITUTIONAL",
                   "SCORE_NEW_ENROLLEE"):
        scores = {m: t.column(column).to_pylist() for m, t in raw.items()}
        normalized, payment = [], []
        for i in range(N):
            norm = {m: _round(_round(Decimal(repr(scores[m][i]))) / nf[m]) for m in raw}
            normalized.append(float(norm["V28"]))
            blended = _round(sum(weight[m] * norm[m] for m in raw))
            payment.append(float(_round(blended * (1 - ma))))
        assert blend.column(f"{column}_NORMALIZED").to_pylist() == normalized
        assert blend.column(f"{column}_PAYMENT").to_pylist() == payment


def test_diagnoses_handled_in_slices_score_the_same(monkeypatch):
    """Rows are processed in slices of whole runs; slices of ~7 rows (runs cut across
    slice ends, persons with no rows, shuffled rows) change nothing."""
    persons, diagnoses, rng = _population(4)
    shuffled = diagnoses.take(rng.permutation(diagnoses.num_rows))
    whole = [score(persons, d, 2026).table for d in (diagnoses, shuffled)]
    monkeypatch.setattr(kernel, "CHUNK_ROWS", 7)
    assert [score(persons, d, 2026).table for d in (diagnoses, shuffled)] == whole


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(20, 400), block=st.integers(1, 150),
       threads=st.integers(2, 4), shuffle=st.booleans(), year=st.sampled_from([2025, 2026]))
def test_threads_give_the_single_thread_result(seed, rows, block, threads, shuffle, year):
    """Diagnosis slices and person blocks scored on several threads (grouped rows, or
    shuffled rows merged per person; one model, or 2025's V24/V28 blend with the MA
    adjustment) give the single-thread output, bit for bit."""
    persons, diagnoses, rng = _population(seed)
    if shuffle:
        diagnoses = diagnoses.take(rng.permutation(diagnoses.num_rows))
    one = score(persons, diagnoses, year, ma_coding_adjustment=True, threads=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kernel, "CHUNK_ROWS", rows)
        patch.setattr(kernel, "PERSON_BLOCK", block)
        many = score(persons, diagnoses, year, ma_coding_adjustment=True, threads=threads)
    assert many.table == one.table
    assert many.unmapped_diagnoses == one.unmapped_diagnoses


def test_threads_default_to_apmlab_threads_else_every_core(monkeypatch):
    monkeypatch.setenv("APMLAB_THREADS", "3")
    assert kernel.threads_default() == 3
    monkeypatch.delenv("APMLAB_THREADS")
    assert kernel.threads_default() == os.cpu_count()
