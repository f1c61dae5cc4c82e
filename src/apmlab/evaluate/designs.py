"""Each payment model's evaluation design, as data: who is exposed, compared with whom, what
outcome the model targets and which table says what the model paid.

Adding a model is adding a :class:`ModelDesign`. Upstream tables are read only through the
small SQL files of ``sql/evaluate/sources/``, each of which normalises one table into a
fixed set of columns; when the table is absent (its stage has not run, or the data have no
such participant), an empty table with those columns takes its place and a note says so.
"""

from __future__ import annotations

from dataclasses import dataclass

ACO_MODELS = ("mssp", "reach")
BUNDLED_MODELS = ("cjr", "team", "bpci_a")


@dataclass(frozen=True)
class Source:
    """An upstream table read through ``sql/evaluate/sources/<sql>`` into ``table``."""

    upstream: str
    sql: str
    table: str
    columns: str  # column list of the normalised table, used when ``upstream`` is absent


PAYMENT_TABLE = "evaluate_source_payment"
PAYMENT_COLUMNS = "model VARCHAR, entity_id VARCHAR, year INTEGER, amount DOUBLE, source VARCHAR"

INPUTS = (
    Source("mssp_assignment", "assignment.sql", "evaluate_source_assignment",
           "person_id VARCHAR, year INTEGER, entity_id VARCHAR"),
    Source("risk_score", "risk.sql", "evaluate_source_risk",
           "person_id VARCHAR, year INTEGER, risk_score DOUBLE"),
    Source("episodes", "episode.sql", "evaluate_source_episode",
           "episode_id VARCHAR, model VARCHAR, ccn VARCHAR, year INTEGER, "
           "episode_spending DOUBLE, post_acute_spending DOUBLE, anchor_drg VARCHAR, "
           "age_band VARCHAR, dual VARCHAR, hcc_count_band VARCHAR"),
)


def _payment(upstream: str, sql: str) -> Source:
    return Source(upstream, sql, PAYMENT_TABLE, PAYMENT_COLUMNS)


@dataclass(frozen=True)
class ModelDesign:
    """How one model is evaluated.

    ``unit`` is 'beneficiary' (beneficiary-year panel, total spending per person-year) or
    'episode' (episode panel at anchor hospitals). ``family`` lists the models whose
    exposed units never serve as comparisons. ``cluster`` is the level of the clustered
    standard errors: 'practice' (the baseline primary-care TIN, which is what an ACO
    participant is: 42 CFR 425.20), 'county' (baseline county of residence: a participating
    state is a single entity, too few clusters to cluster on) or 'hospital' (the anchor
    hospital, the participant of a bundled-payment model).
    """

    model: str
    label: str
    unit: str
    outcome: str
    family: tuple[str, ...]
    same_market: bool
    cluster: str
    exposure: str
    payments: tuple[Source, ...]
    own_trend: bool = False


_ACO_EXPOSURE = (
    "treated: beneficiaries whose plurality primary-care TIN in the year before the ACO "
    "started was a participant TIN (intent to treat), compared with beneficiaries of other "
    "practices in the same states; savings apply to the beneficiary-years assigned to the "
    "ACO (mssp_assignment, or the plurality TIN when that table is absent)"
)
_BUNDLE_EXPOSURE = (
    "episodes anchored at participant hospitals from their start year, compared with "
    "episodes at hospitals in no bundled-payment model and under no state global budget"
)
# Comparison hospitals of a bundle are paid under the IPPS, as its participants are (CJR:
# 42 CFR 510.2, "participant hospital"; TEAM: 512.505, "TEAM participant"). Hospitals under
# a state's global budget are paid at the state's rates instead (Maryland: Social Security
# Act 1814(b)(3)); their revenue cap would bend the comparison's trend.
_BUNDLE_NOT_COMPARED = (*BUNDLED_MODELS, "global_budget")

DESIGNS: tuple[ModelDesign, ...] = (
    ModelDesign("mssp", "Medicare Shared Savings Program", "beneficiary", "spending",
                ACO_MODELS, True, "practice", _ACO_EXPOSURE,
                (_payment("mssp_settlement", "payment_mssp.sql"),)),
    ModelDesign("reach", "ACO REACH", "beneficiary", "spending", ACO_MODELS, True, "practice",
                _ACO_EXPOSURE, (_payment("reach_settlement", "payment_reach.sql"),)),
    ModelDesign("cjr", "Comprehensive Care for Joint Replacement", "episode",
                "episode_spending", _BUNDLE_NOT_COMPARED, False, "hospital", _BUNDLE_EXPOSURE,
                (_payment("episode_reconciliation", "payment_episode.sql"),)),
    ModelDesign("team", "Transforming Episode Accountability Model", "episode",
                "episode_spending", _BUNDLE_NOT_COMPARED, False, "hospital", _BUNDLE_EXPOSURE,
                (_payment("episode_reconciliation", "payment_episode.sql"),)),
    # Voluntary: hospitals see their preliminary target prices (own history carried forward
    # at a peer trend) before they commit, so those whose episode spending is falling join
    # (Singletrack Analytics 2018, "Evaluating BPCI Advanced Target Factors in Episode
    # Selection"); CJR and TEAM hospitals are assigned by CMS.
    ModelDesign("bpci_a", "BPCI Advanced", "episode", "episode_spending",
                _BUNDLE_NOT_COMPARED, False, "hospital", _BUNDLE_EXPOSURE,
                (_payment("episode_reconciliation", "payment_episode.sql"),), own_trend=True),
    ModelDesign("global_budget", "State global budget (total cost of care)", "beneficiary",
                "spending", ("global_budget",), False, "county",
                "treated: residents of the participating state(s) in the year before the start, "
                "compared with residents of other states; savings apply to the state's "
                "resident beneficiary-years from the start year",
                (_payment("hospital_budget", "payment_budget.sql"),)),
)

# Outcomes of the beneficiary panel (evaluate_person_year), per person-year.
BENEFICIARY_OUTCOMES = (
    "spending", "spending_inpatient", "spending_post_acute", "spending_outpatient",
    "spending_professional", "spending_other", "admissions", "ed_visits", "snf_days", "deaths",
)
EPISODE_OUTCOMES = ("episode_spending", "post_acute_spending")
