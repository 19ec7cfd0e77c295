"""All-or-nothing writes: build the new database beside the live one, then swap it in.

The live file is never opened for writing. A load copies it to `NAME.new.duckdb`, writes
there, checkpoints and closes, then `os.replace`s the copy onto the live name: one atomic
rename. A failed or interrupted load deletes the copy and leaves the live file byte-for-byte
as it was; a reader that opened the live file before the swap keeps reading the old data.
The file replaced is kept as an earlier version (`loaders.versions`), so a load can be undone.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from loaders.schema import create_schema
from loaders.versions import keep_version, live_path, prune_versions


class LoadInProgress(Exception):
    """Another load or restore holds the database's writer lock."""


def staging_path(db_path: Path) -> Path:
    """Where a load builds the next version of `db_path`."""
    return db_path.with_name(f"{db_path.stem}.new{db_path.suffix or '.duckdb'}")


def _remove_quietly(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _retire_wal(live_wal: Path) -> None:
    """The live file's WAL is in the new version already; beside it DuckDB would refuse to
    open the new file (the WAL belongs to an older one)."""
    _remove_quietly(live_wal)


def _lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def _say_waiting(db_path: Path) -> None:
    print(f"Waiting for another load of {db_path.name} to finish...", file=sys.stderr, flush=True)


@contextlib.contextmanager
def writer_lock(db_path: Path, wait: bool = True,
                on_wait: Callable[[Path], None] = _say_waiting) -> Iterator[None]:
    """One writer at a time per database: a second load says it is waiting, then waits for the
    first to finish (or, with `wait=False`, raises LoadInProgress)."""
    with open(_lock_path(db_path), "a+") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise LoadInProgress(f"another load of {db_path.name} is running") from None
            on_wait(db_path)
            fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def load_in_progress(db_path: Path | str) -> bool:
    """Whether a load or restore is writing `db_path` now."""
    live = live_path(db_path)
    if not _lock_path(live).exists():
        return False
    try:
        with writer_lock(live, wait=False):
            return False
    except LoadInProgress:
        return True


def quiet_connect(path: Path | str = ":memory:", **kwargs) -> duckdb.DuckDBPyConnection:  # noqa: ANN003
    """A connection that prints no progress bar into the loader's output."""
    con = duckdb.connect(str(path), **kwargs)
    con.execute("SET enable_progress_bar = false")
    return con


def latest_load_id(con: duckdb.DuckDBPyConnection) -> int | None:
    return con.execute("SELECT max(load_id) FROM load_log").fetchone()[0]


def _latest_load_id_of(path: Path) -> int | None:
    if not path.exists():
        return None
    with quiet_connect(path, read_only=True) as live:
        return latest_load_id(live)


@contextlib.contextmanager
def staged_database(db_path: Path | str, start_from: Path | None = None
                    ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a copy of `db_path` (or of `start_from`, an earlier version),
    swapped in only if the block succeeds. The file it replaces is kept as a version."""
    db_path = live_path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_path(db_path)
    staging_wal = staging.with_name(staging.name + ".wal")
    live_wal = db_path.with_name(db_path.name + ".wal")
    with writer_lock(db_path):
        _remove_quietly(staging, staging_wal)  # left by a load that was killed
        replaced_load_id = None
        if start_from is not None:
            replaced_load_id = _latest_load_id_of(db_path)
            shutil.copyfile(start_from, staging)
        elif db_path.exists():
            shutil.copyfile(db_path, staging)
            if live_wal.exists():  # changes not yet checkpointed belong to the live version
                shutil.copyfile(live_wal, staging_wal)
        try:
            con = quiet_connect(staging)
        except BaseException:  # not a DuckDB file, say: leave nothing behind
            _remove_quietly(staging, staging_wal)
            raise
        try:
            create_schema(con)
            if start_from is None:
                replaced_load_id = latest_load_id(con)
            yield con
            con.execute("CHECKPOINT")
            con.close()
            _fsync(staging)
            if db_path.exists() and replaced_load_id is not None:
                keep_version(db_path, replaced_load_id)
            _retire_wal(live_wal)
            os.replace(staging, db_path)
            _fsync(db_path.parent)
        except BaseException:
            con.close()
            _remove_quietly(staging, staging_wal)
            raise
        with contextlib.suppress(OSError):  # the load has landed; an old version left is harmless
            prune_versions(db_path)
