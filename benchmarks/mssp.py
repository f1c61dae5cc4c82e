"""Time the ACO chain, claims to settlement, on a large synthetic population.

    python benchmarks/mssp.py [--beneficiaries 1000000] [--years 2022-2025] [--workdir DIR]

The synthetic generator gives about one MSSP ACO per 6,000 x 0.3 beneficiaries: 50 ACOs for
a million. Loading the input layer and the core tables are timed too but are not part of
the chain; the chain is assignment (performance and benchmark years, assignable
population), benchmark (truncation, sums, per-ACO arithmetic) and settlement. Prints
seconds per step and peak memory; the goal for a million beneficiaries x 4 years is under
2 minutes for the chain.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow as pa

from apmlab import core, engine, mssp, reach
from apmlab.inputs.load import load
from apmlab.mssp import assignment, benchmark, reconcile
from apmlab.mssp.benchmark_spec import load_benchmark_spec
from apmlab.mssp.table import write_table
from apmlab.reach import benchmark as reach_benchmark
from common import peak_memory_gb, timed

CHAIN = ("assignment", "benchmark", "settlement")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beneficiaries", type=int, default=1_000_000)
    parser.add_argument("--years", default="2022-2025")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    first, last = (int(y) for y in args.years.split("-"))
    work = args.workdir or Path(tempfile.mkdtemp(prefix="apmlab-mssp-bench-"))
    data = work / "data"
    seconds: dict[str, float] = {}
    print(f"{args.beneficiaries:,} beneficiaries x {last - first + 1} years in {work}")
    if not (data / "eligibility.parquet").exists():
        with timed("generate (not timed in chain)", seconds):
            subprocess.run(
                [sys.executable, "-m", "apmlab", "generate", "--beneficiaries",
                 str(args.beneficiaries), "--years", args.years, "--seed", "1", "--out",
                 str(data)],
                check=True,
            )
    database = work / "mssp_bench.duckdb"
    database.unlink(missing_ok=True)
    con = engine.connect(database)
    with timed("load (not in chain)", seconds):
        load(data, con)
    with timed("core (not in chain)", seconds):
        core.run(con, (first, last))

    spec = load_benchmark_spec()
    reach_spec = reach_benchmark.load_benchmark_spec()
    with timed("assignment", seconds):
        assignment.run(con, (first, last))
    with timed("benchmark", seconds):
        grid, hist, perf = benchmark.build(con, spec)
        mssp_rows, mssp_input = benchmark.compute(grid, hist, perf, spec)
        reach_rows, reach_input = reach_benchmark.compute(grid, hist, perf, reach_spec)
        write_table(con, pa.concat_tables([mssp_rows, reach_rows]), "mssp_benchmark")
    with timed("settlement", seconds):
        settled, notes = reconcile.settle_mssp(mssp_input, spec)
        if settled is not None:
            mssp.write_settlement(con, settled)
        reach_settled, reach_notes = reconcile.settle_reach(reach_input, reach_spec)
        if reach_settled is not None:
            reach.write_settlement(con, reach_settled)

    acos = sum(1 for a in grid.agreements if a[0] == "mssp")
    assigned = con.execute("SELECT count(*) FROM mssp_assignment").fetchall()[0][0]
    print(f"MSSP ACOs            {acos}")
    print(f"assignment rows      {assigned:,}")
    print(f"MSSP ACO-years settled {0 if settled is None else settled.num_rows}")
    for note in [*notes, *reach_notes]:
        print(f"  note: {note}")
    print(f"chain total          {sum(seconds[s] for s in CHAIN):.1f} s")
    print(f"peak memory          {peak_memory_gb():.2f} GB")


if __name__ == "__main__":
    main()
