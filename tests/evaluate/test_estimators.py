"""The estimators on panels simulated here with a known effect.

Each panel has what makes a naive comparison wrong and a DiD right: participants are
selected on a permanent level (they spend more, always), every unit has its own level, every
cluster (practice) a shared shock, and spending follows a common trend. The true effect is
known exactly, so the tests check the interval covers it and the bias is small.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

from apmlab.evaluate import estimators

YEARS = np.arange(2019, 2026)
EFFECT = -400.0          # dollars per person-year, about -4%
SELECTION = 1_500.0      # participants' permanent extra spending


def simulate(seed: int, cohorts=(2023,), effect=EFFECT, pre_trend=0.0, growth=0.0,
             units=1_200, clusters=80, own_trend=0.0) -> pd.DataFrame:
    """Units in clusters; a third of the clusters participate, entering in ``cohorts``
    (round-robin); the effect is ``effect`` + ``growth`` x (years since entry); treated
    units drift by ``pre_trend`` a year before entry (a parallel-trends violation), and by
    ``own_trend`` a year throughout (participants selected on their trajectory)."""
    rng = np.random.default_rng(seed)
    cluster = rng.integers(0, clusters, units)
    participant = cluster < clusters // 3
    entry = np.where(participant, np.array(cohorts)[cluster % len(cohorts)], 0)
    n = len(YEARS)
    df = pd.DataFrame({
        "unit_id": np.repeat(np.arange(units), n),
        "year": np.tile(YEARS, units),
        "cluster_id": np.repeat(cluster, n),
        "treated": np.repeat(participant.astype(int), n),
        "cohort": np.repeat(entry, n),
    })
    df["treat_post"] = ((df["treated"] == 1) & (df["year"] >= df["cohort"])).astype(int)
    df["exposed"] = df["treat_post"]
    df["weight"] = 1.0
    since = np.where(df["treat_post"] == 1, df["year"] - df["cohort"], 0)
    before = np.where((df["treated"] == 1) & (df["treat_post"] == 0), df["year"] - YEARS[0], 0)
    cluster_shock = rng.normal(0, 400, (clusters, n))
    df["spending"] = (
        10_000 + 250 * (df["year"] - YEARS[0])
        + np.repeat(rng.normal(0, 3_000, units) + SELECTION * participant, n)
        + cluster_shock[df["cluster_id"], df["year"] - YEARS[0]]
        + rng.normal(0, 4_000, len(df))
        + df["treat_post"] * (effect + growth * since)
        + pre_trend * before
        + own_trend * df["treated"] * (df["year"] - YEARS[0])
    )
    df["true_effect"] = df["treat_post"] * (effect + growth * since)
    return df


def true_att(df: pd.DataFrame) -> float:
    return float(df.loc[df["treat_post"] == 1, "true_effect"].mean())


@pytest.fixture(scope="module")
def replications():
    """30 panels, one common entry year: did, naive and did2s on each."""
    rows = []
    for seed in range(30):
        df = simulate(seed)
        rows.append({name: fn(df, "spending") for name, fn in (
            ("did", estimators.did), ("naive", estimators.naive),
            ("did2s", estimators.staggered))})
    return rows


@pytest.mark.parametrize("name", ["did", "did2s"])
def test_did_is_unbiased_and_its_interval_covers(replications, name):
    """Bias: the mean of 30 estimates is within 3 standard errors of the mean (3 x SE /
    sqrt(30)) of the truth. Coverage: at least 25 of 30 nominal 95% intervals cover it
    (P(fewer) < 2% if coverage were really 95%)."""
    estimates = [r[name] for r in replications]
    mean = np.mean([e.effect for e in estimates])
    se = np.mean([e.se for e in estimates])
    assert abs(mean - EFFECT) < 3 * se / np.sqrt(len(estimates))
    covered = sum(e.ci_low <= EFFECT <= e.ci_high for e in estimates)
    assert covered >= 25


OWN_TREND = -250.0  # participants' spending falls this much a year, before and after entry


@pytest.fixture(scope="module")
def trending():
    """30 panels whose participants were selected on a falling trajectory, one entry year
    and two (staggered): plain and trend-adjusted estimators on each."""
    rows = []
    for seed in range(30):
        one = simulate(100 + seed, own_trend=OWN_TREND)
        two = simulate(200 + seed, cohorts=(2022, 2024), own_trend=OWN_TREND)
        rows.append({"did": estimators.did(one, "spending"),
                     "did_trend": estimators.did(one, "spending", trend=True),
                     "did2s_trend": estimators.staggered(two, "spending", trend=True)})
    return rows


def test_participants_own_trend_biases_did_but_not_the_trend_adjusted_did(trending):
    """With entry in 2023 and data to 2025, treated rows after entry lie on average 2.5
    years further along the participants' falling trend than their pre-period mean (2019-
    2022 averages 2020.5; 2023-2025 averages 2024): plain DiD reads 3.5 x OWN_TREND = -875
    as an effect. The trend-adjusted estimators (one entry year and staggered) are unbiased
    and cover the truth (same criteria as above)."""
    plain = np.mean([r["did"].effect for r in trending])
    assert plain - EFFECT == pytest.approx(3.5 * OWN_TREND, rel=0.2)
    for name in ("did_trend", "did2s_trend"):
        estimates = [r[name] for r in trending]
        assert {e.estimator for e in estimates} == {name}
        mean = np.mean([e.effect for e in estimates])
        se = np.mean([e.se for e in estimates])
        assert abs(mean - EFFECT) < 3 * se / np.sqrt(len(estimates))
        assert sum(e.ci_low <= EFFECT <= e.ci_high for e in estimates) >= 25


def test_naive_comparison_is_biased_by_selection(replications):
    """Participants spend SELECTION more whatever the model does: the naive estimate is off by
    about that much and its interval misses the truth nearly always."""
    naive = [r["naive"] for r in replications]
    assert np.mean([e.effect for e in naive]) - EFFECT == pytest.approx(SELECTION, rel=0.25)
    assert sum(e.ci_low <= EFFECT <= e.ci_high for e in naive) <= 3


def test_effect_in_percent_is_relative_to_the_counterfactual():
    df = simulate(1)
    e = estimators.did(df, "spending")
    treated = df[df["treat_post"] == 1]
    counterfactual = (treated["spending"] - e.effect).mean()
    assert e.effect_pct == pytest.approx(e.effect / counterfactual)
    assert e.ci_pct[0] == pytest.approx(e.ci_low / counterfactual)


def test_weights_enter_as_weighted_least_squares():
    """The estimate is linear in the outcome, so adding -1,000 to the post-entry spending of
    some participants moves it by -1,000 x their share of the participants' weight: half
    the units under equal weights, 9/10 of the weight when weighted 9 to 1."""
    df = simulate(2)
    strong = (df["unit_id"] % 2 == 0).to_numpy()
    shifted = df.assign(spending=df["spending"] - 1_000 * (strong & (df["treat_post"] == 1)))
    treated_units = df[df["treated"] == 1].drop_duplicates("unit_id")
    is_strong = (treated_units["unit_id"] % 2 == 0).to_numpy()
    for weight in (np.ones(len(df)), np.where(strong, 9.0, 1.0)):
        unit_weight = np.where(is_strong, weight.max(), weight.min())
        share = unit_weight[is_strong].sum() / unit_weight.sum()
        before = estimators.did(df.assign(weight=weight), "spending").effect
        after = estimators.did(shifted.assign(weight=weight), "spending").effect
        assert after - before == pytest.approx(-1_000 * share, rel=1e-6)
    assert share > 0.85


def test_staggered_entry_with_growing_effects_biases_twfe_but_not_did2s():
    """Entry in 2021 and 2024 with an effect that grows by 300 a year: TWFE uses early
    entrants as controls for late ones and understates the effect (Goodman-Bacon 2021);
    did2s compares only with not-yet-treated rows and recovers the average effect."""
    did_bias, did2s_bias, did2s_se, covered = [], [], [], 0
    for seed in range(15):
        df = simulate(100 + seed, cohorts=(2021, 2024), effect=-200, growth=-300)
        truth = true_att(df)
        twfe = estimators.did(df, "spending")
        gardner = estimators.staggered(df, "spending")
        did_bias.append(twfe.effect - truth)
        did2s_bias.append(gardner.effect - truth)
        did2s_se.append(gardner.se)
        covered += gardner.ci_low <= truth <= gardner.ci_high
    assert np.mean(did_bias) > 150              # TWFE: towards zero by hundreds of dollars
    assert abs(np.mean(did2s_bias)) < 3 * np.mean(did2s_se) / np.sqrt(15)
    assert np.mean(did_bias) > 3 * np.mean(did2s_se) / np.sqrt(15)
    assert covered >= 12


def test_event_study_flags_a_pre_trend_and_not_parallel_trends():
    flat = estimators.event_study(simulate(3), "spending")
    drifting = estimators.event_study(simulate(3, pre_trend=800), "spending")
    assert flat.pretrend_p > 0.05
    assert drifting.pretrend_p < 0.01
    coefficients = flat.coefficients.set_index("event_time")["effect"]
    assert coefficients[-1] == 0
    assert sorted(coefficients.index) == list(range(-4, 3))
    post = coefficients[coefficients.index >= 0]
    assert post.mean() == pytest.approx(EFFECT, abs=350)


def test_exposure_rescaled_did_recovers_the_effect_per_exposed_year():
    """A fifth of attributed post-entry rows are not exposed (the beneficiary left the ACO)
    and 5% of comparison post rows are (joined one); the effect only reaches exposed rows.
    The intent-to-treat DiD is diluted to about (0.80 - 0.05) x the effect; 2SLS with
    attribution as the instrument divides the dilution out."""
    itt, iv, covered = [], [], 0
    for seed in range(20):
        df = simulate(200 + seed, effect=0.0)
        rng = np.random.default_rng(seed)
        post = df["year"] >= 2023
        share = np.where(df["treated"] == 1, 0.80, 0.05)
        df["exposed"] = (post & (rng.random(len(df)) < share)).astype(int)
        df["spending"] += EFFECT * df["exposed"]
        itt.append(estimators.did(df, "spending").effect)
        e = estimators.did_exposure(df, "spending")
        iv.append(e.effect)
        covered += e.ci_low <= EFFECT <= e.ci_high
    assert np.mean(itt) == pytest.approx(0.75 * EFFECT, rel=0.15)
    assert np.mean(iv) == pytest.approx(EFFECT, rel=0.15)
    assert covered >= 17


def test_a_panel_with_nothing_to_estimate_is_refused_not_fatal():
    """Two units seen in two years leave no residual degree of freedom once unit and year
    effects and the treatment term are fitted; pyfixest aborted the whole process on such a
    panel (seen on a 500-beneficiary run), so the estimators must refuse it with an error
    the review turns into a note."""
    panel = pd.DataFrame({
        "unit_id": [0, 0, 1, 1], "year": [2021, 2022, 2021, 2022], "cluster_id": [0, 0, 1, 1],
        "treated": [0, 0, 1, 1], "cohort": [0, 0, 2022, 2022], "treat_post": [0, 0, 0, 1],
        "exposed": [0, 0, 0, 1], "weight": [1.0] * 4, "y": [100.0, 104.0, 90.0, 91.0],
    })
    with pytest.raises(ValueError, match="too few observations"):
        estimators.did(panel, "y")


def test_the_anchor_drg_counts_among_the_parameters():
    """Six episodes at two hospitals over two years leave room for unit, year and treatment
    terms, but not once three MS-DRG levels are absorbed as well: refused, not fatal."""
    panel = pd.DataFrame({
        "unit_id": [0, 0, 0, 1, 1, 1], "year": [2021, 2022, 2022, 2021, 2022, 2022],
        "cluster_id": [0, 0, 0, 1, 1, 1], "treated": [0, 0, 0, 1, 1, 1],
        "cohort": [0, 0, 0, 2022, 2022, 2022], "treat_post": [0, 0, 0, 0, 1, 1],
        "exposed": [0, 0, 0, 0, 1, 1], "weight": [1.0] * 6,
        "anchor_drg": ["469", "470", "521", "469", "470", "521"],
        "y": [100.0, 104.0, 98.0, 90.0, 91.0, 95.0],
    })
    estimators.did(panel.drop(columns="anchor_drg"), "y")  # estimable without the MS-DRG
    with pytest.raises(ValueError, match="too few observations"):
        estimators.did(panel, "y")


def test_per_entity_effects_on_cells_with_partial_exposure():
    """Participant clusters form 4 entities; a fifth of their post-entry rows are not
    exposed and the effect reaches exposed rows only. Each entity's cell estimate is per
    exposed unit-year (2SLS on cells, exposure a cell share), centred on the effect, and its
    percentage is relative to the entity's own counterfactual mean (about 10,000-12,000)."""
    effects, covered = [], 0
    for seed in range(5):
        df = simulate(300 + seed, effect=0.0, units=2_400)
        rng = np.random.default_rng(seed)
        post = df["year"] >= 2023
        df["exposed"] = (post & (df["treated"] == 1) & (rng.random(len(df)) < 0.8)).astype(int)
        df["spending"] += EFFECT * df["exposed"]
        df["entity_id"] = np.where(df["treated"] == 1, "E" + (df["cluster_id"] % 4).astype(str),
                                   None)
        found = estimators.by_entity(df, "spending")
        assert sorted(found) == ["E0", "E1", "E2", "E3"]
        for e in found.values():
            assert e.estimator == "did_exposure_cells"
            effects.append(e.effect)
            covered += e.ci_low <= EFFECT <= e.ci_high
            assert 9_000 < e.baseline < 14_000
    assert np.mean(effects) == pytest.approx(EFFECT, rel=0.25)
    assert covered >= 16      # of 20


def episode_panel(seed: int, hospitals: int = 40, per_year: int = 30) -> pd.DataFrame:
    """Episodes at hospitals (unit = cluster = hospital; a third participate from 2023):
    each hospital has its own level and yearly shocks, each episode its own noise, and an
    anchor MS-DRG ('469' in 30% of episodes at random) costing 20,000 more."""
    rng = np.random.default_rng(seed)
    hospital = np.repeat(np.arange(hospitals), len(YEARS) * per_year)
    t = np.tile(np.repeat(np.arange(len(YEARS)), per_year), hospitals)
    treated = (hospital < hospitals // 3).astype(int)
    major = rng.random(len(hospital)) < 0.3
    df = pd.DataFrame({"unit_id": hospital, "year": YEARS[t], "cluster_id": hospital,
                       "treated": treated, "cohort": np.where(treated, 2023, 0),
                       "anchor_drg": np.where(major, "469", "470"), "weight": 1.0})
    df["treat_post"] = ((df["treated"] == 1) & (df["year"] >= 2023)).astype(int)
    df["exposed"] = df["treat_post"]
    df["spending"] = (20_000 + rng.normal(0, 2_000, hospitals)[hospital] + 250 * t
                      + rng.normal(0, 300, (hospitals, len(YEARS)))[hospital, t]
                      + 20_000 * major + rng.normal(0, 3_000, len(df))
                      + EFFECT * df["treat_post"])
    return df


def test_episode_panels_absorb_the_anchor_drg():
    """The MS-DRG is most of the episode-level variance. With ``anchor_drg`` in the panel
    the DiD absorbs it, still recovers the effect (mean of 20 within 3 standard errors of
    the mean) and its standard error is under half that of the same panels without the
    column."""
    with_drg, without = [], []
    for seed in range(20):
        df = episode_panel(300 + seed)
        with_drg.append(estimators.did(df, "spending"))
        without.append(estimators.did(df.drop(columns="anchor_drg"), "spending"))
    mean = np.mean([e.effect for e in with_drg])
    se = np.mean([e.se for e in with_drg])
    assert abs(mean - EFFECT) < 3 * se / np.sqrt(len(with_drg))
    assert se < 0.5 * np.mean([e.se for e in without])


def hospital_years(seed: int, hospitals: int = 12, treated: int = 4) -> pd.DataFrame:
    """Hospital-year cells, the first ``treated`` hospitals participating from 2023, each
    with its own response (-1,000 on average, spread 1,500) and analysis weight."""
    rng = np.random.default_rng(seed)
    hospital = np.repeat(np.arange(hospitals), 5)
    year = np.tile(np.arange(2020, 2025), hospitals)
    participant = (hospital < treated).astype(int)
    post = participant * (year >= 2023)
    response = -1_000 + rng.normal(0, 1_500, hospitals)[hospital]
    return pd.DataFrame({
        "unit_id": hospital, "year": year, "cluster_id": hospital, "treated": participant,
        "cohort": np.where(participant == 1, 2023, 0), "treat_post": post, "exposed": post,
        "weight": rng.uniform(0.5, 2, len(hospital)),
        "spending": rng.normal(20_000, 3_000, hospitals)[hospital]
        + rng.normal(0, 800, len(hospital)) + response * post})


def test_few_clusters_get_the_cluster_jackknife():
    """4 participant hospitals of 12: the DiD's variance is the cluster jackknife (CV3,
    MacKinnon, Nielsen and Webb 2023). Computed here from its definition: the 12 estimates
    that each leave one hospital out, their squared deviations from the full estimate
    summed, times pyfixest's small-sample factor G/(G-1) x (N-1)/(N-K) with G = 12
    hospitals, N = 60 cells and K = 6 (the effect, 4 year effects and the intercept; the
    hospital effects are nested in the clusters and not counted)."""
    df = hospital_years(1)
    estimate = estimators.did(df, "spending")
    left_out = np.array([
        pf.feols("spending ~ treat_post | unit_id + year", data=df[df["cluster_id"] != g],
                 weights="weight").coef()["treat_post"] for g in range(12)])
    jackknife = 12 / 11 * 59 / 54 * np.sum((left_out - estimate.effect) ** 2)
    assert estimate.variance == "CRV3"
    assert estimate.se ** 2 == pytest.approx(jackknife, rel=1e-6)


def test_cv1_where_the_jackknife_cannot_or_need_not_refit():
    """A single participant hospital (leaving it out leaves no participant), more than
    JACKKNIFE_CLUSTERS clusters, and two-stage least squares (no jackknife in pyfixest)."""
    one = hospital_years(2, treated=1)
    many = hospital_years(3, hospitals=estimators.JACKKNIFE_CLUSTERS + 1)
    assert estimators.did(one, "spending").variance == "CRV1"
    assert estimators.did(many, "spending").variance == "CRV1"
    assert estimators.did(hospital_years(4), "spending").variance == "CRV3"
    assert estimators.did_exposure(hospital_years(4), "spending").variance == "CRV1"
