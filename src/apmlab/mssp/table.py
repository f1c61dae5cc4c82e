"""Reading per-ACO input tables into NumPy columns, with errors that name row and column.

Shared by MSSP and ACO REACH settlement. Accepts a pyarrow Table, a pandas DataFrame, a
DuckDB relation or a dict of columns; CSV text cells (blank = missing) are parsed here so
the CLI and the Python API validate the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

TRUE_WORDS = {"1", "true", "t", "yes", "y"}
FALSE_WORDS = {"0", "false", "f", "no", "n"}
T = TypeVar("T")


class InputError(ValueError):
    """Bad settlement input: says which row and column, and why."""


def to_arrow(table: Any) -> pa.Table:
    """Arrow table from an Arrow table, pandas DataFrame, DuckDB relation or dict of columns."""
    if isinstance(table, pa.Table):
        return table
    if isinstance(table, duckdb.DuckDBPyRelation):
        # to_arrow_table() from DuckDB 1.4; fetch_arrow_table() before
        fetch = getattr(table, "to_arrow_table", None) or table.fetch_arrow_table
        return fetch()
    if isinstance(table, dict):
        return pa.table(table)
    if type(table).__module__.startswith("pandas"):
        return pa.Table.from_pandas(table, preserve_index=False)
    raise TypeError(
        f"expected an Arrow table, pandas DataFrame or DuckDB relation, got {type(table)}"
    )


def require_columns(table: pa.Table, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise InputError(f"{what}: missing column(s) {', '.join(missing)}")


class Columns:
    """Typed NumPy views of an input table's columns, validated with row-level messages."""

    def __init__(self, table: pa.Table, what: str, id_column: str = "aco_id"):
        self.table = table
        self.what = what
        self.ids = self.text(id_column, required=True)

    def where(self, row: int, column: str) -> str:
        return f"{self.what}: row {row + 1} (aco_id {self.ids[row]}), column {column}"

    def fail(self, mask: np.ndarray, column: str, why: str) -> None:
        """Raise for the first row where mask is true."""
        bad = np.flatnonzero(mask)
        if bad.size:
            raise InputError(f"{self.where(int(bad[0]), column)}: {why}")

    def lookup(self, name: str, resolve: Callable[[str], T]) -> tuple[list[T], np.ndarray]:
        """Resolve each distinct (lower-cased) value once: (resolved values, index per row).

        A ValueError from ``resolve`` becomes an error naming the first row with that value.
        """
        values = np.char.lower(self.text(name, required=True).astype(str))
        unique, index = np.unique(values, return_inverse=True)
        resolved = []
        for k, value in enumerate(unique):
            try:
                resolved.append(resolve(str(value)))
            except ValueError as exc:
                self.fail(index == k, name, str(exc))
        return resolved, index

    def text(self, name: str, required: bool) -> np.ndarray:
        col = self.table.column(name).cast(pa.string())
        values = np.array([("" if v is None else v.strip()) for v in col.to_pylist()], dtype=object)
        if required:
            empty = values == ""
            if empty.any():
                row = int(np.flatnonzero(empty)[0])
                raise InputError(f"{self.what}: row {row + 1}, column {name}: value is missing")
        return values

    def number(self, name: str, required: bool = True) -> np.ndarray:
        """Float column; missing cells are NaN (an error when required)."""
        if name not in self.table.column_names:
            return np.full(self.table.num_rows, np.nan)
        col = self.table.column(name)
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            col = pc.if_else(pc.equal(pc.utf8_trim_whitespace(col), ""), None, col)
            try:
                col = pc.cast(col, pa.float64())
            except pa.ArrowInvalid:
                cells = col.to_pylist()
                row = next(i for i, v in enumerate(cells) if v is not None and not _is_float(v))
                raise InputError(
                    f"{self.where(row, name)}: {cells[row]!r} is not a number"
                ) from None
        values = np.asarray(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
        if required:
            self.fail(np.isnan(values), name, "value is missing")
        self.fail(np.isinf(values), name, "value is not finite")
        return values

    def flag(self, name: str) -> np.ndarray:
        """Boolean column from true/false, yes/no, 1/0."""
        col = self.table.column(name)
        if pa.types.is_boolean(col.type):
            cells = col.to_pylist()
            self.fail(np.array([v is None for v in cells]), name, "value is missing")
            return np.array(cells, dtype=bool)
        words = [str(v).strip().lower() if v is not None else "" for v in col.to_pylist()]
        words = [w[:-2] if w.endswith(".0") else w for w in words]
        unknown = np.array([w not in TRUE_WORDS | FALSE_WORDS for w in words])
        self.fail(unknown, name, "expected true/false, yes/no or 1/0")
        return np.array([w in TRUE_WORDS for w in words])


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def append_columns(table: pa.Table, columns: dict[str, np.ndarray]) -> pa.Table:
    """The input table plus the computed columns (replacing any of the same name)."""
    for name, values in columns.items():
        if name in table.column_names:
            table = table.drop_columns([name])
        table = table.append_column(name, pa.array(values))
    return table


def write_table(con: duckdb.DuckDBPyConnection, table: pa.Table, name: str) -> str:
    """Materialise ``table`` as ``name`` in the run database (replacing it); returns the name."""
    view = f"_apmlab_{name}_input"
    con.register(view, table)
    try:
        con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM "{view}"')
    finally:
        con.unregister(view)
    return name
