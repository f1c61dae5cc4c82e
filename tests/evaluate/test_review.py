"""The model review end to end on a synthetic population with known injected effects.

One population (seed fixed) is generated per session with effects large enough to tell apart
from the noise of 12,000 beneficiaries and with strong selection: ACO practices' patients
spend 15% less in every year, model or not. truth.json holds the realised effect of each
model (actual / counterfactual - 1 over the exposed person-years), which the estimates are
compared with.

Tolerance: at this size the standard error of the MSSP and global-budget estimates is about
2 to 2.5 percentage points (the intervals below are about 9 points wide), so an estimate
within 6 points (about 2.5 standard errors) of the truth is what an unbiased estimator
delivers in all but about 1% of seeds; the naive comparison's selection bias (about -8
points at this selection) is outside it.
"""

from __future__ import annotations

import warnings

import duckdb
import pytest
import sqlglot
from sqlglot.errors import ErrorLevel

from apmlab import core, engine
from apmlab.evaluate import panel, review, savings
from apmlab.inputs.load import load
from apmlab.synth.generate import SynthConfig, generate

SEED = 2026
SELECTION = 0.15
TOLERANCE = 0.06
CONFIG = SynthConfig(aco_selection=SELECTION, mssp_effect=-0.08, reach_effect=-0.08,
                     entity_spread=0.0, global_budget_growth_cut=0.04)


@pytest.fixture(scope="session")
def reviewed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic")
    truth = generate(folder, beneficiaries=12_000, years=(2021, 2025), seed=SEED,
                     config=CONFIG)["models"]
    con = engine.connect()
    load(folder, con)
    core.run(con)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = review.run(con)
    return con, {r.design.model: r for r in result.results}, truth


def _effect(result, estimator):
    return next(e for group, e in result.effects
                if group == review.ALL and e.estimator == estimator
                and e.outcome == result.design.outcome)


@pytest.mark.parametrize("model", ["mssp", "global_budget"])
def test_interval_contains_the_injected_effect(reviewed, model):
    _, results, truth = reviewed
    true = truth[model]["effect_pct"] / 100
    estimate = results[model].primary
    low, high = estimate.ci_pct
    assert low <= true <= high
    assert abs(estimate.effect_pct - true) < TOLERANCE


def test_naive_comparison_is_biased_by_selection_and_did_is_not(reviewed):
    """ACO practices were 15% cheaper before the model: comparing participants with others
    after the start attributes that to the ACO; the DiD removes it."""
    _, results, truth = reviewed
    true = truth["mssp"]["effect_pct"] / 100
    naive = _effect(results["mssp"], "naive")
    did = results["mssp"].primary
    assert naive.ci_pct[1] < true                       # the naive interval misses the truth
    assert naive.effect_pct - true < -TOLERANCE          # by more than the tolerance
    assert abs(did.effect_pct - true) < TOLERANCE


def test_exposed_person_years_match_the_generator(reviewed):
    """The global-budget exposure (state residents from the start year) is the generator's
    exactly; the MSSP one (plurality primary-care TIN, no mssp_assignment here) is close to
    the generator's main-clinician rule."""
    _, results, truth = reviewed
    assert results["global_budget"].net.exposed == pytest.approx(
        truth["global_budget"]["exposed_units"], rel=0.01)
    assert results["mssp"].net.exposed == pytest.approx(truth["mssp"]["exposed_units"],
                                                        rel=0.15)


def test_a_sample_of_the_beneficiaries_still_covers_the_effect(reviewed, monkeypatch):
    """Above panel.MAX_UNITS beneficiaries the review samples them; the estimate on a
    sample of about a third of them still covers the truth, the counts are the population's
    and a caveat says so."""
    con, results, truth = reviewed
    full = results["global_budget"]
    monkeypatch.setattr(panel, "MAX_UNITS", 4_000)
    design = next(d for d in review.DESIGNS if d.model == "global_budget")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sampled = review._beneficiaries(con, design, 2023, 2021, 2025)
    low, high = sampled.primary.ci_pct
    assert low <= truth["global_budget"]["effect_pct"] / 100 <= high
    assert high - low > full.primary.ci_pct[1] - full.primary.ci_pct[0]
    assert (sampled.n_treated, sampled.n_comparison) == (full.n_treated, full.n_comparison)
    assert any("random sample of" in c for c in sampled.caveats)
    assert sampled.net.exposed == full.net.exposed


def test_scorecard_contract(reviewed):
    con, results, _ = reviewed
    card = con.execute("SELECT * FROM evaluation_scorecard").df()
    assert set(card["model"]) == set(results)
    assert (card["entity_id"] == "all").all()
    # percent units, as truth.json's effect_pct
    for column in ("outcome", "gross_effect_pct", "ci_low_pct", "ci_high_pct",
                   "gross_savings", "model_payments", "net_savings", "net_savings_low",
                   "net_savings_high", "pretrend_p", "verdict"):
        assert column in card.columns
    mssp = card.set_index("model").loc["mssp"]
    assert mssp["gross_effect_pct"] == pytest.approx(100 * results["mssp"].primary.effect_pct)
    assert mssp["ci_low_pct"] < mssp["gross_effect_pct"] < mssp["ci_high_pct"]
    assert set(card["verdict"]) <= {savings.SAVES, savings.COSTS, savings.MIXED,
                                    savings.INCONCLUSIVE}
    # no settlement tables in this run: payments unknown, so no net figure and a note
    assert card["net_savings"].isna().all()
    notes = con.execute("SELECT note FROM evaluation_notes").df()["note"]
    assert notes.str.contains("mssp_settlement is absent").any()
    assert notes.str.contains("plurality primary-care TIN").any()


def test_bundled_models_without_episodes_are_skipped_with_a_note(reviewed):
    con, results, _ = reviewed
    assert not {"cjr", "team", "bpci_a"} & set(results)
    notes = dict(con.execute("SELECT model, note FROM evaluation_notes "
                             "WHERE model = 'cjr'").fetchall())
    assert "no episodes" in notes["cjr"]


def test_balance_improves_after_weighting(reviewed):
    con, _, _ = reviewed
    rows = con.execute("SELECT covariate, std_diff_before, std_diff_after FROM "
                       "evaluation_balance WHERE model = 'mssp' AND covariate IN "
                       "('age', 'dual', 'disabled', 'female')").fetchall()
    assert len(rows) == 4
    for _covariate, before, after in rows:
        assert abs(after) <= max(abs(before), 0.02)
        assert abs(after) < 0.05


def test_event_study_and_effects_tables(reviewed):
    con, results, _ = reviewed
    times = [t for (t,) in con.execute("SELECT event_time FROM evaluation_event_study "
                                       "WHERE model = 'mssp' ORDER BY event_time").fetchall()]
    assert times == [-2, -1, 0, 1, 2]
    groups = {g for (g,) in con.execute("SELECT DISTINCT subgroup FROM evaluation_effects "
                                        "WHERE model = 'mssp'").fetchall()}
    assert {"all", "dual", "non_dual", "aged_non_dual"} <= groups


def test_no_participant_writes_empty_tables_and_notes(input_dir):
    """One beneficiary, one ACO that starts in the first data year: no baseline, so nothing
    is estimated, but every table exists with its columns and the notes say why."""
    con = engine.connect()
    load(input_dir(), con)
    core.run(con)
    result = review.run(con)
    assert result.results == []
    assert con.execute("SELECT count(*) FROM evaluation_scorecard").fetchall() == [(0,)]
    columns = [d[0] for d in con.execute("SELECT * FROM evaluation_scorecard").description]
    assert columns == review.SCORECARD_COLUMNS
    notes = dict(con.execute("SELECT model, note FROM evaluation_notes").fetchall())
    assert "no baseline year" in notes["mssp"]
    assert "no participant" in notes["global_budget"]


@pytest.mark.parametrize("name", sorted(
    str(p.relative_to(panel.SQL_DIR)) for p in panel.SQL_DIR.glob("*/*.sql")))
def test_source_and_query_sql_transpiles_to_spark(name):
    """The stage's own models are checked by tests/test_engine.py; these are the files run
    one by one (sources, queries)."""
    sqlglot.transpile(panel.query(name), read="duckdb", write="spark",
                      unsupported_level=ErrorLevel.RAISE)


def test_a_source_with_unexpected_columns_is_skipped_with_a_note():
    con = duckdb.connect()
    con.execute("CREATE TABLE mssp_settlement (aco VARCHAR)")
    notes: list[tuple[str, str]] = []
    panel.prepare_sources(con, review.DESIGNS, notes)
    assert any("mssp_settlement not used" in n for _, n in notes)
    assert con.execute(f"SELECT count(*) FROM {panel.PAYMENT_TABLE}").fetchall() == [(0,)]


def test_report_sections(reviewed):
    from apmlab.evaluate import report

    con, results, _ = reviewed
    sections = {s.title: s.body for s in report.sections(con)}
    assert list(sections) == [
        "Model review: scorecard", "Model review: participants", "Model review: net savings",
        "Model review: event studies", "Model review: comparison-group balance",
        "Model review: other outcomes and subgroups"]
    for model in results:
        assert f"<td>{model}</td>" in sections["Model review: scorecard"]
    assert "Verdict rule" in sections["Model review: scorecard"]
    assert "<svg" in sections["Model review: net savings"]
    assert "<svg" in sections["Model review: event studies"]


def test_per_entity_rows_are_suppressed_when_they_describe_few_beneficiaries():
    """The report's per-participant table hides every figure of an entity row describing
    1-10 beneficiaries (CMS cell-size rule), and shows the others."""
    import html

    from apmlab.evaluate import report
    from apmlab.report.html import SUPPRESSED

    def row(entity, participants, saving):
        return {"model": "mssp", "entity_id": entity, "unit": "person-year",
                "gross_effect_pct": -1.0, "ci_low_pct": -3.0, "ci_high_pct": 1.0,
                "exposed_units": 100.0, "gross_savings": saving, "model_payments": 0.0,
                "net_savings": saving, "net_savings_low": -1.0, "net_savings_high": 1.0,
                "verdict": savings.INCONCLUSIVE, "participants": participants}

    body = html.unescape(report._entities([row("ACO01", 7, 123_457.0),
                                           row("ACO02", 500, 654_321.0)]))
    small, large = body.split("ACO01")[1].split("ACO02")
    assert SUPPRESSED in small
    assert "123,457" not in body and "-3.0%" not in small
    assert SUPPRESSED not in large.split("</tr>")[0] and "654,321" in large
