"""The SQL stage runner, and the portability of every SQL model to Spark SQL."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from apmlab import core, engine

ALL_MODELS = [m for stage in engine.stages() for m in engine.stage_models(stage)]
# SQL built in Python rather than kept in a model file, checked the same way.
GENERATED_SQL = {
    "core.truncation_sql": core.truncation_sql(
        "core_beneficiary_year", "total_paid", "person_years", ("year", "enrollment_type"),
        ("person_id",)),
}


def test_there_are_models():
    assert {"core"} <= set(engine.stages())
    assert len(ALL_MODELS) >= 6


def assert_portable(sql: str) -> None:
    """DESIGN.md principle 3: SQL must have a Spark equivalent. SQLGlot raises on constructs
    it cannot express; a function it does not know (parsed as Anonymous) would be copied
    through unchanged and fail on Spark, so that fails here too."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    unknown = sorted({f.name for f in tree.find_all(exp.Anonymous)})
    assert not unknown, f"functions with no known Spark equivalent: {unknown}"
    spark = sqlglot.transpile(
        sql, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE
    )[0]
    sqlglot.parse_one(spark, read="spark")  # the Spark text parses back


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: f"{m.stage}/{m.path.name}")
def test_model_transpiles_to_spark(model):
    assert_portable(model.sql)


@pytest.mark.parametrize("name", sorted(GENERATED_SQL))
def test_generated_sql_transpiles_to_spark(name):
    assert_portable(GENERATED_SQL[name])


def test_unknown_functions_are_caught():
    with pytest.raises(AssertionError, match="no known Spark equivalent"):
        assert_portable("SELECT some_duckdb_only_macro(a) FROM t")


def test_each_model_is_one_select():
    for model in ALL_MODELS:
        statements = sqlglot.parse(model.sql, read="duckdb")
        assert len(statements) == 1 and isinstance(statements[0], exp.Query), model.path


def test_run_stage_binds_parameters_and_names_tables(tmp_path, monkeypatch):
    stage = tmp_path / "demo"
    stage.mkdir()
    (stage / "01_numbers.sql").write_text("SELECT unnest(generate_series(1, $n)) AS x")
    (stage / "02_total.sql").write_text("-- uses $ignored in a comment only\n"
                                        "SELECT sum(x) AS total FROM demo_numbers")
    monkeypatch.setattr(engine, "SQL_ROOT", tmp_path)
    con = duckdb.connect()
    assert engine.run_stage(con, "demo", {"n": 4, "unused": 1}) == ["demo_numbers", "demo_total"]
    assert con.execute("SELECT total FROM demo_total").fetchall() == [(10,)]
    # A value that would be dangerous if formatted into SQL text is only ever bound.
    with pytest.raises(duckdb.Error):
        engine.run_stage(con, "demo", {"n": "1); DROP TABLE demo_total; --"})
    assert con.execute("SELECT total FROM demo_total").fetchall() == [(10,)]


def test_missing_parameter_is_named(tmp_path, monkeypatch):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "01_a.sql").write_text("SELECT $first_year AS y")
    monkeypatch.setattr(engine, "SQL_ROOT", tmp_path)
    with pytest.raises(ValueError, match=r"01_a.sql: no value for parameter\(s\) \['first_year'\]"):
        engine.run_stage(duckdb.connect(), "s", {})


def test_badly_named_model_file_is_refused(tmp_path, monkeypatch):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.sql").write_text("SELECT 1")
    monkeypatch.setattr(engine, "SQL_ROOT", tmp_path)
    with pytest.raises(ValueError, match="NN_name.sql"):
        engine.stage_models("s")
    with pytest.raises(ValueError, match="no SQL stage named 'nope'"):
        engine.stage_models("nope")


def test_view_model_follows_its_source_and_replaces_an_old_table(tmp_path, monkeypatch):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "01_doubled.sql").write_text(
        "-- materialize: view\nSELECT 2 * x AS y FROM source")
    monkeypatch.setattr(engine, "SQL_ROOT", tmp_path)
    con = duckdb.connect()
    con.execute("CREATE TABLE source AS SELECT 1 AS x")
    con.execute("CREATE TABLE s_doubled AS SELECT 0 AS y")  # written by an older version
    engine.run_stage(con, "s", {})
    con.execute("INSERT INTO source VALUES (5)")
    assert con.execute("SELECT y FROM s_doubled ORDER BY y").fetchall() == [(2,), (10,)]
    (tmp_path / "s" / "01_doubled.sql").write_text("SELECT 3 AS y")  # back to a table
    engine.run_stage(con, "s", {})
    assert con.execute("SELECT y FROM s_doubled").fetchall() == [(3,)]


def test_view_model_refuses_parameters(tmp_path, monkeypatch):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "01_a.sql").write_text("-- materialize: view\nSELECT $n AS y")
    monkeypatch.setattr(engine, "SQL_ROOT", tmp_path)
    with pytest.raises(ValueError, match="a view cannot take parameters"):
        engine.run_stage(duckdb.connect(), "s", {"n": 1})


def test_memory_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(engine.MEMORY_LIMIT_VARIABLE, "1GB")
    limit = engine.connect().execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    assert limit == "953.6 MiB"  # 1 GB = 10^9 bytes, printed in binary units
    monkeypatch.setenv(engine.MEMORY_LIMIT_VARIABLE, "lots")
    with pytest.raises(ValueError, match="APMLAB_MEMORY_LIMIT='lots'"):
        engine.connect()
