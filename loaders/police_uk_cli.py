"""`python -m loaders.police_uk PATH... [--db FILE] [--extracts-out DIR]`.

Counts data.police.uk street-level files into monthly series, loads them like any extract,
prints what was read and the load report; exits 0, or 1 when nothing was loaded.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from dashboard.db import DEFAULT_DB
from loaders.police_uk import StreetCrimeError, import_street_crime, summary_text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m loaders.police_uk",
        description="Load monthly crime counts from data.police.uk street-level CSV files.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="street-level CSV files, or folders searched for *-street.csv")
    parser.add_argument("--db", type=Path, default=DEFAULT_DB,
                        help=f"database file (default: {DEFAULT_DB})")
    parser.add_argument("--extracts-out", type=Path, metavar="DIR",
                        help="also keep the measures and series extracts in this folder")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        counts, report = import_street_crime(args.paths, args.db, args.extracts_out)
    except StreetCrimeError as error:
        print(f"Nothing loaded: {len(error.messages)} error(s) in the street-level files. "
              f"The database is unchanged.")
        for message in error.messages:
            print(f"  {message}")
            print(f"error: {message}", file=sys.stderr)
        return 1
    print(summary_text(counts))
    if args.extracts_out is not None:
        print(f"Extracts written to {args.extracts_out}")
    print()
    return report.print_for_cli()


if __name__ == "__main__":
    sys.exit(main())
