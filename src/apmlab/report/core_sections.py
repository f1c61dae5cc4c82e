"""Report sections drawn from the input and core stages: population, spending, quality."""

from __future__ import annotations

import duckdb

from apmlab.inputs.schema import ENROLLMENT_TYPES, SERVICE_CATEGORIES
from apmlab.report.html import PALETTE, Section, figure, is_small, svg, table

LABELS = {
    "esrd": "ESRD",
    "disabled": "Disabled",
    "aged_dual": "Aged/dual",
    "aged_non_dual": "Aged/non-dual",
    "inpatient_acute": "Inpatient acute",
    "inpatient_other": "Inpatient other",
    "snf": "SNF",
    "home_health": "Home health",
    "hospice": "Hospice",
    "outpatient": "Outpatient facility",
    "professional": "Professional",
    "dme": "DME",
    "other": "Other",
}


def population(con: duckdb.DuckDBPyConnection) -> Section:
    rows = con.execute(
        """
        SELECT year, enrollment_type, count(*) AS beneficiaries, sum(person_years) AS py,
            sum(total_paid) / sum(person_years) AS per_capita,
            avg(age) AS mean_age, avg(CASE WHEN gender = 'female' THEN 1.0 ELSE 0 END),
            sum(CASE WHEN died THEN 1 ELSE 0 END)
        FROM core_beneficiary_year GROUP BY ALL ORDER BY year, enrollment_type
        """
    ).fetchall()
    order = {t: i for i, t in enumerate(ENROLLMENT_TYPES)}
    rows.sort(key=lambda r: (r[0], order.get(r[1], 9)))
    years = sorted({r[0] for r in rows})
    fig, ax = figure()
    for i, kind in enumerate(ENROLLMENT_TYPES):
        points = [(r[0], r[4]) for r in rows if r[1] == kind and not is_small(r[2])]
        if points:
            ax.plot(*zip(*points, strict=True), marker="o", color=PALETTE[i], label=LABELS[kind])
    ax.set_yscale("log")
    ax.set_xticks(years)
    ax.set_ylabel("Paid per person-year ($, log scale)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(frameon=False, fontsize=8)
    body = svg(fig) + table(
        ["Year", "Enrollment type", "Beneficiaries", "Person-years", "Paid per person-year",
         "Mean age", "Female", "Deaths"],
        [(r[0], LABELS.get(r[1], r[1]), *r[2:]) for r in rows],
        ["number", "number", "number", "rate", "money", "rate", "percent", "number"],
        count_column=2,
    )
    return Section("Population", body)


def spending(con: duckdb.DuckDBPyConnection) -> Section:
    per_capita = ", ".join(
        f"sum(paid_{c}) / sum(person_years) AS {c}" for c in SERVICE_CATEGORIES
    )
    rows = con.execute(
        f"""SELECT year, count(*), sum(total_paid) / sum(person_years), {per_capita}
        FROM core_beneficiary_year GROUP BY year ORDER BY year"""
    ).fetchall()
    years = [r[0] for r in rows]
    fig, ax = figure()
    bottom = [0.0] * len(rows)
    for i, category in enumerate(SERVICE_CATEGORIES):
        values = [0.0 if is_small(r[1]) else (r[3 + i] or 0.0) for r in rows]
        ax.bar(years, values, bottom=bottom, color=PALETTE[i % len(PALETTE)],
               label=LABELS[category])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(years)
    ax.set_ylabel("Paid per person-year ($)")
    ax.legend(frameon=False, fontsize=8, ncol=3, loc="upper left", bbox_to_anchor=(1, 1))
    headers = ["Year", "Beneficiaries", "Total", *(LABELS[c] for c in SERVICE_CATEGORIES)]
    body = svg(fig) + table(
        headers, rows, ["number", "number"] + ["money"] * (len(headers) - 2), count_column=1
    )
    return Section("Per-capita spending by year and service category", body)


def utilization(con: duckdb.DuckDBPyConnection) -> Section:
    rows = con.execute(
        """
        SELECT year, count(*),
            1000 * sum(admissions) / sum(person_years),
            1000 * sum(snf_stays) / sum(person_years),
            sum(snf_days) / nullif(sum(snf_stays), 0),
            1000 * sum(ed_visits) / sum(person_years),
            sum(em_visits) / sum(person_years),
            sum(em_visits_primary_care) / sum(person_years),
            sum(em_visits_specialist) / sum(person_years)
        FROM core_beneficiary_year GROUP BY year ORDER BY year
        """
    ).fetchall()
    body = table(
        ["Year", "Beneficiaries", "Admissions /1,000", "SNF stays /1,000", "SNF length of stay",
         "ED visits /1,000", "E&M visits /person", "primary care", "specialist"],
        rows,
        ["number", "number"] + ["rate"] * 7,
        count_column=1,
    )
    return Section("Utilisation", body)


def data_quality(con: duckdb.DuckDBPyConnection, dollar_line: str) -> Section:
    rows = con.execute(
        "SELECT table_name, reason, rows, paid_amount FROM data_quality ORDER BY table_name,"
        " rows DESC"
    ).fetchall()
    if rows:
        body = table(["Table", "Reason excluded", "Rows", "Paid dollars"], rows,
                     ["number", "number", "number", "money"], count_column=2)
    else:
        body = "<p>No row was excluded.</p>"
    outside = con.execute(
        "SELECT reason, claim_lines, beneficiaries, paid_amount FROM core_unattributed_claims"
        " ORDER BY reason"
    ).fetchall()
    if outside:
        body += "<p>Claim lines kept at load that no beneficiary-year carries:</p>" + table(
            ["Reason", "Claim lines", "Beneficiaries", "Paid dollars"], outside,
            ["number", "number", "number", "money"], count_column=2)
    return Section("Data quality", f"<p>{dollar_line}</p>{body}")
