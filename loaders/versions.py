"""Earlier versions of the database, kept beside it so that any load can be undone.

Before a load or a restore swaps a new file in, the live file is kept as
`NAME.versions/after-load-N.duckdb` (N: the last load it holds). The live file is never
written in place, so a hard link keeps it at no cost in time; a copy is made only where a link
cannot be. The newest `DASHBOARD_KEEP_VERSIONS` (default 10) are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

KEEP_VERSIONS_ENV = "DASHBOARD_KEEP_VERSIONS"
DEFAULT_KEEP_VERSIONS = 10
_VERSION_NAME = re.compile(r"^after-load-(\d+)\.duckdb$")


@dataclass(frozen=True)
class KeptVersion:
    """The database as it stood after load `load_id`."""

    load_id: int
    path: Path
    size: int


def live_path(db_path: Path | str) -> Path:
    """The file a load replaces: a symlinked database updates the file it points to."""
    return Path(os.path.realpath(db_path))


def versions_dir(db_path: Path | str) -> Path:
    live = live_path(db_path)
    return live.with_name(f"{live.stem}.versions")


def keep_count() -> int:
    """How many earlier versions to keep: `DASHBOARD_KEEP_VERSIONS`, at least 1."""
    configured = os.environ.get(KEEP_VERSIONS_ENV, "").strip()
    if not configured:
        return DEFAULT_KEEP_VERSIONS
    try:
        return max(1, int(configured))
    except ValueError:
        raise ValueError(f"{KEEP_VERSIONS_ENV} must be a whole number, not {configured!r}") from None


def kept_versions(db_path: Path | str) -> list[KeptVersion]:
    """Every kept version, newest load first."""
    folder = versions_dir(db_path)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _VERSION_NAME.match(path.name)
        if match and path.is_file():
            found.append(KeptVersion(int(match.group(1)), path, path.stat().st_size))
    return sorted(found, key=lambda v: v.load_id, reverse=True)


def find_version(db_path: Path | str, load_id: int) -> KeptVersion | None:
    return next((v for v in kept_versions(db_path) if v.load_id == load_id), None)


def keep_version(db_path: Path | str, load_id: int) -> Path:
    """Keep the live file as the version after `load_id` (before it is replaced)."""
    live = live_path(db_path)
    folder = versions_dir(live)
    folder.mkdir(exist_ok=True)
    target = folder / f"after-load-{load_id:06d}.duckdb"
    if target.exists():
        return target
    return link_or_copy(live, target)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read a megabyte at a time (a database can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def link_or_copy(live: Path, target: Path) -> Path:
    """`target` becomes the live file as it is now, at no cost where a hard link can be made
    (the live file is never written in place); with its WAL, a copy of both."""
    live_wal = live.with_name(live.name + ".wal")
    partial = target.with_name(target.name + ".partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    if live_wal.exists():  # the version is the file and its WAL together: a copy of both
        shutil.copyfile(live, partial)
        shutil.copyfile(live_wal, partial.with_name(target.name + ".wal"))
    else:
        try:
            os.link(live, partial)
        except OSError:  # a filesystem without hard links
            shutil.copyfile(live, partial)
    os.replace(partial, target)
    return target


def prune_versions(db_path: Path | str, keep: int | None = None) -> list[Path]:
    """Delete all but the newest `keep` versions; returns what was deleted."""
    keep = keep_count() if keep is None else keep
    removed = []
    for version in kept_versions(db_path)[keep:]:
        for path in (version.path, version.path.with_name(version.path.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
    return removed
