"""How long the data.police.uk import takes against DuckDB reading and grouping the same files.

    .venv/bin/python benchmarks/bench_police_uk.py [FOLDER] [--repeat N]

Times, best of N runs: DuckDB's own `read_csv` plus a GROUP BY month, LSOA name and crime
type over the same files (the floor for any import; also with the importer's fixed CSV
dialect), then counting alone, then the full import (count, write the extracts, validate and
load them into a fresh database). Ratios are against both DuckDB reads; the first is the
anchor. The import has no aim of its own; it loads through the loader, so it takes the
loader's: at least half DuckDB's speed (import time at most twice the anchor's).
Ends with MET or MISSED (benchmarks/aims.py) and exits 1 when it is missed.
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

from benchmarks.aims import Aims, against_anchor  # noqa: E402
from loaders.police_uk import (  # noqa: E402  (after the path is set)
    count_street_crime,
    find_street_files,
    import_street_crime,
)

#: The import at least half as fast as DuckDB reading and grouping the same files (the loader's aim).
SPEED_AIM = 0.5
DEFAULT_FOLDER = PROJECT_ROOT.parent / "shared" / "police-uk"

# Kept in DuckDB, as the import keeps its counts: fetching 100,000 groups into Python would
# time the conversion instead.
RAW_SQL = """
CREATE OR REPLACE TEMP TABLE raw_counts AS
SELECT "Month", "LSOA name", "Crime type", count(*) AS n
FROM read_csv(?, header = true, all_varchar = true, union_by_name = true)
GROUP BY ALL
"""
#: The same with the importer's fixed dialect, which spares DuckDB sniffing each file.
FIXED_DIALECT_SQL = RAW_SQL.replace(
    "union_by_name = true)",
    "union_by_name = true, delim = ',', quote = '\"', escape = '\"', strict_mode = true)")


def best_times(repeat: int, runs: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Best time of each run; rounds interleave the runs so a busy spell hits them all alike."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def raw_duckdb(files: list[Path], sql: str = RAW_SQL) -> int:
    con = duckdb.connect()
    try:
        con.execute(sql, [[str(f) for f in files]])
        return con.execute("SELECT count(*) FROM raw_counts").fetchone()[0]
    finally:
        con.close()


def full_import(files: list[Path]) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-police-uk-") as folder:
        _, report = import_street_crime(files, Path(folder) / "bench.duckdb")
        if not report.ok:
            raise SystemExit(report.to_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    files = find_street_files([args.folder])
    counts = count_street_crime(files)
    print(f"{len(files)} files, {counts.rows:,} rows, {len(counts.months)} months, "
          f"{len(counts.series):,} series rows; best of {args.repeat}")
    times = best_times(args.repeat, {
        "raw": lambda: raw_duckdb(files),
        "fixed": lambda: raw_duckdb(files, FIXED_DIALECT_SQL),
        "counting": lambda: count_street_crime(files),
        "imported": lambda: full_import(files),
    })
    raw, fixed, counting, imported = (times[k] for k in ("raw", "fixed", "counting", "imported"))
    ours = [("counting (validate + aggregate)", counting), ("full import into a fresh database", imported)]
    against_anchor(("DuckDB read_csv + GROUP BY", raw), ours)
    against_anchor(("DuckDB, the fixed dialect (no sniffing)", fixed), ours)
    aims = Aims()
    aims.at_least("full import speed against DuckDB's read_csv + GROUP BY of the same files", raw / imported,
                  SPEED_AIM, note=f" ({imported:.2f} s against {raw:.2f} s)")
    return aims.finish()


if __name__ == "__main__":
    sys.exit(main())
