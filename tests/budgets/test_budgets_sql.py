"""The budgets stage end to end on a hand-built dataset: claims -> hospital revenue,
readmissions, service-area growth, region spending -> hospital_budget and tcoc_test. Every
expected figure is worked out in the comments from the rows below."""

from __future__ import annotations

import duckdb
import pytest
from typer.testing import CliRunner

import apmlab
from apmlab import budgets, core
from apmlab.budgets import report
from apmlab.budgets.spec import spec_path
from apmlab.cli import app
from tiny_input import LINE, PERSON, PROVIDER, write_input

YEARS = {"enrollment_start_date": "2021-01-01", "enrollment_end_date": "2022-12-31"}
ELIGIBILITY = [
    {**PERSON, **YEARS, "person_id": "M1", "state": "MD", "county_fips": "24005"},
    {**PERSON, **YEARS, "person_id": "M2", "state": "MD", "county_fips": "24005"},
    # M3 leaves in June 2022: county 24510 goes from 1 to 0.5 person-years.
    {**PERSON, **YEARS, "person_id": "M3", "state": "MD", "county_fips": "24510",
     "enrollment_end_date": "2022-06-30"},
    # M4 arrives in 2022: county 24005 goes from 2 to 3 person-years (+50%).
    {**PERSON, **YEARS, "person_id": "M4", "state": "MD", "county_fips": "24005",
     "enrollment_start_date": "2022-01-01"},
    {**PERSON, **YEARS, "person_id": "F1", "state": "FL", "county_fips": "12086"},
    {**PERSON, **YEARS, "person_id": "F2", "state": "FL", "county_fips": "12086"},
]


def stay(claim_id, person, ccn, admitted, discharged, paid):
    return {**LINE, "claim_id": claim_id, "person_id": person, "claim_type": "institutional",
            "bill_type_code": "111", "facility_ccn": ccn, "admission_date": admitted,
            "discharge_date": discharged, "claim_start_date": admitted,
            "claim_end_date": discharged, "paid_amount": str(paid), "allowed_amount": str(paid)}


def outpatient(claim_id, person, ccn, day, paid):
    return {**LINE, "claim_id": claim_id, "person_id": person, "claim_type": "institutional",
            "bill_type_code": "131", "facility_ccn": ccn, "claim_start_date": day,
            "claim_end_date": day, "paid_amount": str(paid), "allowed_amount": str(paid)}


CLAIMS = [
    stay("S1", "M1", "210001", "2021-03-01", "2021-03-05", 10_000),
    stay("S2", "M1", "210002", "2021-03-20", "2021-03-24", 8_000),  # 15 days: readmission
    stay("S3", "M1", "210001", "2021-06-01", "2021-06-03", 5_000),  # 69 days: not
    stay("S4", "M1", "210002", "2021-06-03", "2021-06-08", 4_000),  # same day: transfer
    outpatient("O1", "M2", "210001", "2021-05-01", 500),
    outpatient("O2", "M3", "210002", "2021-05-01", 4_000),
    outpatient("O3", "M2", "210001", "2022-05-01", 700),
    stay("S5", "M3", "210002", "2022-02-01", "2022-02-04", 9_000),
    {**LINE, "claim_id": "P1", "person_id": "M2", "facility_ccn": "210001",  # professional
     "claim_start_date": "2022-05-01", "claim_end_date": "2022-05-01", "paid_amount": "90"},
    stay("S6", "F1", "100001", "2021-04-01", "2021-04-03", 12_000),
    outpatient("O4", "F1", "100001", "2022-04-01", 1_000),
]
PROVIDERS = [PROVIDER] + [
    {"npi": f"20000000{i}", "provider_type": "hospital", "ccn": ccn, "state": st}
    for i, (ccn, st) in enumerate((("210001", "MD"), ("210002", "MD"), ("100001", "FL")))
]
PARTICIPATION = [
    {"entity_id": "MD", "model": "global_budget", "state": "MD", "start_date": "2022-01-01"},
    *({"entity_id": ccn, "model": "global_budget", "ccn": ccn, "state": "MD",
       "start_date": "2022-01-01"} for ccn in ("210001", "210002")),
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    folder = write_input(tmp_path_factory.mktemp("budgets") / "input", ELIGIBILITY, CLAIMS,
                         PROVIDERS, PARTICIPATION)
    connection = apmlab.load(folder).con
    core.run(connection, (2021, 2022))
    budgets.run(connection)
    return connection


def table(con, name, order):
    cursor = con.execute(f"SELECT * FROM {name} ORDER BY {order}")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def test_hospital_revenue_is_inpatient_plus_outpatient_facility_lines(con):
    rows = {(r["ccn"], r["year"]): r["revenue"]
            for r in table(con, "budgets_hospital_year", "ccn, year")}
    # 210001: 10,000 + 5,000 + 500 in 2021; 700 in 2022 (the professional line is not).
    # 210002: 8,000 + 4,000 + 4,000 in 2021; 9,000 in 2022. 100001 is not in the model.
    assert rows == {("210001", 2021): 15_500, ("210001", 2022): 700,
                    ("210002", 2021): 16_000, ("210002", 2022): 9_000}


def test_readmissions_are_stays_1_to_30_days_after_a_discharge(con):
    assert table(con, "budgets_readmission", "ccn, year") == [
        {"ccn": "210002", "year": 2021, "readmissions": 1, "readmission_revenue": 8_000}]


def test_service_area_growth_weights_county_growth_by_prior_revenue(con):
    growth = {r["ccn"]: r["population_growth"]
              for r in table(con, "budgets_service_area", "ccn") if r["year"] == 2022}
    # 210001's 2021 revenue all from county 24005 (2 -> 3 person-years: +50%); 210002's
    # 12,000 of 16,000 from 24005 and 4,000 from 24510 (1 -> 0.5: -50%).
    assert growth["210001"] == pytest.approx(0.5)
    assert growth["210002"] == pytest.approx(0.75 * 0.5 + 0.25 * -0.5)


def test_hospital_budget_from_claims_under_the_maryland_spec(con):
    rows = {r["ccn"]: r for r in table(con, "hospital_budget", "ccn")}
    assert {(c, r["year"]) for c, r in rows.items()} == {("210001", 2022), ("210002", 2022)}
    # Market MD: 31,500 in 2021, 9,700 in 2022; 210001's share 15,500/31,500 then 700/9,700.
    shift = (700 / 9_700 - 15_500 / 31_500) * 9_700 * 0.5
    a, b = rows["210001"], rows["210002"]
    assert a["baseline_revenue"] == 15_500
    assert a["rate_update_adjustment"] == pytest.approx(15_500 * 0.03)
    assert a["demographic_adjustment"] == pytest.approx(15_500 * 0.5 * 0.5)
    assert a["market_shift_adjustment"] == pytest.approx(shift)
    assert a["budget"] == pytest.approx(15_500 * 1.03 + 15_500 * 0.25 + shift)
    assert a["actual_revenue"] == 700
    # 210002: half of its 2021 revenue was a readmission (PAU): growth funded on the rest.
    assert b["pau_share"] == pytest.approx(0.5)
    assert b["demographic_adjustment"] == pytest.approx(16_000 * 0.25 * 0.5 * 0.5)
    assert b["market_shift_adjustment"] == pytest.approx(-shift)


def test_tcoc_of_the_state_against_the_rest_of_the_nation(con):
    rows = table(con, "tcoc_test", "year")
    assert [(r["region"], r["year"]) for r in rows] == [("MD", 2021), ("MD", 2022)]
    # MD 2021: 27,000 + 500 + 4,000 over 3 person-years; 2022: 700 + 9,000 + the 90
    # professional line over 3.5 (TCOC is all Parts A and B spending, not only hospitals).
    # FL 2021: 12,000 over 2; 2022: 1,000 over 2. Base year 2021 (the model starts 2022).
    md = rows[1]
    assert rows[0]["per_capita_tcoc"] == pytest.approx(10_500)
    assert md["per_capita_tcoc"] == pytest.approx(9_790 / 3.5)
    assert md["comparison_per_capita"] == pytest.approx(500)
    assert md["base_year"] == 2021 and md["model_year"] == 1
    assert md["savings"] == pytest.approx((10_500 * 500 / 6_000) * 3.5 - 9_790)
    assert md["guardrail_ok"] is False  # -73.6% against -91.7%: 18 points above


def test_optional_adjustment_table_feeds_update_quality_and_service_changes(con):
    """The loader creates the optional input table empty; its rows replace the spec's update
    and quality defaults for their hospital-year."""
    assert con.execute("SELECT count(*) FROM budget_hospital_adjustment").fetchall() == [(0,)]
    con.execute("INSERT INTO budget_hospital_adjustment VALUES ('210001', 2022, 0.01, 0.02, "
                "1000.0)")
    try:
        budgets.run(con)
        r = table(con, "hospital_budget", "ccn")[0]
        assert r["rate_update_adjustment"] == pytest.approx(0.01 * 15_500)
        assert r["quality_adjustment"] == pytest.approx(0.02 * 15_500)
        assert r["service_change_adjustment"] == 1000
    finally:
        con.execute("DELETE FROM budget_hospital_adjustment")
        budgets.run(con)


def test_track_naming_a_spec_selects_it(tmp_path):
    part = [{**p, "track": "chart_parhm"} if p.get("ccn") == "210001" else p
            for p in PARTICIPATION]
    folder = write_input(tmp_path / "input", ELIGIBILITY, CLAIMS, PROVIDERS, part)
    connection = apmlab.load(folder).con
    core.run(connection, (2021, 2022))
    budgets.run(connection)
    specs = dict(connection.execute("SELECT ccn, spec FROM hospital_budget").fetchall())
    assert specs == {"210001": "chart_parhm", "210002": "maryland_gbr"}
    # The market is still both hospitals: what one loses the other gains (both specs fund
    # shifts at 50%).
    shifts = connection.execute("SELECT sum(market_shift_adjustment), "
                                "min(abs(market_shift_adjustment)) FROM hospital_budget")
    total, smallest = shifts.fetchall()[0]
    assert total == pytest.approx(0, abs=1e-6) and smallest > 1000


def test_no_participants_gives_empty_tables_with_their_columns(tmp_path):
    folder = write_input(tmp_path / "input")  # one MSSP participation row only
    connection = apmlab.load(folder).con
    core.run(connection, (2021, 2021))
    assert budgets.run(connection) == {"hospital_budget": 0, "tcoc_test": 0}
    columns = [r[0] for r in connection.execute("DESCRIBE hospital_budget").fetchall()]
    assert {"ccn", "year", "budget", "actual_revenue", "variance",
            "corridor_adjustment"} <= set(columns)


def test_report_section_suppresses_small_cells(con):
    body = report.section(con).body
    assert "<h3>MD</h3>" in body and "&lt;11" in body
    # The per-capita figures of 3-4 beneficiaries and the revenue of 1-3 patients never show.
    assert "$10,500" not in body and "$15,500" not in body


def test_report_section_says_when_there_is_no_participant(tmp_path):
    connection = apmlab.load(write_input(tmp_path / "input")).con
    core.run(connection, (2021, 2021))
    budgets.run(connection)
    assert "No participant" in report.section(connection).body


# --- apmlab budgets ... -------------------------------------------------------------------

@pytest.fixture(scope="module")
def run_database(tmp_path_factory):
    root = tmp_path_factory.mktemp("budgets_cli")
    folder = write_input(root / "input", ELIGIBILITY, CLAIMS, PROVIDERS, PARTICIPATION)
    database = root / "apmlab.duckdb"
    connection = apmlab.load(folder, database=database).con
    core.run(connection, (2021, 2022))
    connection.close()
    return database


def invoke(*args):
    return CliRunner().invoke(app, ["budgets", *map(str, args)])


def test_cli_reruns_with_a_copied_and_changed_spec(run_database, tmp_path):
    copy = tmp_path / "faster_update.toml"
    copy.write_text(spec_path("maryland_gbr").read_text().replace("rate = 0.0300",
                                                                 "rate = 0.0600"))
    result = invoke("run", "--db", run_database, "--hospital-spec", copy)
    assert result.exit_code == 0, result.output
    assert "hospital_budget: 2 rows" in result.output
    with duckdb.connect(str(run_database), read_only=True) as con:
        update = con.execute("SELECT rate_update_adjustment FROM hospital_budget "
                             "WHERE ccn = '210001'").fetchall()[0][0]
    assert update == pytest.approx(15_500 * 0.06)


def test_cli_errors_are_one_line_with_exit_code_2(run_database, tmp_path):
    missing = invoke("run", "--db", tmp_path / "none.duckdb")
    assert missing.exit_code == 2
    bad = invoke("run", "--db", run_database, "--tcoc-spec", "no_such_spec")
    assert bad.exit_code == 2 and "no budgets spec named 'no_such_spec'" in bad.output
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    no_core = invoke("run", "--db", empty)
    assert no_core.exit_code == 2 and "no core tables" in no_core.output


def test_cli_lists_the_specs():
    result = invoke("specs")
    assert result.exit_code == 0
    for name in ("maryland_gbr", "ahead_2026", "chart_parhm", "maryland_tcoc"):
        assert name in result.output
