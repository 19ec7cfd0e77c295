"""Load CSV extracts into DuckDB: every file checked, then all written or nothing.

A load reads each file once, checks it (small files row by row in Python, the series file in
SQL), then checks across files (a series row needs its measure). Any error anywhere and the
staged copy is thrown away, so the live database stays byte-for-byte as it was. Otherwise
rows are replaced by key, each file gets a `load_log` row, and the copy is swapped in.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from loaders.atomic import staged_database
from loaders.contract import ERROR, FILE_KINDS, MEASURES, SERIES, FileKind, LoadIssue, kind_of
from loaders.reading import SourceFile, expand_paths, read_source
from loaders.schema import create_schema
from loaders.series import MAX_LISTED_ISSUES, StagedSeries, stage_series, unknown_measure_issues
from loaders.validate import TABLE_COLUMNS, CheckedFile, check_small_file

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

    def _headline(self) -> str:
        if not self.ok:
            files = len({i.file for i in self.errors})
            return (f"Nothing loaded: {len(self.errors)} error{_s(len(self.errors))} in "
                    f"{files} file{_s(files)}. The database is unchanged.")
        if self.load_id is None:
            return f"Checked {len(self.files)} file{_s(len(self.files))}: no errors (nothing written)."
        return (f"Loaded {len(self.files)} file{_s(len(self.files))} into {self.database} "
                f"(load {self.load_id}).")

    def issues_frame(self) -> pd.DataFrame:
        """Errors then warnings, one row each, for a table on the Data page."""
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
    heads = ["file", "table", "encoding", "rows"] + (["added", "replaced"] if written else [])
    body = [
        [f.name, f.table, f.encoding, f"{f.rows:,}"] + ([f"{f.added:,}", f"{f.replaced:,}"] if written else [])
        for f in files
    ]
    widths = [max(len(r[i]) for r in [heads, *body]) for i in range(len(heads))]

    def fmt(row: list[str]) -> str:
        cells = [c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        return "  " + "  ".join(cells).rstrip()

    return [fmt(heads), *[fmt(r) for r in body]]


# --- checking ---------------------------------------------------------------------------------


@dataclass
class _Checked:
    """Everything a load found before writing: per file, its rows or staged table."""

    small: list[CheckedFile] = field(default_factory=list)
    series: list[StagedSeries] = field(default_factory=list)
    path_issues: list[LoadIssue] = field(default_factory=list)
    cross_issues: list[LoadIssue] = field(default_factory=list)

    def in_load_order(self) -> list[CheckedFile | StagedSeries]:
        order = {kind.table: i for i, kind in enumerate(FILE_KINDS)}
        files: list[CheckedFile | StagedSeries] = [*self.small, *self.series]
        return sorted(files, key=lambda f: (order[f.source.kind.table], f.source.name))

    def issues(self) -> list[LoadIssue]:
        found = list(self.path_issues)
        for checked in self.in_load_order():
            found.extend(_capped(checked.issues, checked.source.name))
        return found + self.cross_issues


def _capped(issues: list[LoadIssue], name: str) -> list[LoadIssue]:
    errors = [i for i in issues if i.severity == ERROR]
    if len(errors) <= MAX_LISTED_ISSUES:
        return issues
    kept = errors[:MAX_LISTED_ISSUES]
    more = LoadIssue(name, None, None, None,
                     f"{len(errors) - len(kept):,} more errors are not listed; "
                     "fix those above and load again to see them", ERROR)
    return [*kept, more, *(i for i in issues if i.severity != ERROR)]


def _read_sources(paths: Sequence[Path | str]) -> tuple[list[SourceFile], list[LoadIssue]]:
    files, issues = expand_paths(paths)
    sources = []
    for path in files:
        try:
            sources.append(read_source(path, kind_of(path)))
        except OSError as exc:
            issues.append(LoadIssue(path.name, None, None, None,
                                    f"a readable file ({exc.strerror})", ERROR))
    return sources, issues


def _check(con: duckdb.DuckDBPyConnection, sources: list[SourceFile], path_issues: list[LoadIssue],
           existing_measures: set[str], workdir: Path) -> _Checked:
    checked = _Checked(path_issues=path_issues)
    for index, source in enumerate(sources):
        if source.kind is SERIES:
            checked.series.append(stage_series(con, source, index, workdir))
        else:
            checked.small.append(check_small_file(source))
    if checked.series:
        known = set(existing_measures)
        measure_at = TABLE_COLUMNS[MEASURES.table].index("measure")
        for small in checked.small:
            if small.source.kind is MEASURES:
                known.update(row[measure_at] for row in small.rows)
        con.execute("CREATE OR REPLACE TEMP TABLE known_measures (measure VARCHAR)")
        con.executemany("INSERT INTO known_measures VALUES (?)", [[m] for m in sorted(known)])
        for staged in checked.series:
            checked.cross_issues.extend(unknown_measure_issues(con, staged, "known_measures"))
    return checked


def _existing_measures(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {m for (m,) in con.execute("SELECT DISTINCT measure FROM measures").fetchall()}


def _report(checked: _Checked, ok: bool) -> LoadReport:
    issues = checked.issues()
    return LoadReport(
        ok=ok,
        warnings=[i for i in issues if i.severity != ERROR],
        errors=[i for i in issues if i.severity == ERROR],
    )


def validate_extracts(paths: Sequence[Path | str], db_path: Path | str | None = None) -> LoadReport:
    """Check extracts without writing anything. With `db_path`, series may name measures
    already loaded there."""
    sources, path_issues = _read_sources(paths)
    existing: set[str] = set()
    if db_path is not None and Path(db_path).exists():
        with duckdb.connect(str(db_path), read_only=True) as live:
            if live.execute("SELECT count(*) FROM information_schema.tables "
                            "WHERE table_name = 'measures'").fetchone()[0]:
                existing = _existing_measures(live)
    with tempfile.TemporaryDirectory(prefix="extracts-") as workdir, duckdb.connect() as con:
        create_schema(con)
        checked = _check(con, sources, path_issues, existing, Path(workdir))
        report = _report(checked, ok=True)
        report.ok = not report.errors
        report.files = [_file_report(f) for f in checked.in_load_order()]
    return report


# --- writing ----------------------------------------------------------------------------------


class _Rejected(Exception):
    """Raised inside the staged database to throw the copy away."""


def load_extracts(paths: Sequence[Path | str], db_path: Path | str) -> LoadReport:
    """Check every file, then load all of them into `db_path` or, on any error, nothing."""
    sources, path_issues = _read_sources(paths)
    db_path = Path(db_path)
    report = LoadReport(ok=False, database=str(db_path))
    with tempfile.TemporaryDirectory(prefix="extracts-") as workdir:
        try:
            with staged_database(db_path) as con:
                checked = _check(con, sources, path_issues, _existing_measures(con), Path(workdir))
                found = _report(checked, ok=False)
                report.warnings, report.errors = found.warnings, found.errors
                report.files = [_file_report(f) for f in checked.in_load_order()]
                if report.errors or not sources:
                    if not report.errors:
                        report.errors.append(LoadIssue("(no files)", None, None, None,
                                                       "at least one extract file to load", ERROR))
                    raise _Rejected
                report.load_id = _next_load_id(con)
                loaded_at = datetime.now(timezone.utc).replace(tzinfo=None)
                report.files = [
                    write_file(con, f, report.load_id, loaded_at) for f in checked.in_load_order()
                ]
        except _Rejected:
            report.load_id = None
            return report
    report.ok = True
    return report


def _next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM load_log").fetchone()[0]


def _file_report(checked: CheckedFile | StagedSeries, added: int = 0, replaced: int = 0) -> FileReport:
    source = checked.source
    return FileReport(source.name, source.kind.table, source.encoding, checked.rows_in_file,
                      added, replaced)


def _quoted(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def _stage_rows(con: duckdb.DuckDBPyConnection, checked: CheckedFile) -> str:
    table = checked.source.kind.table
    columns = TABLE_COLUMNS[table]
    staged = f"{table}_rows"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {staged} AS "
                f"SELECT {_quoted(columns)} FROM {table} LIMIT 0")
    if checked.rows:
        marks = ", ".join("?" for _ in columns)
        con.executemany(f"INSERT INTO {staged} VALUES ({marks})", [list(r) for r in checked.rows])
    return staged


def write_file(con: duckdb.DuckDBPyConnection, checked: CheckedFile | StagedSeries, load_id: int,
               loaded_at: datetime) -> FileReport:
    """Replace the file's rows by key in the staged database and log the file."""
    kind: FileKind = checked.source.kind
    staged = checked.table if isinstance(checked, StagedSeries) else _stage_rows(con, checked)
    columns = _quoted(TABLE_COLUMNS[kind.table])
    match = " AND ".join(f't."{k}" = n."{k}"' for k in kind.key)
    replaced = con.execute(
        f"SELECT count(*) FROM {kind.table} t JOIN {staged} n ON {match}").fetchone()[0]
    if replaced:
        con.execute(f"DELETE FROM {kind.table} t USING {staged} n WHERE {match}")
    inserted = con.execute(
        f"INSERT INTO {kind.table} ({columns}, load_id) SELECT {columns}, ? FROM {staged}", [load_id]
    ).fetchone()[0]
    added = inserted - replaced
    source = checked.source
    con.execute(
        "INSERT INTO load_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [load_id, loaded_at, source.name, source.sha256, kind.table, source.encoding,
         checked.rows_in_file, added, replaced],
    )
    return _file_report(checked, added, replaced)

