"""`apmlab mssp settle`: CSV in, CSV out, one-line errors with non-zero exit."""

from __future__ import annotations

import csv

import duckdb
import pytest
from typer.testing import CliRunner

from apmlab.mssp import settle, write_settlement
from apmlab.mssp.cli import app

HEADER = ("aco_id,track,assigned_beneficiaries,benchmark_total,expenditure_total,"
          "quality_score,met_quality_standard,msr,advance_payment\n")


def invoke(tmp_path, body: str, year: int = 2018):
    src = tmp_path / "acos.csv"
    src.write_text(HEADER + body)
    out = tmp_path / "settled.csv"
    args = ["settle", "--input", str(src), "--performance-year", str(year), "--out", str(out)]
    return CliRunner().invoke(app, args), out


def test_settles_csv(tmp_path):
    result, out = invoke(tmp_path, "A1,track_1,20000,100000000,96000000,0.9,true,,\n"
                                   "A2,track_3,20000,100000000,103000000,0.9,1,0.02,\n")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    # 4M x 45% x 0.98 (425.604(d)); 3M x 40% floor (425.610(f))
    assert float(rows[0]["earned_savings_losses"]) == pytest.approx(1_764_000)
    assert float(rows[1]["earned_savings_losses"]) == pytest.approx(-1_200_000)
    assert rows[0]["aco_id"] == "A1" and "minimum_savings_rate" in rows[0]


@pytest.mark.parametrize(("body", "message"), [
    ("A1,track_7,20000,100000000,96000000,0.9,true,,\n", "row 1 (aco_id A1), column track"),
    ("A1,track_1,-5,100000000,96000000,0.9,true,,\n",
     "row 1 (aco_id A1), column assigned_beneficiaries"),
    ("A1,track_1,20000,lots,96000000,0.9,true,,\n", "column benchmark_total: 'lots'"),
    ("A1,track_1,20000,100000000,96000000,0.9,maybe,,\n", "column met_quality_standard"),
])
def test_bad_rows_exit_2_with_reason(tmp_path, body, message):
    result, out = invoke(tmp_path, body)
    assert result.exit_code == 2
    assert message in result.output
    assert not out.exists()


def test_missing_column_and_unknown_year(tmp_path):
    src = tmp_path / "acos.csv"
    src.write_text("aco_id,track\nA1,track_1\n")
    result = CliRunner().invoke(app, ["settle", "--input", str(src), "--performance-year",
                                      "2018", "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "missing column" in result.output
    result, _ = invoke(tmp_path, "A1,track_1,20000,100000000,96000000,0.9,true,,\n", year=2031)
    assert result.exit_code == 2 and "performance year 2031" in result.output


def test_writes_mssp_settlement_table():
    con = duckdb.connect()
    settled = settle({"aco_id": ["A1"], "track": ["basic_a"], "assigned_beneficiaries": [20000],
                      "benchmark_total": [1e8], "expenditure_total": [9.6e7],
                      "quality_score": [None], "met_quality_standard": [True]}, 2022)
    assert write_settlement(con, settled) == "mssp_settlement"
    (earned, year), = con.sql(
        "SELECT earned_savings_losses, performance_year FROM mssp_settlement").fetchall()
    assert (earned, year) == (pytest.approx(4_000_000 * 0.4 * 0.98), 2022)
