"""Claim lines of one chunk of beneficiaries for one year, as column arrays.

Each *driver* (acute admissions with their post-acute chain, psychiatric stays, ED visits,
outpatient claims, E&M visits, other professional services, DME, home health spells,
hospice, dialysis) draws events per person from a Poisson rate

    rate(driver) x m_t ** elasticity x ((1 - g) + g * r) x practice factor x exposure

(calibration.py), then writes each event's lines. Intervention effects are applied after
all random draws, so a run with an effect switched off consumes the same random numbers
and differs only by the effect: that is what makes the recorded truth exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from apmlab.synth import calibration as cal
from apmlab.synth import codes

INSTITUTIONAL, PROFESSIONAL, DME = 0, 1, 2
CLAIM_TYPES = ("institutional", "professional", "dme")


class Vocab:
    """A fixed list of codes; columns hold indices into it (-1 for NULL)."""

    def __init__(self, values):
        self.values = list(dict.fromkeys(values))
        self._index = {v: i for i, v in enumerate(self.values)}

    def __getitem__(self, value: str) -> int:
        return self._index[value]

    def many(self, values) -> np.ndarray:
        return np.array([self._index[v] for v in values], dtype=np.int16)


DRG = Vocab([d.code for d in codes.DRGS] + ["885"])
BILL = Vocab(["111", "131", "851", "211", "329", "811", "721"])
REV = Vocab(["0100", "0114", "0450", "0360", "0300", "0320", "0350", "0022", "0023", "0651",
             "0821", *[o[0] for o in codes.OUTPATIENT]])
POS = Vocab(["11", "21", "23", "81", "12"])
DISP = Vocab(["01", "03", "06", "62", "63", "20"])
ED_LEVELS = ("99283", "99284", "99285")
HCPCS = Vocab([e[0] for e in codes.EM_OFFICE] + [a[0] for a in codes.AWV]
              + [p[0] for p in codes.PROF_OTHER] + [o[1] for o in codes.OUTPATIENT]
              + [d[0] for d in codes.DME] + [d.surgery for d in codes.DRGS if d.surgery]
              + list(ED_LEVELS) + ["99223", "99232", "80053", "71046", "74177", "90999",
                                   "90960"])
DX = Vocab([c for cond in codes.CONDITIONS for c in cond.codes] + [codes.ESRD_CODE]
           + list(codes.FILLER_CODES) + [d.principal for d in codes.DRGS] + ["F259"])
N_DX = 4

# Condition code table: dx index of (condition, variant), variants cycling over its codes.
_MAX_VARIANTS = max(len(c.codes) for c in codes.CONDITIONS)
COND_DX = np.array([[DX[c.codes[v % len(c.codes)]] for v in range(_MAX_VARIANTS)]
                    for c in codes.CONDITIONS], dtype=np.int16)

# DRG arrays.
DRG_SHARE = np.array([d.share for d in codes.DRGS])
DRG_SHARE = DRG_SHARE / DRG_SHARE.sum()
DRG_WEIGHT = np.array([d.weight for d in codes.DRGS])
DRG_LOS = np.array([d.los for d in codes.DRGS])
KINDS = list(codes.POST_ACUTE)
DRG_KIND = np.array([KINDS.index(d.kind) for d in codes.DRGS])
DRG_PRINCIPAL = DX.many([d.principal for d in codes.DRGS])
DRG_SURGERY = np.array([HCPCS[d.surgery] if d.surgery else -1 for d in codes.DRGS], np.int16)
SURGEON_SPECIALTY = {"joint": "20", "fracture": "20", "spine": "20", "cabg": "06",
                     "bowel": "10", "medical": "06", "stroke": "13"}
MEAN_WEIGHT = float(DRG_SHARE @ DRG_WEIGHT)
MEAN_SQRT_WEIGHT = float(DRG_SHARE @ np.sqrt(DRG_WEIGHT))


def _scaled_post_acute() -> np.ndarray:
    """Post-acute probabilities by DRG kind, scaled so their discharge-weighted means are
    the PUF rates (SNF, rehab, LTCH per acute admission), the home-health assumption and
    the PUF share of admissions through the ED."""
    raw = np.array([codes.POST_ACUTE[k] for k in KINDS])      # kinds x 5
    weight = np.bincount(DRG_KIND, weights=DRG_SHARE, minlength=len(KINDS))
    targets = [cal.P_SNF_AFTER_DISCHARGE, cal.P_REHAB_AFTER_DISCHARGE,
               cal.P_LTCH_AFTER_DISCHARGE, cal.P_HH_AFTER_DISCHARGE, cal.P_ED_BEFORE_ADMISSION]
    return raw * (np.array(targets) / (weight @ raw))


POST_ACUTE_P = _scaled_post_acute()       # columns: snf, rehab, ltch, hh, through ED
EM_MIX = np.array([e[1] for e in codes.EM_OFFICE])
EM_MIX = EM_MIX / EM_MIX.sum()
EM_FEE = np.array([e[2] for e in codes.EM_OFFICE])
EM_SCALE = cal.EM_PAID_PER_VISIT / ((1 - cal.COINSURANCE) * float(EM_MIX @ EM_FEE))
PO_SHARE = np.array([p[2] for p in codes.PROF_OTHER])
PO_SHARE = PO_SHARE / PO_SHARE.sum()
PO_COST = np.array([p[3] for p in codes.PROF_OTHER])
PO_COST = PO_COST / float(PO_SHARE @ PO_COST)
OP_SHARE = np.array([o[2] for o in codes.OUTPATIENT])
OP_SHARE = OP_SHARE / OP_SHARE.sum()
OP_COST = np.array([o[3] for o in codes.OUTPATIENT])
OP_COST = OP_COST / float(OP_SHARE @ OP_COST)
DME_SHARE = np.array([d[1] for d in codes.DME])
DME_SHARE = DME_SHARE / DME_SHARE.sum()
DME_COST = np.array([d[2] for d in codes.DME])
DME_COST = DME_COST / float(DME_SHARE @ DME_COST)
SPEC_CODES = [s[0] for s in codes.SPECIALISTS]
SPEC_SHARE = np.array([s[1] for s in codes.SPECIALISTS])
SPEC_SHARE = SPEC_SHARE / SPEC_SHARE.sum()


def lognormal(rng, sigma: float, n: int) -> np.ndarray:
    """Multiplicative noise with mean 1."""
    return rng.lognormal(-sigma * sigma / 2, sigma, n)


@dataclass
class Chunk:
    """The persons of one chunk in one year (arrays aligned by chunk-local index)."""

    year: int
    etype: np.ndarray          # int8 enrollment type index
    state: np.ndarray          # int state index
    price: np.ndarray          # county price index x trend
    risk: np.ndarray           # within-type relative risk, mean 1
    practice_factor: np.ndarray
    em_gamma: np.ndarray
    conditions: np.ndarray     # bool (n, K)
    variant: np.ndarray        # uint8 (n, K)
    esrd: np.ndarray           # bool
    new_this_year: np.ndarray  # bool
    pcp: np.ndarray            # provider index
    hospital: np.ndarray       # provider index
    lo: np.ndarray             # first day in the year
    hi: np.ndarray             # last day in the year (death or Dec 31)
    hospice_start: np.ndarray  # day or -1
    hospice_end: np.ndarray
    aco_drop: np.ndarray       # probability an avertable event is averted (0 if unexposed)
    cond_codes: np.ndarray = field(init=False)
    n_cond: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.cond_codes, self.n_cond = condition_codes(self.conditions, self.variant, self.esrd)

    def __len__(self) -> int:
        return len(self.etype)

    @property
    def exposure(self) -> np.ndarray:
        days = 366 if self.year % 4 == 0 else 365
        return (self.hi - self.lo + 1) / days


@dataclass
class Market:
    """Provider lookups the claims need, by state."""

    hospitals: list[np.ndarray]        # short-term + CAH, per state
    hospital_beds: list[np.ndarray]
    surgical_hospitals: list[np.ndarray]
    by_kind: dict[str, list[np.ndarray]]   # other facility kinds, per state
    by_specialty: dict[str, list[np.ndarray]]  # clinicians, per state
    apps_of_pcp: np.ndarray            # an NP/PA of the same practice, or -1
    is_cah: np.ndarray                 # by provider index
    teaching: np.ndarray               # by provider index
    md_hospital: np.ndarray            # by provider index: under the global budget
    bundle_model: np.ndarray           # by provider index: index into BUNDLES, -1
    bundle_cut: np.ndarray             # by provider index: post-acute reduction (0..1)
    bundle_selection: np.ndarray       # by provider index: post-acute level factor
    post_acute_drift: np.ndarray       # by provider index: this year's post-acute factor
    bundle_drgs: list[np.ndarray]      # per bundle model: bool over DRG table
    bundle_start: list[int]            # per bundle model: first day exposed
    bundle_window: list[int]
    global_budget_factor: float        # this year's factor on MD hospital payments


@dataclass
class Lines:
    """Accumulates claim lines; ``claim`` numbers are chunk-local."""

    cols: dict[str, list[np.ndarray]] = field(default_factory=dict)
    n_claims: int = 0

    def claims(self, n: int) -> np.ndarray:
        ids = np.arange(self.n_claims, self.n_claims + n)
        self.n_claims += n
        return ids

    def add(self, **cols) -> None:
        n = len(cols["person"])
        for name, default in DEFAULTS.items():
            value = cols.get(name, default)
            arr = np.broadcast_to(value, (n, N_DX) if name == "dx" else (n,))
            self.cols.setdefault(name, []).append(np.asarray(arr, dtype=DTYPES[name]))

    def done(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) for k, v in self.cols.items()}


DTYPES = {"person": np.int32, "claim": np.int32, "line": np.int16, "ctype": np.int8,
          "start": np.int32, "end": np.int32, "adm": np.int32, "dis": np.int32,
          "disp": np.int16, "bill": np.int16, "drg": np.int16, "rev": np.int16,
          "hcpcs": np.int16, "pos": np.int16, "rendering": np.int32, "billing": np.int32,
          "facility": np.int32, "allowed": np.float64, "paid": np.float64,
          "ime": np.float64, "dsh": np.float64, "dx": np.int16,
          "event": np.int32, "cut": np.float64, "cut_all": np.float64, "episode": np.int32,
          "gb_cut": np.float64}
DEFAULTS = {"line": 1, "adm": -1, "dis": -1, "disp": -1, "bill": -1, "drg": -1, "rev": -1,
            "hcpcs": -1, "pos": -1, "rendering": -1, "billing": -1, "facility": -1,
            "ime": 0.0, "dsh": 0.0, "dx": -1, "event": -1, "cut": 0.0, "cut_all": 0.0,
            "episode": -1,
            "gb_cut": 0.0, "person": 0, "claim": 0, "ctype": 0, "start": 0, "end": 0,
            "allowed": 0.0, "paid": 0.0}


def pick(rng, pools: list[np.ndarray], group: np.ndarray, weights=None) -> np.ndarray:
    """One provider per event from pool ``group`` (usually the event's state): uniformly,
    in one pass over all events, or in proportion to ``weights`` (per pool)."""
    if weights is None:
        sizes = np.array([len(p) for p in pools])
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        flat = np.concatenate(pools)
        offset = (rng.random(len(group)) * sizes[group]).astype(np.int64)
        return flat[starts[group] + offset].astype(np.int32)
    out = np.empty(len(group), np.int32)
    for s, pool in enumerate(pools):
        idx = np.flatnonzero(group == s)
        if len(idx):
            out[idx] = pool[rng.choice(len(pool), size=len(idx), p=weights[s] / weights[s].sum())]
    return out


def by_state_and(m_pools: dict[str, list[np.ndarray]], keys: list[str]) -> list[np.ndarray]:
    """Pools indexed by state * len(keys) + key index (for one-pass picks across keys)."""
    n_states = len(next(iter(m_pools.values())))
    return [m_pools[k][s] for s in range(n_states) for k in keys]


def condition_codes(conditions: np.ndarray, variant: np.ndarray,
                    esrd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per person: the dx indices of their coded conditions first (ESRD leading), and
    how many there are. Computed once per chunk; lines then only gather from it."""
    order = np.argsort(~conditions, axis=1, kind="stable")
    rows = np.arange(len(conditions))[:, None]
    coded = COND_DX[order, variant[rows, order] % _MAX_VARIANTS]
    coded = np.where(conditions[rows, order], coded, -1)
    lead = np.where(esrd, DX[codes.ESRD_CODE], -1).astype(np.int16)[:, None]
    table = np.concatenate([lead, coded], axis=1)
    # Shift the ESRD slot out for people without ESRD.
    table = np.where(esrd[:, None], table, np.roll(table, -1, axis=1))
    return table, (conditions.sum(axis=1) + esrd).astype(np.int32)


def person_dx(c: Chunk, person: np.ndarray, ordinal: np.ndarray) -> np.ndarray:
    """Up to N_DX diagnosis codes per line, rotating over the person's coded conditions.

    Every coded condition appears on the person's claims once they have
    ceil(conditions / N_DX) diagnosis-bearing lines; people with none get a filler code.
    """
    n_cond = c.n_cond[person]
    slot = np.arange(N_DX, dtype=np.int32)[None, :]
    pos = (np.asarray(ordinal, dtype=np.int32)[:, None] * N_DX + slot) \
        % np.maximum(n_cond, 1)[:, None]
    width = c.cond_codes.shape[1]
    dx = np.take(c.cond_codes, (person * width)[:, None] + pos)
    dx = np.where(slot < n_cond[:, None], dx, -1)
    filler = DX.many(codes.FILLER_CODES)[person % len(codes.FILLER_CODES)]
    dx[:, 0] = np.where(n_cond > 0, dx[:, 0], filler)
    return dx


def ordinal_within(person: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... for successive events of the same person (person sorted)."""
    if len(person) == 0:
        return person.astype(np.int64)
    starts = np.flatnonzero(np.r_[True, person[1:] != person[:-1]])
    run = np.diff(np.r_[starts, len(person)])
    return np.arange(len(person)) - np.repeat(starts, run)


def intensity(c: Chunk, drivers: cal.Drivers, driver: str, practice: bool = True):
    mult = np.array([drivers.multiplier(driver, t) for t in
                     ("esrd", "disabled", "aged_dual", "aged_non_dual")])[c.etype]
    g = cal.RISK_GRADIENT[driver]
    lam = drivers.rate[driver] * mult * ((1 - g) + g * c.risk) * c.exposure
    return lam * c.practice_factor if practice else lam


def draw(rng, c: Chunk, drivers: cal.Drivers, driver: str) -> np.ndarray:
    """Chunk-local person index of each event of ``driver`` (Poisson counts per person)."""
    n = rng.poisson(intensity(c, drivers, driver))
    return np.repeat(np.arange(len(c), dtype=np.int32), n)


def event_days(rng, c: Chunk, person: np.ndarray, length: np.ndarray | int = 0) -> np.ndarray:
    """A day in the person's enrolled span leaving ``length`` days after it if possible."""
    span = np.maximum(c.hi[person] - c.lo[person] - length, 0)
    return c.lo[person] + np.floor(rng.random(len(person)) * (span + 1)).astype(np.int32)


def generate(rng: np.random.Generator, c: Chunk, m: Market, drivers: cal.Drivers,
             ep_sink: list) -> dict[str, np.ndarray]:
    """All lines of the chunk (including averted ones, flagged by ``event``)."""
    lines = Lines()
    event_base = [0]

    def events(n: int) -> np.ndarray:
        ids = np.arange(event_base[0], event_base[0] + n)
        event_base[0] += n
        return ids

    _admissions(rng, c, m, drivers, lines, events, ep_sink)
    _psych(rng, c, m, drivers, lines, events)
    _emergency(rng, c, m, drivers, lines, events)
    _outpatient(rng, c, m, drivers, lines, events)
    _dialysis(rng, c, m, lines)
    _em_visits(rng, c, m, drivers, lines)
    _prof_other(rng, c, m, drivers, lines, events)
    _dme(rng, c, m, drivers, lines)
    _home_health(rng, c, m, drivers, lines, events)
    _hospice(rng, c, m, lines)
    out = lines.done()
    # ACO: avert whole events (an admission with its chain, a visit) with the entity's
    # probability. One uniform per event, always drawn.
    u = rng.random(event_base[0])
    averted_event = u < 0
    if event_base[0]:
        person_of_event = np.zeros(event_base[0], np.int32)
        has = out["event"] >= 0
        person_of_event[out["event"][has]] = out["person"][has]
        averted_event = u < c.aco_drop[person_of_event]
    out["averted"] = np.where(out["event"] >= 0, averted_event[np.maximum(out["event"], 0)],
                              False)
    return out


def _hospital_claim_money(c, m, person, facility, paid, rng=None):
    """IME and DSH on top of the DRG payment (none in the global-budget state)."""
    teaching = m.teaching[facility] & ~m.md_hospital[facility]
    ime = np.where(teaching, 0.08 * paid, 0.0)
    dsh = np.where(~m.is_cah[facility] & ~m.md_hospital[facility], 0.035 * paid, 0.0)
    return ime, dsh


def _admissions(rng, c, m, drivers, lines, events, ep_sink):
    person = draw(rng, c, drivers, "admission")
    k = len(person)
    if not k:
        return
    state = c.state[person]
    drg = rng.choice(len(codes.DRGS), size=k, p=DRG_SHARE)
    kind = DRG_KIND[drg]
    surgical = np.isin(kind, [KINDS.index(x) for x in ("joint", "fracture", "spine", "cabg",
                                                         "bowel")])
    home = rng.random(k) < 0.8
    other = pick(rng, m.hospitals, state, m.hospital_beds)
    hosp = np.where(home, c.hospital[person], other)
    bad = surgical & m.is_cah[hosp]
    hosp = np.where(bad, pick(rng, m.surgical_hospitals, state), hosp)
    los = np.maximum(1, rng.poisson(DRG_LOS[drg])).astype(np.int32)
    # Post-acute destination.
    # The hospital's drift moves both how many patients go to post-acute care and how long
    # they stay in facilities.
    drift = m.post_acute_drift[hosp]
    p = POST_ACUTE_P[kind].copy()
    p[:, :3] *= m.bundle_selection[hosp][:, None]
    p[:, :4] *= drift[:, None]
    cum = np.cumsum(p[:, :4], axis=1)
    u = rng.random(k)
    dest = (u[:, None] >= cum).sum(axis=1)          # 0 snf, 1 rehab, 2 ltch, 3 hh, 4 home
    through_ed = rng.random(k) < p[:, 4]
    snf_los = np.minimum(100, 1 + np.rint(drift * rng.gamma(
        1.5, (cal.SNF_LENGTH_OF_STAY - 1) / 1.5, k))).astype(np.int32)
    rehab_los = (1 + np.rint(drift * rng.poisson(12, k))).astype(np.int32)
    ltch_los = (1 + np.rint(drift * rng.poisson(25, k))).astype(np.int32)
    hh_periods = (1 + rng.poisson(cal.HH_POST_ACUTE_PERIODS - 1, k)).astype(np.int32)
    pa_len = np.select([dest == 0, dest == 1, dest == 2, dest == 3],
                       [snf_los, rehab_los, ltch_los, 30 * hh_periods], 0)
    adm = event_days(rng, c, person, los + pa_len)
    dis = np.minimum(adm + los, c.hi[person])
    ev = events(k)
    price = c.price[person]
    stay_paid = (cal.STAY_PAID["acute"] * DRG_WEIGHT[drg] / MEAN_WEIGHT * price
                 * lognormal(rng, 0.3, k))
    noise = lognormal(rng, 0.3, k)
    pa_noise = lognormal(rng, 0.25, k)
    snf_fac = pick(rng, m.by_kind["snf"], state)
    rehab_fac = pick(rng, m.by_kind["rehab"], state)
    ltch_fac = pick(rng, m.by_kind["long_term"], state)
    hha = pick(rng, m.by_kind["hha"], state)
    hospitalist = pick(rng, m.by_specialty["11"], state)
    er_doc = pick(rng, m.by_specialty["93"], state)
    surgeons = sorted(set(SURGEON_SPECIALTY.values()))
    surgeon_of_kind = np.array([surgeons.index(SURGEON_SPECIALTY[x]) for x in KINDS])
    surgeon = pick(rng, by_state_and(m.by_specialty, surgeons),
                   state * len(surgeons) + surgeon_of_kind[kind])
    dx = person_dx(c, person, np.zeros(k, np.int64))
    dx = np.concatenate([DRG_PRINCIPAL[drg][:, None], dx[:, : N_DX - 1]], axis=1)

    # Bundled payment exposure of the anchor stay.
    model = m.bundle_model[hosp]
    exposed = np.zeros(k, bool)
    window = np.zeros(k, np.int32)
    for b, drgs in enumerate(m.bundle_drgs):
        sel = (model == b) & drgs[drg] & (adm >= m.bundle_start[b])
        exposed |= sel
        window[sel] = m.bundle_window[b]
    cut = np.where(exposed, m.bundle_cut[hosp], 0.0)
    episode = np.where(exposed, np.arange(k), -1)
    window_end = dis + window - 1  # the last day, as episodes count it (02_anchor.sql)

    # The acute stay: room and board line carries the payment; ED and OR lines are zero.
    claim = lines.claims(k)
    gb = m.md_hospital[hosp] * (1 - m.global_budget_factor)
    ime, dsh = _hospital_claim_money(c, m, person, hosp, stay_paid)
    common = dict(ctype=INSTITUTIONAL, start=adm, end=dis, adm=adm, dis=dis, bill=BILL["111"],
                  drg=DRG.many([codes.DRGS[i].code for i in range(len(codes.DRGS))])[drg],
                  facility=hosp, billing=hosp, dx=dx, event=ev,
                  disp=np.array([DISP["03"], DISP["62"], DISP["63"], DISP["06"],
                                 DISP["01"]])[dest])
    lines.add(person=person, claim=claim, line=1, rev=REV["0100"],
              allowed=stay_paid + ime + dsh + 1_364 * price / cal.trend_factor(2018),
              paid=stay_paid + ime + dsh, ime=ime, dsh=dsh, gb_cut=gb, **common)
    for line_no, mask, rev in ((2, through_ed, "0450"), (3, surgical, "0360")):
        sel = np.flatnonzero(mask)
        lines.add(person=person[sel], claim=claim[sel], line=line_no, rev=REV[rev],
                  allowed=0.0, paid=0.0, **{kk: (v[sel] if isinstance(v, np.ndarray) else v)
                                           for kk, v in common.items()})
    # Physicians: hospitalist (always), surgeon (surgical), ED physician (through the ED).
    phys = (cal.INPATIENT_PHYSICIAN_PER_ADMISSION * np.sqrt(DRG_WEIGHT[drg]) / MEAN_SQRT_WEIGHT
            * price * noise)
    share_surgeon = np.where(surgical, 0.6, 0.0)
    for who, amount, code, mask in (
        (hospitalist, phys * (1 - share_surgeon), HCPCS["99223"], np.ones(k, bool)),
        (surgeon, phys * share_surgeon, DRG_SURGERY[drg], surgical),
        (er_doc, np.full(k, cal.ED_PHYSICIAN_PAID) * price, HCPCS["99285"], through_ed),
    ):
        sel = np.flatnonzero(mask)
        lines.add(person=person[sel], claim=lines.claims(len(sel)), ctype=PROFESSIONAL,
                  start=adm[sel], end=adm[sel], hcpcs=code if np.isscalar(code) else code[sel],
                  pos=POS["21"] if who is not er_doc else POS["23"],
                  rendering=who[sel], billing=who[sel], allowed=amount[sel] / 0.8,
                  paid=amount[sel], dx=dx[sel], event=ev[sel])
    # Post-acute care, starting the day of discharge.
    _post_acute(c, m, lines, person, dest, dis, price, pa_noise, snf_los, rehab_los, ltch_los,
                hh_periods, snf_fac, rehab_fac, ltch_fac, hha, dx, ev, cut, episode, window_end)
    sel = np.flatnonzero(exposed)
    if len(sel):
        ep_sink.append(dict(person=person[sel], adm=adm[sel], dis=dis[sel],
                            end=window_end[sel], hospital=hosp[sel], drg=drg[sel],
                            episode=episode[sel], event=ev[sel]))


def in_window(start: np.ndarray, end: np.ndarray, window_end: np.ndarray) -> np.ndarray:
    """Share of the days of a claim from ``start`` to ``end`` (starting inside an episode)
    that fall on or before the window's last day: episodes prorate a claim that straddles
    the window end by days (sql/episodes/03_window_claim.sql), so the truth does too."""
    return np.clip(np.minimum(end, window_end) - start + 1, 0, None) / (end - start + 1)


def _post_acute(c, m, lines, person, dest, dis, price, noise, snf_los, rehab_los, ltch_los,
                hh_periods, snf_fac, rehab_fac, ltch_fac, hha, dx, ev, cut, episode, window_end):
    """Post-acute claims after an acute stay. A bundle's effect (``cut``) shortens SNF stays
    and lowers other post-acute payments; each line records the reduction (``cut_all``) and
    the part of it inside the episode window (``cut``), as the episode measures spending."""
    hi = c.hi[person]
    # SNF: one claim per stay; a bundle shortens the stay (fewer paid days).
    sel = np.flatnonzero((dest == 0) & (dis < hi))
    if len(sel):
        cf_days = np.minimum(snf_los[sel], hi[sel] - dis[sel])
        days = np.maximum(1, np.rint(cf_days * (1 - cut[sel]))).astype(np.int32)
        per_day = cal.SNF_DAY_PAID * price[sel] * noise[sel]
        start, wend = dis[sel], window_end[sel]
        reduction = per_day * (cf_days * in_window(start, start + cf_days, wend)
                               - days * in_window(start, start + days, wend))
        lines.add(person=person[sel], claim=lines.claims(len(sel)), ctype=INSTITUTIONAL,
                  start=start, end=start + days, adm=start, dis=start + days,
                  disp=DISP["01"], bill=BILL["211"], rev=REV["0022"], facility=snf_fac[sel],
                  billing=snf_fac[sel], allowed=per_day * days + 170 * price[sel],
                  paid=per_day * days, dx=dx[sel], event=ev[sel], cut=reduction,
                  cut_all=per_day * (cf_days - days), episode=episode[sel])
    # Rehabilitation and long-term care hospitals: inpatient stays (bill type 11x).
    for code, fac, los, paid_mean in ((1, rehab_fac, rehab_los, cal.STAY_PAID["rehab"]),
                                      (2, ltch_fac, ltch_los, cal.STAY_PAID["long_term"])):
        sel = np.flatnonzero((dest == code) & (dis < hi))
        if not len(sel):
            continue
        end = np.minimum(dis[sel] + los[sel], hi[sel])
        cf = paid_mean * price[sel] * noise[sel]
        paid = cf * (1 - cut[sel])
        lines.add(person=person[sel], claim=lines.claims(len(sel)), ctype=INSTITUTIONAL,
                  start=dis[sel], end=end, adm=dis[sel], dis=end, disp=DISP["01"],
                  bill=BILL["111"], rev=REV["0100"], facility=fac[sel], billing=fac[sel],
                  allowed=paid, paid=paid, dx=dx[sel], event=ev[sel],
                  cut=(cf - paid) * in_window(dis[sel], end, window_end[sel]),
                  cut_all=cf - paid, episode=episode[sel])
    # Home health: consecutive 30-day periods from the day after discharge.
    sel = np.flatnonzero((dest == 3) & (dis < hi))
    _hh_periods(c, lines, person[sel], dis[sel] + 1, hh_periods[sel], hha[sel], price[sel],
                noise[sel], dx[sel], ev[sel], cut[sel], episode[sel], window_end[sel])


def _hh_periods(c, lines, person, start, periods, hha, price, noise, dx, ev, cut=None,
                episode=None, window_end=None):
    idx = np.repeat(np.arange(len(person)), periods)
    k = ordinal_within(idx)
    p_start = start[idx] + 30 * k
    keep = p_start <= c.hi[person[idx]]
    idx, p_start = idx[keep], p_start[keep]
    if not len(idx):
        return
    p_end = np.minimum(p_start + 29, c.hi[person[idx]])
    cf = cal.HH_PERIOD_PAID * price[idx] * noise[idx] * (p_end - p_start + 1) / 30
    if cut is None:
        reduction = np.zeros(len(idx))
        ep = -1
    else:
        inside = p_start <= window_end[idx]
        reduction = np.where(inside, cf * cut[idx], 0.0)
        ep = np.where(inside, episode[idx], -1)
    paid = cf - reduction
    inside = reduction if cut is None else reduction * in_window(p_start, p_end,
                                                                 window_end[idx])
    lines.add(person=person[idx], claim=lines.claims(len(idx)), ctype=INSTITUTIONAL,
              start=p_start, end=p_end, bill=BILL["329"], rev=REV["0023"], facility=hha[idx],
              billing=hha[idx], allowed=paid, paid=paid, dx=dx[idx], event=ev[idx],
              cut=inside, cut_all=reduction, episode=ep)


def _psych(rng, c, m, drivers, lines, events):
    person = draw(rng, c, drivers, "psych")
    k = len(person)
    if not k:
        return
    los = (1 + rng.poisson(11, k)).astype(np.int32)
    adm = event_days(rng, c, person, los)
    dis = np.minimum(adm + los, c.hi[person])
    fac = pick(rng, m.by_kind["psych"], c.state[person])
    paid = cal.STAY_PAID["psych"] * c.price[person] * lognormal(rng, 0.4, k)
    dx = person_dx(c, person, np.zeros(k, np.int64))
    dx[:, 0] = DX["F259"]
    lines.add(person=person, claim=lines.claims(k), ctype=INSTITUTIONAL, start=adm, end=dis,
              adm=adm, dis=dis, disp=DISP["01"], bill=BILL["111"], drg=DRG["885"],
              rev=REV["0114"], facility=fac, billing=fac, allowed=paid, paid=paid, dx=dx,
              event=events(k))


def _outpatient_facility(c, m, person, rng):
    home = rng.random(len(person)) < 0.85
    other = pick(rng, m.hospitals, c.state[person], m.hospital_beds)
    fac = np.where(home, c.hospital[person], other)
    return fac, np.where(m.is_cah[fac], BILL["851"], BILL["131"])


def _emergency(rng, c, m, drivers, lines, events):
    person = draw(rng, c, drivers, "ed")
    k = len(person)
    if not k:
        return
    day = event_days(rng, c, person)
    fac, bill = _outpatient_facility(c, m, person, rng)
    total = cal.ED_FACILITY_PAID * c.price[person] * lognormal(rng, 0.5, k)
    has_lab = rng.random(k) < 0.7
    has_img = rng.random(k) < 0.5
    share = np.stack([np.full(k, 0.55), 0.15 * has_lab, 0.30 * has_img], axis=1)
    amounts = total[:, None] * share / share.sum(axis=1, keepdims=True)
    level = HCPCS.many(ED_LEVELS)[rng.choice(3, size=k, p=[0.3, 0.45, 0.25])]
    dx = person_dx(c, person, rng.integers(0, 4, k))
    ev = events(k)
    claim = lines.claims(k)
    gb = m.md_hospital[fac] * (1 - m.global_budget_factor)
    for line_no, mask, rev, code, col in ((1, np.ones(k, bool), "0450", level, 0),
                                          (2, has_lab, "0300", HCPCS["80053"], 1),
                                          (3, has_img, "0350", HCPCS["74177"], 2)):
        sel = np.flatnonzero(mask)
        lines.add(person=person[sel], claim=claim[sel], line=line_no, ctype=INSTITUTIONAL,
                  start=day[sel], end=day[sel], bill=bill[sel], rev=REV[rev],
                  hcpcs=code[sel] if isinstance(code, np.ndarray) else code,
                  facility=fac[sel], billing=fac[sel], allowed=amounts[sel, col] * 1.25,
                  paid=amounts[sel, col], dx=dx[sel], event=ev[sel], gb_cut=gb[sel])
    doc = pick(rng, m.by_specialty["93"], c.state[person])
    paid = cal.ED_PHYSICIAN_PAID * c.price[person] * lognormal(rng, 0.2, k)
    lines.add(person=person, claim=lines.claims(k), ctype=PROFESSIONAL, start=day, end=day,
              hcpcs=level, pos=POS["23"], rendering=doc, billing=doc, allowed=paid / 0.8,
              paid=paid, dx=dx, event=ev)


def _outpatient(rng, c, m, drivers, lines, events):
    person = draw(rng, c, drivers, "outpatient")
    k = len(person)
    if not k:
        return
    day = event_days(rng, c, person)
    fac, bill = _outpatient_facility(c, m, person, rng)
    item = rng.choice(len(codes.OUTPATIENT), size=k, p=OP_SHARE)
    paid = (cal.UNIT_PAID["outpatient"] * OP_COST[item] * c.price[person]
            * lognormal(rng, 0.6, k))
    dx = person_dx(c, person, ordinal_within(person))
    lines.add(person=person, claim=lines.claims(k), ctype=INSTITUTIONAL, start=day, end=day,
              bill=bill, rev=REV.many([o[0] for o in codes.OUTPATIENT])[item],
              hcpcs=HCPCS.many([o[1] for o in codes.OUTPATIENT])[item], facility=fac,
              billing=fac, allowed=paid * 1.25, paid=paid, dx=dx, event=events(k),
              gb_cut=m.md_hospital[fac] * (1 - m.global_budget_factor))


def _monthly(c: Chunk, person: np.ndarray, first: np.ndarray, last: np.ndarray):
    """Calendar-month pieces of the spans [first, last] (days), one row per month."""
    f = first.astype("datetime64[D]").astype("datetime64[M]")
    months = (last.astype("datetime64[D]").astype("datetime64[M]") - f).astype(int) + 1
    idx = np.repeat(np.arange(len(person)), months)
    month = f[idx] + ordinal_within(idx).astype("timedelta64[M]")
    start = np.maximum(month.astype("datetime64[D]").astype(np.int64), first[idx])
    end = np.minimum((month + 1).astype("datetime64[D]").astype(np.int64) - 1, last[idx])
    return idx, start.astype(np.int32), end.astype(np.int32)


def _dialysis(rng, c, m, lines):
    person = np.flatnonzero(c.esrd).astype(np.int32)
    if not len(person):
        return
    fac = pick(rng, m.by_kind["esrd"], c.state[person])
    neph = pick(rng, m.by_specialty["39"], c.state[person])
    idx, start, end = _monthly(c, person, c.lo[person], c.hi[person])
    p = person[idx]
    frac = (end - start + 1) / 30.4
    dx = np.full((len(idx), N_DX), -1, np.int16)
    dx[:, 0] = DX[codes.ESRD_CODE]
    paid = cal.DIALYSIS_MONTH_PAID * c.price[p] * frac * lognormal(rng, 0.15, len(idx))
    lines.add(person=p, claim=lines.claims(len(idx)), ctype=INSTITUTIONAL, start=start, end=end,
              bill=BILL["721"], rev=REV["0821"], hcpcs=HCPCS["90999"], facility=fac[idx],
              billing=fac[idx], allowed=paid * 1.25, paid=paid, dx=dx)
    paid = cal.NEPHROLOGY_MONTH_PAID * c.price[p] * frac
    lines.add(person=p, claim=lines.claims(len(idx)), ctype=PROFESSIONAL, start=end, end=end,
              hcpcs=HCPCS["90960"], pos=POS["11"], rendering=neph[idx], billing=neph[idx],
              allowed=paid / 0.8, paid=paid, dx=dx)


def _em_visits(rng, c, m, drivers, lines):
    total = rng.poisson(intensity(c, drivers, "em", practice=False) * c.em_gamma)
    em = cal.EM_VISITS_PER_BENEFICIARY
    split = np.array([em["primary_care"], em["specialist"],
                      em["total"] - em["primary_care"] - em["specialist"]])
    n_pcp = rng.binomial(total, split[0] / split.sum())
    n_spec = rng.binomial(total - n_pcp, split[1] / split[1:].sum())
    n_app = total - n_pcp - n_spec
    everyone = np.arange(len(c), dtype=np.int32)
    # Primary care physicians: the main PCP most of the time (MSSP plurality follows it).
    p_pcp = np.repeat(everyone, n_pcp)
    other = pick(rng, m.by_specialty["pcp"], c.state[p_pcp])
    d_pcp = np.where(rng.random(len(p_pcp)) < 0.85, c.pcp[p_pcp], other)
    p_spec = np.repeat(everyone, n_spec)
    spec = rng.choice(len(SPEC_CODES), size=len(p_spec), p=SPEC_SHARE)
    d_spec = pick(rng, by_state_and(m.by_specialty, SPEC_CODES),
                  c.state[p_spec] * len(SPEC_CODES) + spec)
    p_app = np.repeat(everyone, n_app)
    d_app = m.apps_of_pcp[c.pcp[p_app]]
    d_app = np.where(d_app >= 0, d_app, pick(rng, m.by_specialty["app"], c.state[p_app]))
    person = np.concatenate([p_pcp, p_spec, p_app])
    doc = np.concatenate([d_pcp, d_spec, d_app])
    # A person's visits are numbered 0, 1, ... across the three groups (dx rotation).
    ordinal = np.concatenate([ordinal_within(p_pcp), n_pcp[p_spec] + ordinal_within(p_spec),
                              (n_pcp + n_spec)[p_app] + ordinal_within(p_app)])
    is_pcp = np.arange(len(person)) < len(p_pcp)
    k = len(person)
    if not k:
        return
    mix = rng.choice(len(EM_MIX), size=k, p=EM_MIX)
    code = HCPCS.many([e[0] for e in codes.EM_OFFICE])[mix]
    # The first primary care visit of the year is an annual wellness visit for some.
    awv = is_pcp & (ordinal == 0) & (rng.random(k) < codes.SHARE_WITH_AWV)
    awv_code = np.where(c.new_this_year[person], HCPCS["G0438"], HCPCS["G0439"])
    awv_fee = np.where(c.new_this_year[person], codes.AWV[0][1], codes.AWV[1][1])
    code = np.where(awv, awv_code, code)
    fee = np.where(awv, awv_fee, EM_FEE[mix]) * EM_SCALE
    allowed = fee * c.price[person] * lognormal(rng, 0.1, k)
    paid = np.where(awv, allowed, allowed * (1 - cal.COINSURANCE))
    day = event_days(rng, c, person)
    lines.add(person=person, claim=lines.claims(k), ctype=PROFESSIONAL, start=day, end=day,
              hcpcs=code, pos=POS["11"], rendering=doc, billing=doc, allowed=allowed,
              paid=paid, dx=person_dx(c, person, ordinal))


def _prof_other(rng, c, m, drivers, lines, events):
    person = draw(rng, c, drivers, "prof_other")
    k = len(person)
    if not k:
        return
    item = rng.choice(len(codes.PROF_OTHER), size=k, p=PO_SHARE)
    specs = sorted({p[1] for p in codes.PROF_OTHER})
    spec_of_item = np.array([specs.index(p[1]) for p in codes.PROF_OTHER])
    doc = pick(rng, by_state_and(m.by_specialty, specs),
               c.state[person] * len(specs) + spec_of_item[item])
    paid = cal.UNIT_PAID["prof_other"] * PO_COST[item] * c.price[person] * lognormal(rng, 0.5, k)
    day = event_days(rng, c, person)
    pos = np.where(spec_of_item[item] == specs.index("69"), POS["81"], POS["11"])
    lines.add(person=person, claim=lines.claims(k), ctype=PROFESSIONAL, start=day, end=day,
              hcpcs=HCPCS.many([p[0] for p in codes.PROF_OTHER])[item], pos=pos,
              rendering=doc, billing=doc, allowed=paid / 0.8, paid=paid,
              dx=person_dx(c, person, ordinal_within(person) + 1), event=events(k))


def _dme(rng, c, m, drivers, lines):
    person = draw(rng, c, drivers, "dme")
    k = len(person)
    if not k:
        return
    item = rng.choice(len(codes.DME), size=k, p=DME_SHARE)
    supplier = pick(rng, m.by_kind["dme_supplier"], c.state[person])
    paid = cal.UNIT_PAID["dme"] * DME_COST[item] * c.price[person] * lognormal(rng, 0.4, k)
    day = event_days(rng, c, person)
    lines.add(person=person, claim=lines.claims(k), ctype=DME, start=day, end=day,
              hcpcs=HCPCS.many([d[0] for d in codes.DME])[item], pos=POS["12"],
              billing=supplier, allowed=paid / 0.8, paid=paid,
              dx=person_dx(c, person, np.zeros(k, np.int64)))


def _home_health(rng, c, m, drivers, lines, events):
    person = draw(rng, c, drivers, "hh_community")
    k = len(person)
    if not k:
        return
    periods = (1 + rng.poisson(cal.HH_COMMUNITY_PERIODS - 1, k)).astype(np.int32)
    start = event_days(rng, c, person, 30 * periods)
    hha = pick(rng, m.by_kind["hha"], c.state[person])
    _hh_periods(c, lines, person, start, periods, hha, c.price[person],
                lognormal(rng, 0.25, k), person_dx(c, person, np.zeros(k, np.int64)), events(k))


def _hospice(rng, c, m, lines):
    person = np.flatnonzero(c.hospice_start >= 0).astype(np.int32)
    if not len(person):
        return
    agency = pick(rng, m.by_kind["hospice"], c.state[person])
    idx, start, end = _monthly(c, person, c.hospice_start[person], c.hospice_end[person])
    p = person[idx]
    days = end - start + 1
    paid = cal.HOSPICE_DAY_PAID * c.price[p] * days
    dx = person_dx(c, p, np.zeros(len(p), np.int64))
    lines.add(person=p, claim=lines.claims(len(idx)), ctype=INSTITUTIONAL, start=start, end=end,
              bill=BILL["811"], rev=REV["0651"], facility=agency[idx], billing=agency[idx],
              allowed=paid, paid=paid, dx=dx)
