"""`apmlab evaluate` on an input folder and on a run database; a bad path fails in one line."""

from __future__ import annotations

import subprocess
import sys

import duckdb

from tiny_input import write_input


def apmlab(*args):
    return subprocess.run([sys.executable, "-m", "apmlab", *args], capture_output=True,
                          text=True, timeout=300)


def test_evaluate_an_input_folder_then_its_run_database(tmp_path):
    data = write_input(tmp_path / "in")
    out = tmp_path / "out"
    result = apmlab("evaluate", "--data", str(data), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Model review" in result.stdout
    con = duckdb.connect(str(out / "apmlab.duckdb"), read_only=True)
    notes = dict(con.execute("SELECT model, note FROM evaluation_notes").fetchall())
    con.close()
    assert "no baseline year" in notes["mssp"]          # the one ACO starts in year one
    assert "Model review" in (out / "report.html").read_text()

    again = tmp_path / "again"
    result = apmlab("evaluate", "--data", str(out / "apmlab.duckdb"), "--out", str(again))
    assert result.returncode == 0, result.stderr
    assert "No payment model could be evaluated" in (again / "evaluation.html").read_text()


def test_evaluate_a_missing_path_fails_in_one_line(tmp_path):
    result = apmlab("evaluate", "--data", str(tmp_path / "nope"), "--out", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error:")
    assert "does not exist" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
