"""Calibration targets of the synthetic population, in one place, with their provenance.

Every figure below is a real 2018 national figure (methodology.md section 7):

* ``county_ffs_benchmark_puf_2018.csv`` (CMS, "County-level FFS data for Shared Savings
  Program benchmarks", 2018): per-capita Parts A+B expenditure and person-years of
  assignable FFS beneficiaries by enrollment type, person-year weighted over counties.
* ``mssp_aco_puf_py2018.csv`` (CMS, "Shared Savings Program Accountable Care Organizations
  Performance Year Financial and Quality Results PUF", PY2018): per-capita expenditure by
  service category (``CapAnn_*``) and utilisation per 1,000 (``ADM*``, ``P_EDV_Vis``,
  ``P_EM_*``, ``P_SNF_ADM``, ``SNF_LOS``), weighted by assigned beneficiaries (``N_AB``).

The generator turns these into *drivers*: event rates and mean paid amounts for the
aged/non-dual reference group, and one multiplier per enrollment type, solved so that the
expected person-year weighted figures of the whole population equal the targets.
Everything here is an expected value; nothing is tuned on generated data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

BASE_YEAR = 2018

# --- county_ffs_benchmark_puf_2018.csv ------------------------------------------------
ENROLLMENT_SHARE = {"esrd": 0.010, "disabled": 0.142, "aged_dual": 0.092, "aged_non_dual": 0.756}
PER_CAPITA_BY_TYPE = {"esrd": 85_402.0, "disabled": 11_158.0, "aged_dual": 17_244.0,
                      "aged_non_dual": 10_173.0}

# --- mssp_aco_puf_py2018.csv (N_AB weighted means) ------------------------------------
PER_CAPITA_TOTAL = 10_974.0                       # Per_Capita_Exp_TOTAL_PY
CATEGORY_PER_CAPITA = {                           # CapAnn_* (core service categories)
    "inpatient_acute": 2_918.9,                   # CapAnn_INP_S_trm
    "inpatient_other": 3_318.7 - 2_918.9,         # CapAnn_INP_All - CapAnn_INP_S_trm
    "snf": 744.8,                                 # CapAnn_SNF
    "outpatient": 2_494.5,                        # CapAnn_OPD
    "professional": 3_503.0,                      # CapAnn_PB
    "home_health": 560.4,                         # CapAnn_HHA
    "hospice": 251.8,                             # CapAnn_HSP
    "dme": 271.7,                                 # CapAnn_DME
}
ADMISSIONS_PER_1000 = {"acute": 284.5, "rehab": 13.74, "long_term": 2.38, "psych": 7.32}
ADMISSIONS_PER_1000_TOTAL = 308.2                 # ADM
INPATIENT_OTHER_PER_CAPITA = {"rehab": 268.7, "long_term": 81.9, "psych": 73.6}
ED_VISITS_PER_1000 = 704.9                        # P_EDV_Vis
ED_VISITS_ADMITTED_PER_1000 = 210.7               # P_EDV_Vis_HOSP
SNF_ADMISSIONS_PER_1000 = 59.55                   # P_SNF_ADM
SNF_LENGTH_OF_STAY = 24.49                        # SNF_LOS
EM_VISITS_PER_BENEFICIARY = {"total": 10.274, "primary_care": 3.866, "specialist": 4.680}

# --- Modelling assumptions (not PUF figures; plausible 2018 Medicare values) -----------
# Paid (Medicare) amounts in 2018 dollars, excluding IME/DSH, which come on top.
ED_FACILITY_PAID = 700.0          # OPPS ED visit with labs/imaging
ED_PHYSICIAN_PAID = 120.0         # 99284 emergency physician
EM_PAID_PER_VISIT = 78.0          # office E&M mix under the PFS, 80% of allowed
DIALYSIS_MONTH_PAID = 2_750.0     # ESRD PPS, ~13 treatments a month
NEPHROLOGY_MONTH_PAID = 280.0     # 90960 monthly capitation payment
HH_PERIOD_PAID = 1_950.0          # home health 30-day period
HH_POST_ACUTE_PERIODS = 1.6       # mean periods after a discharge to home health
HH_COMMUNITY_PERIODS = 1.8        # mean periods of a community-referred spell
HOSPICE_DAY_PAID = 190.0          # routine home care per diem
HOSPICE_USERS_PER_PY = 0.021      # hospice users per FFS person-year
INPATIENT_PHYSICIAN_PER_ADMISSION = 950.0   # hospitalist, surgeon, consultants
PROF_OTHER_LINES_PER_PY = 3.5     # aggregated non-E&M professional lines
OUTPATIENT_OTHER_CLAIMS_PER_PY = 4.0
DME_CLAIMS_PER_PY = 1.1
P_HH_AFTER_DISCHARGE = 0.16       # acute discharges to home health
COINSURANCE = 0.20                # Part B: paid = 80% of allowed
ANNUAL_TREND = 0.032              # per-capita trend from 2018 (CMS actuaries: ~3-4%/yr)

# Per acute admission, derived from the PUF rates above.
ACUTE_RATE = ADMISSIONS_PER_1000["acute"] / 1000
P_SNF_AFTER_DISCHARGE = SNF_ADMISSIONS_PER_1000 / ADMISSIONS_PER_1000["acute"]
P_REHAB_AFTER_DISCHARGE = ADMISSIONS_PER_1000["rehab"] / ADMISSIONS_PER_1000["acute"]
P_LTCH_AFTER_DISCHARGE = ADMISSIONS_PER_1000["long_term"] / ADMISSIONS_PER_1000["acute"]
P_ED_BEFORE_ADMISSION = ED_VISITS_ADMITTED_PER_1000 / ADMISSIONS_PER_1000["acute"]
_OTHER_SCALE = CATEGORY_PER_CAPITA["inpatient_other"] / sum(INPATIENT_OTHER_PER_CAPITA.values())
STAY_PAID = {  # mean paid per stay
    "acute": CATEGORY_PER_CAPITA["inpatient_acute"] / ACUTE_RATE,
    **{k: _OTHER_SCALE * v / (ADMISSIONS_PER_1000[k] / 1000)
       for k, v in INPATIENT_OTHER_PER_CAPITA.items()},
    "snf": CATEGORY_PER_CAPITA["snf"] / (SNF_ADMISSIONS_PER_1000 / 1000),
}
SNF_DAY_PAID = STAY_PAID["snf"] / SNF_LENGTH_OF_STAY
PER_ADMISSION = {  # expected paid per acute admission, by core category, chain included
    "inpatient_acute": STAY_PAID["acute"],
    "inpatient_other": P_REHAB_AFTER_DISCHARGE * STAY_PAID["rehab"]
    + P_LTCH_AFTER_DISCHARGE * STAY_PAID["long_term"],
    "snf": P_SNF_AFTER_DISCHARGE * STAY_PAID["snf"],
    "home_health": P_HH_AFTER_DISCHARGE * HH_POST_ACUTE_PERIODS * HH_PERIOD_PAID,
    "professional": INPATIENT_PHYSICIAN_PER_ADMISSION + P_ED_BEFORE_ADMISSION * ED_PHYSICIAN_PAID,
}
ED_RELEASED_RATE = (ED_VISITS_PER_1000 - ED_VISITS_ADMITTED_PER_1000) / 1000
ESRD_ADDON = 12 * (DIALYSIS_MONTH_PAID + NEPHROLOGY_MONTH_PAID)  # per ESRD person-year

# Enrollment-type scaling: how strongly each driver follows the type multiplier m_t
# (spending rises steeply for ESRD; E&M visits much less so).
TYPE_ELASTICITY = {"admission": 1.0, "psych": 1.0, "ed": 0.8, "outpatient": 1.0, "em": 0.35,
                   "prof_other": 0.9, "dme": 1.0, "hospice": 0.5, "hh_community": 1.0}
# How strongly a driver follows the within-type relative risk r (mean 1): (1-g) + g*r.
RISK_GRADIENT = {"admission": 1.0, "psych": 0.5, "ed": 0.7, "outpatient": 0.7, "em": 0.4,
                 "prof_other": 0.7, "dme": 0.8, "hospice": 1.0, "hh_community": 1.0}

# Population per-capita spend each driver carries (2018 $).
DRIVER_SPEND = {
    "admission": ACUTE_RATE * sum(PER_ADMISSION.values()),
    "psych": _OTHER_SCALE * INPATIENT_OTHER_PER_CAPITA["psych"],
    "ed": ED_RELEASED_RATE * (ED_FACILITY_PAID + ED_PHYSICIAN_PAID),
    "em": EM_VISITS_PER_BENEFICIARY["total"] * EM_PAID_PER_VISIT,
    "hospice": CATEGORY_PER_CAPITA["hospice"],
    "dme": CATEGORY_PER_CAPITA["dme"],
    "hh_community": CATEGORY_PER_CAPITA["home_health"]
    - ACUTE_RATE * PER_ADMISSION["home_health"],
    "outpatient": CATEGORY_PER_CAPITA["outpatient"] - ED_RELEASED_RATE * ED_FACILITY_PAID
    - ENROLLMENT_SHARE["esrd"] * 12 * DIALYSIS_MONTH_PAID,
    "prof_other": CATEGORY_PER_CAPITA["professional"]
    - EM_VISITS_PER_BENEFICIARY["total"] * EM_PAID_PER_VISIT
    - ED_RELEASED_RATE * ED_PHYSICIAN_PAID - ACUTE_RATE * PER_ADMISSION["professional"]
    - ENROLLMENT_SHARE["esrd"] * 12 * NEPHROLOGY_MONTH_PAID,
}
UNIT_PAID = {  # mean paid per driver event
    "admission": sum(PER_ADMISSION.values()),
    "psych": STAY_PAID["psych"],
    "ed": ED_FACILITY_PAID + ED_PHYSICIAN_PAID,
    "em": EM_PAID_PER_VISIT,
    "hospice": CATEGORY_PER_CAPITA["hospice"] / HOSPICE_USERS_PER_PY,
    "dme": CATEGORY_PER_CAPITA["dme"] / DME_CLAIMS_PER_PY,
    "hh_community": HH_PERIOD_PAID * HH_COMMUNITY_PERIODS,
    "outpatient": DRIVER_SPEND["outpatient"] / OUTPATIENT_OTHER_CLAIMS_PER_PY,
    "prof_other": DRIVER_SPEND["prof_other"] / PROF_OTHER_LINES_PER_PY,
}
HOSPICE_MEAN_DAYS = UNIT_PAID["hospice"] / HOSPICE_DAY_PAID
HOSPICE_LOS_SIGMA = 0.9             # log-normal length of stay, capped at a year


def _capped_lognormal_mean(mu: float, sigma: float, cap: float) -> float:
    """E[min(X, cap)] for log-normal X (closed form)."""
    def phi(x: float) -> float:
        return 0.5 * (1 + math.erf(x / math.sqrt(2)))
    z = (math.log(cap) - mu) / sigma
    return math.exp(mu + sigma ** 2 / 2) * phi(z - sigma) + cap * (1 - phi(z))


def _hospice_mu() -> float:
    lo, hi = 0.0, 8.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if _capped_lognormal_mean(mid, HOSPICE_LOS_SIGMA, 365) < HOSPICE_MEAN_DAYS:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


HOSPICE_LOS_MU = _hospice_mu()      # so the capped mean stay is HOSPICE_MEAN_DAYS
# Share of a person's expected spending an ACO can avert by avoiding admissions, ED visits
# and outpatient claims (everything except E&M, hospice, DME, dialysis).
AVERTABLE = ("admission", "psych", "ed", "outpatient", "prof_other", "hh_community")


@dataclass(frozen=True)
class Drivers:
    """Reference-group (aged/non-dual) event rates and the per-type multipliers m_t."""

    type_multiplier: dict[str, float]
    rate: dict[str, float]              # events per person-year in the reference group

    def multiplier(self, driver: str, enrollment_type: str) -> float:
        return self.type_multiplier[enrollment_type] ** TYPE_ELASTICITY[driver]

    def per_capita(self, enrollment_type: str) -> float:
        """Expected 2018 per-capita spend of an enrollment type."""
        addon = ESRD_ADDON if enrollment_type == "esrd" else 0.0
        return addon + sum(self.rate[d] * UNIT_PAID[d] * self.multiplier(d, enrollment_type)
                           for d in self.rate)


def _weighted(values: dict[str, float]) -> float:
    return sum(ENROLLMENT_SHARE[t] * v for t, v in values.items())


@cache
def drivers() -> Drivers:
    """Solve m_t so type ratios match the county PUF while category totals match the ACO PUF.

    Fixed point: given m_t, each driver's reference rate is its population spend divided by
    the person-year weighted mean of m_t ** elasticity; given the rates, each m_t is found by
    bisection so the type's per-capita spend is its PUF ratio times the reference group's.
    """
    ratio = {t: PER_CAPITA_BY_TYPE[t] / PER_CAPITA_BY_TYPE["aged_non_dual"]
             for t in ENROLLMENT_SHARE}
    m = dict(ratio)

    def rates(mult: dict[str, float]) -> dict[str, float]:
        return {d: DRIVER_SPEND[d] / UNIT_PAID[d]
                / _weighted({t: mult[t] ** TYPE_ELASTICITY[d] for t in mult})
                for d in DRIVER_SPEND}

    for _ in range(500):
        current = Drivers(m, rates(m))
        reference = current.per_capita("aged_non_dual")
        new = {"aged_non_dual": 1.0}
        for t in ("esrd", "disabled", "aged_dual"):
            lo, hi = 0.05, 50.0
            for _ in range(100):
                mid = (lo + hi) / 2
                probe = Drivers({**m, t: mid}, current.rate).per_capita(t)
                lo, hi = (mid, hi) if probe < ratio[t] * reference else (lo, mid)
            new[t] = (lo + hi) / 2
        if max(abs(new[t] - m[t]) for t in m) < 1e-12:
            break
        m = new
    return Drivers(m, rates(m))


def trend_factor(year: int, trend: float = ANNUAL_TREND) -> float:
    return float((1.0 + trend) ** (year - BASE_YEAR))
