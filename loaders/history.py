"""Every row a load changes is kept: what the Panel was told is never lost.

Each loaded table `T` has a twin `T_history` with the same columns and `superseded_by`, the
load that replaced (or, for a restore, removed) the row. A row's figures are the columns the
extract sets; the provenance columns (`source_file`, `source_line`, `load_id`) are not
figures, so a row loaded again with the same figures is left as it was, with its first load's
provenance, and no revision is recorded.

So the database can answer "what did the table hold after load N": the live rows loaded at or
before N, and the kept rows loaded at or before N that were superseded after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from loaders.contract import FILE_KINDS, FileKind

if TYPE_CHECKING:
    import pandas as pd

PROVENANCE_COLUMNS: frozenset[str] = frozenset({"source_file", "source_line", "load_id"})
HISTORY_SUFFIX = "_history"


def history_table(table: str) -> str:
    return f"{table}{HISTORY_SUFFIX}"


def create_history_tables(con: duckdb.DuckDBPyConnection) -> None:
    """A history twin for every loaded table; a column the table has gained is added to it.

    Every load runs this: the catalog is read once for all the tables (a query per table took
    a tenth of a second of each load's start)."""
    columns = _all_typed_columns(con)
    for kind in FILE_KINDS:
        history = history_table(kind.table)
        if history not in columns:
            con.execute(f"CREATE TABLE {history} AS "
                        f"SELECT *, NULL::INTEGER AS superseded_by FROM {kind.table} LIMIT 0")
            continue  # made from the table as it is now: it has every column
        have = {name for name, _ in columns[history]}
        for name, sql_type in columns[kind.table]:
            if name not in have:
                con.execute(f'ALTER TABLE {history} ADD COLUMN "{name}" {sql_type}')


def _all_typed_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    """Every table of the main schema: its (column, type) pairs in column order."""
    found: dict[str, list[tuple[str, str]]] = {}
    for table, name, sql_type in con.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = 'main' "
            "ORDER BY table_name, column_index").fetchall():
        found.setdefault(table, []).append((name, sql_type))
    return found


def figure_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The columns whose values are figures or words an extract sets (key columns included)."""
    return [c for c in _columns(con, table) if c not in PROVENANCE_COLUMNS]


def replace_changed(con: duckdb.DuckDBPyConnection, kind: FileKind, staged: str, load_id: int,
                    staged_columns: Sequence[str]) -> tuple[int, int]:
    """Replace by key the rows of `staged` whose figures differ from the table's; keep the
    replaced rows in the history table. Returns (added, replaced); the rest were unchanged.

    `staged` holds `staged_columns` (the table's columns but `load_id`), each key at most once.
    """
    table, history = kind.table, history_table(kind.table)
    key_match = " AND ".join(f't."{k}" = n."{k}"' for k in kind.key)
    figures = [c for c in figure_columns(con, table) if c in staged_columns]
    differs = " OR ".join(f't."{c}" IS DISTINCT FROM n."{c}"' for c in figures) or "false"
    columns = _quoted(staged_columns)
    staged_list = ", ".join(f'n."{c}"' for c in staged_columns)
    # One join finds the new and the changed rows; the rest touch only those (a revising reload
    # of a million-row series changes a few thousand).
    con.execute(f"CREATE OR REPLACE TEMP TABLE changed_rows AS SELECT {staged_list}, t.rowid AS old_rowid "
                f"FROM {staged} n LEFT JOIN {table} t ON {key_match} "
                f"WHERE t.rowid IS NULL OR {differs}")
    replaced = con.execute(
        f"INSERT INTO {history} ({_quoted(_columns(con, table))}, superseded_by) SELECT *, ? FROM {table} "
        f"WHERE rowid IN (SELECT old_rowid FROM changed_rows WHERE old_rowid IS NOT NULL)",
        [load_id]).fetchone()[0]
    if replaced:
        con.execute(f"DELETE FROM {table} WHERE rowid IN "
                    f"(SELECT old_rowid FROM changed_rows WHERE old_rowid IS NOT NULL)")
    added_or_replaced = con.execute(
        f"INSERT INTO {table} ({columns}, load_id) SELECT {columns}, ? FROM changed_rows", [load_id]).fetchone()[0]
    con.execute("DROP TABLE changed_rows")
    return added_or_replaced - replaced, replaced


def as_of_sql(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """A SELECT of `table` as it stood after load `?` (the one parameter, given twice)."""
    columns = _quoted(_columns(con, table))
    return (f"SELECT {columns} FROM {table} WHERE load_id <= $as_of "
            f"UNION ALL SELECT {columns} FROM {history_table(table)} "
            f"WHERE load_id <= $as_of AND superseded_by > $as_of")


def as_of(con: duckdb.DuckDBPyConnection, table: str, load_id: int) -> "pd.DataFrame":
    """`table`'s rows as they stood after load `load_id`."""
    return con.execute(as_of_sql(con, table), {"as_of": load_id}).df()


def supersede_all_changed(con: duckdb.DuckDBPyConnection, live: str, load_id: int) -> None:
    """For a restore into `con` from the attached database `live`: keep `live`'s history, keep
    each live row the restored tables no longer hold as superseded by `load_id`, and mark each
    restored row the live tables did not hold as brought back by `load_id`."""
    create_history_tables(con)
    for kind in FILE_KINDS:
        table, history = kind.table, history_table(kind.table)
        if has_table(con, live, history):
            con.execute(f"DELETE FROM {history}")
            con.execute(f"INSERT INTO {history} BY NAME SELECT * FROM {live}.{history}")
        if not has_table(con, live, table):
            continue
        live_columns = set(_columns(con, table, live))
        columns = _quoted([c for c in _columns(con, table) if c in live_columns])
        con.execute(
            f"INSERT INTO {history} ({columns}, superseded_by) SELECT {columns}, ? FROM "
            f"(SELECT {columns} FROM {live}.{table} EXCEPT ALL SELECT {columns} FROM {table})",
            [load_id])
        keys = _quoted(kind.key)
        key_match = " AND ".join(f't."{k}" = d."{k}"' for k in kind.key)
        con.execute(
            f"UPDATE {table} t SET load_id = ? FROM (SELECT {keys} FROM (SELECT {columns} FROM "
            f"{table} EXCEPT ALL SELECT {columns} FROM {live}.{table})) d WHERE {key_match}",
            [load_id])


def has_table(con: duckdb.DuckDBPyConnection, database: str, table: str) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = ? "
                       "AND schema_name = 'main' AND table_name = ?", [database, table]).fetchone()[0] > 0


def _columns(con: duckdb.DuckDBPyConnection, table: str, database: str | None = None) -> list[str]:
    return [name for name, _ in _typed_columns(con, table, database)]


def _typed_columns(con: duckdb.DuckDBPyConnection, table: str,
                   database: str | None = None) -> list[tuple[str, str]]:
    database = database or con.execute("SELECT current_database()").fetchone()[0]
    return [tuple(row) for row in con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = ? "
        "AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
        [database, table]).fetchall()]


def _quoted(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def export_history(db_path: Path | str, folder: Path | str) -> list[Path]:
    """Write every history table, the load log and the publications as CSV files into `folder`
    (`measures_history.csv`, ..., `load_log.csv`, `published_reports.csv`); returns the files."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with duckdb.connect(str(db_path), read_only=True) as con:
        database = con.execute("SELECT current_database()").fetchone()[0]
        tables = [history_table(kind.table) for kind in FILE_KINDS] + ["load_log", "published_reports"]
        for table in tables:
            if not has_table(con, database, table):
                continue
            target = folder / f"{table}.csv"
            con.execute(f"COPY (SELECT * FROM {table} ORDER BY ALL) TO '{_sql_path(target)}' (HEADER, DELIMITER ',')")
            written.append(target)
    return written


def _sql_path(path: Path) -> str:
    """A file name inside a SQL string literal (COPY takes no parameter for its target)."""
    return str(path).replace("'", "''")
