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
                "0.0 AS paid_inpatient_other FROM frame")
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
