"""The MSSP benchmark reads the risk stage's table: its payment-year score, 1.0 if none."""

from __future__ import annotations

import duckdb

from apmlab.mssp.benchmark import prepare_risk_input, risk_note


def test_payment_score_of_the_risk_stage_is_used_and_gaps_are_counted():
    con = duckdb.connect()
    con.execute("CREATE TABLE core_beneficiary_year AS SELECT * FROM (VALUES"
                " ('P1', 2024), ('P2', 2024)) t(person_id, year)")
    con.execute("CREATE TABLE risk_score AS SELECT * FROM (VALUES"
                " ('P1', 2024, 1.40, 1.31, 1.25)) t(person_id, year, raw_score,"
                " normalized_score, payment_score)")
    prepare_risk_input(con)
    rows = con.execute("SELECT person_id, risk_score, missing FROM mssp_risk_input"
                       " ORDER BY person_id").fetchall()
    assert rows == [("P1", 1.25, False), ("P2", 1.0, True)]
    assert "1 of 2 beneficiary-years had no score" in risk_note(con)
