"""The budgets stage of a run: hospital global budgets and TCOC tests, and their section."""

from __future__ import annotations

from apmlab import budgets
from apmlab.budgets import report
from apmlab.report.html import Section


def run(ctx) -> None:
    with ctx.console.status("budgets: hospital global budgets and TCOC"):
        counts = budgets.run(ctx.con)
    ctx.console.print(f"Budgets: {counts['hospital_budget']:,} hospital-years, "
                      f"{counts['tcoc_test']:,} region-years.")


def sections(ctx) -> list[Section]:
    return [report.section(ctx.con)]
