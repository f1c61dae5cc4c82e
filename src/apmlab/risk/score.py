"""Score CMS-HCC risk for a population laid out like CMS's own software.

Input (the layout of CMS's SAS/"DIY" risk-score software):

- persons ``ID, DOB, SEX, OREC, LTIMCAID, NEMCAID``: SEX 1 male / 2 female, DOB as
  YYYY-MM-DD or YYYYMMDD (or a date column), OREC 0-3, LTIMCAID and NEMCAID 0/1
  (blank = 0);
- diagnoses ``ID, ICD10`` (dots optional).

Output: one row per person, in input order: ``ID``, the HCC flags of the scoring model
(after hierarchies), CMS's raw score columns ``SCORE_COMMUNITY_NA`` ... ``SCORE_SNP_NEW_ENROLLEE``,
and for each of them ``<column>_NORMALIZED`` (that model's raw score / its normalization
factor) and ``<column>_PAYMENT`` (the payment year's blend of normalized scores, with the
MA coding-pattern adjustment only if asked for). Rounding follows CMS's order (spec file).

Inputs are validated and turned into arrays here; the scoring itself is whole-column
NumPy/Arrow work in apmlab.risk.kernel, with no per-person Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from apmlab.risk import kernel, spec
from apmlab.risk.spec import PaymentYear

PERSON_COLUMNS = ("ID", "DOB", "SEX", "OREC", "LTIMCAID", "NEMCAID")
DIAGNOSIS_COLUMNS = ("ID", "ICD10")
SCORE_COLUMNS = {  # stage column -> CMS software column
    "score_community_na": "SCORE_COMMUNITY_NA",
    "score_community_nd": "SCORE_COMMUNITY_ND",
    "score_community_fba": "SCORE_COMMUNITY_FBA",
    "score_community_fbd": "SCORE_COMMUNITY_FBD",
    "score_community_pba": "SCORE_COMMUNITY_PBA",
    "score_community_pbd": "SCORE_COMMUNITY_PBD",
    "score_institutional": "SCORE_INSTITUTIONAL",
    "score_new_enrollee": "SCORE_NEW_ENROLLEE",
    "score_snp_new_enrollee": "SCORE_SNP_NEW_ENROLLEE",
}
_MAX_ERRORS = 5
_EPOCH_1900 = (np.datetime64("1900-01-01") - np.datetime64("1970-01-01")).astype(int)


class InputError(ValueError):
    """A malformed input row; the message names the file and row(s)."""


@dataclass(frozen=True)
class RiskScores:
    table: pa.Table
    payment_year: int
    models: tuple[str, ...]
    principal_model: str
    diagnoses: int
    unmapped_diagnoses: int  # rows whose code (or blank) is not in the principal model's map

    def to_pandas(self):
        return self.table.to_pandas()


def score(
    persons: Any,
    diagnoses: Any,
    payment_year: int,
    model: str | None = None,
    *,
    ma_coding_adjustment: bool = False,
    con: duckdb.DuckDBPyConnection | None = None,
    labels: tuple[str, str] = ("persons", "diagnoses"),
    header_lines: int = 0,
    age_year: int | None = None,
    threads: int | None = None,
) -> RiskScores:
    """Score ``persons``/``diagnoses`` (Arrow tables, pandas frames, DuckDB relations or
    table names on ``con``) for a payment year.

    ``model`` (``"V24"``/``"V28"``) scores that model alone; without it the year's
    principal model fills the raw columns and the year's blend the payment columns.
    ``labels`` and ``header_lines`` only shape error messages (file names; 1 for CSV files
    so that row numbers are file line numbers). ``age_year`` takes ages on February 1 of
    another year than the payment year (the pipeline scores years outside the shipped
    tables with the nearest year's tables). ``threads`` caps the threads of the scoring
    (default: APMLAB_THREADS, else every core); the scores do not depend on it.
    """
    threads = threads or kernel.threads_default()
    year = spec.payment_year(payment_year)
    if model is not None:
        year = year.only(model)
    models = {m: kernel.tables(m, year.year) for m in year.blend}
    where = _Where(labels, header_lines)
    person_table = _arrow(persons, PERSON_COLUMNS, labels[0], con)
    diagnosis_table = _arrow(diagnoses, DIAGNOSIS_COLUMNS, labels[1], con)
    ids = _text(person_table.column("ID"))

    def diagnosis_side() -> tuple[tuple[np.ndarray, np.ndarray | None], pa.Array]:
        runs = _group_diagnoses(ids, _text(diagnosis_table.column("ID")), where, threads)
        return runs, _text(diagnosis_table.column("ICD10")).fill_null("")

    # the two files are read concurrently; an error in the persons file still comes first
    people, ((run_start, run_person), codes) = kernel.parallel(lambda side: side(), [
        lambda: _persons(person_table, ids, age_year or year.year, where), diagnosis_side,
    ], threads)
    people = replace(people, run_start=run_start, run_person=run_person)
    scored = {m: kernel.score(t, people, codes, threads) for m, t in models.items()}
    table = _assemble(ids, year, models[year.principal_model].hccs, scored,
                      ma_coding_adjustment, threads)
    return RiskScores(table, year.year, tuple(year.blend), year.principal_model,
                      len(codes), scored[year.principal_model].unmapped)


def _arrow(obj: Any, columns: tuple[str, ...], label: str, con) -> pa.Table:
    """``obj`` as an Arrow table holding ``columns``."""
    if isinstance(obj, str):
        if con is None:
            raise ValueError(f"{label}: a table name needs a connection (con=...)")
        obj = con.table(obj)
    if isinstance(obj, duckdb.DuckDBPyRelation):
        obj = obj.select(*[duckdb.ColumnExpression(c) for c in columns
                           if c in obj.columns]).to_arrow_table()
    elif not isinstance(obj, pa.Table):
        obj = pa.Table.from_pandas(obj, preserve_index=False)
    missing = [c for c in columns if c not in obj.column_names]
    if missing:
        raise InputError(f"{label}: missing column(s) {', '.join(missing)} "
                         f"(expected {', '.join(columns)})")
    return obj


def _text(column: pa.ChunkedArray) -> pa.Array:
    column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    return column if column.type == pa.string() else pc.cast(column, pa.string())


class _Where:
    """Row numbers of error messages: 1-based rows, or file lines after a header."""

    def __init__(self, labels: tuple[str, str], header_lines: int):
        self.labels, self.offset = labels, header_lines
        self.unit = "line" if header_lines else "row"

    def raise_for(self, which: int, rows: np.ndarray, reasons: list[str]) -> None:
        """rows: 0-based row indexes, in order; reasons: one per row."""
        parts = [f"{self.labels[which]} {self.unit} {r + 1 + self.offset}: {why}"
                 for r, why in zip(rows[:_MAX_ERRORS], reasons[:_MAX_ERRORS], strict=False)]
        raise InputError("; ".join(parts))

    def line(self, row: int) -> str:
        return f"{self.unit} {row + 1 + self.offset}"


def _small_int(column: pa.ChunkedArray, allowed: range, blank: int | None) -> np.ndarray:
    """Integer codes of a 0-9 flag column; -1 where the value is not one of ``allowed``.
    Text is trimmed; a blank or missing value is ``blank`` (None: invalid)."""
    array = column.combine_chunks()
    if pa.types.is_integer(array.type):
        values = array.fill_null(-1 if blank is None else blank).to_numpy().astype(np.int64)
    else:
        text = pc.utf8_trim_whitespace(_text(column))
        if blank is not None:
            text = pc.if_else(pc.equal(text, ""), str(blank), text)
        known = pa.array([str(v) for v in allowed])
        values = pc.index_in(text, value_set=known).fill_null(-1).to_numpy().astype(np.int64)
        values = np.where(values >= 0, values + allowed.start, -1)
    return np.where((values >= allowed.start) & (values < allowed.stop), values, -1)


def _dates(column: pa.ChunkedArray) -> np.ndarray:
    """Days since 1970-01-01 (int64; a large negative number where not a date)."""
    array = column.combine_chunks()
    if pa.types.is_timestamp(array.type) or pa.types.is_date64(array.type):
        array = pc.cast(array, pa.date32())
    if not pa.types.is_date32(array.type):
        text = pc.utf8_trim_whitespace(_text(column))
        parsed = [pc.strptime(text, format=f, unit="s", error_is_null=True)
                  for f in ("%Y-%m-%d", "%Y%m%d")]
        array = pc.cast(pc.coalesce(*parsed), pa.date32())
    return array.cast(pa.int32()).fill_null(-(10**9)).to_numpy().astype(np.int64)


def _persons(table: pa.Table, ids: pa.Array, age_year: int, where: _Where) -> kernel.Persons:
    """Validate the persons (first failing check per row, as CMS's layout requires) and
    compute each one's age on February 1 of ``age_year`` and demographic cell."""
    n = table.num_rows
    dob = _dates(table.column("DOB"))
    feb1 = (np.datetime64(f"{age_year}-02-01") - np.datetime64("1970-01-01")).astype(int)
    sex = _small_int(table.column("SEX"), range(1, 3), None)
    orec = _small_int(table.column("OREC"), range(0, 4), None)
    ltimcaid = _small_int(table.column("LTIMCAID"), range(0, 2), 0)
    nemcaid = _small_int(table.column("NEMCAID"), range(0, 2), 0)
    empty = pc.or_kleene(pc.equal(pc.utf8_length(ids), 0), pc.ascii_is_space(ids))
    empty = empty.fill_null(True).to_numpy(zero_copy_only=False)
    checks = [
        (empty, "ID is empty"),
        (dob < -(10**8), "DOB is not a date (YYYY-MM-DD or YYYYMMDD)"),
        (dob > feb1, "DOB is after February 1 of the payment year"),
        (dob < _EPOCH_1900, "DOB is before 1900"),
        (sex < 0, "SEX is not 1 (male) or 2 (female)"),
        (orec < 0, "OREC is not 0, 1, 2 or 3"),
        (ltimcaid < 0, "LTIMCAID is not 0 or 1"),
        (nemcaid < 0, "NEMCAID is not 0 or 1"),
    ]
    bad = np.zeros(n, dtype=bool)
    for failed, _ in checks:
        bad |= failed
    if bad.any():
        rows = np.flatnonzero(bad)[:_MAX_ERRORS]
        reasons = [next(why for failed, why in checks if failed[r]) for r in rows]
        where.raise_for(0, rows, reasons)
    if _may_repeat(ids) and len(pc.unique(ids)) < n:
        index = pc.dictionary_encode(ids).indices.to_numpy()
        _, first = np.unique(index, return_index=True)
        rows = np.flatnonzero(first[index] != np.arange(n))
        where.raise_for(0, rows, [f"ID repeats the ID of {where.line(first[index[r]])}"
                                  for r in rows[:_MAX_ERRORS]])
    # age on February 1 by day of birth: a table over the days from 1900 to February 1
    days = np.arange(_EPOCH_1900, feb1 + 1).astype("datetime64[D]")
    years = days.astype("datetime64[Y]")
    after_feb1 = (days - years.astype("datetime64[D]")).astype(int) > 31
    age_of_day = age_year - (years.astype(int) + 1970) - after_feb1
    age = age_of_day[dob - _EPOCH_1900]
    return kernel.Persons(n=n, age=age, sex=sex,
                          demo_key=kernel.demographic_key(age, sex, orec, ltimcaid, nemcaid),
                          run_start=np.zeros(0, dtype=np.intp), run_person=None)


def _may_repeat(strings: pa.Array) -> bool:
    """False when no two strings are equal, proved by 64-bit hashes of their bytes, read
    eight at a time, having no repeat once sorted (several times faster on a million IDs
    than Arrow's hash table); True when some hashes repeat (equal strings, or rarely a
    collision: the caller then compares the strings themselves)."""
    if len(strings) < 2:
        return False
    offsets = np.frombuffer(strings.buffers()[1], np.int32)[
        strings.offset:strings.offset + len(strings) + 1]
    data = np.frombuffer(strings.buffers()[2], np.uint8)[: offsets[-1]]
    padded = np.concatenate([data, np.zeros(8, np.uint8)])
    eight = np.ndarray(len(padded) - 7, np.uint64, padded, strides=(1,))  # bytes i..i+7
    keep = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)  # low k bytes
    length = np.diff(offsets)
    start = offsets[:-1]
    hashes = length.astype(np.uint64)
    for k in range(0, int(length.max()), 8):
        word = eight[np.minimum(start + k, len(eight) - 1)] & keep[np.clip(length - k, 0, 8)]
        hashes = (hashes * np.uint64(0x9E3779B97F4A7C15)) ^ word
    hashes.sort()
    return bool((hashes[1:] == hashes[:-1]).any())


def _group_diagnoses(ids: pa.Array, dx_ids: pa.Array, where: _Where,
                     threads: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Runs of consecutive diagnosis rows with one ID: the first row of each run, and the
    person of each run (None: run i is person i). When the runs follow the persons file
    one to one (both sorted alike, as CMS's software requires), no lookup is needed;
    otherwise the runs' IDs are looked up."""
    m = len(dx_ids)
    if m == 0:
        return np.zeros(0, dtype=np.intp), None
    if dx_ids.null_count:
        rows = np.flatnonzero(dx_ids.is_null().to_numpy(zero_copy_only=False))
        where.raise_for(1, rows, ["ID is not in the persons file"] * len(rows))

    def changes(row: int) -> np.ndarray:
        """Rows from ``row`` on (a slice) whose ID differs from the row before."""
        size = min(kernel.CHUNK_ROWS, m - row)
        change = pc.not_equal(dx_ids.slice(row, size), dx_ids.slice(row - 1, size))
        return pc.indices_nonzero(change).to_numpy().astype(np.intp) + row

    start = np.concatenate([[0], *kernel.parallel(changes, range(1, m, kernel.CHUNK_ROWS),
                                                  threads)])
    heads = dx_ids.take(start)
    if len(heads) == len(ids) and pc.all(pc.equal(heads, ids)).as_py():
        run_person = None
    else:
        found = pc.index_in(heads, value_set=ids)
        if found.null_count:
            runs = np.flatnonzero(found.is_null().to_numpy(zero_copy_only=False))
            ends = np.append(start[1:], m)
            rows = np.concatenate([np.arange(start[r], ends[r]) for r in runs[:_MAX_ERRORS]])
            where.raise_for(1, rows, ["ID is not in the persons file"] * len(rows))
        run_person = found.to_numpy().astype(np.intp)
    return start.astype(np.intp), run_person


def _round_half_up(numerator: np.ndarray, denominator: int) -> np.ndarray:
    """numerator / denominator rounded half up, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def _assemble(ids: pa.Array, year: PaymentYear, hccs: tuple[int, ...],
              scored: dict[str, kernel.Scored], ma_adjust: bool, threads: int) -> pa.Table:
    """Output columns. Scores are exact thousandths; CMS's order (spec file): each model's
    raw score / its normalization factor rounded, the blend of those rounded, then the MA
    coding-pattern adjustment rounded; every rounding half up in decimal, as SAS ROUND."""
    scale = 10 ** year.rounding_decimals

    def thousandths(value: float, what: str) -> int:
        milli = round(value * 1000)
        if abs(milli - value * 1000) > 1e-6:
            raise ValueError(f"payment year {year.year}: {what} {value} has more than "
                             "3 decimals")
        return milli

    factor = {m: thousandths(year.normalization[m], f"{m} normalization factor")
              for m in scored}
    weight = {m: thousandths(w, f"{m} blend weight") for m, w in year.blend.items()}
    ma = thousandths(year.ma_coding_adjustment, "MA coding adjustment") if ma_adjust else 0
    # one exact division per distinct raw score: tables over 0..the largest raw score
    table = {m: _round_half_up(np.arange(int(s.thousandths.max(initial=0)) + 1) * scale,
                               factor[m])
             for m, s in scored.items()}
    principal = scored[year.principal_model]
    normalized_of = table[year.principal_model] / scale

    def segment(i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Raw, normalized and payment score of segment i (the segments run in parallel)."""
        normalized = np.take(normalized_of, principal.thousandths[i])
        if len(weight) == 1 and not ma:  # one model at full weight: the blend is normalized
            payment = normalized
        else:
            norm = {m: np.take(table[m], s.thousandths[i]) for m, s in scored.items()}
            blend = _round_half_up(sum(weight[m] * norm[m] for m in weight), 1000)
            payment = _round_half_up(blend * (1000 - ma), 1000) / scale
        return principal.thousandths[i] / 1000, normalized, payment

    per_segment = kernel.parallel(segment, range(len(SCORE_COLUMNS)), threads)
    columns: dict[str, pa.Array] = {"ID": ids}
    for cc, flag in zip(hccs, principal.hcc_flags, strict=True):
        columns[f"HCC{cc}"] = pa.array(flag)
    for k, suffix in enumerate(("", "_NORMALIZED", "_PAYMENT")):
        for out, values in zip(SCORE_COLUMNS.values(), per_segment, strict=True):
            columns[out + suffix] = pa.array(values[k])
    return pa.table(columns)
