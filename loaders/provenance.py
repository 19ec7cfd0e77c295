"""Who changed the figures, and how: the audit fields every `load_log` row carries."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

COMMAND_LINE = "command line"
UPLOAD = "upload"
RESTORE = "restore"
LOAD_SOURCES: tuple[str, ...] = (COMMAND_LINE, UPLOAD, RESTORE)


def os_user() -> str:
    """The account running the command: the command line's analyst."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return "unknown OS user"


@dataclass(frozen=True)
class Actor:
    """Who made a change and from where, as `load_log` records it."""

    name: str
    source: str = COMMAND_LINE

    def __post_init__(self) -> None:
        if self.source not in LOAD_SOURCES:
            raise ValueError(f"unknown load source {self.source!r}: expected one of {', '.join(LOAD_SOURCES)}")
        if not self.name.strip():
            raise ValueError("a change needs the name of who made it")


def command_line_actor() -> Actor:
    return Actor(os_user(), COMMAND_LINE)
