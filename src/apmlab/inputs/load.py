"""Read a canonical input-layer folder into the run database, validating at the edge.

Two kinds of problem, two treatments (DESIGN.md principle 1):

* A *structural* problem (a missing table or column, a value of the wrong type, an
  unparseable date) stops the load with an :class:`InputError` naming the file, row and
  column. Nothing downstream could be trusted otherwise.
* A *row* a user would want skipped (a claim for an unknown person, an end before its
  start, a negative amount on an original line, a malformed ICD-10-CM code, a duplicate)
  is excluded and counted with its reason, rows and dollars, in table ``data_quality``.

Money is counted both ways: the paid dollars read from the claim files equal the dollars
kept plus the dollars excluded, and the load checks it. Error messages name files, rows
and columns but never echo a value, because values are protected health information.

This module is the engine-specific edge (DuckDB file readers); the stages after it use
portable SQL only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from apmlab.inputs.schema import OPTIONAL_TABLES, TABLES, Column


class InputError(ValueError):
    """A structural problem in the input files: the load cannot go on."""


# ICD-10-CM: a letter, a digit, then one to five letters or digits (dots removed at load).
ICD10_CM = r"^[A-Z][0-9][0-9A-Z]{1,5}$"
DATE_HINT = "expected a date as YYYY-MM-DD or YYYYMMDD"
TYPE_ERROR = "value does not convert: "  # marks a structural error among the row reasons
TRUE_WORDS = ("true", "t", "1", "y", "yes")
FALSE_WORDS = ("false", "f", "0", "n", "no")

# Row rules beyond the generic ones (missing required value, value not in the allowed
# codes), per table: (reason, SQL condition over the typed columns that marks the row).
ROW_RULES: dict[str, list[tuple[str, str]]] = {
    "eligibility": [
        ("enrollment ends before it starts", "enrollment_end_date < enrollment_start_date"),
        ("death before birth", "death_date < birth_date"),
    ],
    "medical_claim": [
        ("claim ends before it starts", "claim_end_date < claim_start_date"),
        (
            "negative amount on a non-adjustment line",
            "(paid_amount < 0 OR allowed_amount < 0) AND claim_adjustment_type_code = '0'",
        ),
        (
            "malformed ICD-10-CM diagnosis code",
            " OR ".join(
                f"NOT regexp_full_match(diagnosis_code_{i}, '{ICD10_CM}')" for i in range(1, 26)
            ),
        ),
        (
            "claim for a person not in eligibility",
            "person_id NOT IN (SELECT person_id FROM eligibility)",
        ),
    ],
    "participation": [
        ("participation ends before it starts", "end_date < start_date"),
        (
            "participation covers no tin, npi, ccn, state or county",
            "coalesce(tin, npi, ccn, state, county_fips) IS NULL",
        ),
    ],
    "provider": [],
    "voluntary_alignment": [
        (
            "designation by a person not in eligibility",
            "person_id NOT IN (SELECT person_id FROM eligibility)",
        ),
    ],
    "budget_hospital_adjustment": [],
}
# Rows that repeat a key: the first (in file order) is kept, the others excluded.
UNIQUE_KEYS = {
    "medical_claim": ("claim_id", "claim_line_number"),
    "provider": ("npi",),
    "budget_hospital_adjustment": ("ccn", "year"),
}
# Eligibility first: the claim rule "person not in eligibility" reads the kept spans.
LOAD_ORDER = ["eligibility", "provider", "participation", "medical_claim", "voluntary_alignment",
              "budget_hospital_adjustment"]


@dataclass
class Loaded:
    """The run database after a load, with the counts a user should see."""

    con: duckdb.DuckDBPyConnection
    source: Path
    rows_read: dict[str, int] = field(default_factory=dict)
    rows_kept: dict[str, int] = field(default_factory=dict)
    dollars_in: float = 0.0
    dollars_kept: float = 0.0
    dollars_excluded: float = 0.0

    def dollar_line(self) -> str:
        return (
            f"Dollars in ${self.dollars_in:,.2f} = kept ${self.dollars_kept:,.2f}"
            f" + excluded ${self.dollars_excluded:,.2f} (paid amount, medical claims)"
        )

    def data_quality(self) -> list[tuple]:
        return self.con.execute(
            "SELECT table_name, reason, rows, paid_amount FROM data_quality ORDER BY ALL"
        ).fetchall()


def load(
    path: str | Path,
    con: duckdb.DuckDBPyConnection | None = None,
    database: str | Path = ":memory:",
) -> Loaded:
    """Validate the input-layer folder ``path`` and write its tables into the database.

    Writes tables ``eligibility``, ``provider``, ``participation``, ``medical_claim`` (the
    rows kept, with the canonical columns and types) and ``data_quality`` (one row per
    table and exclusion reason, with rows and paid dollars).
    """
    source = Path(path)
    if not source.is_dir():
        raise InputError(f"{source}: not a folder of input tables")
    con = con if con is not None else duckdb.connect(str(database))
    files = {table: _find_files(source, table) for table in LOAD_ORDER}
    loaded = Loaded(con=con, source=source)
    con.execute(
        "CREATE OR REPLACE TABLE data_quality (table_name VARCHAR, reason VARCHAR, rows BIGINT,"
        " paid_amount DOUBLE, allowed_amount DOUBLE, first_file VARCHAR, first_row BIGINT)"
    )
    for table in LOAD_ORDER:
        if files[table]:
            _load_table(con, table, files[table], loaded)
        else:
            columns = ", ".join(f"{c.name} {c.type}" for c in TABLES[table])
            con.execute(f"CREATE OR REPLACE TABLE {table} ({columns})")
    _check_dollars(con, loaded)
    return loaded


def _find_files(folder: Path, table: str) -> list[Path]:
    """The file(s) holding ``table``: table.parquet, table.csv[.gz] or a folder table/
    (none for an optional table that is absent)."""
    candidates = [
        p for p in folder.iterdir()
        if p.name in (f"{table}.parquet", f"{table}.csv", f"{table}.csv.gz", table)
    ]
    if not candidates and table in OPTIONAL_TABLES:
        return []
    if not candidates:
        raise InputError(
            f"{folder}: missing table {table!r} (expected {table}.parquet, {table}.csv"
            f" or a folder {table}/ of Parquet files)"
        )
    if len(candidates) > 1:
        names = ", ".join(sorted(p.name for p in candidates))
        raise InputError(f"{folder}: table {table!r} is given more than once ({names})")
    found = candidates[0]
    if found.is_dir():
        parts = sorted(found.glob("*.parquet")) or sorted(found.glob("*.csv"))
        if not parts:
            raise InputError(f"{found}: folder holds no .parquet or .csv files")
        return parts
    return [found]


def _read(con: duckdb.DuckDBPyConnection, files: list[Path]) -> duckdb.DuckDBPyRelation:
    """The raw rows with ``_file`` (name) and ``_row`` (1-based data row within the file)."""
    names = [str(f) for f in files]
    try:
        if names[0].endswith(".parquet"):
            return con.sql(
                "SELECT * EXCLUDE (filename, file_row_number), parse_filename(filename) AS _file,"
                " file_row_number + 1 AS _row"
                " FROM read_parquet($files, filename = true, file_row_number = true,"
                " union_by_name = true)",
                params={"files": names},
            )
        relations = [
            con.sql(
                "SELECT *, $name AS _file, row_number() OVER () AS _row FROM read_csv("
                "$file, header = true, all_varchar = true, parallel = false)",
                params={"file": n, "name": Path(n).name},
            )
            for n in names
        ]
        rel = relations[0]
        for other in relations[1:]:
            rel = rel.union(other)
        return rel
    except duckdb.Error as exc:
        raise InputError(f"{names[0]}: cannot be read: {_first_line(exc)}") from None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]


def _typed(column: Column, src: str, src_type: str) -> tuple[str, str | None]:
    """SQL for the canonical value of ``column`` and, if conversion can fail, for a failure."""
    if column.type == "VARCHAR":
        text = f"nullif(trim(CAST({src} AS VARCHAR)), '')"
        if column.name.startswith("diagnosis_code"):
            text = f"replace(upper({text}), '.', '')"
        if column.width:
            text = (
                f"CASE WHEN regexp_full_match({text}, '[0-9]{{1,{column.width - 1}}}')"
                f" THEN lpad({text}, {column.width}, '0') ELSE {text} END"
            )
        if column.allowed:
            text = f"lower({text})"
        return text, None
    if src_type == column.type:
        return src, None
    text = f"nullif(trim(CAST({src} AS VARCHAR)), '')"
    if column.type == "DATE":
        value = f"coalesce(try_cast({text} AS DATE), CAST(try_strptime({text}, '%Y%m%d') AS DATE))"
    elif column.type == "BOOLEAN":
        value = (
            f"CASE WHEN lower({text}) IN {TRUE_WORDS} THEN TRUE"
            f" WHEN lower({text}) IN {FALSE_WORDS} THEN FALSE END"
        )
    else:
        value = f"try_cast({text} AS {column.type})"
    return value, f"{text} IS NOT NULL AND ({value}) IS NULL"


def _load_table(con: duckdb.DuckDBPyConnection, table: str, files: list[Path], loaded: Loaded):
    """One pass over the source writes every row, typed, with its exclusion reason; the
    counts come from that table and the excluded rows are then deleted. (Claims can be
    100M+ rows: the conversions and the 25 diagnosis-code checks are computed once.)"""
    raw = _read(con, files)
    con.register("_raw", raw)
    source_types = {
        name.lower(): str(dtype) for name, dtype in zip(raw.columns, raw.dtypes, strict=True)
    }
    source_names = {name.lower(): name for name in raw.columns}
    columns = TABLES[table]
    missing = [c.name for c in columns if c.required and c.name not in source_names]
    if missing:
        raise InputError(f"{files[0]}: missing required column(s) {', '.join(missing)}")

    select, failures = [], []
    for column in columns:
        if column.name in source_names:
            value, failure = _typed(
                column, f'"{source_names[column.name]}"', source_types[column.name]
            )
            if failure:
                failures.append((column, failure))
        else:
            value = "NULL"
        if column.default is not None:
            value = f"coalesce({value}, {column.default})"
        select.append(f"CAST({value} AS {column.type}) AS {column.name}")

    # A value that does not convert is structural (the load stops); it is checked first,
    # on the source text, so that the row's other reasons cannot hide it.
    source_checks = [(f"{TYPE_ERROR}{c.name}", cond) for c, cond in failures]
    row_checks = [(f"missing {c.name}", f"{c.name} IS NULL") for c in columns if c.required]
    row_checks += [
        (f"invalid {c.name}", f"{c.name} NOT IN ({', '.join(repr(v) for v in c.allowed)})")
        for c in columns
        if c.allowed
    ]
    row_checks += ROW_RULES[table]
    typed = (
        f"SELECT {', '.join(select)}, _file, _row, {_first_match(source_checks)} AS _source_error"
        " FROM _raw"
    )
    con.execute(
        f"CREATE OR REPLACE TABLE {table} AS SELECT * EXCLUDE (_source_error),"
        f" coalesce(_source_error, {_first_match(row_checks)}) AS _reason FROM ({typed})"
    )
    con.unregister("_raw")
    key = UNIQUE_KEYS.get(table)
    if key:
        _mark_duplicates(con, table, key)

    money = table == "medical_claim"
    paid = "sum(paid_amount)" if money else "NULL"
    allowed = "sum(allowed_amount)" if money else "NULL"
    counts = con.execute(
        f"SELECT _reason, count(*), {paid}, {allowed}, min((_file, _row))"
        f" FROM {table} GROUP BY _reason"
    ).fetchall()
    _raise_on_type_errors(con, table, failures, counts)
    for reason, rows, paid_sum, allowed_sum, first in counts:
        if reason is not None:
            con.execute(
                "INSERT INTO data_quality VALUES (?, ?, ?, ?, ?, ?, ?)",
                [table, reason, rows, paid_sum, allowed_sum, *first],
            )
    loaded.rows_read[table] = sum(row[1] for row in counts)
    loaded.rows_kept[table] = sum(row[1] for row in counts if row[0] is None)
    if loaded.rows_kept[table] < loaded.rows_read[table]:
        con.execute(f"DELETE FROM {table} WHERE _reason IS NOT NULL")
    for helper in ("_reason", "_file", "_row"):
        con.execute(f"ALTER TABLE {table} DROP COLUMN {helper}")
    if money:
        loaded.dollars_in = _raw_paid_total(con, files)


def _first_match(checks: list[tuple[str, str]]) -> str:
    """SQL naming the first check a row fails, or NULL."""
    if not checks:
        return "CAST(NULL AS VARCHAR)"
    return "CASE " + " ".join(f"WHEN {cond} THEN '{name}'" for name, cond in checks) + " END"


def _mark_duplicates(con, table: str, key: tuple[str, ...]) -> None:
    """Rows that repeat a key: the first in file order stays, the others are excluded."""
    cols = ", ".join(key)
    total, distinct = con.execute(
        f"SELECT count(*), count(DISTINCT ({cols})) FROM {table}"
    ).fetchall()[0]
    if total == distinct:
        return
    con.execute(
        f"UPDATE {table} SET _reason = 'duplicate {' + '.join(key)}'"
        f" FROM (SELECT rowid AS repeat_id FROM (SELECT rowid, row_number() OVER"
        f" (PARTITION BY {cols} ORDER BY _file, _row) AS _rank FROM {table}) WHERE _rank > 1)"
        f" WHERE rowid = repeat_id AND _reason IS NULL"
    )


def _raise_on_type_errors(con, table: str, failures: list[tuple[Column, str]],
                          counts: list[tuple]) -> None:
    """Stop at the first column (in schema order) holding a value that does not convert."""
    found = {reason: (rows, first) for reason, rows, _, _, first in counts if reason}
    for column, _ in failures:
        if f"{TYPE_ERROR}{column.name}" in found:
            bad, (file_name, row) = found[f"{TYPE_ERROR}{column.name}"]
            con.execute(f"DROP TABLE {table}")
            hint = DATE_HINT if column.type == "DATE" else f"expected {column.type.lower()}"
            if column.type == "BOOLEAN":
                hint = f"expected one of {', '.join(TRUE_WORDS + FALSE_WORDS)}"
            raise InputError(
                f"{file_name} row {row}, column {column.name}: value is not valid"
                f" ({hint}); {bad} row(s) of table {table} have this problem"
            )


def _raw_paid_total(con, files: list[Path]) -> float:
    """Paid dollars as read from the claim files, independent of any validation."""
    raw = _read(con, files)
    name = next(c for c in raw.columns if c.lower() == "paid_amount")
    return raw.aggregate(f'coalesce(sum(try_cast("{name}" AS DOUBLE)), 0)').fetchall()[0][0]


def _check_dollars(con, loaded: Loaded) -> None:
    loaded.dollars_kept = con.execute(
        "SELECT coalesce(sum(paid_amount), 0) FROM medical_claim"
    ).fetchall()[0][0]
    loaded.dollars_excluded = con.execute(
        "SELECT coalesce(sum(paid_amount), 0) FROM data_quality WHERE table_name = 'medical_claim'"
    ).fetchall()[0][0]
    gap = loaded.dollars_in - loaded.dollars_kept - loaded.dollars_excluded
    if abs(gap) > 0.01 + 1e-9 * abs(loaded.dollars_in):
        raise InputError(f"internal error: {gap:,.2f} paid dollars unaccounted for at load")
