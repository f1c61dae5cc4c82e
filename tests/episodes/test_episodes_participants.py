"""Synthetic proof: participant hospitals' post-acute spending per episode is lower than other
hospitals' by the effect the generator injected.

How the generator (apmlab.synth) builds it: a random set of hospitals outside the budget state
joins each bundled model; from the model's start year their episodes of the model's MS-DRGs
get a cut of ``-effect`` on the *amount* of post-acute care (fewer paid SNF days, lower
rehabilitation / long-term hospital payments, lower home health periods in the window).
Separately, and in every year, participant hospitals discharge 5% fewer patients to SNF,
rehabilitation and long-term hospitals (``bundle_selection``): a selection on *where* patients
go, not on how much care they get there. Patients of different hospitals also live in counties
with different price levels.

So the comparison is built in two steps:

1. per discharge destination (SNF, home health, rehabilitation / long-term hospital stays),
   the participants' mean spending over the others', weighted by the others' shares of
   post-acute dollars: post-acute spending per episode at the others' destination mix, which
   removes the selection;
2. that ratio after the start over the same ratio before (difference in differences), which
   removes stable differences between the hospitals' patients (prices, case mix).

The generator is configured for a precise, fast test: BPCI Advanced starts in 2022 (2021 is
the baseline), half the eligible hospitals join, every participant gets the same -30% effect
(no entity spread), 40,000 beneficiaries.
"""

from __future__ import annotations

import math

import pytest

from apmlab import core, engine, episodes, load
from apmlab.synth.generate import SynthConfig, generate

MODEL, START = "bpci_a", 2022
CONFIG = SynthConfig(bpci_a_start=START, bpci_a_hospital_share=0.5, bpci_a_effect=-0.30,
                     cjr_hospital_share=0.05, team_hospital_share=0.05, entity_spread=0.0)
DESTINATIONS = ("paid_snf", "paid_home_health", "paid_inpatient_other")


@pytest.fixture(scope="module")
def cells(tmp_path_factory):
    """(period, participant, destination) -> (episodes using it, mean, SD, dollars), and the
    truth the generator wrote."""
    out = tmp_path_factory.mktemp("participants")
    truth = generate(out, beneficiaries=40_000, years=(2021, 2022), seed=11, config=CONFIG)
    con = engine.connect()
    load(out, con)
    years = core.years_in_data(con)
    core.run(con, years)
    episodes.run(con, years, (MODEL,))
    used = " UNION ALL ".join(
        f"SELECT post, participant, '{d}' AS destination, {d} AS amount FROM e WHERE {d} > 0"
        for d in DESTINATIONS)
    rows = con.execute(f"""
        WITH bundle AS (
            SELECT DISTINCT ccn, model FROM participation
            WHERE model IN ('cjr', 'team', 'bpci_a')
        ),
        e AS (
            SELECT ep.performance_year >= $start AS post, b.ccn IS NOT NULL AS participant,
                {", ".join(DESTINATIONS)}
            FROM episodes AS ep
            LEFT JOIN bundle AS b ON b.ccn = ep.hospital_ccn
            WHERE ep.model = $model AND NOT ep.cancelled
                AND (b.model IS NULL OR b.model = $model)
        )
        SELECT post, participant, destination, count(*), avg(amount), stddev_samp(amount),
            sum(amount)
        FROM ({used}) GROUP BY ALL""", {"start": START, "model": MODEL}).fetchall()
    return {(r[0], r[1], r[2]): r[3:] for r in rows}, truth["models"][MODEL]


def _standardized_ratio(cells, post: bool) -> tuple[float, float]:
    """Participants' post-acute spending per episode at the others' destination mix, over the
    others' (a weighted mean of per-destination ratios), and its variance (delta method)."""
    others = sum(cells[(post, False, d)][3] for d in DESTINATIONS)
    ratio = variance = 0.0
    for d in DESTINATIONS:
        n1, mean1, sd1, _ = cells[(post, True, d)]
        n0, mean0, sd0, dollars0 = cells[(post, False, d)]
        weight, r = dollars0 / others, mean1 / mean0
        ratio += weight * r
        variance += (weight * r) ** 2 * ((sd1 / mean1) ** 2 / n1 + (sd0 / mean0) ** 2 / n0)
    return ratio, variance


def test_participants_post_acute_spending_per_episode_is_lower_by_the_injected_effect(cells):
    """The difference in differences of destination-standardised post-acute spending per
    episode equals truth.json's post-acute effect (-30%) within 3 standard errors (about 10
    points here; the standard error comes from the episodes' own spread, by the delta method,
    so the bound is the sampling noise at this population size). Small biases towards zero
    (post-acute care of readmissions is not cut, SNF days are rounded, the generator's window
    is one day longer) are well inside it. The bound is tight enough to reject a stage that
    found no effect: 3 standard errors are less than half the effect."""
    by_cell, truth = cells
    effect = truth["post_acute_effect_pct"] / 100
    before, var_before = _standardized_ratio(by_cell, post=False)
    after, var_after = _standardized_ratio(by_cell, post=True)
    did = after / before - 1
    se = (1 + did) * math.sqrt(var_after / after**2 + var_before / before**2)
    assert effect == pytest.approx(-0.30)
    assert 3 * se < abs(effect) / 2, f"too noisy to test: SE {se:.3f}"
    assert did == pytest.approx(effect, abs=3 * se)


def test_before_the_start_participants_spend_the_same_per_destination(cells):
    """Before the model starts, the generator gives participants no effect: at the others'
    destination mix their post-acute spending per episode is the others' within 3 standard
    errors (the selection is on destination only, which the standardisation removes)."""
    by_cell, _ = cells
    before, variance = _standardized_ratio(by_cell, post=False)
    assert before == pytest.approx(1.0, abs=3 * math.sqrt(variance))

