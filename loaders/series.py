"""Checking and loading the series extract in SQL: it can be millions of rows.

Months are converted with `values.MONTH_FORMATS` (DuckDB `try_strptime`, then `YEAR_RANGE` and
`MONTH_SQL_REJECT_PATTERN`) and numbers with `values.NUMBER_PATTERN` (`regexp_extract`), so the
rules stay in `loaders.values`.

Two paths. The fast one loads a clean file in one statement straight from DuckDB's reader,
letting the table's NOT NULLs, one query for repeated keys and one for unknown measures find
anything wrong; it changes nothing when it declines. The careful one reads the file as text into a temporary
table, hands whatever SQL cannot read to the Python parsers (which have the last word and the
wording of the error), and reports every problem with its physical line, worked out only then.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb

from loaders import values
from loaders.contract import DEFAULT_AREA, ERROR, MAX_LISTED_ISSUES, NO_HEADER, SERIES, LoadIssue
from loaders.history import replace_changed
from loaders.reading import (
    BrokenCsv,
    Header,
    SourceFile,
    data_record_lines,
    match_columns,
    read_header,
    records,
    utf8_copy,
)
from loaders.validate import check_width, expected_words

T = TypeVar("T")

_TRIM = " \t\u00a0"
_REQUIRED = "a value (the column is required)"


@dataclass
class SeriesLayout:
    """A series file's header: where each known column is, and what was wrong with it."""

    positions: dict[str, int] = field(default_factory=dict)
    width: int = 0
    header_line: int = 1
    issues: list[LoadIssue] = field(default_factory=list)
    header: Header | None = None

    @property
    def has_errors(self) -> bool:
        return any(i.severity == ERROR for i in self.issues)


def check_series_layout(source: SourceFile) -> SeriesLayout:
    """The encoding, control-character and header checks: cheap (one pass in C over the bytes
    for the control characters), and all a clean load needs before writing."""
    layout = SeriesLayout()
    warning = source.encoding_warning()
    if warning:
        layout.issues.append(warning)
    content_issues = source.content_issues()
    if content_issues:
        layout.issues.extend(content_issues)
        return layout
    try:
        header = read_header(source.head)
        if header is None and len(source.head) < len(source.text):
            header = read_header(source.text)  # a megabyte of blank lines first
    except BrokenCsv as broken:
        layout.issues.append(broken.issue(source.name))
        return layout
    if header is None:
        layout.issues.append(LoadIssue(source.name, None, None, None,
                                       NO_HEADER, ERROR))
        return layout
    layout.positions, header_issues = match_columns(source, header)
    layout.issues.extend(header_issues)
    layout.width, layout.header_line, layout.header = len(header.names), header.line, header
    return layout


def _duckdb_may_read(source: SourceFile) -> bool:
    """Whether DuckDB's reader is to be tried: not when a record is longer than the csv
    module's field limit. DuckDB reads a longer cell (up to its own line limit, and past that
    it may drop the record without a word), while the careful path's reader refuses it with
    its line and column; so a long cell is refused whichever path the file takes."""
    return source.record_count.longest <= csv.field_size_limit()


def _read_every_record(source: SourceFile, rows: int) -> bool:
    """Whether DuckDB's reader gave a row for each of the file's records. It may drop one (a
    last record longer than its buffer) or, given a path that names several files, read
    others: then the careful path reads the file with Python's csv module."""
    return rows == source.record_count.data_records


@dataclass
class StagedSeries:
    """A series file read into the temporary table `table` (measure, area, period, value,
    source_file, rec), with the issues found and a way from record number to line."""

    source: SourceFile
    table: str
    rows_in_file: int = 0
    issues: list[LoadIssue] = field(default_factory=list)
    line_of: Callable[[int], int] = lambda rec: rec

    @property
    def has_errors(self) -> bool:
        return any(i.severity == ERROR for i in self.issues)


# --- the fast path: a clean file in one statement ------------------------------------------------

#: The series table's key. The table has no PRIMARY KEY (see loaders/schema.py): the loader
#: keeps it, refusing a file that repeats a key and replacing stored rows by key.
SERIES_KEY = ("measure", "area", "period")
_KEY = ", ".join(SERIES_KEY)
#: The columns of `_fast_select`'s rows, in its order.
_FAST_COLUMNS = ("measure", "area", "period", "value", "source_file")


def insert_series_fast(con: duckdb.DuckDBPyConnection, source: SourceFile, layout: SeriesLayout,
                       load_id: int, workdir: Path) -> tuple[int, int, int] | None:
    """Replace-by-key a clean series file straight from DuckDB's reader: (rows, added,
    replaced); a row whose value is unchanged is left as it was.

    None, with nothing changed, when anything is unusual (a ragged row, a cell SQL cannot
    read, a repeated key, an unknown measure): `stage_series` then finds out what and where.
    """
    if layout.has_errors or layout.header_line != 1 or not _duckdb_may_read(source):
        return None
    select, params = _fast_select(source, layout, workdir)
    with _any_row_order(con):
        if con.execute("SELECT count(*) FROM series").fetchone()[0] == 0:
            return _insert_into_empty(con, source, select, params, load_id)
        return _replace_in_transaction(con, source, select, params, load_id)


@contextmanager
def _any_row_order(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Let DuckDB store the rows in whatever order its threads finish them: the insert runs in
    parallel and writes its row groups as it goes, which makes the load and the checkpoint
    after it faster. Nothing reads the series table in stored order (every query sorts); the
    careful path does rely on it (a record's number is its rowid), so the setting is put back."""
    before = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
    con.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if before else 'false'}")


def _replace_in_transaction(con: duckdb.DuckDBPyConnection, source: SourceFile, select: str,
                            params: list, load_id: int) -> tuple[int, int, int] | None:
    con.begin()
    try:
        rows, added, replaced = _replace(con, source, select, params, load_id)
        unknown = _unknown_rows(con, source, load_id)
    except (duckdb.Error, _RepeatedKey, _RowsMissing):  # a CSV the strict reader refuses, a NOT
        con.rollback()                                  # NULL violation, a record not read
        return None
    if unknown:
        con.rollback()
        return None
    con.commit()
    return rows, added, replaced


def _insert_into_empty(con: duckdb.DuckDBPyConnection, source: SourceFile, select: str,
                       params: list, load_id: int) -> tuple[int, int, int] | None:
    """The first series load: one INSERT into the empty table, outside a transaction
    (committing a million-row transaction costs as much again), then the checks that need
    the rows: a repeated key, an unknown measure. Undone by emptying the table."""
    try:
        rows = con.execute(f"INSERT INTO series BY NAME SELECT *, ? AS load_id FROM ({select})",
                           [load_id, *params]).fetchone()[0]
    except duckdb.Error:  # a CSV the strict reader refuses, an empty cell (NOT NULL)
        return None
    _tidy_areas(con, "series")  # before the key is checked: 'City ' and 'City' are one area
    if (not _read_every_record(source, rows) or _repeats_a_key(con, "series")
            or _unknown_rows(con, source, load_id)):
        con.execute("DELETE FROM series")
        return None
    return rows, rows, 0


def _tidy_areas(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Trim the areas of `table` (one file's rows) of spaces, tabs and no-break spaces, an
    empty one becoming DEFAULT_AREA, as the careful path's cells are. The fast path stores the
    area cell as read: a file has a few dozen areas, so they are looked at once each here
    rather than every cell trimmed in the statement (which took a quarter of its time)."""
    untidy = [area for (area,) in con.execute(f"SELECT DISTINCT area FROM {table}").fetchall()
              if area != area.strip(_TRIM) or not area.strip(_TRIM)]
    if untidy:
        con.execute(f"UPDATE {table} SET area = coalesce(nullif(trim(area, ?), ''), ?) "
                    "WHERE area IN (SELECT unnest(?::VARCHAR[]))", [_TRIM, DEFAULT_AREA, untidy])


def _repeats_a_key(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether two rows of `table` share a key. Counted over the key's 64-bit hash, which
    takes half the time of the key itself: equal keys always hash alike, so no repeat is
    missed, and a chance collision only sends the file to the careful path, which compares
    the keys themselves."""
    return con.execute(
        f"SELECT count(*) > count(DISTINCT hash({_KEY})) FROM {table}").fetchone()[0]


def _unknown_rows(con: duckdb.DuckDBPyConnection, source: SourceFile, load_id: int) -> int:
    return con.execute(
        "SELECT count(*) FROM series WHERE load_id = ? AND source_file = ? "
        "AND measure NOT IN (SELECT measure FROM measures)", [load_id, source.name]
    ).fetchone()[0]


class _RepeatedKey(Exception):
    """A key given twice in the file: the careful path says where."""


class _RowsMissing(Exception):
    """DuckDB's reader gave fewer (or more) rows than the file has records."""


def _replace(con: duckdb.DuckDBPyConnection, source: SourceFile, select: str, params: list,
             load_id: int) -> tuple[int, int, int]:
    """Replace by key into a series table holding rows: (rows, added, replaced). The rows are
    staged first so that a file repeating a key is refused before anything is deleted."""
    # Inside the caller's transaction: a rollback drops the staged rows too.
    con.execute(f"CREATE OR REPLACE TEMP TABLE series_fast AS {select}", params)
    rows = con.execute("SELECT count(*) FROM series_fast").fetchone()[0]
    if not _read_every_record(source, rows):
        raise _RowsMissing
    _tidy_areas(con, "series_fast")
    if _repeats_a_key(con, "series_fast"):
        raise _RepeatedKey
    added, replaced = replace_changed(con, SERIES, "series_fast", load_id, _FAST_COLUMNS)
    con.execute("DROP TABLE series_fast")
    return rows, added, replaced


#: A value cell the fast path casts to DOUBLE without NUMBER_PATTERN: unsigned digits, with or
#: without decimals (4872, 33.25), up to 15 each side. DuckDB's cast and Python's float() both
#: round such text correctly, so each gives the same DOUBLE as `series_value`; anything else
#: (a comma, a sign, %, £, k, a space) is read by the pattern.
_PLAIN_NUMBER = r"[0-9]{1,15}(?:\.[0-9]{1,15})?"


def _fast_select(source: SourceFile, layout: SeriesLayout, workdir: Path) -> tuple[str, list]:
    """The series rows of a file, converted, as one SELECT over DuckDB's CSV reader.

    Tuned for the common file and strict about the rest; anything unusual leaves a value SQL
    cannot read, a NULL the table refuses or an unknown measure, which sends the file down the
    careful path. No cell is trimmed here: trimming every cell of a million rows took half the
    statement's time. The area, the one cell stored as text without being looked up, is
    trimmed afterwards, once per distinct area (`_tidy_areas`). A measure with spaces around
    it is no measure loaded, so the unknown-measure check declines it; DuckDB's strptime skips spaces around a month itself;
    NUMBER_PATTERN allows spaces, tabs and no-break spaces around a number. A plain number
    (`_PLAIN_NUMBER`: digits, with decimals or without) is cast straight to DOUBLE, which reads
    it as Python's float() does; only the rest go through the pattern.
    """
    positions = layout.positions
    area = f"c{positions['area']}" if "area" in positions else "NULL::VARCHAR"  # see _tidy_areas
    sql = (
        "SELECT measure, coalesce(area, ?) AS area, "
        f"{_MONTH_SQL} AS period, "
        f"CASE WHEN plain THEN CAST(value_text AS DOUBLE) ELSE {_number_sql('n')} END AS value, "
        "?::VARCHAR AS source_file FROM ("
        "SELECT *, date_trunc('month', try_strptime(period_text, ?::VARCHAR[]))::DATE AS p, "
        "CASE WHEN NOT plain THEN regexp_extract(value_text, ?, ?::VARCHAR[]) END AS n FROM ("
        "SELECT *, coalesce(regexp_full_match(value_text, ?), false) AS plain FROM ("
        f"SELECT c{positions['measure']} AS measure, {area} AS area, "
        f"c{positions['period']} AS period_text, "
        f"c{positions['value']} AS value_text FROM {_read_csv_sql(layout.width)})))"
    )
    params = [DEFAULT_AREA, *_month_params(), source.name, list(values.MONTH_FORMATS),
              values.NUMBER_PATTERN, list(values.NUMBER_GROUPS), _PLAIN_NUMBER,
              str(utf8_copy(source, workdir))]
    return sql, params


#: `p` (the text's try_strptime) as a month, or NULL where `parse_month` would refuse the text:
#: a year outside YEAR_RANGE, or a one-digit year that DuckDB's %y reads and Python's does not
#: ('Feb 1', which MONTH_SQL_REJECT_PATTERN finds). Such a year can only have been read as
#: 2000-2009, so the pattern is tried on those rows alone: most rows skip it. strptime skips
#: the ASCII white space around a text (the fast path does not trim it; a quoted cell may end
#: in a line break), so the pattern, anchored at the end, is tried on the text without the
#: white space after it: 'Feb 1 ' and 'Feb 1' followed by a line break are refused as 'Feb 1' is.
_MONTH_SQL = (
    "CASE WHEN NOT year(p) BETWEEN ? AND ? THEN NULL "
    "WHEN NOT year(p) BETWEEN 2000 AND 2009 THEN p "
    "WHEN regexp_matches(rtrim(period_text, ' \t\n\r\v\f'), ?) THEN NULL ELSE p END"
)


def _month_params() -> list:
    return [*values.YEAR_RANGE, values.MONTH_SQL_REJECT_PATTERN]


def _read_csv_sql(width: int) -> str:
    """DuckDB's CSV reader, strict, every column text; the file's path is the parameter."""
    columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in _names(width)) + "}"
    return (f"read_csv(?, auto_detect = false, header = true, delim = ',', quote = '\"', "
            f"escape = '\"', columns = {columns})")


# --- the careful path: every problem, with its line ------------------------------------------------


def stage_series(con: duckdb.DuckDBPyConnection, source: SourceFile, layout: SeriesLayout,
                 index: int, workdir: Path) -> StagedSeries:
    """Read, convert and check one series file into temporary table `series_new_<index>`."""
    staged = StagedSeries(source, f"series_new_{index}", issues=list(layout.issues))
    if layout.has_errors:
        return staged
    raw = f"series_raw_{index}"
    width = layout.width
    row_issues: list[LoadIssue] = []
    rec_column = _read_fast(con, source, raw, width, workdir) if layout.header_line == 1 else None
    if rec_column is not None:
        staged.line_of = _lazy_lines(source)
    else:
        try:
            rec_column, staged.line_of = _read_slow(con, source, raw, width, row_issues)
        except BrokenCsv as broken:
            staged.issues.append(broken.issue(source.name, layout.header))
            return staged
    _convert(con, staged, raw, rec_column, layout.positions, width)
    con.execute(f"DROP TABLE {raw}")
    _resolve_leftover_periods(con, staged)
    _resolve_leftover_values(con, staged)
    cell_issues, unlisted = _cell_issues(con, staged)
    staged.issues.extend(sorted(row_issues + cell_issues, key=lambda issue: issue.line or 0))
    if unlisted:
        staged.issues.append(unlisted)
    return staged


def _names(width: int) -> list[str]:
    return [f"c{i}" for i in range(width)]


def _read_fast(con: duckdb.DuckDBPyConnection, source: SourceFile, raw: str, width: int,
               workdir: Path) -> str | None:
    """DuckDB's own reader, strict: None when the file has ragged rows or lines of spaces, or
    a record DuckDB is not to read or did not read (`_duckdb_may_read`, `_read_every_record`)."""
    if not _duckdb_may_read(source):
        return None
    try:
        con.execute(f"CREATE TEMP TABLE {raw} AS SELECT * FROM {_read_csv_sql(width)}",
                    [str(utf8_copy(source, workdir))])
    except duckdb.Error:
        con.execute(f"DROP TABLE IF EXISTS {raw}")
        return None
    if not _read_every_record(source, con.execute(f"SELECT count(*) FROM {raw}").fetchone()[0]):
        con.execute(f"DROP TABLE {raw}")
        return None
    # Insertion order is preserved, so rowid is the record's number after the header.
    return "rowid"


def _lazy_lines(source: SourceFile) -> Callable[[int], int]:
    @cache
    def lines() -> list[int]:
        return data_record_lines(source.text)

    return lambda rec: lines()[rec]


def _read_slow(con: duckdb.DuckDBPyConnection, source: SourceFile, raw: str, width: int,
               issues: list[LoadIssue]) -> tuple[str, Callable[[int], int]]:
    """Python's csv reader for files DuckDB's strict reader refuses: pads short rows and
    reports long ones, with their lines."""
    lines: list[int] = []
    rows: list[list[str]] = []
    for record in list(records(source.text))[1:]:
        check_width(source, record, width, issues)
        lines.append(record.line)
        rows.append((record.cells + [""] * width)[:width])
    # pandas only here, for files DuckDB's reader refuses (ragged rows): a frame hands a
    # million rows over several times faster than lists bound as parameters, and a clean
    # load, or the command line's start-up, does not pay for importing it.
    import pandas as pd

    frame = pd.DataFrame(rows, columns=_names(width), dtype=object)
    frame.insert(0, "rec", range(len(rows)))
    con.register("series_slow_frame", frame)
    try:
        con.execute(f"CREATE TEMP TABLE {raw} AS SELECT * FROM series_slow_frame")
    finally:
        con.unregister("series_slow_frame")
    return "rec", lines.__getitem__


def _cell(positions: dict[str, int], column: str) -> str:
    index = positions.get(column)
    if index is None:
        return "NULL::VARCHAR"
    return f"nullif(trim(c{index}, '{_TRIM}'), '')"


def _convert(con: duckdb.DuckDBPyConnection, staged: StagedSeries, raw: str, rec_column: str,
             positions: dict[str, int], width: int) -> None:
    """Trim cells, drop blank records, convert months and numbers: `staged.table`."""
    periods = f"{staged.table}_periods"
    period_cell = _cell(positions, "period")
    con.execute(
        f"CREATE TEMP TABLE {periods} AS SELECT period_text, {_MONTH_SQL} AS period, "
        f"NULL::VARCHAR AS expected FROM (SELECT period_text, "
        f"date_trunc('month', try_strptime(period_text, ?::VARCHAR[]))::DATE AS p "
        f"FROM (SELECT DISTINCT {period_cell} AS period_text FROM {raw}) WHERE period_text IS NOT NULL)",
        [*_month_params(), list(values.MONTH_FORMATS)],
    )
    blank = " AND ".join(f"coalesce(trim(c{i}, '{_TRIM}'), '') = ''" for i in range(width))
    con.execute(
        f"CREATE TEMP TABLE {staged.table} AS SELECT c.measure, "
        f"coalesce(c.area, ?) AS area, p.period, {_number_sql('n')} AS value, "
        f"?::VARCHAR AS source_file, c.rec, c.period_text, c.value_text, "
        f"NULL::VARCHAR AS value_expected "
        f"FROM (SELECT *, regexp_extract(value_text, ?, ?::VARCHAR[]) AS n FROM ("
        f"SELECT {rec_column} AS rec, {_cell(positions, 'measure')} AS measure, "
        f"{_cell(positions, 'area')} AS area, {period_cell} AS period_text, "
        f"{_cell(positions, 'value')} AS value_text FROM {raw} WHERE NOT ({blank}))) c "
        f"LEFT JOIN {periods} p USING (period_text)",
        [DEFAULT_AREA, staged.source.name, values.NUMBER_PATTERN, list(values.NUMBER_GROUPS)],
    )
    staged.rows_in_file = con.execute(f"SELECT count(*) FROM {staged.table}").fetchone()[0]


def _number_sql(n: str) -> str:
    """The comparable number from NUMBER_PATTERN's groups, as `values` computes it: percent
    as written, money in £ thousands, k/m applied. Plain figures skip the exact decimal step."""
    digits = f"replace(CASE WHEN {n}.pound <> '' THEN {n}.money_digits ELSE {n}.digits END, ',', '')"
    suffix = f"lower(CASE WHEN {n}.pound <> '' THEN {n}.money_suffix ELSE {n}.suffix END)"
    sign = f"CASE WHEN {n}.sign IN ('-', '\u2212') THEN -1 ELSE 1 END"
    scale = (f"(CASE {suffix} WHEN 'k' THEN 1000 WHEN 'm' THEN 1000000 ELSE 1 END)"
             f" / (CASE WHEN {n}.pound <> '' THEN 1000 ELSE 1 END)")
    return (
        f"CASE WHEN {digits} = '' THEN NULL "
        f"WHEN {n}.pound = '' AND {n}.suffix = '' THEN {sign} * CAST({digits} AS DOUBLE) "
        f"ELSE ({sign} * CAST({digits} AS DECIMAL(38, 10)) * {scale})::DOUBLE END + 0.0"
    )


def series_value(text: str) -> float:
    """A series value in Python, as the SQL above computes it (the fallback and the tests)."""
    number = values.parse_number(text)
    return number.value / 1000 if number.is_money else number.value


def _resolve_leftover_periods(con: duckdb.DuckDBPyConnection, staged: StagedSeries) -> None:
    """Month texts SQL could not read go to `values.parse_month`: it reads them or says why not."""
    periods = f"{staged.table}_periods"
    leftovers = [text for (text,) in con.execute(
        f"SELECT period_text FROM {periods} WHERE period IS NULL LIMIT ?", [_PYTHON_LEFTOVERS]
    ).fetchall()]
    if not leftovers:
        return
    found = [_python_reading(values.parse_month, text) for text in leftovers]
    con.execute(
        f"UPDATE {periods} SET period = f.start, expected = f.expected FROM ("
        "SELECT unnest(?::VARCHAR[]) AS text, unnest(?::DATE[]) AS start, "
        "unnest(?::VARCHAR[]) AS expected) f WHERE period_text = f.text",
        [leftovers, [m.start if m else None for m, _ in found], [e for _, e in found]],
    )
    con.execute(f"UPDATE {staged.table} s SET period = p.period FROM {periods} p "
                "WHERE s.period IS NULL AND s.period_text = p.period_text")


def _resolve_leftover_values(con: duckdb.DuckDBPyConnection, staged: StagedSeries) -> None:
    """Number texts SQL could not read go to `values.parse_number` likewise."""
    leftovers = [text for (text,) in con.execute(
        f"SELECT DISTINCT value_text FROM {staged.table} "
        "WHERE value IS NULL AND value_text IS NOT NULL LIMIT ?", [_PYTHON_LEFTOVERS]
    ).fetchall()]
    if not leftovers:
        return
    found = [_python_reading(series_value, text) for text in leftovers]
    con.execute(
        f"UPDATE {staged.table} SET value = f.value, value_expected = f.expected FROM ("
        "SELECT unnest(?::VARCHAR[]) AS text, unnest(?::DOUBLE[]) AS value, "
        "unnest(?::VARCHAR[]) AS expected) f WHERE value_text = f.text",
        [leftovers, [v for v, _ in found], [e for _, e in found]],
    )


#: Distinct texts handed to the Python parsers per column; past these, a cell SQL cannot read
#: is reported with the general wording (they are errors in all but contrived files).
_PYTHON_LEFTOVERS = 10_000


def _python_reading(parse: Callable[[str], T], text: str) -> tuple[T | None, str | None]:
    try:
        return parse(text), None
    except values.ParseError as exc:
        return None, expected_words(exc)


def _cell_issues(con: duckdb.DuckDBPyConnection,
                 staged: StagedSeries) -> tuple[list[LoadIssue], LoadIssue | None]:
    """Empty required cells and values that do not read, in file order, and a count of the
    rows past those listed."""
    periods = f"{staged.table}_periods"
    problem = ("s.measure IS NULL OR s.period_text IS NULL OR s.period IS NULL "
               "OR s.value_text IS NULL OR s.value IS NULL")
    total = con.execute(f"SELECT count(*) FROM {staged.table} s WHERE {problem}").fetchone()[0]
    if total == 0:
        return [], None
    found = con.execute(
        f"SELECT s.rec, s.measure, s.period_text, s.period, p.expected, s.value_text, s.value, "
        f"s.value_expected FROM {staged.table} s LEFT JOIN {periods} p USING (period_text) "
        f"WHERE {problem} ORDER BY s.rec LIMIT ?",
        [MAX_LISTED_ISSUES],
    ).fetchall()
    issues: list[LoadIssue] = []
    name = staged.source.name
    for rec, measure, period_text, period, period_expected, value_text, value, value_expected in found:
        line = staged.line_of(rec)
        if measure is None:
            issues.append(LoadIssue(name, line, "measure", "", _REQUIRED, ERROR))
        if period_text is None:
            issues.append(LoadIssue(name, line, "period", "", _REQUIRED, ERROR))
        elif period is None:
            issues.append(LoadIssue(name, line, "period", period_text,
                                    period_expected or values.MONTH_EXPECTED, ERROR))
        if value_text is None:
            issues.append(LoadIssue(name, line, "value", "", _REQUIRED, ERROR))
        elif value is None:
            issues.append(LoadIssue(name, line, "value", value_text,
                                    value_expected or values.NUMBER_EXPECTED, ERROR))
    return issues, (_more_issue(name, total - len(found)) if total > len(found) else None)


def _more_issue(name: str, more: int) -> LoadIssue:
    return LoadIssue(name, None, None, None,
                     f"{more:,} more rows with errors like those above are not listed; "
                     "fix those and load again to see them", ERROR)


def duplicate_issues(con: duckdb.DuckDBPyConnection, staged: StagedSeries) -> list[LoadIssue]:
    """A measure, area and month given twice in one file: which value is meant?

    The series table has no PRIMARY KEY, so this is what keeps a key to one row on the
    careful path (the fast path counts repeats and, finding any, comes here for the lines)."""
    found = con.execute(
        f"SELECT measure, area, period, list(rec ORDER BY rec) AS recs FROM {staged.table} "
        "WHERE measure IS NOT NULL AND period IS NOT NULL "
        f"GROUP BY measure, area, period HAVING count(*) > 1 ORDER BY min(rec) LIMIT ?",
        [MAX_LISTED_ISSUES],
    ).fetchall()
    issues = []
    for measure, area, period, recs in found:
        first = staged.line_of(recs[0])
        for rec in recs[1:]:
            line = staged.line_of(rec)
            issues.append(LoadIssue(
                staged.source.name, line, "measure, area, period",
                f"measure {measure}, area {area}, period {period:%Y-%m}",
                f"one row per measure + area + period; line {line} repeats line {first}", ERROR))
    return issues


def unknown_measure_issues(con: duckdb.DuckDBPyConnection, staged: StagedSeries,
                           known_table: str) -> list[LoadIssue]:
    """Series rows naming a measure neither in this load's measures nor already loaded."""
    found = con.execute(
        f"SELECT measure, min(rec), count(*) FROM {staged.table} "
        f"WHERE measure IS NOT NULL AND measure NOT IN (SELECT measure FROM {known_table}) "
        f"GROUP BY measure ORDER BY min(rec) LIMIT ?",
        [MAX_LISTED_ISSUES],
    ).fetchall()
    issues = []
    for measure, rec, rows in found:
        others = f" (and {rows - 1:,} more rows naming it)" if rows > 1 else ""
        issues.append(LoadIssue(
            staged.source.name, staged.line_of(rec), "measure", measure,
            "a measure named in a measures file of this load or already loaded" + others, ERROR))
    return issues
