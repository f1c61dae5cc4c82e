"""Sampling of the compared beneficiaries above the size cap (panel.sample_units)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from apmlab.evaluate import panel


def _frame(treated: int, comparison: int) -> pd.DataFrame:
    ids = [f"P{i:07d}" for i in range(treated + comparison)]
    flags = np.r_[np.ones(treated, int), np.zeros(comparison, int)]
    order = np.random.default_rng(1).permutation(len(ids))      # rows in no particular order
    return pd.DataFrame({"person_id": np.array(ids)[order], "treated": flags[order]})


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 300), st.integers(0, 300), st.integers(1, 400))
def test_sample_is_capped_keeps_both_groups_and_favours_participants(treated, comparison,
                                                                      limit):
    frame = _frame(treated, comparison)
    sample = panel.sample_units(frame, limit)
    if treated + comparison <= limit:
        assert len(sample) == len(frame)
        return
    assert len(sample) == limit
    assert sample["person_id"].is_unique
    assert set(sample["person_id"]) <= set(frame["person_id"])
    kept_t = int((sample["treated"] == 1).sum())
    kept_c = limit - kept_t
    # with more comparisons than participants (the usual case) participants are sampled at
    # a rate no lower than comparisons; neither group vanishes when there is room for it
    if comparison >= treated:
        assert kept_t * comparison >= kept_c * treated
    if treated:
        assert kept_t >= min(treated, (limit + 1) // 2)
    if comparison and limit > treated:
        assert kept_c > 0


def test_sample_does_not_depend_on_row_order():
    frame = _frame(500, 2_000)
    shuffled = frame.sample(frac=1.0, random_state=7)
    first = panel.sample_units(frame, 600)["person_id"].tolist()
    assert first == panel.sample_units(shuffled, 600)["person_id"].tolist()
