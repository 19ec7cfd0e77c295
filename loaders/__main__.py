"""`python -m loaders PATH... [--db FILE]`: load extracts and print the load report.

Also `--check` (check only), `--versions` (the earlier versions kept), `--restore LOAD_ID`
(put the database back as it was after that load) and `--publish PERIOD [--meeting DATE]`
(mark a report as published to the Panel, freezing what it showed). Exits 0 when it did what was asked, 1 when
nothing was changed because of errors (each one is also written to stderr), 2 for a usage
mistake.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb

from dashboard.db import DEFAULT_DB, missing_database_error
from loaders import values
from loaders.contract import FILE_KINDS
from loaders.history import export_history
from loaders.load import load_extracts, validate_extracts
from loaders.provenance import LOAD_SOURCES, Actor, command_line_actor
from loaders.publish import publish_report
from loaders.restore import restore_version
from loaders.versions import kept_versions


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m loaders",
        description=f"Check CSV extracts ({', '.join(f'{kind.prefix}*.csv' for kind in FILE_KINDS)}, "
        "or folders holding them) and load them into the dashboard's database, "
        "all or nothing. Every load is logged with who ran it; the database it replaces is "
        "kept, so a load can be undone with --restore.",
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="extract files or folders")
    parser.add_argument("--db", type=Path, default=DEFAULT_DB,
                        help=f"database file (default: {DEFAULT_DB})")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--check", action="store_true",
                        help="only check the files; write nothing")
    action.add_argument("--restore", type=int, metavar="LOAD_ID",
                        help="put the database back as it was after load LOAD_ID (see --versions)")
    action.add_argument("--versions", action="store_true",
                        help="list the earlier versions kept, by the load they end with")
    action.add_argument("--publish", type=_month, metavar="PERIOD",
                        help="mark the report for PERIOD (e.g. 2019-01) as published to the Panel "
                             "with the figures loaded now; later changes to them are revisions")
    action.add_argument("--export-history", type=Path, metavar="FOLDER",
                        help="write every kept earlier row (*_history), the load log and the "
                             "publications as CSV files into FOLDER")
    parser.add_argument("--meeting", type=_day, metavar="DATE",
                        help="with --publish: the date of the Panel meeting (e.g. 2019-05-08)")
    # For the app, which runs uploads and restores in a child process: who asked, and from where.
    parser.add_argument("--as-user", help=argparse.SUPPRESS)
    parser.add_argument("--source", choices=LOAD_SOURCES, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    return parser


def _month(text: str) -> date:
    try:
        return values.parse_month(text).start
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a report month such as 2019-01, not {text!r} ({exc})") from None


def _day(text: str) -> date:
    try:
        return values.parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date such as 2019-05-08, not {text!r} ({exc})") from None


def _actor(args: argparse.Namespace) -> Actor:
    if args.as_user:
        return Actor(args.as_user, args.source or "command line")
    return command_line_actor()


def _print_versions(db: Path) -> int:
    versions = kept_versions(db)
    if not versions:
        print(f"No earlier versions of {db.name} are kept yet (one is kept at each load).")
        return 0
    print(f"Earlier versions of {db.name}, newest first (restore with --restore LOAD_ID):")
    for version in versions:
        print(f"  after load {version.load_id:>4}  {version.size / 1e6:8.1f} MB  {version.path.name}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.versions:
        return _print_versions(args.db)
    if args.meeting is not None and args.publish is None:
        parser.error("--meeting goes with --publish PERIOD")
    if args.export_history is not None:
        if args.paths:
            parser.error("--export-history takes no extract files")
        return _export_history(args)
    if args.publish is not None:
        if args.paths:
            parser.error("--publish takes no extract files")
        return _publish(args)
    if args.restore is None and not args.paths:
        parser.error("give extract files or folders to load, or --restore LOAD_ID, --publish PERIOD or --versions")
    if args.restore is not None and args.paths:
        parser.error("--restore takes no extract files")
    try:
        if args.restore is not None:
            report = restore_version(args.db, args.restore, _actor(args))
        elif args.check:
            report = validate_extracts(args.paths, args.db)
        else:
            report = load_extracts(args.paths, args.db, _actor(args))
    except (duckdb.Error, OSError) as exc:  # the database, not the extracts: nothing written
        print(f"error: cannot use the database {args.db}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report.to_dict()))
        return 0 if report.ok else 1
    if args.restore is not None:
        print(report.to_text(), end="", file=sys.stdout if report.ok else sys.stderr)
        return 0 if report.ok else 1
    return report.print_for_cli()


def _export_history(args: argparse.Namespace) -> int:
    if missing := missing_database_error(args.db):
        print(f"error: {missing}", file=sys.stderr)
        return 1
    try:
        written = export_history(args.db, args.export_history)
    except (duckdb.Error, OSError) as exc:
        print(f"error: cannot export the history of {args.db}: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"Wrote {path}")
    return 0


def _publish(args: argparse.Namespace) -> int:
    try:
        report = publish_report(args.db, args.publish, _actor(args), args.meeting)
    except (duckdb.Error, OSError) as exc:
        print(f"error: cannot use the database {args.db}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        print(report.to_text(), end="", file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
