"""Benchmark: generate the synthetic population at scale (goal: 1,000,000 x 5 years in under
2 minutes and 6 GB).

Prints wall-clock and CPU seconds, beneficiaries per second, claim lines written, files on
disk and the peak resident memory of the process (ru_maxrss).

    .venv/bin/python benchmarks/generate.py [--beneficiaries 1000000] [--years 2021-2025]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from apmlab.synth import generate
from common import peak_memory_gb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beneficiaries", type=int, default=1_000_000)
    parser.add_argument("--years", default="2021-2025")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="keep the files here (default: a temp dir)")
    args = parser.parse_args()
    first, last = (int(y) for y in args.years.split("-"))
    n_years = last - first + 1
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        wall, cpu = time.perf_counter(), time.process_time()
        truth = generate(out, beneficiaries=args.beneficiaries, years=(first, last),
                         seed=args.seed)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    lines = truth["generated"]["claim_lines"]
    print(f"beneficiaries x years  {args.beneficiaries:,} x {n_years}")
    print(f"seconds (wall / cpu)   {wall:.1f} / {cpu:.1f}")
    print(f"beneficiaries/s        {args.beneficiaries / wall:,.0f}"
          f"  (beneficiary-years/s {args.beneficiaries * n_years / wall:,.0f})")
    print(f"claim lines written    {lines:,}  ({lines / (args.beneficiaries * n_years):.1f}"
          " per beneficiary-year)")
    print(f"files on disk          {size / 1e9:.2f} GB")
    print(f"peak memory            {peak_memory_gb():.2f} GB")


if __name__ == "__main__":
    main()
