"""`apmlab reach ...`: ACO REACH commands."""

from __future__ import annotations

import typer

from apmlab.mssp.cli import InputCsv, OutCsv, Year, run_csv
from apmlab.reach.settle import settle as settle_table

app = typer.Typer(help="ACO REACH (Global and Professional options).", no_args_is_help=True)


@app.callback()
def main() -> None:  # a callback keeps `settle` a named sub-command while it is the only one
    """ACO REACH (Global and Professional options)."""


@app.command()
def settle(input: InputCsv, performance_year: Year, out: OutCsv) -> None:
    """Settle each REACH ACO: discount, quality withhold, risk corridors."""
    rows = run_csv(settle_table, input, performance_year, out)
    typer.echo(f"settled {rows} REACH ACOs for performance year {performance_year} -> {out}")
