"""The MSSP stage of a run: assignment from claims, and its report section."""

from __future__ import annotations

from apmlab.mssp import assignment
from apmlab.report.html import Section, table


def run(ctx) -> None:
    with ctx.console.status("mssp: assignment"):
        assignment.run(ctx.con, ctx.years)


def sections(ctx) -> list[Section]:
    rows = ctx.con.execute(
        """
        SELECT aco_id, model, year,
            count(*) AS assigned,
            count(*) FILTER (WHERE step = '1'),
            count(*) FILTER (WHERE step = '2'),
            count(*) FILTER (WHERE step = 'voluntary')
        FROM mssp_assignment WHERE method = 'retrospective'
        GROUP BY ALL ORDER BY aco_id, year
        """
    ).fetchall()
    if not rows:
        return [Section("ACO assignment", "<p>No beneficiary is assigned to an ACO.</p>")]
    note = (
        "<p>Beneficiaries assigned to each ACO by the step-wise plurality of allowed charges"
        " for primary care services (42 CFR 425.402), retrospective method.</p>"
    )
    body = table(
        ["ACO", "Model", "Year", "Assigned", "Step 1", "Step 2", "Voluntary"],
        rows, count_column=3,
    )
    return [Section("ACO assignment", note + body)]
