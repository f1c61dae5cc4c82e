"""`apmlab budgets ...`: hospital global budgets and total-cost-of-care tests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import duckdb
import typer

from apmlab import budgets
from apmlab.budgets.spec import DEFAULT_HOSPITAL_SPEC, DEFAULT_TCOC_SPEC, SPEC_DIR, SpecError

app = typer.Typer(help="Hospital global budgets and total cost of care (Maryland, AHEAD, "
                       "CHART).", no_args_is_help=True)


@app.command()
def run(
    database: Annotated[Path, typer.Option("--db", help="A run database (apmlab.duckdb).")],
    hospital_spec: Annotated[str, typer.Option(
        "--hospital-spec", help="Spec name or path of a copied .toml file.")]
        = DEFAULT_HOSPITAL_SPEC,
    tcoc_spec: Annotated[str, typer.Option(
        "--tcoc-spec", help="Spec name or path of a copied .toml file.")] = DEFAULT_TCOC_SPEC,
    model: Annotated[str, typer.Option("--model", help="Participation model name.")]
        = budgets.MODEL,
) -> None:
    """Recompute hospital_budget and tcoc_test in a run database, e.g. with a changed spec."""
    if not database.is_file():
        raise typer.BadParameter(f"{database} does not exist", param_hint="--db")
    con = duckdb.connect(str(database))
    try:
        counts = budgets.run(con, model, hospital_spec, tcoc_spec)
    except SpecError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except duckdb.CatalogException:
        typer.echo(f"error: {database} has no core tables; run `apmlab run` first", err=True)
        raise typer.Exit(2) from None
    finally:
        con.close()
    typer.echo(f"hospital_budget: {counts['hospital_budget']:,} rows, "
               f"tcoc_test: {counts['tcoc_test']:,} rows -> {database}")


@app.command()
def specs() -> None:
    """List the shipped specs (copy one, edit it, pass its path to `run`)."""
    for path in sorted(SPEC_DIR.glob("*.toml")):
        title = next((line.split("=", 1)[1].strip().strip('"') for line in
                      path.read_text().splitlines() if line.startswith("title")), "")
        typer.echo(f"{path.stem:<14} {title}  ({path})")
