"""Time episode construction and reconciliation (CJR, TEAM, BPCI Advanced) on a synthetic
population: prints wall and CPU seconds per step and per SQL model, peak memory and the load
average. Goal: under 1 minute for 1,000,000 beneficiaries x 4 years (the episodes stage
alone, after load and core). A --workdir whose episodes.duckdb already holds the core tables
is reused, so the stage can be timed again without repeating load and core; a ready input
layer can be linked as <workdir>/data instead of generating one.

    mkdir -p W && ln -s /work/bench_data/1m_2022-2025 W/data
    flock /tmp/apmlab-bench.lock .venv/bin/python benchmarks/episodes.py --workdir W
"""

from __future__ import annotations

import os
import time

from apmlab import core, engine, episodes, load
from common import (
    ModelClock,
    generate_population,
    peak_memory_gb,
    population_parser,
    timed,
    work_folder,
)


def main() -> None:
    parser = population_parser(__doc__.splitlines()[0], "2022-2025")
    args = parser.parse_args()
    work = work_folder(args.workdir, "apmlab-episodes-")
    data = work / "data"
    seconds: dict[str, float] = {}
    print(f"{args.beneficiaries:,} beneficiaries, years {args.years}, in {work}")
    generate_population(data, args.beneficiaries, args.years, seconds)
    con = engine.connect(work / "episodes.duckdb")
    if not episodes.has_table(con, "core_beneficiary_month"):  # else reuse an earlier run's
        with timed("load + core (prerequisite)", seconds):
            load(data, con)
            core.run(con, core.years_in_data(con))
    years = core.years_in_data(con)
    clock = ModelClock()
    cpu = time.process_time()
    with timed("episodes stage", seconds):
        episodes.run(con, years, on_model=clock)
        clock.stop()
    cpu = time.process_time() - cpu
    counts = con.execute(
        "SELECT count(*), count(participant_id), "
        "(SELECT count(*) FROM episode_reconciliation) FROM episodes").fetchall()[0]
    print("SQL model (the last episodes_ model also holds the risk fit)   wall s    CPU s")
    for name, wall, model_cpu in clock.rows:
        print(f"  {name:<58} {wall:7.1f}  {model_cpu:7.1f}")
    print(f"episodes             {counts[0]:,} ({counts[1]:,} at participants)")
    print(f"reconciliations      {counts[2]:,}")
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    print(f"episodes stage       {seconds['episodes stage']:.1f} s wall, {cpu:.1f} s CPU "
          f"({os.cpu_count()} cores, DuckDB threads {threads})")
    print(f"peak memory          {peak_memory_gb():.2f} GB")
    print("load average         {:.2f} {:.2f} {:.2f} (1, 5, 15 min)".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
