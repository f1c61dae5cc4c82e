"""Time the budgets stage (hospital global budgets and TCOC test) on a large synthetic
population.

    python benchmarks/budgets.py [--beneficiaries 1000000] [--years 2021-2025] [--workdir DIR]

The input layer is generated, loaded and run through the core stage in child processes
(their time and memory are not the stage's; with --workdir they are reused on a rerun);
this process then opens the core database and times ``apmlab.budgets.run`` alone, printing
seconds, peak memory and the rows it read and wrote. Goal: under 1 minute at 1,000,000
beneficiaries x 5 years.
"""

from __future__ import annotations

import subprocess
import sys

import duckdb

from apmlab import budgets
from common import generate_population, peak_memory_gb, population_parser, timed, work_folder

CORE = """
import sys
import apmlab
from apmlab import core, engine
con = engine.connect(sys.argv[2])
# Spill to disk rather than be killed when other jobs share the machine's memory.
con.execute("SET enable_progress_bar = false; SET memory_limit = '9GB'; "
            "SET preserve_insertion_order = false")
apmlab.load(sys.argv[1], con)
core.run(con)
con.close()
"""


def main() -> None:
    parser = population_parser(__doc__.splitlines()[0])
    args = parser.parse_args()
    first, last = (int(y) for y in args.years.split("-"))
    work = work_folder(args.workdir, "apmlab-bench-budgets-")
    data, database = work / "data", work / "core.duckdb"
    seconds: dict[str, float] = {}
    print(f"{args.beneficiaries:,} beneficiaries x {last - first + 1} years in {work}")
    generate_population(data, args.beneficiaries, args.years, seconds)
    if not database.exists():
        with timed("load + core (child)", seconds):
            subprocess.run([sys.executable, "-c", CORE, str(data), str(database)], check=True)

    con = duckdb.connect(str(database))
    con.execute("SET enable_progress_bar = false")
    with timed("budgets stage", seconds):
        counts = budgets.run(con)
    lines, person_years = con.execute(
        "SELECT (SELECT count(*) FROM core_claim_line), "
        "(SELECT sum(person_years) FROM core_beneficiary_year)"
    ).fetchall()[0]
    print(f"claim lines read         {lines:,}")
    print(f"person-years             {person_years:,.0f}")
    print(f"hospital_budget rows     {counts['hospital_budget']:,}")
    print(f"tcoc_test rows           {counts['tcoc_test']:,}")
    print(f"budgets stage            {seconds['budgets stage']:.1f} s")
    print(f"peak memory (stage)      {peak_memory_gb():.2f} GB")


if __name__ == "__main__":
    main()
