"""Run a stage's ordered SQL models on a database connection.

A stage is a folder ``sql/<stage>/`` of files ``NN_<name>.sql``, each holding one SELECT.
Running the stage materialises every file, in file-name order, as table ``<stage>_<name>``
in the run's database. Values reach SQL only as bound parameters (``$name``), never by
formatting them into the text, and the SELECTs keep to constructs that SQLGlot can
transpile to Spark SQL (tests/test_engine.py checks every model), so the same models can
later run on Spark.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import duckdb

SQL_ROOT = Path(str(files("apmlab") / "sql"))
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_FILE = re.compile(r"^(\d+)_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class SqlModel:
    stage: str
    name: str
    path: Path

    @property
    def table(self) -> str:
        return f"{self.stage}_{self.name}"

    @property
    def sql(self) -> str:
        return self.path.read_text()

    @property
    def kind(self) -> str:
        """TABLE, or VIEW when the file's first line asks for one."""
        first = self.sql.split("\n", 1)[0].strip().lower().replace(" ", "")
        return "VIEW" if first == "--materialize:view" else "TABLE"

    @property
    def parameters(self) -> set[str]:
        return set(_PARAM.findall(_strip_comments(self.sql)))


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def stages() -> list[str]:
    return sorted(p.name for p in SQL_ROOT.iterdir() if p.is_dir() and not p.name.startswith("_"))


def stage_models(stage: str) -> list[SqlModel]:
    folder = SQL_ROOT / stage
    if not folder.is_dir():
        raise ValueError(f"no SQL stage named {stage!r} (known: {', '.join(stages())})")
    models = []
    for path in sorted(folder.glob("*.sql")):
        match = _FILE.match(path.name)
        if not match:
            raise ValueError(f"{path}: SQL model files must be named NN_name.sql")
        models.append(SqlModel(stage, match.group(2), path))
    return models


MEMORY_LIMIT_VARIABLE = "APMLAB_MEMORY_LIMIT"


def connect(database: str | Path = ":memory:") -> duckdb.DuckDBPyConnection:
    """Open the run database (DuckDB file, or memory). DuckDB may use 80% of the machine's
    memory and spills to disk beyond its limit; on a shared machine set a lower limit with
    the environment variable APMLAB_MEMORY_LIMIT (e.g. ``8GB``)."""
    limit = os.environ.get(MEMORY_LIMIT_VARIABLE)
    config = {"memory_limit": limit} if limit else {}
    try:
        return duckdb.connect(str(database), config=config)
    except (duckdb.InvalidInputException, duckdb.ParserException) as exc:
        raise ValueError(f"{MEMORY_LIMIT_VARIABLE}={limit!r}: {exc}") from None


def run_stage(
    con: duckdb.DuckDBPyConnection,
    stage: str,
    params: Mapping[str, Any] | None = None,
    on_model: Callable[[SqlModel], None] | None = None,
) -> list[str]:
    """Materialise every model of ``stage``; returns the tables written, in order."""
    params = dict(params or {})
    written = []
    for model in stage_models(stage):
        needed = model.parameters
        missing = needed - params.keys()
        if missing:
            raise ValueError(f"{model.path.name}: no value for parameter(s) {sorted(missing)}")
        if model.kind == "VIEW" and needed:
            raise ValueError(f"{model.path.name}: a view cannot take parameters")
        if on_model:
            on_model(model)
        bound = {k: params[k] for k in needed}
        _drop_other_kind(con, model)
        create = f'CREATE OR REPLACE {model.kind} "{model.table}" AS\n{model.sql}'
        con.execute(create, bound or None)
        written.append(model.table)
    return written


def _drop_other_kind(con: duckdb.DuckDBPyConnection, model: SqlModel) -> None:
    """A database written before a model changed kind holds a table where a view goes (or
    the reverse); CREATE OR REPLACE cannot replace one with the other."""
    other = "VIEW" if model.kind == "TABLE" else "TABLE"
    catalog = {
        "VIEW": "duckdb_views() WHERE view_name",
        "TABLE": "duckdb_tables() WHERE table_name",
    }
    found = con.execute(
        f"SELECT count(*) FROM {catalog[other]} = $name", {"name": model.table}
    ).fetchall()[0][0]
    if found:
        con.execute(f'DROP {other} "{model.table}"')
