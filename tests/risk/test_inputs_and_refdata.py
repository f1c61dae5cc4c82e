"""Bad input gives clear errors (file, row); unmapped codes are counted, not errors; the
reference tables match variables to coefficients both ways; the CLI reads CMS's layout."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from apmlab.cli import app
from apmlab.risk import InputError, refdata, score
from risk.risk_helpers import dx, people

GOOD = ("a", "1955-06-01", 1, 0, 0, 0)


@pytest.mark.parametrize(("row", "message"), [
    (("b", "1955-13-01", 1, 0, 0, 0), "persons row 2: DOB is not a date"),
    (("b", "2026-03-01", 1, 0, 0, 0), "persons row 2: DOB is after February 1"),
    (("b", "19550601", 3, 0, 0, 0), "persons row 2: SEX is not 1 (male) or 2 (female)"),
    (("b", "19550601", 1, 4, 0, 0), "persons row 2: OREC is not 0, 1, 2 or 3"),
    (("b", "19550601", 1, 0, 2, 0), "persons row 2: LTIMCAID is not 0 or 1"),
    (("a", "19550601", 1, 0, 0, 0), "persons row 2: ID repeats the ID of row 1"),
])
def test_malformed_person_rows_are_named(row, message):
    with pytest.raises(InputError) as err:
        score(people(GOOD, row), dx(("a", "E119")), 2026)
    assert message in str(err.value)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(st.characters(exclude_categories=["Cc", "Cs", "Z"]), min_size=1,
                        max_size=20), min_size=1, max_size=30))
def test_a_repeated_id_is_named_whatever_the_ids(ids):
    """IDs of any length and characters, in a table whose ID column starts at an offset
    (a slice): the first repeat is named exactly when an ID repeats."""
    persons = people(*[(i, "19550601", 1, 0, 0, 0) for i in ["x", *ids]]).slice(1)
    repeat = next((k for k, i in enumerate(ids) if i in ids[:k]), None)
    if repeat is None:
        assert score(persons, dx((ids[0], "E119")), 2026).table.num_rows == len(ids)
    else:
        first = ids.index(ids[repeat])
        with pytest.raises(InputError, match=f"persons row {repeat + 1}: ID repeats the ID "
                                             f"of row {first + 1}(;|$)"):
            score(persons, dx((ids[0], "E119")), 2026)


def test_diagnosis_for_unknown_person_is_an_error():
    with pytest.raises(InputError, match="diagnoses row 2: ID is not in the persons file"):
        score(people(GOOD), dx(("a", "E119"), ("zz", "E119")), 2026)


@pytest.mark.parametrize("threads", [1, 2])
def test_an_error_in_the_persons_file_is_named_before_one_in_the_diagnoses(threads):
    """The two files are read concurrently; the persons file is still checked first."""
    bad = ("b", "19550601", 3, 0, 0, 0)
    with pytest.raises(InputError, match="^persons row 2: SEX is not"):
        score(people(GOOD, bad), dx(("a", "E119"), ("zz", "E119")), 2026, threads=threads)


def test_codes_not_in_the_map_are_ignored_and_counted():
    result = score(people(GOOD), dx(("a", "E119"), ("a", "XX999"), ("a", "R69"), ("a", "")),
                   2026)
    assert (result.diagnoses, result.unmapped_diagnoses) == (4, 3)
    # G20 was retired on 1 Oct 2023: in the PY2024 map (2023 diagnoses), not in PY2026's
    assert score(people(GOOD), dx(("a", "G20")), 2024, "V28").unmapped_diagnoses == 0
    assert score(people(GOOD), dx(("a", "G20")), 2026).unmapped_diagnoses == 1


def test_pandas_and_duckdb_inputs_give_the_same_scores():
    persons, diags = people(GOOD), dx(("a", "E1169"), ("a", "I509"))
    arrow = score(persons, diags, 2026).table
    con = duckdb.connect()
    con.register("p_arrow", persons)
    relation = con.sql("SELECT * FROM p_arrow")
    assert score(persons.to_pandas(), pd.DataFrame(diags.to_pydict()), 2026).table == arrow
    assert score(relation, diags, 2026, con=con).table == arrow


def test_unsupported_model_year_is_refused():
    with pytest.raises(ValueError, match="V24"):
        score(people(GOOD), dx(("a", "E119")), 2026, "V24")


def test_reference_tables_match_coefficients_both_ways_for_every_model_and_year():
    shipped = refdata.available()
    assert shipped == {"V24": (2024, 2025), "V28": (2024, 2025, 2026)}
    for model, years in shipped.items():
        for year in years:
            refdata.check(model, year)


def test_a_renamed_interaction_fails_loudly(tmp_path, monkeypatch):
    """Pitfall (methodology.md §1): an interaction named unlike its coefficient."""
    root = tmp_path / "hcc"
    shutil.copytree(refdata.ROOT, root)
    path = root / "V28" / "interactions.csv"
    path.write_text(path.read_text().replace("DIABETES_HF_V28", "DIABETES_CHF_V28"))
    monkeypatch.setattr(refdata, "ROOT", root)
    refdata._rows.cache_clear()
    try:
        with pytest.raises(refdata.ReferenceError) as err:
            refdata.check("V28", 2026)
    finally:
        refdata._rows.cache_clear()
    assert "coefficient CNA_DIABETES_HF_V28 is never produced" in str(err.value)
    assert "variable DIABETES_CHF_V28 has no coefficient" in str(err.value)


def test_cli_reads_cms_layout_and_reports_bad_rows_by_line(tmp_path):
    persons = tmp_path / "persons.csv"
    diags = tmp_path / "diagnoses.csv"
    out = tmp_path / "scores.csv"
    persons.write_text("ID,DOB,SEX,OREC,LTIMCAID,NEMCAID\np,19550601,1,0,0,0\n")
    diags.write_text("ID,ICD10\np,E11.69\np,I50.30\np,I50.9\np,I21.11\np,NOPE\n")
    runner = CliRunner()
    res = runner.invoke(app, ["risk", "score", "--persons", str(persons), "--diagnoses",
                              str(diags), "--payment-year", "2026", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "1 of 5 diagnosis rows" in res.output
    row = pd.read_csv(out).iloc[0]
    assert round(row["SCORE_COMMUNITY_NA"], 3) == 1.286
    assert row["HCC37"] == 1 and row["HCC38"] == 0
    persons.write_text("ID,DOB,SEX,OREC,LTIMCAID,NEMCAID\np,19550601,1,0,0,0\nq,1955,1,0,0,0\n")
    res = runner.invoke(app, ["risk", "score", "--persons", str(persons), "--diagnoses",
                              str(diags), "--payment-year", "2026", "--out", str(out)])
    assert res.exit_code == 2
    assert f"{persons} line 3: DOB is not a date" in res.output
