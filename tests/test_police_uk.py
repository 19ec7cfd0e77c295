"""The data.police.uk importer: monthly counts by measure and area, headline totals, errors, load."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest

from loaders import police_uk
from loaders.police_uk import (
    ALL_CRIME,
    ALL_CRIME_EXCLUDING_ASB,
    FORCE_AREA,
    StreetCrimeError,
    count_street_crime,
    measure_rows,
    write_extracts,
)
from loaders.police_uk_cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "police_uk"
THREE_MONTHS = FIXTURES / "three_months"
REAL_FILES = Path(__file__).resolve().parents[2] / "shared" / "police-uk"
PROJECT_DATA = Path(__file__).resolve().parents[1] / "data"


def measure_name(crime_type: str) -> str:
    """The measure the import names for one crime type's counts."""
    return f"Recorded crime: {crime_type}"


HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
          "LSOA name,Crime type,Last outcome category,Context")

# measure | area | Jan, Feb, Mar 2024. Amber Valley and Cardiff are over the force boundary and
# keep their own series (Cardiff's single burglary included, zeros around it); the row without
# a location counts in Force only.
EXPECTED_THREE_MONTHS = """
all crime                                                | Force           | 5 4 4
all crime                                                | Amber Valley    | 1 1 1
all crime                                                | Mansfield       | 1 1 1
all crime                                                | Nottingham      | 2 1 2
all crime                                                | Cardiff         | 0 1 0
all crime excluding anti-social behaviour                | Force           | 4 3 4
all crime excluding anti-social behaviour                | Amber Valley    | 1 1 1
all crime excluding anti-social behaviour                | Mansfield       | 1 0 1
all crime excluding anti-social behaviour                | Nottingham      | 1 1 2
all crime excluding anti-social behaviour                | Cardiff         | 0 1 0
Anti-social behaviour                                    | Force           | 1 1 0
Anti-social behaviour                                    | Mansfield       | 0 1 0
Anti-social behaviour                                    | Nottingham      | 1 0 0
Burglary                                                 | Force           | 2 1 3
Burglary                                                 | Amber Valley    | 0 0 1
Burglary                                                 | Mansfield       | 1 0 0
Burglary                                                 | Nottingham      | 1 0 2
Burglary                                                 | Cardiff         | 0 1 0
Shoplifting                                              | Force           | 1 1 1
Shoplifting                                              | Mansfield       | 0 0 1
Shoplifting                                              | Nottingham      | 0 1 0
Vehicle crime                                            | Force           | 1 1 0
Vehicle crime                                            | Amber Valley    | 1 1 0
"""


def _expected_series(table: str) -> dict[tuple[str, str], list[int]]:
    expected = {}
    for line in table.strip().splitlines():
        measure, area, values = (part.strip() for part in line.split("|"))
        expected[(measure_name(measure), area)] = [int(v) for v in values.split()]
    return expected


def _series_by_key(counts: police_uk.StreetCrimeCounts) -> dict[tuple[str, str], list[int]]:
    found: dict[tuple[str, str], list[int]] = {}
    for row in counts.series:
        found.setdefault((row.measure, row.area), []).append(row.value)
    return found


def write_street_file(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """A street-level file of (month, LSOA name, crime type) rows, other columns filled in."""
    lines = [HEADER] + [f"x{i},{month},Nottinghamshire Police,Nottinghamshire Police,-1.1,52.9,"
                        f"On or near Broadway,E01033406,{lsoa},{crime_type},,"
                        for i, (month, lsoa, crime_type) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_months(folder: Path, n_months: int) -> list[Path]:
    """n_months files ending Dec 2024: month i (from 0) has i+1 burglaries in Nottingham and
    2 ASB incidents in Mansfield."""
    files = []
    for i in range(n_months):
        year, month_number = divmod(2024 * 12 + 11 - (n_months - 1 - i), 12)
        month = f"{year:04d}-{month_number + 1:02d}"
        rows = [(month, "Nottingham 012C", "Burglary")] * (i + 1)
        rows += [(month, "Mansfield 004B", "Anti-social behaviour")] * 2
        files.append(write_street_file(folder / f"{month}-test-street.csv", rows))
    return files


# --- Monthly counts ------------------------------------------------------------------------------


def test_three_month_counts_per_measure_and_area() -> None:
    """Exact monthly counts: BOM, CRLF, quoted commas, empty Crime IDs and no LSOA all handled."""
    raw = (THREE_MONTHS / "2024-01-fixture-street.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfCrime ID,") and raw.count(b"\r\n") == 6
    assert b'"On or near Broadway, Lace Market"' in raw and b"\n,2024-01," in raw
    counts = count_street_crime([THREE_MONTHS])
    assert _series_by_key(counts) == _expected_series(EXPECTED_THREE_MONTHS)
    assert counts.months == (date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1))
    assert counts.rows == 13
    assert counts.rows_without_location == 1


def test_months_without_incidents_are_zero_not_missing() -> None:
    """Every measure and area present has a value for every month loaded."""
    counts = count_street_crime([THREE_MONTHS])
    for key, values in _series_by_key(counts).items():
        assert len(values) == 3, key
    assert _series_by_key(counts)[(measure_name("Anti-social behaviour"), FORCE_AREA)] == [1, 1, 0]


def test_districts_come_from_lsoa_names() -> None:
    """The LSOA code is stripped; a district over the boundary keeps its own name."""
    counts = count_street_crime([THREE_MONTHS])
    assert counts.areas == (FORCE_AREA, "Amber Valley", "Cardiff", "Mansfield", "Nottingham")


def test_areas_add_up_to_force() -> None:
    """Districts plus rows without a location give the Force count."""
    counts = count_street_crime([THREE_MONTHS])
    series = _series_by_key(counts)
    district_total = sum(sum(v) for (m, a), v in series.items() if m == ALL_CRIME and a != FORCE_AREA)
    assert district_total + counts.rows_without_location == sum(series[(ALL_CRIME, FORCE_AREA)])


def test_files_and_folders_give_the_same_counts() -> None:
    """A folder is searched for *-street.csv; naming a file twice does not count it twice."""
    files = sorted(THREE_MONTHS.glob("*.csv"))
    assert count_street_crime(files + [THREE_MONTHS]) == count_street_crime([THREE_MONTHS])


# --- Headline measures ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_months", "burglary", "asb"),
    [
        # 24 months: burglaries 1..12 then 13..24; ASB 2 a month.
        (24, (78, 222), (24, 24)),
        # 26 months: the first two are outside both windows: 3..14 then 15..26.
        (26, (102, 246), (24, 24)),
    ],
)
def test_rolling_year_totals(tmp_path: Path, n_months: int, burglary: tuple, asb: tuple) -> None:
    """Current is the latest 12 months' total, baseline the 12 before; periods end each window."""
    counts = count_street_crime(write_months(tmp_path, n_months))
    rows = {row["measure"]: row for row in measure_rows(counts)}
    expected = {
        measure_name("Burglary"): burglary,
        measure_name("Anti-social behaviour"): asb,
        ALL_CRIME: (burglary[0] + asb[0], burglary[1] + asb[1]),
        ALL_CRIME_EXCLUDING_ASB: burglary,
    }
    assert {m: (int(r["baseline"]), int(r["current"])) for m, r in rows.items()} == expected
    for row in rows.values():
        assert (row["period"], row["baseline_period"], row["current_period"]) == (
            "2024-12", "2023-12", "2024-12")
        assert row["theme"] == "Tackling crime and ASB"
        assert (row["polarity"], row["unit"]) == ("lower_is_better", "count")
        assert "Open Government Licence v3.0" in row["comment"]
    assert [m for m, r in rows.items() if r["headline"] == "yes"] == [ALL_CRIME, ALL_CRIME_EXCLUDING_ASB]


def test_fewer_than_24_months_gives_series_without_figures(tmp_path: Path) -> None:
    """23 months: the measures are named (for the series) but carry no figures, not headline."""
    counts = count_street_crime(write_months(tmp_path, 23))
    assert len(counts.months) == 23
    for row in measure_rows(counts):
        assert (row["baseline"], row["current"], row["headline"]) == ("", "", "no")
        assert "23 months loaded, 24 needed" in row["comment"]
    assert "No headline figures: 23 months loaded" in police_uk.summary_text(counts)


# --- Errors ---------------------------------------------------------------------------------------


def test_missing_column_names_file_and_column() -> None:
    path = FIXTURES / "missing-column-street.csv"
    with pytest.raises(StreetCrimeError, match=r"missing-column-street\.csv, line 1, column Crime type: missing"):
        count_street_crime([path])


def test_bad_month_names_file_line_and_value() -> None:
    """Every bad month is listed, with the physical line of its record."""
    with pytest.raises(StreetCrimeError) as raised:
        count_street_crime([FIXTURES / "bad-month-street.csv"])
    assert [m.split("bad-month-street.csv, ")[1] for m in raised.value.messages] == [
        'line 3, column Month: "Jan 2024": expected a month as YYYY-MM, e.g. 2024-01',
        'line 5, column Month: "2024-13": expected a month as YYYY-MM, e.g. 2024-01',
    ]


def test_errors_from_several_files_are_reported_together() -> None:
    with pytest.raises(StreetCrimeError) as raised:
        count_street_crime([FIXTURES / "missing-column-street.csv", FIXTURES / "bad-month-street.csv"])
    assert len(raised.value.messages) == 3


def test_empty_crime_type_is_an_error(tmp_path: Path) -> None:
    path = write_street_file(tmp_path / "x-street.csv", [("2024-01", "Nottingham 012C", "")])
    with pytest.raises(StreetCrimeError, match=r'line 2, column Crime type: "": expected a crime type'):
        count_street_crime([path])


def test_month_in_two_files_is_an_error(tmp_path: Path) -> None:
    """Loading a copy of a month would double its counts."""
    first = write_street_file(tmp_path / "a-street.csv", [("2024-01", "Nottingham 012C", "Burglary")])
    second = write_street_file(tmp_path / "b-street.csv", [("2024-01", "Nottingham 012C", "Burglary")])
    with pytest.raises(StreetCrimeError, match="month 2024-01 is in more than one file"):
        count_street_crime([first, second])


def test_gap_between_months_is_an_error(tmp_path: Path) -> None:
    """A missing month would read as zero crime."""
    files = [write_street_file(tmp_path / f"{m}-street.csv", [(m, "Nottingham 012C", "Burglary")])
             for m in ("2024-01", "2024-04")]
    with pytest.raises(StreetCrimeError, match="no file holds 2024-02, 2024-03"):
        count_street_crime(files)


def test_quoted_comma_late_in_a_file_is_read_as_one_value(tmp_path: Path) -> None:
    """The CSV dialect is fixed, not guessed from the first rows (which have no quotes here)."""
    path = write_street_file(tmp_path / "late-street.csv", [("2024-01", "Nottingham 012C", "Burglary")] * 25_000)
    with path.open("a", encoding="utf-8") as handle:
        handle.write('late,2024-01,Nottinghamshire Police,Nottinghamshire Police,-0.9,53.3,'
                     '"On or near The Drive, Park Lane",E01028009,Bassetlaw 008B,Drugs,,\n')
    counts = count_street_crime([path])
    assert _series_by_key(counts)[(measure_name("Drugs"), "Bassetlaw")] == [1]
    assert counts.measures == (ALL_CRIME, ALL_CRIME_EXCLUDING_ASB, measure_name("Burglary"),
                               measure_name("Drugs"))


def test_unquoted_comma_shifting_a_row_is_an_error(tmp_path: Path) -> None:
    """With an empty last column the shifted row parses; its LSOA name then holds the code."""
    path = write_street_file(tmp_path / "x-street.csv", [("2024-01", "Nottingham 012C", "Burglary")])
    with path.open("a", encoding="utf-8") as handle:
        handle.write("y,2024-01,Nottinghamshire Police,Nottinghamshire Police,-0.9,53.3,"
                     "On or near The Drive, Park Lane,E01028009,Bassetlaw 008B,Drugs,,\n")
    with pytest.raises(StreetCrimeError, match=r'line 3, column LSOA name: "E01028009": expected a '
                                                r"district and LSOA code"):
        count_street_crime([path])


def test_row_with_too_few_fields_is_an_error(tmp_path: Path) -> None:
    path = write_street_file(tmp_path / "x-street.csv", [("2024-01", "Nottingham 012C", "Burglary")] * 3)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("z,2024-01,Nottinghamshire Police\n")
    with pytest.raises(StreetCrimeError, match=r"line 5: 3 fields: expected 12 as in the header"):
        count_street_crime([path])


def test_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    good = write_street_file(tmp_path / "a-street.csv", [("2024-01", "Nottingham 012C", "Burglary")])
    bad = tmp_path / "b-street.csv"
    bad.write_bytes(f"{HEADER}\nx,2024-02,N,N,,,On or near Caf\xe9,,Nottingham 012C,Burglary,,\n"
                    .encode("windows-1252"))
    with pytest.raises(StreetCrimeError) as raised:
        count_street_crime([good, bad])
    [message] = raised.value.messages  # only the bad file, with DuckDB's line and reason
    assert message.startswith(f"{bad}: could not be read as CSV: CSV Error on Line: 2; ")
    assert "not utf-8 encoded" in message


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(StreetCrimeError, match="expected a file or folder that exists"):
        count_street_crime([tmp_path / "nowhere.csv"])


# --- Extracts and load ----------------------------------------------------------------------------


def test_extracts_follow_the_contract(tmp_path: Path) -> None:
    counts = count_street_crime([THREE_MONTHS])
    measures_path, series_path = write_extracts(counts, tmp_path)
    with series_path.open(encoding="utf-8", newline="") as handle:
        series = list(csv.DictReader(handle))
    assert list(series[0]) == ["measure", "area", "period", "value"]
    assert series[0] == {"measure": ALL_CRIME, "area": FORCE_AREA, "period": "2024-01", "value": "5"}
    assert len(series) == len(counts.series)
    with measures_path.open(encoding="utf-8", newline="") as handle:
        measures = list(csv.DictReader(handle))
    assert [m["measure"] for m in measures] == list(counts.measures)
    assert {m["period"] for m in measures} == {"2024-03"}


def _table_contents(db_path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return {
            "measures": con.execute(
                "SELECT * EXCLUDE (load_id) FROM measures ORDER BY period, measure").fetchall(),
            "series": con.execute(
                "SELECT * EXCLUDE (load_id) FROM series ORDER BY measure, area, period").fetchall(),
        }
    finally:
        con.close()


def test_cli_loads_and_importing_twice_changes_nothing(tmp_path: Path, capsys) -> None:
    """Exit 0, the summary and report printed, and a second import leaves the same tables."""
    db_path = tmp_path / "test.duckdb"
    assert main([str(THREE_MONTHS), "--db", str(db_path)]) == 0
    output = capsys.readouterr().out
    assert "Rows: 13 (1 without a location" in output
    assert "Months: 3 (2024-01 to 2024-03)" in output
    first = _table_contents(db_path)
    assert len(first["series"]) == 69
    assert len(first["measures"]) == 6
    assert main([str(THREE_MONTHS), "--db", str(db_path)]) == 0
    assert _table_contents(db_path) == first


def test_cli_error_loads_nothing(tmp_path: Path, capsys) -> None:
    """A bad file among good ones: exit 1, the error printed, the database as it was."""
    db_path = tmp_path / "test.duckdb"
    assert main([str(THREE_MONTHS), "--db", str(db_path)]) == 0
    before = db_path.read_bytes()
    bad = [str(THREE_MONTHS), str(FIXTURES / "bad-month-street.csv"), "--db", str(db_path)]
    assert main(bad) == 1
    assert 'line 3, column Month: "Jan 2024"' in capsys.readouterr().out
    assert db_path.read_bytes() == before


def test_cli_keeps_extracts_when_asked(tmp_path: Path) -> None:
    out = tmp_path / "extracts"
    assert main([str(THREE_MONTHS), "--db", str(tmp_path / "t.duckdb"), "--extracts-out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["measures_police_uk.csv", "series_police_uk.csv"]


# --- The real files --------------------------------------------------------------------------------


def _count_data_rows(folder: Path) -> int:
    total = 0
    for path in sorted(folder.glob("*-street.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            total += sum(1 for cells in reader if any(cells))
    return total


@pytest.mark.skipif(not REAL_FILES.is_dir(), reason="the data.police.uk files are not on this machine")
def test_real_files(tmp_path: Path) -> None:
    """24 months; Force all crime equals the rows in the files; the districts are there; the
    committed data/ extracts are exactly what the importer makes of them."""
    counts = count_street_crime([REAL_FILES])
    assert len(counts.months) == 24
    assert (counts.months[0], counts.months[-1]) == (date(2023, 1, 1), date(2024, 12, 1))
    series = _series_by_key(counts)
    assert sum(series[(ALL_CRIME, FORCE_AREA)]) == _count_data_rows(REAL_FILES)
    assert {"Nottingham", "Mansfield", "Ashfield", "Bassetlaw", "Broxtowe", "Gedling",
            "Newark and Sherwood", "Rushcliffe"} <= set(counts.areas)
    measures_path, series_path = write_extracts(counts, tmp_path)
    assert measures_path.read_bytes() == (PROJECT_DATA / "measures_police_uk.csv").read_bytes()
    assert series_path.read_bytes() == (PROJECT_DATA / "series_police_uk.csv").read_bytes()
