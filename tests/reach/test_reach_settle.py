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
    """Professional: 50% to 5% of benchmark, 35% to 10%, 15% to 15%, 5% beyond."""
    out = run(2025, dict(expenditure_total=88_000_000.0),
              dict(aco_id="R2", expenditure_total=120_000_000.0))
    # 12M saved: 5M x 50% + 5M x 35% + 2M x 15%
    assert out["earned_savings_losses"][0] == pytest.approx(2_500_000 + 1_750_000 + 300_000)
    # 20M lost: 5M x 50% + 5M x 35% + 5M x 15% + 5M x 5%
    assert out["earned_savings_losses"][1] == pytest.approx(-(2_500_000 + 1_750_000 + 750_000
                                                              + 250_000))
    assert out["cap_applied"] == [True, True]


def test_global_discount_withhold_and_corridors():
    """Global PY2025: 3.5% discount; 2% withhold, half earned back at quality 0.5."""
    # final benchmark 100M - 3.5M - 2M + 1M = 95.5M; spending 65.5M -> 30M saved
    # 25% x 95.5M = 23.875M kept at 100%, the remaining 6.125M at 50%
    out = run(2025, dict(track="global", quality_score=0.5, expenditure_total=65_500_000.0))
    assert out["final_benchmark"][0] == pytest.approx(95_500_000.0)
    assert out["discount_amount"][0] == pytest.approx(3_500_000.0)
    assert out["quality_withhold_earned_back"][0] == pytest.approx(1_000_000.0)
    assert out["earned_savings_losses"][0] == pytest.approx(23_875_000 + 3_062_500)


def test_global_keeps_all_savings_in_first_corridor():
    out = run(2026, dict(track="global", expenditure_total=86_500_000.0))  # 10M of 96.5M
    assert out["earned_savings_losses"][0] == pytest.approx(10_000_000.0)
    assert out["final_sharing_rate"][0] == pytest.approx(1.0)
    assert out["cap_applied"] == [False]


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
    assert float(row["earned_savings_losses"]) == pytest.approx(4_550_000)
    bad = CliRunner().invoke(app, ["settle", "--input", str(src), "--performance-year", "2030",
                                   "--out", str(out)])
    assert bad.exit_code == 2 and "2030" in bad.output

    con = duckdb.connect()
    write_settlement(con, settle(pacsv.read_csv(src), 2025))
    assert con.sql("SELECT count(*) FROM reach_settlement").fetchall() == [(1,)]
