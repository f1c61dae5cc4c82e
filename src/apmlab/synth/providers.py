"""Synthetic providers: facilities with CCNs, clinicians with NPIs grouped under TINs.

Counts scale with the population of each state so that a million beneficiaries get
a market of realistic size (a few hundred hospitals, thousands of clinicians). Every
provider is one row of the ``provider`` table; the generator refers to them by row index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from apmlab.synth import codes

# Beneficiaries per facility or practice; the floors keep small populations plausible and
# give a demo-sized population enough participants (hospitals, practices) per model for
# intervals clustered on them.
PER_FACILITY = {"hospital": (4_000, 10), "rehab": (50_000, 1), "long_term": (100_000, 1),
                "psych": (100_000, 1), "snf": (2_500, 4), "hha": (6_000, 2),
                "hospice": (15_000, 2), "esrd": (15_000, 1), "dme_supplier": (20_000, 2)}
PCP_PRACTICE_BENEFICIARIES = 1_500
PCP_PRACTICE_FLOOR = 20
SPECIALIST_PRACTICE_BENEFICIARIES = 12_000
FACILITY_TYPE = {"hospital": "hospital", "cah": "hospital", "rehab": "rehab_facility",
                 "long_term": "long_term_care_hospital", "psych": "psychiatric_hospital",
                 "snf": "snf", "hha": "hha", "hospice": "hospice", "esrd": "esrd_facility",
                 "dme_supplier": "dme_supplier"}


def npi_check_digit(base9: np.ndarray) -> np.ndarray:
    """Luhn check digit of 9-digit NPI bases, with the 80840 prefix (CMS NPI standard)."""
    digits = (base9[:, None] // 10 ** np.arange(8, -1, -1)) % 10   # most significant first
    total = np.full(len(base9), 24)   # the prefix 80840 contributes 24
    for pos in range(9):             # double every second digit from the right of the 9
        d = digits[:, pos]
        if pos % 2 == 0:
            d = d * 2
            d = d // 10 + d % 10
        total = total + d
    return (10 - total % 10) % 10


@dataclass
class Providers:
    """Column arrays of the provider table plus lookup indices the generator needs."""

    npi: np.ndarray            # str
    tin: np.ndarray            # str
    ccn: np.ndarray            # str ('' when none)
    kind: np.ndarray           # str: facility kind or clinician role
    provider_type: np.ndarray  # str
    specialty: np.ndarray      # str ('' when none)
    state: np.ndarray          # int state index
    county: np.ndarray         # int global county index (-1 when none)
    rural: np.ndarray          # bool
    beds: np.ndarray           # int (0 when none)

    def where(self, kind: str, state: int | None = None) -> np.ndarray:
        mask = self.kind == kind
        if state is not None:
            mask &= self.state == state
        return np.flatnonzero(mask)


def county_table() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Global county arrays: state index, FIPS, share of population, rural, price index."""
    state, fips, share, rural, price = [], [], [], [], []
    for s, st in enumerate(codes.STATES):
        for c in st.counties:
            state.append(s)
            fips.append(c.fips)
            share.append(st.share * c.share)
            rural.append(c.rural)
            price.append(c.price)
    share_arr = np.array(share) / np.sum(share)
    price_arr = np.array(price) / np.dot(share_arr, price)   # population mean 1
    return np.array(state), np.array(fips), share_arr, np.array(rural), price_arr


def build(beneficiaries: int, rng: np.random.Generator) -> Providers:
    c_state, _, c_share, c_rural, _ = county_table()
    rows: dict[str, list] = {k: [] for k in ("kind", "type", "spec", "state", "county",
                                             "rural", "beds", "ccn", "practice")}
    practice = 0

    def add(kind, ptype, spec, state, county, beds=0, ccn="", group=None):
        nonlocal practice
        rows["kind"].append(kind)
        rows["type"].append(ptype)
        rows["spec"].append(spec)
        rows["state"].append(state)
        rows["county"].append(county)
        rows["rural"].append(bool(c_rural[county]) if county >= 0 else False)
        rows["beds"].append(beds)
        rows["ccn"].append(ccn)
        if group is None:
            practice += 1
            group = practice
        rows["practice"].append(group)

    for s, st in enumerate(codes.STATES):
        n_state = beneficiaries * st.share
        counties = np.flatnonzero(c_state == s)
        weights = c_share[counties] / c_share[counties].sum()
        urban = counties[~c_rural[counties]]
        serial = {k: codes.CCN_RANGES[k][0] for k in codes.CCN_RANGES}

        def ccn(kind: str, ssa: str = st.ssa, serial: dict = serial) -> str:
            number = serial[kind]
            serial[kind] += 1
            if number > codes.CCN_RANGES[kind][1]:
                raise ValueError(f"too many {kind} facilities for one state's CCN range")
            return f"{ssa}{number:04d}"

        for kind, (per, floor) in PER_FACILITY.items():
            n = max(floor, round(n_state / per))
            # Hospitals spread over urban counties by population; one CAH per rural county.
            pool = urban if kind == "hospital" else counties
            pool_w = weights[np.isin(counties, pool)]
            where = rng.choice(pool, size=n, p=pool_w / pool_w.sum())
            if kind == "hospital":
                where[: len(urban)] = urban[: n]        # every urban county has a hospital
            for county in where:
                beds = int(np.clip(rng.lognormal(np.log(180), 0.7), 30, 1200)) \
                    if kind == "hospital" else (int(rng.integers(60, 180))
                                                if kind in ("snf", "rehab", "long_term", "psych")
                                                else 0)
                add(kind, FACILITY_TYPE[kind], "", s, int(county), beds,
                    ccn(kind) if kind in codes.CCN_RANGES else "")
        for county in counties[c_rural[counties]]:
            add("cah", "hospital", "", s, int(county), 25, ccn("cah"))
        # Primary care practices: physicians plus nurse practitioners / physician assistants.
        pcp_codes = [c for c, _ in codes.PRIMARY_CARE]
        pcp_p = np.array([p for _, p in codes.PRIMARY_CARE])
        for _ in range(max(PCP_PRACTICE_FLOOR, round(n_state / PCP_PRACTICE_BENEFICIARIES))):
            practice += 1
            county = int(rng.choice(counties, p=weights))
            for _ in range(1 + rng.poisson(3)):
                add("pcp", "physician", pcp_codes[rng.choice(len(pcp_codes), p=pcp_p)],
                    s, county, group=practice)
            for _ in range(rng.binomial(2, 0.6)):
                code, ptype, _ = codes.NON_PHYSICIAN[int(rng.random() > 0.7)]
                add("app", ptype, code, s, county, group=practice)
        # Specialist practices, by specialty.
        spec_list = [(c, share) for c, share, _ in codes.SPECIALISTS]
        spec_list += [(c, 0.05) for c in sorted({p[1] for p in codes.PROF_OTHER}
                                                - {c for c, _, _ in codes.SPECIALISTS})]
        spec_list += [("93", 0.05), ("11", 0.10)]   # emergency physicians, hospitalists
        for code, share in spec_list:
            kind = {"93": "emergency", "11": "hospitalist"}.get(code, "specialist")
            for _ in range(max(1, round(n_state * share * 6 / SPECIALIST_PRACTICE_BENEFICIARIES))):
                practice += 1
                county = int(rng.choice(counties, p=weights))
                for _ in range(1 + rng.poisson(4)):
                    add(kind, "physician", code, s, county, group=practice)

    n = len(rows["kind"])
    base = 100_000_000 + np.sort(rng.choice(900_000_000, size=n, replace=False))
    npi = np.char.add(base.astype(str), npi_check_digit(base).astype(str))
    practice_ids = np.array(rows["practice"])
    tin_numbers = 200_000_000 + rng.choice(700_000_000, size=practice_ids.max() + 1,
                                           replace=False)
    tin = tin_numbers[practice_ids].astype(str)
    return Providers(
        npi=npi, tin=tin, ccn=np.array(rows["ccn"]), kind=np.array(rows["kind"]),
        provider_type=np.array(rows["type"]), specialty=np.array(rows["spec"]),
        state=np.array(rows["state"]), county=np.array(rows["county"]),
        rural=np.array(rows["rural"]), beds=np.array(rows["beds"]),
    )
