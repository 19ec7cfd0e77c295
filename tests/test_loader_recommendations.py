"""The recommendations-tracker extract (recommendations*.csv): what loads, each check's message,
Windows-1252, all or nothing, idempotent reloads, the key (a later quarter adds rows), and the
sample transcribed from seed 003."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dashboard import recommendations
from loaders import load_extracts, validate_extracts
from loaders.contract import RECOMMENDATIONS, kind_of
from loaders.recommendations import parse_tracker_quarter

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT_ROOT / "data" / "recommendations.csv"
HEADER = "review,theme,ref,recommendation,lead_agencies,quarter,status,update\n"
ROW_1 = ('Domestic abuse,Policy context,1,The PCC to develop a VAWG strategy.,'
         '"PCC\nCity Council\nCounty Council",January - March 2020-1,,"First update.\n\nSecond paragraph."\n')
ROW_2 = "Domestic abuse,Policy context,2,Improve DVPO use.,Nottinghamshire Police,2020-21 Q4,On track,Training given.\n"
REVIEW = "Domestic abuse"


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def fetch(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_recommendations_file_is_known_by_its_name() -> None:
    assert kind_of(Path("recommendations.csv")) is RECOMMENDATIONS
    assert kind_of(Path("recommendations_2021q1.csv")) is RECOMMENDATIONS
    assert kind_of(Path("reports.csv")) is not RECOMMENDATIONS
    assert RECOMMENDATIONS.key == ("review", "ref", "quarter")
    assert RECOMMENDATIONS.required == ("review", "theme", "ref", "recommendation", "lead_agencies",
                                        "quarter", "status")


def test_a_good_file_loads_as_written(tmp_path: Path) -> None:
    """Leads one per line, the tracker's quarter heading read as 2020-21 Q4, an empty status
    stored as not stated (nothing derived), a status word as its code, paragraphs kept."""
    db = tmp_path / "db.duckdb"
    report = load_extracts([write(tmp_path, "recommendations.csv", HEADER + ROW_1 + ROW_2)], db)
    assert report.ok, report.to_text()
    assert fetch(db, 'SELECT ref, lead_agencies, quarter, quarter_start, status, "update", source_line '
                     "FROM recommendations ORDER BY ref") == [
        ("1", "PCC\nCity Council\nCounty Council", "2020-21 Q4", date(2021, 1, 1), "not stated",
         "First update.\n\nSecond paragraph.", 2),
        ("2", "Nottinghamshire Police", "2020-21 Q4", date(2021, 1, 1), "on track", "Training given.", 7),
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("2020-21 Q4", ("2020-21 Q4", date(2021, 1, 1))),
    ("Q1 2021/22", ("2021-22 Q1", date(2021, 4, 1))),
    ("January - March 2020-1", ("2020-21 Q4", date(2021, 1, 1))),
    ("Update January - March 2020-21", ("2020-21 Q4", date(2021, 1, 1))),
    ("Oct to Dec 2020/2021", ("2020-21 Q3", date(2020, 10, 1))),
])
def test_tracker_quarters(text: str, expected: tuple[str, date]) -> None:
    assert parse_tracker_quarter(text) == expected


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("review", "", 'column review: "": expected a value (the column is required)'),
    ("theme", "", 'column theme: "": expected a value (the column is required)'),
    ("ref", "", 'column ref: "": expected a value (the column is required)'),
    ("recommendation", "", 'column recommendation: "": expected a value (the column is required)'),
    ("lead_agencies", "", 'column lead_agencies: "": expected a value (the column is required)'),
    ("lead_agencies", "PCC; CCGs; pcc", 'column lead_agencies: "PCC; CCGs; pcc": expected each lead agency '
                                        "named once (pcc is named twice)"),
    ("lead_agencies", ";", 'column lead_agencies: ";": expected one or more lead agencies'),
    ("quarter", "", 'column quarter: "": expected a value (the column is required)'),
    ("quarter", "Spring 2021", 'column quarter: "Spring 2021": expected a financial year and quarter such as '
                               "2018-19 Q3 or Q3 2018-19, or the tracker's own heading such as January - March 2020-21"),
    ("quarter", "January - April 2020-21", "the months are not one quarter of a financial year"),
    ("quarter", "January - March 2020-22", "a financial year runs from 2020 to 2021"),
    ("status", "Green-ish", 'column status: "Green-ish": expected Complete, On track, Delayed, Not started or '
                            "Not stated (or empty: not stated)"),
])
def test_each_bad_value_is_an_error_naming_file_line_column_and_value(
        tmp_path: Path, column: str, value: str, expected: str) -> None:
    """Every error names where it is and what was there, and nothing is written."""
    cells = dict(zip(HEADER.strip().split(","), next(csv.reader([ROW_2.strip()]))))
    cells[column] = value
    row = ",".join(f'"{cells[c]}"' for c in HEADER.strip().split(",")) + "\n"
    db = tmp_path / "db.duckdb"
    report = load_extracts([write(tmp_path, "recommendations.csv", HEADER + ROW_1 + row)], db)
    assert not report.ok and not db.exists()
    messages = [e.message for e in report.errors]
    assert any(m.startswith(f"recommendations.csv, line 7, column {column}: ") and expected in m
               for m in messages), messages


def test_a_missing_column_and_a_long_row_are_errors(tmp_path: Path) -> None:
    no_status = "review,theme,ref,recommendation,lead_agencies,quarter,update\nR,T,1,Text,PCC,2020-21 Q4,Up\n"
    report = validate_extracts([write(tmp_path, "recommendations.csv", no_status)])
    assert any("status" in e.message and "missing" in e.message.lower() for e in report.errors), report.to_text()
    wide = HEADER + "R,T,1,Text,PCC,2020-21 Q4,,Update, with a comma\n"
    report = validate_extracts([write(tmp_path, "recommendations.csv", wide)])
    assert [e.line for e in report.errors] == [2]


def test_the_key_is_review_ref_and_quarter(tmp_path: Path) -> None:
    """A ref twice in one quarter of one review is an error naming both lines; the same ref in
    another review, or in another quarter, is another row."""
    repeated = HEADER + ROW_2 + ROW_2.replace("Training given.", "Again.")
    report = validate_extracts([write(tmp_path, "recommendations.csv", repeated)])
    assert [e.message for e in report.errors] == [
        'recommendations.csv, line 3, column review, ref, quarter: "review Domestic abuse, ref 2, quarter '
        '2020-21 Q4": expected one row per review + ref + quarter; line 3 repeats line 2']
    other = HEADER + ROW_2 + ROW_2.replace("Domestic abuse", "Sexual violence") + ROW_2.replace("2020-21 Q4", "2021-22 Q1")
    assert validate_extracts([write(tmp_path, "recommendations.csv", other)]).ok


def test_a_later_quarter_adds_rows_and_keeps_the_earlier_updates(tmp_path: Path) -> None:
    """Loading next quarter's tracker never overwrites this quarter's update; reloading a quarter
    replaces its rows with themselves."""
    db = tmp_path / "db.duckdb"
    q4 = write(tmp_path, "recommendations.csv", HEADER + ROW_1 + ROW_2)
    assert load_extracts([q4], db).ok
    q1 = HEADER + ROW_2.replace("2020-21 Q4", "April - June 2021-22").replace("Training given.", "More training.")
    report = load_extracts([write(tmp_path, "recommendations_2021q1.csv", q1)], db)
    assert report.ok and (report.files[0].added, report.files[0].replaced) == (1, 0)
    assert fetch(db, 'SELECT quarter, "update" FROM recommendations WHERE ref = \'2\' ORDER BY quarter_start') == [
        ("2020-21 Q4", "Training given."), ("2021-22 Q1", "More training.")]
    with duckdb.connect(str(db), read_only=True) as con:
        history = recommendations.query_history(con, REVIEW, "2")
        assert list(history["quarter"]) == ["2020-21 Q4", "2021-22 Q1"]
        flagged = recommendations.query_not_updated(con, REVIEW)
    # ref 1 has no row in 2021-22 Q1: flagged, with its last update's quarter
    assert list(flagged["ref"]) == ["1"] and list(flagged["quarter"]) == ["2020-21 Q4"]
    assert list(flagged["latest_quarter"]) == ["2021-22 Q1"]


def test_reloading_the_same_file_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    path = write(tmp_path, "recommendations.csv", HEADER + ROW_1 + ROW_2)
    assert load_extracts([path], db).ok
    first = fetch(db, "SELECT * FROM recommendations ORDER BY ref")
    again = load_extracts([path], db)
    assert again.ok and (again.files[0].added, again.files[0].replaced) == (0, 0)
    assert fetch(db, "SELECT * FROM recommendations ORDER BY ref") == first
    assert fetch(db, "SELECT count(*) FROM recommendations_history") == [(0,)]


def test_an_error_in_a_later_load_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    assert load_extracts([write(tmp_path, "recommendations.csv", HEADER + ROW_1 + ROW_2)], db).ok
    before = db.read_bytes()
    bad = HEADER + ROW_2.replace("Training given.", "Changed.") + ROW_2.replace("2020-21 Q4", "Spring")
    report = load_extracts([write(tmp_path, "recommendations.csv", bad)], db)
    assert not report.ok
    assert db.read_bytes() == before


def test_windows_1252_is_read_and_warned(tmp_path: Path) -> None:
    """Excel's 'CSV (Comma delimited)': £ and typographic quotes as single bytes."""
    text = HEADER + 'Domestic abuse,Policy context,5,Take up of Claire’s law.,VRU,2020-21 Q4,,"The VRU has allocated £60,000."\n'
    db = tmp_path / "db.duckdb"
    report = load_extracts([write(tmp_path, "recommendations.csv", text, encoding="cp1252")], db)
    assert report.ok, report.to_text()
    assert report.files[0].encoding == "windows-1252"
    assert any("Windows-1252" in w.message for w in report.warnings)
    assert fetch(db, 'SELECT recommendation, "update" FROM recommendations') == [
        ("Take up of Claire’s law.", "The VRU has allocated £60,000.")]


def test_the_sample_arrives_intact(tmp_path: Path) -> None:
    """Seed 003: 23 recommendations in January - March 2020-21, none with a stated status; the
    recommendation with five lead agencies is listed under each of them."""
    db = tmp_path / "db.duckdb"
    report = load_extracts([SAMPLE], db)
    assert report.ok, report.to_text()
    with duckdb.connect(str(db), read_only=True) as con:
        (review,) = recommendations.list_reviews(con)
        assert recommendations.list_quarters(con, review) == ["2020-21 Q4"]
        rows = recommendations.query_recommendations(con, review, "2020-21 Q4")
        assert list(rows["ref"]) == [str(n) for n in range(1, 24)]
        assert set(rows["status"]) == {"not stated"}
        assert rows["update"].notna().all()
        first = rows[rows["ref"] == "1"].iloc[0]
        assert first["leads"] == ["PCC", "City Council", "County Council", "Violence Reduction Unit", "CCGs"]
        for agency in first["leads"]:
            listed = recommendations.query_recommendations(con, review, "2020-21 Q4", agency=agency)
            assert "1" in set(listed["ref"]), agency
        assert recommendations.query_not_updated(con, review).empty
    assert first["recommendation"].startswith("The PCC to work with key stakeholders")
    assert "2020-2025 by March 2021." in first["recommendation"]
    assert rows[rows["ref"] == "15"].iloc[0]["leads"] == [
        "PCC", "Nottinghamshire Police", "Probation", "Violence Reduction Unit", "Local authorities", "CCGs"]
    eight = rows[rows["ref"] == "8"].iloc[0]["update"]
    assert "in March 20201 for additional funding" in eight   # the tracker's typo, kept
