"""A run: load the input layer, run every stage in order, write the report.

Each capability adds one :class:`Stage` to ``STAGES``: a function that writes its tables
into the run database and, optionally, one that returns its report sections. A stage reads
only the tables of stages before it (DESIGN.md, "Data flow").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from rich.console import Console

from apmlab import core, engine
from apmlab.budgets import stage as budgets_stage
from apmlab.episodes import stage as episodes_stage
from apmlab.evaluate import stage as evaluate_stage
from apmlab.inputs.load import Loaded, load
from apmlab.mssp import stage as mssp_stage
from apmlab.report import Section, core_sections, write_report
from apmlab.risk import pipeline as risk_pipeline

DATABASE_NAME = "apmlab.duckdb"
REPORT_NAME = "report.html"


@dataclass
class RunContext:
    con: duckdb.DuckDBPyConnection
    out: Path
    loaded: Loaded
    years: tuple[int, int]
    console: Console
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[RunContext], object]
    sections: Callable[[RunContext], list[Section]] | None = None


def _run_core(ctx: RunContext) -> None:
    with ctx.console.status("core") as status:
        core.run(ctx.con, ctx.years, on_model=lambda m: status.update(f"core: {m.table}"))
    for reason, lines, paid in ctx.con.execute(
        "SELECT reason, claim_lines, paid_amount FROM core_unattributed_claims ORDER BY reason"
    ).fetchall():
        ctx.console.print(f"Not in any beneficiary-year ({reason}): {lines:,} claim line(s),"
                          f" ${paid:,.2f} paid.")


def _core_sections(ctx: RunContext) -> list[Section]:
    return [
        core_sections.population(ctx.con),
        core_sections.spending(ctx.con),
        core_sections.utilization(ctx.con),
        core_sections.data_quality(ctx.con, ctx.loaded.dollar_line()),
    ]


STAGES: list[Stage] = [
    Stage("core", _run_core, _core_sections),
    Stage("risk", risk_pipeline.stage),
    Stage("mssp", mssp_stage.run, mssp_stage.sections),
    Stage("budgets", budgets_stage.run, budgets_stage.sections),
    Stage("episodes", episodes_stage.run, episodes_stage.sections),
    Stage("evaluate", evaluate_stage.run, evaluate_stage.sections),
]


def run(data: Path, out: Path, console: Console | None = None) -> RunContext:
    """Run every stage on the input-layer folder ``data``; results go to ``out``."""
    console = console or Console(stderr=True, soft_wrap=True)
    out.mkdir(parents=True, exist_ok=True)
    database = out / DATABASE_NAME
    for stale in (database, database.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    con = engine.connect(database)
    started = time.perf_counter()
    with console.status(f"Loading and validating {data}"):
        loaded = load(data, con)
    seconds = {"load": time.perf_counter() - started}
    kept = ", ".join(f"{t} {n:,}" for t, n in loaded.rows_kept.items())
    console.print(f"Loaded {kept} rows.")
    console.print(loaded.dollar_line())
    ctx = RunContext(con, out, loaded, core.years_in_data(con), console, seconds)
    for stage in STAGES:
        started = time.perf_counter()
        stage.run(ctx)
        ctx.seconds[stage.name] = time.perf_counter() - started
        console.print(f"Stage {stage.name} done in {ctx.seconds[stage.name]:.1f} s.")
    sections = [s for stage in STAGES if stage.sections for s in stage.sections(ctx)]
    first, last = ctx.years
    report = write_report(
        out / REPORT_NAME,
        "apmlab run report",
        f"Input {data.name}, years {first}-{last}",
        sections,
    )
    console.print(f"Report: {report}")
    console.print(f"Database: {database}")
    return ctx
