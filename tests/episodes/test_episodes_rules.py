"""Hand-worked examples, one per rule, on tiny claims sets. Expected values are computed in
the test from the regulation's words, not copied from output."""

from __future__ import annotations

import datetime as dt

import pytest

from apmlab import engine
from episodes.claims import (
    HOSPITAL,
    HOSPITAL_PROVIDERS,
    OTHER_HOSPITAL,
    outpatient,
    participation,
    person,
    professional,
    reconcile,
    rows,
    snf_stay,
    stay,
)

D = dt.date.fromisoformat


def episode(con, model: str, claim: str) -> dict:
    cur = con.execute("SELECT * FROM episodes WHERE episode_id = $id", {"id": f"{model}-{claim}"})
    names = [d[0] for d in cur.description]
    found = cur.fetchall()
    assert len(found) == 1, f"{model}-{claim}: {len(found)} rows"
    return dict(zip(names, found[0], strict=True))


def test_cjr_window_is_90_days_with_discharge_as_day_1_and_readmissions_in_and_out(run_episodes):
    """510.210(a): the episode ends on the 90th day after discharge, the discharge day being
    day 1: discharge 2021-03-04 -> day 90 is 2021-06-01. A related readmission (MS-DRG 291)
    ending on day 90 is in the episode (510.200(b)(2)); one starting on day 91 is not."""
    con = run_episodes(
        models=("cjr",),
        eligibility=[person("P1")],
        medical_claim=[
            stay("A1", "P1", "2021-03-01", "2021-03-04", "470", 15000),
            stay("R1", "P1", "2021-05-30", "2021-06-01", "291", 6000, ccn=OTHER_HOSPITAL),
            stay("R2", "P1", "2021-06-02", "2021-06-05", "291", 7000, ccn=OTHER_HOSPITAL),
        ],
        participation=[participation("cjr")],
    )
    e = episode(con, "cjr", "A1")
    assert e["window_end_date"] == D("2021-03-04") + dt.timedelta(days=89) == D("2021-06-01")
    assert e["actual_payment"] == pytest.approx(15000 + 6000)
    assert e["paid_inpatient_acute"] == pytest.approx(21000)
    assert e["participant_id"] == "CJR-100001"


def test_unrelated_readmission_is_excluded_and_counted(run_episodes):
    """510.200(d)(4)(i)(A): an oncology readmission (chemotherapy MS-DRG 847) is excluded;
    its dollars are counted in episode_exclusions."""
    con = run_episodes(
        models=("cjr",),
        eligibility=[person("P1")],
        medical_claim=[stay("A1", "P1", "2021-03-01", "2021-03-04", "470", 15000),
                       stay("R1", "P1", "2021-04-01", "2021-04-03", "847", 5000)],
        participation=[participation("cjr")],
    )
    e = episode(con, "cjr", "A1")
    assert (e["actual_payment"], e["excluded_payment"]) == pytest.approx((15000, 5000))
    assert rows(con, "SELECT items, dollars FROM episode_exclusions WHERE model = 'cjr'"
                     " AND reason = 'unrelated_readmission_oncology'") == [(1, 5000.0)]


def test_snf_stay_straddling_the_window_end_is_prorated_by_days(run_episodes):
    """A SNF stay 2021-05-23..2021-06-11 covers 20 days, 10 of them (05-23..06-01) inside a
    window ending 2021-06-01: half of its $10,000 is in the episode, half outside."""
    con = run_episodes(
        models=("cjr",),
        eligibility=[person("P1")],
        medical_claim=[stay("A1", "P1", "2021-03-01", "2021-03-04", "470", 15000),
                       snf_stay("S1", "P1", "2021-05-23", "2021-06-11", 10000)],
        participation=[participation("cjr")],
    )
    days_in, days_all = (D("2021-06-01") - D("2021-05-23")).days + 1, 20
    e = episode(con, "cjr", "A1")
    assert e["paid_snf"] == pytest.approx(10000 * days_in / days_all) == pytest.approx(5000)
    assert e["outside_window_payment"] == pytest.approx(5000)
    assert rows(con, "SELECT dollars FROM episode_exclusions WHERE kind = 'outside_window'") == [
        (pytest.approx(5000),)]


def test_death_cancels_the_episode(run_episodes):
    """510.210(b)(4): the episode is canceled if the beneficiary dies during it; a canceled
    episode is not reconciled (510.305(b)) but is counted with its dollars."""
    con = run_episodes(
        models=("cjr",),
        eligibility=[person("P1", death_date="2021-04-15")],
        medical_claim=[stay("A1", "P1", "2021-03-01", "2021-03-04", "470", 15000),
                       professional("B1", "P1", "2021-04-01", 300)],
        participation=[participation("cjr")],
    )
    e = episode(con, "cjr", "A1")
    assert (e["cancelled"], e["cancel_reason"]) == (True, "death")
    assert rows(con, "SELECT count(*) FROM episode_reconciliation") == [(0,)]
    assert rows(con, "SELECT items, dollars FROM episode_exclusions WHERE reason = 'death'") == [
        (1, pytest.approx(15300))]


def test_loss_of_part_b_cancels_the_episode(run_episodes):
    """510.210(b)(1), 512.535(b): ceasing to be enrolled in Parts A and B cancels it."""
    con = run_episodes(
        models=("cjr",),
        eligibility=[person("P1", enrollment_end_date="2021-03-31"),
                     person("P1", enrollment_start_date="2021-04-01", part_b_flag="false")],
        medical_claim=[stay("A1", "P1", "2021-03-01", "2021-03-04", "470", 15000)],
        participation=[participation("cjr")],
    )
    assert episode(con, "cjr", "A1")["cancel_reason"] == "lost_ab_ffs"


def test_team_outpatient_anchor_is_priced_as_its_drg_with_a_30_day_window(run_episodes):
    """512.540(a)(1)(ii)(A): HCPCS 27447 (total knee) is included in MS-DRG 470. The episode
    runs 30 days with the procedure day as day 1: 2021-05-10 -> 2021-06-08. A visit on day 30
    is in, one on day 31 is not."""
    con = run_episodes(
        models=("team",),
        eligibility=[person("P1")],
        medical_claim=[outpatient("O1", "P1", "2021-05-10", "27447", 9000),
                       professional("B1", "P1", "2021-06-08", 100),
                       professional("B2", "P1", "2021-06-09", 200)],
        participation=[participation("team", track="track 1")],
    )
    e = episode(con, "team", "O1")
    assert (e["anchor_setting"], e["anchor_drg"], e["episode_type"]) == ("outpatient", "470",
                                                                        "lejr")
    assert e["window_end_date"] == D("2021-06-08")
    assert e["actual_payment"] == pytest.approx(9100)
    assert e["participant_id"] == "TEAM-100001"


def test_a_later_anchor_cancels_the_earlier_cjr_episode(run_episodes):
    """510.210(b)(2): readmission for another anchor hospitalization cancels the episode."""
    con = run_episodes(
        models=("cjr",),
        eligibility=[person("P1")],
        medical_claim=[stay("A1", "P1", "2021-03-01", "2021-03-04", "470", 15000),
                       stay("A2", "P1", "2021-04-01", "2021-04-04", "469", 25000)],
        participation=[participation("cjr")],
    )
    assert episode(con, "cjr", "A1")["cancel_reason"] == "overlap"
    assert episode(con, "cjr", "A2")["cancel_reason"] is None


def test_a_later_anchor_at_a_non_participant_does_not_cancel(run_episodes):
    """510.210(b)(2) names readmission to a *participant* hospital."""
    con = run_episodes(
        models=("cjr",),
        eligibility=[person("P1")],
        medical_claim=[stay("A1", "P1", "2021-03-01", "2021-03-04", "470", 15000),
                       stay("A2", "P1", "2021-04-01", "2021-04-04", "469", 25000,
                            ccn=OTHER_HOSPITAL)],
        participation=[participation("cjr")],
    )
    assert episode(con, "cjr", "A1")["cancel_reason"] is None
    assert episode(con, "cjr", "A1")["actual_payment"] == pytest.approx(40000)


def test_transfer_starts_the_episode_at_the_first_admission(run_episodes):
    """A stay transferred (discharge status 02) to the hospital that performs the joint
    replacement: the episode starts at the first admission and includes the first stay."""
    con = run_episodes(
        models=("cjr",),
        eligibility=[person("P1")],
        medical_claim=[stay("T1", "P1", "2021-03-01", "2021-03-02", "552", 4000,
                            ccn=OTHER_HOSPITAL, disposition="02"),
                       stay("A1", "P1", "2021-03-02", "2021-03-06", "470", 15000)],
        participation=[participation("cjr")],
    )
    e = episode(con, "cjr", "A1")
    assert (e["anchor_start_date"], e["transferred_in"]) == (D("2021-03-01"), True)
    assert e["actual_payment"] == pytest.approx(19000)


def _lejr_at(pid: str, claim: str, paid: float, day: str = "2021-03-01") -> dict:
    end = (D(day) + dt.timedelta(days=3)).isoformat()
    return stay(claim, pid, day, end, "470", paid)


def test_team_winsorizes_at_the_99th_percentile(run_episodes):
    """TEAM high-cost episodes at the 99th percentile of the region's MS-DRG episodes
    (nearest rank): with 201 episodes paying 1001..1200 and 1,000,000, the 99th percentile is
    the 199th value (199/201 >= 0.99 > 198/201), 1199; the two above it are capped to it."""
    people = [person(f"P{i}") for i in range(201)]
    paid = [1000 + i for i in range(1, 201)] + [1_000_000]
    claims = [_lejr_at(f"P{i}", f"A{i}", p) for i, p in enumerate(paid)]
    con = run_episodes(models=("team",), eligibility=people, medical_claim=claims)
    capped = dict(rows(con, "SELECT actual_payment, capped_payment FROM episodes"))
    assert capped[1_000_000] == 1199 and capped[1200] == 1199 and capped[1199] == 1199
    assert capped[1198] == 1198
    assert rows(con, "SELECT items, dollars FROM episode_exclusions WHERE kind = 'high_cost_cap'"
                ) == [(2, pytest.approx(1_000_000 - 1199 + 1))]


def test_cjr_caps_at_the_regional_mean_plus_two_standard_deviations(run_episodes):
    """510.300(b)(5): nine episodes of $1,000 and one of $10,000: mean 1,900, sample SD
    sqrt((9 x 900^2 + 8,100^2) / 9) = 2,846.05; cap 1,900 + 2 x 2,846.05."""
    paid = [1000] * 9 + [10000]
    con = run_episodes(models=("cjr",), eligibility=[person(f"P{i}") for i in range(10)],
                       medical_claim=[_lejr_at(f"P{i}", f"A{i}", p) for i, p in enumerate(paid)])
    mean = sum(paid) / 10
    sd = (sum((p - mean) ** 2 for p in paid) / 9) ** 0.5
    assert rows(con, "SELECT capped_payment FROM episodes WHERE actual_payment = 10000") == [
        (pytest.approx(mean + 2 * sd),)]


def test_cjr_stop_loss_binds_at_5_percent_in_py2():
    """510.305(e)(1)(v)(A)(1): in PY2 the repayment cannot exceed 5% of the target amounts.
    Ten episodes with $20,000 targets before discount and $30,000 actual; acceptable quality
    (score 6.0, no discount reduction): target total 10 x 20,000 x 0.97 = 194,000; NPRA with
    the 2% repayment discount 196,000 - 300,000 = -104,000; limit 5% x 194,000 = 9,700."""
    con = engine.connect()
    result = reconcile(con, "cjr", 2017, [("H1", "1", "standard", 20000, 30000)] * 10,
                       quality=[("cjr", "H1", 2017, 6.0)])["H1"]
    assert result["target_total"] == pytest.approx(194_000)
    assert result["npra"] == pytest.approx(196_000 - 300_000)
    assert result["reconciliation_payment"] == pytest.approx(-0.05 * 194_000)
    assert result["stop_loss_gain_applied"]


def test_cjr_rural_loss_limit_is_3_percent_in_py2_and_quality_gate_withholds_gains():
    """510.305(e)(1)(v)(C): rural hospitals 3% in PY2. 510.305(f)(2): a positive amount is
    paid only with a composite quality score of at least 5.00."""
    con = engine.connect()
    result = reconcile(
        con, "cjr", 2017,
        [("R1", "1", "rural", 20000, 30000)] * 10 + [("G1", "1", "standard", 20000, 10000)],
        quality=[("cjr", "R1", 2017, 6.0), ("cjr", "G1", 2017, 4.0)])
    assert result["R1"]["reconciliation_payment"] == pytest.approx(-0.03 * 194_000)
    gain = result["G1"]
    assert gain["npra"] == pytest.approx(20000 * 0.97 - 10000)
    assert gain["quality_gate_failed"] and gain["reconciliation_payment"] == 0


def test_cjr_good_quality_lowers_the_discount_by_one_point():
    """510.315(f)(1): a score of 6.9-15.0 lowers the 3% discount to 2% (NPRA 1,600, under
    the PY4 20% stop-gain of 3,920)."""
    con = engine.connect()
    result = reconcile(con, "cjr", 2019, [("H1", "1", "standard", 20000, 18000)],
                       quality=[("cjr", "H1", 2019, 10.0)])["H1"]
    assert result["target_total"] == pytest.approx(20000 * 0.98)
    assert result["reconciliation_payment"] == pytest.approx(20000 * 0.98 - 18000)
    assert not result["stop_loss_gain_applied"]


def test_team_track_1_has_no_downside():
    """512.520 / methodology.md section 4: Track 1 is upside only (stop-loss 0)."""
    con = engine.connect()
    result = reconcile(con, "team", 2026, [("H1", "Track 1", "standard", 20000, 30000)])["H1"]
    assert result["npra"] < 0 and result["reconciliation_payment"] == 0


def test_cjr_py3_target_price_blends_trended_hospital_and_regional_history(run_episodes):
    """510.300(b)(1)-(2)(ii): PY3 (2018) target = 1/3 hospital + 2/3 regional history of the 3
    baseline years, each trended to the latest by the national change. Hospital H pays
    10,000 / 11,000 / 12,100 in 2015-17, hospital O 20,000 / 22,000 / 24,200 (7 episodes each a
    year, so H has 21 >= 20 baseline episodes, 510.300(b)(3)). National means 15,000 /
    16,500 / 18,150 give trend factors 1.21 / 1.1 / 1: H's history is 12,100 every year and the
    region's 18,150. The blend 12,100/3 + 18,150 x 2/3 = 16,133.33 is in 2017 dollars; the
    price is updated to 2018 (510.300(a)(2)) by the baseline's national growth, 18,150 /
    15,000 = 1.21 over two years, 10% a year: target before discount 17,746.67, with the 3%
    discount 17,214.27. Five PY3 episodes at H paying 9,000, default quality 12.6 ('good',
    discount 2%, 510.315(f)(1)): NPRA 5 x 17,746.67 x 0.98 - 45,000 = 41,958.67, above the
    PY3 stop-gain of 10% x 86,958.67 = 8,695.87, which binds."""
    people, claims, n = [], [], 0
    history = {2015: (10000, 20000), 2016: (11000, 22000), 2017: (12100, 24200)}
    for year, (paid_h, paid_o) in history.items():
        for ccn, paid in ((HOSPITAL, paid_h), (OTHER_HOSPITAL, paid_o)):
            for _ in range(7):
                n += 1
                people.append(person(f"P{n}", enrollment_start_date="2015-01-01",
                                     enrollment_end_date="2018-12-31"))
                claims.append(stay(f"A{n}", f"P{n}", f"{year}-03-01", f"{year}-03-04", "470",
                                   paid, ccn=ccn))
    for _ in range(5):
        n += 1
        people.append(person(f"P{n}", enrollment_start_date="2015-01-01",
                             enrollment_end_date="2018-12-31"))
        claims.append(stay(f"A{n}", f"P{n}", "2018-03-01", "2018-03-04", "470", 9000))
    con = run_episodes(models=("cjr",), eligibility=people, medical_claim=claims,
                       participation=[participation("cjr", start="2018-01-01")])
    target = (12100 / 3 + 18150 * 2 / 3) * (18150 / 15000) ** (1 / 2)
    priced = rows(con, "SELECT DISTINCT hospital_benchmark, regional_benchmark, "
                       "target_before_discount, target_price FROM episodes "
                       "WHERE performance_year = 2018")
    assert priced == [pytest.approx((12100, 18150, target, target * 0.97))]
    result = rows(con, "SELECT episodes, target_total, npra, reconciliation_payment, "
                       "stop_loss_gain_applied FROM episode_reconciliation")
    total = 5 * target * 0.98
    assert result == [(5, pytest.approx(total), pytest.approx(total - 45000),
                       pytest.approx(0.10 * total), True)]


def test_team_regional_price_weights_baseline_17_33_50_and_bounds_the_retrospective_trend(
        run_episodes):
    """TEAM (methodology.md section 4 [verify 512.540(b), 512.545]): regional price from 3
    baseline years weighted 17/33/50, each trended to the latest by the national change,
    projected to the performance year by the baseline's national growth; the retrospective
    trend (observed over projected) is bounded at +/-3%. One LEJR episode a year in each of
    two regions: FL pays 10,000 in 2021-23, NY 10,000 / 20,000 / 30,000. National means
    10,000 / 15,000 / 20,000 -> trend factors 2, 4/3, 1, and growth 2 over two years, sqrt(2)
    a year. FL: 0.17 x 20,000 + 0.33 x 13,333.33 + 0.5 x 10,000 = 12,800; NY: 0.17 x 20,000
    + 0.33 x 26,666.67 + 0.5 x 30,000 = 27,200; projected to 2024: x sqrt(2). In 2024 the FL
    episode pays 12,800 (observed / projected 1 / sqrt(2), bounded to 0.97); the NY one
    60,000 (60,000 / 38,466.6 = 1.56, bounded to 1.03); LEJR discount 2%."""
    ny = "330001"
    providers = [HOSPITAL_PROVIDERS[0],
                 {"npi": "1000000003", "provider_type": "hospital", "ccn": ny, "state": "NY",
                  "bed_count": "200"}]
    paid = {HOSPITAL: [10000, 10000, 10000, 12800], ny: [10000, 20000, 30000, 60000]}
    people, claims = [], []
    for ccn, amounts in paid.items():
        for year, amount in zip(range(2021, 2025), amounts, strict=True):
            pid = f"{ccn}-{year}"
            people.append(person(pid))
            claims.append(stay(f"A{pid}", pid, f"{year}-03-01", f"{year}-03-04", "470", amount,
                               ccn=ccn))
    con = run_episodes(models=("team",), eligibility=people, medical_claim=claims,
                       provider=providers)
    got = dict(((r[0], r[1]), r[2:]) for r in rows(
        con, "SELECT region, performance_year, regional_benchmark, retrospective_trend_factor,"
             " target_before_discount, target_price FROM episodes WHERE performance_year = 2024"))
    fl, ny = 12800 * 2 ** 0.5 * 0.97, 27200 * 2 ** 0.5 * 1.03
    assert got[("south_atlantic", 2024)] == pytest.approx((12800, 0.97, fl, fl * 0.98))
    assert got[("middle_atlantic", 2024)] == pytest.approx((27200, 1.03, ny, ny * 0.98))


def test_bpci_a_prices_an_episode_type_with_the_ms_drg_as_case_mix(run_episodes):
    """BPCI Advanced (specs/bpci_a): one benchmark per hospital and clinical episode category,
    the MS-DRG a case-mix factor of the risk model (price_by = episode_type, Datagen 2018),
    on the 3 years ending 2 years before the performance year (baseline_lag = 2). CHF
    episodes (MS-DRG 291 and 292) in FL, 2020-2024, each year 6 of each MS-DRG at the
    participant H (291 pays 20,000, 292 10,000; in 2023 twice that) and at O (30,000 and
    15,000). Every person is alike (no HCC counts: no risk stage), so the fit of ln(payment)
    with year effects gives MS-DRG 292 ln(0.5) against 291. Multipliers normalised to mean 1
    over the type: 291 4/3, 292 2/3; H's standardised payment is 15,000 in 2020-2022. The 2024
    baseline is 2020-2022 (2023, the year just before, is left out): 36 CHF episodes at H
    (18 of each MS-DRG, each under the 20 of low_volume_min), so its own history prices it
    alone (hospital weight 1, MY3), national means are flat (trend factors 1): 2024 targets
    15,000 x 4/3 = 20,000 and 15,000 x 2/3 = 10,000 before the 3% discount. Priced per
    MS-DRG, each cell would have taken the region's price; with the 3 years just before,
    2023's doubled payments would have raised H's benchmark to 20,000."""
    people, claims, n = [], [], 0
    for year in range(2020, 2025):
        for ccn, (high, low) in ((HOSPITAL, (20000, 10000)), (OTHER_HOSPITAL, (30000, 15000))):
            factor = 2 if (ccn, year) == (HOSPITAL, 2023) else 1
            for drg, paid in (("291", high * factor), ("292", low * factor)):
                for _ in range(6):
                    n += 1
                    people.append(person(f"P{n}", birth_date="1950-06-01",  # 65-74 throughout
                                         enrollment_start_date="2020-01-01",
                                         enrollment_end_date="2024-12-31"))
                    claims.append(stay(f"A{n}", f"P{n}", f"{year}-03-01", f"{year}-03-04", drg,
                                       paid, ccn=ccn))
    con = run_episodes(models=("bpci_a",), eligibility=people, medical_claim=claims,
                       participation=[participation("bpci_a", start="2024-01-01")])
    priced = rows(con, "SELECT DISTINCT anchor_drg, hospital_weight, hospital_benchmark, "
                       "target_before_discount, target_price FROM episodes "
                       "WHERE performance_year = 2024 AND hospital_ccn = $h ORDER BY 1",
                  {"h": HOSPITAL})
    assert priced == [("291", 1.0, pytest.approx(15000), pytest.approx(20000),
                       pytest.approx(20000 * 0.97)),
                      ("292", 1.0, pytest.approx(15000), pytest.approx(10000),
                       pytest.approx(10000 * 0.97))]
