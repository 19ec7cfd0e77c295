"""How fast the loader takes a big series extract, against DuckDB reading the same file raw.

Generates (in a temporary folder) a series extract of ROWS rows and the measures file it
needs, then times `load_extracts` into a fresh database and DuckDB's own
`CREATE TABLE t AS SELECT * FROM read_csv(...)` into another fresh database file (the anchor),
and prints rows per second for both and their ratio. The loader also checks every value,
converts months and numbers, enforces the key (no repeats in the file; stored rows replaced by
key), logs the load and writes the copy-and-swap, so it cannot match the raw read; the aim is
at least half its speed.

It also times a revising reload (the same extract with 1% of its values changed, loaded into a
database holding the original) as the loader runs it, keeping every replaced row in
`series_history`, next to the same reload with the history left out (the replace-by-key the
loader did before it kept history), in the same run: keeping history may cost at most 10%.
And it times the loader as a user runs it: the whole command, `python -m loaders ...` as a
process with its imports, on a generated extract of ROWS rows over WIDE_AREAS areas with
decimal values, next to a whole `python -c` process that has DuckDB read the same file into a
table, in the same run; the aim is again at least half DuckDB's rows per second.
Ends with MET or MISSED for each aim (benchmarks/aims.py) and exits 1 when one is missed.

    .venv/bin/python benchmarks/bench_loader.py [ROWS] [REPEATS]

Each is run REPEATS times (default 3), interleaved, each time into a new database file; the
best time of each is reported, which is the least disturbed by other work on the machine.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.aims import Aims, against_anchor  # noqa: E402
from loaders import series as series_module  # noqa: E402
from loaders.load import load_extracts  # noqa: E402

#: Keeping history may make a revising reload at most 10% slower.
HISTORY_COST_AIM = 1.10
#: One value in this many is changed in the revised extract.
REVISED_EVERY = 100
#: The whole-command extract's areas: a quarterly load's shape (many areas, rates with decimals).
WIDE_AREAS = 43

#: The loader at least half as fast as DuckDB reading the same file raw.
SPEED_AIM = 0.5
AREAS = ("Force", "City", "County", "North", "South")
MONTHS = 500


def write_extracts(folder: Path, rows: int) -> tuple[Path, Path]:
    measures_needed = -(-rows // (len(AREAS) * MONTHS))
    names = [f"Benchmark measure {i:04d}" for i in range(measures_needed)]
    measures = folder / "measures.csv"
    with measures.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["period", "theme", "measure", "polarity", "baseline", "current"])
        for name in names:
            writer.writerow(["2019-01", "Tackling crime and ASB", name, "lower_is_better", "4,872", "5,369"])
    series = folder / "series.csv"
    months = [date(1980 + m // 12, m % 12 + 1, 1).strftime("%Y-%m") for m in range(MONTHS)]
    written = 0
    with series.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["measure", "area", "period", "value"])
        for name in names:
            for area in AREAS:
                for i, month in enumerate(months):
                    if written == rows:
                        break
                    # Mostly plain counts, some as a spreadsheet formats them.
                    value = f"{(written * 7919) % 25000:,}" if i % 10 == 0 else str((written * 7919) % 25000)
                    writer.writerow([name, area, month, value])
                    written += 1
    return measures, series


def time_loader(measures: Path, series: Path, db: Path) -> float:
    start = time.perf_counter()
    report = load_extracts([measures, series], db)
    elapsed = time.perf_counter() - start
    if not report.ok:
        raise SystemExit(report.to_text())
    return elapsed


def write_revised(series: Path, folder: Path) -> Path:
    """The extract with every REVISED_EVERY-th value changed (a late-recorded crime, say)."""
    revised = folder / "revised" / "series.csv"
    revised.parent.mkdir(exist_ok=True)
    with series.open(newline="", encoding="utf-8") as source, revised.open("w", newline="", encoding="utf-8") as out:
        reader, writer = csv.reader(source), csv.writer(out)
        writer.writerow(next(reader))
        for number, row in enumerate(reader):
            if number % REVISED_EVERY == 0:
                row[3] = str(int(row[3].replace(",", "")) + 1)
            writer.writerow(row)
    return revised


def _replace_without_history(con: duckdb.DuckDBPyConnection, kind, staged: str, load_id: int,  # noqa: ANN001
                             staged_columns) -> tuple[int, int]:  # noqa: ANN001
    """The replace-by-key before history was kept: every staged key deleted, every row inserted."""
    match = " AND ".join(f't."{k}" = n."{k}"' for k in kind.key)
    columns = ", ".join(f'"{c}"' for c in staged_columns)
    replaced = con.execute(f"DELETE FROM {kind.table} t USING {staged} n WHERE {match}").fetchone()[0]
    inserted = con.execute(f"INSERT INTO {kind.table} ({columns}, load_id) SELECT {columns}, ? FROM {staged}",
                           [load_id]).fetchone()[0]
    return inserted - replaced, replaced


def time_revising_reload(measures: Path, series: Path, revised: Path, db: Path, history: bool) -> float:
    """Load the extract, then time loading its revised copy (with or without keeping history)."""
    time_loader(measures, series, db)
    if history:
        return time_loader(measures, revised, db)
    original = series_module.replace_changed
    series_module.replace_changed = _replace_without_history
    try:
        return time_loader(measures, revised, db)
    finally:
        series_module.replace_changed = original


def write_wide_extracts(folder: Path, rows: int, areas: int = WIDE_AREAS) -> tuple[Path, Path]:
    """measures.csv and a series.csv of `rows` rows over `areas` areas, values with decimals."""
    wide = folder / "wide"
    wide.mkdir(exist_ok=True)
    per_measure = areas * MONTHS
    names = [f"Rate measure {i:03d}" for i in range(-(-rows // per_measure))]
    measures = wide / "measures.csv"
    with measures.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["period", "theme", "measure", "polarity", "baseline", "current"])
        for name in names:
            writer.writerow(["2019-01", "Tackling crime and ASB", name, "lower_is_better", "33.2%", "32.7%"])
    series = wide / "series.csv"
    months = [date(1980 + m // 12, m % 12 + 1, 1).strftime("%Y-%m") for m in range(MONTHS)]
    area_names = [f"Area {a:02d}" for a in range(areas)]
    written = 0
    with series.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["measure", "area", "period", "value"])
        for name in names:
            for area in area_names:
                for month in months:
                    if written == rows:
                        break
                    writer.writerow([name, area, month, f"{(written * 7919) % 100000 / 100:.2f}"])
                    written += 1
    return measures, series


#: The processes' environment: as a user's shell has it. PYTHONDONTWRITEBYTECODE (set in some
#: sandboxes and CI images) would have Python compile every project module from source at each
#: start (about a twentieth of a second here) where a user's installation reads the cached
#: bytecode; the first of the REPEATS runs writes that cache, like a user's first run.
PROCESS_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def time_process(argv: list[str]) -> float:
    """Wall time of a whole process, start-up and imports included; its failure stops the run."""
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=PROCESS_ENV)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return elapsed


def time_loader_command(measures: Path, series: Path, db: Path) -> float:
    return time_process([sys.executable, "-m", "loaders", str(measures), str(series), "--db", str(db)])


def time_duckdb_command(series: Path, db: Path) -> float:
    script = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
              "con.execute('CREATE TABLE t AS SELECT * FROM read_csv(?)', [sys.argv[2]]); con.close()")
    return time_process([sys.executable, "-c", script, str(db), str(series)])


def time_raw_duckdb(series: Path, db: Path) -> float:
    start = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(series)])
    con.close()
    return time.perf_counter() - start


def time_raw_duckdb_keyed(series: Path, db: Path) -> float:
    """For context: the same raw read into a table with a PRIMARY KEY on the series key, as
    the series table had before schema version 2 (the loader now keeps the key itself)."""
    start = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE t (measure VARCHAR, area VARCHAR, period VARCHAR, value VARCHAR, "
                "PRIMARY KEY (measure, area, period))")
    con.execute("INSERT INTO t SELECT measure, area, period, value FROM read_csv(?)", [str(series)])
    con.close()
    return time.perf_counter() - start


def main() -> int:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    raw_times, keyed_times, loader_times, reload_times = [], [], [], []
    kept_times, unkept_times = [], []
    command_times, duckdb_command_times = [], []
    with tempfile.TemporaryDirectory(prefix="bench-loader-") as tmp:
        folder = Path(tmp)
        measures, series = write_extracts(folder, rows)
        size_mb = series.stat().st_size / 1e6
        revised = write_revised(series, folder)
        wide_rows = rows  # a million by default, as a quarterly load
        wide_measures, wide_series = write_wide_extracts(folder, wide_rows)
        for attempt in range(repeats):
            raw_times.append(time_raw_duckdb(series, folder / f"raw{attempt}.duckdb"))
            keyed_times.append(time_raw_duckdb_keyed(series, folder / f"keyed{attempt}.duckdb"))
            loader_times.append(time_loader(measures, series, folder / f"loader{attempt}.duckdb"))
            # The same file again: every row replaced by key in a database that holds them.
            reload_times.append(time_loader(measures, series, folder / f"loader{attempt}.duckdb"))
            kept_times.append(time_revising_reload(measures, series, revised, folder / f"kept{attempt}.duckdb", True))
            unkept_times.append(time_revising_reload(measures, series, revised, folder / f"unkept{attempt}.duckdb",
                                                     False))
            duckdb_command_times.append(time_duckdb_command(wide_series, folder / f"wide-raw{attempt}.duckdb"))
            command_times.append(time_loader_command(wide_measures, wide_series, folder / f"wide{attempt}.duckdb"))
    raw, keyed = min(raw_times), min(keyed_times)
    loader, reload = min(loader_times), min(reload_times)
    print(f"series extract: {rows:,} rows, {size_mb:,.1f} MB; best of {repeats} runs each; "
          "seconds, and each against the anchor")
    against_anchor(("DuckDB read_csv -> table", raw), [
        ("load_extracts", loader),
        ("load_extracts again (same file: nothing replaced)", reload),
        ("DuckDB read_csv -> table with PRIMARY KEY", keyed),  # the series table before schema 2
    ])
    print(f"  rows/s: DuckDB {rows / raw:,.0f}, load_extracts {rows / loader:,.0f}")
    kept, unkept = min(kept_times), min(unkept_times)
    print(f"revising reload: {rows // REVISED_EVERY:,} of {rows:,} values changed")
    against_anchor(("reload replacing by key, history not kept", unkept), [
        ("load_extracts reload, replaced rows kept in series_history", kept)])
    aims = Aims()
    aims.at_least("load_extracts speed against DuckDB's read_csv of the same file", raw / loader, SPEED_AIM,
                  note=f" ({rows / loader:,.0f} against {rows / raw:,.0f} rows/s)")
    command, duckdb_command = min(command_times), min(duckdb_command_times)
    print(f"whole commands: {wide_rows:,} rows over {WIDE_AREAS} areas, decimal values, each a new process")
    against_anchor(("python -c: DuckDB read_csv -> table", duckdb_command), [
        ("python -m loaders measures.csv series.csv", command)])
    aims.at_least("python -m loaders as a whole process against a whole DuckDB read_csv process",
                  duckdb_command / command, SPEED_AIM,
                  note=f" ({wide_rows / command:,.0f} against {wide_rows / duckdb_command:,.0f} rows/s)")
    aims.at_most("revising reload keeping history, against the same reload without it", kept / unkept,
                 HISTORY_COST_AIM, fmt=lambda v: f"{v:.2f}x", note=f" ({kept:.2f} s against {unkept:.2f} s)")
    return aims.finish()


if __name__ == "__main__":
    sys.exit(main())
