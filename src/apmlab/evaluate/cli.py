"""`apmlab evaluate`: the model review of an input-layer folder or of an existing run."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

EVALUATION_REPORT = "evaluation.html"


def evaluate(
    data: Annotated[Path, typer.Option(
        "--data", help="Input-layer folder (runs every stage), or a run database "
                       "(apmlab.duckdb from `apmlab run`: only the review is redone).")],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")],
) -> None:
    """Did each payment model save money, net of what it paid? Prints the scorecard."""
    from apmlab import engine, pipeline
    from apmlab.evaluate import report, review
    from apmlab.report import write_report

    console = Console(stderr=True, soft_wrap=True)
    if data.is_dir():
        con = pipeline.run(data, out, console).con
    elif data.is_file():
        out.mkdir(parents=True, exist_ok=True)
        database = out / pipeline.DATABASE_NAME
        if database.resolve() != data.resolve():
            shutil.copyfile(data, database)
        con = engine.connect(database)
        review.run(con)
        path = write_report(out / EVALUATION_REPORT, "apmlab model review",
                            f"Run database {data}", report.sections(con))
        console.print(f"Report: {path}")
    else:
        console.print(f"[red]error:[/red] --data: {data} does not exist", highlight=False)
        raise typer.Exit(2)
    print_scorecard(con)


def print_scorecard(con) -> None:
    rows = con.execute(
        "SELECT model, gross_effect_pct, ci_low_pct, ci_high_pct, gross_savings, "
        "model_payments, net_savings, net_savings_low, net_savings_high, verdict "
        "FROM evaluation_scorecard WHERE entity_id = 'all' ORDER BY model").fetchall()
    grid = Table(title="Model review (95% intervals)")
    for header in ("model", "effect", "95% CI", "gross savings", "payments", "net savings",
                   "net 95% CI", "verdict"):
        grid.add_column(header)
    for model, pct, lo, hi, gross, paid, net, net_lo, net_hi, verdict in rows:
        grid.add_row(
            model, f"{pct:+.1f}%", f"{lo:+.1f}% to {hi:+.1f}%", _money(gross), _money(paid),
            _money(net), "" if net_lo is None else f"{_money(net_lo)} to {_money(net_hi)}",
            verdict)
    Console().print(grid)


def _money(value: float | None) -> str:
    return "n/a" if value is None else f"${value / 1e6:,.2f}M"
