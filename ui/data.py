"""The app's door to the database: one read-only connection per file version, cached queries,
and figures and tables built once per file version for every session (`cached_view`).

A loader swaps a new file in with `os.replace`; the next page run sees a new
`database_version` and reconnects, so no restart is needed. DuckDB hands a second
`connect` to the same path the instance already open in this process, so the old
connection is closed before the new one is opened.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import streamlit as st

from dashboard import db
from ui.navigation import ensure_frame
from ui.shared_cache import SharedCache, fingerprint

T = TypeVar("T")

LOAD_SAMPLE_COMMAND = "make run"
LOAD_COMMAND = ".venv/bin/python -m loaders PATH/TO/EXTRACTS --db data/dashboard.duckdb"


class _ConnectionHolder:
    """The process's one read-only connection, reopened when the file's version changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: db.DatabaseVersion | None = None
        self._con: duckdb.DuckDBPyConnection | None = None

    def connection_for(self, version: db.DatabaseVersion) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._con is None or version != self._version:
                self._close_locked()
                self._con = db.connect_readonly(version.path)
                self._version = version
            return self._con

    def close(self) -> None:
        with self._lock:
            self._close_locked()

    def _close_locked(self) -> None:
        if self._con is not None:
            self._con.close()
        self._con = None
        self._version = None


@st.cache_resource(show_spinner=False)
def _holder() -> _ConnectionHolder:
    return _ConnectionHolder()


def _current_version() -> db.DatabaseVersion | None:
    return db.database_version(db.database_path())


def current_connection() -> duckdb.DuckDBPyConnection | None:
    """The read-only connection to the current database file, or None when there is none."""
    ensure_frame()
    version = _current_version()
    if version is None:
        _holder().close()
        return None
    try:
        return _holder().connection_for(version)
    except duckdb.Error:
        # A file caught mid-swap or not a database: treated as "no data" rather than a crash.
        return None


#: Where this page run's figures come from: absent for the live database, else the path of a
#: published report's frozen file (`read_figures_from`); app.py resets it before every page run.
_FIGURES_FILE_KEY = "_figures_file"


def read_figures_from(frozen: Path | None) -> None:
    """Make every later `cached_query` of this page run read `frozen` (a published report's
    database as the Panel was shown it), or the live database again with None."""
    if frozen is None:
        st.session_state.pop(_FIGURES_FILE_KEY, None)
    else:
        st.session_state[_FIGURES_FILE_KEY] = str(frozen)


def figures_file() -> Path | None:
    """The frozen file this page run reads, or None for the live database."""
    chosen = st.session_state.get(_FIGURES_FILE_KEY)
    return Path(chosen) if chosen else None


@st.cache_resource(show_spinner=False, max_entries=16)
def _frozen_connection(path: str, inode: int, mtime_ns: int) -> duckdb.DuckDBPyConnection:
    """A read-only connection per frozen file: published files never change, so it stays open."""
    return db.connect_readonly(path)


def _connection_for(version_key: tuple) -> duckdb.DuckDBPyConnection | None:
    if version_key and version_key[0] == "frozen":
        return _frozen_connection(*version_key[1:4])
    return current_connection()


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_call(version_key: tuple, func_name: str, _func: Callable[..., Any], args: tuple) -> Any:
    con = _connection_for(version_key)
    if con is None:
        raise RuntimeError("The database disappeared while a query was running.")
    return _func(con, *args)


def _version_key(frozen: Path | None) -> tuple:
    """Which file a cached result came from: the live database's version, or a frozen file's,
    so that results of the two never share a cache entry."""
    if frozen is not None:
        version = db.database_version(frozen)
        if version is not None:
            return ("frozen", version.path, version.inode, version.mtime_ns)
    version = _current_version()
    return ("live", version.path, version.inode, version.mtime_ns, version.size) if version else ()


def _run_cached(version_key: tuple, func: Callable[..., T], args: tuple) -> T:
    func_name = f"{func.__module__}.{func.__qualname__}"
    try:
        return _cached_call(version_key, func_name, func, args)
    except duckdb.ConnectionException:
        # Another session reconnected to a newer file under this query: run it once more.
        return _cached_call(version_key, func_name, func, args)


def cached_query(func: Callable[..., T], *args: Any) -> T:
    """`func(con, *args)` memoised per database version; args must be hashable. It reads the
    figures this page run shows: the live database, or a published report's frozen file when
    the reader chose "as reported to the Panel" (`read_figures_from`)."""
    return _run_cached(_version_key(figures_file()), func, args)


def figures_connection() -> duckdb.DuckDBPyConnection | None:
    """The connection `cached_query` reads this page run: the frozen file when the reader chose
    "as reported", else the live database (for work that cannot be cached, e.g. building a pack)."""
    return _connection_for(_version_key(figures_file()))


def cached_live_query(func: Callable[..., T], *args: Any) -> T:
    """`cached_query` on the live database whatever figures the page shows (publications,
    revisions: what the frozen file cannot know)."""
    return _run_cached(_version_key(None), func, args)


def cached_frozen_query(frozen: Path, func: Callable[..., T], *args: Any) -> T:
    """`cached_query` on one frozen file, e.g. a series as it stood at publication."""
    return _run_cached(_version_key(frozen), func, args)


@st.cache_resource(show_spinner=False)
def _views() -> SharedCache:
    return SharedCache(max_entries=256)


def cached_view(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`func(*args, **kwargs)` (a figure or table built from query results) built once for every session
    while the figures it reads stay the same, and handed to each as the same object: do not
    change what it returns (show it, or copy it first).

    The key is the version of the file this page run reads (the live database, or a published
    report's frozen file), the function and a fingerprint of the arguments' contents
    (`ui.shared_cache.fingerprint`): a swapped-in load, another filter or differently filtered
    rows build anew. Arguments that cannot be fingerprinted are an error, never a stale hit."""
    key = (_version_key(figures_file()), f"{func.__module__}.{func.__qualname__}",
           fingerprint((args, sorted(kwargs.items()))))
    return _views().get_or_compute(key, lambda: func(*args, **kwargs))


def database_is_empty(con: duckdb.DuckDBPyConnection | None) -> bool:
    """True when there is no database, it cannot be read, or nothing has been loaded into it."""
    if con is None:
        return True
    try:
        return not db.has_data(con)
    except duckdb.Error:
        return True


def show_no_data_panel() -> None:
    """How to load data: the exact commands, for an empty or missing database."""
    with st.container(border=True):
        st.subheader("No data loaded yet")
        st.text(f"The dashboard reads {_shown_path(db.database_path())}, which holds no loaded extracts yet.")
        st.text("To load the sample extracts and start the app:")
        st.code(LOAD_SAMPLE_COMMAND, language=None, wrap_lines=True)  # shell colours fall below 4.5:1
        st.text("To load your own extracts (CSV files or folders):")
        st.code(LOAD_COMMAND, language=None, wrap_lines=True)
        st.text(
            "Or, as an analyst, upload extracts on the Data page. Set DASHBOARD_DB to read another database file; "
            "a newly loaded file is picked up without restarting the app."
        )


def _shown_path(path) -> str:  # noqa: ANN001
    """The database's name as a reader may see it: inside the project, relative; else the name alone."""
    try:
        return str(path.resolve().relative_to(db.PROJECT_ROOT))
    except ValueError:
        return path.name


def require_data() -> duckdb.DuckDBPyConnection:
    """The connection; or, when there is no data, the how-to-load panel and a stopped page."""
    for _ in range(2):
        con = current_connection()
        try:
            # Once per file version, not twice a page run (two queries on the live database).
            empty = con is None or not cached_live_query(db.has_data)
        except RuntimeError:
            empty = True  # the file went away under the query
        except duckdb.ConnectionException:
            # Another session reconnected to a newer file under this check: look again.
            continue
        except duckdb.Error:
            empty = True
        if not empty:
            return con
        break
    show_no_data_panel()
    st.stop()


def clear_caches() -> None:
    """Forget cached queries and the connection, e.g. after an upload swapped a new file in."""
    _cached_call.clear()
    _views().clear()
    _holder().close()
