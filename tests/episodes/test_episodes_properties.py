"""Invariants of episode construction and reconciliation (hypothesis)."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apmlab import core, engine, episodes, load
from episodes.claims import (
    HOSPITAL_PROVIDERS,
    participation,
    person,
    professional,
    reconcile,
    snf_stay,
    stay,
)
from tiny_input import write_input

RULE_YEARS = st.sampled_from([("cjr", 2016), ("cjr", 2017), ("cjr", 2018), ("cjr", 2020),
                              ("cjr", 2023), ("team", 2026), ("bpci_a", 2020)])
EPISODE = st.tuples(st.floats(1_000, 100_000), st.floats(0, 200_000))


@settings(max_examples=40, deadline=None)
@given(
    rule=RULE_YEARS,
    track=st.sampled_from(["1", "2", "3", "Track 1", "track_3"]),
    hospital_type=st.sampled_from(["standard", "rural"]),
    quality=st.floats(0, 100),
    priced=st.lists(EPISODE, min_size=1, max_size=20),
)
def test_reconciliation_never_exceeds_stop_gain_or_stop_loss(rule, track, hospital_type,
                                                             quality, priced):
    """510.305(e)(1)(v), 512.550: whatever the spending, the reconciliation amount stays
    within -stop_loss and +stop_gain times the target total; with no stop-loss (CJR PY1,
    TEAM Track 1) it is never negative."""
    model, year = rule
    con = engine.connect()
    rows = [("H", track, hospital_type, target, actual) for target, actual in priced]
    result = reconcile(con, model, year, rows, quality=[(model, "H", year, quality)])["H"]
    payment = result["reconciliation_payment"]
    assert -result["stop_loss_limit"] - 1e-6 <= payment <= result["stop_gain_limit"] + 1e-6
    if result["stop_loss_limit"] == 0:
        assert payment >= 0


START = dt.date(2021, 3, 1)
CLAIM = st.tuples(
    st.sampled_from(["snf", "professional", "oncology_readmission"]),
    st.integers(-20, 120),  # start, days after the anchor admission
    st.integers(0, 30),  # length in days
    st.integers(1, 5000),  # paid dollars
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(claims=st.lists(CLAIM, max_size=8))
def test_dollars_in_episode_plus_outside_equal_beneficiary_dollars_in_window(tmp_path, claims):
    """Money counted both ways: for the episode's beneficiary, the claims overlapping the
    episode add up to included + excluded + prorated-outside dollars, and the in-window part
    equals a day-by-day proration computed here."""
    anchor_end = START + dt.timedelta(days=3)
    window_end = anchor_end + dt.timedelta(days=89)
    rows = [stay("A", "P1", START.isoformat(), anchor_end.isoformat(), "470", 15000)]
    overlapping, in_window = 15000.0, 15000.0
    for i, (kind, offset, length, paid) in enumerate(claims):
        begin = START + dt.timedelta(days=offset)
        end = begin + dt.timedelta(days=length if kind != "professional" else 0)
        if kind == "snf":
            rows.append(snf_stay(f"S{i}", "P1", begin.isoformat(), end.isoformat(), paid))
        elif kind == "professional":
            rows.append(professional(f"B{i}", "P1", begin.isoformat(), paid))
        else:
            rows.append(stay(f"R{i}", "P1", begin.isoformat(), end.isoformat(), "847", paid))
        days = [begin + dt.timedelta(days=d) for d in range((end - begin).days + 1)]
        inside = sum(START <= d <= window_end for d in days)
        if inside:
            overlapping += paid
            in_window += paid * inside / len(days)
    folder = write_input(tmp_path / f"in{abs(hash(tuple(claims)))}",
                         eligibility=[person("P1", enrollment_start_date="2020-01-01")],
                         medical_claim=rows, provider=HOSPITAL_PROVIDERS,
                         participation=[participation("cjr")])
    con = engine.connect()
    load(folder, con)
    core.run(con, (2020, 2021))
    episodes.run(con, (2020, 2021), ("cjr",))
    actual, excluded, outside = con.execute(
        "SELECT actual_payment, excluded_payment, outside_window_payment FROM episodes"
        " WHERE episode_id = 'cjr-A'").fetchall()[0]
    assert abs(actual + excluded + outside - overlapping) < 1e-6
    assert abs(actual + excluded - in_window) < 1e-6
