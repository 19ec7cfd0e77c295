"""Monthly crime series from data.police.uk street-level files, loaded as ordinary extracts.

The street-level files hold one row per recorded crime or anti-social behaviour incident.
DuckDB reads and counts them in one pass; the monthly counts become a contract-shaped
`measures` file and `series` file (see EXTRACTS.md), which go through `load_extracts` like any
other extract: the same validation, the same all-or-nothing and idempotent load.

Areas: `Force` counts every row. Each local authority district (the LSOA name without its
code: "Amber Valley 006A" is Amber Valley) gets its own series, districts over the force
boundary included: their crimes stay under their own district. Rows with no location count
in `Force` only, so the districts and the rows without location add up to `Force`.
"""

from __future__ import annotations

import csv
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from dashboard import domain
from loaders.atomic import quiet_connect
from loaders.load import LoadReport, load_extracts
from loaders.police_uk_files import (  # noqa: F401  (StreetCrimeError is re-exported)
    LSOA_CODE_SUFFIX,
    StreetCrimeError,
    find_street_files,
    missing_months,
    month_text,
    read_street_counts,
)

SOURCE = "data.police.uk street-level crime, Open Government Licence v3.0"
THEME = domain.canonical_theme("Tackling crime and ASB")
MEASURE_PREFIX = "Recorded crime: "
ALL_CRIME = "Recorded crime: all crime"
ALL_CRIME_EXCLUDING_ASB = "Recorded crime: all crime excluding anti-social behaviour"
ASB_CRIME_TYPE = "Anti-social behaviour"
HEADLINE_MEASURES = (ALL_CRIME, ALL_CRIME_EXCLUDING_ASB)
FORCE_AREA = domain.FORCE_AREA
MEASURES_FILE_NAME = "measures_police_uk.csv"
SERIES_FILE_NAME = "series_police_uk.csv"
MEASURES_COLUMNS = (
    "period", "theme", "measure", "polarity", "unit", "baseline", "baseline_period",
    "current", "current_period", "trend", "headline", "exception", "comment",
)
SERIES_COLUMNS = ("measure", "area", "period", "value")
#: Home Office convention: the latest 12 months against the 12 before them.
ROLLING_MONTHS = 12


@dataclass(frozen=True)
class SeriesRow:
    measure: str
    area: str
    period: date
    value: int


@dataclass(frozen=True)
class StreetCrimeCounts:
    """What was read and the monthly counts derived from it."""

    files: tuple[Path, ...]
    rows: int
    rows_without_location: int
    months: tuple[date, ...]
    measures: tuple[str, ...]
    areas: tuple[str, ...]
    series: tuple[SeriesRow, ...]

    @property
    def has_rolling_years(self) -> bool:
        """Enough months for a current and a baseline 12-month total."""
        return len(self.months) >= 2 * ROLLING_MONTHS


# --- Counting -----------------------------------------------------------------------------------

_DISTRICT_COUNTS_SQL = f"""
CREATE OR REPLACE TEMP TABLE district_counts AS
SELECT strptime(month_text, '%Y-%m')::DATE AS period,
       regexp_replace(lsoa_name, '{LSOA_CODE_SUFFIX}', '') AS district,
       crime_type,
       sum(n)::BIGINT AS n
FROM street_counts GROUP BY ALL
"""

# Measures (every crime type, all crime, all crime excluding ASB) by area (Force and
# district), on the full month grid of each measure and area that has any incident: a month
# with none is 0, not missing.
_SERIES_SQL = """
WITH months AS (
    SELECT unnest(generate_series(min(period), max(period), INTERVAL 1 MONTH))::DATE AS period
    FROM district_counts
),
located AS (
    SELECT period, crime_type, n, district AS area FROM district_counts
),
by_area AS (
    SELECT period, crime_type, n, $force AS area FROM located
    UNION ALL
    SELECT period, crime_type, n, area FROM located WHERE area IS NOT NULL
),
by_measure AS (
    SELECT period, area, $prefix || crime_type AS measure, n FROM by_area
    UNION ALL
    SELECT period, area, $all_crime AS measure, n FROM by_area
    UNION ALL
    SELECT period, area, $excluding_asb AS measure, n FROM by_area WHERE crime_type <> $asb
),
counted AS (
    SELECT measure, area, period, sum(n)::BIGINT AS value FROM by_measure GROUP BY ALL
),
grid AS (
    SELECT pairs.measure, pairs.area, months.period
    FROM (SELECT DISTINCT measure, area FROM counted) pairs CROSS JOIN months
)
SELECT g.measure, g.area, g.period, coalesce(c.value, 0) AS value
FROM grid g LEFT JOIN counted c USING (measure, area, period)
"""


def _sort_key_measure(name: str) -> tuple[int, str]:
    return (HEADLINE_MEASURES.index(name), "") if name in HEADLINE_MEASURES else (2, name)


def _sort_key_area(name: str) -> tuple[int, str]:
    return (0, "") if name == FORCE_AREA else (1, name)


def count_street_crime(paths: Sequence[Path | str]) -> StreetCrimeCounts:
    """Read street-level files (or folders of them) and count incidents per measure, area, month.

    Raises StreetCrimeError listing every problem: missing files or columns, unreadable records,
    bad months or LSOA names (file, line, value), empty crime types, a month in two files,
    months missing in between.
    """
    files = find_street_files(paths)
    con = quiet_connect()
    try:
        read_street_counts(con, files)
        return _derive_counts(con, tuple(files))
    finally:
        con.close()


def _derive_counts(
    con: duckdb.DuckDBPyConnection, files: tuple[Path, ...]
) -> StreetCrimeCounts:
    con.execute(_DISTRICT_COUNTS_SQL)
    rows, without_location = con.execute(
        "SELECT coalesce(sum(n), 0), coalesce(sum(n) FILTER (WHERE district IS NULL), 0) "
        "FROM district_counts").fetchone()
    months = tuple(r[0] for r in con.execute(
        "SELECT DISTINCT period FROM district_counts ORDER BY period").fetchall())
    if not months:
        raise StreetCrimeError([f"{', '.join(map(str, files))}: no incidents: expected at "
                                f"least one data row"])
    gaps = missing_months(months)
    if gaps:
        raise StreetCrimeError([
            f"months {month_text(months[0])} to {month_text(months[-1])}: no file holds "
            f"{', '.join(map(month_text, gaps))}: expected every month in between (a missing "
            f"month would read as zero crime)"])
    fetched = con.execute(_SERIES_SQL, {
        "force": FORCE_AREA, "prefix": MEASURE_PREFIX,
        "all_crime": ALL_CRIME, "excluding_asb": ALL_CRIME_EXCLUDING_ASB, "asb": ASB_CRIME_TYPE,
    }).fetchall()
    series = sorted((SeriesRow(m, a, p, int(v)) for m, a, p, v in fetched),
                    key=lambda r: (_sort_key_measure(r.measure), _sort_key_area(r.area), r.period))
    return StreetCrimeCounts(
        files=files,
        rows=int(rows),
        rows_without_location=int(without_location),
        months=months,
        measures=tuple(sorted({r.measure for r in series}, key=_sort_key_measure)),
        areas=tuple(sorted({r.area for r in series}, key=_sort_key_area)),
        series=tuple(series),
    )


# --- Contract extracts ----------------------------------------------------------------------------


def _rolling_totals(counts: StreetCrimeCounts) -> dict[str, tuple[int, int]]:
    """(baseline, current) per measure at Force level: the 12 months before the latest 12."""
    months = counts.months[-2 * ROLLING_MONTHS:]
    baseline_months, current_months = set(months[:ROLLING_MONTHS]), set(months[ROLLING_MONTHS:])
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in counts.series:
        if row.area == FORCE_AREA:
            if row.period in baseline_months:
                totals[row.measure][0] += row.value
            elif row.period in current_months:
                totals[row.measure][1] += row.value
    return {measure: (pair[0], pair[1]) for measure, pair in totals.items()}


def _what_is_counted(measure: str) -> str:
    if measure == ALL_CRIME:
        return "All street-level crimes and anti-social behaviour incidents"
    if measure == ALL_CRIME_EXCLUDING_ASB:
        return "All street-level crimes, anti-social behaviour incidents excluded"
    return f'Street-level records of crime type "{measure.removeprefix(MEASURE_PREFIX)}"'


def measure_rows(counts: StreetCrimeCounts) -> list[dict[str, str]]:
    """measures.csv rows: rolling-year totals for the last month loaded (needs 24 months).

    With fewer months the rows still name each measure (series must refer to a known one) but
    carry no figures and stay out of the headline table.
    """
    last = counts.months[-1]
    totals = _rolling_totals(counts) if counts.has_rolling_years else {}
    rows = []
    for measure in counts.measures:
        row = dict.fromkeys(MEASURES_COLUMNS, "")
        row.update(period=month_text(last), theme=THEME, measure=measure,
                   polarity=domain.LOWER_IS_BETTER, unit=domain.COUNT)
        if measure in totals:
            baseline, current = totals[measure]
            row.update(
                baseline=str(baseline), current=str(current),
                baseline_period=month_text(counts.months[-ROLLING_MONTHS - 1]),
                current_period=month_text(last),
                headline="yes" if measure in HEADLINE_MEASURES else "no",
                comment=(f"{_what_is_counted(measure)}, Force area: total of the 12 months to "
                         f"{last:%b %Y} (current) against the 12 months before (baseline). "
                         f"Source: {SOURCE}."))
        else:
            row.update(headline="no", comment=(
                f"{_what_is_counted(measure)}: monthly series only; {len(counts.months)} months "
                f"loaded, {2 * ROLLING_MONTHS} needed for a rolling-year comparison. "
                f"Source: {SOURCE}."))
        rows.append(row)
    return rows


def write_extracts(counts: StreetCrimeCounts, folder: Path | str) -> tuple[Path, Path]:
    """Write measures_police_uk.csv and series_police_uk.csv into `folder`; return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    measures_path, series_path = folder / MEASURES_FILE_NAME, folder / SERIES_FILE_NAME
    with measures_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=MEASURES_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(measure_rows(counts))
    with series_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(SERIES_COLUMNS)
        writer.writerows((r.measure, r.area, month_text(r.period), r.value) for r in counts.series)
    return measures_path, series_path


def import_street_crime(
    paths: Sequence[Path | str], db_path: Path | str, extracts_out: Path | str | None = None
) -> tuple[StreetCrimeCounts, LoadReport]:
    """Count street-level files and load the counts through `load_extracts` (all or nothing).

    Raises StreetCrimeError when the files cannot be counted; a failed load is in the report.
    """
    counts = count_street_crime(paths)
    if extracts_out is not None:
        return counts, load_extracts(list(write_extracts(counts, extracts_out)), db_path)
    with tempfile.TemporaryDirectory(prefix="police-uk-") as folder:
        return counts, load_extracts(list(write_extracts(counts, folder)), db_path)


def summary_text(counts: StreetCrimeCounts) -> str:
    """What was read, for the command line before the load report."""
    lines = [
        f"data.police.uk street-level files: {len(counts.files)}",
        f"Rows: {counts.rows:,} ({counts.rows_without_location:,} without a location: "
        f"counted in {FORCE_AREA} only)",
        f"Months: {len(counts.months)} ({month_text(counts.months[0])} to "
        f"{month_text(counts.months[-1])})",
        f"Measures: {len(counts.measures)}",
        f"Areas: {len(counts.areas)} ({', '.join(counts.areas)})",
        f"Series rows: {len(counts.series):,}",
    ]
    if not counts.has_rolling_years:
        lines.append(f"No headline figures: {len(counts.months)} months loaded, "
                     f"{2 * ROLLING_MONTHS} needed (12-month current against the 12 before).")
    return "\n".join(lines)


if __name__ == "__main__":
    from loaders.police_uk_cli import main

    raise SystemExit(main())
