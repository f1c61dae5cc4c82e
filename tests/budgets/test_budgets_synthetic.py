"""The TCOC savings the engine reports for the synthetic global-budget state against the
effect the generator injected (truth.json).

The generator applies its effects after all random draws, so a population generated with the
same seed and the global-budget effect switched off is the same population with the same
claims except for the injected hospital payment cut (apmlab.synth.claims). The engine's
savings are (expected - actual per capita) x person-years, and the expected per capita comes
from the base year (before the model) and the comparison states (outside the model), which
the effect does not touch. So the engine's savings with the effect minus its savings without
it must equal the injected reduction, truth's counterfactual minus actual spending of the
state's residents in the model years.

Tolerance 0.01% of the injected dollars: the two sides differ only by the rounding of each
paid amount to cents (and would by the cut on non-residents treated in the state's
hospitals, which would lower the comparison's spending; the generator sends none there);
seed 11 at 6,000 beneficiaries measured 7e-7. A single run cannot be held to
such a tolerance: at this size the state's per-capita spending has a sampling error of about
5% a year, far more than the 1.5-point yearly effect, which is why the comparison is between
twin runs.
"""

from __future__ import annotations

import pytest

import apmlab
from apmlab import budgets, core
from apmlab.synth import generate
from apmlab.synth.generate import SynthConfig

SEED = 11
YEARS = (2021, 2025)


def model_year_savings(folder) -> float:
    con = apmlab.load(folder).con
    core.run(con)
    budgets.run(con)
    return con.execute(
        "SELECT sum(savings) FROM tcoc_test WHERE region = 'MD' AND model_year IS NOT NULL"
    ).fetchall()[0][0]


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic")
    truth = generate(root / "effect", beneficiaries=6_000, years=YEARS, seed=SEED)
    generate(root / "none", beneficiaries=6_000, years=YEARS, seed=SEED,
             config=SynthConfig(global_budget_growth_cut=0.0))
    return truth["models"]["global_budget"], root


def test_savings_attributable_to_the_effect_match_the_injected_reduction(twins):
    truth, root = twins
    injected = truth["counterfactual"] - truth["actual"]
    assert truth["start_year"] == 2023 and injected > 0
    measured = model_year_savings(root / "effect") - model_year_savings(root / "none")
    assert measured == pytest.approx(injected, rel=1e-4)
