"""Time `apmlab run` on a large synthetic population, stage by stage.

    python benchmarks/pipeline.py [--beneficiaries 1000000] [--years 2021-2025]

Prints seconds per stage, peak memory, and the ratio of the whole run's time to a plain
DuckDB scan of the same claim columns (the floor: reading the data once).
"""

from __future__ import annotations

import time

import duckdb
from rich.console import Console

from apmlab import pipeline
from common import generate_population, peak_memory_gb, population_parser, timed, work_folder


def main() -> None:
    parser = population_parser(__doc__.splitlines()[0])
    args = parser.parse_args()
    first, last = (int(y) for y in args.years.split("-"))
    work = work_folder(args.workdir, "apmlab-bench-")
    data, out = work / "data", work / "out"
    seconds: dict[str, float] = {}
    print(f"{args.beneficiaries:,} beneficiaries x {last - first + 1} years in {work}")
    generate_population(data, args.beneficiaries, args.years, seconds)

    started = time.perf_counter()
    ctx = pipeline.run(data, out, Console(stderr=True, quiet=True))
    total = time.perf_counter() - started
    for stage, spent in ctx.seconds.items():
        print(f"  {stage:<28} {spent:8.1f} s")
    report = total - sum(ctx.seconds.values())
    print(f"  {'report':<28} {report:8.1f} s")
    lines = ctx.loaded.rows_read["medical_claim"]

    con = duckdb.connect()
    columns = ", ".join(
        f"sum(hash({c}))" for c in ("claim_id", "person_id", "claim_type", "claim_end_date",
                                    "bill_type_code", "facility_ccn", "hcpcs_code",
                                    "paid_amount", "allowed_amount")
    )
    with timed("plain scan of claim columns", seconds):
        con.execute(
            f"SELECT {columns} FROM read_parquet($p)", {"p": str(data / "medical_claim/*.parquet")}
        ).fetchall()
    print(f"claim lines          {lines:,}")
    print(f"run total            {total:.1f} s")
    print(f"ratio run / scan     {total / seconds['plain scan of claim columns']:.1f}")
    print(f"peak memory          {peak_memory_gb():.2f} GB")


if __name__ == "__main__":
    main()
