"""Publishing a report to the Panel: what it showed is frozen, and later loads become revisions.

A publication records the report period, the last load whose figures it showed, who published
it and for which meeting. The database as it stood then is kept whole beside the live one
(`NAME.published/`, a hard link where the filesystem allows, so it costs nothing until the next
load), with its SHA-256, and so is the pack built for the meeting when there is one. Any page can
then show the report "as reported to the Panel" from that file, byte for byte, and list every
figure a later load changed (`dashboard.revisions`).
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb

from loaders.atomic import latest_load_id, staged_database
from loaders.provenance import Actor
from loaders.versions import file_sha256, link_or_copy, live_path

PUBLISHED_SUFFIX = ".published"


@dataclass
class PublishReport:
    ok: bool
    message: str
    period: str | None = None
    as_of_load_id: int | None = None
    frozen_file: str | None = None
    pack_file: str | None = None

    def to_text(self) -> str:
        return self.message + "\n"

    def to_dict(self) -> dict:
        return asdict(self)


class _NotPublishable(Exception):
    pass


def published_dir(db_path: Path | str) -> Path:
    live = live_path(db_path)
    return live.with_name(f"{live.stem}{PUBLISHED_SUFFIX}")


def frozen_path(db_path: Path | str, frozen_file: str) -> Path:
    """Where a publication's frozen database (or pack) is kept."""
    return published_dir(db_path) / Path(frozen_file).name


def publish_report(db_path: Path | str, period: date, actor: Actor, meeting_date: date | None = None,
                   pack_path: Path | None = None) -> PublishReport:
    """Mark `period`'s report as published to the Panel with the figures loaded now."""
    db_path = live_path(db_path)
    if not db_path.exists():
        return PublishReport(False, f"There is no database at {db_path.name} to publish from.")
    shown = period.strftime("%b %Y")
    try:
        with staged_database(db_path) as con:  # holds the one-writer lock until the swap
            as_of = _publishable(con, period)
            frozen = _freeze(db_path, period, as_of)
            pack_name, pack_sha = _keep_pack(db_path, period, as_of, pack_path)
            _record(con, period, as_of, actor, meeting_date, frozen, pack_name, pack_sha)
    except _NotPublishable as reason:
        return PublishReport(False, str(reason), period.isoformat())
    meeting = f" for the meeting on {meeting_date.day} {meeting_date:%B %Y}" if meeting_date else ""
    return PublishReport(True, f"Published the {shown} report{meeting} with the figures of load {as_of}. "
                               f"Later loads that change them are shown as revisions.",
                         period.isoformat(), as_of, frozen.name, pack_name)


def _publishable(con: duckdb.DuckDBPyConnection, period: date) -> int:
    """The load whose figures a publication of `period` now would show."""
    as_of = latest_load_id(con)
    if as_of is None or not _has_report(con, period):
        raise _NotPublishable(f"Nothing is loaded for {period:%b %Y}: there is no report to publish.")
    if con.execute("SELECT count(*) FROM published_reports WHERE period = ? AND as_of_load_id = ?",
                   [period, as_of]).fetchone()[0]:
        raise _NotPublishable(f"The {period:%b %Y} report is already published with the figures of "
                              f"load {as_of}.")
    return as_of


def _freeze(db_path: Path, period: date, as_of: int) -> Path:
    """The live file, which the staged load has not replaced yet, kept as the frozen report."""
    folder = published_dir(db_path)
    folder.mkdir(exist_ok=True)
    target = folder / f"{period:%Y-%m}-after-load-{as_of:06d}.duckdb"
    if not target.exists():
        link_or_copy(db_path, target)
    return target


def _has_report(con: duckdb.DuckDBPyConnection, period: date) -> bool:
    return con.execute("SELECT (SELECT count(*) FROM measures WHERE period = ?) "
                       "+ (SELECT count(*) FROM reports WHERE period = ?)", [period, period]).fetchone()[0] > 0


def _keep_pack(db_path: Path, period: date, as_of: int, pack_path: Path | None) -> tuple[str | None, str | None]:
    if pack_path is None:
        return None, None
    target = published_dir(db_path) / f"{period:%Y-%m}-after-load-{as_of:06d}{pack_path.suffix}"
    shutil.copyfile(pack_path, target)
    return target.name, file_sha256(target)


def _record(con: duckdb.DuckDBPyConnection, period: date, as_of: int, actor: Actor,
            meeting_date: date | None, frozen: Path, pack_name: str | None, pack_sha: str | None) -> None:
    con.execute(
        "INSERT INTO published_reports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [period, as_of, datetime.now(timezone.utc).replace(tzinfo=None), actor.name, meeting_date,
         frozen.name, file_sha256(frozen), pack_name, pack_sha])
