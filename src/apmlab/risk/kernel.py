"""CMS-HCC scoring as whole-column NumPy/Arrow operations on per-person bit masks.

The steps of CMS's software (V24/V28 main macros; methodology.md §1), for all persons at
once, with no per-person Python loop:

1. ICD-10 code -> condition categories: one hash lookup of every diagnosis row in the
   year's map (``pyarrow.compute.index_in``); each map entry carries the bit mask of its
   CCs, so a row becomes a 128-bit mask (two uint64 words). Age/sex and MCE edits
   (V24I0ED3/V28I0ED3) void or move the CC of the few rows whose code has an edit.
2. A person's CCs: the OR of their rows' masks (``bitwise_or.reduceat`` over runs of rows
   of one person).
3. Hierarchies (V24H86H1/V28115H1): a CC is dropped when a CC ranked above it is present;
   before that, V28 HCC 223 is dropped without a heart-failure HCC (refdata requires.csv).
   The union of the CCs each present CC drops is read from tables indexed by 16 bits of
   the mask at a time.
4. Interactions: groups of HCCs (and DISABL) present, ANDed in pairs, on one boolean
   column per HCC.
5. Scores: every coefficient is an exact number of thousandths (CMS publishes 3 decimals),
   so a segment's score is an integer sum. The nine segments are packed three to a uint64
   word (21 bits each, far above any reachable sum; checked when the tables are built), so
   the sum over a person's set bits is 3 table lookups per 16 bits of mask, plus one
   lookup each for the interactions, the count of HCCs (D1..D10P) and the demographic
   cell (age, sex, OREC, LTIMCAID, NEMCAID), which carries the age/sex, new-enrollee,
   originally-disabled and LTIMCAID terms.

Integer thousandths make raw scores exact and the normalization, blend and MA
coding-pattern roundings exact decimal arithmetic (CMS rounds half up in decimal).

Steps 1-2 take the diagnosis rows in slices, steps 3-5 the persons in blocks; slices and
blocks are independent and run on a thread pool (NumPy and Arrow release the GIL), so a
run uses every core and its result does not depend on the number of threads.
"""

from __future__ import annotations

import os
import re
import sys
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from threading import Lock

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from apmlab.risk import refdata

SEGMENTS = refdata.SEGMENTS
LANE_BITS = 21  # three segments per uint64 word
LANES = 3
WORDS = -(-len(SEGMENTS) // LANES)
CHUNK = 16  # bits of the mask per lookup table
MAX_AGE = 200  # the age bands' last age; DOBs are checked to be after 1900
CHUNK_ROWS = 1 << 20  # diagnosis rows handled at a time
PERSON_BLOCK = 1 << 17  # persons scored at a time
THREADS_VARIABLE = "APMLAB_THREADS"
_HCC = re.compile(r"HCC(\d+)")
# A 128-bit mask as one 16-byte item: np.take moves it ten times faster than a row of two
# uint64 (fancy row indexing); .view(np.uint64).reshape(-1, 2) gives the two words back.
_PAIR = np.dtype((np.void, 16))

if sys.byteorder != "little":  # the 16-bit chunks are read from the words' memory
    raise ImportError("apmlab.risk.kernel assumes a little-endian machine")


def _milli(value: str) -> int:
    thousandths = round(float(value) * 1000)
    if abs(thousandths - float(value) * 1000) > 1e-6:
        raise refdata.ReferenceError(f"coefficient {value} has more than 3 decimals")
    return thousandths


def _pack(per_segment: dict[str, int]) -> int:
    """Segment -> thousandths, as one integer of 21-bit lanes (segment i in lane i)."""
    return sum(per_segment.get(seg, 0) << (LANE_BITS * i) for i, seg in enumerate(SEGMENTS))


def _words(packed: list[int]) -> np.ndarray:
    """Packed integers -> (len, WORDS) uint64: three lanes per word."""
    lanes = LANE_BITS * LANES
    return np.array([[(p >> (lanes * j)) & ((1 << lanes) - 1) for j in range(WORDS)]
                     for p in packed], dtype=np.uint64).reshape(-1, WORDS)


def _chunk_tables(values: np.ndarray, combine) -> list[np.ndarray]:
    """For each 16-bit chunk of a bit mask, a table (65536 x k) of ``combine`` over the
    rows of ``values`` (one row per bit) whose bits are set in the chunk's value."""
    chunks = -(-len(values) // CHUNK)
    padded = np.zeros((chunks * CHUNK, values.shape[1]), dtype=values.dtype)
    padded[: len(values)] = values
    index = np.arange(1 << CHUNK, dtype=np.uint32)
    tables = []
    for k in range(chunks):
        table = np.zeros((1 << CHUNK, values.shape[1]), dtype=values.dtype)
        for b in range(CHUNK):
            row = padded[k * CHUNK + b]
            if row.any():
                on = ((index >> b) & 1).astype(bool)
                table[on] = combine(table[on], row)
        tables.append(table)
    return tables


@dataclass(frozen=True)
class ModelTables:
    """One model and payment year, compiled from the tidy refdata files."""

    model: str
    year: int
    hccs: tuple[int, ...]  # CC number of each bit position
    codes: pa.Array  # map codes as written and with a dot; codes with an edit last
    code_words: np.ndarray  # CC mask (_PAIR) per entry; the last (entry -1): not mapped
    first_edited: int  # entries from here on have an edit
    entry_edit: np.ndarray  # index into the edit arrays of entry first_edited + i
    edit_kind_sex: np.ndarray  # bool: sex edit (else age)
    edit_sex: np.ndarray
    edit_age_at_least: np.ndarray
    edit_age_at_most: np.ndarray
    edit_words: np.ndarray  # the CC mask (_PAIR) when it fires; zero = code voided
    requires: tuple[tuple[int, np.ndarray], ...]  # (bit, mask of companions)
    drop_tables: tuple[tuple[int, np.ndarray], ...]  # (16-bit chunk, CCs dropped (_PAIR)),
    # for the chunks holding a CC that drops others
    groups: dict[str, tuple[int, ...]]  # group -> bit positions (DISABL: demographic)
    interactions: tuple[tuple[str, str], ...]  # (left term, right term), in bit order
    hcc_score: tuple[np.ndarray, ...]  # per 16-bit chunk: (WORDS, 65536) packed sums
    interaction_score: tuple[np.ndarray, ...]
    count_score: np.ndarray  # (WORDS, len(hccs) + 1): D1..D10P by number of HCCs
    demo_score: np.ndarray  # (WORDS, demographic keys)
    demo_disabl: np.ndarray  # bool per demographic key


def demographic_key(age, sex, orec, ltimcaid, nemcaid):
    """Index of a person's demographic cell (age 0-200, SEX 1/2, OREC 0-3, 0/1, 0/1)."""
    return (((age * 2 + (sex - 1)) * 4 + orec) * 2 + ltimcaid) * 2 + nemcaid


@cache
def tables(model: str, year: int) -> ModelTables:
    refdata.require(model, year)
    refdata.check(model, year)
    folder = refdata.ROOT / model / f"PY{year}"
    rows = refdata._rows
    coef: dict[str, dict[str, int]] = {}
    for r in rows(folder / "coefficients.csv"):
        coef.setdefault(r["variable"], {})[r["segment"]] = _milli(r["coefficient"])
    hccs = tuple(sorted(int(m.group(1)) for v in coef if (m := _HCC.fullmatch(v))))
    pos = {cc: i for i, cc in enumerate(hccs)}
    if len(hccs) > 128:
        raise refdata.ReferenceError(f"{model}: more than 128 HCCs")

    def words_of(ccs) -> np.ndarray:
        w = np.zeros(2, dtype=np.uint64)
        for cc in ccs:
            w[pos[cc] // 64] |= np.uint64(1 << (pos[cc] % 64))
        return w

    ccs_of: dict[str, list[int]] = {}
    for r in rows(folder / "dx_to_cc.csv"):
        ccs_of.setdefault(r["icd10"], []).append(int(r["cc"]))
    edits = list(rows(folder / "edits.csv"))
    edit_of = {r["icd10"]: i for i, r in enumerate(edits)}

    def forms(codes: list[str]) -> list[tuple[str, str]]:
        """(entry, code): each code as CMS writes it, then with a dot after 3 characters."""
        return [(c, c) for c in codes] + [(f"{c[:3]}.{c[3:]}", c) for c in codes if len(c) > 3]

    plain = forms(sorted(c for c in ccs_of if c not in edit_of))
    edited = forms(sorted(c for c in ccs_of if c in edit_of))
    entries = [e for e, _ in plain + edited]
    code_words = np.zeros((len(entries) + 1, 2), dtype=np.uint64)  # last: entry -1
    for i, (_, code) in enumerate(plain + edited):
        code_words[i] = words_of(ccs_of[code])
    edit_words = np.array([words_of([int(r["cc_override"])]) if r["action"] == "override"
                           else np.zeros(2, dtype=np.uint64) for r in edits],
                          dtype=np.uint64).reshape(-1, 2)

    def number(r, key, default):
        return int(r[key]) if r[key] else default

    requires: dict[int, list[int]] = {}
    for r in rows(refdata.ROOT / model / "requires.csv"):
        requires.setdefault(int(r["cc"]), []).append(int(r["required_cc"]))
    children = np.zeros((len(hccs), 2), dtype=np.uint64)
    for r in rows(folder / "hierarchy.csv"):
        children[pos[int(r["parent"])]] |= words_of([int(r["child"])])

    groups: dict[str, list[int]] = {}
    for r in rows(refdata.ROOT / model / "groups.csv"):
        groups.setdefault(r["grp"], []).append(pos[int(r["cc"])])
    inter = list(rows(refdata.ROOT / model / "interactions.csv"))

    def packed(variables) -> np.ndarray:
        return _words([_pack(coef.get(v, {})) for v in variables])

    counts = [""] + [f"D{i}" if i < 10 else "D10P" for i in range(1, len(hccs) + 1)]
    count_score = packed(counts)
    demo_score, demo_disabl = _demographics(coef)
    made = ModelTables(
        model=model, year=year, hccs=hccs,
        codes=pa.array(entries, pa.string()), code_words=code_words.view(_PAIR).ravel(),
        first_edited=len(plain),
        entry_edit=np.array([edit_of[code] for _, code in edited], dtype=np.intp),
        edit_kind_sex=np.array([r["kind"] == "sex" for r in edits], dtype=bool),
        edit_sex=np.array([number(r, "sex", 0) for r in edits], dtype=np.int64),
        edit_age_at_least=np.array([number(r, "fires_if_age_at_least", 10**6) for r in edits],
                                   dtype=np.int64),
        edit_age_at_most=np.array([number(r, "fires_if_age_at_most", -1) for r in edits],
                                  dtype=np.int64),
        edit_words=edit_words.view(_PAIR).ravel(),
        requires=tuple((pos[cc], words_of(need)) for cc, need in requires.items()),
        drop_tables=tuple((k, t.view(_PAIR).ravel())
                          for k, t in enumerate(_chunk_tables(children, np.bitwise_or))
                          if t.any()),
        groups={g: tuple(p) for g, p in groups.items()},
        interactions=tuple((r["left_term"], r["right_term"]) for r in inter),
        hcc_score=_by_word(_chunk_tables(packed(f"HCC{cc}" for cc in hccs), np.add)),
        interaction_score=_by_word(_chunk_tables(packed(r["variable"] for r in inter), np.add)),
        count_score=np.ascontiguousarray(count_score.T),
        demo_score=np.ascontiguousarray(demo_score.T), demo_disabl=demo_disabl,
    )
    _check_lanes(made)
    return made


def _demographics(coef: dict[str, dict[str, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Packed demographic terms and DISABL for every demographic key (06 of CMS's main
    macro): the age/sex cell, the new-enrollee cell (age 64 with OREC 0 counts as 65, as
    in CMS's software), OriginallyDisabled_Female/Male and ORIGDS (OREC 1, not disabled),
    LTIMCAID. DISABL = age < 65 and OREC <> 0."""
    band = {kind: {} for kind in ("cell", "new_enrollee")}
    for r in refdata._rows(refdata.ROOT / "age_bands.csv"):
        for age in range(int(r["min_age"]), min(int(r["max_age"]), MAX_AGE) + 1):
            band[r["kind"]][age] = r["band"]
    size = demographic_key(MAX_AGE, 2, 3, 1, 1) + 1
    packed = defaultdict(int, {name: _pack(c) for name, c in coef.items()})
    score = [0] * size
    disabl = np.zeros(size, dtype=bool)
    for age in range(MAX_AGE + 1):
        for sex in (1, 2):
            for orec in range(4):
                for ltimcaid in (0, 1):
                    for nemcaid in (0, 1):
                        key = demographic_key(age, sex, orec, ltimcaid, nemcaid)
                        disabl[key] = age < 65 and orec != 0
                        origds = orec == 1 and not disabl[key]
                        fm = "F" if sex == 2 else "M"
                        names = [f"{fm}{band['cell'].get(age)}"]
                        ne_age = 65 if age == 64 and orec == 0 else age
                        names.append(
                            ("MCAID" if nemcaid else "NMCAID")
                            + ("_ORIGDIS_NE" if orec == 1 and age >= 65 else "_NORIGDIS_NE")
                            + fm + str(band["new_enrollee"].get(ne_age)))
                        if origds:
                            names += ["ORIGDS", "OriginallyDisabled_"
                                      + ("Female" if sex == 2 else "Male")]
                        if ltimcaid:
                            names.append("LTIMCAID")
                        for name in names:
                            score[key] += packed[name]
    return _words(score), disabl


def _by_word(tables: list[np.ndarray]) -> tuple[np.ndarray, ...]:
    return tuple(np.ascontiguousarray(t.T) for t in tables)


def _check_lanes(t: ModelTables) -> None:
    """Every reachable segment sum fits its 21-bit lane (bound: everything at once)."""
    total = np.zeros(len(SEGMENTS), dtype=np.int64)
    for table in (*t.hcc_score, *t.interaction_score, t.count_score, t.demo_score):
        total += np.stack(_unpack(list(table))).max(axis=1)
    if total.max() >= 1 << LANE_BITS:
        raise refdata.ReferenceError(f"{t.model} PY{t.year}: coefficients too large to pack")


def _unpack(words: list[np.ndarray]) -> list[np.ndarray]:
    """WORDS arrays of packed sums -> one array of thousandths (int64) per segment."""
    mask = np.uint64((1 << LANE_BITS) - 1)
    return [((words[i // LANES] >> np.uint64(LANE_BITS * (i % LANES))) & mask).view(np.int64)
            for i in range(len(SEGMENTS))]


@dataclass(frozen=True)
class Persons:
    """The persons of a scoring run, with diagnoses grouped into runs of rows."""

    n: int
    age: np.ndarray
    sex: np.ndarray
    demo_key: np.ndarray
    run_start: np.ndarray  # first diagnosis row of each run of rows of one person
    run_person: np.ndarray | None  # person of each run; None: run i is person i


@dataclass(frozen=True)
class Scored:
    hcc_flags: np.ndarray  # (HCCs, persons) int8: a flag row per HCC (tables.hccs order)
    thousandths: np.ndarray  # (segments, persons) int64: raw score of each segment
    unmapped: int


def threads_default() -> int:
    """Threads of a scoring run: APMLAB_THREADS if set, else every core."""
    return int(os.environ.get(THREADS_VARIABLE) or os.cpu_count() or 1)


def parallel(work, items, threads: int) -> list:
    """``work`` over ``items`` on up to ``threads`` threads, results in order. The work is
    whole-array NumPy/Arrow calls, which release the GIL, so the threads run on all cores."""
    items = list(items)
    if threads <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(min(threads, len(items))) as pool:
        return list(pool.map(work, items))


def score(t: ModelTables, persons: Persons, codes: pa.Array, threads: int = 1) -> Scored:
    """Raw scores of every segment for every person (see the module docstring): the
    diagnosis rows in slices, then the persons in blocks, each on ``threads`` threads.
    Slices and blocks are independent, so the result does not depend on ``threads``."""
    n = persons.n
    words, unmapped = _masks(t, persons, codes, threads)
    flags = np.empty((len(t.hccs), n), dtype=np.int8)
    thousandths = np.empty((len(SEGMENTS), n), dtype=np.int64)

    def block(p0: int) -> None:
        p1 = min(p0 + PERSON_BLOCK, n)
        _score_block(t, words[p0:p1], persons.demo_key[p0:p1], flags[:, p0:p1],
                     thousandths[:, p0:p1])

    parallel(block, range(0, n, PERSON_BLOCK), threads)
    return Scored(flags, thousandths, unmapped)


def _masks(t: ModelTables, persons: Persons, codes: pa.Array,
           threads: int) -> tuple[np.ndarray, int]:
    """Each person's CC mask (n, 2) before hierarchies, the OR of their rows' masks, and
    the number of rows not in the map. Rows are taken in slices of whole runs of about
    CHUNK_ROWS rows: the row-level temporaries stay small, and slices run in parallel."""
    words = np.zeros((persons.n, 2), dtype=np.uint64)
    runs = len(persons.run_start)
    firsts = np.unique(np.searchsorted(persons.run_start, np.arange(0, len(codes), CHUNK_ROWS)))
    bounds = [*firsts[firsts < runs], runs]
    merge = Lock()

    def rows(first_last: tuple[int, int]) -> int:
        first, last = first_last
        row0 = persons.run_start[first]
        row1 = persons.run_start[last] if last < runs else len(codes)
        starts = persons.run_start[first:last] - row0
        owner = None if persons.run_person is None else persons.run_person[first:last]
        per_run, missing = _runs(t, persons, codes.slice(row0, row1 - row0), starts,
                                 np.arange(first, last) if owner is None else owner)
        if owner is None:  # run i is person i: slices write disjoint rows
            words[first:last] = per_run
        else:  # a person's runs may lie in several slices
            with merge:
                for j in range(2):
                    np.bitwise_or.at(words[:, j], owner, per_run[:, j])
        return missing

    unmapped = sum(parallel(rows, zip(bounds[:-1], bounds[1:], strict=True), threads))
    return words, unmapped


def _score_block(t: ModelTables, words: np.ndarray, demo_key: np.ndarray,
                 flags: np.ndarray, thousandths: np.ndarray) -> None:
    """For a block of persons (views of the run's arrays): hierarchies on ``words`` in
    place, then their HCC flags and raw scores written into ``flags`` and ``thousandths``.
    A block of PERSON_BLOCK persons keeps its temporaries in cache."""
    n = len(words)
    _hierarchies(t, words)
    interactions = _flags_and_interactions(t, words, t.demo_disabl[demo_key], flags)
    count = np.bitwise_count(words[:, 0]) + np.bitwise_count(words[:, 1])
    total = [np.take(t.demo_score[j], demo_key) for j in range(WORDS)]
    for j in range(WORDS):
        total[j] += np.take(t.count_score[j], count)
    for tables_, key in ((t.hcc_score, words), (t.interaction_score, interactions)):
        chunks = key.view(np.uint16).reshape(n, -1)
        for k, table in enumerate(tables_):
            for j in range(WORDS):
                total[j] += np.take(table[j], chunks[:, k])
    for i, segment in enumerate(_unpack(total)):
        thousandths[i] = segment


def _runs(t: ModelTables, persons: Persons, codes: pa.Array, starts: np.ndarray,
          owner: np.ndarray) -> tuple[np.ndarray, int]:
    """The CC mask (n_runs, 2) of each run of rows (starting at ``starts``, person
    ``owner``) after the age/sex and MCE edits, and the number of rows not in the map."""
    entry, unmapped = _lookup(t, codes)
    row_words = np.take(t.code_words, entry)
    edited = np.flatnonzero(entry >= t.first_edited)
    if len(edited):
        who = owner[np.searchsorted(starts, edited, side="right") - 1]
        e = t.entry_edit[entry[edited] - t.first_edited]
        fires = np.where(t.edit_kind_sex[e], persons.sex[who] == t.edit_sex[e],
                         (persons.age[who] >= t.edit_age_at_least[e])
                         | (persons.age[who] <= t.edit_age_at_most[e]))
        row_words[edited[fires]] = t.edit_words[e[fires]]
    return np.bitwise_or.reduceat(row_words.view(np.uint64).reshape(-1, 2), starts,
                                  axis=0), unmapped


def _lookup(t: ModelTables, codes: pa.Array) -> tuple[np.ndarray, int]:
    """Map entry of every diagnosis row (-1: not in the map) and the number of
    rows not in the map. Codes as written are looked up first; only rows not found are
    cleaned (upper case, no blanks or dots) and looked up again."""
    found = pc.index_in(codes, value_set=t.codes)
    missing = found.null_count
    if missing:
        rows = np.flatnonzero(found.is_null().to_numpy(zero_copy_only=False))
        cleaned = pc.utf8_upper(pc.replace_substring(
            pc.utf8_trim_whitespace(codes.take(rows)), ".", ""))
        again = pc.index_in(cleaned, value_set=t.codes)
        entry = found.fill_null(-1).to_numpy().astype(np.intp)
        entry[rows] = again.fill_null(-1).to_numpy()
        return entry, again.null_count
    return found.to_numpy().astype(np.intp), 0


def _hierarchies(t: ModelTables, words: np.ndarray) -> None:
    """In place: drop CCs lacking a required companion, then CCs ranked below one present."""
    for bit, need in t.requires:
        word, shift = bit // 64, np.uint64(bit % 64)
        lacking = ((words[:, 0] & need[0]) | (words[:, 1] & need[1])) == 0
        lacking &= ((words[:, word] >> shift) & np.uint64(1)) == 1
        words[lacking, word] &= ~np.uint64(1 << (bit % 64))
    chunks = words.view(np.uint16).reshape(len(words), -1)
    dropped = np.zeros_like(words)
    for k, table in t.drop_tables:
        dropped |= np.take(table, chunks[:, k]).view(np.uint64).reshape(-1, 2)
    words &= ~dropped


def _flags_and_interactions(t: ModelTables, words: np.ndarray, disabl: np.ndarray,
                            flags: np.ndarray) -> np.ndarray:
    """The int8 flag of each HCC, written into ``flags`` (a row per HCC), and the
    interaction bits per person (uint16 words: the score tables take 16 bits at a time)."""
    planes = np.ascontiguousarray(words.view(np.uint8).T)  # (16, n): byte k of every mask
    for p in range(len(t.hccs)):
        np.bitwise_and(planes[p // 8] >> (p % 8), 1, out=flags[p].view(np.uint8))
    present = {g: np.logical_or.reduce(flags[list(bits)])
               for g, bits in t.groups.items()}
    present["DISABL"] = disabl
    key = np.zeros((len(words), len(t.interaction_score)), dtype=np.uint16)
    for i, (left, right) in enumerate(t.interactions):
        key[:, i // CHUNK] |= np.left_shift(present[left] & present[right], i % CHUNK,
                                            dtype=np.uint16)
    return key
