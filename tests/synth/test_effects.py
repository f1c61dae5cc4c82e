"""The injected effects are in the data, in the direction and size truth.json claims.

Every random draw happens whether an effect is on or off, so a run with one model's effect
switched off is that model's exact counterfactual. Comparing the claim files of the two
runs checks truth.json against the data it describes, independently of how the
generator computed it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pytest

from apmlab.synth import SynthConfig, generate

YEARS = (2021, 2024)
N = 8_000
SEED = 11
OFF = SynthConfig(mssp_effect=0.0, reach_effect=0.0, cjr_effect=0.0, bpci_a_effect=0.0,
                  team_effect=0.0, global_budget_growth_cut=0.0)
RUNS = {
    "off": OFF,
    # No spread between ACOs, so the realised mean is the parameter up to sampling.
    "aco": replace(OFF, mssp_effect=-0.05, reach_effect=-0.06, entity_spread=0.0),
    "bundles": replace(OFF, cjr_effect=-0.30, bpci_a_effect=-0.20),
    "global_budget": replace(OFF, global_budget_growth_cut=0.03),
    # Strong drift and selection, so that a few hospitals show it through the noise; CJR and
    # TEAM (assigned first, at random) take one hospital each, so BPCI Advanced chooses from
    # nearly all.
    "drift": replace(OFF, hospital_trend_spread=0.10, bpci_a_selection=10.0,
                     cjr_hospital_share=0.0, team_hospital_share=0.0),
}
EXCL = "paid_amount - coalesce(ime_amount, 0) - coalesce(dsh_amount, 0)"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[Path, dict]]:
    out = {}
    for name, config in RUNS.items():
        folder = tmp_path_factory.mktemp(name)
        out[name] = folder, generate(folder, beneficiaries=N, years=YEARS, seed=SEED,
                                     config=config)
    return out


def _value(sql: str):
    return duckdb.connect().execute(sql).fetchone()[0]


def _spend(folder: Path, where: str = "TRUE") -> float:
    return _value(f"SELECT sum({EXCL}) FROM read_parquet('{folder}/medical_claim/*.parquet')"
                  f" WHERE {where}")


@pytest.mark.parametrize(("run", "models"), [("aco", ["mssp", "reach"]),
                                             ("bundles", ["cjr", "bpci_a"]),
                                             ("global_budget", ["global_budget"])])
def test_truth_equals_the_difference_between_the_runs(runs, run, models):
    (off, _), (on, truth) = runs["off"], runs[run]
    # Bundles: effect_pct counts the saving inside the episode windows, as episodes do; the
    # spending difference between the runs is every dollar saved.
    claimed = sum(truth["models"][m].get("reduction_all_claims",
                                         truth["models"][m]["counterfactual"]
                                         - truth["models"][m]["actual"]) for m in models)
    assert claimed > 0
    assert _spend(off) - _spend(on) == pytest.approx(claimed, rel=1e-6, abs=50)
    for m in models:
        t = truth["models"][m]
        assert t["effect_pct"] == pytest.approx(100 * (t["actual"] / t["counterfactual"] - 1),
                                                abs=1e-3)
        saved_in_windows = t["counterfactual"] - t["actual"]
        assert 0 < saved_in_windows <= t.get("reduction_all_claims", saved_in_windows) + 0.01


def test_aco_effect_is_about_its_parameter(runs):
    truth = runs["aco"][1]["models"]
    assert truth["mssp"]["effect_pct"] == pytest.approx(-5.0, abs=1.5)
    assert truth["reach"]["effect_pct"] == pytest.approx(-6.0, abs=2.0)
    assert all(e < 0 for e in truth["mssp"]["entities"].values())
    # No exposure before the start year: the runs agree on 2021-2022 claims exactly.
    before = "year(claim_end_date) < 2023"
    assert _spend(runs["off"][0], before) == pytest.approx(_spend(runs["aco"][0], before))


def test_aco_effect_seen_through_plurality_assignment(runs):
    """Beneficiaries whose plurality of primary care E&M charges is billed by an MSSP
    ACO's TIN (the rule of 42 CFR 425.402) spend about truth's effect less than in the
    counterfactual run."""
    (off, _), (on, truth) = runs["off"], runs["aco"]

    def assigned_spend(folder: Path) -> float:
        return _value(f"""
            WITH pc AS (
                SELECT c.person_id, year(c.claim_end_date) AS year, c.billing_tin,
                       sum(c.allowed_amount) AS charges
                FROM read_parquet('{folder}/medical_claim/*.parquet') c
                JOIN read_parquet('{folder}/provider.parquet') p ON p.npi = c.rendering_npi
                WHERE p.specialty_code IN ('01', '08', '11', '38')
                  AND (c.hcpcs_code BETWEEN '99202' AND '99215'
                       OR c.hcpcs_code IN ('G0438', 'G0439'))
                GROUP BY 1, 2, 3
            ), plurality AS (
                SELECT person_id, year, arg_max(billing_tin, charges) AS tin FROM pc
                GROUP BY 1, 2
            ), assigned AS (
                SELECT p.person_id, p.year FROM plurality p
                JOIN read_parquet('{folder}/participation.parquet') a
                  ON a.tin = p.tin AND a.model = 'mssp' AND year(a.start_date) <= p.year
            )
            SELECT sum({EXCL}) FROM read_parquet('{folder}/medical_claim/*.parquet') c
            JOIN assigned s ON s.person_id = c.person_id AND s.year = year(c.claim_end_date)
            """)

    observed = 100 * (assigned_spend(on) / assigned_spend(off) - 1)
    claimed = truth["models"]["mssp"]["effect_pct"]
    assert claimed * 1.15 < observed < claimed * 0.75


def test_bundles_cut_post_acute_spending_after_anchor_stays(runs):
    truth = runs["bundles"][1]["models"]
    for model in ("cjr", "bpci_a"):
        assert -20 < truth[model]["effect_pct"] < -2
        assert truth[model]["exposed_units"] > 20
    # Only post-acute claims (SNF, home health, rehabilitation/LTCH stays) changed.
    changed = duckdb.sql(f"""
        SELECT DISTINCT coalesce(a.bill_type_code, b.bill_type_code)
        FROM read_parquet('{runs["off"][0]}/medical_claim/*.parquet') a
        FULL JOIN read_parquet('{runs["bundles"][0]}/medical_claim/*.parquet') b
          USING (claim_id, claim_line_number)
        WHERE a.paid_amount IS DISTINCT FROM b.paid_amount""").fetchall()
    assert {r[0] for r in changed} <= {"211", "329", "111"}


def test_global_budget_slows_hospital_spending_in_maryland_only(runs):
    (off, _), (on, truth) = runs["off"], runs["global_budget"]
    hospital = ("substr(bill_type_code, 1, 2) IN ('11', '13', '85') AND substr(facility_ccn, 3, 4)"
                " BETWEEN '0001' AND '1399'")

    def growth(folder: Path, state: str) -> float:
        def spend(year: int) -> float:
            return _spend(folder, f"{hospital} AND year(claim_end_date) = {year}"
                                  f" AND person_id IN (SELECT person_id FROM read_parquet("
                                  f"'{folder}/eligibility.parquet') WHERE state = '{state}')")
        return spend(2024) / spend(2022)

    # Maryland hospital spending grows (1 - 0.03)^2 slower from 2022 to 2024; elsewhere equal.
    assert growth(on, "MD") / growth(off, "MD") == pytest.approx(0.97 ** 2, abs=0.002)
    assert growth(on, "PA") == pytest.approx(growth(off, "PA"))
    assert -6 < truth["models"]["global_budget"]["effect_pct"] < -1


def test_bpci_a_hospitals_are_those_whose_post_acute_use_falls(runs):
    """BPCI Advanced hospitals join on a falling trajectory (SynthConfig.bpci_a_selection):
    the share of their inpatient discharges to post-acute care (SNF 03, rehab 62, long-term
    hospital 63, home health 06) falls year after year, that of the other hospitals outside
    the budget state does not. With a drift spread of 0.10 and near-deterministic selection
    of the 15% of hospitals with the steepest fall, the participants' log share falls about
    0.16 a year faster (1.6 standard deviations of the drift)."""
    folder = runs["drift"][0]
    rows = duckdb.sql(f"""
        WITH stay AS (
            SELECT facility_ccn AS ccn, year(claim_end_date) AS year,
                   discharge_disposition_code IN ('03', '62', '63', '06') AS post_acute
            FROM read_parquet('{folder}/medical_claim/*.parquet')
            WHERE bill_type_code = '111' AND claim_line_number = 1
              AND facility_ccn NOT LIKE '21%'   -- the budget state's hospitals
        ), bpci AS (
            SELECT ccn FROM read_parquet('{folder}/participation.parquet')
            WHERE model = 'bpci_a'
        ), other AS (
            SELECT ccn FROM read_parquet('{folder}/participation.parquet')
            WHERE model IN ('cjr', 'team') AND ccn IS NOT NULL
        )
        SELECT ccn IN (SELECT ccn FROM bpci) AS joined, year, ln(avg(post_acute::DOUBLE))
        FROM stay WHERE ccn NOT IN (SELECT ccn FROM other)
        GROUP BY ALL ORDER BY ALL""").fetchall()
    slope = {}
    for joined in (True, False):
        points = [(year, value) for j, year, value in rows if j == joined]
        years, values = zip(*points, strict=True)
        slope[joined] = np.polyfit(years, values, 1)[0]
    assert slope[True] < slope[False] - 0.08
    assert abs(slope[False]) < 0.04
