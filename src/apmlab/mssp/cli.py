"""`apmlab mssp ...`: Shared Savings Program commands."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import pyarrow.csv as pacsv
import typer

from apmlab.mssp.settle import settle as settle_table
from apmlab.mssp.spec import SpecError
from apmlab.mssp.table import InputError

app = typer.Typer(help="Medicare Shared Savings Program (42 CFR 425).", no_args_is_help=True)

InputCsv = Annotated[Path, typer.Option("--input", help=(
    "Per-ACO totals, CSV: aco_id, track, assigned_beneficiaries, benchmark_total,"
    " expenditure_total, quality_score, met_quality_standard; optional msr (fraction),"
    " participant_revenue, advance_payment, disaster_adjustment, agreement_start (year),"
    " assigned_ffs_expenditure. participant_revenue, agreement_start and"
    " assigned_ffs_expenditure decide 425.605(h): low revenue BASIC ACOs sharing below"
    " their MSR. benchmark_total_two_way (agreements from 2024): the updated benchmark"
    " recalculated with the two-way blend, for losses under 425.652(b)(5)."))]
Year = Annotated[int, typer.Option("--performance-year", help="Performance year.")]
OutCsv = Annotated[Path, typer.Option("--out", help="Settled table, CSV.")]


@app.callback()
def main() -> None:  # a callback keeps `settle` a named sub-command while it is the only one
    """Medicare Shared Savings Program (42 CFR 425)."""


def read_csv_text(path: Path) -> pa.Table:
    """Every column as text; settlement parses and validates each cell itself."""
    try:
        with path.open(newline="") as fh:
            names = next(csv.reader(fh), None)
        if not names:
            raise InputError("the file is empty")
        return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names}, strings_can_be_null=False))
    except OSError as exc:
        raise InputError(exc.strerror or str(exc)) from None
    except pa.ArrowInvalid as exc:
        raise InputError(f"not a readable CSV file ({exc})") from None


def run_csv(settle_fn, input_path: Path, year: int, out: Path) -> int:
    """Read, settle, write; a one-line error and exit code 2 on bad input."""
    try:
        result = settle_fn(read_csv_text(input_path), year)
    except (InputError, SpecError) as exc:
        typer.echo(f"error: {input_path}: {exc}", err=True)
        raise typer.Exit(2) from None
    pacsv.write_csv(result, out)
    return result.num_rows


@app.command()
def settle(input: InputCsv, performance_year: Year, out: OutCsv) -> None:
    """Settle each ACO's shared savings or losses from its benchmark and expenditure totals."""
    rows = run_csv(settle_table, input, performance_year, out)
    typer.echo(f"settled {rows} ACOs for performance year {performance_year} -> {out}")
