"""Worked examples of the CMS-HCC steps, each computed by hand from the published tables.

Each test names the CMS rule it exercises (CMS-HCC model software V24/V28: edit macros
V24I0ED3/V28I0ED3, hierarchy macros V24H86H1/V28115H1, main macros V24I0M1/V28I0M1) and
states which model variables must be on; the expected score is the sum of those variables'
published coefficients.
"""

from __future__ import annotations

import pytest

from risk.risk_helpers import dx, expected, people, run

HCC_PERSON = ("p", "1955-06-01", 1, 0, 0, 0)  # male, 70 on 1 Feb 2026, aged, OREC 0


def test_published_value_v28_py2026_is_1_286():
    """risk_oracles.md: 70-year-old male CNA, E1169 I5030 I509 I2111 -> V28 PY2026 1.286
    (HCC37, HCC226, HCC228, D3, DIABETES_HF_V28), validated against CMS's software."""
    out, _ = run(people(HCC_PERSON), dx(*[("p", c) for c in ("E1169", "I5030", "I509", "I2111")]))
    assert round(out["p"]["SCORE_COMMUNITY_NA"], 3) == 1.286
    assert [out["p"][f"HCC{c}"] for c in (37, 226, 228)] == [1, 1, 1]


def test_hccinfhir_smoke_value_v28_is_1_723():
    """risk_oracles.md: 72-year-old female, E11.22 + I50.22 + N18.4 -> V28 1.723 raw."""
    out, _ = run(people(("f", "19531201", 2, 0, 0, 0)),
                 dx(("f", "E11.22"), ("f", "I50.22"), ("f", "N18.4")))
    assert round(out["f"]["SCORE_COMMUNITY_NA"], 3) == 1.723


def test_hierarchy_drops_lower_diabetes_hcc_v28():
    """V28115H1: HCC37 (diabetes with chronic complications) drops HCC38."""
    out, _ = run(people(HCC_PERSON), dx(("p", "E1122"), ("p", "E119")))
    row = out["p"]
    assert (row["HCC37"], row["HCC38"]) == (1, 0)
    want = expected("V28", 2026, "CNA", ["M70_74", "HCC37", "D1"])
    assert row["SCORE_COMMUNITY_NA"] == pytest.approx(want, abs=1e-12)


def test_heart_assist_device_needs_heart_failure_v28():
    """V28 software: HCC223 counts only with HCC221/222/224/225/226; with HCC222 present
    the hierarchy (222 above 223) then keeps 222 alone."""
    out, _ = run(
        people(HCC_PERSON, ("q", "1955-06-01", 1, 0, 0, 0)),
        dx(("p", "Z95811"), ("q", "Z95811"), ("q", "I5084")),
    )
    assert out["p"]["HCC223"] == 0
    assert out["p"]["SCORE_COMMUNITY_NA"] == pytest.approx(
        expected("V28", 2026, "CNA", ["M70_74"]), abs=1e-12)
    assert (out["q"]["HCC222"], out["q"]["HCC223"]) == (1, 0)
    assert out["q"]["SCORE_COMMUNITY_NA"] == pytest.approx(
        expected("V28", 2026, "CNA", ["M70_74", "HCC222", "D1"]), abs=1e-12)


def test_sex_edit_moves_d66_for_females_v28():
    """V28I0ED3: D66/D67 for SEX=2 are assigned CC112 instead of their mapped CC."""
    out, _ = run(
        people(("m", "1955-06-01", 1, 0, 0, 0), ("f", "1955-06-01", 2, 0, 0, 0)),
        dx(("m", "D66"), ("f", "D66")),
    )
    assert (out["m"]["HCC111"], out["m"]["HCC112"]) == (1, 0)
    assert (out["f"]["HCC111"], out["f"]["HCC112"]) == (0, 1)


def test_age_edit_breast_cancer_under_50_v28():
    """V28I0ED3: C50.x at age <= 49 goes to HCC22 instead of HCC23."""
    out, _ = run(
        people(("y", "1980-01-15", 2, 1, 0, 0), ("o", "1960-01-15", 2, 1, 0, 0)),
        dx(("y", "C50011"), ("o", "C50011")),
    )
    assert (out["y"]["HCC22"], out["y"]["HCC23"]) == (1, 0)
    assert (out["o"]["HCC22"], out["o"]["HCC23"]) == (0, 1)


def test_mce_age_edit_voids_newborn_code_v28():
    """V28 MCE edit: E84.11 (meconium ileus) is valid only at age 0; at 70 it is void."""
    out, _ = run(people(HCC_PERSON), dx(("p", "E8411")))
    assert out["p"]["HCC277"] == 0
    assert out["p"]["SCORE_COMMUNITY_NA"] == pytest.approx(
        expected("V28", 2026, "CNA", ["M70_74"]), abs=1e-12)


def test_disabled_interaction_in_institutional_score_v28():
    """V28 main macro: DISABLED_CANCER_V28 = DISABL*CANCER_V28 (institutional segment);
    DISABL = age < 65 and OREC <> 0; LTIMCAID is its own institutional term."""
    out, _ = run(people(("d", "1976-03-01", 2, 1, 1, 0)), dx(("d", "C3490")))
    want = expected("V28", 2026, "INS", ["F45_54", "HCC20", "D1", "DISABLED_CANCER_V28",
                                         "LTIMCAID"])
    assert out["d"]["SCORE_INSTITUTIONAL"] == pytest.approx(want, abs=1e-12)
    assert expected("V28", 2026, "INS", ["DISABLED_CANCER_V28"]) > 0


def test_count_variable_d10p_v24():
    """V24 main macro: D10P when a person has 10 or more payment HCCs after hierarchies."""
    codes = ["B20", "A419", "C787", "E1122", "E43", "K7030", "M3210", "D611", "F200", "G35",
             "J449"]
    # born 5 May 1950: 74 on 1 Feb 2025
    out, _ = run(people(("n", "1950-05-05", 2, 0, 0, 0)), dx(*[("n", c) for c in codes]),
                 year=2025, model="V24")
    row = out["n"]
    hccs = [k for k, v in row.items() if k.startswith("HCC") and v == 1]
    assert len(hccs) >= 10
    variables = ["F70_74", *hccs, "D10P", "DIABETES_CHF", "gCopdCF_CARD_RESP_FAIL",
                 "CHF_gCopdCF", "HCC47_gCancer", "HCC85_gRenal_V24", "HCC85_HCC96",
                 "gSubstanceUseDisorder_gPsych"]
    # only the interactions whose two groups are present are on
    on = {v for v in variables[len(hccs) + 2:] if _v24_interaction_on(v, hccs)}
    want = expected("V24", 2025, "CNA", ["F70_74", *hccs, "D10P", *on])
    assert row["SCORE_COMMUNITY_NA"] == pytest.approx(want, abs=1e-12)


def _v24_interaction_on(name: str, hccs: list[str]) -> bool:
    have = {int(h[3:]) for h in hccs}
    groups = {
        "DIABETES": {17, 18, 19}, "CHF": {85}, "gCopdCF": {110, 111, 112},
        "CARD_RESP_FAIL": {82, 83, 84}, "HCC47": {47}, "gCancer": {8, 9, 10, 11, 12},
        "HCC85": {85}, "gRenal_V24": {134, 135, 136, 137, 138}, "HCC96": {96},
        "gSubstanceUseDisorder": {54, 55, 56}, "gPsych": {57, 58, 59, 60},
    }
    parts = {
        "DIABETES_CHF": ("DIABETES", "CHF"),
        "gCopdCF_CARD_RESP_FAIL": ("gCopdCF", "CARD_RESP_FAIL"),
        "CHF_gCopdCF": ("CHF", "gCopdCF"), "HCC47_gCancer": ("HCC47", "gCancer"),
        "HCC85_gRenal_V24": ("HCC85", "gRenal_V24"), "HCC85_HCC96": ("HCC85", "HCC96"),
        "gSubstanceUseDisorder_gPsych": ("gSubstanceUseDisorder", "gPsych"),
    }[name]
    return all(groups[p] & have for p in parts)


def test_originally_disabled_terms_v28():
    """V28 main macro: ORIGDS = OREC 1 and not DISABL; community aged segments add
    OriginallyDisabled_Female = ORIGDS*(SEX=2)."""
    out, _ = run(people(("o", "1955-06-01", 2, 1, 0, 0)), dx(("o", "Z000")))
    want = expected("V28", 2026, "CNA", ["F70_74", "OriginallyDisabled_Female"])
    assert out["o"]["SCORE_COMMUNITY_NA"] == pytest.approx(want, abs=1e-12)


def test_new_enrollee_cells():
    """CMS new-enrollee cells: age 64 with OREC 0 is put in the 65 cell; OREC 1 at 65+ is
    'ORIGDIS'; NEMCAID picks the Medicaid cell; no HCC enters a new-enrollee score."""
    out, _ = run(
        people(("a", "1961-06-01", 2, 0, 0, 0),   # 64 on 1 Feb 2026, aged
               ("b", "1959-06-01", 1, 1, 0, 1)),  # 66, originally disabled, Medicaid
        dx(("a", "E1122"), ("b", "C3490")),
    )
    assert out["a"]["SCORE_NEW_ENROLLEE"] == pytest.approx(
        expected("V28", 2026, "NE", ["NMCAID_NORIGDIS_NEF65"]), abs=1e-12)
    assert out["b"]["SCORE_SNP_NEW_ENROLLEE"] == pytest.approx(
        expected("V28", 2026, "SNPNE", ["MCAID_ORIGDIS_NEM66"]), abs=1e-12)


def test_age_is_taken_on_february_1():
    """CMS software: age as of February 1 of the payment year. Born 2 Feb 1956 -> 69."""
    out, _ = run(people(("a", "1956-02-02", 1, 0, 0, 0), ("b", "1956-02-01", 1, 0, 0, 0)),
                 dx(("a", "Z000")))
    assert out["a"]["SCORE_COMMUNITY_NA"] == expected("V28", 2026, "CNA", ["M65_69"])
    assert out["b"]["SCORE_COMMUNITY_NA"] == expected("V28", 2026, "CNA", ["M70_74"])


def test_normalization_and_ma_coding_adjustment_order():
    """Rate Announcement order: raw / normalization factor, round to 3; x (1 - 0.059),
    round to 3. PY2026 V28 factor 1.067: 1.286 -> 1.205 -> 1.134."""
    persons = people(HCC_PERSON)
    diags = dx(*[("p", c) for c in ("E1169", "I5030", "I509", "I2111")])
    out, _ = run(persons, diags)
    assert out["p"]["SCORE_COMMUNITY_NA_NORMALIZED"] == 1.205
    assert out["p"]["SCORE_COMMUNITY_NA_PAYMENT"] == 1.205
    out, _ = run(persons, diags, ma_coding_adjustment=True)
    assert out["p"]["SCORE_COMMUNITY_NA_PAYMENT"] == 1.134


def test_payment_year_2025_blends_normalized_v24_and_v28():
    """PY2025: 33% V24 (factor 1.153) + 67% V28 (factor 1.045), each normalized and
    rounded first; raw SCORE_ columns come from the principal model V28."""
    persons = people(HCC_PERSON)
    diags = dx(*[("p", c) for c in ("E1169", "I5030", "I509", "I2111")])
    blend, _ = run(persons, diags, year=2025)
    v24, _ = run(persons, diags, year=2025, model="V24")
    v28, _ = run(persons, diags, year=2025, model="V28")
    raw24, raw28 = v24["p"]["SCORE_COMMUNITY_NA"], v28["p"]["SCORE_COMMUNITY_NA"]
    assert blend["p"]["SCORE_COMMUNITY_NA"] == raw28
    want = round(0.33 * round(raw24 / 1.153, 3) + 0.67 * round(raw28 / 1.045, 3), 3)
    assert blend["p"]["SCORE_COMMUNITY_NA_PAYMENT"] == pytest.approx(want, abs=1e-9)
    assert v24["p"]["SCORE_COMMUNITY_NA_PAYMENT"] == round(raw24 / 1.153, 3)
