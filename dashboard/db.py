"""One door to the database: locate it, open it read-only, run parameterised SQL.

Values always travel as bound parameters; no SQL is ever built from user text.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:  # `.df()` imports pandas when a query runs: the loader's command line never does
    import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "data" / "dashboard.duckdb"


def database_path() -> Path:
    """The database the app reads: `DASHBOARD_DB` if set, else data/dashboard.duckdb."""
    configured = os.environ.get("DASHBOARD_DB")
    if not configured:
        return DEFAULT_DB
    path = Path(configured)
    return path if path.is_absolute() else (PROJECT_ROOT / path)


@dataclass(frozen=True)
class DatabaseVersion:
    """Identifies one version of the database file: a swap-in changes the inode and mtime."""

    path: str
    inode: int
    mtime_ns: int
    size: int


def database_version(path: Path) -> DatabaseVersion | None:
    """The file's current version, or None when no database has been loaded yet."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return DatabaseVersion(str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)


def missing_database_error(path: Path) -> str | None:
    """What a command line says when `path` holds no database yet; None when it exists."""
    if path.exists():
        return None
    return f"no database at {path}; load extracts first (make load)"


def connect_readonly(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection: many coexist, and none blocks a loader's swap."""
    return duckdb.connect(str(path), read_only=True)


def query(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | tuple = ()) -> pd.DataFrame:
    """Run parameterised SQL on a cursor of its own (safe when threads share `con`)."""
    cursor = con.cursor()
    try:
        return cursor.execute(sql, list(params)).df()
    finally:
        cursor.close()


def has_data(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether anything has been loaded (the app shows how to load data otherwise)."""
    tables = query(con, "SELECT table_name FROM information_schema.tables WHERE table_name = 'load_log'")
    if tables.empty:
        return False
    return bool(query(con, "SELECT count(*) AS n FROM load_log")["n"].iloc[0] > 0)


def as_date(value: object) -> date:
    """A DATE (or TIMESTAMP) cell of a query's frame as a `date`: `.df()` gives Timestamps."""
    if isinstance(value, datetime):  # a pandas Timestamp is a datetime
        return value.date()
    return value  # type: ignore[return-value]


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether the database has `table` (one loaded before a record's extract existed has not,
    until its next load adds it)."""
    return bool(query(con, "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = ? "
                           "AND table_schema = 'main'", [table])["n"].iloc[0])
