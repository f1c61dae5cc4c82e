"""Time the ACO chain, claims to settlement, on a large synthetic population.

    python benchmarks/mssp.py [--beneficiaries 1000000] [--years 2022-2025] [--workdir DIR]

The synthetic generator gives about one MSSP ACO per 6,000 x 0.3 beneficiaries: 50 ACOs for
a million. Loading the input layer and the core tables are timed too but are not part of
the chain; the chain is assignment (performance and benchmark years, assignable
population), benchmark (truncation, sums, per-ACO arithmetic) and settlement. Prints
wall-clock and CPU seconds per step and per assignment SQL model (CPU time counts every
DuckDB thread, and is the fairer figure on a busy machine) and peak memory; the goal for a
million beneficiaries x 4 years is under 2 minutes of wall-clock time for the chain.
``--reuse`` keeps the database of an earlier run (input layer and core tables) and times the
chain only.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager

import pyarrow as pa

from apmlab import core, engine, mssp, reach
from apmlab.inputs.load import load
from apmlab.mssp import assignment, benchmark, reconcile
from apmlab.mssp.benchmark_spec import load_benchmark_spec
from apmlab.mssp.table import write_table
from apmlab.reach import benchmark as reach_benchmark
from common import (
    ModelClock,
    generate_population,
    peak_memory_gb,
    population_parser,
    timed,
    work_folder,
)

CHAIN = ("assignment", "benchmark", "settlement")


@contextmanager
def step(label: str, seconds: dict[str, float], cpu: dict[str, float]):
    """``timed`` plus the process's CPU seconds (all threads) spent in the step."""
    started = time.process_time()
    with timed(label, seconds):
        yield
    cpu[label] = time.process_time() - started
    print(f"  {'':<28} {cpu[label]:8.1f} s CPU   load average {os.getloadavg()[0]:.1f}",
          flush=True)


def main() -> None:
    parser = population_parser(__doc__.splitlines()[0], "2022-2025")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the database (input layer and core) of an earlier run")
    args = parser.parse_args()
    first, last = (int(y) for y in args.years.split("-"))
    work = work_folder(args.workdir, "apmlab-mssp-bench-")
    data = work / "data"
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    print(f"{args.beneficiaries:,} beneficiaries x {last - first + 1} years in {work}")
    generate_population(data, args.beneficiaries, args.years, seconds)
    database = work / "mssp_bench.duckdb"
    reuse = args.reuse and database.exists()
    if not reuse:
        database.unlink(missing_ok=True)
    con = engine.connect(database)
    if not reuse:
        with step("load (not in chain)", seconds, cpu):
            load(data, con)
        with step("core (not in chain)", seconds, cpu):
            core.run(con, (first, last))

    spec = load_benchmark_spec()
    reach_spec = reach_benchmark.load_benchmark_spec()
    clock = ModelClock()
    with step("assignment", seconds, cpu):
        assignment.run(con, (first, last), on_model=clock)
        clock.stop()
    for table, wall, model_cpu in clock.rows:
        print(f"    {table:<30} {wall:7.1f} s {model_cpu:7.1f} s CPU", flush=True)
    with step("benchmark", seconds, cpu):
        grid, hist, perf = benchmark.build(con, spec)
        mssp_rows, mssp_input = benchmark.compute(grid, hist, perf, spec)
        reach_rows, reach_input = reach_benchmark.compute(grid, hist, perf, reach_spec)
        write_table(con, pa.concat_tables([mssp_rows, reach_rows]), "mssp_benchmark")
    with step("settlement", seconds, cpu):
        mssp_input, revenue_notes = reconcile.with_participant_revenue(con, mssp_input)
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
    if settled is not None:
        limited = sum(settled.column("loss_limit_applied").to_pylist())
        two_way = sum(settled.column("two_way_benchmark_applied").to_pylist())
        print(f"  participant revenue blank for {settled.column('participant_revenue').null_count}"
              f" of {settled.num_rows}; loss limit applied {limited}; "
              f"two-way benchmark (425.652(b)(5)) {two_way}")
    for note in [*revenue_notes, *notes, *reach_notes]:
        print(f"  note: {note}")
    print(f"chain total          {sum(seconds[s] for s in CHAIN):.1f} s wall, "
          f"{sum(cpu[s] for s in CHAIN):.1f} s CPU")
    print(f"peak memory          {peak_memory_gb():.2f} GB")


if __name__ == "__main__":
    main()
