"""`python -m loaders PATH... [--db FILE]`: load extracts and print the load report.

Exits 0 when the files were loaded, 1 when nothing was loaded because of errors (each one is
also written to stderr), 2 for a usage mistake.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import duckdb

from dashboard.db import DEFAULT_DB
from loaders.load import load_extracts, validate_extracts


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m loaders",
        description="Check CSV extracts (measures*.csv, series*.csv, deliverables*.csv, "
        "budget*.csv, or folders holding them) and load them into the dashboard's database, "
        "all or nothing.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="extract files or folders")
    parser.add_argument("--db", type=Path, default=DEFAULT_DB,
                        help=f"database file (default: {DEFAULT_DB})")
    parser.add_argument("--check", action="store_true",
                        help="only check the files; write nothing")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.check:
            report = validate_extracts(args.paths, args.db)
        else:
            report = load_extracts(args.paths, args.db)
    except (duckdb.Error, OSError) as exc:  # the database, not the extracts: nothing written
        print(f"error: cannot use the database {args.db}: {exc}", file=sys.stderr)
        return 1
    return report.print_for_cli()


if __name__ == "__main__":
    sys.exit(main())
