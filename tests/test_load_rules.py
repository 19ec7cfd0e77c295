"""The load's own rules: its report (text, headline, plain data for the app), the checks that
only read the live database, the careful path for series files, and what `load_log` records."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from loaders import LoadIssue, LoadReport, load_extracts, validate_extracts
from loaders import load as load_module
from loaders.contract import ERROR, WARNING

GOOD = Path(__file__).resolve().parent / "fixtures" / "loader" / "good"
MEASURES = "period,theme,measure,polarity\n2019-01,T,Referrals,up\n2019-01,T,Rate,up\n"
EXTRA_COLUMN_WARNING = 'measures.csv, line 1, column extra: "extra": not a column of measures files; ignored'
BAD_FORECAST = ('budget.csv, line 2, column forecast_outturn: "x": expected a number such as 4,872, -78.4%, '
                "+£1.1m or £188,209k")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def measures_with_extra_column(folder: Path) -> Path:
    """One measure and an unknown column: a file that loads with one warning."""
    return write(folder, "measures.csv", "period,theme,measure,polarity,extra\n2019-01,T,M,up,x\n")


def bad_budget(folder: Path) -> Path:
    """A budget file with one error."""
    return write(folder, "budget.csv", "financial_year,period,entity,category,budget,forecast_outturn\n"
                                       "2018-19,2018-12,F,revenue,1,x\n")


def log_rows(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT file_name, loaded_at FROM load_log ORDER BY file_name").fetchall()


# --- the report ---------------------------------------------------------------------------------


def test_report_of_a_load_lists_files_with_counts_then_warnings(tmp_path: Path) -> None:
    """A load's report: headline, files with rows added and replaced, then every warning."""
    db = tmp_path / "db.duckdb"
    report = load_extracts([measures_with_extra_column(tmp_path)], db)
    assert report.to_text() == (
        f"Loaded 1 file into {db} (load 1).\n\n"
        "  file          table     encoding  rows  added  replaced  unchanged\n"
        "  measures.csv  measures  utf-8        1      1         0          0\n\n"
        "Warnings (1):\n"
        f"  {EXTRA_COLUMN_WARNING}\n"
    )


def test_report_of_a_reload_counts_rows_added_replaced_and_unchanged(tmp_path: Path) -> None:
    """Loading a file again: a changed row is replaced, a new one added, the rest unchanged."""
    db = tmp_path / "db.duckdb"
    first = tmp_path / "first"
    first.mkdir()
    load_extracts([write(first, "measures.csv", MEASURES)], db)
    again = write(tmp_path, "measures.csv", "period,theme,measure,polarity\n2019-01,T,Referrals,down\n"
                                            "2019-01,T,Rate,up\n2019-02,T,Rate,up\n")
    assert load_extracts([again], db).to_text() == (
        f"Loaded 1 file into {db} (load 2).\n\n"
        "  file          table     encoding  rows  added  replaced  unchanged\n"
        "  measures.csv  measures  utf-8        3      1         1          1\n"
    )


def test_report_of_a_check_has_no_added_or_replaced_columns(tmp_path: Path) -> None:
    """A check writes nothing, so its table has no rows added or replaced to show."""
    report = validate_extracts([measures_with_extra_column(tmp_path)])
    assert report.ok and report.load_id is None
    assert report.to_text() == (
        "Checked 1 file: no errors (nothing written).\n\n"
        "  file          table     encoding  rows\n"
        "  measures.csv  measures  utf-8        1\n\n"
        "Warnings (1):\n"
        f"  {EXTRA_COLUMN_WARNING}\n"
    )


def test_report_of_a_refused_load_lists_errors_then_warnings(tmp_path: Path) -> None:
    """One error in one file: said in the singular, errors before warnings, no counts of rows."""
    report = load_extracts([bad_budget(tmp_path), measures_with_extra_column(tmp_path)], tmp_path / "db.duckdb")
    assert report.to_text() == (
        "Nothing loaded: 1 error in 1 file. The database is unchanged.\n\n"
        "  file          table     encoding  rows\n"
        "  measures.csv  measures  utf-8        1\n"
        "  budget.csv    budget    utf-8        1\n\n"
        "Errors (1):\n"
        f"  {BAD_FORECAST}\n\n"
        "Warnings (1):\n"
        f"  {EXTRA_COLUMN_WARNING}\n"
    )


def test_headlines_count_files_in_the_singular_and_plural(tmp_path: Path) -> None:
    """'1 file', '2 files', '1 error', '2 errors': the headline counts as a person would."""
    db = tmp_path / "db.duckdb"
    assert validate_extracts([GOOD / "budget.csv"]).headline() == "Checked 1 file: no errors (nothing written)."
    assert validate_extracts([GOOD / "budget.csv", GOOD / "measures.csv"]).headline() == (
        "Checked 2 files: no errors (nothing written).")
    assert load_extracts([GOOD / "budget.csv"], db).headline() == f"Loaded 1 file into {db} (load 1)."
    assert load_extracts([GOOD / "budget.csv", GOOD / "measures.csv"], db).headline() == (
        f"Loaded 2 files into {db} (load 2).")
    two_bad = write(tmp_path, "measures.csv", "period,theme,measure,polarity\n2019-13,T,A,up\n2019-14,T,B,up\n")
    assert load_extracts([two_bad, bad_budget(tmp_path)], db).headline() == (
        "Nothing loaded: 3 errors in 2 files. The database is unchanged.")


def test_headline_in_the_app_names_no_server_path(tmp_path: Path) -> None:
    """The Data page shows a load's headline without the database's path on the server."""
    db = tmp_path / "db.duckdb"
    one = load_extracts([GOOD / "budget.csv"], db)
    assert one.headline(show_database=False) == "Loaded 1 file (load 1)."
    assert str(db) in one.headline()
    two = load_extracts([GOOD / "budget.csv", GOOD / "measures.csv"], db)
    assert two.headline(show_database=False) == "Loaded 2 files (load 2)."
    # A check or a refused load names no path either way, and says what it is.
    checked = validate_extracts([GOOD / "budget.csv"])
    assert checked.headline(show_database=False) == "Checked 1 file: no errors (nothing written)."
    refused = load_extracts([bad_budget(tmp_path)], db)
    assert refused.headline(show_database=False) == (
        "Nothing loaded: 1 error in 1 file. The database is unchanged.")


def test_report_survives_the_trip_from_the_child_loader(tmp_path: Path) -> None:
    """An upload's report comes back from the child process as JSON: every field as it was."""
    db = tmp_path / "db.duckdb"
    loaded = load_extracts([measures_with_extra_column(tmp_path)], db)
    refused = load_extracts([bad_budget(tmp_path), measures_with_extra_column(tmp_path)], db)
    assert loaded.ok and loaded.load_id == 1 and loaded.files and loaded.warnings
    assert not refused.ok and refused.errors and refused.warnings
    for report in (loaded, refused):
        back = LoadReport.from_dict(json.loads(json.dumps(report.to_dict())))
        assert back == report
        assert back.to_text() == report.to_text()


def test_issues_frame_keeps_a_whole_file_problem_without_a_line(tmp_path: Path) -> None:
    """A problem with a file as a whole has no line: an empty cell, not a number or an error."""
    missing = tmp_path / "measures_missing.csv"
    report = load_extracts([missing, bad_budget(tmp_path)], tmp_path / "db.duckdb")
    frame = report.issues_frame()
    assert str(frame["line"].dtype) == "Int64"
    assert frame["file"].tolist() == [str(missing), "budget.csv"]
    assert frame["line"].iloc[0] is pd.NA
    assert frame["line"].iloc[1] == 2
    assert frame["severity"].tolist() == [ERROR, ERROR]


def test_files_of_a_refused_load_or_a_check_show_nothing_added_or_replaced(tmp_path: Path) -> None:
    """The Data page's table of files shows rows added and replaced: 0 and 0 when nothing was written."""
    refused = load_extracts([bad_budget(tmp_path), GOOD / "measures.csv"], tmp_path / "db.duckdb")
    checked = validate_extracts([GOOD / "measures.csv", GOOD / "budget.csv"])
    assert refused.ok is False and checked.ok is True
    assert [(f.name, f.rows, f.added, f.replaced) for f in refused.files] == [
        ("measures.csv", 3, 0, 0), ("budget.csv", 1, 0, 0)]
    assert [(f.name, f.rows, f.added, f.replaced) for f in checked.files] == [
        ("measures.csv", 3, 0, 0), ("budget.csv", 3, 0, 0)]
    assert refused.to_dict()["ok"] is False  # the app reads it back as JSON: a boolean


def test_a_load_of_no_files_is_an_error(tmp_path: Path) -> None:
    """Called with no paths at all, a load loads nothing, and says so."""
    db = tmp_path / "db.duckdb"
    report = load_extracts([], db)
    assert report.ok is False and report.files == []
    assert report.errors == [LoadIssue("(no files)", None, None, None,
                                       "expected at least one extract file to load", ERROR)]
    assert report.headline() == "Nothing loaded: 1 error in 1 file. The database is unchanged."
    assert not db.exists()


def _measures_with(errors: int, warnings: int) -> str:
    """A measures file with `warnings` unknown columns and `errors` rows with a bad month."""
    header = "period,theme,measure,polarity" + "".join(f",extra{i}" for i in range(warnings))
    rows = "".join(f"2019-13,T,M{i},up{',' * warnings}\n" for i in range(errors))
    return header + "\n" + rows


def _listed(report: LoadReport) -> tuple[list[tuple], list[tuple]]:
    def where(issues: list) -> list[tuple]:
        return [(i.file, i.line, i.column, i.value, i.severity) for i in issues]
    return where(report.errors), where(report.warnings)


def test_errors_past_the_cap_are_counted_not_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_LISTED_ISSUES errors in a file the rest are counted in one line; its warnings,
    up to the cap, are all still listed."""
    monkeypatch.setattr(load_module, "MAX_LISTED_ISSUES", 2)
    report = load_extracts([write(tmp_path, "measures.csv", _measures_with(errors=3, warnings=2))],
                           tmp_path / "db.duckdb")
    errors, warnings = _listed(report)
    assert errors == [("measures.csv", 2, "period", "2019-13", ERROR), ("measures.csv", 3, "period", "2019-13", ERROR),
                      ("measures.csv", None, None, None, ERROR)]
    assert report.errors[-1].message == (
        "measures.csv: 1 more errors are not listed; fix those above and load again to see them")
    assert warnings == [("measures.csv", 1, "extra0", "extra0", WARNING), ("measures.csv", 1, "extra1", "extra1", WARNING)]


def test_warnings_past_the_cap_are_counted_not_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_LISTED_ISSUES warnings the rest are counted in one line; errors up to the cap are all listed."""
    monkeypatch.setattr(load_module, "MAX_LISTED_ISSUES", 2)
    report = validate_extracts([write(tmp_path, "measures.csv", _measures_with(errors=2, warnings=4))])
    errors, warnings = _listed(report)
    assert errors == [("measures.csv", 2, "period", "2019-13", ERROR), ("measures.csv", 3, "period", "2019-13", ERROR)]
    assert warnings == [("measures.csv", 1, "extra0", "extra0", WARNING), ("measures.csv", 1, "extra1", "extra1", WARNING),
                        ("measures.csv", None, None, None, WARNING)]
    assert report.warnings[-1].message == "measures.csv: 2 more warnings are not listed"


def test_issues_up_to_the_cap_are_all_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Exactly MAX_LISTED_ISSUES errors and warnings: every one listed, nothing counted."""
    monkeypatch.setattr(load_module, "MAX_LISTED_ISSUES", 2)
    report = validate_extracts([write(tmp_path, "measures.csv", _measures_with(errors=2, warnings=2))])
    errors, warnings = _listed(report)
    assert [e[1] for e in errors] == [2, 3]
    assert [w[2] for w in warnings] == ["extra0", "extra1"]


# --- checks that only read the live database ----------------------------------------------------


def test_check_leaves_no_file_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A check builds its scratch database in memory: nothing appears in the working folder."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    write(tmp_path, "measures.csv", MEASURES)
    write(tmp_path, "series.csv", "measure,period,value\nReferrals,2019-01,5\nNobody,2019-01,6\n")
    report = validate_extracts([tmp_path / "measures.csv", tmp_path / "series.csv"])
    assert [(i.line, i.value) for i in report.errors] == [(3, "Nobody")]
    assert list(cwd.iterdir()) == []


def test_a_file_that_cannot_be_read_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the loader may not read is named, with the system's reason, and nothing is written."""
    real = load_module.read_source

    def refusing(path: Path, kind):  # noqa: ANN001
        if path.name == "budget.csv":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, kind)

    monkeypatch.setattr(load_module, "read_source", refusing)
    db = tmp_path / "db.duckdb"
    report = load_extracts([GOOD / "measures.csv", GOOD / "budget.csv"], db)
    assert report.errors == [LoadIssue("budget.csv", None, None, None,
                                       "expected a readable file (Permission denied)", ERROR)]
    assert report.headline() == "Nothing loaded: 1 error in 1 file. The database is unchanged."
    assert [f.name for f in report.files] == ["measures.csv"]
    assert not db.exists()


def test_check_while_the_dashboard_reads_the_database(tmp_path: Path) -> None:
    """The dashboard holds the live file open read-only; a check reads the loaded measures beside it."""
    db = tmp_path / "db.duckdb"
    assert load_extracts([write(tmp_path, "measures.csv", MEASURES)], db).ok
    series = write(tmp_path, "series.csv", "measure,period,value\nReferrals,2019-01,5\nNobody,2019-01,6\n")
    with duckdb.connect(str(db), read_only=True) as dashboard:
        report = validate_extracts([series], db)
        assert dashboard.execute("SELECT count(*) FROM measures").fetchone()[0] == 2
    assert [(i.line, i.value) for i in report.errors] == [(3, "Nobody")]


def test_check_against_a_database_with_no_measures_table(tmp_path: Path) -> None:
    """A database file with no tables yet knows no measures: the series' measure is unknown."""
    db = tmp_path / "db.duckdb"
    duckdb.connect(str(db)).close()
    before = db.read_bytes()
    series = write(tmp_path, "series.csv", "measure,period,value\nReferrals,2019-01,5\n")
    report = validate_extracts([series], db)
    assert [(i.file, i.line, i.column, i.value) for i in report.errors] == [
        ("series.csv", 2, "measure", "Referrals")]
    assert db.read_bytes() == before


def test_refused_load_reports_series_errors_without_copying_the_database(tmp_path: Path) -> None:
    """With an error in a small file, the series is still checked (against the loaded measures)."""
    db = tmp_path / "db.duckdb"
    assert load_extracts([write(tmp_path, "measures.csv", MEASURES)], db).ok
    series = write(tmp_path, "series.csv", "measure,period,value\nReferrals,2019-01,lots\nRate,2019-01,1\n")
    report = load_extracts([series, bad_budget(tmp_path)], db)
    assert [(i.file, i.line, i.column, i.value) for i in report.errors] == [
        ("series.csv", 2, "value", "lots"), ("budget.csv", 2, "forecast_outturn", "x")]


# --- the careful path for series files ----------------------------------------------------------


WINDOWS_1252_SERIES = b"measure,period,value\r\nReferrals,2019-01,\xa31.5m\r\nReferrals,2019-02,\xa3lots\r\n"


def test_check_of_a_windows_1252_series_with_an_error(tmp_path: Path) -> None:
    """A series file saved by Excel as Windows-1252 is checked line by line like any other."""
    write(tmp_path, "measures.csv", MEASURES)
    (tmp_path / "series.csv").write_bytes(WINDOWS_1252_SERIES)
    report = validate_extracts([tmp_path])
    assert [(i.file, i.line, i.column, i.value) for i in report.errors] == [
        ("series.csv", 3, "value", "£lots")]
    assert [f.encoding for f in report.files] == ["utf-8", "windows-1252"]


def test_load_of_a_windows_1252_series_with_an_error(tmp_path: Path) -> None:
    """The same file in a load: the fast path declines it, the careful path names the line."""
    write(tmp_path, "measures.csv", MEASURES)
    (tmp_path / "series.csv").write_bytes(WINDOWS_1252_SERIES)
    db = tmp_path / "db.duckdb"
    report = load_extracts([tmp_path], db)
    assert [(i.file, i.line, i.column, i.value) for i in report.errors] == [
        ("series.csv", 3, "value", "£lots")]
    assert not db.exists()


def test_a_series_file_already_written_is_not_read_again(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """When a later series file needs the careful path, only the files not yet written are
    staged: a million-row file loaded by the fast path is not read a second time."""
    staged: list[str] = []
    real = load_module.stage_series

    def recording(con, source, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        staged.append(source.name)
        return real(con, source, *args, **kwargs)

    monkeypatch.setattr(load_module, "stage_series", recording)
    write(tmp_path, "measures.csv", MEASURES)
    write(tmp_path, "series_a.csv", "measure,period,value\nReferrals,2019-01,1\n")
    write(tmp_path, "series_b.csv", "measure,period,value,area\nRate\t,2019-01 ,5,\tCity\t\n")
    report = load_extracts([tmp_path], tmp_path / "db.duckdb")
    assert report.ok, report.to_text()
    assert staged == ["series_b.csv"]
    assert [(f.name, f.added) for f in report.files] == [
        ("measures.csv", 2), ("series_a.csv", 1), ("series_b.csv", 1)]


# --- load_log -----------------------------------------------------------------------------------


@pytest.fixture
def far_from_utc() -> Iterator[None]:
    """The machine's local time 14 hours ahead of UTC (Kiribati's Line Islands)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC-14"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def _utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@pytest.mark.usefixtures("far_from_utc")
def test_load_log_time_is_utc_whatever_the_local_time(tmp_path: Path) -> None:
    """`loaded_at` is UTC, not the server's local time."""
    assert datetime.now() - _utc_now() > pd.Timedelta(hours=13)  # the local clock is far ahead
    db = tmp_path / "db.duckdb"
    before = _utc_now()
    assert load_extracts([GOOD / "budget.csv", GOOD / "measures.csv"], db).ok
    after = _utc_now()
    logged = log_rows(db)
    assert [name for name, _ in logged] == ["budget.csv", "measures.csv"]
    assert all(before <= at <= after for _, at in logged)
    assert logged[0][1] == logged[1][1]  # one time per load, shared by its files


def test_writing_a_file_leaves_no_frame_registered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file's rows are staged by one statement from lists of text, and nothing registered on
    the connection (a frame or view) is left once each file is written, so a load of many files
    does not hold every file's rows."""
    real = load_module.write_file
    left: list[list[str]] = []

    def checking(con, checked, entry):  # noqa: ANN001
        report = real(con, checked, entry)
        left.append([v for (v,) in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND temporary").fetchall()])
        return report

    monkeypatch.setattr(load_module, "write_file", checking)
    report = load_extracts([GOOD / "measures.csv", GOOD / "deliverables.csv", GOOD / "budget.csv"],
                           tmp_path / "db.duckdb")
    assert report.ok, report.to_text()
    assert left == [[], [], []]


def test_small_files_are_staged_with_their_types_and_empty_cells(tmp_path: Path) -> None:
    """Rows staged as text are cast to each column's type, an empty cell stays NULL, and a
    file of a header alone loads nothing and is logged with no rows."""
    write(tmp_path, "measures.csv",
          "period,theme,measure,polarity,baseline,current,trend\n"
          "2019-01,Tackling crime and ASB,Burglary,lower_is_better,\"4,872\",5369,\n"
          "2019-01,Tackling crime and ASB,Robbery,lower_is_better,,,+1.5%\n")
    write(tmp_path, "budget.csv", "financial_year,period,entity,category,budget,forecast_outturn,variance\n")
    db = tmp_path / "db.duckdb"
    report = load_extracts([tmp_path], db)
    assert report.ok, report.to_text()
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT measure, period, baseline_value, current_value, trend_value FROM measures "
                           "ORDER BY measure").fetchall()
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'measures'").fetchall())
        budget_rows = con.execute("SELECT count(*) FROM budget").fetchone()[0]
    assert rows == [("Burglary", datetime(2019, 1, 1).date(), 4872.0, 5369.0, None),
                    ("Robbery", datetime(2019, 1, 1).date(), None, None, 1.5)]
    assert (types["period"], types["baseline_value"]) == ("DATE", "DOUBLE")
    assert budget_rows == 0
    assert [(f.name, f.rows, f.added) for f in report.files] == [("measures.csv", 2, 2), ("budget.csv", 0, 0)]
