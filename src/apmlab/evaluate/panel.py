"""Evaluation panels: reading upstream tables, choosing comparison units, propensity weights
and the balance table.

Comparison beneficiaries are weighted to look like the participants at baseline (weights for
the average effect on the treated, ATT: 1 for treated, p / (1 - p) for comparisons, with p
the propensity score of a logistic regression on baseline covariates), then the
difference-in-differences removes what stays different but constant, including the level
of spending. The balance table shows every covariate, baseline spending level and trend
included, before and after weighting.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyfixest as pf

from apmlab.evaluate.designs import INPUTS, PAYMENT_COLUMNS, PAYMENT_TABLE, ModelDesign, Source

SQL_DIR = Path(str(files("apmlab") / "sql" / "evaluate"))
PROPENSITY_CLIP = (0.001, 0.99)  # keeps a few near-certain participants from dominating
# At most this many beneficiaries per model are compared (see sample_units).
MAX_UNITS = 200_000
SAMPLE_SEED = 20_240_101
BALANCE_COVARIATES = ("age", "female", "dual", "rural", "risk_score", "baseline_spending",
                      "baseline_trend", "esrd", "disabled", "aged_dual", "aged_non_dual")
# Episode case mix the comparison episodes are weighted on (the factors of the models' own
# target-price risk adjustment, 510.301(a), 512.545(a), and the MS-DRG), and the balance
# rows shown for it; episode_spending is the baseline level, shown but not weighted on.
EPISODE_CASE_MIX = ("anchor_drg", "age_band", "dual", "hcc_count_band")
EPISODE_BALANCE = ("age_lt65", "age_85plus", "full_dual", "hcc_count", "episode_spending",
                   "hospital_trend")


def query(name: str) -> str:
    """The text of ``sql/evaluate/<name>`` (sources/... or queries/...)."""
    return (SQL_DIR / name).read_text()


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    rows = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = $name",
                       {"name": name}).fetchall()
    return rows[0][0] > 0


def prepare_sources(con: duckdb.DuckDBPyConnection, designs: tuple[ModelDesign, ...],
                    notes: list[tuple[str, str]]) -> None:
    """Write every ``evaluate_source_*`` table from its upstream table, or empty when the
    upstream table is absent or lacks the expected columns (with a note)."""
    for source in INPUTS:
        _empty(con, source.table, source.columns)
        _fill(con, source, notes)
    _empty(con, PAYMENT_TABLE, PAYMENT_COLUMNS)
    seen = set()
    for design in designs:
        for source in design.payments:
            if source not in seen:
                seen.add(source)
                _fill(con, source, notes)


def _empty(con, table: str, columns: str) -> None:
    con.execute(f"CREATE OR REPLACE TABLE {table} ({columns})")


def _fill(con, source: Source, notes: list[tuple[str, str]]) -> None:
    if not table_exists(con, source.upstream):
        notes.append(("all", f"table {source.upstream} is absent; evaluated without it"))
        return
    try:
        con.execute(f"INSERT INTO {source.table} {query('sources/' + source.sql)}")
    except duckdb.Error as exc:
        first_line = str(exc).splitlines()[0]
        notes.append(("all", f"table {source.upstream} not used ({first_line})"))


@dataclass
class Units:
    """The compared beneficiaries of one model: one row each, baseline covariates, cluster
    and propensity weight. ``eligible`` counts participants and comparisons before any
    sampling (:func:`sample_units`)."""

    frame: pd.DataFrame
    covariates: list[str]
    eligible: tuple[int, int]


def beneficiary_units(con, design: ModelDesign, baseline_year: int) -> Units:
    frame = con.execute(query("queries/beneficiary_units.sql"), {
        "model": design.model, "baseline_year": baseline_year, "family": list(design.family),
        "same_market": design.same_market, "needs_practice": design.cluster == "practice",
    }).df()
    treated = int((frame["treated"] == 1).sum())
    eligible = (treated, len(frame) - treated)
    frame = sample_units(frame, MAX_UNITS)
    for kind in ("esrd", "disabled", "aged_dual", "aged_non_dual"):
        frame[kind] = (frame["enrollment_type"] == kind).astype(float)
    frame["rural"] = frame["rural"].astype(float)
    if design.cluster == "county":
        frame["cluster_id"] = frame["county_fips"].fillna(frame["person_id"])
    else:
        frame["cluster_id"] = frame["primary_care_tin"].fillna(frame["person_id"])
    covariates = propensity_covariates(frame)
    frame["propensity_weight"] = att_weights(frame, covariates)
    return Units(frame, covariates, eligible)


def sample_units(frame: pd.DataFrame, limit: int) -> pd.DataFrame:
    """At most ``limit`` beneficiaries: all of them when they fit, else a simple random
    sample within participants and within comparisons (fixed seed, drawn from the rows in
    person_id order, so the same data give the same sample); comparisons are reduced first,
    participants only when they alone would fill more than half the sample. Every estimator
    then runs on a panel of bounded size whatever the population (at 1,000,000 beneficiaries
    the unsampled review took over 17 minutes). Sampling within the groups leaves the
    estimates unbiased (the propensity weights absorb the different sampling rates: they
    only shift the logit's intercept) and their intervals honest, only wider than the whole
    population would give. Savings still apply to every exposed person-year of the
    population (queries/exposed_units.sql)."""
    if len(frame) <= limit:
        return frame
    frame = frame.sort_values("person_id", ignore_index=True)
    treated = np.flatnonzero(frame["treated"].to_numpy() == 1)
    comparison = np.flatnonzero(frame["treated"].to_numpy() != 1)
    keep_treated = min(len(treated), max((limit + 1) // 2, limit - len(comparison)))
    rng = np.random.default_rng(SAMPLE_SEED)
    rows = np.concatenate([rng.choice(treated, keep_treated, replace=False),
                           rng.choice(comparison, limit - keep_treated, replace=False)])
    return frame.iloc[np.sort(rows)].reset_index(drop=True)


def propensity_covariates(frame: pd.DataFrame) -> list[str]:
    """Baseline covariates of the propensity model: age, sex, dual status, enrollment type,
    rurality and the risk score when the risk stage scored the population. Columns without
    variation are left out (they cannot separate the groups).

    Baseline spending level and trend are deliberately *not* in the model, only in the
    balance table. A beneficiary's spending in one year is mostly transient, so weighting
    comparisons to match participants' baseline spending picks comparisons who were there
    by chance; they drift back afterwards and the DiD reads the drift as an effect
    (regression to the mean: Daw and Hatfield 2018, Health Serv Res 53(6)). On the
    synthetic data it moved the MSSP estimate by several points. Level differences are
    removed by the unit fixed effects instead; trends are what the event study checks.
    """
    candidates = ["age", "female", "dual", "rural", "disabled", "esrd", "aged_dual"]
    if frame["risk_score"].notna().mean() > 0.95:
        frame["risk_score_filled"] = frame["risk_score"].fillna(frame["risk_score"].mean())
        candidates.append("risk_score_filled")
    return [c for c in candidates if frame[c].astype(float).std() > 0]


def att_weights(frame: pd.DataFrame, covariates: list[str]) -> np.ndarray:
    """1 for treated units, p / (1 - p) for comparison units, p from a logit fitted with
    pyfixest; comparison weights are scaled to sum to the number of treated units."""
    treated = frame["treated"].to_numpy() == 1
    if treated.all() or not treated.any():
        return np.ones(len(frame))
    formula = "treated ~ " + (" + ".join(covariates) if covariates else "1")
    fit = pf.feglm(formula, data=frame, family="logit", vcov="iid")
    p = np.clip(np.asarray(fit.predict(type="response"), dtype=float), *PROPENSITY_CLIP)
    weight = np.where(treated, 1.0, p / (1 - p))
    weight[~treated] *= treated.sum() / weight[~treated].sum()
    return weight


def balance(frame: pd.DataFrame, covariates: tuple[str, ...] = BALANCE_COVARIATES,
            weight_column: str = "propensity_weight") -> pd.DataFrame:
    """Standardised differences of baseline covariates, participants minus comparisons,
    before and after weighting, over the unweighted pooled standard deviation (Austin 2009:
    |d| < 0.1 is the usual threshold of good balance)."""
    rows = []
    treated = frame["treated"] == 1
    weight = frame.loc[~treated, weight_column]
    for name in covariates:
        column = frame[name].astype(float)
        t, c = column[treated], column[~treated]
        keep = c.notna()
        if t.notna().sum() == 0 or keep.sum() == 0:
            continue
        sd = np.sqrt((t.var() + c.var()) / 2)
        after = float(np.average(c[keep], weights=weight[keep]))
        rows.append({
            "covariate": name,
            "mean_participants": t.mean(),
            "mean_comparison": c.mean(),
            "mean_comparison_weighted": after,
            "std_diff_before": (t.mean() - c.mean()) / sd if sd > 0 else 0.0,
            "std_diff_after": (t.mean() - after) / sd if sd > 0 else 0.0,
        })
    return pd.DataFrame(rows)


def beneficiary_panel(con, units: Units, model: str) -> pd.DataFrame:
    keep = units.frame[["person_id", "cluster_id", "treated", "cohort", "entity_id",
                        "propensity_weight"]]
    con.register("evaluate_units", keep)
    try:
        data = con.execute(query("queries/beneficiary_panel.sql"), {"model": model}).df()
    finally:
        con.unregister("evaluate_units")
    return with_codes(data)


def with_codes(data: pd.DataFrame) -> pd.DataFrame:
    """Unit and cluster ids as integer codes: pyfixest factorises text ids on every call."""
    for column in ("unit_id", "cluster_id"):
        data[column] = pd.factorize(data[column])[0]
    return data


def episode_panel(con, design: ModelDesign) -> pd.DataFrame:
    """Episodes of participant and comparison hospitals. In each year, comparison episodes
    are weighted to that year's participant case mix (:func:`rake` on EPISODE_CASE_MIX), so
    that a change in whom or what the participants (or the others) treat is not read as a
    change in spending per episode. Spending levels stay out of the weights: hospital fixed
    effects remove them."""
    data = con.execute(query("queries/episode_panel.sql"), {
        "model": design.model, "family": list(design.family)}).df()
    data["weight"] = 1.0
    for _, rows in data.groupby("year").groups.items():
        data.loc[rows, "weight"] = rake(data.loc[rows], EPISODE_CASE_MIX)
    # Comparison episodes of a kind the participants never have that year carry no weight.
    return with_codes(data[data["weight"] > 0].reset_index(drop=True))


def rake(frame: pd.DataFrame, columns: tuple[str, ...], rounds: int = 25) -> np.ndarray:
    """Raking (iterative proportional fitting, Deming and Stephan 1940): comparison rows'
    weights are scaled, one column at a time, until each column's distribution over the
    comparisons matches the treated rows'; treated rows keep 1. Levels the treated never
    have get weight 0; treated levels no comparison has are left out of the target (there
    is nothing to weight up). Comparison weights then average 1, as unweighted rows do, so
    the cell-level estimators judge the comparison's noise by its number of rows."""
    treated = frame["treated"].to_numpy() == 1
    weight = np.ones(len(frame))
    if treated.all() or not treated.any():
        return weight
    codes = [pd.factorize(frame[c].fillna("missing").astype(str))[0] for c in columns]
    for _ in range(rounds):
        for code in codes:
            size = code.max() + 1
            have = np.bincount(code[~treated], weights=weight[~treated], minlength=size)
            target = np.where(have > 0, np.bincount(code[treated], minlength=size), 0.0)
            if not target.any():
                continue
            ratio = np.divide(target / target.sum(), have / have.sum(), out=np.zeros(size),
                              where=have > 0)
            weight[~treated] *= ratio[code[~treated]]
    if weight[~treated].sum() > 0:
        weight[~treated] /= weight[~treated].mean()
    return weight


def episode_balance(data: pd.DataFrame) -> pd.DataFrame:
    """The balance table of an episode panel, on the episodes before the model's start;
    ``hospital_trend`` is the episode's hospital's yearly change in mean episode spending
    over those years (a least-squares slope; none with fewer than two), the trend that
    participants of a voluntary model may have joined on."""
    pre = data[data["year"] < data.loc[data["treated"] == 1, "cohort"].min()]
    band = pd.to_numeric(pre["hcc_count_band"].replace("4plus", "4"), errors="coerce")
    return balance(pre.assign(age_lt65=(pre["age_band"] == "lt65").astype(float),
                              age_85plus=(pre["age_band"] == "85plus").astype(float),
                              full_dual=(pre["dual"] == "full_dual").astype(float),
                              hcc_count=band,
                              hospital_trend=pre["unit_id"].map(_hospital_trends(pre))),
                   EPISODE_BALANCE, "weight")


def _hospital_trends(pre: pd.DataFrame) -> pd.Series:
    """Slope of each unit's yearly mean episode spending, per year (NaN under two years):
    the least-squares slope, sum of (x - mean x)(y - mean y) over sum of (x - mean x)^2."""
    means = pre.groupby(["unit_id", "year"])["episode_spending"].mean().reset_index()
    by_unit = means.groupby("unit_id")
    dx = means["year"] - by_unit["year"].transform("mean")
    dy = means["episode_spending"] - by_unit["episode_spending"].transform("mean")
    sums = pd.DataFrame({"xy": dx * dy, "xx": dx * dx, "unit_id": means["unit_id"]}).groupby(
        "unit_id").sum()
    return (sums["xy"] / sums["xx"]).where(sums["xx"] > 0)
