"""The `apmlab` command line. One entry point; each capability adds its sub-commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console

from apmlab.budgets.cli import app as budgets_app
from apmlab.evaluate.cli import evaluate as evaluate_command
from apmlab.mssp.cli import app as mssp_app
from apmlab.reach.cli import app as reach_app
from apmlab.risk.cli import app as risk_app

app = typer.Typer(
    name="apmlab",
    help="Simulate and evaluate Medicare value-based payment models from claims data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(mssp_app, name="mssp")
app.command("evaluate")(evaluate_command)
app.add_typer(budgets_app, name="budgets")
app.add_typer(reach_app, name="reach")
app.add_typer(risk_app, name="risk")
console = Console(stderr=True, soft_wrap=True)

# The demo is one synthetic population, so its verdicts are estimates: it must be large
# enough for the default (published-size) effects to show most of the time. At 50,000 the
# global-budget state's interval excluded 0 in 1 of 6 seeds and MSSP's in 2 of 6; at 200,000
# in 5 of 5 and 3 of 5, and BPCI Advanced's payments exceeded half its estimated gross
# savings in 4 of 5 (benchmarks/demo_story.py). It takes about 3 minutes on 2 cores.
DEMO_BENEFICIARIES = 200_000
DEMO_YEARS = (2021, 2025)
DEMO_SEED = 20261122


@app.command()
def run(
    data: Annotated[
        Path, typer.Option("--data", help="Input-layer folder (see docs/input_layer.md).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for apmlab.duckdb and report.html.")],
) -> None:
    """Validate an input-layer folder, run every stage and write the report and database."""
    from apmlab import pipeline

    pipeline.run(data, out, console)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out/demo"),
    beneficiaries: Annotated[
        int, typer.Option("--beneficiaries", min=100, help="Synthetic population size.")
    ] = DEMO_BENEFICIARIES,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = DEMO_SEED,
) -> None:
    """Generate a synthetic Medicare population, run every stage on it, write the report."""
    from apmlab import pipeline
    from apmlab.synth import generate

    data = out / "data"
    with console.status("Generating the synthetic population") as status:
        generate(
            data,
            beneficiaries=beneficiaries,
            years=DEMO_YEARS,
            seed=seed,
            progress=lambda step, _fraction: status.update(f"Generating: {step}"),
        )
    console.print(f"Synthetic population of {beneficiaries:,} written to {data}.")
    pipeline.run(data, out, console)


@app.command()
def export(
    database: Annotated[Path, typer.Option("--db", help="A run database (apmlab.duckdb).")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the tables to.")],
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
) -> None:
    """Write every table of a run database to Parquet or CSV files, one per table."""
    if fmt not in ("parquet", "csv"):
        raise typer.BadParameter("must be parquet or csv", param_hint="--format")
    if not database.is_file():
        raise typer.BadParameter(f"{database} does not exist", param_hint="--db")
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database), read_only=True)
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    for name in tables:
        target = out / f"{name}.{fmt}"
        con.execute(f'COPY "{name}" TO \'{target}\' (FORMAT {fmt})')
    console.print(f"Wrote {len(tables)} tables to {out}.")


def _year_range(text: str) -> tuple[int, int]:
    """'2021-2025' or '2023' -> (first, last)."""
    parts = text.split("-")
    if len(parts) not in (1, 2) or not all(p.strip().isdigit() for p in parts):
        raise typer.BadParameter("expected YEAR or FIRST-LAST, e.g. 2021-2025",
                                 param_hint="--years")
    first, last = int(parts[0]), int(parts[-1])
    if not 2000 <= first <= last <= 2100:
        raise typer.BadParameter(f"{text}: years must be 2000-2100, first <= last",
                                 param_hint="--years")
    return first, last


@app.command(
    help="Write a synthetic Medicare input layer with known model effects, plus truth.json: "
    "eligibility, providers, model participation and claims (medical_claim/, one Parquet file "
    "per year), calibrated to 2018 CMS public figures. truth.json records each model's "
    "realised effect among the exposed."
)
def generate(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the input layer to.")],
    beneficiaries: Annotated[
        int, typer.Option("--beneficiaries", min=100, help="Beneficiaries in the first year.")
    ] = 20_000,
    years: Annotated[
        str, typer.Option("--years", help="Calendar years to simulate, FIRST-LAST.")
    ] = "2021-2025",
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same files).")] = 0,
) -> None:
    import time

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from apmlab import synth

    first, last = _year_range(years)
    started = time.perf_counter()
    with Progress(TextColumn("{task.description:<20}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("Generating", total=1.0)
        truth = synth.generate(
            out, beneficiaries=beneficiaries, years=(first, last), seed=seed,
            progress=lambda step, fraction: bar.update(task, description=step,
                                                       completed=fraction),
        )
    lines = truth["generated"]["claim_lines"]
    console.print(f"Wrote {beneficiaries:,} beneficiaries x {last - first + 1} years, "
                  f"{lines:,} claim lines and truth.json to {out} in "
                  f"{time.perf_counter() - started:.1f}s.")


def main() -> None:
    from apmlab.inputs.load import InputError

    try:
        app()
    except (InputError, ValueError, duckdb.Error, OSError) as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(2)
