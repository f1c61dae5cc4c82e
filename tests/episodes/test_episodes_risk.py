"""The beneficiary risk-factor regression (510.301(a), 512.545(a)) recovers known factors."""

from __future__ import annotations

import itertools
import math

import pytest

from apmlab import engine, episodes
from apmlab.episodes import risk

COLUMNS = ("model VARCHAR, anchor_drg VARCHAR, hcc_count_band VARCHAR, age_band VARCHAR, "
           "dual VARCHAR, bed_size VARCHAR, capped_payment DOUBLE, cancelled BOOLEAN, "
           "performance_year INTEGER")


def test_fit_recovers_multiplicative_factors_relative_to_the_most_frequent_level():
    """Episode payments built as DRG base x age factor x dual factor, exactly: the fit on log
    payment gives each level's log factor over the reference level, the most frequent one
    (65-74, not full dual), whatever the DRG mix. Canceled episodes are left out."""
    base = {"469": 30_000.0, "470": 18_000.0}
    age = {"65_74": 1.0, "75_84": 1.10, "85plus": 1.25}
    dual = {"not_full_dual": 1.0, "full_dual": 1.20}
    copies = {"65_74": 5, "75_84": 3, "85plus": 2}  # 65-74 is the most frequent age band
    rows = []
    for drg, a, d in itertools.product(base, age, dual):
        for _ in range(copies[a] * (3 if d == "not_full_dual" else 1)):
            rows.append(("cjr", drg, "1", a, d, "le250", base[drg] * age[a] * dual[d], False,
                         2023))
    rows.append(("cjr", "470", "1", "85plus", "full_dual", "le250", 1.0, True, 2023))  # canceled
    con = engine.connect()
    episodes._write(con, "episodes_capped", COLUMNS, rows)
    fitted = {(f, lvl): b for _, f, lvl, b in risk.fit(con, "cjr", ["age_band", "dual"])}
    assert fitted == pytest.approx({
        ("age_band", "75_84"): math.log(1.10),
        ("age_band", "85plus"): math.log(1.25),
        ("dual", "full_dual"): math.log(1.20),
    })


def test_a_factor_with_one_level_gets_no_coefficient():
    con = engine.connect()
    episodes._write(con, "episodes_capped", COLUMNS, [
        ("team", "470", "0", "65_74", "not_full_dual", "le250", 10_000.0 * (1 + i % 3), False,
         2025) for i in range(9)])
    assert risk.fit(con, "team", ["dual", "bed_size"]) == []


def test_a_level_of_one_year_does_not_take_that_years_payment_level():
    """Prices rise 5% from 2021 to 2022 and HCC counts are unknown in 2021 (no claims in the
    year before): the HCC-count factors are fitted on 2022's known counts with year effects,
    and 'unknown' gets the mean known multiplier, (3 x 1 + 1 x 1.4) / 4 = 1.1 in log, so that
    2021's episodes are standardised as average ones: their standardised payment then rises
    5% to 2022, as the prices did (not the -5% of a fit that takes 2021 as the level)."""
    rows = [("bpci_a", "291", "unknown", "65_74", "n", "le250", 1_000.0 * f, False, 2021)
            for f in (1.0, 1.0, 1.0, 1.4)]
    rows += [("bpci_a", "291", band, "65_74", "n", "le250", 1_050.0 * f, False, 2022)
             for band, f in (("0", 1.0), ("0", 1.0), ("0", 1.0), ("2", 1.4))]
    con = engine.connect()
    episodes._write(con, "episodes_capped", COLUMNS, rows)
    fitted = {(f, lvl): b for _, f, lvl, b in risk.fit(con, "bpci_a", ["hcc_count"])}
    assert fitted == pytest.approx({("hcc_count", "2"): math.log(1.4),
                                    ("hcc_count", "unknown"): math.log(1.1)})


def test_a_level_collinear_with_the_year_effects_is_priced_as_the_reference():
    """Everyone's age band changes with the year (65-74 in 2021, 75-84 in 2022: one cohort
    ageing), so age cannot be told from the year effect: the 75-84 level gets 0, not an
    arbitrary split of the year's payment level, and MS-DRG 292's log(0.5) against 291 is
    still recovered."""
    rows = [("bpci_a", drg, "1", band, "n", "le250", paid * growth, False, year)
            for year, band, growth in ((2021, "65_74", 1.0), (2022, "75_84", 1.3))
            for drg, paid in (("291", 20_000.0), ("292", 10_000.0)) for _ in range(3)]
    con = engine.connect()
    episodes._write(con, "episodes_capped", COLUMNS, rows)
    fitted = {(f, lvl): b for _, f, lvl, b in
              risk.fit(con, "bpci_a", ["anchor_drg", "age_band"])}
    assert fitted == pytest.approx({("anchor_drg", "292"): math.log(0.5),
                                    ("age_band", "75_84"): 0.0})
