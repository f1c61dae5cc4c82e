"""The command line: help everywhere, a run on a small folder, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from tiny_input import LINE, write_input

COMMANDS = [[], ["run"], ["demo"], ["export"], ["generate"]]


def apmlab(*args):
    return subprocess.run([sys.executable, "-m", "apmlab", *args], capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "apmlab")
def test_help(command):
    result = apmlab(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_run_writes_database_and_report(tmp_path):
    late = {**LINE, "claim_id": "C2", "claim_start_date": "2022-03-01",
            "claim_end_date": "2022-03-01", "paid_amount": "20"}
    data = write_input(tmp_path / "in", medical_claim=[LINE, late])
    out = tmp_path / "out"
    result = apmlab("run", "--data", str(data), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Dollars in $100.00 = kept $100.00 + excluded $0.00" in result.stderr
    # Enrollment ends with 2021, so the run covers 2021: the 2022 claim is counted, not lost.
    assert "(outside the run's years): 1 claim line(s), $20.00 paid" in result.stderr
    assert (out / "report.html").stat().st_size > 1000
    con = duckdb.connect(str(out / "apmlab.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM core_beneficiary_year").fetchall() == [(1,)]
    exported = tmp_path / "export"
    result = apmlab("export", "--db", str(out / "apmlab.duckdb"), "--out", str(exported),
                    "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert (exported / "core_beneficiary_year.csv").read_text().startswith("person_id,year")


def test_structural_error_is_one_line_and_exit_2(tmp_path):
    data = write_input(tmp_path / "in")
    (data / "eligibility.csv").unlink()
    result = apmlab("run", "--data", str(data), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error:")
    assert "missing table 'eligibility'" in result.stderr
    assert "Traceback" not in result.stderr
