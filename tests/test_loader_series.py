"""The series extract: the one-statement fast path, the careful path, and their agreement."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from loaders import load as load_module
from loaders import load_extracts, series
from loaders.values import parse_month

MEASURES = "period,theme,measure,polarity\n2019-01,T,Referrals,up\n2019-01,T,Rate,up\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "measures.csv").write_text(MEASURES, encoding="utf-8")
    return tmp_path


def write_series(folder: Path, text: str, name: str = "series.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def series_rows(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT measure, area, period, value, source_file FROM series "
                           "ORDER BY measure, area, period").fetchall()


def errors(report) -> list[str]:
    return [issue.message for issue in report.errors]


@pytest.fixture
def fast_path_calls(monkeypatch: pytest.MonkeyPatch) -> list:
    """Records what each fast-path attempt returned (None: handed to the careful path)."""
    calls: list = []
    real = series.insert_series_fast

    def recording(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append(result)
        return result

    monkeypatch.setattr(load_module, "insert_series_fast", recording)
    return calls


VARIED = (
    "measure,period,value,area\n"
    "Referrals,2019-01,5369,\n"
    "Referrals,Feb 2019,\"5,401\",City\n"
    "Referrals,March 2019,-12,County\n"
    "Rate,Jan-19,33.2%,\n"
    "Rate,2019-02-28,+£1.1m,\n"
    "Rate,2019-03,£188k,\n"
    "Rate,04/2019,.5,\n"
    "Rate,05/2019,2k,\n"
)
VARIED_EXPECTED = [
    ("Rate", "Force", date(2019, 1, 1), 33.2, "series.csv"),
    ("Rate", "Force", date(2019, 2, 1), 1100.0, "series.csv"),  # money in £ thousands
    ("Rate", "Force", date(2019, 3, 1), 188.0, "series.csv"),
    ("Rate", "Force", date(2019, 4, 1), 0.5, "series.csv"),
    ("Rate", "Force", date(2019, 5, 1), 2000.0, "series.csv"),
    ("Referrals", "City", date(2019, 2, 1), 5401.0, "series.csv"),
    ("Referrals", "County", date(2019, 3, 1), -12.0, "series.csv"),
    ("Referrals", "Force", date(2019, 1, 1), 5369.0, "series.csv"),
]


def test_fast_path_reads_every_accepted_form(folder: Path, fast_path_calls: list) -> None:
    write_series(folder, VARIED)
    report = load_extracts([folder], folder / "db.duckdb")
    assert report.ok, report.to_text()
    assert fast_path_calls == [(8, 8, 0)]
    assert series_rows(folder / "db.duckdb") == VARIED_EXPECTED


def test_careful_path_gives_the_same_rows(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_module, "insert_series_fast", lambda *args: None)
    write_series(folder, VARIED)
    report = load_extracts([folder], folder / "db.duckdb")
    assert report.ok, report.to_text()
    assert series_rows(folder / "db.duckdb") == VARIED_EXPECTED
    assert report.files[1].rows == 8


def test_sql_conversion_agrees_with_the_python_parsers() -> None:
    """SQL reads months and numbers as `loaders.values` does (the rules live there)."""
    months = ["2019-01", "2019-01-31", "Jan 19", "Jan 2019", "January 2019", "Jan-19", "31/01/2019", "01/2019",
              "Dec 68", "Dec 69"]
    numbers = ["4,872", "-78.4%", "+£1.1m", "£188,209k", "12", "−5", " 7 ", "1.25m", "£0.5"]
    with duckdb.connect() as con:
        for text in months:
            sql = con.execute("SELECT date_trunc('month', try_strptime(?, ?::VARCHAR[]))::DATE",
                              [text, list(series.values.MONTH_FORMATS)]).fetchone()[0]
            assert sql == parse_month(text).start, text
        for text in numbers:
            sql = con.execute(
                f"SELECT {series._number_sql('n')} FROM (SELECT regexp_extract(?, ?, ?::VARCHAR[]) AS n)",
                [text, series.values.NUMBER_PATTERN, list(series.values.NUMBER_GROUPS)]).fetchone()[0]
            assert sql == pytest.approx(series.series_value(text)), text


def test_reload_replaces_by_key_and_counts(folder: Path, fast_path_calls: list) -> None:
    db = folder / "db.duckdb"
    write_series(folder, "measure,period,value\nReferrals,2019-01,1\nReferrals,2019-02,2\n")
    assert load_extracts([folder], db).ok
    write_series(folder, "measure,period,value\nReferrals,2019-02,20\nReferrals,2019-03,30\n")
    report = load_extracts([folder / "series.csv"], db)
    assert report.ok
    assert (report.files[0].added, report.files[0].replaced) == (1, 1)
    assert [r[2:4] for r in series_rows(db)] == [(date(2019, 1, 1), 1.0), (date(2019, 2, 1), 20.0),
                                                  (date(2019, 3, 1), 30.0)]
    assert fast_path_calls == [(2, 2, 0), (2, 1, 1)]


def test_cell_python_reads_but_sql_does_not_takes_the_careful_path(folder: Path, fast_path_calls: list) -> None:
    """A tab after a measure is trimmed by the careful path; the fast path declines it."""
    write_series(folder, "measure,period,value,area\nReferrals\t,2019-01 ,5,\tCity\t\n")
    report = load_extracts([folder], folder / "db.duckdb")
    assert report.ok, report.to_text()
    assert fast_path_calls == [None]
    assert series_rows(folder / "db.duckdb") == [("Referrals", "City", date(2019, 1, 1), 5.0, "series.csv")]


def test_line_numbers_count_quoted_newlines(folder: Path) -> None:
    text = ('measure,period,value,note\n'
            'Referrals,2019-01,1,"two\nlines"\n'
            '\n'
            'Referrals,2019-02,x,\n'
            'Referrals,"2019-03",2,"a, b\n\nc"\n'
            'Referrals,2019-13,3,\n')
    report = load_extracts([folder / "measures.csv", write_series(folder, text)], folder / "db.duckdb")
    assert errors(report) == [
        'series.csv, line 5, column value: "x": expected a number such as 4,872, -78.4%, +£1.1m or £188,209k',
        'series.csv, line 9, column period: "2019-13": expected a month such as 2019-01, Jan 2019 or January 2019',
    ]
    assert [w.message for w in report.warnings] == [
        'series.csv, line 1, column note: "note": not a column of series files; ignored']


def test_ragged_rows_are_read_by_python_with_their_lines(folder: Path) -> None:
    """DuckDB's strict reader refuses short rows and lines of spaces; the careful path copes."""
    text = ('measure,period,value,area\n'
            'Referrals,2019-01,1\n'
            '   \n'
            'Referrals,"2019-\n02",2,City\n'
            'Referrals,2019-03,3,City,extra\n')
    report = load_extracts([folder / "measures.csv", write_series(folder, text)], folder / "db.duckdb")
    assert errors(report) == [
        'series.csv, line 4, column period: "2019-\n02": expected a month such as 2019-01, Jan 2019 or '
        "January 2019",
        'series.csv, line 6: "extra": expected at most 4 cells, as in the header (this row has 5; a comma '
        "inside a value needs the value in double quotes)",
    ]


def test_duplicate_series_key_names_both_lines(folder: Path, fast_path_calls: list) -> None:
    text = "measure,period,value\nReferrals,2019-01,1\nReferrals,2019-02,2\nReferrals,Jan 2019,3\n"
    report = load_extracts([folder, write_series(folder, text)], folder / "db.duckdb")
    assert errors(report) == [
        'series.csv, line 4, column measure, area, period: "measure Referrals, area Force, period 2019-01": '
        "expected one row per measure + area + period; line 4 repeats line 2"
    ]
    assert fast_path_calls == [None]
    assert not (folder / "db.duckdb").exists()


def test_unknown_measure_is_reported_once_with_its_first_line(folder: Path) -> None:
    text = "measure,period,value\nReferrals,2019-01,1\nReferals,2019-01,1\nReferals,2019-02,1\n"
    report = load_extracts([folder, write_series(folder, text)], folder / "db.duckdb")
    assert errors(report) == [
        'series.csv, line 3, column measure: "Referals": expected a measure named in a measures file of '
        "this load or already loaded (and 1 more rows naming it)"
    ]


def test_missing_cells_in_series(folder: Path) -> None:
    text = "measure,period,value\n,2019-01,1\nReferrals,,\n"
    report = load_extracts([folder / "measures.csv", write_series(folder, text)], folder / "db.duckdb")
    assert errors(report) == [
        'series.csv, line 2, column measure: "": expected a value (the column is required)',
        'series.csv, line 3, column period: "": expected a value (the column is required)',
        'series.csv, line 3, column value: "": expected a value (the column is required)',
    ]


def test_windows_1252_series(folder: Path, fast_path_calls: list) -> None:
    (folder / "series.csv").write_bytes(b"measure,period,value\r\nReferrals,2019-01,\xa31.5m\r\n")
    report = load_extracts([folder], folder / "db.duckdb")
    assert report.ok, report.to_text()
    assert report.files[1].encoding == "windows-1252"
    assert fast_path_calls == [(1, 1, 0)]
    assert series_rows(folder / "db.duckdb")[0][3] == 1500.0


def test_many_errors_are_counted_past_the_listed_ones(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(series, "MAX_LISTED_ISSUES", 3)
    text = "measure,period,value\n" + "".join(f"Referrals,2019-{i + 1:02d},bad{i}\n" for i in range(10))
    report = load_extracts([folder, write_series(folder, text)], folder / "db.duckdb")
    assert [i.line for i in report.errors] == [2, 3, 4, None]
    assert report.errors[-1].message == (
        "series.csv: 7 more rows with errors like those above are not listed; fix those and load again "
        "to see them")


def test_second_series_file_failing_after_the_first_was_written_loads_nothing(
        folder: Path, fast_path_calls: list) -> None:
    db = folder / "db.duckdb"
    assert load_extracts([folder / "measures.csv"], db).ok
    before = db.read_bytes()
    write_series(folder, "measure,period,value\nReferrals,2019-01,1\n", "series_a.csv")
    write_series(folder, "measure,period,value\nRate,2019-01,1\nNobody,2019-01,2\n", "series_b.csv")
    report = load_extracts([folder], db)
    assert fast_path_calls == [(1, 1, 0), None]
    assert errors(report) == [
        'series_b.csv, line 3, column measure: "Nobody": expected a measure named in a measures file of '
        "this load or already loaded"
    ]
    assert db.read_bytes() == before


def test_python_parsers_have_the_last_word_on_what_sql_cannot_read(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With SQL given only '%Y-%m' and plain digits, Python reads the rest or words the error."""
    from types import SimpleNamespace

    from loaders import values

    narrowed = SimpleNamespace(**{**vars(values), "MONTH_FORMATS": ("%Y-%m",),
                                  "NUMBER_PATTERN": "^([0-9]+)()()()()()()$"})
    monkeypatch.setattr(series, "values", narrowed)
    text = "measure,period,value\nReferrals,Jan 2019,\"4,872\"\nReferrals,Feb 2019,12%\nReferrals,Smarch 2019,1\n"
    write_series(folder, text)
    report = load_extracts([folder], folder / "db.duckdb")
    assert errors(report) == [
        'series.csv, line 4, column period: "Smarch 2019": expected a month such as 2019-01, Jan 2019 or '
        "January 2019"]
    write_series(folder, text.replace("Smarch 2019", "Mar 2019"))
    assert load_extracts([folder], folder / "db.duckdb").ok
    assert [r[2:4] for r in series_rows(folder / "db.duckdb")] == [
        (date(2019, 1, 1), 4872.0), (date(2019, 2, 1), 12.0), (date(2019, 3, 1), 1.0)]


def test_repeated_key_is_caught_when_replacing_too(folder: Path, fast_path_calls: list) -> None:
    """Into a table holding the key already, the fast replace declines a file repeating it."""
    db = folder / "db.duckdb"
    write_series(folder, "measure,period,value\nReferrals,2019-01,1\n")
    assert load_extracts([folder], db).ok
    write_series(folder, "measure,period,value\nReferrals,2019-01,2\nReferrals,2019-02,3\nReferrals,2019-01,4\n")
    report = load_extracts([folder / "series.csv"], db)
    assert fast_path_calls == [(1, 1, 0), None]
    assert [(i.line, i.column) for i in report.errors] == [(4, "measure, area, period")]


def test_series_table_has_its_not_nulls_and_no_primary_key(folder: Path, fast_path_calls: list) -> None:
    """The loader, not an index, keeps the key (see schema.py): NOT NULLs only, no leftovers."""
    write_series(folder, "measure,period,value\nReferrals,2019-01,1\n")
    db = folder / "db.duckdb"
    assert load_extracts([folder], db).ok
    assert fast_path_calls == [(1, 1, 0)]
    with duckdb.connect(str(db), read_only=True) as con:
        constraints = con.execute(
            "SELECT constraint_type, constraint_column_names FROM duckdb_constraints() "
            "WHERE table_name = 'series' ORDER BY ALL").fetchall()
        tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert constraints == sorted(
        [("NOT NULL", [c]) for c in ("measure", "area", "period", "value", "source_file", "load_id")])
    assert tables.isdisjoint({"series_building", "series_fast", "series_unkeyed"})


def test_repeated_key_on_a_first_load_is_refused_with_its_lines(folder: Path, fast_path_calls: list) -> None:
    db = folder / "db.duckdb"
    write_series(folder, "measure,period,value\nReferrals,2019-01,1\nReferrals,2019-01,2\n")
    report = load_extracts([folder], db)
    assert fast_path_calls == [None]
    assert [(i.line, i.column) for i in report.errors] == [(3, "measure, area, period")]
    assert not db.exists()


def test_first_load_declined_by_the_fast_path_leaves_no_building_table(folder: Path,
                                                                       fast_path_calls: list) -> None:
    write_series(folder, "measure,period,value\nReferrals\t,2019-01,1\n")
    db = folder / "db.duckdb"
    assert load_extracts([folder], db).ok
    assert fast_path_calls == [None]
    with duckdb.connect(str(db), read_only=True) as con:
        tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert con.execute("SELECT measure FROM series").fetchall() == [("Referrals",)]
    assert "series_building" not in tables


def test_a_table_with_more_than_key_and_not_nulls_is_loaded_in_place(folder: Path) -> None:
    """An index the schema might add one day is not lost by the bulk-keyed first load."""
    db = folder / "db.duckdb"
    assert load_extracts([folder / "measures.csv"], db).ok
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE INDEX series_by_value ON series (value)")
    write_series(folder, "measure,period,value\nReferrals,2019-01,1\n")
    assert load_extracts([folder / "series.csv"], db).ok
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT index_name FROM duckdb_indexes() WHERE table_name = 'series'").fetchall() == [
            ("series_by_value",)]
        assert con.execute("SELECT count(*) FROM series").fetchone()[0] == 1


@pytest.mark.parametrize("loaded_before", [False, True])
def test_a_repeat_the_fast_path_only_suspects_is_settled_by_the_careful_path(
        folder: Path, fast_path_calls: list, monkeypatch: pytest.MonkeyPatch, loaded_before: bool) -> None:
    """The fast path counts repeats by the key's hash; were two keys to collide, it would decline
    having changed nothing, and the careful path, comparing keys, would load the file once."""
    db = folder / "db.duckdb"
    if loaded_before:
        write_series(folder, "measure,period,value\nReferrals,2019-01,1\n")
        assert load_extracts([folder], db).ok
    monkeypatch.setattr(series, "_repeats_a_key", lambda con, table: True)
    write_series(folder, "measure,period,value\nReferrals,2019-01,10\nReferrals,2019-02,20\n")
    report = load_extracts([folder], db)
    assert report.ok, report.to_text()
    assert fast_path_calls[-1] is None
    assert (report.files[1].added, report.files[1].replaced) == ((1, 1) if loaded_before else (2, 0))
    assert [r[2:4] for r in series_rows(db)] == [(date(2019, 1, 1), 10.0), (date(2019, 2, 1), 20.0)]


@pytest.mark.parametrize("text", ["measure,period,value\nReferrals,2019-01,1\n",
                                  "measure,period,value\nNobody,2019-01,1\n"])
def test_fast_path_puts_the_row_order_setting_back(folder: Path, text: str) -> None:
    """The fast path lets DuckDB store rows in any order; the careful path after it numbers
    records by rowid, so stored order must be kept again once the fast path is done."""
    from loaders.contract import SERIES
    from loaders.reading import read_source
    from loaders.schema import create_schema

    source = read_source(write_series(folder, text), SERIES)
    layout = series.check_series_layout(source)
    with duckdb.connect() as con:
        create_schema(con)
        con.execute("INSERT INTO measures (period, theme, measure, polarity, unit, headline, "
                    "source_file, source_line, load_id) VALUES "
                    "(DATE '2019-01-01', 'T', 'Referrals', 'up', 'count', false, 'm.csv', 2, 1)")
        for _ in range(2):  # into the empty table, then replacing
            series.insert_series_fast(con, source, layout, 1, folder)
            assert con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0] is True


@pytest.mark.parametrize("careful", [False, True])
def test_one_digit_years_are_refused_as_python_refuses_them(
        folder: Path, monkeypatch: pytest.MonkeyPatch, careful: bool) -> None:
    """DuckDB's %y reads 'Feb 1' as February 2001; parse_month does not, and neither may SQL.
    Months of 2000-2009 written in full are still read."""
    if careful:
        monkeypatch.setattr(load_module, "insert_series_fast", lambda *args: None)
    text = ("measure,period,value\nReferrals,2005-03,1\nReferrals,Apr 05,2\nReferrals,Feb 1,3\n"
            "Referrals,Jan-9,4\nReferrals,31/01/9,5\nReferrals,May 2009,6\n")
    report = load_extracts([folder, write_series(folder, text)], folder / "db.duckdb")
    assert [(i.line, i.column, i.value) for i in report.errors] == [
        (4, "period", "Feb 1"), (5, "period", "Jan-9"), (6, "period", "31/01/9")]
    write_series(folder, "\n".join(line for line in text.split("\n") if not line.endswith(("3", "4", "5"))))
    report = load_extracts([folder], folder / "db.duckdb")
    assert report.ok, report.to_text()
    assert [r[2] for r in series_rows(folder / "db.duckdb")] == [
        date(2005, 3, 1), date(2005, 4, 1), date(2009, 5, 1)]


#: Plain decimals the fast path casts without NUMBER_PATTERN, and their neighbours that the
#: pattern reads (spaces, a tab, a comma, a sign, a bare point): all equal to the Python reading.
DECIMALS = ["0.1", "33.25", "007.50", "4872", "123456789012345.5", "0.30000000000000004", " 12.5",
            "12.5\t", "1,234.5", "-3.5", ".5", "2.5%", "\u00a06.75"]


def test_fast_path_reads_plain_decimals_as_python_does(folder: Path, fast_path_calls: list) -> None:
    """Each value exactly as `series_value` reads it (not approximately: a DOUBLE cast and
    float() round alike), on the fast path, and the same by the careful path."""
    body = "".join(f'Rate,{1990 + i}-01,"{text}"\n' for i, text in enumerate(DECIMALS))
    write_series(folder, "measure,period,value\n" + body)
    report = load_extracts([folder], folder / "db.duckdb")
    assert report.ok, report.to_text()
    assert fast_path_calls == [(len(DECIMALS), len(DECIMALS), 0)]
    expected = [series.series_value(text) for text in DECIMALS]
    assert [row[3] for row in series_rows(folder / "db.duckdb")] == expected
    assert expected[:4] == [0.1, 33.25, 7.5, 4872.0]


def test_plain_number_pattern_is_digits_with_one_optional_fraction() -> None:
    """What the fast path casts straight to DOUBLE; anything else goes through the pattern."""
    with duckdb.connect() as con:
        def plain(text: str) -> bool:
            return con.execute("SELECT regexp_full_match(?, ?)", [text, series._PLAIN_NUMBER]).fetchone()[0]

        for text in ["0", "12", "12.5", "007.50", "1" * 15 + "." + "9" * 15]:
            assert plain(text), text
        for text in ["", ".5", "12.", "1.2.3", "12a5", "12,5", "1,234", "-1", "+1", " 1", "1 ", "1e5",
                     "inf", "nan", "1" * 16, "1." + "9" * 16, "1.5%"]:
            assert not plain(text), text


def test_a_cell_that_only_looks_plain_is_refused_with_its_line(folder: Path, fast_path_calls: list) -> None:
    """'12a5' or '1.2.3' is no number on either path: the error names the line and the value."""
    write_series(folder, "measure,period,value\nRate,2019-01,12.5\nRate,2019-02,1.2.3\nRate,2019-03,12a5\n")
    report = load_extracts([folder], folder / "db.duckdb")
    assert not report.ok
    assert fast_path_calls == [None]
    assert [(i.line, i.column, i.value) for i in report.errors] == [(3, "value", "1.2.3"), (4, "value", "12a5")]


def test_fast_path_reads_months_with_white_space_around_them(folder: Path, fast_path_calls: list) -> None:
    """The month cell is not trimmed first: strptime skips the spaces (and a tab) itself."""
    write_series(folder, 'measure,period,value\nRate, 2019-01 ,1\nRate,"\t2019-02\t",2\nRate,Mar 2019 ,3\n')
    report = load_extracts([folder], folder / "db.duckdb")
    assert report.ok, report.to_text()
    assert fast_path_calls == [(3, 3, 0)]
    assert [row[2] for row in series_rows(folder / "db.duckdb")] == [date(2019, 1, 1), date(2019, 2, 1),
                                                                      date(2019, 3, 1)]


@pytest.mark.parametrize("cell", ["Feb 1 ", "Feb 1\t", '"Feb 1\n"', " Feb-1  "])
def test_a_one_digit_year_is_refused_with_white_space_after_it(folder: Path, cell: str) -> None:
    """'Feb 1 ' is refused as 'Feb 1' is (DuckDB's %y would read 2001; Python's refuses)."""
    write_series(folder, f"measure,period,value\nRate,2019-01,1\nRate,{cell},2\n")
    report = load_extracts([folder], folder / "db.duckdb")
    assert not report.ok
    assert [(i.line, i.column) for i in report.errors] == [(3, "period")]


def test_a_measure_with_spaces_around_it_is_trimmed_by_the_careful_path(folder: Path,
                                                                       fast_path_calls: list) -> None:
    """The fast path stores the measure cell as read, so ' Rate ' is no measure loaded: it
    declines the file, and the careful path trims the cell and loads it as Rate."""
    write_series(folder, "measure,period,value\n Rate ,2019-01,1\nRate,2019-02,2\n")
    report = load_extracts([folder], folder / "db.duckdb")
    assert report.ok, report.to_text()
    assert fast_path_calls == [None]
    assert [row[0] for row in series_rows(folder / "db.duckdb")] == ["Rate", "Rate"]


UNTIDY_AREAS = ('measure,period,value,area\nRate,2019-01,1, City\nRate,2019-02,2,"County\t"\n'
                'Rate,2019-03,3,\u00a0North\u00a0\nRate,2019-04,4,"  "\nRate,2019-05,5,""\nRate,2019-06,6,City\n')
TIDY_AREAS = ["City", "County", "North", "Force", "Force", "City"]


@pytest.mark.parametrize("first_load", [True, False], ids=["into an empty table", "replacing"])
def test_fast_path_trims_areas_as_the_careful_path_does(folder: Path, fast_path_calls: list,
                                                       first_load: bool) -> None:
    """Spaces, tabs and no-break spaces around an area go, and an area left empty is the
    force's, whether the file is the first series load or replaces rows."""
    db = folder / "db.duckdb"
    if not first_load:
        write_series(folder, "measure,period,value\nRate,2018-01,9\n")
        assert load_extracts([folder], db).ok
    write_series(folder, UNTIDY_AREAS)
    report = load_extracts([folder / "measures.csv", folder / "series.csv"], db)
    assert report.ok, report.to_text()
    assert fast_path_calls[-1] is not None
    rows = [row for row in series_rows(db) if row[2].year == 2019]
    assert [row[1] for row in sorted(rows, key=lambda r: r[2])] == TIDY_AREAS


@pytest.mark.parametrize("first_load", [True, False], ids=["into an empty table", "replacing"])
def test_areas_equal_once_trimmed_repeat_a_key(folder: Path, fast_path_calls: list, first_load: bool) -> None:
    """'City ' and 'City' are one area: the second row repeats the first's key."""
    db = folder / "db.duckdb"
    if not first_load:
        write_series(folder, "measure,period,value\nRate,2018-01,9\n")
        assert load_extracts([folder], db).ok
    write_series(folder, "measure,period,value,area\nRate,2019-01,1,City \nRate,2019-01,2,City\n")
    report = load_extracts([folder / "measures.csv", folder / "series.csv"], db)
    assert not report.ok
    assert fast_path_calls[-1] is None
    assert [(i.line, i.column) for i in report.errors] == [(3, "measure, area, period")]
