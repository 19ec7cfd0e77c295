"""Monthly crime series from data.police.uk street-level files, loaded as ordinary extracts.

The street-level files hold one row per recorded crime or anti-social behaviour incident.
DuckDB reads and counts them in one pass; the monthly counts become a contract-shaped
`measures` file and `series` file (see EXTRACTS.md), which go through `load_extracts` like any
other extract: the same validation, the same all-or-nothing and idempotent load.

Areas: `Force` counts every row. Each local authority district (the LSOA name without its
code: "Amber Valley 006A" is Amber Valley) that has incidents in every month loaded gets its
own series, including districts over the force boundary; districts with incidents in only
some months (mostly single crimes located far away) are summed as `Other districts`. Rows
with no location count in `Force` only, so the districts, `Other districts` and the rows
without location add up to `Force`.
"""

from __future__ import annotations

import csv
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from dashboard import domain
from loaders.load import LoadReport, load_extracts

SOURCE = "data.police.uk street-level crime, Open Government Licence v3.0"
THEME = domain.canonical_theme("Tackling crime and ASB")
MEASURE_PREFIX = "Recorded crime: "
ALL_CRIME = "Recorded crime: all crime"
ALL_CRIME_EXCLUDING_ASB = "Recorded crime: all crime excluding anti-social behaviour"
ASB_CRIME_TYPE = "Anti-social behaviour"
HEADLINE_MEASURES = (ALL_CRIME, ALL_CRIME_EXCLUDING_ASB)
FORCE_AREA = "Force"
OTHER_DISTRICTS_AREA = "Other districts"
MONTH_COLUMN = "Month"
LSOA_NAME_COLUMN = "LSOA name"
CRIME_TYPE_COLUMN = "Crime type"
REQUIRED_COLUMNS = (MONTH_COLUMN, LSOA_NAME_COLUMN, CRIME_TYPE_COLUMN)
#: Home Office convention: the latest 12 months against the 12 before them.
ROLLING_MONTHS = 12
MEASURES_FILE_NAME = "measures_police_uk.csv"
SERIES_FILE_NAME = "series_police_uk.csv"
MEASURES_COLUMNS = (
    "period", "theme", "measure", "polarity", "unit", "baseline", "baseline_period",
    "current", "current_period", "trend", "headline", "exception", "comment",
)
SERIES_COLUMNS = ("measure", "area", "period", "value")
#: How many offending lines are listed per file and problem before "and N more".
MAX_LINES_LISTED = 10
_MONTH_PATTERN = r"[0-9]{4}-(0[1-9]|1[0-2])"
#: An LSOA name is its district followed by a code of digits and a letter: "Nottingham 012C".
_LSOA_CODE_SUFFIX = r"\s+[0-9]{3,4}[A-Z]$"


class StreetCrimeError(ValueError):
    """Street-level files that cannot be counted; `messages` lists every problem found."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


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


def month_text(month: date) -> str:
    return month.strftime("%Y-%m")


def measure_name(crime_type: str) -> str:
    """The measure holding one crime type's counts: 'Recorded crime: Burglary'."""
    return MEASURE_PREFIX + crime_type


# --- Finding and checking files ----------------------------------------------------------------


def find_street_files(paths: Sequence[Path | str]) -> list[Path]:
    """Named files as given; folders searched (recursively) for data.police.uk `*-street.csv`."""
    files: list[Path] = []
    problems: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*-street.csv") if p.is_file())
            if not found:
                problems.append(f"{path}: expected a folder holding data.police.uk *-street.csv files")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(f"{path}: expected a file or folder that exists")
    if not files and not problems:
        problems.append("no street-level files given")
    if problems:
        raise StreetCrimeError(problems)
    return list(dict.fromkeys(p.resolve() for p in files))


def _read_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        return next(csv.reader(handle), [])


def missing_columns(files: Sequence[Path]) -> list[str]:
    """One message per file and required column it lacks."""
    problems = []
    for path in files:
        header = {name.lower() for name in _read_header(path)}  # as DuckDB will match them
        for column in REQUIRED_COLUMNS:
            if column.lower() not in header:
                problems.append(f"{path}, line 1, column {column}: missing: expected a "
                                f"data.police.uk street-level file with columns "
                                f"{', '.join(REQUIRED_COLUMNS)}")
    return problems


def _offending_lines(path: Path, column: str, is_bad: Callable[[str], bool]) -> list[tuple[int, str]]:
    """(line, value) of the records whose `column` fails; only run once a problem is known."""
    found = []
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        header = [name.strip().lower() for name in next(reader, [])]
        index = header.index(column.lower())
        start = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                value = cells[index].strip() if index < len(cells) else ""
                if is_bad(value):
                    found.append((start, value))
            start = reader.line_num + 1
    return found


def _line_messages(path: Path, column: str, bad_values: set[str | None], expected: str) -> list[str]:
    wanted = {value or "" for value in bad_values}
    found = _offending_lines(path, column, lambda value: value in wanted)
    messages = [f'{path}, line {line}, column {column}: "{value}": expected {expected}'
                for line, value in found[:MAX_LINES_LISTED]]
    if len(found) > MAX_LINES_LISTED:
        messages.append(f"{path}, column {column}: and {len(found) - MAX_LINES_LISTED} more "
                        f"lines like these")
    return messages


# --- Counting -----------------------------------------------------------------------------------

# The dialect is fixed rather than sniffed: a file whose first quoted Location comes late would
# otherwise be read without quotes, shifting that row's columns.
#
# One pass over the street-level rows: counts per file, month, LSOA and crime type. Everything
# after works on this small table.
_COUNT_ROWS_SQL = """
CREATE OR REPLACE TEMP TABLE street_counts AS
SELECT filename AS file,
       trim("Month") AS month_text,
       nullif(trim("LSOA name"), '') AS lsoa_name,
       nullif(trim("Crime type"), '') AS crime_type,
       count(*) AS n
FROM read_csv(?, header = true, all_varchar = true, union_by_name = true, filename = true,
              delim = ',', quote = '"', escape = '"', strict_mode = true)
GROUP BY ALL
"""

_BAD_MONTHS_SQL = f"""
SELECT file, list(DISTINCT month_text) FROM street_counts
WHERE month_text IS NULL OR NOT regexp_full_match(month_text, '{_MONTH_PATTERN}')
GROUP BY file ORDER BY file
"""

# A Location with an unquoted comma and an empty last column shifts the row right by one
# without DuckDB noticing (a trailing comma is allowed); the LSOA name then holds the LSOA code.
_BAD_LSOA_NAMES_SQL = f"""
SELECT file, list(DISTINCT lsoa_name) FROM street_counts
WHERE lsoa_name IS NOT NULL AND NOT regexp_matches(lsoa_name, '{_LSOA_CODE_SUFFIX}')
GROUP BY file ORDER BY file
"""

_EMPTY_CRIME_TYPE_SQL = "SELECT DISTINCT file FROM street_counts WHERE crime_type IS NULL ORDER BY file"

_MONTH_IN_SEVERAL_FILES_SQL = """
SELECT month_text, list(DISTINCT file ORDER BY file) FROM street_counts
GROUP BY month_text HAVING count(DISTINCT file) > 1 ORDER BY month_text
"""

_DISTRICT_COUNTS_SQL = f"""
CREATE OR REPLACE TEMP TABLE district_counts AS
SELECT strptime(month_text, '%Y-%m')::DATE AS period,
       regexp_replace(lsoa_name, '{_LSOA_CODE_SUFFIX}', '') AS district,
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
regular_districts AS (
    SELECT district FROM district_counts WHERE district IS NOT NULL
    GROUP BY district HAVING count(DISTINCT period) = (SELECT count(*) FROM months)
),
located AS (
    SELECT c.period, c.crime_type, c.n,
           CASE WHEN c.district IS NULL THEN NULL
                WHEN r.district IS NOT NULL THEN c.district
                ELSE $other END AS area
    FROM district_counts c LEFT JOIN regular_districts r USING (district)
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


def _check_counted_rows(con: duckdb.DuckDBPyConnection) -> list[str]:
    problems: list[str] = []
    for file, bad_months in con.execute(_BAD_MONTHS_SQL).fetchall():
        problems += _line_messages(Path(file), MONTH_COLUMN, set(bad_months),
                                   "a month as YYYY-MM, e.g. 2024-01")
    for file, bad_names in con.execute(_BAD_LSOA_NAMES_SQL).fetchall():
        problems += _line_messages(Path(file), LSOA_NAME_COLUMN, set(bad_names),
                                   "a district and LSOA code, e.g. Nottingham 012C, or empty")
    for (file,) in con.execute(_EMPTY_CRIME_TYPE_SQL).fetchall():
        problems += _line_messages(Path(file), CRIME_TYPE_COLUMN, {""}, "a crime type")
    for month, files in con.execute(_MONTH_IN_SEVERAL_FILES_SQL).fetchall():
        problems.append(f"{', '.join(files)}: month {month} is in more than one file: expected "
                        f"each month once (loading both would count its incidents twice)")
    return problems


def _field_count_messages(path: Path) -> list[str]:
    """Records with more or fewer fields than the header (an unquoted comma, a cut line)."""
    messages = []
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        width = len(next(reader, []))
        start = reader.line_num + 1
        for cells in reader:
            if cells and len(cells) != width:
                messages.append(f"{path}, line {start}: {len(cells)} fields: expected {width} as "
                                f"in the header (a comma in a value must be inside quotes)")
            start = reader.line_num + 1
    if len(messages) > MAX_LINES_LISTED:
        extra = len(messages) - MAX_LINES_LISTED
        messages = messages[:MAX_LINES_LISTED] + [f"{path}: and {extra} more lines like these"]
    return messages


def _duckdb_reason(error: duckdb.Error) -> str:
    """The first paragraph of DuckDB's message, without the echoed line: where and why."""
    first_paragraph = str(error).strip().split("\n\n")[0].splitlines()
    kept = [line.removeprefix("Invalid Input Error: ").strip() for line in first_paragraph
            if not line.startswith("Original Line:")]
    return "; ".join(kept) or type(error).__name__


def _duckdb_message(con: duckdb.DuckDBPyConnection, path: Path) -> str | None:
    """DuckDB's own complaint about one file (its first line), or None if it reads."""
    try:
        con.execute(_COUNT_ROWS_SQL, [[str(path)]])
    except duckdb.Error as error:
        return f"{path}: could not be read as CSV: {_duckdb_reason(error)}"
    return None


def _unreadable(con: duckdb.DuckDBPyConnection, files: Sequence[Path]) -> list[str]:
    """Which records stopped DuckDB; failing that, which files and DuckDB's reason."""
    messages = [message for path in files for message in _field_count_messages(path)]
    if not messages:
        messages = [m for m in (_duckdb_message(con, path) for path in files) if m]
    return messages or ["the files could not be read together as CSV"]


def _missing_months(months: Sequence[date]) -> list[date]:
    present = set(months)
    missing, month = [], months[0]
    while month < months[-1]:
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        if month not in present:
            missing.append(month)
    return missing


def _sort_key_measure(name: str) -> tuple[int, str]:
    return (HEADLINE_MEASURES.index(name), "") if name in HEADLINE_MEASURES else (2, name)


def _sort_key_area(name: str) -> tuple[int, str]:
    return {FORCE_AREA: (0, ""), OTHER_DISTRICTS_AREA: (2, "")}.get(name, (1, name))


def count_street_crime(paths: Sequence[Path | str]) -> StreetCrimeCounts:
    """Read street-level files (or folders of them) and count incidents per measure, area, month.

    Raises StreetCrimeError listing every problem: missing files or columns, bad months (file,
    line, value), empty crime types, a month in two files, months missing in between.
    """
    files = find_street_files(paths)
    problems = missing_columns(files)
    readable = [f for f in files if not any(p.startswith(f"{f}, ") for p in problems)]
    con = duckdb.connect()
    try:
        if readable:
            try:
                con.execute(_COUNT_ROWS_SQL, [[str(f) for f in readable]])
            except duckdb.Error as error:
                raise StreetCrimeError(problems + _unreadable(con, readable)) from error
            problems += _check_counted_rows(con)
        if problems:
            raise StreetCrimeError(problems)
        return _derive_counts(con, tuple(files))
    finally:
        con.close()


def _derive_counts(con: duckdb.DuckDBPyConnection, files: tuple[Path, ...]) -> StreetCrimeCounts:
    con.execute(_DISTRICT_COUNTS_SQL)
    rows, without_location = con.execute(
        "SELECT coalesce(sum(n), 0), coalesce(sum(n) FILTER (WHERE district IS NULL), 0) "
        "FROM district_counts").fetchone()
    months = tuple(r[0] for r in con.execute(
        "SELECT DISTINCT period FROM district_counts ORDER BY period").fetchall())
    if not months:
        raise StreetCrimeError([f"{', '.join(map(str, files))}: no incidents: expected at "
                                f"least one data row"])
    gaps = _missing_months(months)
    if gaps:
        raise StreetCrimeError([
            f"months {month_text(months[0])} to {month_text(months[-1])}: no file holds "
            f"{', '.join(map(month_text, gaps))}: expected every month in between (a missing "
            f"month would read as zero crime)"])
    fetched = con.execute(_SERIES_SQL, {
        "other": OTHER_DISTRICTS_AREA, "force": FORCE_AREA, "prefix": MEASURE_PREFIX,
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
