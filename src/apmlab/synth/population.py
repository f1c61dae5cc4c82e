"""The beneficiaries: enrollment, demographics, coded chronic conditions, deaths, entrants.

All state is held in column arrays indexed by person; a year is advanced with array
operations only. Enrollment types follow the MSSP definitions (42 CFR 425.20) through the
Medicare status and dual codes written to ``eligibility``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from apmlab.synth import calibration as cal
from apmlab.synth import codes

TYPES = ("esrd", "disabled", "aged_dual", "aged_non_dual")
ESRD, DISABLED, AGED_DUAL, AGED_NON_DUAL = range(4)
# Expected deaths per person-year by enrollment type (Medicare FFS, rounded).
DEATH_RATE = np.array([0.17, 0.025, 0.075, 0.040])
HOSPICE_DEATH_SHARE = 0.85          # hospice stays that end in death
DUAL_CODES = ("02", "08", "01", "03")
DUAL_CODE_P = (0.50, 0.20, 0.15, 0.15)
DUAL_SHARE_DISABLED = 0.40          # of disabled and ESRD beneficiaries
N_COND = len(codes.CONDITIONS)
EPOCH = np.datetime64("1970-01-01", "D")


def day(year: int, month: int = 1, dom: int = 1) -> int:
    return int((np.datetime64(f"{year:04d}-{month:02d}-{dom:02d}", "D") - EPOCH).astype(int))


@dataclass
class People:
    """Per-person columns (static attributes and the state carried between years)."""

    birth: np.ndarray          # int32 days since epoch
    female: np.ndarray         # bool
    county: np.ndarray         # int16 global county index
    orec: np.ndarray           # int8: 0 aged, 1 disabled, 2 ESRD
    esrd: np.ndarray           # bool
    dual: np.ndarray           # int8: -1 not dual, else index into DUAL_CODES
    frailty: np.ndarray        # float32 latent health (drives conditions and risk)
    idio: np.ndarray           # float32 unobserved spending propensity, mean 1
    em_gamma: np.ndarray       # float32 propensity to see clinicians, mean 1
    conditions: np.ndarray     # bool (n, N_COND): coded this year
    variant: np.ndarray        # uint8 (n, N_COND): which of the condition's codes is used
    pcp: np.ndarray            # int32 provider index of the main primary care clinician
    hospital: np.ndarray       # int32 provider index of the usual hospital
    start: np.ndarray          # int32 first enrolled day
    death: np.ndarray          # int32 death day (INT32 max when alive)

    def __len__(self) -> int:
        return len(self.birth)

    def extend(self, other: People) -> People:
        return People(**{f.name: np.concatenate([getattr(self, f.name), getattr(other, f.name)])
                         for f in fields(self)})


ALIVE = np.iinfo(np.int32).max


def age_on(birth: np.ndarray, when: np.ndarray | int) -> np.ndarray:
    """Whole years of age on day(s) ``when`` (days since epoch)."""
    born = birth.astype("datetime64[D]")
    at = np.asarray(when).astype("datetime64[D]")
    b_year, a_year = born.astype("datetime64[Y]"), at.astype("datetime64[Y]")
    had_birthday = (at - a_year.astype("datetime64[D]")) >= (born - b_year.astype("datetime64[D]"))
    return (a_year.astype(int) - b_year.astype(int) - (~had_birthday)).astype(np.int16)


def enrollment_type(people: People, age: np.ndarray) -> np.ndarray:
    t = np.where(people.dual >= 0, AGED_DUAL, AGED_NON_DUAL)
    t = np.where(age < 65, DISABLED, t)
    return np.where(people.esrd, ESRD, t).astype(np.int8)


def _ages(rng, n: int, kind: int) -> np.ndarray:
    if kind == DISABLED:
        a = np.arange(21, 65)
        w = np.exp(0.06 * (a - 64))
    elif kind == ESRD:
        a = np.arange(25, 91)
        w = np.exp(-0.5 * ((a - 66) / 13) ** 2)
    else:
        a = np.arange(65, 101)
        w = np.where(a < 85, np.exp(-0.045 * (a - 65)), np.exp(-0.9 - 0.16 * (a - 85)))
    return rng.choice(a, size=n, p=w / w.sum())


def new_people(rng: np.random.Generator, types: np.ndarray, first_day: np.ndarray,
               ages: np.ndarray, county_share: np.ndarray) -> People:
    """People of the given enrollment types, ``ages`` on ``first_day``."""
    n = len(types)
    birth = first_day - (ages * 365.25).astype(np.int32) - rng.integers(1, 365, n)
    female = rng.random(n) < np.where(types == DISABLED, 0.47, 0.56)
    orec = np.select([types == ESRD, types == DISABLED], [2, 1], 0).astype(np.int8)
    orec[(types == ESRD) & (ages < 65) & (rng.random(n) < 0.3)] = 1
    dual_p = np.select([types == AGED_DUAL, types == AGED_NON_DUAL], [1.0, 0.0],
                       DUAL_SHARE_DISABLED)
    dual = np.where(rng.random(n) < dual_p, rng.choice(4, size=n, p=DUAL_CODE_P), -1)
    frailty = rng.normal(size=n) + np.where(types == AGED_DUAL, 0.3, 0.0) \
        + np.where(types == ESRD, 0.5, 0.0)
    people = People(
        birth=birth.astype(np.int32), female=female, county=rng.choice(
            len(county_share), size=n, p=county_share).astype(np.int16),
        orec=orec, esrd=types == ESRD, dual=dual.astype(np.int8),
        frailty=frailty.astype(np.float32),
        idio=np.exp(rng.normal(-0.06125, 0.35, n)).astype(np.float32),
        em_gamma=rng.gamma(2.0, 0.5, n).astype(np.float32),
        conditions=np.zeros((n, N_COND), bool),
        variant=rng.integers(0, 255, (n, N_COND), dtype=np.uint8),
        pcp=np.full(n, -1, np.int32), hospital=np.full(n, -1, np.int32),
        start=first_day.astype(np.int32), death=np.full(n, ALIVE, np.int32),
    )
    people.conditions = draw_conditions(rng, people, ages, None)
    return people


PREVALENCE = np.array([c.prevalence for c in codes.CONDITIONS])
PERSISTENCE = np.array([c.persistence for c in codes.CONDITIONS])
WEIGHT = np.array([c.weight for c in codes.CONDITIONS])
DISABLED_FACTOR = np.array([c.disabled_factor for c in codes.CONDITIONS])
SEX = np.array([c.sex for c in codes.CONDITIONS])
ESRD_FACTOR = np.array([3.0 if c.name in ("diabetes_complicated", "heart_failure")
                        else 1.0 for c in codes.CONDITIONS])


def draw_conditions(rng, people: People, age: np.ndarray,
                    previous: np.ndarray | None) -> np.ndarray:
    """Coded conditions this year: a first draw at prevalence, then a Markov chain.

    The onset rate keeps the prevalence stationary for given persistence
    (p = p * persistence + (1 - p) * onset), so year-to-year persistence is as specified.
    """
    n = len(people)
    p = np.broadcast_to(PREVALENCE, (n, N_COND)).copy()
    p *= np.where((age < 65)[:, None], DISABLED_FACTOR, 1.0)
    p *= np.where(people.esrd[:, None], ESRD_FACTOR, 1.0)
    p *= np.clip(1 + 0.03 * (age - 75), 0.5, 2.0)[:, None]
    p *= np.exp(0.7 * people.frailty - 0.245)[:, None]
    p[:, SEX == "female"] *= people.female[:, None]
    p[:, SEX == "male"] *= ~people.female[:, None]
    p = np.clip(p, 0, 0.95)
    u = rng.random((n, N_COND))
    if previous is None:
        return u < p
    onset = p * (1 - PERSISTENCE) / (1 - p)
    return np.where(previous, u < PERSISTENCE, u < onset)


def raw_risk(people: People, age: np.ndarray) -> np.ndarray:
    """Relative risk before normalisation: demographic base + condition weights, x idio."""
    base = np.where(age >= 65, 0.45 + 0.012 * (age - 65), 0.55)
    burden = people.conditions @ WEIGHT + np.where(people.esrd, codes.ESRD_WEIGHT, 0.0)
    return (base + burden) * people.idio


def death_probability(etype: np.ndarray, risk: np.ndarray, age: np.ndarray,
                      hospice_p: np.ndarray) -> np.ndarray:
    """Deaths outside hospice, so that all deaths average DEATH_RATE per type."""
    other = np.maximum(DEATH_RATE[etype] - HOSPICE_DEATH_SHARE * hospice_p, 0.002)
    age_factor = np.where(age >= 65, np.exp(0.06 * (age - 78)), 1.0)
    return np.clip(other * (0.4 + 0.6 * risk) * age_factor, 0, 0.9)


def initial_type_counts(n: int) -> np.ndarray:
    """Head counts that give the PUF person-year shares after half-year loss to deaths."""
    share = np.array([cal.ENROLLMENT_SHARE[t] for t in TYPES]) / (1 - DEATH_RATE / 2)
    counts = np.floor(n * share / share.sum()).astype(int)
    counts[AGED_NON_DUAL] += n - counts.sum()
    return counts
