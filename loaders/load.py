"""Load CSV extracts into DuckDB: every file checked, then all written or nothing.

A load reads each file once, checks it (small files row by row in Python, the series file in
SQL), then checks across files (a series row needs its measure). Any error anywhere and the
staged copy is thrown away, so the live database stays byte-for-byte as it was. Otherwise
rows are replaced by key, each file gets a `load_log` row, and the copy is swapped in.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from typing import TYPE_CHECKING

import duckdb

from loaders.atomic import quiet_connect, staged_database
from loaders.history import replace_changed
from loaders.contract import (
    ERROR,
    FILE_KINDS,
    MEASURES,
    SERIES,
    WARNING,
    FileKind,
    LoadIssue,
    escaped,
    kind_of,
)
from loaders.provenance import Actor, command_line_actor
from loaders.reading import SourceFile, expand_paths, read_source
from loaders.schema import create_schema
from loaders.series import (
    MAX_LISTED_ISSUES,
    SeriesLayout,
    StagedSeries,
    check_series_layout,
    duplicate_issues,
    insert_series_fast,
    stage_series,
    unknown_measure_issues,
)
from loaders.validate import TABLE_COLUMNS, CheckedFile, check_small_file

if TYPE_CHECKING:  # only the app's Data page asks for a frame; the command line never imports pandas
    import pandas as pd

ISSUE_COLUMNS: tuple[str, ...] = ("file", "line", "column", "value", "expected", "severity")


@dataclass(frozen=True)
class FileReport:
    name: str
    table: str
    encoding: str
    rows: int
    added: int
    replaced: int


@dataclass
class LoadReport:
    """What a load did (or, when `ok` is False, why it wrote nothing)."""

    ok: bool
    files: list[FileReport] = field(default_factory=list)
    warnings: list[LoadIssue] = field(default_factory=list)
    errors: list[LoadIssue] = field(default_factory=list)
    load_id: int | None = None
    database: str | None = None

    def to_text(self) -> str:
        """The report as the command line prints it."""
        lines = [self._headline()]
        if self.files:
            lines.append("")
            lines.extend(_files_table(self.files, written=self.ok and self.load_id is not None))
        for title, issues in (("Errors", self.errors), ("Warnings", self.warnings)):
            if issues:
                lines += ["", f"{title} ({len(issues)}):"]
                lines += [f"  {issue.message}" for issue in issues]
        return "\n".join(lines) + "\n"

    def headline(self, show_database: bool = True) -> str:
        """The report's first line; in the app without the server's path to the database."""
        if self.ok and self.load_id is not None and not show_database:
            return f"Loaded {len(self.files)} file{_s(len(self.files))} (load {self.load_id})."
        return self._headline()

    def to_dict(self) -> dict:
        """The report as plain data, for a load run in a child process."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> LoadReport:
        return cls(
            ok=data["ok"],
            files=[FileReport(**f) for f in data["files"]],
            warnings=[LoadIssue(**i) for i in data["warnings"]],
            errors=[LoadIssue(**i) for i in data["errors"]],
            load_id=data["load_id"],
            database=data["database"],
        )

    def _headline(self) -> str:
        if not self.ok:
            files = len({i.file for i in self.errors})
            return (f"Nothing loaded: {len(self.errors)} error{_s(len(self.errors))} in "
                    f"{files} file{_s(files)}. The database is unchanged.")
        if self.load_id is None:
            return f"Checked {len(self.files)} file{_s(len(self.files))}: no errors (nothing written)."
        return (f"Loaded {len(self.files)} file{_s(len(self.files))} into {self.database} "
                f"(load {self.load_id}).")

    def print_for_cli(self) -> int:
        """Print the report (each error again on stderr) and return the command's exit status."""
        print(self.to_text(), end="")
        for issue in self.errors:
            print(f"error: {issue.message}", file=sys.stderr)
        return 0 if self.ok else 1

    def issues_frame(self) -> pd.DataFrame:
        """Errors then warnings, one row each, for a table on the Data page."""
        import pandas as pd  # here, not at the top: the command line has no use for it

        rows = [
            (i.file, i.line, i.column, i.value, i.expected, i.severity)
            for i in [*self.errors, *self.warnings]
        ]
        frame = pd.DataFrame(rows, columns=list(ISSUE_COLUMNS))
        frame["line"] = frame["line"].astype("Int64")
        return frame


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _files_table(files: list[FileReport], written: bool) -> list[str]:
    heads = ["file", "table", "encoding", "rows"] + (["added", "replaced", "unchanged"] if written else [])
    body = [
        [escaped(f.name), f.table, f.encoding, f"{f.rows:,}"]
        + ([f"{f.added:,}", f"{f.replaced:,}", f"{f.rows - f.added - f.replaced:,}"] if written else [])
        for f in files
    ]
    widths = [max(len(r[i]) for r in [heads, *body]) for i in range(len(heads))]

    def fmt(row: list[str]) -> str:
        cells = [c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        return "  " + "  ".join(cells)  # the last column is right-aligned: nothing trails

    return [fmt(heads), *[fmt(r) for r in body]]


# --- checking ---------------------------------------------------------------------------------


@dataclass
class _DeferredSeries:
    """A series file whose header is fine, left for the one-statement insert of a clean load."""

    source: SourceFile
    layout: SeriesLayout
    rows_in_file: int = 0
    written: bool = False

    @property
    def issues(self) -> list[LoadIssue]:
        return self.layout.issues


_FileCheck = CheckedFile | StagedSeries | _DeferredSeries


@dataclass
class _Checked:
    """Everything a load found before writing, file by file."""

    files: list[_FileCheck] = field(default_factory=list)
    path_issues: list[LoadIssue] = field(default_factory=list)
    cross_issues: list[LoadIssue] = field(default_factory=list)

    def in_load_order(self) -> list[_FileCheck]:
        order = {kind.table: i for i, kind in enumerate(FILE_KINDS)}
        return sorted(self.files, key=lambda f: (order[f.source.kind.table], f.source.name))

    def issues(self) -> list[LoadIssue]:
        found = list(self.path_issues)
        for checked in self.in_load_order():
            found.extend(_capped(checked.issues, checked.source.name))
        return found + self.cross_issues

    def has_errors(self) -> bool:
        return any(i.severity == ERROR for i in self.issues())


def _capped(issues: list[LoadIssue], name: str) -> list[LoadIssue]:
    """A file's errors, then its warnings, each listed up to MAX_LISTED_ISSUES and counted
    past that (a header of a million unknown columns is a million warnings)."""
    errors = [i for i in issues if i.severity == ERROR]
    warnings = [i for i in issues if i.severity != ERROR]
    if len(errors) <= MAX_LISTED_ISSUES and len(warnings) <= MAX_LISTED_ISSUES:
        return issues
    capped = errors[:MAX_LISTED_ISSUES]
    if len(errors) > MAX_LISTED_ISSUES:
        capped.append(LoadIssue(name, None, None, None,
                                f"{len(errors) - MAX_LISTED_ISSUES:,} more errors are not listed; "
                                "fix those above and load again to see them", ERROR))
    capped += warnings[:MAX_LISTED_ISSUES]
    if len(warnings) > MAX_LISTED_ISSUES:
        capped.append(LoadIssue(name, None, None, None,
                                f"{len(warnings) - MAX_LISTED_ISSUES:,} more warnings are not listed",
                                WARNING))
    return capped


def _read_sources(paths: Sequence[Path | str]) -> tuple[list[SourceFile], list[LoadIssue]]:
    files, issues = expand_paths(paths)
    sources = []
    for path in files:
        try:
            sources.append(read_source(path, kind_of(path)))
        except OSError as exc:
            issues.append(LoadIssue(path.name, None, None, None,
                                    f"expected a readable file ({exc.strerror})", ERROR))
    return sources, issues


def _check(sources: list[SourceFile], path_issues: list[LoadIssue]) -> _Checked:
    """Every small file in full; of a series file only its encoding and header."""
    checked = _Checked(path_issues=path_issues)
    for source in sources:
        if source.kind is SERIES:
            checked.files.append(_DeferredSeries(source, check_series_layout(source)))
        else:
            checked.files.append(check_small_file(source))
    return checked


def _check_series_carefully(con: duckdb.DuckDBPyConnection, checked: _Checked, known_table: str,
                            workdir: Path) -> None:
    """Stage every series file not yet written, with every problem and its line."""
    for position, item in enumerate(checked.files):
        if isinstance(item, _DeferredSeries) and not item.written:
            staged = stage_series(con, item.source, item.layout, position, workdir)
            if staged.rows_in_file:
                staged.issues.extend(duplicate_issues(con, staged))
                checked.cross_issues.extend(unknown_measure_issues(con, staged, known_table))
            checked.files[position] = staged


def _known_measures_table(con: duckdb.DuckDBPyConnection, checked: _Checked,
                          existing: set[str]) -> str:
    """Measures a series may name before anything is written: loaded ones and this load's."""
    known = set(existing)
    measure_at = TABLE_COLUMNS[MEASURES.table].index("measure")
    for item in checked.files:
        if isinstance(item, CheckedFile) and item.source.kind is MEASURES:
            known.update(row[measure_at] for row in item.rows)
    con.execute("CREATE OR REPLACE TEMP TABLE known_measures (measure VARCHAR)")
    if known:
        con.execute("INSERT INTO known_measures SELECT unnest(?::VARCHAR[])", [sorted(known)])
    return "known_measures"


def _existing_measures(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {m for (m,) in con.execute("SELECT DISTINCT measure FROM measures").fetchall()}


def _fill_report(report: LoadReport, checked: _Checked) -> None:
    issues = checked.issues()
    report.warnings = [i for i in issues if i.severity != ERROR]
    report.errors = [i for i in issues if i.severity == ERROR]
    report.files = [_file_report(f) for f in checked.in_load_order()]


def _existing_measures_readonly(db_path: Path | None) -> set[str]:
    if db_path is None or not db_path.exists():
        return set()
    with quiet_connect(db_path, read_only=True) as live:
        has_measures = live.execute("SELECT count(*) FROM information_schema.tables "
                                    "WHERE table_name = 'measures'").fetchone()[0]
        return _existing_measures(live) if has_measures else set()


def _check_series_apart(checked: _Checked, db_path: Path | None) -> None:
    """Check the series files carefully in a scratch database: the live one is only read."""
    existing = _existing_measures_readonly(db_path)
    with tempfile.TemporaryDirectory(prefix="extracts-") as workdir, quiet_connect() as con:
        create_schema(con)
        known = _known_measures_table(con, checked, existing)
        _check_series_carefully(con, checked, known, Path(workdir))


def validate_extracts(paths: Sequence[Path | str], db_path: Path | str | None = None) -> LoadReport:
    """Check extracts without writing anything. With `db_path`, series may name measures
    already loaded there."""
    sources, path_issues = _read_sources(paths)
    checked = _check(sources, path_issues)
    _check_series_apart(checked, Path(db_path) if db_path is not None else None)
    report = LoadReport(ok=False)
    _fill_report(report, checked)
    report.ok = not report.errors
    return report


# --- writing ----------------------------------------------------------------------------------


class _Rejected(Exception):
    """Raised inside the staged database to throw the copy away."""


def load_extracts(paths: Sequence[Path | str], db_path: Path | str,
                  actor: Actor | None = None) -> LoadReport:
    """Check every file, then load all of them into `db_path` or, on any error, nothing.

    `actor` is who loads and from where, for `load_log`; by default the OS user at the
    command line."""
    actor = actor or command_line_actor()
    sources, path_issues = _read_sources(paths)
    db_path = Path(db_path)
    report = LoadReport(ok=False, database=str(db_path))
    if not sources and not path_issues:
        path_issues.append(LoadIssue("(no files)", None, None, None,
                                     "expected at least one extract file to load", ERROR))
    checked = _check(sources, path_issues)
    if checked.has_errors():
        # Nothing will be written, so the database is not even copied; the series files'
        # errors still belong in the report.
        _check_series_apart(checked, db_path)
        _fill_report(report, checked)
        return report
    with tempfile.TemporaryDirectory(prefix="extracts-") as workdir:
        try:
            with staged_database(db_path) as con:
                entry = LogEntry(_next_load_id(con), _utc_now(), actor)
                files = _write_all(con, checked, entry, Path(workdir))
        except _Rejected:
            _fill_report(report, checked)
            return report
    _fill_report(report, checked)
    report.ok, report.load_id, report.files = True, entry.load_id, files
    return report


@dataclass(frozen=True)
class LogEntry:
    """What every `load_log` row of one load shares."""

    load_id: int
    loaded_at: datetime  # UTC, naive (as stored)
    actor: Actor


def _utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _write_all(con: duckdb.DuckDBPyConnection, checked: _Checked, entry: LogEntry,
               workdir: Path) -> list[FileReport]:
    """Write file after file; a series file that is not clean is staged carefully first."""
    written: list[FileReport] = []
    position = 0
    while position < len(checked.files):
        item = checked.in_load_order()[position]
        if isinstance(item, _DeferredSeries):
            result = insert_series_fast(con, item.source, item.layout, entry.load_id, workdir)
            if result is None:
                _check_series_carefully(con, checked, MEASURES.table, workdir)
                if checked.has_errors():
                    raise _Rejected
                continue  # the same position now holds the staged file
            item.rows_in_file, added, replaced = result
            item.written = True
            written.append(_log_file(con, item, entry, added, replaced))
        else:
            written.append(write_file(con, item, entry))
        position += 1
    return written


def _next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM load_log").fetchone()[0]


def _file_report(checked: _FileCheck, added: int = 0, replaced: int = 0) -> FileReport:
    source = checked.source
    return FileReport(source.name, source.kind.table, source.encoding, checked.rows_in_file,
                      added, replaced)


def _quoted(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _stage_rows(con: duckdb.DuckDBPyConnection, checked: CheckedFile) -> str:
    table = checked.source.kind.table
    columns = TABLE_COLUMNS[table]
    staged = f"{table}_rows"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {staged} AS "
                f"SELECT {_quoted(columns)} FROM {table} LIMIT 0")
    if checked.rows:
        # One statement, a text list per column zipped back into rows by unnest (binding rows
        # one by one takes a second per few hundred rows). As text, which DuckDB casts to each
        # column's type on insert, so no column's type is guessed from its first values.
        by_column = [list(cells) for cells in zip(*([_as_text(v) for v in row] for row in checked.rows))]
        unnested = ", ".join("unnest(?::VARCHAR[])" for _ in columns)
        con.execute(f"INSERT INTO {staged} ({_quoted(columns)}) SELECT {unnested}", by_column)
    return staged


def write_file(con: duckdb.DuckDBPyConnection, checked: CheckedFile | StagedSeries,
               entry: LogEntry) -> FileReport:
    """Replace by key the file's rows whose figures changed (the old rows kept in history) in
    the staged database and log the file."""
    kind: FileKind = checked.source.kind
    staged = checked.table if isinstance(checked, StagedSeries) else _stage_rows(con, checked)
    added, replaced = replace_changed(con, kind, staged, entry.load_id, TABLE_COLUMNS[kind.table])
    return _log_file(con, checked, entry, added, replaced)


def _log_file(con: duckdb.DuckDBPyConnection, checked: _FileCheck, entry: LogEntry,
              added: int, replaced: int) -> FileReport:
    source = checked.source
    con.execute(
        f"INSERT INTO load_log ({', '.join(LOG_COLUMNS)}) VALUES ({', '.join('?' * len(LOG_COLUMNS))})",
        [entry.load_id, entry.loaded_at, source.name, source.sha256, source.kind.table, source.encoding,
         checked.rows_in_file, added, replaced, entry.actor.name, entry.actor.source, None],
    )
    return _file_report(checked, added, replaced)


#: `load_log`'s columns in the order `_log_file` and restores write them.
LOG_COLUMNS: tuple[str, ...] = (
    "load_id", "loaded_at", "file_name", "file_sha256", "table_name", "encoding",
    "rows_in_file", "rows_added", "rows_replaced", "loaded_by", "load_source", "restored_load_id")
