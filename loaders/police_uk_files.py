"""Finding, reading and checking data.police.uk street-level files.

DuckDB reads every file in one pass into `street_counts` (per file, month, LSOA name and crime
type). Checks run on that small table; only when one fails is the offending file read again,
row by row, to name the line of each bad value.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import duckdb

MONTH_COLUMN = "Month"
LSOA_NAME_COLUMN = "LSOA name"
CRIME_TYPE_COLUMN = "Crime type"
REQUIRED_COLUMNS = (MONTH_COLUMN, LSOA_NAME_COLUMN, CRIME_TYPE_COLUMN)
#: How many offending lines are listed per file and problem before "and N more".
MAX_LINES_LISTED = 10
_MONTH_PATTERN = r"[0-9]{4}-(0[1-9]|1[0-2])"
#: An LSOA name is its district followed by a code of digits and a letter: "Nottingham 012C".
LSOA_CODE_SUFFIX = r"\s+[0-9]{3,4}[A-Z]$"


class StreetCrimeError(ValueError):
    """Street-level files that cannot be counted; `messages` lists every problem found."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


def month_text(month: date) -> str:
    return month.strftime("%Y-%m")


def find_street_files(paths: Sequence[Path | str]) -> list[Path]:
    """Named files as given; folders searched (recursively) for data.police.uk `*-street.csv`."""
    files: list[Path] = []
    problems: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*-street.csv") if p.is_file())
            if not found:
                problems.append(f"{path}: expected a folder holding data.police.uk "
                                f"*-street.csv files")
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


def _offending_lines(
    path: Path, column: str, is_bad: Callable[[str], bool]
) -> list[tuple[int, str]]:
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


def _line_messages(
    path: Path, column: str, bad_values: set[str | None], expected: str
) -> list[str]:
    wanted = {value or "" for value in bad_values}
    found = _offending_lines(path, column, lambda value: value in wanted)
    messages = [f'{path}, line {line}, column {column}: "{value}": expected {expected}'
                for line, value in found[:MAX_LINES_LISTED]]
    if len(found) > MAX_LINES_LISTED:
        messages.append(f"{path}, column {column}: and {len(found) - MAX_LINES_LISTED} more "
                        f"lines like these")
    return messages


# The dialect is fixed rather than sniffed: a file whose first quoted Location comes late would
# otherwise be read without quotes, shifting that row's columns.
#
# One pass over the street-level rows: counts per file, month, LSOA and crime type. Everything
# after works on this small table.
COUNT_ROWS_SQL = """
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
WHERE lsoa_name IS NOT NULL AND NOT regexp_matches(lsoa_name, '{LSOA_CODE_SUFFIX}')
GROUP BY file ORDER BY file
"""

_EMPTY_CRIME_TYPE_SQL = (
    "SELECT DISTINCT file FROM street_counts WHERE crime_type IS NULL ORDER BY file")

_MONTH_IN_SEVERAL_FILES_SQL = """
SELECT month_text, list(DISTINCT file ORDER BY file) FROM street_counts
GROUP BY month_text HAVING count(DISTINCT file) > 1 ORDER BY month_text
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
        con.execute(COUNT_ROWS_SQL, [[str(path)]])
    except duckdb.Error as error:
        return f"{path}: could not be read as CSV: {_duckdb_reason(error)}"
    return None


def _unreadable(con: duckdb.DuckDBPyConnection, files: Sequence[Path]) -> list[str]:
    """Which records stopped DuckDB; failing that, which files and DuckDB's reason."""
    messages = [message for path in files for message in _field_count_messages(path)]
    if not messages:
        messages = [m for m in (_duckdb_message(con, path) for path in files) if m]
    return messages or ["the files could not be read together as CSV"]


def read_street_counts(con: duckdb.DuckDBPyConnection, files: Sequence[Path]) -> None:
    """Fill the temp table `street_counts` from `files`, or raise StreetCrimeError listing every
    problem: missing columns, unreadable records, bad months or LSOA names, empty crime types,
    a month in two files."""
    problems = missing_columns(files)
    readable = [f for f in files if not any(p.startswith(f"{f}, ") for p in problems)]
    if readable:
        try:
            con.execute(COUNT_ROWS_SQL, [[str(f) for f in readable]])
        except duckdb.Error as error:
            raise StreetCrimeError(problems + _unreadable(con, readable)) from error
        problems += _check_counted_rows(con)
    if problems:
        raise StreetCrimeError(problems)


def missing_months(months: Sequence[date]) -> list[date]:
    """Months absent between the first and the last (a missing file reads as zero crime)."""
    present = set(months)
    missing, month = [], months[0]
    while month < months[-1]:
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        if month not in present:
            missing.append(month)
    return missing
