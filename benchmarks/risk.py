"""Benchmark: CMS-HCC V28, payment year 2026, apmlab vs hccinfhir on the same people.

Scores 1,000,000 synthetic beneficiaries with 8 diagnoses each (codes drawn from the PY2026
V28 map; segments drawn over all nine) with ``apmlab.risk.score`` (all nine SCORE_ columns
per person, as CMS's software writes them), then scores 20,000 of the same people with
hccinfhir (one call per person, in the person's drawn segment). Prints both throughputs,
their ratio, the largest score difference on the shared people and the peak memory
(process maximum resident set, which includes the generated input tables). apmlab runs on
``--threads`` threads (default: APMLAB_THREADS, else every core); hccinfhir on one. The
headline ratio is by wall clock; the ratio per CPU-second (all of apmlab's threads counted)
is printed under it.

    .venv/bin/python benchmarks/risk.py [--people 1000000] [--oracle 20000] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np
import pyarrow as pa

from apmlab.risk import kernel, refdata, score

SEGMENTS = ["CNA", "CND", "CFA", "CFD", "CPA", "CPD", "INS", "NE", "SNPNE"]
COLUMN = {
    "CNA": "SCORE_COMMUNITY_NA", "CND": "SCORE_COMMUNITY_ND", "CFA": "SCORE_COMMUNITY_FBA",
    "CFD": "SCORE_COMMUNITY_FBD", "CPA": "SCORE_COMMUNITY_PBA", "CPD": "SCORE_COMMUNITY_PBD",
    "INS": "SCORE_INSTITUTIONAL", "NE": "SCORE_NEW_ENROLLEE", "SNPNE": "SCORE_SNP_NEW_ENROLLEE",
}
YEAR, MODEL, K = 2026, "V28", 8


def population(n: int, seed: int = 2026):
    rng = np.random.default_rng(seed)
    with (refdata.ROOT / MODEL / f"PY{YEAR}" / "dx_to_cc.csv").open() as f:
        codes = np.array(sorted({line.split(",")[0] for line in f.read().split()[1:]}))
    seg = rng.integers(0, len(SEGMENTS), n)
    disabled_seg = np.isin(seg, [1, 3, 5])
    aged = ~disabled_seg & ((seg % 2 == 0) | (rng.random(n) < 0.6))
    age = np.where(aged, rng.integers(65, 100, n), rng.integers(19, 65, n))
    orec = np.where(aged, rng.integers(0, 2, n), 1)
    born = (np.datetime64(f"{YEAR}-02-01") - (age + 1) * 365 - 10
            + rng.integers(0, 330, n)).astype("datetime64[D]")
    # born at least `age` full years before 1 Feb of the payment year, less than age+1
    ids = np.char.add("P", np.arange(n).astype(str))
    persons = pa.table({
        "ID": ids, "DOB": pa.array(born), "SEX": rng.integers(1, 3, n), "OREC": orec,
        "LTIMCAID": rng.integers(0, 2, n), "NEMCAID": rng.integers(0, 2, n),
    })
    diagnoses = pa.table({"ID": np.repeat(ids, K), "ICD10": codes[rng.integers(0, len(codes),
                                                                               n * K)]})
    return persons, diagnoses, seg


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--oracle", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=kernel.threads_default())
    args = parser.parse_args()
    from hccinfhir.model_calculate import calculate_raf
    from hccinfhir.utils import load_dx_to_cc_mapping

    persons, diagnoses, seg = population(args.people)
    kernel.tables(MODEL, YEAR)  # reference tables: compiled once per process, not per run
    start, start_cpu = time.perf_counter(), cpu_seconds()
    start_sys = resource.getrusage(resource.RUSAGE_SELF).ru_stime
    ours = score(persons, diagnoses, YEAR, MODEL, threads=args.threads).table
    ours_s, ours_cpu = time.perf_counter() - start, cpu_seconds() - start_cpu
    ours_sys = resource.getrusage(resource.RUSAGE_SELF).ru_stime - start_sys

    mapping = load_dx_to_cc_mapping("ra_dx_to_cc_2027.csv")  # the PY2026 map (PROVENANCE.md)
    n = min(args.oracle, args.people)
    p = persons.slice(0, n).to_pylist()
    codes = diagnoses.column("ICD10").to_numpy(zero_copy_only=False)[: n * K].reshape(n, K)
    born = persons.column("DOB").to_numpy(zero_copy_only=False)[:n]
    years = born.astype("datetime64[Y]").astype(int) + 1970
    after_feb1 = (born - born.astype("datetime64[Y]")).astype(int) > 31
    start, start_cpu = time.perf_counter(), cpu_seconds()
    theirs = []
    for i, row in enumerate(p):
        s = SEGMENTS[seg[i]]
        flag = row["LTIMCAID"] if s == "INS" else row["NEMCAID"]
        theirs.append(calculate_raf(
            list(codes[i]), model_name="CMS-HCC Model V28",
            age=int(YEAR - years[i] - after_feb1[i]), sex=str(row["SEX"]),
            orec=str(row["OREC"]), dual_elgbl_cd="02" if flag else "NA",
            new_enrollee=s in ("NE", "SNPNE"), prefix_override=f"{s}_",
            dx_to_cc_mapping=mapping,
        ).risk_score)
    theirs_s, theirs_cpu = time.perf_counter() - start, cpu_seconds() - start_cpu

    cols = {c: ours.column(c).slice(0, n).to_numpy() for c in COLUMN.values()}
    mine = np.array([cols[COLUMN[SEGMENTS[seg[i]]]][i] for i in range(n)])
    diff = float(np.max(np.abs(mine - np.array(theirs))))
    ours_rate, theirs_rate = args.people / ours_s, n / theirs_s
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"apmlab:    {args.people:>9,} people in {ours_s:6.2f} s = {ours_rate:12,.0f} people/s"
          f" ({args.threads} threads)")
    print(f"hccinfhir: {n:>9,} people in {theirs_s:6.2f} s = {theirs_rate:12,.0f} people/s")
    print(f"ratio:     {ours_rate / theirs_rate:,.0f}x (wall clock)")
    ours_cpu_rate, theirs_cpu_rate = args.people / ours_cpu, n / theirs_cpu
    print(f"per CPU-second (all threads): apmlab {ours_cpu_rate:,.0f} people/s, hccinfhir "
          f"{theirs_cpu_rate:,.0f} people/s, ratio {ours_cpu_rate / theirs_cpu_rate:,.0f}x")
    print(f"apmlab CPU: {ours_cpu:.2f} s, of which {ours_sys:.2f} s system time (mostly page "
          "faults on fresh memory)")
    print(f"largest |score difference| on the shared {n:,}: {diff:.3g}")
    print(f"peak memory (max RSS of this process): {peak_gb:.2f} GB")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
