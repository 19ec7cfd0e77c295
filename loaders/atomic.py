"""All-or-nothing writes: build the new database beside the live one, then swap it in.

The live file is never opened for writing. A load copies it to `NAME.new.duckdb`, writes
there, checkpoints and closes, then `os.replace`s the copy onto the live name: one atomic
rename. A failed or interrupted load deletes the copy and leaves the live file byte-for-byte
as it was; a reader that opened the live file before the swap keeps reading the old data.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb

from loaders.schema import create_schema


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


@contextlib.contextmanager
def writer_lock(db_path: Path) -> Iterator[None]:
    """One writer at a time per database: a second load waits for the first to finish."""
    lock_path = db_path.with_name(db_path.name + ".lock")
    with open(lock_path, "a+") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


@contextlib.contextmanager
def staged_database(db_path: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a copy of `db_path`, swapped in only if the block succeeds."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_path(db_path)
    staging_wal = staging.with_name(staging.name + ".wal")
    live_wal = db_path.with_name(db_path.name + ".wal")
    with writer_lock(db_path):
        _remove_quietly(staging, staging_wal)  # left by a load that was killed
        if db_path.exists():
            shutil.copyfile(db_path, staging)
            if live_wal.exists():  # changes not yet checkpointed belong to the live version
                shutil.copyfile(live_wal, staging_wal)
        try:
            con = duckdb.connect(str(staging))
        except BaseException:  # not a DuckDB file, say: leave nothing behind
            _remove_quietly(staging, staging_wal)
            raise
        try:
            create_schema(con)
            yield con
            con.execute("CHECKPOINT")
            con.close()
            _fsync(staging)
            _retire_wal(live_wal)
            os.replace(staging, db_path)
            _fsync(db_path.parent)
        except BaseException:
            con.close()
            _remove_quietly(staging, staging_wal)
            raise
