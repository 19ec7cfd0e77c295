"""How long the data.police.uk import takes against DuckDB reading and grouping the same files.

    .venv/bin/python benchmarks/bench_police_uk.py [FOLDER] [--repeat N]

Times, best of N runs: (1) counting alone, (2) the full import (count, write the extracts,
validate and load them into a fresh database), and (3) DuckDB's own `read_csv` plus a
GROUP BY month, LSOA name and crime type over the same files: the floor for any import.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from loaders.police_uk import count_street_crime, find_street_files, import_street_crime  # noqa: E402

DEFAULT_FOLDER = PROJECT_ROOT.parent / "shared" / "police-uk"

RAW_SQL = """
SELECT "Month", "LSOA name", "Crime type", count(*) AS n
FROM read_csv(?, header = true, all_varchar = true, union_by_name = true)
GROUP BY ALL
"""


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def raw_duckdb(files: list[Path]) -> int:
    con = duckdb.connect()
    try:
        return len(con.execute(RAW_SQL, [[str(f) for f in files]]).fetchall())
    finally:
        con.close()


def full_import(files: list[Path]) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-police-uk-") as folder:
        _, report = import_street_crime(files, Path(folder) / "bench.duckdb")
        if not report.ok:
            raise SystemExit(report.to_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = find_street_files([args.folder])
    counts = count_street_crime(files)
    print(f"{len(files)} files, {counts.rows:,} rows, {len(counts.months)} months, "
          f"{len(counts.series):,} series rows; best of {args.repeat}")
    raw = best_of(args.repeat, lambda: raw_duckdb(files))
    counting = best_of(args.repeat, lambda: count_street_crime(files))
    imported = best_of(args.repeat, lambda: full_import(files))
    print(f"DuckDB read_csv + GROUP BY:          {raw:6.2f} s")
    print(f"Counting (validate + aggregate):     {counting:6.2f} s  ({counting / raw:.2f}x DuckDB)")
    print(f"Full import into a fresh database:   {imported:6.2f} s  ({imported / raw:.2f}x DuckDB)")


if __name__ == "__main__":
    main()
