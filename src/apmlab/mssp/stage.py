"""The ACO stage of a run (MSSP and ACO REACH): assignment, benchmarks, settlement, report.

Writes ``mssp_assignment`` and ``mssp_benchmark_assignment`` (who is assigned, by year and
step), ``mssp_participant_revenue`` (each MSSP ACO's participants' Parts A and B revenue by
year, for the revenue-based loss limits), ``mssp_benchmark`` (every intermediate amount of
each ACO's benchmark by performance year and enrollment type), ``mssp_settlement`` and
``reach_settlement``. With no ACO in the
data the tables are written empty and the report says so.
"""

from __future__ import annotations

import html

import numpy as np
import pyarrow as pa

from apmlab import mssp, reach
from apmlab.mssp import assignment, benchmark, reconcile
from apmlab.mssp.benchmark_spec import load_benchmark_spec
from apmlab.mssp.table import write_table
from apmlab.reach import benchmark as reach_benchmark
from apmlab.report.html import Section, figure, fmt, svg, table

NOTES_TABLE = "mssp_notes"


def run(ctx) -> None:
    con = ctx.con
    spec = load_benchmark_spec()
    reach_spec = reach_benchmark.load_benchmark_spec()
    with ctx.console.status("mssp: assignment"):
        assignment.run(con, ctx.years)
    with ctx.console.status("mssp: benchmarks"):
        grid, hist, perf = benchmark.build(con, spec)
        mssp_rows, mssp_input = benchmark.compute(grid, hist, perf, spec)
        reach_rows, reach_input = reach_benchmark.compute(grid, hist, perf, reach_spec)
        write_table(con, pa.concat_tables([mssp_rows, reach_rows]), "mssp_benchmark")
    with ctx.console.status("mssp: settlement"):
        mssp_input, revenue_notes = reconcile.with_participant_revenue(con, mssp_input)
        settled, notes = reconcile.settle_mssp(mssp_input, spec)
        mssp.write_settlement(con, settled if settled is not None else _empty_mssp())
        settled, reach_notes = reconcile.settle_reach(reach_input, reach_spec)
        reach.write_settlement(con, settled if settled is not None else _empty_reach())
    notes = [benchmark.risk_note(con), *revenue_notes, *notes, *reach_notes]
    write_table(con, pa.table({"note": pa.array(notes, pa.string())}), NOTES_TABLE)


def _empty_input(types: dict[str, pa.DataType]) -> pa.Table:
    return pa.table({c: pa.array([], t) for c, t in types.items()})


def _empty_mssp() -> pa.Table:
    year = mssp.spec.available_years()[-1]
    return mssp.settle(_empty_input({
        **benchmark.MSSP_SETTLEMENT_TYPES, **reconcile.MSSP_INPUT_TYPES}), year)


def _empty_reach() -> pa.Table:
    year = max(int(p.stem[2:]) for p in reach.spec.SPEC_DIR.glob("py*.toml"))
    return reach.settle(_empty_input({**benchmark.SETTLEMENT_TYPES,
                                      "quality_score": pa.float64()}), year)


def sections(ctx) -> list[Section]:
    return [_assignment_section(ctx.con), _aco_section(ctx.con)]


def _assignment_section(con) -> Section:
    rows = con.execute(
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
        return Section("ACO assignment", "<p>No beneficiary is assigned to an ACO.</p>")
    note = (
        "<p>Beneficiaries assigned to each ACO by the step-wise plurality of allowed charges"
        " for primary care services (42 CFR 425.402), retrospective method.</p>"
    )
    body = table(
        ["ACO", "Model", "Year", "Assigned", "Step 1", "Step 2", "Voluntary"],
        rows, count_column=3,
    )
    return Section("ACO assignment", note + body)


SETTLED = """
    WITH person_years AS (
        SELECT model, aco_id, performance_year, py_person_years
        FROM mssp_benchmark WHERE enrollment_type = 'all'
    ),
    settled AS (
        SELECT 'mssp' AS model, aco_id, track, performance_year, assigned_beneficiaries,
            benchmark_total, expenditure_total, savings_rate, minimum_savings_rate,
            earned_savings_losses
        FROM mssp_settlement
        UNION ALL
        SELECT 'reach', aco_id, track, performance_year, assigned_beneficiaries,
            final_benchmark, expenditure_total, savings_rate, minimum_savings_rate,
            earned_savings_losses
        FROM reach_settlement
    )
    SELECT s.aco_id, upper(s.model), s.track, s.performance_year, s.assigned_beneficiaries,
        s.benchmark_total / p.py_person_years, s.expenditure_total / p.py_person_years,
        s.savings_rate, s.minimum_savings_rate, s.earned_savings_losses
    FROM settled AS s
    INNER JOIN person_years AS p
        ON p.model = s.model AND p.aco_id = s.aco_id
        AND p.performance_year = s.performance_year
    ORDER BY 2, 1, 4
"""


def _aco_section(con) -> Section:
    title = "ACO benchmarks and settlement"
    settled = con.execute(SETTLED).fetchall()
    status = con.execute(
        """
        SELECT aco_id, upper(model), min(baseline_status)
        FROM mssp_benchmark
        WHERE enrollment_type = 'all' AND baseline_status <> 'complete'
        GROUP BY aco_id, model ORDER BY 2, 1
        """
    ).fetchall()
    notes = [n for (n,) in con.execute(f"SELECT note FROM {NOTES_TABLE}").fetchall()]
    intro = (
        "<p>Each ACO's benchmark is built from claims: benchmark-year expenditures of the "
        "beneficiaries its agreement's participant TINs would have been assigned, truncated "
        "at the 99th percentile of assignable beneficiaries, risk adjusted, trended and "
        "weighted (42 CFR 425.652, 425.601), adjusted for regional spending, updated to the "
        "performance year and risk adjusted again; REACH benchmarks blend the historical "
        "baseline with regional spending. Settlement applies the minimum savings rate, "
        "sharing rates, caps and loss limits of the ACO's track (MSSP; revenue-based loss limits "
        "use the revenue of the ACO's participant TINs and CCNs in the claims, and for "
        "agreements from 2024 losses are set against the benchmark recalculated without the "
        "ACPT when 425.652(b)(5) says so) or the discount, "
        "quality withhold and risk corridors (REACH; its benchmark is shown after the discount "
        "and the withhold earned back). Per capita amounts are per person-year; "
        "the synthetic population's spending stands in for national spending. Quality is "
        "not in claims: the spec default (standard met, score 1.0) is used.</p>"
    )
    listed = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    body = intro + (f"<ul>{listed}</ul>" if listed else "")
    if status:
        body += "<p>ACOs whose benchmark is incomplete or missing, and why:</p>" + table(
            ["ACO", "Model", "Benchmark status"], status)
    if not settled:
        return Section(title, body + "<p>No ACO performance year was settled.</p>")
    rows = []
    for aco, model, track, year, n, bench, spend, rate, msr, earned in settled:
        rows.append((aco, model, track, str(year), n, bench, spend, rate, msr, earned))
    body += _chart(rows) + table(
        ["ACO", "Model", "Track", "PY", "Assigned", "Benchmark per capita",
         "Spending per capita", "Savings rate", "MSR", "Payout (+) / owed (-)"],
        rows,
        ["number", "number", "number", "number", "number", "money", "money", "percent",
         "percent", "money"],
        count_column=4,
    )
    return Section(title, body)


def _chart(rows) -> str:
    """Savings rate of each ACO in its latest settled year, with its MSR; small ACOs left out."""
    latest = {}
    for row in rows:
        if row[4] > 10:
            latest[(row[1], row[0])] = row
    if not latest:
        return ""
    keys = sorted(latest)
    fig, ax = figure(8, 3.6)
    x = np.arange(len(keys))
    rates = [latest[k][7] * 100 for k in keys]
    ax.bar(x, rates, color=["#2b6cb0" if r >= 0 else "#c05621" for r in rates])
    ax.scatter(x, [latest[k][8] * 100 for k in keys], marker="_", s=200, color="black",
               label="minimum savings rate")
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xticks(x, [f"{k[1]}\nPY{latest[k][3]}" for k in keys], fontsize=7, rotation=90)
    ax.set_ylabel("savings rate (% of benchmark)")
    ax.legend(fontsize=8)
    ax.set_title("Savings rate by ACO, latest settled performance year", fontsize=10)
    return svg(fig) + f"<p>{fmt(len(keys))} ACOs shown (ACOs of 1-10 beneficiaries left out).</p>"
