"""The model review: for every model with participants, estimate its effect on the outcome it
targets, then its gross and net savings to Medicare, and write the evaluation tables.

Steps per model (designs in :mod:`apmlab.evaluate.designs`):

1. the compared units: beneficiaries enrolled in the baseline year (the year before the
   model's first start), treated if later exposed, weighted on baseline covariates; or
   episodes at participant and non-participant hospitals;
2. the primary estimate: Gardner's two-stage DiD when participants entered in different
   years, else two-way fixed-effects DiD, with the participants' own linear trend where the
   design says participants chose to join (BPCI Advanced); both, the naive comparison and an
   event study with its pre-trend test are kept in ``evaluation_effects`` /
   ``evaluation_event_study``;
3. net savings (:mod:`apmlab.evaluate.savings`) and the verdict, in
   ``evaluation_scorecard``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd
import pyarrow as pa

from apmlab import engine
from apmlab.evaluate import estimators, panel, savings
from apmlab.evaluate.designs import BENEFICIARY_OUTCOMES, DESIGNS, EPISODE_OUTCOMES, ModelDesign
from apmlab.mssp.table import write_table

ALL = "all"
# Subgroups by baseline attribute: name -> (column of the units frame, value).
SUBGROUPS = {
    "dual": ("dual", 1), "non_dual": ("dual", 0), "rural": ("rural", 1.0),
    "urban": ("rural", 0.0), "aged_non_dual": ("enrollment_type", "aged_non_dual"),
    "aged_dual": ("enrollment_type", "aged_dual"), "disabled": ("enrollment_type", "disabled"),
    "esrd": ("enrollment_type", "esrd"),
}


class Skipped(Exception):
    """A model that cannot be evaluated on these data; the message says why."""


@dataclass
class EntityResult:
    """One participant entity's own estimate (:func:`estimators.by_entity`) and savings."""

    entity_id: str
    estimate: estimators.Estimate
    net: savings.NetSavings
    participants: int   # its compared units (beneficiaries, or 1 hospital)
    clusters: int


@dataclass
class ModelResult:
    design: ModelDesign
    primary: estimators.Estimate
    event: estimators.EventStudy | None
    net: savings.NetSavings
    payment_sources: str
    n_treated: int
    n_comparison: int
    n_treated_clusters: int
    effects: list[tuple[str, estimators.Estimate]] = field(default_factory=list)
    balance: pd.DataFrame | None = None
    caveats: list[str] = field(default_factory=list)
    entities: list[EntityResult] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """The pooled verdict: its interval is cluster-robust, so the participant clusters
        count (:func:`savings.verdict`). Per-entity rows judge cells as independent and keep
        their NetSavings.verdict."""
        n = self.net
        return savings.verdict(n.gross_low, n.net_low, n.net_high, self.n_treated_clusters)


@dataclass
class Review:
    results: list[ModelResult]
    notes: list[tuple[str, str]]


def run(con: duckdb.DuckDBPyConnection, designs: tuple[ModelDesign, ...] = DESIGNS) -> Review:
    """Evaluate every model of ``designs`` that has participants; write the tables."""
    notes: list[tuple[str, str]] = []
    panel.prepare_sources(con, designs, notes)
    engine.run_stage(con, "evaluate")
    first, last = con.execute(
        "SELECT min(year), max(year) FROM evaluate_person_year").fetchall()[0]
    starts = dict(con.execute(
        "SELECT model, year(min(start_date)) FROM participation GROUP BY model").fetchall())
    results = []
    for design in designs:
        if design.model not in starts:
            notes.append((design.model, "no participant in the data; not evaluated"))
            continue
        try:
            if design.unit == "beneficiary":
                result = _beneficiaries(con, design, starts[design.model], first, last)
            else:
                result = _episodes(con, design, first, last)
        except Skipped as why:
            notes.append((design.model, f"not evaluated: {why}"))
            continue
        except Exception as exc:  # noqa: BLE001 - one model's failure must not stop the run
            notes.append((design.model, f"not evaluated: estimation failed "
                                        f"({type(exc).__name__}: {exc})"))
            continue
        results.append(result)
        notes.extend((design.model, c) for c in result.caveats)
    review = Review(results, notes)
    write_tables(con, review)
    return review


def _beneficiaries(con, design: ModelDesign, start: int, first: int | None,
                   last: int | None) -> ModelResult:
    baseline = start - 1
    if first is None or baseline < first:
        raise Skipped(f"it starts in {start}, with no baseline year in the data")
    units = panel.beneficiary_units(con, design, baseline)
    frame = units.frame
    treated = frame["treated"] == 1
    if not treated.any() or treated.all():
        raise Skipped("no exposed beneficiary enrolled in the baseline year"
                      if not treated.any() else "no comparison beneficiary")
    data = panel.beneficiary_panel(con, units, design.model)
    exposed = con.execute(panel.query("queries/exposed_units.sql"),
                          {"model": design.model}).fetchall()[0][0]
    by_entity = dict(con.execute(panel.query("queries/exposed_entities.sql"),
                                 {"model": design.model}).fetchall())
    result = _estimate(con, design, data, BENEFICIARY_OUTCOMES, (exposed, by_entity), start,
                       last)
    result.balance = panel.balance(frame)
    result.n_treated, result.n_comparison = units.eligible
    if len(frame) < sum(units.eligible):
        result.caveats.append(
            f"estimated on a random sample of {int(treated.sum()):,} of "
            f"{units.eligible[0]:,} participating and {int((~treated).sum()):,} of "
            f"{units.eligible[1]:,} comparison beneficiaries (at most {panel.MAX_UNITS:,} "
            "per model); savings count every exposed person-year")
    for name, (column, value) in SUBGROUPS.items():
        members = frame.loc[frame[column] == value, "person_id"]
        subset = data[data["person_id"].isin(members)]
        if not subset["treat_post"].sum() or not (subset["treated"] == 0).any():
            continue
        try:
            result.effects.append((name, _primary(subset, design.outcome, design.own_trend)))
        except Exception as exc:  # noqa: BLE001 - a small subgroup may not be estimable
            result.caveats.append(f"subgroup {name} not estimated ({type(exc).__name__})")
    sources = set(con.execute("SELECT DISTINCT source FROM evaluate_exposure "
                              "WHERE model = $m", {"m": design.model}).fetchall())
    if ("plurality_tin",) in sources:
        result.caveats.append("exposure by plurality primary-care TIN (no mssp_assignment)")
    return result


def _episodes(con, design: ModelDesign, first: int | None, last: int | None) -> ModelResult:
    data = panel.episode_panel(con, design)
    if data.empty:
        raise Skipped("no episodes (the episodes table is absent or has none of this model)")
    if not data["treat_post"].any() or not (data["treated"] == 0).any():
        raise Skipped("episodes of participant and of non-participant hospitals are both "
                      "needed")
    exposed = float(data["treat_post"].sum())
    by_entity = data[data["treat_post"] == 1].groupby("entity_id").size().astype(float)
    start = int(data.loc[data["treated"] == 1, "cohort"].min())
    result = _estimate(con, design, data, EPISODE_OUTCOMES, (exposed, by_entity.to_dict()),
                       start, last)
    result.n_treated = int(data.loc[data["treated"] == 1, "unit_id"].nunique())
    result.n_comparison = int(data.loc[data["treated"] == 0, "unit_id"].nunique())
    result.balance = panel.episode_balance(data)
    return result


def _primary(data: pd.DataFrame, outcome: str, trend: bool) -> estimators.Estimate:
    """did2s when treated units entered in different years (intent to treat); else the
    exposure-rescaled DiD when attribution and exposure differ; else TWFE DiD; each with
    the participants' own trend when the design says so."""
    if data.loc[data["treated"] == 1, "cohort"].nunique() > 1:
        return estimators.staggered(data, outcome, trend)
    if (data["exposed"] != data["treat_post"]).any():
        return estimators.did_exposure(data, outcome, trend=trend)
    return estimators.did(data, outcome, trend=trend)


def _estimate(con, design: ModelDesign, data: pd.DataFrame, outcomes: tuple[str, ...],
              exposure: tuple[float, dict[str, float]], start: int,
              last: int | None) -> ModelResult:
    """Every estimate of one model; ``exposure`` is its exposed units (person-years or
    episodes) in all and per entity."""
    exposed, entity_exposed = exposure
    primary = _primary(data, design.outcome, design.own_trend)
    effects = [(ALL, primary)]
    others = [o for o in outcomes if o != design.outcome or primary.estimator != "did"]
    # Secondary outcomes with CV1: the jackknife's refit per cluster, for every outcome of a
    # large beneficiary panel, would cost minutes; the verdict rests on the primary estimate.
    effects += [(ALL, e) for e in estimators.did_outcomes(data, others, estimators.CV1)]
    with_trend = [o for o in outcomes if o != design.outcome or primary.estimator != "did_trend"]
    if design.own_trend and with_trend:
        effects += [(ALL, e) for e in estimators.did_outcomes(data, with_trend, estimators.CV1,
                                                              trend=True)]
    effects.append((ALL, estimators.naive(data, design.outcome)))
    pre_years = data.loc[data["treated"] == 1, "year"] - data.loc[data["treated"] == 1, "cohort"]
    event = estimators.event_study(data, design.outcome) if (pre_years < -1).any() else None
    payments = con.execute(panel.query("queries/model_payments.sql"), {
        "model": design.model, "first_year": start, "last_year": last}).fetchall()
    paid = sum(row[2] for row in payments) if payments else None
    net = savings.net_savings(primary, exposed, paid)
    entities = _entities(data, design.outcome, entity_exposed, payments, design.own_trend)
    clusters = data.loc[data["treated"] == 1, "cluster_id"].nunique()
    caveats = []
    if paid is None:
        caveats.append("no payment records for this model: net savings not computed")
    if primary.estimator == "did2s" and (data["exposed"] != data["treat_post"]).any():
        caveats.append("staggered entry: the did2s effect is per attributed (not per exposed) "
                       "person-year, so savings on exposed person-years are understated")
    if clusters < savings.MIN_CLUSTERS:
        caveats.append(f"only {clusters} participant cluster(s): intervals unreliable")
    if event is not None and event.pretrend_p is not None and event.pretrend_p < 0.05:
        caveats.append(f"pre-period trends differ (p = {event.pretrend_p:.3f})" + (
            "; the estimate allows participants their own linear trend"
            if design.own_trend else ""))
    return ModelResult(
        design=design, primary=primary, event=event, net=net,
        payment_sources=", ".join(dict.fromkeys(row[0] for row in payments)),
        n_treated=0, n_comparison=0, n_treated_clusters=int(clusters),
        effects=effects, caveats=caveats, entities=entities,
    )


def _entities(data: pd.DataFrame, outcome: str, exposed: dict[str, float],
              payments: list[tuple], trend: bool) -> list[EntityResult]:
    """Per-entity rows, for models with more than one participant entity. An entity's
    payments are its own records (0 when it has none, unknown when the model has none)."""
    treated = data[data["treated"] == 1]
    if treated["entity_id"].nunique() < 2:
        return []
    paid: dict[str, float] | None = None
    if payments:
        paid = {}
        for _source, entity, amount, _records in payments:
            paid[entity] = paid.get(entity, 0.0) + amount
    units = treated.groupby("entity_id")["unit_id"].nunique()
    clusters = treated.groupby("entity_id")["cluster_id"].nunique()
    return [EntityResult(
        entity, estimate,
        savings.net_savings(estimate, exposed.get(entity, 0.0),
                            None if paid is None else paid.get(entity, 0.0)),
        int(units[entity]), int(clusters[entity]))
        for entity, estimate in estimators.by_entity(data, outcome, trend).items()]


SCORECARD_COLUMNS = [
    "model", "entity_id", "outcome", "estimator", "unit", "gross_effect", "gross_effect_pct",
    "ci_low_pct", "ci_high_pct", "exposed_units", "gross_savings", "gross_savings_low",
    "gross_savings_high", "model_payments", "payment_source", "net_savings", "net_savings_low",
    "net_savings_high", "pretrend_p", "verdict", "caveats", "participants", "comparisons",
    "participant_clusters",
]


def scorecard(review: Review) -> pd.DataFrame:
    """One pooled row per evaluated model (entity_id 'all'), then one per participant entity
    of models with several; *_pct columns are in percent (-2.0 = 2% lower), like
    truth.json's effect_pct."""
    rows = []
    for r in review.results:
        unit = "person-year" if r.design.unit == "beneficiary" else "episode"
        pretrend = r.event.pretrend_p if r.event else None
        rows.append(_card_row(r, ALL, r.primary, r.net, unit, pretrend, "; ".join(r.caveats),
                              r.n_treated, r.n_treated_clusters))
        for e in r.entities:
            caveat = ("one entity against every comparison, on cluster-year cells" +
                      (f"; only {e.clusters} cluster(s): interval unreliable"
                       if e.clusters < savings.MIN_CLUSTERS else ""))
            rows.append(_card_row(r, e.entity_id, e.estimate, e.net, unit, None, caveat,
                                  e.participants, e.clusters))
    return pd.DataFrame(rows, columns=SCORECARD_COLUMNS)


def _card_row(r: ModelResult, entity: str, estimate: estimators.Estimate,
              n: savings.NetSavings, unit: str, pretrend: float | None, caveats: str,
              participants: int, clusters: int) -> list:
    low, high = estimate.ci_pct
    verdict = r.verdict if entity == ALL else n.verdict
    return [r.design.model, entity, r.design.outcome, estimate.estimator, unit, estimate.effect,
            100 * estimate.effect_pct, 100 * low, 100 * high, n.exposed, n.gross, n.gross_low,
            n.gross_high, n.payments, r.payment_sources, n.net, n.net_low, n.net_high,
            pretrend, verdict, caveats, participants, r.n_comparison, clusters]


def effects_table(review: Review) -> pd.DataFrame:
    rows = [{
        "model": r.design.model, "subgroup": group, "outcome": e.outcome,
        "estimator": e.estimator, "effect": e.effect, "se": e.se, "ci_low": e.ci_low,
        "ci_high": e.ci_high, "p_value": e.p_value, "effect_pct": 100 * e.effect_pct,
        "ci_low_pct": 100 * e.ci_pct[0], "ci_high_pct": 100 * e.ci_pct[1], "counterfactual_mean":
        e.baseline, "observations": e.n_obs, "clusters": e.n_clusters, "variance": e.variance,
    } for r in review.results for group, e in r.effects]
    return pd.DataFrame(rows, columns=[
        "model", "subgroup", "outcome", "estimator", "variance", "effect", "se", "ci_low",
        "ci_high", "p_value", "effect_pct", "ci_low_pct", "ci_high_pct", "counterfactual_mean",
        "observations", "clusters"])


def write_tables(con: duckdb.DuckDBPyConnection, review: Review) -> None:
    """evaluation_scorecard, _effects, _event_study, _balance and _notes (always written,
    with their columns, even when no model could be evaluated)."""
    event = [r.event.coefficients.assign(model=r.design.model, outcome=r.event.outcome)
             for r in review.results if r.event is not None]
    balance = [r.balance.assign(model=r.design.model)
               for r in review.results if r.balance is not None]
    tables = {
        "evaluation_scorecard": scorecard(review),
        "evaluation_effects": effects_table(review),
        "evaluation_event_study": _concat(event, ["event_time", "effect", "ci_low", "ci_high",
                                                  "model", "outcome"]),
        "evaluation_balance": _concat(balance, [
            "covariate", "mean_participants", "mean_comparison", "mean_comparison_weighted",
            "std_diff_before", "std_diff_after", "model"]),
        "evaluation_notes": pd.DataFrame(review.notes, columns=["model", "note"]),
    }
    for name, frame in tables.items():
        write_table(con, pa.Table.from_pandas(frame, preserve_index=False), name)


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(
        {c: pd.Series(dtype="float64" if c not in ("model", "outcome", "covariate") else "str")
         for c in columns})
