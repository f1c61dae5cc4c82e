"""The bundled-payments pipeline stage and its report section."""

from __future__ import annotations

import html

from apmlab import episodes
from apmlab.report.html import PALETTE, SUPPRESSED, Section, figure, is_small, svg, table

MODEL_LABELS = {"cjr": "CJR", "team": "TEAM", "bpci_a": "BPCI Advanced"}
POST_ACUTE = "paid_snf + paid_home_health + paid_inpatient_other"


def run(ctx) -> None:
    with ctx.console.status("episodes") as status:
        episodes.run(ctx.con, ctx.years,
                     on_model=lambda m: status.update(f"episodes: {m.table}"))


def sections(ctx) -> list[Section]:
    con = ctx.con
    notes = []
    if not episodes.has_table(con, episodes.HCC_SOURCE):
        notes.append("No risk_hcc_count table in the run: the HCC-count risk factor is left out "
                     "(age, dual status and bed size are used where the model has them).")
    if not episodes.has_table(con, episodes.QUALITY_SOURCE):
        notes.append("No episode_quality table: every participant gets the spec's default "
                     "composite quality score.")
    participants = con.execute(
        "SELECT count(*) FROM episodes WHERE participant_id IS NOT NULL").fetchall()[0][0]
    if not participants:
        notes.append("No hospital in the data participates in CJR, TEAM or BPCI Advanced: "
                     "episodes are built at every hospital, but nothing is reconciled.")
    body = "".join(f'<p class="note">{html.escape(n)}</p>' for n in notes)
    body += _by_type(con) + _savings(con) + _post_acute(con) + _hospitals(con) + _exclusions(con)
    return [Section("Bundled payments (CJR, TEAM, BPCI Advanced)", body)]


def _by_type(con) -> str:
    rows = con.execute(f"""
        SELECT model, episode_type, count(*) AS episodes,
            count(*) FILTER (WHERE participant_id IS NOT NULL) AS at_participants,
            count(*) FILTER (WHERE cancelled) AS canceled,
            avg(actual_payment) FILTER (WHERE NOT cancelled) AS mean_actual,
            avg({POST_ACUTE}) FILTER (WHERE NOT cancelled) AS mean_post_acute,
            avg(target_price) FILTER (WHERE NOT cancelled AND participant_id IS NOT NULL)
                AS mean_target
        FROM episodes GROUP BY ALL ORDER BY model, episode_type""").fetchall()
    return "<h3>Episodes by type</h3>" + table(
        ["Model", "Episode type", "Episodes", "At participants", "Canceled",
         "Mean actual payment", "Mean post-acute", "Mean target (participants)"],
        [(MODEL_LABELS.get(r[0], r[0]), r[1], r[2], _small(r[3]), _small(r[4]), r[5], r[6],
          SUPPRESSED if is_small(r[3]) else r[7]) for r in rows],
        ["number", "number", "number", "number", "number", "money", "money", "money"],
        count_column=2,
    )


def _small(count):
    """A second count in a row: suppressed on its own when it is 1-10."""
    return SUPPRESSED if is_small(count) else count


def _savings(con) -> str:
    rows = con.execute("""
        SELECT model, performance_year, count(*) AS participants, sum(episodes) AS episodes,
            sum(undiscounted_total) AS benchmark, sum(actual_total) AS actual,
            sum(gross_savings) AS gross, sum(reconciliation_payment) AS paid,
            sum(gross_savings) - sum(reconciliation_payment) AS net
        FROM episode_reconciliation GROUP BY ALL ORDER BY model, performance_year""").fetchall()
    if not rows:
        return ""
    fig, ax = figure()
    shown = [r for r in rows if not is_small(r[3])]
    labels = [f"{MODEL_LABELS.get(r[0], r[0])} {r[1]}" for r in shown]
    positions = range(len(shown))
    ax.bar([p - 0.2 for p in positions], [r[6] for r in shown], 0.4, color=PALETTE[0],
           label="Gross episode savings")
    ax.bar([p + 0.2 for p in positions], [r[7] for r in shown], 0.4, color=PALETTE[3],
           label="Reconciliation payments")
    ax.set_xticks(list(positions), labels, fontsize=8)
    ax.set_ylabel("$")
    ax.axhline(0, color="#333333", linewidth=0.6)
    if shown:
        ax.legend(frameon=False, fontsize=8)
    return ("<h3>Actual vs target, gross savings vs reconciliation payments</h3>"
            '<p class="note">Gross savings = undiscounted target - capped actual spending; net '
            "to Medicare = gross savings - reconciliation payments (positive payments go to "
            "hospitals). The gap between the two is what made BPCI Advanced cost Medicare "
            "money in its first years.</p>" + svg(fig) + table(
                ["Model", "Year", "Participants", "Episodes", "Target before discount",
                 "Actual (capped)", "Gross savings", "Reconciliation payments",
                 "Net savings to Medicare"],
                [(MODEL_LABELS.get(r[0], r[0]), str(r[1]), *r[2:]) for r in rows],
                ["number", "number", "number", "number", "money", "money", "money", "money",
                 "money"],
                count_column=3,
            ))


def _post_acute(con) -> str:
    rows = con.execute(f"""
        SELECT model, performance_year,
            participant_id IS NOT NULL AS participant, count(*) AS episodes,
            avg({POST_ACUTE}) AS post_acute, avg(actual_payment) AS actual
        FROM episodes WHERE NOT cancelled GROUP BY ALL
        ORDER BY model, performance_year, participant DESC""").fetchall()
    return "<h3>Post-acute spending per episode, participant vs other hospitals</h3>" + table(
        ["Model", "Year", "Hospitals", "Episodes", "Post-acute per episode",
         "Actual per episode"],
        [(MODEL_LABELS.get(r[0], r[0]), str(r[1]), "participants" if r[2] else "others",
          *r[3:]) for r in rows],
        ["number", "number", "number", "number", "money", "money"],
        count_column=3,
    )


def _hospitals(con) -> str:
    rows = con.execute("""
        SELECT model, participant_id, performance_year, track, episodes, target_total,
            actual_total, npra, stop_loss_gain_applied, reconciliation_payment
        FROM episode_reconciliation ORDER BY model, performance_year, participant_id
        LIMIT 200""").fetchall()
    if not rows:
        return ""
    return "<h3>NPRA per hospital</h3>" + table(
        ["Model", "Participant", "Year", "Track", "Episodes", "Target total", "Actual total",
         "NPRA", "Stop-loss/gain applied", "Reconciliation payment"],
        [(MODEL_LABELS.get(r[0], r[0]), r[1], str(r[2]), str(r[3]), *r[4:8],
          "yes" if r[8] else "no", r[9]) for r in rows],
        ["number", "number", "number", "number", "number", "money", "money", "money",
         "number", "money"],
        count_column=4,
    )


def _exclusions(con) -> str:
    rows = con.execute(
        "SELECT model, kind, reason, items, dollars FROM episode_exclusions ORDER BY ALL"
    ).fetchall()
    return "<h3>Canceled episodes and excluded dollars</h3>" + table(
        ["Model", "Kind", "Reason", "Episodes or claim lines", "Dollars"],
        [(MODEL_LABELS.get(r[0], r[0]), *r[1:]) for r in rows],
        ["number", "number", "number", "number", "money"],
        count_column=3,
    )
