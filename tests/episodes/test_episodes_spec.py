"""The spec files encode the regulation's numbers, and malformed specs fail clearly."""

from __future__ import annotations

import pytest

from apmlab import engine, episodes
from apmlab.episodes.spec import MODELS, SpecError, load_model, rule_rows

# 42 CFR 510.305(e)(1)(v) and 510.300(b)(2), (c), read in the eCFR text:
# year: (hospital weight, discount, repayment discount, stop-gain, stop-loss, rural stop-loss)
CJR_PY1_5 = {
    2016: (2 / 3, 0.03, 0.00, 0.05, 0.00, 0.00),
    2017: (2 / 3, 0.03, 0.02, 0.05, 0.05, 0.03),
    2018: (1 / 3, 0.03, 0.02, 0.10, 0.10, 0.05),
    2019: (0.0, 0.03, 0.03, 0.20, 0.20, 0.05),
    2020: (0.0, 0.03, 0.03, 0.20, 0.20, 0.05),
}


@pytest.mark.parametrize("year", sorted(CJR_PY1_5))
def test_cjr_py1_5_spec_matches_510_300_and_510_305(year):
    rules = rule_rows(load_model("cjr"), range(year, year + 1))
    (_, _, _, _, weight, discount, repay, _, _, risk), = rules["episodes_ref_year"]
    limits = {r[3]: r[4:] for r in rules["episodes_ref_limit"]}
    expected = CJR_PY1_5[year]
    assert (weight, discount, repay) == pytest.approx(expected[:3])
    assert limits["standard"] == pytest.approx(expected[3:5])
    assert limits["rural"] == pytest.approx((expected[3], expected[5]))
    assert risk is False  # beneficiary risk adjustment starts with PY6 (510.301)


def test_every_model_has_a_rule_year_for_any_calendar_year():
    for model in MODELS:
        spec = load_model(model)
        for year in (2010, 2021, 2030):
            assert spec.rules_year(year) in spec.years


def test_team_tracks_and_baseline_weights():
    rules = rule_rows(load_model("team"), range(2026, 2027))
    assert [r[3] for r in rules["episodes_ref_baseline"]] == [0.17, 0.33, 0.50]
    limits = {(r[2], r[3]): r[4:] for r in rules["episodes_ref_limit"]}
    assert limits[("1", "standard")] == (0.10, 0.0)
    assert limits[("3", "standard")] == (0.20, 0.20)


def test_malformed_spec_names_the_file_and_field(tmp_path):
    folder = tmp_path / "cjr"
    folder.mkdir()
    (folder / "bad.toml").write_text('model = "team"\n')
    with pytest.raises(SpecError, match="bad.toml: model = 'team'"):
        load_model("cjr", spec_root=tmp_path)
    (folder / "bad.toml").write_text('model = "cjr"\n[episode]\noverlap = "sometimes"\n')
    with pytest.raises(SpecError, match="missing"):
        load_model("cjr", spec_root=tmp_path)
    with pytest.raises(SpecError, match="no spec files"):
        load_model("team", spec_root=tmp_path)


def test_bpci_a_pricing_fields_are_checked(tmp_path):
    """Priced per episode type, every MS-DRG of the type would get one price unless the risk
    multiplier carries the MS-DRG: a spec that forgets it is refused, naming the field; so
    are an unknown price cell and a baseline lag under one year."""
    from apmlab.episodes.spec import SPEC_ROOT
    folder = tmp_path / "bpci_a"
    folder.mkdir()
    text = (SPEC_ROOT / "bpci_a" / "my3.toml").read_text()
    assert '"anchor_drg", ' in text
    (folder / "my3.toml").write_text(text.replace('"anchor_drg", ', ""))
    with pytest.raises(SpecError, match="risk_factors must include 'anchor_drg'"):
        load_model("bpci_a", spec_root=tmp_path)
    (folder / "my3.toml").write_text(text.replace('price_by = "episode_type"',
                                                  'price_by = "hospital"'))
    with pytest.raises(SpecError, match="pricing.price_by = 'hospital'"):
        load_model("bpci_a", spec_root=tmp_path)
    (folder / "my3.toml").write_text(text.replace("baseline_lag = 2", "baseline_lag = 0"))
    with pytest.raises(SpecError, match="baseline_lag must be a whole number of years >= 1"):
        load_model("bpci_a", spec_root=tmp_path)


def test_running_before_core_says_what_is_missing():
    with pytest.raises(ValueError, match="core stage's tables first"):
        episodes.run(engine.connect(), (2021, 2021))
