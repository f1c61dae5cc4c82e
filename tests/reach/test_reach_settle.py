"""ACO REACH settlement: hand-worked corridors, discount and withhold; properties; CLI."""

from __future__ import annotations

import csv

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from apmlab.mssp import InputError, SpecError
from apmlab.reach import load_spec, settle, write_settlement
from apmlab.reach.cli import app


def run(year: int, *rows: dict) -> dict:
    base = dict(aco_id="R1", track="professional", assigned_beneficiaries=10_000,
                benchmark_total=100_000_000.0, quality_score=1.0)
    rows = [base | r for r in rows]
    out = settle(pa.table({k: [r[k] for r in rows] for k in rows[0]}), year)
    return {c: out.column(c).to_pylist() for c in out.column_names}


def test_professional_corridors_savings_and_losses():
    """Professional: 50% to 5% of benchmark, 35% to 10%, 15% to 15%, 5% beyond; 2%
    sequestration of savings only."""
    out = run(2025, dict(expenditure_total=88_000_000.0),
              dict(aco_id="R2", expenditure_total=120_000_000.0))
    # 12M saved: (5M x 50% + 5M x 35% + 2M x 15%) x 0.98
    assert out["earned_savings_losses"][0] == pytest.approx((2_500_000 + 1_750_000 + 300_000)
                                                            * 0.98)
    # 20M lost: 5M x 50% + 5M x 35% + 5M x 15% + 5M x 5%
    assert out["earned_savings_losses"][1] == pytest.approx(-(2_500_000 + 1_750_000 + 750_000
                                                              + 250_000))
    assert out["cap_applied"] == [True, True]


def test_global_discount_withhold_and_corridors():
    """Global PY2025: 4% discount (raised from 3.5% by the PY2025 model update); 2% withhold
    (RFA Table 6.16), half earned back at quality 0.5; 100% kept to 25%, 50% to 35%."""
    # final benchmark 100M - 4M - 2M + 1M = 95M; spending 65M -> 30M saved
    # 25% x 95M = 23.75M kept at 100%, the remaining 6.25M at 50%
    out = run(2025, dict(track="global", quality_score=0.5, expenditure_total=65_000_000.0))
    assert out["final_benchmark"][0] == pytest.approx(95_000_000.0)
    assert out["discount_amount"][0] == pytest.approx(4_000_000.0)
    assert out["quality_withhold_earned_back"][0] == pytest.approx(1_000_000.0)
    assert out["earned_savings_losses"][0] == pytest.approx((23_750_000 + 3_125_000) * 0.98)


def test_global_keeps_all_savings_in_first_corridor():
    """PY2026: 4% discount, 5% withhold earned back in full -> final benchmark 96M; its first
    corridor ends at 10% (9.6M), so 9M saved is kept whole (less 2% sequestration)."""
    out = run(2026, dict(track="global", expenditure_total=87_000_000.0))
    assert out["final_benchmark"][0] == pytest.approx(96_000_000.0)
    assert out["earned_savings_losses"][0] == pytest.approx(9_000_000.0 * 0.98)
    assert out["final_sharing_rate"][0] == pytest.approx(1.0)
    assert out["cap_applied"] == [False]


def test_global_py2026_narrow_first_corridor_and_5_percent_withhold():
    """PY2026 Global (CMS PY2026 model update as summarised in specs/reach/py2026.toml): first
    corridor narrowed from 25% to 10% of the benchmark, quality withhold raised from 2% to 5%.
    Quality 0.4 earns back 2M of the 5M withheld: final 100M - 4M - 5M + 2M = 93M. 20M saved
    or lost: 9.3M (10% of 93M) at 100% and 10.7M in the 10%-35% corridor at 50% = 14.65M;
    under PY2025's 25% first corridor the same 20M would all be kept. Savings less 2%
    sequestration; losses are not reduced."""
    out = run(2026, dict(track="global", quality_score=0.4, expenditure_total=73_000_000.0),
              dict(aco_id="R2", track="global", quality_score=0.4,
                   expenditure_total=113_000_000.0))
    assert out["final_benchmark"] == pytest.approx([93_000_000.0] * 2)
    assert out["quality_withhold_earned_back"] == pytest.approx([2_000_000.0] * 2)
    assert out["earned_savings_losses"] == pytest.approx([14_650_000.0 * 0.98, -14_650_000.0])
    assert out["cap_applied"] == [True, True]


def test_unknown_option_and_year():
    with pytest.raises(InputError, match=r"row 1 \(aco_id R1\), column track"):
        run(2025, dict(track="enhanced", expenditure_total=1.0))
    with pytest.raises(SpecError, match="performance year 2024"):
        load_spec(2024)


@st.composite
def reach_acos(draw):
    return {"track": draw(st.sampled_from(["global", "professional"])),
            "benchmark_total": draw(st.floats(1e6, 1e9)),
            "quality_score": draw(st.floats(0, 1)),
            "year": draw(st.sampled_from([2025, 2026]))}


@settings(max_examples=200, deadline=None)
@given(reach_acos(), st.lists(st.floats(0.2, 1.8), min_size=2, max_size=8))
def test_corridors_keep_at_most_the_gross_and_more_savings_never_earn_less(case, ratios):
    year = case.pop("year")
    spending = sorted(case["benchmark_total"] * r for r in ratios)
    out = run(year, *[dict(case, aco_id=f"R{i}", expenditure_total=e)
                      for i, e in enumerate(spending)])
    earned = np.array(out["earned_savings_losses"])
    gross = np.array(out["gross_savings_losses"])
    assert np.all(np.abs(earned) <= np.abs(gross) * (1 + 1e-12))
    assert np.all(np.sign(earned) == np.sign(gross))
    assert np.all(np.diff(earned) <= 1e-9 * case["benchmark_total"])


def test_cli_and_reach_settlement_table(tmp_path):
    src = tmp_path / "reach.csv"
    src.write_text("aco_id,track,assigned_beneficiaries,benchmark_total,expenditure_total,"
                   "quality_score\nR1,professional,10000,100000000,88000000,1\n")
    out = tmp_path / "settled.csv"
    result = CliRunner().invoke(app, ["settle", "--input", str(src), "--performance-year",
                                      "2025", "--out", str(out)])
    assert result.exit_code == 0, result.output
    row, = csv.DictReader(out.open())
    assert float(row["earned_savings_losses"]) == pytest.approx(4_550_000 * 0.98)
    bad = CliRunner().invoke(app, ["settle", "--input", str(src), "--performance-year", "2030",
                                   "--out", str(out)])
    assert bad.exit_code == 2 and "2030" in bad.output

    con = duckdb.connect()
    write_settlement(con, settle(pacsv.read_csv(src), 2025))
    assert con.sql("SELECT count(*) FROM reach_settlement").fetchall() == [(1,)]
