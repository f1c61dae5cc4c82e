"""The demo's story, from injected effects and the payment stages' own rules, never hard-coded.

The whole pipeline (every stage, so payments come from the MSSP settlement, the episode
reconciliation and the hospital budgets) runs on one synthetic population. The demo itself
(200,000 beneficiaries, default effects) takes 3 minutes; this test uses 20,000 beneficiaries
with stronger injected effects, so that the intervals still allow a direction:

* spending fell where an effect was injected: the gross-savings interval lies above 0 for
  the global-budget state and the ACOs (BPCI Advanced's episode interval, a handful of
  hospitals here, is too wide to rely on at this size);
* net savings are gross savings less what the model paid, the payments read from the
  payment stages' tables;
* the published story of the nets: the global-budget state saves money net (CMMI's review:
  a "home run"); bundled payments' reconciliation payments take most of the gross episode
  savings; ACOs are paid less than they save. The global-budget state's hospitals are paid
  their budgets, which the state's rate setter grows slower than the trend
  (budget_hospital_adjustment), so its fall in spending is kept net. The bundled-payment
  story holds on average over seeds but not on this population (marked xfail with the
  reason).
"""

from __future__ import annotations

import warnings

import pytest
from rich.console import Console

from apmlab import pipeline
from apmlab.synth.generate import SynthConfig, generate

# Stronger than the defaults (global budget 2.5 points a year, ACO 2-3%, bundles 10-12% of
# post-acute spending), so that 20,000 beneficiaries give intervals that exclude zero.
CONFIG = SynthConfig(global_budget_growth_cut=0.05, mssp_effect=-0.06, reach_effect=-0.08,
                     bpci_a_effect=-0.30, entity_spread=0.2)


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    folder = tmp_path_factory.mktemp("story")
    generate(folder / "data", beneficiaries=20_000, years=(2021, 2025), seed=7, config=CONFIG)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = pipeline.run(folder / "data", folder / "out", Console(quiet=True))
    card = ctx.con.execute(
        "SELECT * FROM evaluation_scorecard WHERE entity_id = 'all'").df().set_index("model")
    return ctx.con, card


@pytest.mark.parametrize("model", ["global_budget", "mssp", "reach"])
def test_spending_fell_where_an_effect_was_injected(story, model):
    _, card = story
    assert card.loc[model, "gross_savings_low"] > 0
    assert card.loc[model, "ci_high_pct"] < 0


@pytest.mark.parametrize(("model", "sql"), [
    ("global_budget", "SELECT sum(corridor_adjustment) FROM hospital_budget WHERE year >= 2023"),
    ("bpci_a", "SELECT sum(reconciliation_payment) FROM episode_reconciliation "
               "WHERE model = 'bpci_a' AND performance_year >= 2024"),
    ("mssp", "SELECT sum(earned_savings_losses) FROM mssp_settlement "
             "WHERE performance_year >= 2023"),
])
def test_net_is_gross_less_what_the_payment_stage_paid(story, model, sql):
    """Payments from the model's start year (2023; BPCI Advanced 2024)."""
    con, card = story
    paid = con.execute(sql).fetchall()[0][0]
    row = card.loc[model]
    assert row["model_payments"] == pytest.approx(paid, abs=0.01)
    assert row["net_savings"] == pytest.approx(row["gross_savings"] - paid)
    assert row["net_savings_low"] == pytest.approx(row["gross_savings_low"] - paid)


@pytest.mark.parametrize("model", ["mssp", "reach"])
def test_acos_are_paid_less_than_they_save(story, model):
    """Shared savings are a share of savings against a benchmark (at most 50-75% under
    42 CFR 425.605 and 425.610; REACH after its discount), so what ACOs are paid stays below
    the fall in spending and Medicare keeps a net saving."""
    _, card = story
    row = card.loc[model]
    assert row["model_payments"] < row["gross_savings"]
    assert row["net_savings"] > 0


def test_global_budget_state_saves_money_net(story):
    _, card = story
    assert card.loc["global_budget", "net_savings_low"] > 0


@pytest.mark.xfail(strict=False, reason=(
    "the story holds on average, not on this one population: BPCI Advanced hospitals join on "
    "a falling trajectory and are priced on their own history, so over 29 seeds of 20,000 "
    "(benchmarks/coverage.py) they were paid 2.45 times the estimated gross savings, a net "
    "loss as in Model Years 1-2. Here 4 participant hospitals, with their own trend "
    "extrapolated over 2 exposed years, leave the gross estimate at +7.1% [-5.3, +19.4] "
    "against an injected -4.7%: too noisy to show savings at all"))
def test_bundled_reconciliation_payments_take_the_gross_savings(story):
    _, card = story
    row = card.loc["bpci_a"]
    assert row["gross_savings"] > 0
    assert row["model_payments"] > 0.5 * row["gross_savings"]
