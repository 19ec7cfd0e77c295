"""The extract loader: what it accepts, and the message a user reads for each kind of error."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import duckdb

from loaders import LoadIssue, load_extracts, validate_extracts
from loaders.contract import ERROR, WARNING

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "loader"
GOOD = FIXTURES / "good"

MEASURES_HEADER = "period,theme,measure,polarity,unit,baseline,current,trend,headline,exception\n"
REFERRALS = "2019-01,Protecting people from harm,Referrals,higher_is_better,count,\"4,872\",\"5,369\",+10.2%,yes,\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def messages(issues: list[LoadIssue]) -> list[str]:
    return [issue.message for issue in issues]


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def load_one(tmp_path: Path, name: str, text: str) -> list[str]:
    """Load one file expected to fail; its error messages."""
    report = load_extracts([write(tmp_path, name, text)], tmp_path / "db.duckdb")
    assert not report.ok
    assert not (tmp_path / "db.duckdb").exists()
    return messages(report.errors)


# --- what loads ---------------------------------------------------------------------------------


def test_good_extracts_load_with_counts_and_values(tmp_path: Path) -> None:
    """The four kinds load; values are split from their periods and converted."""
    db = tmp_path / "db.duckdb"
    report = load_extracts([GOOD], db)
    assert report.ok, report.to_text()
    assert report.load_id == 1
    assert [(f.name, f.table, f.rows, f.added, f.replaced) for f in report.files] == [
        ("measures.csv", "measures", 3, 3, 0),
        ("series.csv", "series", 3, 3, 0),
        ("deliverables.csv", "deliverables", 2, 2, 0),
        ("budget.csv", "budget", 3, 3, 0),
    ]
    assert rows(db, "SELECT measure, theme, polarity, unit, baseline_value, baseline_period, "
                    "current_value, current_status, current_period, headline, exception, source_line "
                    "FROM measures ORDER BY source_line") == [
        ("Adult and child safeguarding referrals", "Protecting people from harm", "higher_is_better",
         "count", 4872.0, _d("2018-01-01"), 5369.0, None, _d("2019-01-01"), True, "positive", 2),
        ("Repeat victims of domestic abuse", "Helping and supporting victims", "lower_is_better",
         "percent", 33.2, _d("2018-01-01"), 32.7, None, _d("2019-01-01"), True, None, 3),
        ("Police Effectiveness: Preventing crime", "Tackling crime and ASB", "higher_is_better",
         "grade", 4.0, _d("2017-01-01"), None, "Pending", _d("2019-04-01"), False, None, 4),
    ]
    assert rows(db, "SELECT measure, area, period, value FROM series ORDER BY value") == [
        ("Repeat victims of domestic abuse", "City", _d("2019-01-01"), 32.7),
        ("Adult and child safeguarding referrals", "Force", _d("2018-12-01"), 5301.0),
        ("Adult and child safeguarding referrals", "Force", _d("2019-01-01"), 5369.0),
    ]
    assert rows(db, "SELECT quarter, quarter_start, status, update_date FROM deliverables ORDER BY ref") == [
        ("2018-19 Q3", _d("2018-10-01"), "G", _d("2019-02-14")),
        ("2018-19 Q3", _d("2018-10-01"), "G", None),
    ]
    assert rows(db, "SELECT entity, budget, forecast_outturn, variance_published FROM budget "
                    "ORDER BY source_line") == [
        ("Force", 188209.0, 189260.0, 1052.0),
        ("OPCC", 4891.0, 4891.0, 0.0),  # '-' is the report's zero
        ("Force and OPCC", None, None, -3980.0),
    ]


def _d(text: str) -> date:
    return date.fromisoformat(text)


def test_load_log_records_each_file(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    load_extracts([GOOD / "measures.csv", GOOD / "series.csv"], db)
    load_extracts([GOOD / "measures.csv"], db)
    log = rows(db, "SELECT load_id, file_name, file_sha256, table_name, encoding, rows_in_file, "
                   "rows_added, rows_replaced FROM load_log ORDER BY load_id, table_name")
    sha = hashlib.sha256((GOOD / "measures.csv").read_bytes()).hexdigest()
    assert log[0] == (1, "measures.csv", sha, "measures", "utf-8", 3, 3, 0)
    assert log[1][:4] == (1, "series.csv", hashlib.sha256((GOOD / "series.csv").read_bytes()).hexdigest(), "series")
    # The same figures again: nothing added, nothing replaced (no revision recorded).
    assert log[2] == (2, "measures.csv", sha, "measures", "utf-8", 3, 0, 0)
    # ... and the rows keep the load their figures came from.
    assert rows(db, "SELECT DISTINCT load_id, source_file FROM measures") == [(1, "measures.csv")]
    assert rows(db, "SELECT count(*) FROM measures_history") == [(0,)]


def test_header_is_case_insensitive_trimmed_and_in_any_order(tmp_path: Path) -> None:
    path = write(tmp_path, "measures.csv",
                 " Measure ,POLARITY,Period,theme\nReferrals,up,Jan 2019,quality policing\n")
    report = load_extracts([path], tmp_path / "db.duckdb")
    assert report.ok, report.to_text()
    assert rows(tmp_path / "db.duckdb", "SELECT measure, polarity, period, theme, unit FROM measures") == [
        ("Referrals", "higher_is_better", _d("2019-01-01"), "Transformation and quality policing", "number")
    ]


def test_blank_lines_and_space_only_cells_are_empty(tmp_path: Path) -> None:
    path = write(tmp_path, "measures.csv",
                 MEASURES_HEADER + "\n" + REFERRALS + "   ,  ,,,,,,,,\n\n"
                 + "2019-01,Protecting people from harm,Knife crime,down,   ,806,881,  ,,\n")
    report = load_extracts([path], tmp_path / "db.duckdb")
    assert report.ok, report.to_text()
    assert report.files[0].rows == 2
    assert rows(tmp_path / "db.duckdb", "SELECT measure, unit, trend_text, source_line FROM measures "
                                        "ORDER BY source_line") == [
        ("Referrals", "count", "+10.2%", 3), ("Knife crime", "count", None, 6)]


def test_unit_is_inferred_from_the_values(tmp_path: Path) -> None:
    path = write(tmp_path, "measures.csv", "period,theme,measure,polarity,baseline,current\n"
                 "2019-01,T,Grade,up,Good (2017),Pending\n"
                 "2019-01,T,Rate,up,11.6%,8.9%\n"
                 "2019-01,T,Money,up,£1.0m,£1.1m\n"
                 "2019-01,T,Count,up,806,881\n"
                 "2019-01,T,Ratio,up,1.5,2\n"
                 "2019-01,T,Mixed,up,15,2.5\n"
                 "2019-01,T,Nothing yet,up,TBC,\n")
    assert load_extracts([path], tmp_path / "db.duckdb").ok
    assert rows(tmp_path / "db.duckdb", "SELECT measure, unit, current_value FROM measures ORDER BY source_line") == [
        ("Grade", "grade", None), ("Rate", "percent", 8.9), ("Money", "money", 1100.0),
        ("Count", "count", 881.0), ("Ratio", "number", 2.0), ("Mixed", "number", 2.5),
        ("Nothing yet", "number", None)]


def test_windows_1252_file_loads_with_a_warning(tmp_path: Path) -> None:
    """Excel's 'CSV (Comma delimited)': £ is the byte A3."""
    assert b"\xa3" in (FIXTURES / "budget_windows1252.csv").read_bytes()
    db = tmp_path / "db.duckdb"
    report = load_extracts([FIXTURES / "budget_windows1252.csv"], db)
    assert report.ok, report.to_text()
    assert report.files[0].encoding == "windows-1252"
    assert messages(report.warnings) == [
        'budget_windows1252.csv: not valid UTF-8, so read as Windows-1252 (Excel\'s "CSV (Comma '
        'delimited)"); check that £ and other accented characters look right'
    ]
    assert rows(db, "SELECT budget, forecast_outturn, variance_published FROM budget") == [(4891.0, 4901.0, 10.0)]
    assert rows(db, "SELECT encoding FROM load_log") == [("windows-1252",)]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "measures.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (MEASURES_HEADER + REFERRALS).encode())
    report = load_extracts([path], tmp_path / "db.duckdb")
    assert report.ok, report.to_text()
    assert report.files[0].encoding == "utf-8-sig"
    assert not report.warnings


def test_quoted_commas_and_newlines_keep_physical_line_numbers() -> None:
    """A record starts on the line an editor shows: quoted newlines push later records down."""
    report = validate_extracts([FIXTURES / "measures_quoted.csv"])
    assert messages(report.errors) == [
        'measures_quoted.csv, line 6, column current: "88l": expected a value such as 4,872, 33.2%, '
        "£1.1m, Good, Pending or TBC, optionally with its period in brackets, e.g. 4,872 (Jan 2018)"
    ]


def test_validate_extracts_writes_nothing(tmp_path: Path) -> None:
    report = validate_extracts([GOOD], tmp_path / "db.duckdb")
    assert report.ok and report.load_id is None
    assert [f.rows for f in report.files] == [3, 3, 2, 3]
    assert report.to_text().startswith("Checked 4 files: no errors (nothing written).")
    assert not (tmp_path / "db.duckdb").exists()


def test_series_may_name_a_measure_already_loaded(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    assert load_extracts([GOOD / "measures.csv"], db).ok
    assert validate_extracts([GOOD / "series.csv"], db).ok
    report = load_extracts([GOOD / "series.csv"], db)
    assert report.ok, report.to_text()


# --- one test per kind of error ----------------------------------------------------------------


def test_error_unrecognised_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, "figures.csv", "a,b\n1,2\n")
    report = load_extracts([path], tmp_path / "other.duckdb")
    assert messages(report.errors) == [
        f"{path}: expected a file named measures*.csv, series*.csv, deliverables*.csv or budget*.csv"
    ]


def test_error_missing_file(tmp_path: Path) -> None:
    report = load_extracts([tmp_path / "measures.csv"], tmp_path / "db.duckdb")
    assert messages(report.errors) == [f"{tmp_path / 'measures.csv'}: expected a file or folder that exists"]


def test_error_missing_required_column_and_warning_for_unknown(tmp_path: Path) -> None:
    path = write(tmp_path, "measures.csv", "period,theme,measure,colour\n2019-01,T,M,red\n")
    report = load_extracts([path], tmp_path / "db.duckdb")
    assert messages(report.errors) == [
        "measures.csv, line 1, column polarity: missing required column 'polarity'; "
        "the header has: period, theme, measure, colour"
    ]
    assert messages(report.warnings) == [
        'measures.csv, line 1, column colour: "colour": not a column of measures files; ignored'
    ]


def test_error_column_named_twice(tmp_path: Path) -> None:
    messages_ = load_one(tmp_path, "series.csv", "measure,period,value,Value\nM,2019-01,1,2\n")
    assert messages_ == ['series.csv, line 1, column value: "Value": expected each column named once in the header']


def test_error_bad_month(tmp_path: Path) -> None:
    text = MEASURES_HEADER + REFERRALS.replace("2019-01", "Jnu 2019")
    assert load_one(tmp_path, "measures.csv", text) == [
        'measures.csv, line 2, column period: "Jnu 2019": expected a month such as 2019-01, '
        "Jan 2019 or January 2019"
    ]


def test_error_required_cell_empty(tmp_path: Path) -> None:
    text = MEASURES_HEADER + REFERRALS.replace("Referrals", " ")
    assert load_one(tmp_path, "measures.csv", text) == [
        'measures.csv, line 2, column measure: "": expected a value (the column is required)'
    ]


def test_error_bad_published_value(tmp_path: Path) -> None:
    text = MEASURES_HEADER + REFERRALS.replace('"5,369"', "5.369.1")
    assert load_one(tmp_path, "measures.csv", text) == [
        'measures.csv, line 2, column current: "5.369.1": expected a value such as 4,872, 33.2%, '
        "£1.1m, Good, Pending or TBC, optionally with its period in brackets, e.g. 4,872 (Jan 2018)"
    ]


def test_error_unit_disagrees_with_values(tmp_path: Path) -> None:
    text = MEASURES_HEADER + REFERRALS.replace(",count,", ",percent,")
    assert load_one(tmp_path, "measures.csv", text) == [
        'measures.csv, line 2, column baseline: "4,872": expected a percentage, as the unit '
        "column says (this reads as a count)",
        'measures.csv, line 2, column current: "5,369": expected a percentage, as the unit '
        "column says (this reads as a count)",
    ]


def test_error_baseline_and_current_in_different_units(tmp_path: Path) -> None:
    text = "period,theme,measure,polarity,baseline,current\n2019-01,T,M,up,33.2%,£1.0m\n"
    assert load_one(tmp_path, "measures.csv", text) == [
        'measures.csv, line 2, column current: "£1.0m": expected the same unit as the baseline '
        "(a percentage), not a sum of money"
    ]


def test_error_unknown_unit_word(tmp_path: Path) -> None:
    text = MEASURES_HEADER + REFERRALS.replace(",count,", ",people,")
    assert load_one(tmp_path, "measures.csv", text) == [
        'measures.csv, line 2, column unit: "people": expected one of count, percent, money, grade, number'
    ]


def test_error_polarity_word(tmp_path: Path) -> None:
    text = MEASURES_HEADER + REFERRALS.replace("higher_is_better", "good")
    assert load_one(tmp_path, "measures.csv", text) == [
        'measures.csv, line 2, column polarity: "good": expected one of higher_is_better, '
        "higher is better, up, lower_is_better, lower is better, down or neutral"
    ]


def test_error_exception_word_and_headline(tmp_path: Path) -> None:
    text = MEASURES_HEADER + REFERRALS.replace("yes,\n", "maybe,great\n")
    assert load_one(tmp_path, "measures.csv", text) == [
        'measures.csv, line 2, column headline: "maybe": expected yes or no (also y/n, true/false, 1/0)',
        'measures.csv, line 2, column exception: "great": expected positive, negative or empty '
        "(also pos, neg, +, -)",
    ]


def test_error_trend(tmp_path: Path) -> None:
    text = MEASURES_HEADER + REFERRALS.replace("+10.2%", "up a bit")
    assert load_one(tmp_path, "measures.csv", text) == [
        'measures.csv, line 2, column trend: "up a bit": expected a trend such as +10.2%, '
        "↓ 0.5% pts, -1.6% pts, +£0.1m or TBC"
    ]


def test_error_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    text = MEASURES_HEADER + REFERRALS + "\n" + REFERRALS
    assert load_one(tmp_path, "measures.csv", text) == [
        'measures.csv, line 4, column period, measure: "period 2019-01, measure Referrals": '
        "expected one row per period + measure; line 4 repeats line 2"
    ]


def test_error_too_many_cells(tmp_path: Path) -> None:
    text = MEASURES_HEADER + REFERRALS.replace('"4,872"', "4,872").replace("yes,\n", "yes,positive\n")
    assert load_one(tmp_path, "measures.csv", text)[0] == (
        'measures.csv, line 2: "positive": expected at most 10 cells, as in the header (this row has 11; '
        "a comma inside a value needs the value in double quotes)"
    )


def test_error_deliverable_status_and_quarter(tmp_path: Path) -> None:
    text = ("plan,quarter,theme,ref,deliverable,status,update_date\n"
            "2018-21,2018 Q3,Helping and supporting victims,1,Website,Purple,31/02/2019\n")
    assert load_one(tmp_path, "deliverables.csv", text) == [
        'deliverables.csv, line 2, column quarter: "2018 Q3": expected a financial year and quarter '
        "such as 2018-19 Q3 or Q3 2018-19",
        'deliverables.csv, line 2, column status: "Purple": expected a RAG status: one of G, A, R, W, '
        "Green, Amber, Red, White, NS or Not started",
        'deliverables.csv, line 2, column update_date: "31/02/2019": expected a date such as '
        "2019-02-14, 14/02/2019 or 14.2.19 (day first), or a month such as Feb 2019",
    ]


def test_error_budget_without_variance_and_bad_amounts(tmp_path: Path) -> None:
    text = ("financial_year,period,entity,category,budget,forecast_outturn,variance\n"
            "2018-19,2018-12,Force,revenue,\"188,209\",,\n"
            "2018-2020,2018-12,Force,staff,12%,1,1\n")
    assert load_one(tmp_path, "budget.csv", text) == [
        'budget.csv, line 2, column variance: "": expected a variance, because forecast_outturn is empty',
        'budget.csv, line 3, column financial_year: "2018-2020": expected a financial year such as '
        "2018-19, 2018/19 or 2018/2019 (a financial year runs from 2018 to 2019)",
        'budget.csv, line 3, column category: "staff": expected revenue or capital',
        'budget.csv, line 3, column budget: "12%": expected a sum of money in £ thousands such as '
        "188,209 or £1.1m (a percentage is not a sum of money)",
    ]


def test_budget_variance_far_from_forecast_minus_budget_is_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "budget.csv", "financial_year,period,entity,category,budget,forecast_outturn,variance\n"
                 "2018-19,2018-12,Force,revenue,100,110,20\n")
    report = load_extracts([path], tmp_path / "db.duckdb")
    assert report.ok
    assert messages(report.warnings) == [
        'budget.csv, line 2, column variance: "20": differs from forecast_outturn minus budget (10) '
        "by more than £1k; loaded as published and flagged on the dashboard"
    ]


def test_errors_in_several_files_are_reported_together(tmp_path: Path) -> None:
    measures = write(tmp_path, "measures.csv", MEASURES_HEADER + REFERRALS.replace("2019-01", "2019-13"))
    series = write(tmp_path, "series.csv", "measure,period,value\nReferrals,2019-01,lots\nUnknown,2019-01,1\n")
    budget = write(tmp_path, "budget.csv", "financial_year,period,entity,category,budget,forecast_outturn\n"
                   "2018-19,2018-12,Force,revenue,1,x\n")
    report = load_extracts([budget, series, measures], tmp_path / "db.duckdb")
    assert not report.ok
    assert [(i.file, i.line, i.column, i.value) for i in report.errors] == [
        ("measures.csv", 2, "period", "2019-13"),
        ("series.csv", 2, "value", "lots"),
        ("budget.csv", 2, "forecast_outturn", "x"),
        # Referrals is unknown too, since measures.csv did not load; Unknown never was.
        ("series.csv", 2, "measure", "Referrals"),
        ("series.csv", 3, "measure", "Unknown"),
    ]
    assert all(i.severity == ERROR for i in report.errors)
    text = report.to_text()
    assert text.startswith("Nothing loaded: 5 errors in 3 files. The database is unchanged.")
    assert 'series.csv, line 3, column measure: "Unknown": expected a measure named in a measures ' \
           "file of this load or already loaded" in text


def test_issues_frame_for_the_data_page(tmp_path: Path) -> None:
    path = write(tmp_path, "measures.csv", "period,theme,measure,polarity,extra\n2019-13,T,M,up,x\n")
    frame = load_extracts([path], tmp_path / "db.duckdb").issues_frame()
    assert list(frame.columns) == ["file", "line", "column", "value", "expected", "severity"]
    assert frame.to_dict("records")[0] == {
        "file": "measures.csv", "line": 2, "column": "period", "value": "2019-13",
        "expected": "a month such as 2019-01, Jan 2019 or January 2019", "severity": ERROR,
    }
    assert frame["severity"].tolist() == [ERROR, WARNING]


def test_header_only_file_loads_no_rows(tmp_path: Path) -> None:
    report = load_extracts([write(tmp_path, "budget.csv", "financial_year,period,entity,category,budget,"
                                                         "forecast_outturn\n")], tmp_path / "db.duckdb")
    assert report.ok
    assert [(f.rows, f.added) for f in report.files] == [(0, 0)]


def test_a_column_empty_in_its_first_thousand_rows_still_loads(tmp_path: Path) -> None:
    """Types come from the table, not from a guess over the first rows."""
    lines = ["plan,quarter,theme,ref,deliverable,status,update_date"]
    lines += [f"2018-21,2018-19 Q3,T,{i},D,G," for i in range(1100)]
    lines += ["2018-21,2018-19 Q3,T,last,D,A,14.2.19"]
    db = tmp_path / "db.duckdb"
    assert load_extracts([write(tmp_path, "deliverables.csv", "\n".join(lines) + "\n")], db).ok
    assert rows(db, "SELECT status, update_date FROM deliverables WHERE update_date IS NOT NULL") == [
        ("A", _d("2019-02-14"))]


def test_error_empty_file(tmp_path: Path) -> None:
    measures = write(tmp_path, "measures.csv", "")
    series = write(tmp_path, "series.csv", "\n\n")
    report = load_extracts([measures, series], tmp_path / "db.duckdb")
    assert messages(report.errors) == [
        "measures.csv: expected a header line naming the columns (the file is empty)",
        "series.csv: expected a header line naming the columns (the file is empty)",
    ]


def test_error_quote_left_open_names_the_line_it_opened_on(tmp_path: Path) -> None:
    text = MEASURES_HEADER + REFERRALS + '2019-01,T,"Knife crime,down,count,806,881,,,\n2019-01,T,X,up,,,,,,\n'
    assert load_one(tmp_path, "measures.csv", text) == [
        "measures.csv, line 3, column measure: expected a closing double quote for the value "
        "opened on this line (the file ends inside it)"
    ]


def test_error_text_after_a_closing_quote(tmp_path: Path) -> None:
    text = "measure,period,value\nReferrals,2019-01,1\n\"Refer\"rals,2019-02,2\n"
    assert load_one(tmp_path, "series.csv", text) == [
        'series.csv, line 3: expected a comma after a closing double quote (a quote inside a value is '
        'written twice: "")'
    ]
