"""Report sections of the model review, read back from the evaluation tables (so a run
database can be reported without re-estimating)."""

from __future__ import annotations

import html

import duckdb
import numpy as np

from apmlab.evaluate import savings
from apmlab.evaluate.designs import DESIGNS
from apmlab.report import Section
from apmlab.report.html import PALETTE, SUPPRESSED, figure, is_small, svg, table

VERDICT_RULE = (
    "Verdict rule (95% intervals): saves money if the net-savings interval is above 0; "
    "costs money if it is below 0; mixed if spending fell (gross-savings interval above 0) "
    "but the net-savings interval spans 0; inconclusive otherwise, including when the "
    "model's payments are not in the data or it has fewer than "
    f"{savings.MIN_CLUSTERS} participant clusters (its intervals then rest on a handful of "
    "clusters). Net savings = gross savings - payments to "
    "participants; payments are recorded amounts, so the interval is the gross interval "
    "shifted by them."
)


def sections(con: duckdb.DuckDBPyConnection) -> list[Section]:
    rows = _rows(con, "SELECT * FROM evaluation_scorecard ORDER BY model, entity_id")
    card = [r for r in rows if r["entity_id"] == "all"]
    entities = [r for r in rows if r["entity_id"] != "all"]
    notes = _rows(con, "SELECT model, note FROM evaluation_notes")
    if not card:
        body = "<p>No payment model could be evaluated on these data.</p>" + _notes(notes)
        return [Section("Model review", body)]
    return [
        Section("Model review: scorecard", _scorecard(card) + _designs(card) + _notes(notes)),
        Section("Model review: participants", _entities(entities)),
        Section("Model review: net savings", _waterfalls(card)),
        Section("Model review: event studies", _event_studies(con)),
        Section("Model review: comparison-group balance", _balance(con)),
        Section("Model review: other outcomes and subgroups", _effects(con)),
    ]


def _rows(con, sql: str) -> list[dict]:
    result = con.execute(sql)
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _money_interval(low, high) -> str:
    return "" if low is None else f"${low / 1e6:,.2f}M to ${high / 1e6:,.2f}M"


def _scorecard(card: list[dict]) -> str:
    rows = [[
        r["model"], r["outcome"], r["estimator"], r["gross_effect_pct"] / 100,
        f"{r['ci_low_pct']:.1f}% to {r['ci_high_pct']:.1f}%", r["exposed_units"],
        r["gross_savings"], _money_interval(r["gross_savings_low"], r["gross_savings_high"]),
        r["model_payments"], r["net_savings"],
        _money_interval(r["net_savings_low"], r["net_savings_high"]),
        "" if r["pretrend_p"] is None else f"{r['pretrend_p']:.2f}", r["verdict"],
        r["participants"] if r["unit"] == "person-year" else r["exposed_units"],
    ] for r in card]
    headers = ["Model", "Outcome", "Estimator", "Effect", "95% CI", "Exposed units",
               "Gross savings", "Gross 95% CI", "Payments", "Net savings", "Net 95% CI",
               "Pre-trend p", "Verdict", "Beneficiaries or episodes"]
    kinds = ["text", "text", "text", "percent", "text", "number", "money", "text", "money",
             "money", "text", "text", "text", "number"]
    return (table(headers, rows, kinds, count_column=13)
            + f'<p class="note">{html.escape(VERDICT_RULE)} Effect: change in the targeted '
            "outcome per exposed person-year (or episode) as a share of what it would have "
            "been. Last column: participating beneficiaries (or exposed episodes), the count "
            "small-cell suppression applies to.</p>")


def _entities(rows: list[dict]) -> str:
    """One row per participant entity of models with several; rows describing 1-10
    beneficiaries (or exposed episodes) are suppressed."""
    if not rows:
        return "<p>No model has more than one participant entity: no per-entity rows.</p>"
    body = []
    for r in rows:
        count = r["participants"] if r["unit"] == "person-year" else r["exposed_units"]
        hide = is_small(count)     # the table helper suppresses numbers, not text intervals
        body.append([
            r["model"], r["entity_id"], r["gross_effect_pct"] / 100,
            SUPPRESSED if hide else f"{r['ci_low_pct']:.1f}% to {r['ci_high_pct']:.1f}%",
            r["exposed_units"], r["gross_savings"], r["model_payments"], r["net_savings"],
            SUPPRESSED if hide else _money_interval(r["net_savings_low"],
                                                    r["net_savings_high"]),
            r["verdict"], count])
    return table(["Model", "Entity", "Effect", "95% CI", "Exposed units", "Gross savings",
                  "Payments", "Net savings", "Net 95% CI", "Verdict",
                  "Beneficiaries or episodes"], body,
                 ["text", "text", "percent", "text", "number", "money", "money", "money",
                  "text", "text", "number"], count_column=10) + (
        "<p class=\"note\">Each participant (ACO, hospital) against every comparison unit, "
        "estimated on cluster-year cells with standard errors that judge the entity's noise "
        "by that of all cells; one entity's interval is wide, and a few of many will miss "
        "by chance. Payments are the entity's own records.</p>")


def _designs(card: list[dict]) -> str:
    evaluated = {r["model"] for r in card}
    items = "".join(
        f"<li>{html.escape(d.label)} ({d.model}): {html.escape(d.exposure)}; payments from "
        f"{html.escape(', '.join(p.upstream for p in d.payments))}.</li>"
        for d in DESIGNS if d.model in evaluated)
    return f"<p>Designs:</p><ul class=\"note\">{items}</ul>"


def _notes(notes: list[dict]) -> str:
    if not notes:
        return ""
    items = "".join(f"<li>{html.escape(n['model'])}: {html.escape(n['note'])}</li>"
                    for n in notes)
    return f"<p>Notes:</p><ul class=\"note\">{items}</ul>"


def _waterfalls(card: list[dict]) -> str:
    """Gross savings, minus payments, equals net savings, one panel per model."""
    fig, axes = _panels(len(card))
    for ax, r in zip(axes, card, strict=False):
        gross = r["gross_savings"] / 1e6
        error = [[gross - r["gross_savings_low"] / 1e6], [r["gross_savings_high"] / 1e6 - gross]]
        ax.bar(0, gross, color=PALETTE[1])
        ax.errorbar(0, gross, yerr=error, color="black", capsize=3)
        labels = ["gross"]
        if r["net_savings"] is not None:
            paid, net = r["model_payments"] / 1e6, r["net_savings"] / 1e6
            ax.bar(1, -paid, bottom=gross, color=PALETTE[4])
            ax.bar(2, net, color=PALETTE[5] if net >= 0 else PALETTE[4])
            ax.errorbar(2, net, yerr=error, color="black", capsize=3)
            labels += ["paid", "net"]
        ax.axhline(0, color="#555555", linewidth=0.8)
        ax.set_xticks(range(len(labels)), labels, fontsize=8)
        ax.set_title(f"{r['model']}: {r['verdict']}", fontsize=9)
        ax.set_ylabel("$ millions (95% CI)", fontsize=8)
    fig.tight_layout()
    note = ("<p class=\"note\">Savings to Medicare over the evaluated years: gross savings "
            "(estimated fall in spending x exposed units), minus what the model paid its "
            "participants, equals net savings. A model without payment records shows no "
            "net interval.</p>")
    return svg(fig) + note


def _panels(n: int):
    """A figure of ``n`` small charts, three to a row; the axes in reading order."""
    columns = min(3, n)
    rows = -(-n // columns)
    fig, _ = figure(width=3.6 * columns, height=3.0 * rows)
    fig.clear()
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes:
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes


def _event_studies(con) -> str:
    rows = _rows(con, "SELECT * FROM evaluation_event_study ORDER BY model, event_time")
    if not rows:
        return "<p>No model has two or more years before its start: no event study.</p>"
    models = list(dict.fromkeys(r["model"] for r in rows))
    pretrend = dict(con.execute("SELECT model, pretrend_p FROM evaluation_scorecard").fetchall())
    fig, axes = _panels(len(models))
    for ax, model in zip(axes, models, strict=False):
        own = [r for r in rows if r["model"] == model]
        t = np.array([r["event_time"] for r in own])
        y = np.array([r["effect"] for r in own])
        lo = np.array([r["ci_low"] for r in own])
        hi = np.array([r["ci_high"] for r in own])
        ax.errorbar(t, y, yerr=[y - lo, hi - y], fmt="o", color=PALETTE[0], capsize=3)
        ax.axhline(0, color="#555555", linewidth=0.8)
        ax.axvline(-0.5, color="#999999", linestyle=":", linewidth=0.8)
        p = pretrend.get(model)
        ax.set_title(f"{model} ({own[0]['outcome']})" + (f"\npre-trend p = {p:.2f}"
                                                          if p is not None else ""), fontsize=9)
        ax.set_xlabel("years since start", fontsize=8)
        ax.set_ylabel("effect per unit ($, 95% CI)", fontsize=8)
    fig.tight_layout()
    return svg(fig) + ("<p class=\"note\">Effects of attribution (intent to treat) by year "
                       "since the start; year -1 is the reference. Pre-period effects near "
                       "zero support parallel trends; the p-value is the joint Wald test that "
                       "they are all zero.</p>")


def _balance(con) -> str:
    rows = _rows(con, "SELECT * FROM evaluation_balance ORDER BY model")
    if not rows:
        return "<p>No comparison group was weighted.</p>"
    body = [[r["model"], r["covariate"], r["mean_participants"], r["mean_comparison"],
             r["mean_comparison_weighted"], r["std_diff_before"], r["std_diff_after"]]
            for r in rows]
    return table(["Model", "Baseline covariate", "Participants", "Comparison",
                  "Comparison (weighted)", "Std. diff. before", "Std. diff. after"],
                 body, ["text", "text", "number", "number", "number", "number", "number"]) + (
        "<p class=\"note\">Standardised difference: (participant mean - comparison mean) / "
        "pooled standard deviation; below 0.1 in absolute value is good balance (Austin "
        "2009). Weights of beneficiary models: propensity score (logit on age, sex, dual "
        "status, enrollment type, rurality and risk score), for the average effect on "
        "participants. Weights of bundled-payment models: comparison episodes raked, year "
        "by year, to the participants' case mix (MS-DRG, age band, full dual, HCC count "
        "band); their rows describe the episodes before the model's start. Baseline spending "
        "is shown but not weighted on: matching a noisy pre-period outcome makes the "
        "comparison group regress to the mean afterwards, which a DiD reads as an effect "
        "(Daw and Hatfield 2018); the unit fixed effects remove level differences.</p>")


def _effects(con) -> str:
    rows = _rows(con, "SELECT * FROM evaluation_effects ORDER BY model, subgroup, outcome")
    body = [[r["model"], r["subgroup"], r["outcome"], r["estimator"], r["effect"],
             r["effect_pct"] / 100, f"{r['ci_low']:,.1f} to {r['ci_high']:,.1f}",
             r["observations"]]
            for r in rows]
    return table(["Model", "Subgroup", "Outcome", "Estimator", "Effect per unit", "Effect %",
                  "95% CI", "Observations"], body,
                 ["text", "text", "text", "text", "rate", "percent", "text", "number"],
                 count_column=7) + (
        "<p class=\"note\">did: two-way fixed effects; did2s: Gardner two-stage (staggered "
        "entry); did_exposure: DiD per exposed unit (attribution instruments exposure); "
        "_trend: participants also get their own linear trend (voluntary models, whose "
        "participants may join because their spending was already falling); naive: "
        "participants vs others after the start, no baseline adjustment "
        f"(shown to expose selection). Verdict categories: {savings.SAVES}, {savings.MIXED}, "
        f"{savings.COSTS}, {savings.INCONCLUSIVE}.</p>")
