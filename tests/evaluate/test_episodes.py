"""The bundled-payment design on episode tables written here: participant vs other hospitals,
episode DiD, reconciliation payments and net savings."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from apmlab.evaluate import estimators, panel, review
from apmlab.evaluate.designs import DESIGNS

EFFECT = -1_500.0   # per episode at participant hospitals from 2023
PAID = 250.0        # reconciliation payment per participant hospital and year


CJR = next(d for d in DESIGNS if d.model == "cjr")


@pytest.fixture(scope="module")
def episode_con():
    """40 hospitals (the first 12 in CJR from 2023), 60 episodes each a year, 2020-2025.
    Participants are selected: their episodes cost 5,000 more in every year."""
    rng = np.random.default_rng(5)
    hospitals = [f"{100000 + h}" for h in range(40)]
    participant = {h: i < 12 for i, h in enumerate(hospitals)}
    rows = []
    for h in hospitals:
        level = rng.normal(25_000, 1_000) + 5_000 * participant[h]
        for year in range(2020, 2026):
            shock = rng.normal(0, 500)
            for k in range(60):
                post_acute = rng.gamma(2.0, 4_000)
                treated = participant[h] and year >= 2023
                rows.append((f"{h}-{year}-{k}", "cjr", h, f"{year}-06-30",
                             level + 300 * (year - 2020) + shock + post_acute
                             + rng.normal(0, 6_000) + (EFFECT if treated else 0.0),
                             post_acute, False))
    con = duckdb.connect()
    episodes = pd.DataFrame(rows, columns=["episode_id", "model", "hospital_ccn",
                                           "anchor_end_date", "actual_payment", "paid_snf",
                                           "cancelled"])
    episodes["anchor_end_date"] = pd.to_datetime(episodes["anchor_end_date"])
    con.register("frame", episodes)
    con.execute("CREATE TABLE episodes AS SELECT *, 0.0 AS paid_home_health, "
                "0.0 AS paid_inpatient_other, '470' AS anchor_drg, '65_74' AS age_band, "
                "'not_full_dual' AS dual, '1' AS hcc_count_band FROM frame")
    con.execute("CREATE TABLE participation AS SELECT ccn AS entity_id, 'cjr' AS model, "
                "CAST(NULL AS VARCHAR) AS tin, ccn, CAST(NULL AS VARCHAR) AS state, "
                "DATE '2023-01-01' AS start_date, CAST(NULL AS DATE) AS end_date "
                "FROM (SELECT unnest($ccns) AS ccn)",
                {"ccns": [h for h in hospitals if participant[h]]})
    con.execute("CREATE TABLE episode_reconciliation AS SELECT 'cjr' AS model, "
                "entity_id AS participant_id, y AS performance_year, "
                "$paid AS reconciliation_payment FROM participation, "
                "(SELECT unnest([2023, 2024, 2025]) AS y)", {"paid": PAID})
    notes: list[tuple[str, str]] = []
    panel.prepare_sources(con, DESIGNS, notes)
    return con


@pytest.fixture(scope="module")
def episode_db(episode_con):
    return review._episodes(episode_con, CJR, 2020, 2025)


def test_episode_did_recovers_the_effect_despite_selection(episode_db):
    result = episode_db
    assert result.primary.estimator == "did"
    assert result.primary.ci_low <= EFFECT <= result.primary.ci_high
    naive = next(e for g, e in result.effects if e.estimator == "naive"
                 and e.outcome == "episode_spending")
    assert naive.ci_low > EFFECT                # participants' 5,000 extra hides the saving
    assert (result.n_treated, result.n_comparison) == (12, 28)


def test_exposed_episodes_payments_and_net_savings(episode_db):
    """12 hospitals x 3 years x 60 episodes exposed; 12 x 3 reconciliation payments of 250."""
    net = episode_db.net
    assert net.exposed == 12 * 3 * 60
    assert net.payments == pytest.approx(12 * 3 * PAID)
    assert net.gross == pytest.approx(-episode_db.primary.effect * 2_160)
    assert net.net == pytest.approx(net.gross - 9_000)
    assert episode_db.payment_sources == "episode_reconciliation.reconciliation_payment"


def test_one_row_per_participant_hospital_with_its_own_payments(episode_db):
    """Each of the 12 hospitals: 3 years x 60 exposed episodes, 3 payments of 250; its own
    effect is noisy (one hospital's 180 episodes) but they centre on the injected one."""
    entities = episode_db.entities
    assert len(entities) == 12
    for e in entities:
        assert e.net.exposed == 180
        assert e.net.payments == pytest.approx(3 * PAID)
        assert e.net.net == pytest.approx(-e.estimate.effect * 180 - 3 * PAID)
        assert e.participants == 1
    mean = np.mean([e.estimate.effect for e in entities])
    assert abs(mean - EFFECT) < 900        # about 3 standard errors of the mean of 12
    covered = sum(e.estimate.ci_low <= EFFECT <= e.estimate.ci_high for e in entities)
    assert covered >= 9


def test_episode_cells_give_the_episode_level_estimate(episode_con):
    """Every regressor of the episode DiD is constant within a hospital-year, so the
    weighted regression on hospital-year cells gives the episode-level estimate."""
    data = panel.episode_panel(episode_con, CJR)
    one = sorted(data.loc[data["treated"] == 1, "entity_id"].unique())[0]
    single = data[(data["treated"] == 0) | (data["entity_id"] == one)]
    episode_level = estimators.did(single, "episode_spending")
    cells = estimators.by_entity(single, "episode_spending")[one]
    assert cells.effect == pytest.approx(episode_level.effect, rel=1e-9)


def test_hospitals_under_a_global_budget_are_no_comparison(episode_con):
    """A hospital paid under a state's global budget, not the IPPS, leaves the comparison
    group of a bundle; its episodes go with it and every other hospital stays."""
    every = panel.episode_panel(episode_con, CJR)
    comparison = every.loc[every["treated"] == 0, "episode_id"]
    budget_ccn = sorted({e.split("-")[0] for e in comparison})[0]
    episode_con.execute("BEGIN")
    try:
        episode_con.execute(
            "INSERT INTO participation VALUES ('21', 'global_budget', NULL, $ccn, '21', "
            "DATE '2021-01-01', NULL)", {"ccn": budget_ccn})
        without = panel.episode_panel(episode_con, CJR)
    finally:
        episode_con.execute("ROLLBACK")
    assert set(every["episode_id"]) - set(without["episode_id"]) == {
        e for e in comparison if e.startswith(f"{budget_ccn}-")}
    assert (without["treated"] == 0).any()


def test_comparison_episodes_follow_the_participants_case_mix_each_year():
    """Other hospitals shift to 85+ patients (3,000 more per episode) from 10% of their
    episodes before 2023 to 60% after, participants stay at 10%, and nothing else changes:
    there is no effect. Unweighted, the others' rise in spending reads as a saving at the
    participants of about 0.5 x 3,000; with the comparison raked to the participants' case
    mix year by year (panel.episode_panel) the interval covers 0, and the balance table
    shows the age mix before the start equal after weighting."""
    rng = np.random.default_rng(11)
    rows = []
    for h in range(30):
        participant = h < 10
        level = rng.normal(25_000, 1_000)
        for year in range(2020, 2026):
            old_share = 0.1 if participant or year < 2023 else 0.6
            for k in range(80):
                old = rng.random() < old_share
                rows.append((f"{h}-{year}-{k}", "cjr", f"{200000 + h}", f"{year}-06-30",
                             level + 3_000 * old + rng.normal(0, 2_000), 0.0, False,
                             "85plus" if old else "65_74"))
    con = duckdb.connect()
    con.register("frame", pd.DataFrame(rows, columns=[
        "episode_id", "model", "hospital_ccn", "anchor_end_date", "actual_payment", "paid_snf",
        "cancelled", "age_band"]))
    con.execute("CREATE TABLE episodes AS SELECT * EXCLUDE (anchor_end_date), "
                "CAST(anchor_end_date AS DATE) AS anchor_end_date, 0.0 AS paid_home_health, "
                "0.0 AS paid_inpatient_other, '470' AS anchor_drg, 'not_full_dual' AS dual, "
                "'1' AS hcc_count_band FROM frame")
    con.execute("CREATE TABLE participation AS SELECT ccn AS entity_id, 'cjr' AS model, "
                "CAST(NULL AS VARCHAR) AS tin, ccn, CAST(NULL AS VARCHAR) AS state, "
                "DATE '2023-01-01' AS start_date, CAST(NULL AS DATE) AS end_date "
                "FROM (SELECT unnest($ccns) AS ccn)",
                {"ccns": [f"{200000 + h}" for h in range(10)]})
    panel.prepare_sources(con, DESIGNS, [])
    data = panel.episode_panel(con, CJR)
    weighted = estimators.did(data, "episode_spending")
    unweighted = estimators.did(data.assign(weight=1.0), "episode_spending")
    assert unweighted.ci_high < -1_000
    assert weighted.ci_low <= 0 <= weighted.ci_high
    balance = panel.episode_balance(data).set_index("covariate")
    assert abs(balance.loc["age_85plus", "std_diff_after"]) < 0.05


def test_balance_shows_participants_joining_on_a_falling_trend():
    """Three pre-period years; the 5 participant hospitals' mean episode spending falls
    1,000 a year, the 15 others' stays flat: the balance row hospital_trend shows about
    -1,000 against about 0, a large standardised difference."""
    rng = np.random.default_rng(5)
    rows = []
    for h in range(20):
        slope = -1_000 if h < 5 else 0
        for year in (2020, 2021, 2022, 2023):
            for _ in range(60):
                rows.append({"unit_id": h, "year": year, "treated": int(h < 5),
                             "cohort": 2023 if h < 5 else 0, "weight": 1.0,
                             "episode_spending": 25_000 + slope * (year - 2020)
                             + rng.normal(0, 3_000), "hcc_count_band": "1",
                             "age_band": "65_74", "dual": "not_full_dual"})
    row = panel.episode_balance(pd.DataFrame(rows)).set_index("covariate").loc[
        "hospital_trend"]
    assert row["mean_participants"] == pytest.approx(-1_000, abs=250)
    assert row["mean_comparison"] == pytest.approx(0, abs=250)
    assert row["std_diff_before"] < -1


def test_raking_matches_every_column_of_the_treated_mix():
    """Two correlated categorical columns, treated rows older and more often dual: after
    raking, each column's weighted shares over the comparisons equal the treated shares;
    a level the treated never have gets weight 0; comparison weights average 1."""
    rng = np.random.default_rng(3)
    n = 4_000
    treated = rng.random(n) < 0.3
    age = np.where(rng.random(n) < np.where(treated, 0.5, 0.2), "85plus", "65_74")
    dual = np.where(rng.random(n) < np.where(age == "85plus", 0.4, 0.1) + 0.1 * treated,
                    "full_dual", "not_full_dual")
    drg = np.where(treated, "470", np.where(rng.random(n) < 0.2, "291", "470"))
    frame = pd.DataFrame({"treated": treated.astype(int), "age_band": age, "dual": dual,
                          "anchor_drg": drg})
    weight = panel.rake(frame, ("age_band", "dual", "anchor_drg"))
    comparison = ~treated
    assert np.all(weight[treated] == 1)
    assert np.all(weight[comparison & (drg == "291")] == 0)
    assert weight[comparison].mean() == pytest.approx(1)
    for column, level in (("age_band", "85plus"), ("dual", "full_dual")):
        want = np.mean(frame[column][treated] == level)
        got = np.average(frame[column][comparison] == level, weights=weight[comparison])
        assert got == pytest.approx(want, abs=1e-6)
