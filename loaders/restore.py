"""Undo: put an earlier version of the database back, as a logged change of its own.

The restored file keeps the whole `load_log` (the loads it undoes are still listed, so the
trail of what was loaded and by whom is never shortened) and gains a row saying who restored
which load's version. The file it replaces is kept as a version too, so a restore can be undone.
"""

from __future__ import annotations

from datetime import datetime, timezone
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from loaders.atomic import latest_load_id, staged_database
from loaders.history import has_table, supersede_all_changed
from loaders.load import LOG_COLUMNS
from loaders.provenance import RESTORE, Actor
from loaders.versions import KeptVersion, file_sha256, find_version, kept_versions, live_path

RESTORED_TABLES = "all tables"


@dataclass
class RestoreReport:
    ok: bool
    message: str
    restored_load_id: int | None = None
    load_id: int | None = None

    def to_text(self) -> str:
        return self.message + "\n"

    def to_dict(self) -> dict:
        return asdict(self)


class _NotRestorable(Exception):
    pass


def restore_version(db_path: Path | str, load_id: int, actor: Actor) -> RestoreReport:
    """Make the database what it was after load `load_id`, if that version is kept."""
    db_path = live_path(db_path)
    version = find_version(db_path, load_id)
    if not db_path.exists():
        return RestoreReport(False, f"There is no database at {db_path.name} to restore into.")
    if version is None:
        return RestoreReport(False, _not_kept_message(db_path, load_id))
    try:
        with staged_database(db_path, start_from=version.path) as con:
            new_load_id = _log_restore(con, db_path, version, Actor(actor.name, RESTORE))
    except _NotRestorable as reason:
        return RestoreReport(False, str(reason))
    return RestoreReport(True, f"Restored the figures as they were after load {load_id} "
                               f"(recorded as load {new_load_id}).", load_id, new_load_id)


def _not_kept_message(db_path: Path, load_id: int) -> str:
    kept = [str(v.load_id) for v in kept_versions(db_path)]
    listed = ", ".join(kept) if kept else "none yet"
    return f"No earlier version after load {load_id} is kept. Versions kept (after load): {listed}."


def _log_restore(con: duckdb.DuckDBPyConnection, db_path: Path, version: KeptVersion,
                 actor: Actor) -> int:
    """Carry over the live file's later log rows, then log the restore itself."""
    con.execute("ATTACH ? AS live (READ_ONLY)", [str(db_path)])
    try:
        live_latest = con.execute("SELECT max(load_id) FROM live.load_log").fetchone()[0]
        if live_latest == version.load_id:
            raise _NotRestorable(f"The database is already as it was after load {version.load_id}.")
        restored_latest = latest_load_id(con) or 0
        live_columns = {r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'live' "
            "AND table_name = 'load_log'").fetchall()}
        carried = ", ".join(c if c in live_columns else f"NULL AS {c}" for c in LOG_COLUMNS)
        con.execute(f"INSERT INTO load_log ({', '.join(LOG_COLUMNS)}) "
                    f"SELECT {carried} FROM live.load_log WHERE load_id > ?", [restored_latest])
        new_load_id = max(live_latest or 0, restored_latest) + 1
        # The figures the restore takes away are kept, as a load's replaced rows are.
        supersede_all_changed(con, "live", new_load_id)
        _carry_publications(con)
    finally:
        con.execute("DETACH live")
    con.execute(
        f"INSERT INTO load_log ({', '.join(LOG_COLUMNS)}) "
        "VALUES (?, ?, ?, ?, ?, '', 0, 0, 0, ?, ?, ?)",
        [new_load_id, datetime.now(timezone.utc).replace(tzinfo=None), version.path.name, file_sha256(version.path), RESTORED_TABLES,
         actor.name, actor.source, version.load_id],
    )
    return new_load_id


def _carry_publications(con: duckdb.DuckDBPyConnection) -> None:
    """What the Panel was shown stays recorded when the figures go back to before it."""
    if not has_table(con, "live", "published_reports"):
        return
    con.execute("INSERT INTO published_reports SELECT * FROM live.published_reports "
                "EXCEPT SELECT * FROM published_reports")
