"""Write a synthetic Medicare input layer with known intervention effects, and its truth.

``generate(out, ...)`` writes ``eligibility.parquet``, ``provider.parquet``,
``participation.parquet``, ``budget_hospital_adjustment.parquet`` (the budget state's update
factors), ``medical_claim/claims_<year>.parquet`` and ``truth.json``.
The population is advanced one year at a time and its claims are built and written in
chunks of persons, so memory stays flat whatever the population size.

The truth is *realised*: for every model it is the difference between the spending that
was written and the spending that would have been written without that model's effect
(the averted events, the shortened post-acute stays, the lower hospital payments),
as a percentage of the latter, over the exposed person-years or episodes.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from apmlab.synth import calibration as cal
from apmlab.synth import claims as cl
from apmlab.synth import codes
from apmlab.synth import population as pop
from apmlab.synth import providers as prov

CHUNK = 100_000            # persons per chunk (fixed: part of what makes a seed reproducible)
BUILDERS = 2              # chunks built at a time (threads)
BUNDLES = ("cjr", "bpci_a", "team")
ACO_MODELS = ("mssp", "reach")


@dataclass(frozen=True)
class SynthConfig:
    """Interventions and their effects. Effects are fractions (-0.02 = 2% lower)."""

    mssp_effect: float = -0.02          # on total spending of beneficiaries of ACO TINs
    mssp_start: int = 2023
    mssp_tin_share: float = 0.30        # share of primary care practices in MSSP ACOs
    reach_effect: float = -0.03
    reach_start: int = 2024
    reach_tin_share: float = 0.10
    beneficiaries_per_aco: int = 5_000  # the MSSP minimum of assigned beneficiaries, 425.110
    aco_selection: float = 0.04         # ACO practices' patients spend this much less, always
    cjr_effect: float = -0.12           # on post-acute spending in the episode window
    cjr_start: int = 2022
    cjr_hospital_share: float = 0.25    # of short-term hospitals outside the budget state
    bpci_a_effect: float = -0.10
    bpci_a_start: int = 2024            # CMS: BPCI Advanced's third cohort began 2024-01-01
    bpci_a_hospital_share: float = 0.15
    team_effect: float = -0.10
    team_start: int = 2025
    team_hospital_share: float = 0.20
    bundle_selection: float = 0.05      # participants discharge less to post-acute, always
    # Each IPPS hospital's own yearly drift in post-acute use (log points a year, mean 0,
    # on the share discharged to SNF, rehab, long-term hospital or home health and on the
    # facility stays' length): care redesign, new post-acute partners. The budget state's
    # hospitals, paid the rate setter's rates, have none. 0.06 with the selection below makes
    # BPCI Advanced's reconciliation payments exceed its gross savings on average
    # (benchmarks/coverage.py), as in its Model Years 1-2: episode payments 2.7% lower, a
    # $65M net loss (Lewin Group, third evaluation report, 2021, as reported by TechTarget).
    hospital_trend_spread: float = 0.06
    # BPCI Advanced is voluntary and CMS shows applicants their preliminary target prices
    # (their own history carried forward at a peer trend) before they commit: hospitals
    # whose post-acute use is falling expect to beat them and join. Hospitals join with odds
    # exp(-bpci_a_selection x their drift in standard deviations); 0 picks them at random.
    bpci_a_selection: float = 3.0
    # Yearly cut in hospital payment growth in MD: 2.5, 4.9, 7.3% lower hospital payments
    # after 1-3 years, about 2.3% lower total spending on average, the order of the
    # Maryland All-Payer Model evaluation (RTI 2019: total Medicare spending 2.8% lower
    # over 2014-2017, mostly hospital spending).
    global_budget_growth_cut: float = 0.025
    global_budget_start: int = 2023
    entity_spread: float = 0.4          # entity effects: mean x (1 + spread x N(0, 1))
    trend: float = cal.ANNUAL_TREND
    pcp_switch: float = 0.05            # yearly share of people changing primary care doctor


def _rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, *stream])


def generate(
    out: Path,
    beneficiaries: int = 20_000,
    years: tuple[int, int] = (2021, 2025),
    seed: int = 0,
    config: SynthConfig | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> dict:
    """Generate the input layer into ``out``; returns the truth (also in truth.json)."""
    cfg = config or SynthConfig()
    first, last = years
    if beneficiaries < 100:
        raise ValueError("beneficiaries must be at least 100")
    if not 2000 <= first <= last <= 2100:
        raise ValueError(f"invalid year range {first}-{last}")
    report = progress or (lambda _step, _fraction: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    # Replace a previous synthetic run in place, but never delete anything else.
    for name in ("eligibility.parquet", "provider.parquet", "participation.parquet",
                 "budget_hospital_adjustment.parquet", "truth.json"):
        (out / name).unlink(missing_ok=True)
    (out / "medical_claim").mkdir(exist_ok=True)
    for old in (out / "medical_claim").glob("claims_*.parquet"):
        old.unlink()
    others = [p.name for p in (out / "medical_claim").iterdir()]
    if others:
        raise ValueError(f"{out / 'medical_claim'}: holds other files ({others[0]}, ...);"
                         " choose an empty folder")

    report("providers", 0.0)
    providers = prov.build(beneficiaries, _rng(seed, 1))
    world = _World(providers, beneficiaries, cfg, seed, first)
    for name, table in (("provider", world.provider_table()),
                        ("participation", world.participation_table()),
                        ("budget_hospital_adjustment", world.budget_update_table(last))):
        with _Writer(out / f"{name}.parquet") as file:
            file.write(table)

    people = world.initial_people(first)
    drivers = cal.drivers()
    n_years = last - first + 1
    lines_written = 0

    def build(year: int, k: int, idx: np.ndarray, people, persons):
        lines, contribution = world.claims(people, persons, idx, year, drivers,
                                           _rng(seed, 3, year, k))
        return world.claim_table(lines, idx, year, k), contribution

    # Two chunks are built at a time (NumPy and Arrow release the GIL) while the one
    # before is encoded to Parquet in a third thread. Results are taken in chunk order,
    # so the files and truth.json are the same whatever the timing.
    with ThreadPoolExecutor(max_workers=BUILDERS) as builders, \
            ThreadPoolExecutor(max_workers=1) as encoder, \
            _Writer(out / "eligibility.parquet") as eligibility:
        for y, year in enumerate(range(first, last + 1)):
            report(f"{year}: population", y / n_years)
            people, persons = world.advance(people, year, first)
            eligibility.write(world.eligibility_rows(people, persons, year))
            order = np.flatnonzero(persons["in_year"])
            chunks = [order[i:i + CHUNK] for i in range(0, len(order), CHUNK)]
            with _Writer(out / "medical_claim" / f"claims_{year}.parquet") as claims_file:
                building: deque = deque()
                writing, done = None, 0
                for k in range(len(chunks) + 2):
                    if k < len(chunks):
                        building.append(builders.submit(build, year, k, chunks[k], people,
                                                        persons))
                    if len(building) == BUILDERS or (k >= len(chunks) and building):
                        table, contribution = building.popleft().result()
                        world.add(contribution)
                        lines_written += table.num_rows
                        if writing is not None:
                            writing.result()
                        writing = encoder.submit(claims_file.write, table)
                        done += 1
                        report(f"{year}: claims", (y + done / len(chunks)) / n_years)
                if writing is not None:
                    writing.result()
    report("truth", 1.0)
    truth = world.truth(out)
    truth["generated"] = {"beneficiaries": beneficiaries, "years": [first, last], "seed": seed,
                          "claim_lines": lines_written, "config": asdict(cfg)}
    (out / "truth.json").write_text(json.dumps(truth, indent=2, sort_keys=True) + "\n")
    return truth


class _World:
    """Providers, market lookups, interventions and truth accumulators of one run."""

    def __init__(self, providers: prov.Providers, beneficiaries: int, cfg: SynthConfig,
                 seed: int, first: int):
        self.p = providers
        self.first = first
        self.cfg = cfg
        self.seed = seed
        self.n_target = beneficiaries
        (self.c_state, self.c_fips, self.c_share, _, self.c_price) = prov.county_table()
        self.md = [s.code for s in codes.STATES].index(codes.GLOBAL_BUDGET_STATE)
        rng = _rng(seed, 2)
        p = providers
        n_states = len(codes.STATES)
        tin_values, self.practice = np.unique(p.tin, return_inverse=True)
        self.tin_values = tin_values
        # Claim columns are dictionary-encoded over distinct values (duplicates in an
        # Arrow dictionary make Parquet output depend on hashing order).
        ccn_values, ccn_of = np.unique(p.ccn, return_inverse=True)
        self.ccn_of_provider = np.where(p.ccn == "", -1, ccn_of).astype(np.int32)
        self.ccn_values = pa.array(ccn_values)
        # --- ACOs: groups of primary care practices --------------------------------
        pcp_practices = np.unique(self.practice[p.kind == "pcp"])
        state_of_practice = np.zeros(len(tin_values), int)
        state_of_practice[self.practice] = p.state
        shuffled = rng.permutation(pcp_practices)
        n_mssp = round(len(shuffled) * cfg.mssp_tin_share)
        n_reach = round(len(shuffled) * cfg.reach_tin_share)
        self.aco_of_practice = np.full(len(tin_values), -1)
        self.acos = []          # (entity_id, model, track, effect, start_year, practices)
        for model, chosen, share, effect, start in (
            ("mssp", shuffled[:n_mssp], cfg.mssp_tin_share, cfg.mssp_effect, cfg.mssp_start),
            ("reach", shuffled[n_mssp:n_mssp + n_reach], cfg.reach_tin_share,
             cfg.reach_effect, cfg.reach_start),
        ):
            if not len(chosen):
                continue
            n_aco = max(1, min(len(chosen),
                               round(beneficiaries * share / cfg.beneficiaries_per_aco)))
            chosen = chosen[np.argsort(state_of_practice[chosen], kind="stable")]
            tracks = ("basic_e", "enhanced") if model == "mssp" else ("global", "professional")
            for j, group in enumerate(np.array_split(chosen, n_aco)):
                entity = f"ACO{j + 1:02d}" if model == "mssp" else f"REACH{j + 1:02d}"
                e = effect * max(0.1, 1 + cfg.entity_spread * rng.normal())
                self.aco_of_practice[group] = len(self.acos)
                self.acos.append((entity, model, tracks[j % 2], e, start, group))
        # Practice style: ACO practices cheaper by the selection factor, before and after.
        style = np.exp(rng.normal(-0.05 ** 2 / 2, 0.05, len(tin_values)))
        style[self.aco_of_practice >= 0] *= 1 - cfg.aco_selection
        self.practice_style = style
        # --- Bundled payments: disjoint sets of hospitals outside the budget state ----
        hospitals = np.flatnonzero((p.kind == "hospital") & (p.state != self.md))
        trend_rng = _rng(seed, 5)
        self.hospital_trend = np.zeros(len(p.npi))
        self.hospital_trend[hospitals] = trend_rng.normal(0, cfg.hospital_trend_spread,
                                                          len(hospitals))
        self.bundle_model = np.full(len(p.npi), -1)
        self.bundle_cut = np.zeros(len(p.npi))
        self.bundle_effect = {}
        # CMS assigns CJR and TEAM hospitals (taken first, at random); BPCI Advanced
        # hospitals choose to join (taken from the rest in _join_order).
        free = rng.permutation(hospitals)
        for model in ("cjr", "team", "bpci_a"):
            b = BUNDLES.index(model)
            n = min(len(free), max(1, round(len(hospitals) * getattr(
                cfg, f"{model}_hospital_share"))))
            if model == "bpci_a":
                free = free[self._join_order(free, trend_rng)]
            chosen, free = free[:n], free[n:]
            effect = getattr(cfg, f"{model}_effect")
            for h in chosen:
                e = effect * max(0.1, 1 + cfg.entity_spread * rng.normal())
                self.bundle_model[h] = b
                self.bundle_cut[h] = min(0.9, -e)
                self.bundle_effect[int(h)] = e
        self.bundle_selection = np.where(self.bundle_model >= 0, 1 - cfg.bundle_selection, 1.0)
        # --- Market lookups -------------------------------------------------------
        acute = (p.kind == "hospital") | (p.kind == "cah")
        self.is_cah = p.kind == "cah"
        self.teaching = p.beds >= 300
        self.md_hospital = acute & (p.state == self.md)
        self.hospitals = [np.flatnonzero(acute & (p.state == s)) for s in range(n_states)]
        self.hospital_beds = [p.beds[h].astype(float) for h in self.hospitals]
        self.surgical = [np.flatnonzero((p.kind == "hospital") & (p.state == s))
                         for s in range(n_states)]
        kinds = ("snf", "rehab", "long_term", "psych", "hha", "hospice", "esrd", "dme_supplier")
        self.by_kind = {k: [np.flatnonzero((p.kind == k) & (p.state == s))
                            for s in range(n_states)] for k in kinds}
        spec_key = np.where(np.isin(p.kind, ["pcp", "app"]), p.kind, p.specialty)
        clinician = np.isin(p.kind, ["pcp", "app", "specialist", "emergency", "hospitalist"])
        self.by_specialty = {k: [np.flatnonzero(clinician & (spec_key == k) & (p.state == s))
                                 for s in range(n_states)]
                             for k in np.unique(spec_key[clinician])}
        app_of_practice = np.full(len(tin_values), -1)
        apps = np.flatnonzero(p.kind == "app")
        app_of_practice[self.practice[apps[::-1]]] = apps[::-1]   # first APP of the practice
        self.apps_of_pcp = app_of_practice[self.practice]
        # --- Accumulators of the truth ----------------------------------------------
        self.aco_sums = np.zeros((len(self.acos), 3))      # actual, averted, person-years
        self.gb_sums = np.zeros(3)                          # actual, reduction, person-years
        self.episodes: list[dict] = []     # exposed anchor stays, per chunk
        self.risk_norm = None
        self.quota = None
        self.practice_norm = 1.0

    def _join_order(self, candidates: np.ndarray, rng) -> np.ndarray:
        """Candidates in the order they join a voluntary model (Gumbel top-k: a weighted
        draw without replacement with odds exp(-bpci_a_selection x drift / spread))."""
        spread = self.cfg.hospital_trend_spread
        z = self.hospital_trend[candidates] / spread if spread > 0 else 0.0
        return np.argsort(-(rng.gumbel(size=len(candidates)) - self.cfg.bpci_a_selection * z),
                          kind="stable")

    def post_acute_drift(self, year: int) -> np.ndarray:
        """Each provider's factor this year on discharges to post-acute care and on the
        length of facility stays: the hospital's own drift since the first year. Spending
        moves with the product of the two, exp(2 x drift x t - 2 (spread t)^2), whose mean over
        hospitals is 1: the drift leaves the national level of post-acute spending alone."""
        t = year - self.first
        spread = self.cfg.hospital_trend_spread
        return np.exp(self.hospital_trend * t - (spread * t) ** 2)

    # --- tables -------------------------------------------------------------------------
    def provider_table(self) -> pa.Table:
        p = self.p
        blank = pa.array(np.where(p.ccn == "", None, p.ccn), pa.string())
        return pa.table({
            "npi": p.npi, "tin": p.tin, "ccn": blank, "provider_type": p.provider_type,
            "specialty_code": pa.array(np.where(p.specialty == "", None, p.specialty),
                                       pa.string()),
            "state": np.array([s.code for s in codes.STATES])[p.state],
            "county_fips": self.c_fips[p.county], "rural_flag": p.rural,
            "bed_count": pa.array(np.where(p.beds > 0, p.beds, None), pa.int32()),
        })

    def participation_table(self) -> pa.Table:
        rows = []
        for entity, model, track, _e, start, group in self.acos:
            for practice in group:
                rows.append((entity, model, track, str(self.tin_values[practice]), None, None,
                             f"{start}-01-01"))
        for h, b in ((int(h), int(b)) for h, b in enumerate(self.bundle_model) if b >= 0):
            model = BUNDLES[b]
            start = getattr(self.cfg, f"{model}_start")
            track = "track_1" if model == "team" else None
            rows.append((self.p.ccn[h], model, track, None, self.p.ccn[h], None,
                         f"{start}-01-01"))
        start = f"{self.cfg.global_budget_start}-01-01"
        rows.append((codes.GLOBAL_BUDGET_STATE, "global_budget", None, None, None,
                     codes.GLOBAL_BUDGET_STATE, start))
        for h in np.flatnonzero(self.md_hospital):
            rows.append((codes.GLOBAL_BUDGET_STATE, "global_budget", None, None,
                         self.p.ccn[h], codes.GLOBAL_BUDGET_STATE, start))
        cols = list(zip(*rows, strict=True))
        names = ("entity_id", "model", "track", "tin", "ccn", "state", "start_date")
        data = {n: pa.array(list(c), pa.string()) for n, c in zip(names, cols, strict=True)}
        data["start_date"] = pa.array(np.array(cols[6], dtype="datetime64[D]"))
        return pa.table(data)

    def budget_update_table(self, last: int) -> pa.Table:
        """The budget state's rate setter's approved update factor per hospital and year:
        hospital payments there grow ``global_budget_growth_cut`` slower than the trend (the
        global-budget effect of :meth:`claims`), so that is how fast the budgets grow."""
        update = (1 + self.cfg.trend) * (1 - self.cfg.global_budget_growth_cut) - 1
        years = np.arange(self.cfg.global_budget_start, last + 1)
        ccn = [self.p.ccn[h] for h in np.flatnonzero(self.md_hospital)]
        return pa.table({
            "ccn": pa.array(np.repeat(ccn, len(years)).tolist(), pa.string()),
            "year": pa.array(np.tile(years, len(ccn)), pa.int32()),
            "rate_update": pa.array(np.full(len(ccn) * len(years), update)),
        })

    # --- population -------------------------------------------------------------------
    def _assign_providers(self, rng, people: pop.People, who: np.ndarray) -> None:
        state = self.c_state[people.county[who]]
        people.pcp[who] = cl.pick(rng, self.by_specialty["pcp"], state)
        home = np.empty(len(who), np.int32)
        for s, pool in enumerate(self.hospitals):
            sel = np.flatnonzero(state == s)
            county_of = self.p.county[pool]
            for c in np.unique(people.county[who[sel]]):
                these = sel[people.county[who[sel]] == c]
                local = pool[county_of == c]
                choices = local if len(local) else pool
                w = self.p.beds[choices].astype(float)
                home[these] = choices[rng.choice(len(choices), size=len(these), p=w / w.sum())]
        people.hospital[who] = home

    def initial_people(self, first: int) -> pop.People:
        rng = _rng(self.seed, 4)
        counts = pop.initial_type_counts(self.n_target)
        self.quota = counts
        types = np.repeat(np.arange(4), counts).astype(np.int8)
        ages = np.concatenate([pop._ages(rng, n, t) for t, n in enumerate(counts)])
        self.day0 = pop.day(first)      # the initial population was enrolled before this
        day0 = np.full(len(types), self.day0, np.int32)
        people = pop.new_people(rng, types, day0, ages, self.c_share)
        self._assign_providers(rng, people, np.arange(len(types)))
        return people

    def advance(self, people: pop.People, year: int, first: int):
        """Move the population into ``year``: conditions, entrants, hospice, deaths."""
        rng = _rng(self.seed, 5, year)
        lo_y, hi_y = pop.day(year), pop.day(year, 12, 31)
        alive = people.death == pop.ALIVE
        if year > first:
            idx = np.flatnonzero(alive)
            age = pop.age_on(people.birth[idx], lo_y)
            sub = pop.People(**{f: getattr(people, f)[idx] for f in people.__dataclass_fields__})
            people.conditions[idx] = pop.draw_conditions(rng, sub, age, people.conditions[idx])
            switch = idx[rng.random(len(idx)) < self.cfg.pcp_switch]
            self._assign_providers(rng, people, switch)
            etype = pop.enrollment_type(sub, age)
            have = np.bincount(etype, minlength=4)
            need = np.maximum(self.quota - have, 0)
            types = np.repeat(np.arange(4), need).astype(np.int8)
            month = rng.integers(1, 13, len(types))
            start = np.array([pop.day(year, int(mo)) for mo in range(1, 13)])[month - 1]
            ages = np.where(types >= pop.AGED_DUAL, 65, 0)
            for t in (pop.ESRD, pop.DISABLED):
                ages[types == t] = pop._ages(rng, int((types == t).sum()), t)
            new = pop.new_people(rng, types, start.astype(np.int32), ages, self.c_share)
            n_old = len(people)
            people = people.extend(new)
            self._assign_providers(rng, people, np.arange(n_old, len(people)))
            alive = people.death == pop.ALIVE
        n = len(people)
        lo = np.maximum(people.start, lo_y)
        in_year = alive & (people.start <= hi_y)
        age = pop.age_on(people.birth, lo)
        etype = pop.enrollment_type(people, age)
        raw = pop.raw_risk(people, age)
        if self.risk_norm is None:
            self.risk_norm = self._risk_norm(raw, etype, in_year)
            self.practice_norm = float(np.mean(self.practice_style[self.practice[
                people.pcp[in_year]]]))
        risk = raw / self.risk_norm[etype]
        # Hospice users (most die at the end of the stay), then other deaths.
        drivers = cal.drivers()
        days_y = hi_y - lo_y + 1
        span = np.maximum(hi_y - lo + 1, 0)
        mult = np.array([drivers.multiplier("hospice", t) for t in pop.TYPES])[etype]
        p_h = np.clip(drivers.rate["hospice"] * mult * risk * span / days_y, 0, 0.9)
        user = in_year & (rng.random(n) < p_h)
        los = np.minimum(np.ceil(rng.lognormal(cal.HOSPICE_LOS_MU, cal.HOSPICE_LOS_SIGMA, n)),
                         np.maximum(span, 1)).astype(np.int32)
        dies_h = user & (rng.random(n) < pop.HOSPICE_DEATH_SHARE)
        offset = np.floor(rng.random(n) * (span - los + 1)).astype(np.int32)
        h_start = np.where(user, lo + offset, -1)
        h_end = np.where(user, h_start + los - 1, -1)
        q = pop.death_probability(etype, risk, age, p_h) * span / days_y
        dies_o = in_year & ~user & (rng.random(n) < q)
        death_day = lo + np.floor(rng.random(n) * span).astype(np.int32)
        people.death = np.where(dies_h, h_end, np.where(dies_o, death_day, people.death))
        hi = np.minimum(people.death, hi_y)
        persons = dict(in_year=in_year, lo=lo, hi=hi, age=age, etype=etype, risk=risk,
                       h_start=h_start, h_end=h_end)
        return people, persons

    def _risk_norm(self, raw, etype, in_year) -> np.ndarray:
        """Per-type mean of raw risk weighted by expected survival (so E[r] = 1 per
        person-year, not per head): deaths fall on the sick."""
        norm = np.ones(4)
        for t in range(4):
            r = raw[in_year & (etype == t)]
            if len(r):
                w = 1 - pop.DEATH_RATE[t] * (0.4 + 0.6 * r / r.mean()) / 2
                norm[t] = np.sum(r * w) / np.sum(w)
        return norm

    def eligibility_rows(self, people: pop.People, persons: dict, year: int) -> pa.Table:
        idx = np.flatnonzero(persons["in_year"])
        age = persons["age"][idx]
        etype = persons["etype"][idx]
        orec = people.orec[idx]
        status = np.where(etype == pop.ESRD,
                          np.where(age >= 65, "11", np.where(orec == 1, "21", "31")),
                          np.where(etype == pop.DISABLED, "20", "10"))
        dual = np.where(people.dual[idx] >= 0,
                        np.array(pop.DUAL_CODES)[np.maximum(people.dual[idx], 0)], "00")
        death = people.death[idx]
        died = death <= pop.day(year, 12, 31)
        county = people.county[idx]
        return pa.table({
            "person_id": _person_ids(idx),
            "birth_date": _dates(people.birth[idx], nullable=False),
            "death_date": _dates(np.where(died, death, -1)),
            "gender": np.where(people.female[idx], "female", "male"),
            "state": np.array([s.code for s in codes.STATES])[self.c_state[county]],
            "county_fips": self.c_fips[county],
            "enrollment_start_date": _dates(persons["lo"][idx]),
            "enrollment_end_date": _dates(persons["hi"][idx]),
            "original_reason_entitlement_code": orec.astype(str),
            "medicare_status_code": status,
            "dual_status_code": dual,
        })

    # --- claims -----------------------------------------------------------------------
    def claims(self, people, persons, idx, year, drivers, rng) -> dict:
        cfg = self.cfg
        practice = self.practice[people.pcp[idx]]
        aco = self.aco_of_practice[practice]
        aco_drop = np.zeros(len(idx))
        exposed = np.zeros(len(idx), bool)
        avertable = sum(cal.DRIVER_SPEND[d] for d in cal.AVERTABLE) / sum(
            cal.CATEGORY_PER_CAPITA.values())
        for a, (_entity, _model, _track, effect, start, _group) in enumerate(self.acos):
            sel = (aco == a) & (year >= start)
            exposed |= sel
            aco_drop[sel] = -effect / avertable
        gb_factor = ((1 - cfg.global_budget_growth_cut) ** (year - cfg.global_budget_start + 1)
                     if year >= cfg.global_budget_start else 1.0)
        county = people.county[idx]
        chunk = cl.Chunk(
            year=year, etype=persons["etype"][idx], state=self.c_state[county],
            price=self.c_price[county] * cal.trend_factor(year, cfg.trend),
            risk=persons["risk"][idx],
            practice_factor=self.practice_style[practice] / self.practice_norm,
            em_gamma=people.em_gamma[idx], conditions=people.conditions[idx],
            variant=people.variant[idx], esrd=people.esrd[idx],
            new_this_year=(people.start[idx] >= pop.day(year)) & (people.start[idx] > self.day0),
            pcp=people.pcp[idx],
            hospital=people.hospital[idx], lo=persons["lo"][idx], hi=persons["hi"][idx],
            hospice_start=persons["h_start"][idx], hospice_end=persons["h_end"][idx],
            aco_drop=aco_drop,
        )
        market = cl.Market(
            hospitals=self.hospitals, hospital_beds=self.hospital_beds,
            surgical_hospitals=self.surgical, by_kind=self.by_kind,
            by_specialty=self.by_specialty, apps_of_pcp=self.apps_of_pcp, is_cah=self.is_cah,
            teaching=self.teaching, md_hospital=self.md_hospital,
            bundle_model=self.bundle_model, bundle_cut=self.bundle_cut,
            bundle_selection=self.bundle_selection,
            post_acute_drift=self.post_acute_drift(year),
            bundle_drgs=[np.isin([d.code for d in codes.DRGS], codes.BUNDLE_DRGS[b])
                         for b in BUNDLES],
            bundle_start=[pop.day(getattr(cfg, f"{b}_start")) for b in BUNDLES],
            bundle_window=[codes.BUNDLE_WINDOW_DAYS[b] for b in BUNDLES],
            global_budget_factor=gb_factor,
        )
        episodes: list[dict] = []
        lines = cl.generate(rng, chunk, market, drivers, episodes)
        kept = ~lines["averted"]
        # Global budget: hospital payments in the budget state, from its start year.
        gb_reduction = lines["paid"] * lines["gb_cut"]
        lines["paid"] = lines["paid"] - gb_reduction
        lines["allowed"] = lines["allowed"] * (1 - lines["gb_cut"])
        excl = lines["paid"] - lines["ime"] - lines["dsh"]
        n = len(idx)
        actual = np.bincount(lines["person"], weights=excl * kept, minlength=n)
        averted = np.bincount(lines["person"], weights=excl * ~kept, minlength=n)
        gb_red = np.bincount(lines["person"], weights=gb_reduction * kept, minlength=n)
        exposure = (persons["hi"][idx] - persons["lo"][idx] + 1) / (pop.day(year, 12, 31)
                                                                   - pop.day(year) + 1)
        # This chunk's contribution to the truth (added up in chunk order by the caller,
        # so the sums, and truth.json, do not depend on thread timing).
        aco_sums = np.zeros_like(self.aco_sums)
        for a in range(len(self.acos)):
            sel = exposed & (aco == a)
            aco_sums[a] = (actual[sel].sum(), averted[sel].sum(), exposure[sel].sum())
        gb_sums = np.zeros(3)
        if year >= cfg.global_budget_start:
            sel = chunk.state == self.md
            gb_sums[:] = (actual[sel].sum(), gb_red[sel].sum(), exposure[sel].sum())
        # Bundled episodes whose anchor stay was not averted: reduction actually applied.
        kept_episodes = []
        in_episode = kept * (lines["episode"] >= 0)
        for ep in episodes:
            live = ~lines["averted"][_first_line_of_event(lines, ep["event"])]
            size = int(ep["episode"].max()) + 1
            cut, cut_all = (np.bincount(np.maximum(lines["episode"], 0),
                                        weights=lines[column] * in_episode,
                                        minlength=size)[ep["episode"]][live]
                            for column in ("cut", "cut_all"))
            kept_episodes.append(dict(
                person=idx[ep["person"][live]], adm=ep["adm"][live], end=ep["end"][live],
                hospital=ep["hospital"][live], reduction=cut, reduction_all=cut_all))
        lines["kept"] = kept
        return lines, (aco_sums, gb_sums, kept_episodes)

    def add(self, contribution) -> None:
        aco_sums, gb_sums, episodes = contribution
        self.aco_sums += aco_sums
        self.gb_sums += gb_sums
        self.episodes.extend(episodes)

    def claim_table(self, lines: dict, idx, year: int, chunk: int) -> pa.Table:
        L = lines    # rows in generation order; averted lines are filtered out at the end
        claim_base = (year * 1000 + chunk) * 10 ** 8     # C + year + chunk + claim number
        p = self.p
        npi = pa.array(p.npi)
        table = {
            "claim_id": _numbered("C", claim_base + L["claim"].astype(np.int64), 15),
            "claim_line_number": pa.array(L["line"].astype(np.int32)),
            "claim_type": _dict(L["ctype"], cl.CLAIM_TYPES),
            "person_id": pa.DictionaryArray.from_arrays(pa.array(L["person"]),
                                                         _person_ids(idx)),
            "claim_start_date": _dates(L["start"]),
            "claim_end_date": _dates(L["end"]),
            "admission_date": _dates(L["adm"]),
            "discharge_date": _dates(L["dis"]),
            "discharge_disposition_code": _dict(L["disp"], cl.DISP.values),
            "bill_type_code": _dict(L["bill"], cl.BILL.values),
            "drg_code": _dict(L["drg"], cl.DRG.values),
            "revenue_center_code": _dict(L["rev"], cl.REV.values),
            "hcpcs_code": _dict(L["hcpcs"], cl.HCPCS.values),
            "place_of_service_code": _dict(L["pos"], cl.POS.values),
            "rendering_npi": _dict(L["rendering"], npi),
            "billing_npi": _dict(L["billing"], npi),
            "billing_tin": _dict(np.where(L["billing"] >= 0, self.practice[L["billing"]], -1),
                                 pa.array(self.tin_values)),
            "facility_npi": _dict(L["facility"], npi),
            "facility_ccn": _dict(np.where(L["facility"] >= 0,
                                           self.ccn_of_provider[L["facility"]], -1),
                                  self.ccn_values),
            "paid_date": _dates(L["end"] + 14 + (L["claim"] % 30).astype(np.int32)),
            "allowed_amount": pa.array(np.round(L["allowed"], 2)),
            "paid_amount": pa.array(np.round(L["paid"], 2)),
            "ime_amount": pa.array(np.round(L["ime"], 2)),
            "dsh_amount": pa.array(np.round(L["dsh"], 2)),
        }
        for j in range(cl.N_DX):
            table[f"diagnosis_code_{j + 1}"] = _dict(L["dx"][:, j], cl.DX.values)
        table = pa.table(table)
        return table if L["kept"].all() else table.filter(pa.array(L["kept"]))

    # --- truth --------------------------------------------------------------------------
    def truth(self, out: Path) -> dict:
        models: dict[str, dict] = {}
        for model in ACO_MODELS:
            members = [a for a, aco in enumerate(self.acos) if aco[1] == model]
            if not members:
                continue
            s = self.aco_sums[members]
            models[model] = _summary(
                "total_spending_per_capita", "person_year",
                getattr(self.cfg, f"{model}_start"), s[:, 0], s[:, 1], s[:, 2],
                [self.acos[a][0] for a in members], getattr(self.cfg, f"{model}_effect"))
        models.update(self._bundle_truth(out))
        actual, reduction, py = self.gb_sums
        models["global_budget"] = _summary(
            "total_spending_per_capita", "person_year", self.cfg.global_budget_start,
            np.array([actual]), np.array([reduction]), np.array([py]),
            [codes.GLOBAL_BUDGET_STATE], None)
        models["global_budget"]["scope"] = (
            "inpatient and outpatient payments to hospitals in the state grow "
            f"{100 * self.cfg.global_budget_growth_cut:.1f} points a year slower")
        return {"models": models}

    def _bundle_truth(self, out: Path) -> dict:
        """Episode spending actually written (claims overlapping the anchor admission to the
        window end, prorated by their days inside, from the claim files) and the post-acute
        reductions recorded inside those windows."""
        keys = ("person", "adm", "end", "hospital", "reduction", "reduction_all")
        ep = {k: np.concatenate([e[k] for e in self.episodes] or [np.zeros(0, int)])
              for k in keys}
        actual = np.zeros(len(ep["person"]))
        if len(actual):
            con = duckdb.connect()
            con.register("episodes", pa.table({
                "episode": np.arange(len(actual)), "person_id": _person_ids(ep["person"]),
                "start": _dates(ep["adm"]), "stop": _dates(ep["end"])}))
            files = sorted(str(f) for f in (out / "medical_claim").glob("*.parquet"))
            # As episodes measure it: claims overlapping the window, prorated by their days
            # inside it (sql/episodes/03_window_claim.sql).
            for episode, paid in con.execute(
                "SELECT e.episode, sum((c.paid_amount - c.ime_amount - c.dsh_amount)"
                " * (date_diff('day', greatest(c.claim_start_date, e.start),"
                " least(c.claim_end_date, e.stop)) + 1)"
                " / (date_diff('day', c.claim_start_date, c.claim_end_date) + 1))"
                " FROM episodes e JOIN read_parquet($files) c ON c.person_id = e.person_id"
                " AND c.claim_start_date <= e.stop AND c.claim_end_date >= e.start"
                " GROUP BY e.episode",
                {"files": files},
            ).fetchall():
                actual[episode] = paid
        result = {}
        for b, name in enumerate(BUNDLES):
            hospitals = np.flatnonzero(self.bundle_model == b)
            position = np.full(len(self.bundle_model), -1)
            position[hospitals] = np.arange(len(hospitals))
            sel = self.bundle_model[ep["hospital"]] == b
            where = position[ep["hospital"][sel]]
            size = len(hospitals)
            result[name] = _summary(
                "episode_spending", "episode", getattr(self.cfg, f"{name}_start"),
                np.bincount(where, weights=actual[sel], minlength=size),
                np.bincount(where, weights=ep["reduction"][sel], minlength=size),
                np.bincount(where, minlength=size).astype(float),
                [str(self.p.ccn[h]) for h in hospitals], None)
            result[name].update(
                drgs=list(codes.BUNDLE_DRGS[name]), window_days=codes.BUNDLE_WINDOW_DAYS[name],
                post_acute_effect_pct=round(100 * float(getattr(self.cfg, f"{name}_effect")), 4),
                # Shorter post-acute stays also save days after the window ends, which the
                # episodes (and effect_pct) do not count; this is every dollar saved.
                reduction_all_claims=round(float(ep["reduction_all"][sel].sum()), 2))
        return result


class _Writer:
    """A Parquet file written in row groups: Snappy, statistics only where queries filter
    (dates, amounts), no Arrow schema blob, so every reader sees plain VARCHAR columns."""

    def __init__(self, path: Path):
        self.path = path
        self.writer: pq.ParquetWriter | None = None

    def write(self, table: pa.Table) -> None:
        if self.writer is None:
            stats = [f.name for f in table.schema
                     if not (pa.types.is_string(f.type) or pa.types.is_dictionary(f.type))]
            self.writer = pq.ParquetWriter(self.path, table.schema, compression="snappy",
                                           write_statistics=stats, store_schema=False)
        self.writer.write_table(table, row_group_size=1 << 20)

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc) -> None:
        if self.writer is not None:
            self.writer.close()


def _summary(outcome, unit, start, actual, reduction, units, names, parameter) -> dict:
    """Realised effect among the exposed: actual / counterfactual - 1, in percent."""
    cf = actual + reduction

    def pct(a, c):
        return round(100 * (float(a) / float(c) - 1), 4) if c > 0 else None

    out = {
        "outcome": outcome, "unit": unit, "start_year": start,
        "effect_pct": pct(actual.sum(), cf.sum()),
        "entities": {n: pct(a, c) for n, a, c in zip(names, actual, cf, strict=True)},
        "exposed_units": round(float(units.sum()), 4),
        "actual": round(float(actual.sum()), 2),
        "counterfactual": round(float(cf.sum()), 2),
    }
    if parameter is not None:
        out["parameter_pct"] = round(100 * parameter, 4)
    return out


def _first_line_of_event(lines: dict, events: np.ndarray) -> np.ndarray:
    """Index of a line of each event (all lines of an event share its averted flag)."""
    ev = lines["event"]
    pos = np.full(int(ev.max()) + 1, -1)
    has = np.flatnonzero(ev >= 0)
    pos[ev[has]] = has
    return pos[events]


def _person_ids(idx: np.ndarray) -> pa.Array:
    return _numbered("P", np.asarray(idx) + 1, 7)


def _ascii4(width: int, prefix: str = "") -> np.ndarray:
    """Every prefix + zero-padded number of ``width`` digits, as the 4 bytes of a uint32."""
    digits = (np.arange(10 ** width)[:, None] // 10 ** np.arange(width - 1, -1, -1)) % 10
    chars = np.concatenate([np.full((10 ** width, len(prefix)), ord(prefix or " ")),
                            digits + ord("0")], axis=1)
    return np.ascontiguousarray(chars.astype(np.uint8)).view(np.uint32).ravel()


_DIGITS4 = _ascii4(4)
_LEAD = {p: _ascii4(3, p) for p in ("C", "P")}


def _numbered(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """prefix (one letter) + ``width`` digits, width = 3 + 4k, written four bytes at a time
    from lookup tables into one buffer: no value is formatted one by one."""
    numbers = np.asarray(numbers, dtype=np.int64)
    n, groups = len(numbers), (width - 3) // 4
    cells = np.empty((n, groups + 1), np.uint32)
    cells[:, 0] = _LEAD[prefix][(numbers // 10_000 ** groups) % 1_000]
    for g in range(groups):
        cells[:, 1 + g] = _DIGITS4[(numbers // 10_000 ** (groups - 1 - g)) % 10_000]
    size = 4 * (groups + 1)
    offsets = np.arange(0, (n + 1) * size, size, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets),
                                                  pa.py_buffer(cells)])


def _dates(days: np.ndarray, nullable: bool = True) -> pa.Array:
    """Days since 1970-01-01 as dates; -1 is NULL where ``nullable`` (never a claim date)."""
    days = np.asarray(days)
    return pa.array(days.astype(np.int32), type=pa.date32(),
                    mask=(days == -1) if nullable else None)


def _dict(index: np.ndarray, values) -> pa.Array:
    """Dictionary-encoded column; index -1 is NULL. Indices are in range by construction."""
    values = values if isinstance(values, pa.Array) else pa.array(list(values), pa.string())
    index = np.ascontiguousarray(index)
    valid = index >= 0
    bitmap = None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    indices = pa.Array.from_buffers(pa.from_numpy_dtype(index.dtype), len(index),
                                    [bitmap, pa.py_buffer(index)])
    return pa.DictionaryArray.from_arrays(indices, values, safe=False)
