"""The input layer: structural errors stop the load; bad rows are excluded and counted."""

from __future__ import annotations

import csv

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import apmlab
from apmlab.inputs.load import ROW_RULES, UNIQUE_KEYS, InputError
from tiny_input import LINE, PARTICIPATION, PERSON, PROVIDER, write_csv

DESIGNATION = {"person_id": "P1", "npi": "1000000001", "designation_date": "2021-01-01"}
ADJUSTMENT = {"ccn": "210001", "year": "2023", "rate_update": "0.021"}


def line(**changes):
    return {**LINE, **changes}


def person(**changes):
    return {**PERSON, **changes}


# --- structural problems: an error naming file, row and column ---------------------------


def test_missing_table_names_the_table(input_dir):
    folder = input_dir()
    (folder / "provider.csv").unlink()
    with pytest.raises(InputError, match=r"missing table 'provider'"):
        apmlab.load(folder)


def test_table_given_twice_is_an_error(input_dir):
    folder = input_dir()
    write_csv(folder / "provider.parquet", [PROVIDER])
    with pytest.raises(InputError, match=r"more than once \(provider.csv, provider.parquet\)"):
        apmlab.load(folder)


def test_missing_required_column_names_file_and_column(input_dir):
    row = dict(PERSON)
    del row["birth_date"]
    folder = input_dir(eligibility=[row])
    expected = r"eligibility.csv: missing required column\(s\) birth_date"
    with pytest.raises(InputError, match=expected):
        apmlab.load(folder)


def test_unparseable_date_names_file_row_and_column(input_dir):
    rows = [person(person_id="P1"), person(person_id="P2"), person(person_id="P3",
            enrollment_end_date="2021-13-45")]
    folder = input_dir(eligibility=rows)
    with pytest.raises(InputError) as error:
        apmlab.load(folder)
    message = str(error.value)
    assert "eligibility.csv row 3, column enrollment_end_date" in message
    assert "YYYY-MM-DD" in message
    assert "2021-13-45" not in message  # values are PHI: never echoed


def test_compact_dates_are_accepted(input_dir):
    folder = input_dir(eligibility=[person(birth_date="19500315")])
    con = apmlab.load(folder).con
    assert str(con.execute("SELECT birth_date FROM eligibility").fetchall()[0][0]) == "1950-03-15"


def test_non_numeric_amount_names_file_row_and_column(input_dir):
    folder = input_dir(medical_claim=[line(), line(claim_id="C2", paid_amount="12,50")])
    with pytest.raises(InputError, match=r"medical_claim.csv row 2, column paid_amount.*double"):
        apmlab.load(folder)


def test_invalid_boolean_names_the_column(input_dir):
    folder = input_dir(eligibility=[person(hospice_flag="maybe")])
    with pytest.raises(InputError, match=r"row 1, column hospice_flag: .*true, t, 1"):
        apmlab.load(folder)


def test_empty_table_folder_is_an_error(input_dir):
    folder = input_dir()
    (folder / "medical_claim.csv").unlink()
    (folder / "medical_claim").mkdir()
    with pytest.raises(InputError, match=r"medical_claim: folder holds no .parquet or .csv"):
        apmlab.load(folder)


def test_ragged_csv_is_reported_with_its_file(input_dir):
    folder = input_dir()
    with (folder / "provider.csv").open("a") as handle:
        handle.write("1,2,3,4,5,6,7,8,9,10,11\n")
    with pytest.raises(InputError, match=r"provider.csv: cannot be read"):
        apmlab.load(folder)


def test_not_a_folder(tmp_path):
    with pytest.raises(InputError, match="not a folder"):
        apmlab.load(tmp_path / "absent")


def test_parquet_folder_with_typed_and_integer_codes(tmp_path, input_dir):
    """A folder of Parquet parts is one table; integer codes regain their leading zeros."""
    folder = input_dir()
    (folder / "medical_claim.csv").unlink()
    parts = folder / "medical_claim"
    parts.mkdir()
    for i in (1, 2):
        table = pa.table({
            **{k: [v] for k, v in line(claim_id=f"C{i}").items()
               if k not in ("claim_line_number", "paid_amount", "allowed_amount")},
            "claim_line_number": [1], "paid_amount": [10.0 * i], "allowed_amount": [20.0],
            "revenue_center_code": [450],
        })
        pq.write_table(table, parts / f"part{i}.parquet")
    loaded = apmlab.load(folder)
    rows = loaded.con.execute(
        "SELECT claim_id, revenue_center_code, paid_amount FROM medical_claim ORDER BY 1"
    ).fetchall()
    assert rows == [("C1", "0450", 10.0), ("C2", "0450", 20.0)]
    assert loaded.dollars_in == 30.0


def test_optional_columns_get_defaults(input_dir):
    con = apmlab.load(input_dir()).con
    row = con.execute(
        "SELECT ime_amount, dsh_amount, uncompensated_care_amount, claim_adjustment_type_code,"
        " diagnosis_code_25 FROM medical_claim"
    ).fetchall()[0]
    assert row == (0.0, 0.0, 0.0, "0", None)
    flags = con.execute(
        "SELECT part_a_flag, part_b_flag, hospice_flag, dual_status_code FROM eligibility"
    ).fetchall()[0]
    assert flags == (True, True, False, "00")


# --- row exclusions: one case per reason, counted with rows and dollars -------------------

# Each case: table -> rows; the bad row pays a distinct amount so dollars can be checked.
EXCLUSION_CASES = {
    "enrollment ends before it starts": {
        "eligibility": [person(person_id="P9", enrollment_end_date="2020-12-31")]},
    "death before birth": {"eligibility": [person(person_id="P9", death_date="1940-01-01")]},
    "missing person_id": {"eligibility": [person(person_id="")]},
    "invalid gender": {"eligibility": [person(person_id="P9", gender="M")]},
    "invalid original_reason_entitlement_code": {
        "eligibility": [person(person_id="P9", original_reason_entitlement_code="4")]},
    "invalid medicare_status_code": {
        "eligibility": [person(person_id="P9", medicare_status_code="12")]},
    "invalid dual_status_code": {"eligibility": [person(person_id="P9", dual_status_code="7")]},
    "claim ends before it starts": {
        "medical_claim": [line(claim_id="X", claim_end_date="2021-01-31", paid_amount="7")]},
    "negative amount on a non-adjustment line": {
        "medical_claim": [line(claim_id="X", paid_amount="-7")]},
    "malformed ICD-10-CM diagnosis code": {
        "medical_claim": [line(claim_id="X", paid_amount="7", diagnosis_code_3="E11-9")]},
    "claim for a person not in eligibility": {
        "medical_claim": [line(claim_id="X", person_id="NOBODY", paid_amount="7")]},
    "duplicate claim_id + claim_line_number": {
        "medical_claim": [line(claim_id="C1", paid_amount="7")]},
    "missing paid_amount": {"medical_claim": [line(claim_id="X", paid_amount="")]},
    "invalid claim_type": {"medical_claim": [line(claim_id="X", claim_type="dental",
                                                  paid_amount="7")]},
    "invalid claim_adjustment_type_code": {
        "medical_claim": [line(claim_id="X", claim_adjustment_type_code="9", paid_amount="7")]},
    "duplicate npi": {"provider": [dict(PROVIDER)]},
    "missing provider_type": {"provider": [dict(PROVIDER, npi="2", provider_type="")]},
    "participation ends before it starts": {
        "participation": [dict(PARTICIPATION, end_date="2020-01-01")]},
    "participation covers no tin, npi, ccn, state or county": {
        "participation": [dict(PARTICIPATION, tin="")]},
    "designation by a person not in eligibility": {
        "voluntary_alignment": [dict(DESIGNATION, person_id="NOBODY")]},
    "duplicate ccn + year": {"budget_hospital_adjustment": [dict(ADJUSTMENT, rate_update="")]},
}


@pytest.mark.parametrize("reason", sorted(EXCLUSION_CASES))
def test_each_exclusion_reason_is_counted(reason, input_dir):
    tables = EXCLUSION_CASES[reason]
    (table, bad_rows), = tables.items()
    good = {"eligibility": [PERSON], "medical_claim": [LINE], "provider": [PROVIDER],
            "participation": [PARTICIPATION], "voluntary_alignment": [DESIGNATION],
            "budget_hospital_adjustment": [ADJUSTMENT]}
    folder = input_dir(**{table: good[table] + bad_rows})
    loaded = apmlab.load(folder)
    quality = loaded.con.execute(
        "SELECT table_name, reason, rows, paid_amount, first_file, first_row FROM data_quality"
    ).fetchall()
    paid = None
    if table == "medical_claim":
        paid = float(bad_rows[0]["paid_amount"]) if bad_rows[0]["paid_amount"] else None
    assert quality == [(table, reason, 1, paid, f"{table}.csv", 2)]
    assert loaded.rows_kept[table] == 1
    assert loaded.rows_read[table] == 2


def test_every_specific_rule_has_a_case():
    """A new rule in the loader without a test case here fails this test."""
    specific = {reason for rules in ROW_RULES.values() for reason, _ in rules}
    specific |= {f"duplicate {' + '.join(key)}" for key in UNIQUE_KEYS.values()}
    assert specific <= set(EXCLUSION_CASES)


def test_claims_of_an_excluded_person_are_excluded_too(input_dir):
    folder = input_dir(
        eligibility=[person(enrollment_end_date="2020-01-01")],
        medical_claim=[line(paid_amount="80")],
    )
    quality = dict(
        ((t, r), (n, d)) for t, r, n, d in apmlab.load(folder).data_quality()
    )
    assert quality[("medical_claim", "claim for a person not in eligibility")] == (1, 80.0)


def test_adjustment_lines_may_be_negative(input_dir):
    folder = input_dir(medical_claim=[
        line(), line(claim_line_number="2", paid_amount="-30", claim_adjustment_type_code="2"),
    ])
    loaded = apmlab.load(folder)
    assert loaded.rows_kept["medical_claim"] == 2
    assert loaded.dollars_kept == 50.0


def test_a_text_column_is_normalised_even_when_one_value_needs_it(input_dir):
    """Columns already canonical are copied as read; one untidy value among clean ones
    (padded, cased, blank) must still be normalised."""
    folder = input_dir(medical_claim=[
        line(claim_id="C1", diagnosis_code_1="E119", revenue_center_code="0450"),
        line(claim_id="C2", diagnosis_code_1=" e11.9 ", revenue_center_code="450"),
        line(claim_id="C3", diagnosis_code_1="", revenue_center_code="0450 "),
    ])
    rows = apmlab.load(folder).con.execute(
        "SELECT diagnosis_code_1, revenue_center_code FROM medical_claim ORDER BY claim_id"
    ).fetchall()
    assert rows == [("E119", "0450"), ("E119", "0450"), (None, "0450")]


def test_dotted_diagnosis_codes_are_normalised(input_dir):
    folder = input_dir(medical_claim=[line(diagnosis_code_1="e11.69")])
    con = apmlab.load(folder).con
    assert con.execute("SELECT diagnosis_code_1 FROM medical_claim").fetchall() == [("E1169",)]


# --- money is counted both ways -------------------------------------------------------------

claim_rows = st.lists(
    st.tuples(
        st.integers(min_value=-50_000, max_value=500_000),  # paid, in cents
        st.sampled_from(["P1", "P2", "NOBODY"]),
        st.booleans(),  # an adjustment line?
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=claim_rows)
def test_dollars_in_equal_kept_plus_excluded(rows, tmp_path_factory):
    """Property: paid dollars in the file = kept + excluded, and kept = what the rules keep."""
    folder = tmp_path_factory.mktemp("money")
    claims = [
        line(claim_id=f"C{i}", person_id=who, paid_amount=f"{cents / 100:.2f}",
             claim_adjustment_type_code="2" if adjustment else "0")
        for i, (cents, who, adjustment) in enumerate(rows)
    ]
    write_csv(folder / "eligibility.csv", [person(person_id="P1"), person(person_id="P2")])
    write_csv(folder / "medical_claim.csv", claims)
    write_csv(folder / "provider.csv", [PROVIDER])
    write_csv(folder / "participation.csv", [PARTICIPATION])
    with (folder / "medical_claim.csv").open() as handle:
        file_total = sum(float(r["paid_amount"]) for r in csv.DictReader(handle))
    expected_kept = sum(
        cents / 100 for cents, who, adjustment in rows
        if who != "NOBODY" and (cents >= 0 or adjustment)
    )
    loaded = apmlab.load(folder)
    assert loaded.dollars_in == pytest.approx(file_total, abs=1e-6)
    assert loaded.dollars_kept == pytest.approx(expected_kept, abs=1e-6)
    assert loaded.dollars_kept + loaded.dollars_excluded == pytest.approx(file_total, abs=1e-6)


def test_load_into_a_given_database(tmp_path, input_dir):
    db = tmp_path / "run.duckdb"
    apmlab.load(input_dir(), database=db).con.close()
    tables = duckdb.connect(str(db)).execute(
        "SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()
    assert [t[0] for t in tables] == [
        "budget_hospital_adjustment", "data_quality", "eligibility", "medical_claim",
        "participation", "provider", "voluntary_alignment"]


def test_optional_table_absent_is_empty_and_present_is_loaded(input_dir):
    con = apmlab.load(input_dir()).con
    assert con.execute("SELECT count(*) FROM voluntary_alignment").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM budget_hospital_adjustment").fetchall() == [(0,)]
    con = apmlab.load(input_dir(voluntary_alignment=[DESIGNATION],
                                budget_hospital_adjustment=[ADJUSTMENT])).con
    assert con.execute("SELECT person_id, npi FROM voluntary_alignment").fetchall() == [
        ("P1", "1000000001")]
    assert con.execute("SELECT * FROM budget_hospital_adjustment").fetchall() == [
        ("210001", 2023, 0.021, None, None)]


def test_docs_describe_every_column():
    """docs/input_layer.md is what users convert their data by: it must list every column."""
    from pathlib import Path

    from apmlab.inputs.schema import TABLES

    text = (Path(__file__).parents[1] / "docs" / "input_layer.md").read_text()
    for table, columns in TABLES.items():
        assert f"### `{table}`" in text
        for column in columns:
            if column.name[-2:] in ("_1",) or not column.name[-1].isdigit():
                assert f"`{column.name}`" in text or f"`{column.name}` .." in text, column.name
