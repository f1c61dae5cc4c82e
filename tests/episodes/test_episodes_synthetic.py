"""Synthetic ground truth: the generator injects a CJR effect on post-acute spending at
participant hospitals (-12% on average, spread across hospitals); generating the same
population twice, with and without the effect, gives each episode its own counterfactual, so
the effect the episodes stage measures can be checked against truth.json's realised one."""

from __future__ import annotations

import dataclasses

import pytest

from apmlab import core, engine, episodes, load
from apmlab.synth.generate import SynthConfig, generate

POST_ACUTE = "paid_snf + paid_home_health + paid_inpatient_other"


@pytest.fixture(scope="module")
def paired(tmp_path_factory):
    runs = {}
    for name, config in (("model", SynthConfig()),
                         ("no_model", dataclasses.replace(SynthConfig(), cjr_effect=0.0))):
        out = tmp_path_factory.mktemp(name)
        truth = generate(out, beneficiaries=3000, years=(2021, 2022), seed=11, config=config)
        con = engine.connect()
        load(out, con)
        years = core.years_in_data(con)
        core.run(con, years)
        episodes.run(con, years, ("cjr",))
        rows = con.execute(f"""
            SELECT episode_id, participant_id IS NOT NULL, {POST_ACUTE}, actual_payment, cancelled
            FROM episodes WHERE performance_year >= 2022""").fetchall()
        runs[name] = (truth["models"]["cjr"], {r[0]: r[1:] for r in rows})
    return runs


def _change(paired, participant: bool, column: int) -> float:
    with_model, without = paired["model"][1], paired["no_model"][1]
    keys = [k for k in with_model.keys() & without.keys()
            if with_model[k][0] == participant and not with_model[k][3]]
    assert keys, "no episodes to compare"
    return (sum(with_model[k][column] for k in keys) / sum(without[k][column] for k in keys)) - 1


def test_participant_post_acute_spending_falls_by_the_injected_dollars(paired):
    """The generator cuts post-acute spending only (SNF days, rehabilitation and long-term
    hospital stays, home health) at participant hospitals: truth.json's counterfactual -
    actual is the dollars it removed from exposed episodes. The episodes at participants
    (canceled ones too, as the generator does not cancel) lose the same post-acute dollars
    within 10% (windows differ by a day: the generator ends them 90 days after discharge,
    the regulation on day 90 counting the discharge day), and nothing else changes."""
    truth = paired["model"][0]
    removed = truth["counterfactual"] - truth["actual"]
    assert truth["post_acute_effect_pct"] == pytest.approx(-12.0) and removed > 0
    with_model, without = paired["model"][1], paired["no_model"][1]
    keys = [k for k in with_model if with_model[k][0]]
    post_acute = sum(without[k][1] - with_model[k][1] for k in keys)
    total = sum(without[k][2] - with_model[k][2] for k in keys)
    assert post_acute == pytest.approx(removed, rel=0.10)
    assert total == pytest.approx(post_acute)
    assert _change(paired, True, 1) < 0


def test_episode_spending_change_matches_truth(paired):
    """truth.json's realised effect on episode spending among exposed episodes; the stage's
    episodes differ only by the day of discharge counting as day 1 and by cancellations."""
    truth = paired["model"][0]["effect_pct"] / 100
    assert _change(paired, True, 2) == pytest.approx(truth, abs=0.005)


def test_other_hospitals_are_untouched(paired):
    """The effect lands on participant hospitals only."""
    assert _change(paired, False, 1) == pytest.approx(0, abs=1e-9)
