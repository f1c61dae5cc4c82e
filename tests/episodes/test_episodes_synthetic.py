"""Synthetic ground truth: the generator injects a CJR effect on post-acute spending at
participant hospitals; generating the same population twice, with and without the effect,
gives each episode its own counterfactual, so the effect the episodes stage measures can be
checked against the one injected (and against truth.json's realised effect)."""

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
            SELECT episode_id, participant_id IS NOT NULL, {POST_ACUTE}, actual_payment
            FROM episodes WHERE NOT cancelled AND performance_year >= 2022""").fetchall()
        runs[name] = (truth["models"]["cjr"], {r[0]: r[1:] for r in rows})
    return runs


def _change(paired, participant: bool, column: int) -> float:
    with_model, without = paired["model"][1], paired["no_model"][1]
    keys = [k for k in with_model.keys() & without.keys() if with_model[k][0] == participant]
    assert keys, "no episodes to compare"
    return (sum(with_model[k][column] for k in keys) / sum(without[k][column] for k in keys)) - 1


def test_participant_post_acute_spending_falls_by_the_injected_effect(paired):
    """Injected: -12% on post-acute spending in the window (entity spread 0.4 around it)."""
    injected = paired["model"][0]["post_acute_effect_pct"] / 100
    assert injected == pytest.approx(-0.12)
    assert injected - 0.06 < _change(paired, True, 1) < injected + 0.06


def test_episode_spending_change_matches_truth(paired):
    """truth.json's realised effect on episode spending among exposed episodes; the stage's
    episodes differ only by the day of discharge counting as day 1 and by cancellations."""
    truth = paired["model"][0]["effect_pct"] / 100
    assert _change(paired, True, 2) == pytest.approx(truth, abs=0.005)


def test_other_hospitals_are_untouched(paired):
    """The effect lands on participant hospitals only."""
    assert _change(paired, False, 1) == pytest.approx(0, abs=1e-9)
