"""Report section for global budgets: per-capita TCOC of each region against the national
trend, savings against the target per year, and budget against actual revenue per hospital.
Rows describing 1-10 beneficiaries are suppressed, in the chart as in the tables."""

from __future__ import annotations

import html

import duckdb

from apmlab.report.html import PALETTE, Section, figure, is_small, svg, table

TITLE = "Global budgets and total cost of care"


def section(con: duckdb.DuckDBPyConnection) -> Section:
    tests = _rows(con, "SELECT * FROM tcoc_test ORDER BY region, year")
    hospitals = _rows(con, "SELECT * FROM hospital_budget ORDER BY ccn, year")
    if not tests and not hospitals:
        return Section(TITLE, '<p class="note">No participant of a global-budget model in '
                              "the data: no hospital budget or total-cost-of-care test.</p>")
    parts = [
        "<p>Per-capita Medicare Parts A and B spending (TCOC) of each region under a "
        "global-budget model against the rest of the nation. Expected spending grows the "
        "region's base-year per capita at the national growth rate; savings = (expected - "
        "actual) x person-years; the guardrail fails when the region's growth exceeds the "
        "national growth by more than the allowed margin, or exceeds it too many years "
        "running (Maryland TCOC Model; rules and sources in specs/budgets/).</p>"
    ]
    for region in dict.fromkeys(r["region"] for r in tests):
        parts.append(_region(region, [r for r in tests if r["region"] == region]))
    if hospitals:
        parts.append(_hospitals(hospitals))
    return Section(TITLE, "".join(parts))


def _region(region: str, rows: list[dict]) -> str:
    shown = [r for r in rows if not is_small(r["beneficiaries"])]
    years = [r["year"] for r in rows]
    fig, ax = figure(10, 3.6)
    ax.plot([r["year"] for r in shown], [r["per_capita_tcoc"] for r in shown], marker="o",
            color=PALETTE[0], label=f"{region} per capita")
    ax.plot([r["year"] for r in shown], [r["expected_per_capita"] for r in shown],
            linestyle="--", color=PALETTE[1], label=f"{region} at the national trend")
    ax.plot(years, [r["comparison_per_capita"] for r in rows], marker="s", color=PALETTE[3],
            label="Rest of the nation per capita")
    start = next((r["year"] for r in rows if r["model_year"] == 1), None)
    if start is not None:
        ax.axvline(start - 0.5, color="#888888", linewidth=0.8)
    ax.set_xticks(years)
    ax.set_ylabel("Paid per person-year ($)")
    ax.legend(frameon=False, fontsize=8)
    savings_fig, sx = figure(8, 3.0)
    model = [r for r in shown if r["model_year"]]
    xs = [r["year"] for r in model]
    sx.bar([x - 0.2 for x in xs], [r["savings"] for r in model], width=0.4,
           color=PALETTE[5], label="Savings")
    sx.bar([x + 0.2 for x in xs], [r["savings_target"] for r in model], width=0.4,
           color=PALETTE[6], label="Savings target")
    sx.axhline(0, color="#444444", linewidth=0.6)
    sx.set_xticks(xs or years)
    sx.set_ylabel("$")
    sx.legend(frameon=False, fontsize=8)
    guardrail = {True: "met", False: "FAILED", None: ""}
    body = table(
        ["Year", "Model year", "Beneficiaries", "Person-years", "Per capita",
         "National per capita", "Expected per capita", "Growth", "National growth",
         "Savings", "Savings target", "Cumulative savings", "Cumulative target", "Guardrail"],
        [(str(r["year"]), r["model_year"] or "", r["beneficiaries"], r["person_years"],
          r["per_capita_tcoc"], r["comparison_per_capita"], r["expected_per_capita"],
          r["tcoc_growth"], r["comparison_growth"], r["savings"], r["savings_target"],
          r["cumulative_savings"], r["cumulative_target"], guardrail[r["guardrail_ok"]])
         for r in rows],
        ["number", "number", "number", "rate", "money", "money", "money", "percent",
         "percent", "money", "money", "money", "money", "number"],
        count_column=2,
    )
    years_note = f"model years from {start}" if start else "no model year in the data"
    return (f"<h3>{html.escape(region)}</h3>"
            f'<p class="note">Base year {rows[0]["base_year"]}; {years_note}.</p>'
            + svg(fig) + svg(savings_fig) + body)


def _hospitals(rows: list[dict]) -> str:
    body = table(
        ["CCN", "Spec", "Year", "Patients", "Prior budget", "Rate update", "Demographic",
         "Market shift", "Quality", "Service change", "Budget", "Actual revenue", "Variance",
         "Corridor settlement"],
        [(r["ccn"], r["spec"], str(r["year"]), r["beneficiaries"], r["prior_budget"],
          r["rate_update_adjustment"], r["demographic_adjustment"],
          r["market_shift_adjustment"], r["quality_adjustment"],
          r["service_change_adjustment"], r["budget"], r["actual_revenue"],
          r["variance_pct"], r["corridor_adjustment"]) for r in rows],
        ["number", "number", "number", "number", "money", "money", "money", "money", "money",
         "money", "money", "money", "percent", "money"],
        count_column=3,
    )
    last = max(r["year"] for r in rows)
    latest = [r for r in rows if r["year"] == last and not is_small(r["beneficiaries"])]
    fig, ax = figure(10, 3.4)
    xs = range(len(latest))
    ax.bar([x - 0.2 for x in xs], [r["budget"] for r in latest], width=0.4,
           color=PALETTE[0], label="Budget")
    ax.bar([x + 0.2 for x in xs], [r["actual_revenue"] for r in latest], width=0.4,
           color=PALETTE[3], label="Actual FFS revenue")
    ax.set_xticks(list(xs), [r["ccn"] for r in latest], rotation=90, fontsize=7)
    ax.set_ylabel(f"{last} revenue ($)")
    ax.legend(frameon=False, fontsize=8)
    return ("<h3>Hospital global budgets: budget against actual revenue</h3>"
            "<p>Each participating hospital's budget (prior budget plus each adjustment) "
            "against its actual Medicare FFS inpatient and outpatient revenue; the corridor "
            "settlement brings revenue beyond the corridor back to it (positive: paid to the "
            "hospital). The rate update is the rate setter's approved factor where input "
            "table budget_hospital_adjustment gives one, else the spec's.</p>"
            + svg(fig) + body)


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
