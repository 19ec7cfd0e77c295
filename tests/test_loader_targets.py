"""The targets (targets*.csv) and known-changes (changes*.csv) extracts: each check's message
naming file, line, column and value, all or nothing, values read in the series' own units,
area empty as every area, a revising reload kept in the history twin, the lookups
dashboard/assurance.py gives, and the sample files arriving intact."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from dashboard import assurance
from dashboard.spc import KnownChange, Target
from loaders import load_extracts, validate_extracts
from loaders.contract import CHANGES, TARGETS, kind_of

TARGETS_HEADER = "measure,area,target,applies_from,source\n"
CHANGES_HEADER = "measure,area,month,reason\n"
GOOD_TARGETS = (
    TARGETS_HEADER
    + 'Recorded crime: all crime,,"11,000",2023-04,Plan 2023\n'
    + 'Recorded crime: all crime,,"10,500",Apr 2024,Plan 2024\n'
    + "Recorded crime: all crime,Nottingham,4000,2023-04,\n"
    + "Attendance within the hour,,85.5%,2023-01,\n"
    + "Capital spend,,£2.1m,2023-01,\n"
)
GOOD_CHANGES = (
    CHANGES_HEADER
    + 'Recorded crime: Violence and sexual offences,,2023-06,"Counting rules change, conduct crimes"\n'
    + "Recorded crime: Violence and sexual offences,Nottingham,2024-01,Boundary change\n"
)


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def fetch(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_files_are_known_by_their_names() -> None:
    assert kind_of(Path("targets.csv")) is TARGETS and kind_of(Path("targets_2023.csv")) is TARGETS
    assert kind_of(Path("changes.csv")) is CHANGES and kind_of(Path("changes_q3.csv")) is CHANGES
    assert TARGETS.key == ("measure", "area", "applies_from") and CHANGES.key == ("measure", "area", "month")


def test_good_files_load_in_the_series_units(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    report = load_extracts([write(tmp_path, "targets.csv", GOOD_TARGETS), write(tmp_path, "changes.csv", GOOD_CHANGES)],
                           db)
    assert report.ok and not report.warnings, report.to_text()
    assert fetch(db, "SELECT measure, area, applies_from, target_text, target, source FROM targets "
                     "ORDER BY source_line") == [
        ("Recorded crime: all crime", "", date(2023, 4, 1), "11,000", 11000.0, "Plan 2023"),
        ("Recorded crime: all crime", "", date(2024, 4, 1), "10,500", 10500.0, "Plan 2024"),
        ("Recorded crime: all crime", "Nottingham", date(2023, 4, 1), "4000", 4000.0, None),
        ("Attendance within the hour", "", date(2023, 1, 1), "85.5%", 85.5, None),   # as a series holds it
        ("Capital spend", "", date(2023, 1, 1), "£2.1m", 2100.0, None),               # £ thousands
    ]
    assert fetch(db, "SELECT measure, area, month, reason FROM changes ORDER BY source_line") == [
        ("Recorded crime: Violence and sexual offences", "", date(2023, 6, 1), "Counting rules change, conduct crimes"),
        ("Recorded crime: Violence and sexual offences", "Nottingham", date(2024, 1, 1), "Boundary change"),
    ]


def target_row(**cells: str) -> str:
    row = {"measure": "Burglary", "area": "", "target": "350", "applies_from": "2023-04", "source": ""} | cells
    return TARGETS_HEADER + ",".join(f'"{v}"' if "," in v else v for v in row.values()) + "\n"


@pytest.mark.parametrize(("cells", "expected"), [
    ({"measure": ""}, 'column measure: "": expected a value (the column is required)'),
    ({"target": ""}, 'column target: "": expected a value (the column is required)'),
    ({"target": "about 350"}, 'column target: "about 350": expected a number in the series\' own units'),
    ({"target": "Good"}, 'column target: "Good": expected a number in the series\' own units'),
    ({"applies_from": ""}, 'column applies_from: "": expected a value (the column is required)'),
    ({"applies_from": "2023-13"}, 'column applies_from: "2023-13": expected a month such as 2019-01'),
], ids=["no-measure", "no-target", "words", "grade", "no-month", "bad-month"])
def test_a_bad_target_names_file_line_column_and_value_and_loads_nothing(
        cells: dict[str, str], expected: str, tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    report = load_extracts([write(tmp_path, "targets.csv", target_row(**cells))], db)
    assert not report.ok and not db.exists()
    assert report.errors[0].message.startswith(f"targets.csv, line 2, {expected}"), report.errors[0].message


@pytest.mark.parametrize(("row", "expected"), [
    (",,2023-06,Reason", 'column measure: "": expected a value (the column is required)'),
    ("VSO,,,Reason", 'column month: "": expected a value (the column is required)'),
    ("VSO,,June,Reason", 'column month: "June": expected a month such as 2019-01'),
    ("VSO,,2023-06,", 'column reason: "": expected a value (the column is required)'),
], ids=["no-measure", "no-month", "bad-month", "no-reason"])
def test_a_bad_change_names_file_line_column_and_value(row: str, expected: str, tmp_path: Path) -> None:
    report = validate_extracts([write(tmp_path, "changes.csv", CHANGES_HEADER + row + "\n")])
    assert not report.ok
    assert report.errors[0].message.startswith(f"changes.csv, line 2, {expected}"), report.errors[0].message


def test_the_key_rules(tmp_path: Path) -> None:
    """One target per measure + area + month from; one change per measure + area + month. Area
    empty and an area named are different keys."""
    twice = TARGETS_HEADER + "Burglary,,350,2023-04,\nBurglary,Force,340,2023-04,\nBurglary,,360,Apr 2023,\n"
    assert [i.message for i in validate_extracts([write(tmp_path, "targets.csv", twice)]).errors] == [
        'targets.csv, line 4, column measure, area, applies_from: "measure Burglary, area , applies_from 2023-04": '
        "expected one row per measure + area + applies_from; line 4 repeats line 2"]
    changes = CHANGES_HEADER + "VSO,,2023-06,a\nVSO,,Jun 2023,b\n"
    assert [i.line for i in validate_extracts([write(tmp_path, "changes.csv", changes)]).errors] == [3]


def test_a_revised_target_is_replaced_and_the_old_one_kept(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    assert load_extracts([write(tmp_path, "targets.csv", target_row())], db).ok
    again = load_extracts([write(tmp_path, "targets.csv", target_row())], db)
    assert [(f.added, f.replaced) for f in again.files] == [(0, 0)]
    assert fetch(db, "SELECT count(*) FROM targets_history") == [(0,)]
    revised = load_extracts([write(tmp_path, "targets.csv", target_row(target="330"))], db)
    assert revised.ok and [(f.added, f.replaced) for f in revised.files] == [(0, 1)]
    assert fetch(db, "SELECT target FROM targets") == [(330.0,)]
    assert fetch(db, "SELECT target, superseded_by FROM targets_history") == [(350.0, 3)]


def test_windows_1252_loads_with_a_warning(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    report = load_extracts([write(tmp_path, "targets.csv", target_row(target="£2.1m", source="Budget – 2023"),
                                  encoding="cp1252")], db)
    assert report.ok and [f.encoding for f in report.files] == ["windows-1252"]
    assert fetch(db, "SELECT target, source FROM targets") == [(2100.0, "Budget – 2023")]


def test_lookups_prefer_an_area_s_own_targets_and_join_every_area_s_changes(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    assert load_extracts([write(tmp_path, "targets.csv", GOOD_TARGETS), write(tmp_path, "changes.csv", GOOD_CHANGES)],
                         db).ok
    con = duckdb.connect(str(db), read_only=True)
    try:
        measure = "Recorded crime: all crime"
        force = assurance.targets_for(con, measure, "Force")
        assert [(t.applies_from, t.value, t.area) for t in force] == [
            (date(2023, 4, 1), 11000.0, ""), (date(2024, 4, 1), 10500.0, "")]
        assert [t.value for t in assurance.targets_for(con, measure, "Nottingham")] == [4000.0]
        assert assurance.target_at(con, measure, "Force", date(2024, 3, 1)) == Target(
            date(2023, 4, 1), 11000.0, "11,000", "Plan 2023", "")
        assert assurance.target_at(con, measure, "Force", date(2023, 3, 1)) is None
        assert assurance.targets_for(con, "No such measure", "Force") == []
        vso = "Recorded crime: Violence and sexual offences"
        assert assurance.changes_for(con, vso, "Force") == [
            KnownChange(date(2023, 6, 1), "Counting rules change, conduct crimes", "")]
        assert [c.reason for c in assurance.changes_for(con, vso, "Nottingham")] == [
            "Counting rules change, conduct crimes", "Boundary change"]
    finally:
        con.close()


def test_a_database_from_before_the_extracts_has_no_targets_or_changes(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    duckdb.connect(str(db)).close()
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert assurance.targets_for(con, "Burglary", "Force") == []
        assert assurance.target_at(con, "Burglary", "Force", date(2024, 1, 1)) is None
        assert assurance.changes_for(con, "Burglary", "Force") == []
    finally:
        con.close()


def test_an_area_s_own_change_wins_over_an_every_area_change_in_the_same_month(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    text = CHANGES_HEADER + "VSO,,2023-06,Everywhere\nVSO,Nottingham,2023-06,Only here\n"
    assert load_extracts([write(tmp_path, "changes.csv", text)], db).ok
    with duckdb.connect(str(db), read_only=True) as con:
        assert [c.reason for c in assurance.changes_for(con, "VSO", "Nottingham")] == ["Only here"]
        assert [c.reason for c in assurance.changes_for(con, "VSO", "Force")] == ["Everywhere"]


def test_the_sample_targets_and_change_arrive_intact(sample_db: Path) -> None:
    with duckdb.connect(str(sample_db), read_only=True) as con:
        assert con.execute("SELECT count(*), count(DISTINCT measure) FROM targets").fetchone() == (5, 4)
        assert all("Illustrative" in s for (s,) in con.execute("SELECT source FROM targets").fetchall())
        assert con.execute("SELECT measure, month FROM changes").fetchall() == [
            ("Recorded crime: Violence and sexual offences", date(2023, 6, 1))]
