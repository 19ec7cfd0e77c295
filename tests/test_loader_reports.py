"""The report-details extract (reports*.csv) and the exception table's own columns of measures.csv:
what loads, each check's message, all or nothing, and the upgrade of an existing database."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dashboard import reports
from loaders import load_extracts, validate_extracts
from loaders.contract import REPORTS, kind_of
from loaders.schema import SCHEMA_VERSION, create_schema

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REPORTS_HEADER = ("period,title,paper_for,public,report_to,meeting_date,report_of,author,email,"
                  "other_contacts,agenda_item,purpose,recommendations\n")
GOOD_ROW = ('2019-01,Update Report to January 2019,For Consideration,Public,Audit and Scrutiny Panel,'
            '8 May 2019,Police and Crime Commissioner,Kevin Dennis,kevin.dennis@example.org,Dan Howitt,13,'
            '"First purpose.\n\nSecond purpose.",The Panel to note the report.\n')
MEASURES = ("period,theme,measure,polarity,unit,baseline,current,trend,headline,exception,comment,"
            "exception_trend,exception_comment\n"
            "2019-01,Helping and supporting victims,Positive outcome rate for serious sexual offences,"
            "higher_is_better,percent,11.6% (Jan 18),8.9% (Jan 19),↓ 0.5% pts,yes,negative,"
            "Headline comment.,-2.7% pts,The exception narrative.\n")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def fetch(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_reports_file_is_known_by_its_name() -> None:
    assert kind_of(Path("reports.csv")) is REPORTS
    assert kind_of(Path("reports_2019q4.csv")) is REPORTS
    assert REPORTS.key == ("period",) and REPORTS.required == ("period",)


def test_report_details_load_and_read_back(tmp_path: Path) -> None:
    """Every field is stored as given, the date as a date, the words as their canonical form,
    and `dashboard.reports` reads them back for the pack with where they came from."""
    db = tmp_path / "db.duckdb"
    report = load_extracts([write(tmp_path, "reports.csv", REPORTS_HEADER + GOOD_ROW)], db)
    assert report.ok, report.to_text()
    assert fetch(db, "SELECT period, paper_for, public, meeting_date, agenda_item, source_line FROM reports") == [
        (date(2019, 1, 1), "consideration", True, date(2019, 5, 8), "13", 2)]
    with duckdb.connect(str(db), read_only=True) as con:
        details = reports.query_report_details(con, date(2019, 1, 1))
        assert reports.query_report_details(con, date(2019, 2, 1)) == reports.ReportDetails(date(2019, 2, 1))
    assert details.front_sheet() == [
        ("For Consideration", ""), ("Public/Non Public*", "Public"), ("Report to:", "Audit and Scrutiny Panel"),
        ("Date of Meeting:", "8 May 2019"), ("Report of:", "Police and Crime Commissioner"),
        ("Report Author:", "Kevin Dennis"), ("E-mail:", "kevin.dennis@example.org"),
        ("Other Contacts:", "Dan Howitt"), ("Agenda Item:", "13"),
    ]
    assert reports.paragraphs(details.purpose) == ["First purpose.", "Second purpose."]
    assert details.heading == "UPDATE REPORT TO JANUARY 2019"
    assert re.fullmatch(r"reports\.csv, loaded \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d UTC", details.source)
    with duckdb.connect(str(db), read_only=True) as con:
        loaded_at = con.execute("SELECT loaded_at FROM load_log WHERE file_name = 'reports.csv'").fetchone()[0]
    assert details.source.endswith(f"{loaded_at:%H:%M} UTC")   # the time of the load, not midnight


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("period", "", 'column period: "": expected a value (the column is required)'),
    ("period", "Smarch 2019", 'column period: "Smarch 2019": expected a month'),
    ("meeting_date", "May 2019", 'column meeting_date: "May 2019": expected the day of the meeting, such as '
                                 "8 May 2019, 08/05/2019 or 2019-05-08 (a month alone does not give the day)"),
    ("meeting_date", "31/02/2019", 'column meeting_date: "31/02/2019": expected the day of the meeting'),
    ("meeting_date", "8 Dec 2018", 'column meeting_date: "8 Dec 2018": expected a meeting on or after the start '
                                   "of the report period (Jan 2019), whose figures the paper reports"),
    ("public", "maybe", 'column public: "maybe": expected Public or Non Public (also yes/no)'),
    ("paper_for", "lunch", 'column paper_for: "lunch": expected consideration, information or decision'),
    ("email", "kevin at example", 'column email: "kevin at example": expected an e-mail address such as '
                                  "name@example.org"),
], ids=["no-period", "bad-period", "month-only", "no-such-day", "before-period", "public", "paper-for", "email"])
def test_a_bad_cell_names_file_line_column_and_value_and_loads_nothing(
    column: str, value: str, expected: str, tmp_path: Path
) -> None:
    """Each check's error names the file, line 2, the column and the value; the other files of
    the load are not written either (all or nothing)."""
    names = REPORTS_HEADER.strip().split(",")
    cells = dict(zip(names, ["2019-01", "T", "consideration", "Public", "Panel", "8 May 2019", "", "", "",
                             "", "13", "", ""]))
    cells[column] = value
    bad = write(tmp_path, "reports.csv", REPORTS_HEADER + ",".join(cells[n] for n in names) + "\n")
    measures = write(tmp_path, "measures.csv", MEASURES)
    db = tmp_path / "db.duckdb"
    report = load_extracts([measures, bad], db)
    assert not report.ok and not db.exists()
    assert [issue.message for issue in report.errors][0].startswith(f"reports.csv, line 2, {expected}")


def test_one_row_per_report_period(tmp_path: Path) -> None:
    report = validate_extracts([write(tmp_path, "reports.csv", REPORTS_HEADER + GOOD_ROW + GOOD_ROW)])
    assert [issue.message for issue in report.errors] == [
        'reports.csv, line 5, column period: "period 2019-01": expected one row per period; line 5 repeats line 2']


def test_public_words_and_paper_for_words() -> None:
    from loaders.reports import parse_paper_for, parse_public

    assert [parse_public(t) for t in ("Public", "Non Public", "non-public", "Non Public*", "yes", "n")] == [
        True, False, False, False, True, False]
    assert [parse_paper_for(t) for t in ("For Consideration", "information", " for  Decision ")] == [
        "consideration", "information", "decision"]


def test_overrides_fill_and_replace_loaded_details() -> None:
    """A one-off pack's fields: given ones replace, None keeps the loaded value, blank clears it;
    an unknown field or paper_for word is refused."""
    loaded = reports.ReportDetails(date(2019, 1, 1), report_to="Audit and Scrutiny Panel", agenda_item="13")
    changed = reports.with_overrides(loaded, {"agenda_item": " 7 ", "report_to": None, "author": "",
                                              "meeting_date": date(2019, 6, 4)})
    assert (changed.agenda_item, changed.report_to, changed.author, changed.meeting_date_text) == (
        "7", "Audit and Scrutiny Panel", None, "4 June 2019")
    with pytest.raises(ValueError, match="unknown report detail"):
        reports.with_overrides(loaded, {"agenda": "7"})
    with pytest.raises(ValueError, match="paper_for must be one of"):
        reports.with_overrides(loaded, {"paper_for": "lunch"})
    assert reports.ReportDetails(date(2019, 1, 1)).heading == "POLICE AND CRIME COMMISSIONER'S UPDATE REPORT TO JANUARY 2019"


# --- measures.csv: the exception table's own figure and narrative --------------------------------


def test_exception_trend_is_parsed_like_trend_and_kept_beside_it(tmp_path: Path) -> None:
    """The headline table's ↓ 0.5% pts and the exception table's -2.7% pts are both kept; the
    exception's figure agrees with 11.6% -> 8.9%, the headline trend does not."""
    db = tmp_path / "db.duckdb"
    assert load_extracts([write(tmp_path, "measures.csv", MEASURES)], db).ok
    assert fetch(db, "SELECT trend_text, trend_value, exception_trend_text, exception_trend_value, "
                     "exception_trend_unit, comment, exception_comment, trend_disagrees, exception_trend_disagrees "
                     "FROM measure_changes") == [
        ("↓ 0.5% pts", -0.5, "-2.7% pts", -2.7, "points", "Headline comment.", "The exception narrative.",
         True, False)]


def test_a_bad_exception_trend_is_an_error_and_one_without_an_exception_a_warning(tmp_path: Path) -> None:
    bad = MEASURES.replace("-2.7% pts", "down a bit")
    report = validate_extracts([write(tmp_path, "measures.csv", bad)])
    assert [i.message for i in report.errors] == [
        'measures.csv, line 2, column exception_trend: "down a bit": expected ' + report.errors[0].expected]
    assert "trend" in report.errors[0].expected
    uncalled = MEASURES.replace(",negative,", ",,")
    report = validate_extracts([write(tmp_path, "measures.csv", uncalled)])
    assert report.ok
    assert [(i.column, i.value) for i in report.warnings] == [
        ("exception_trend", "-2.7% pts"), ("exception_comment", "The exception narrative.")]
    assert "the exception column is empty" in report.warnings[0].expected


def test_the_sample_keeps_no_transcription_notes_in_narratives(sample_db: Path) -> None:
    """data/measures.csv: each exception has its table's own figure and its narrative in their
    own columns; no comment or narrative carries a transcriber's note."""
    rows = fetch(sample_db, "SELECT measure, exception, exception_trend_text, comment, exception_comment "
                            "FROM measures WHERE source_file = 'measures.csv'")
    exceptions = {m: (trend, narrative) for m, kind, trend, _, narrative in rows if kind}
    assert len(exceptions) == 10 and all(trend and narrative for trend, narrative in exceptions.values())
    assert exceptions["Positive outcome rate for serious sexual offences"][0] == "-2.7% pts"
    assert exceptions["Compliance with crime recording standards"][0] == "+5% pts"
    for _, _, _, comment, narrative in rows:
        for text in (comment or "", narrative or ""):
            assert "exception report (paragraph" not in text and "publishes" not in text and "\n\n" not in text


def test_the_sample_report_details_are_the_seed_front_sheet(sample_db: Path) -> None:
    with duckdb.connect(str(sample_db), read_only=True) as con:
        details = reports.query_report_details(con, date(2019, 1, 1))
    assert dict(details.front_sheet())["Report of:"] == "Paddy Tipping Police and Crime Commissioner"
    assert (details.report_to, details.meeting_date, details.agenda_item, details.public) == (
        "Audit and Scrutiny Panel", date(2019, 5, 8), "13", True)
    assert len(reports.paragraphs(details.purpose)) == 3 and len(reports.paragraphs(details.recommendations)) == 1


# --- an existing database -----------------------------------------------------------------------------


def test_a_schema_3_database_gains_the_exception_columns_and_reports_table(tmp_path: Path) -> None:
    """A database loaded before schema 4: the app reads it as before (exceptions show the headline
    trend and comment, no report details); the next load upgrades it and keeps its rows."""
    from dashboard import measures

    db = tmp_path / "old.duckdb"
    assert load_extracts([write(tmp_path, "measures.csv", MEASURES)], db).ok
    with duckdb.connect(str(db)) as con:   # back to schema 3, as such a database was left
        con.execute("DROP VIEW measure_changes")
        con.execute("DROP TABLE reports")
        for column in ("exception_trend_text", "exception_trend_value", "exception_trend_unit",
                       "exception_trend_decimals", "exception_comment"):
            con.execute(f"ALTER TABLE measures DROP COLUMN {column}")
        con.execute("UPDATE schema_info SET version = 3")
        # a stand-in for the old view: the measures' columns and the computed ones, no exception columns
        con.execute("CREATE VIEW measure_changes AS SELECT m.*, NULL::DOUBLE AS change, NULL AS direction, "
                    "NULL::DOUBLE AS trend_compared, false AS trend_disagrees, false AS current_before_baseline, "
                    "'count' AS change_unit FROM measures m")
    with duckdb.connect(str(db), read_only=True) as con:
        found = measures.records(measures.query_exceptions(con, date(2019, 1, 1)))
        assert (found[0]["published"], found[0]["comment"]) == ("↓ 0.5% pts", "Headline comment.")
        assert reports.query_report_details(con, date(2019, 1, 1)) == reports.ReportDetails(date(2019, 1, 1))
    assert load_extracts([write(tmp_path, "reports.csv", REPORTS_HEADER + GOOD_ROW)], db).ok
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT version FROM schema_info").fetchall() == [(SCHEMA_VERSION,)]
        assert con.execute("SELECT measure, exception_trend_text FROM measures").fetchall() == [
            ("Positive outcome rate for serious sexual offences", None)]
        assert con.execute("SELECT count(*) FROM reports").fetchone()[0] == 1
    fresh = duckdb.connect()
    create_schema(fresh)
    columns = "SELECT column_name FROM duckdb_columns() WHERE table_name = 'measures' ORDER BY column_index"
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(columns).fetchall() == fresh.execute(columns).fetchall()


def test_every_column_of_the_contract_is_documented() -> None:
    """docs/EXTRACTS.md has a table row for every column the loader accepts, of every kind."""
    from loaders.contract import FILE_KINDS

    text = (PROJECT_ROOT / "docs" / "EXTRACTS.md").read_text(encoding="utf-8")
    for kind in FILE_KINDS:
        section = text[text.index(f"## {kind.prefix}.csv"):]
        section = section[:section.index("\n## ", 1)]
        for column in kind.columns:
            assert f"\n| {column.name} | {'yes' if column.required else 'no'}" in section, (kind.prefix, column.name)
