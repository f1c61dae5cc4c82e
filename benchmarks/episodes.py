"""Time episode construction and reconciliation (CJR, TEAM, BPCI Advanced) on a synthetic
population: prints seconds per step and peak memory. Goal: under 1 minute for 1,000,000
beneficiaries x 4 years (the episodes stage alone, after load and core; a --workdir whose
episodes.duckdb already holds the core tables is reused, so the stage can be timed again).

    .venv/bin/python benchmarks/episodes.py --beneficiaries 1000000 --years 2021-2024
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from apmlab import core, engine, episodes, load
from common import generate_population, peak_memory_gb, population_parser, timed


def main() -> None:
    parser = population_parser(__doc__.splitlines()[0], "2021-2024")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="apmlab-episodes-"))
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
    with timed("episodes stage", seconds):
        episodes.run(con, years)
    counts = con.execute(
        "SELECT count(*), count(participant_id), "
        "(SELECT count(*) FROM episode_reconciliation) FROM episodes").fetchall()[0]
    print(f"episodes             {counts[0]:,} ({counts[1]:,} at participants)")
    print(f"reconciliations      {counts[2]:,}")
    print(f"episodes stage       {seconds['episodes stage']:.1f} s")
    print(f"peak memory          {peak_memory_gb():.2f} GB")


if __name__ == "__main__":
    main()
