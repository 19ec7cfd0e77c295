"""The loader against hostile or malformed files: a cell DuckDB's reader drops, a linked or
oddly named file, an encoding that is not what it seems, control characters, a flood of
warnings, and DuckDB's progress bar. Each is refused with file, line, column and value, and
changes nothing in the database."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.db import PROJECT_ROOT
from loaders import load as load_module
from loaders import load_extracts, series, validate_extracts
from loaders.contract import SERIES
from loaders.reading import data_record_lines, detect_encoding, read_source
from loaders.series import MAX_LISTED_ISSUES

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MEASURES = "period,theme,measure,polarity,comment\n2019-01,T,Referrals,up,ok\n"
BIG = 50_000_000  # characters in a hostile cell: past DuckDB's buffer, let alone its line limit


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def messages(issues) -> list[str]:
    return [issue.message for issue in issues]


@pytest.fixture
def loaded(tmp_path: Path) -> tuple[Path, str]:
    """A database holding one good load, and the SHA-256 of its bytes."""
    db = tmp_path / "db.duckdb"
    assert load_extracts([write(tmp_path, "measures.csv", MEASURES)], db).ok
    return db, _sha(db)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused(paths: list[Path], loaded: tuple[Path, str]) -> list[str]:
    """Load `paths` into the loaded database, expecting errors; the database is unchanged."""
    db, before = loaded
    report = load_extracts(paths, db)
    assert not report.ok, report.to_text()
    assert _sha(db) == before
    assert not list(db.parent.glob("*.new.*"))
    return messages(report.errors)


@pytest.fixture
def fast_path_calls(monkeypatch: pytest.MonkeyPatch) -> list:
    calls: list = []
    real = series.insert_series_fast

    def recording(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append(result)
        return result

    monkeypatch.setattr(load_module, "insert_series_fast", recording)
    return calls


# --- 1. a record DuckDB's reader drops or cannot read -------------------------------------------


def test_a_50_mb_cell_on_a_series_last_line_is_an_error_not_a_dropped_row(
        tmp_path: Path, loaded: tuple[Path, str]) -> None:
    """DuckDB's reader drops a last record longer than its buffer without a word (the load
    said '1 row added' for a file of two)."""
    text = "measure,period,value,area\nReferrals,2019-01,5,\n" + f"Referrals,2019-02,6,{'x' * BIG}\n"
    assert refused([write(tmp_path, "series.csv", text)], loaded) == [
        f'series.csv, line 3, column area: "{"x" * 80}…": expected a cell of at most 131,072 '
        "characters (this one has 50,000,000)"]


def test_a_series_file_whose_only_row_duckdb_drops_is_an_error_not_0_rows(
        tmp_path: Path, loaded: tuple[Path, str]) -> None:
    text = f"measure,period,value,area\nReferrals,2019-02,6,{'x' * BIG}"
    errors = refused([write(tmp_path, "series.csv", text)], loaded)
    assert [e.split(":")[0] for e in errors] == ["series.csv, line 2, column area"]


def test_a_50_mb_cell_mid_file_names_its_line_and_column(tmp_path: Path,
                                                         loaded: tuple[Path, str]) -> None:
    text = ("measure,period,value\nReferrals,2019-01,5\n"
            f'Referrals,2019-02,"{"7" * BIG}"\nReferrals,2019-03,7\n')
    assert refused([write(tmp_path, "series.csv", text)], loaded) == [
        f'series.csv, line 3, column value: "{"7" * 80}…": expected a cell of at most 131,072 '
        "characters (this one has 50,000,000)"]


def test_a_50_mb_cell_in_a_measures_file_names_its_line_and_column(
        tmp_path: Path, loaded: tuple[Path, str]) -> None:
    """Python's csv module refused it before too, but without the column or the value."""
    text = MEASURES + f"2019-01,T,Other,up,{'c' * BIG}\n"
    assert refused([write(tmp_path, "measures.csv", text)], loaded) == [
        f'measures.csv, line 3, column comment: "{"c" * 80}…": expected a cell of at most '
        "131,072 characters (this one has 50,000,000)"]


def test_a_long_cell_duckdb_could_read_is_refused_on_the_fast_path_too(
        tmp_path: Path, loaded: tuple[Path, str], fast_path_calls: list) -> None:
    """200,000 characters fit DuckDB's 2 MB line: loaded before, while the careful path (and
    every other kind of file) refused it. One rule now, whichever path a file takes."""
    text = f"measure,period,value,area\nReferrals,2019-01,5,{'y' * 200_000}\n"
    assert refused([write(tmp_path, "series.csv", text)], loaded) == [
        f'series.csv, line 2, column area: "{"y" * 80}…": expected a cell of at most 131,072 '
        "characters (this one has 200,000)"]
    assert fast_path_calls == [None]


def test_a_long_quoted_cell_says_where_it_runs_to(tmp_path: Path) -> None:
    text = MEASURES + '2019-01,T,Other,up,"a\n' + ("b" * 70_000 + "\n") * 2 + '",\n'
    report = validate_extracts([write(tmp_path, "measures.csv", text)])
    assert messages(report.errors) == [
        'measures.csv, line 3, column comment: "a…": expected a cell of at most 131,072 '
        "characters (this one has 140,004, running to line 6)"]


def test_rows_duckdb_did_not_read_send_the_file_to_the_careful_path(
        tmp_path: Path, fast_path_calls: list, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path counts the rows it read against the file's records and, when they differ,
    declines with nothing changed; the careful path reads the file with Python's csv module."""
    text = "measure,period,value\nReferrals,2019-01,5\nReferrals,2019-02,6\n"
    write(tmp_path, "measures.csv", MEASURES)
    path = write(tmp_path, "series.csv", text)
    counted = read_source(path, SERIES).record_count
    assert counted.data_records == 2
    # As if DuckDB had dropped a row: the file claims one record more than it reads as.
    monkeypatch.setattr(series, "_read_every_record",
                        lambda source, rows: rows == source.record_count.data_records + 1)
    report = load_extracts([tmp_path], tmp_path / "db.duckdb")
    assert fast_path_calls == [None]
    assert report.ok, report.to_text()
    with duckdb.connect(str(tmp_path / "db.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM series").fetchone()[0] == 2


def test_a_file_named_like_a_glob_is_read_itself(tmp_path: Path, fast_path_calls: list) -> None:
    """DuckDB takes `series[12].csv` for a glob: it read series1.csv and series2.csv instead,
    and stored their rows under the name given."""
    write(tmp_path, "measures.csv", MEASURES)
    given = write(tmp_path, "series[12].csv", "measure,period,value\nReferrals,2019-01,1\n")
    write(tmp_path, "series1.csv", "measure,period,value\nReferrals,2019-02,666\n")
    write(tmp_path, "series2.csv", "measure,period,value\nReferrals,2019-03,777\n")
    db = tmp_path / "db.duckdb"
    report = load_extracts([tmp_path / "measures.csv", given], db)
    assert report.ok, report.to_text()
    assert fast_path_calls == [(1, 1, 0)]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT period::VARCHAR, value, source_file FROM series").fetchall() == [
            ("2019-01-01", 1.0, "series[12].csv")]


CELL = st.text(alphabet=st.sampled_from(list('ab ,"\n\r£')), max_size=5)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=3, max_size=3), max_size=8),
       blanks=st.lists(st.booleans(), min_size=8, max_size=8),
       newline=st.sampled_from(["\n", "\r\n", "\r"]), final_newline=st.booleans())
def test_record_count_agrees_with_both_csv_readers(tmp_path: Path, rows: list[list[str]],
                                                   blanks: list[bool], newline: str,
                                                   final_newline: bool) -> None:
    """The count the fast path checks DuckDB against is the number of records Python's csv
    module and DuckDB's reader find (blank lines left out, quoted line breaks inside cells),
    so a clean file is never sent down the careful path for nothing. Cells holding a line
    break are quoted, as a spreadsheet writes them (Python's writer leaves a CR unquoted when
    lines end LF, and an LF when they end CR; the count then takes it for text, and such a
    file takes the careful path)."""
    from loaders.reading import count_records

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerow(["x", "y", "z"])
    for row, blank in zip(rows, blanks):
        quoting = csv.QUOTE_ALL if any(c in cell for cell in row for c in "\r\n") else csv.QUOTE_MINIMAL
        csv.writer(buffer, lineterminator=newline, quoting=quoting).writerow(row)
        if blank:
            buffer.write(newline)
    text = buffer.getvalue()
    if not final_newline:
        text = text.removesuffix(newline)
    counted = count_records(text.encode())
    assert counted.data_records == len(data_record_lines(text))
    path = tmp_path / "series.csv"
    path.write_text(text, encoding="utf-8", newline="")
    with duckdb.connect() as con:
        try:
            read = con.execute(f"SELECT count(*) FROM {series._read_csv_sql(3)}",
                               [str(path)]).fetchone()[0]
        except duckdb.Error:
            return  # refused: the careful path reads it
    assert read == counted.data_records


def test_clean_files_of_every_shape_still_take_the_fast_path(tmp_path: Path,
                                                             fast_path_calls: list) -> None:
    write(tmp_path, "measures.csv", MEASURES)
    shapes = {
        "series_crlf.csv": "measure,period,value\r\nReferrals,2019-01,1\r\n\r\nReferrals,2019-02,2\r\n",
        "series_quoted.csv": 'measure,period,value,area\nReferrals,2019-03,"3,000","A\n""B"""\n',
        "series_bom_no_final_newline.csv": "\ufeffmeasure,period,value\nReferrals,2019-04,4",
        "series_blank_end.csv": "measure,period,value\nReferrals,2019-05,5\n\n\n",
    }
    paths = [write(tmp_path, name, text) for name, text in shapes.items()]
    report = load_extracts([tmp_path / "measures.csv", *paths], tmp_path / "db.duckdb")
    assert report.ok, report.to_text()
    assert all(call is not None for call in fast_path_calls), fast_path_calls
    assert {f.name: f.rows for f in report.files[1:]} == {
        "series_crlf.csv": 2, "series_quoted.csv": 1, "series_bom_no_final_newline.csv": 1,
        "series_blank_end.csv": 1}


# --- 2. a linked extract is read by the name given ------------------------------------------------


def test_a_linked_extract_is_read_by_its_own_name(tmp_path: Path) -> None:
    target = write(tmp_path, "export.csv", MEASURES)
    link = tmp_path / "measures_q3.csv"
    link.symlink_to(target)
    db = tmp_path / "db.duckdb"
    report = load_extracts([link], db)
    assert report.ok, report.to_text()
    assert [(f.name, f.table) for f in report.files] == [("measures_q3.csv", "measures")]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT source_file FROM measures").fetchall() == [("measures_q3.csv",)]
        assert con.execute("SELECT file_name FROM load_log").fetchall() == [("measures_q3.csv",)]


def test_a_linked_extract_in_a_folder_is_read_by_its_own_name(tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    target = write(exports, "export.csv", MEASURES)
    folder = tmp_path / "load"
    folder.mkdir()
    (folder / "measures_q3.csv").symlink_to(target)
    report = validate_extracts([folder])
    assert report.ok, report.to_text()
    assert [f.name for f in report.files] == ["measures_q3.csv"]


def test_one_file_given_twice_or_through_a_link_is_read_once(tmp_path: Path) -> None:
    measures = write(tmp_path, "measures.csv", MEASURES)
    (tmp_path / "measures_again.csv").symlink_to(measures)
    report = validate_extracts([measures, tmp_path, tmp_path / "measures_again.csv",
                                tmp_path / "." / "measures.csv"])
    assert report.ok, report.to_text()
    assert [f.name for f in report.files] == ["measures.csv"]


def test_a_link_named_like_no_extract_is_refused_whatever_it_points_to(tmp_path: Path) -> None:
    (tmp_path / "export.csv").symlink_to(write(tmp_path, "measures.csv", MEASURES))
    report = validate_extracts([tmp_path / "export.csv"])
    assert messages(report.errors) == [
        f"{tmp_path / 'export.csv'}: expected a file named measures*.csv, series*.csv, "
        "deliverables*.csv or budget*.csv"]


# --- 3. encodings and control characters ------------------------------------------------------


def test_one_byte_that_is_not_utf8_in_a_utf8_file_is_an_error_naming_it(
        tmp_path: Path, loaded: tuple[Path, str]) -> None:
    """Read as Windows-1252 before, so every good £ (C2 A3) came out as Â£."""
    data = (MEASURES + "2019-01,T,Budget,up,£1.1m\n").encode() + b"2019-01,T,Cost,up,\xa3188k\n"
    assert refused([write(tmp_path, "measures.csv", data)], loaded) == [
        'measures.csv, line 4, column comment: "\\xa3188k": expected UTF-8 throughout, like the '
        "file's other non-ASCII text: the byte \\xa3 is not UTF-8 (it is Windows-1252 for £, "
        "which UTF-8 writes as C2 A3); save the file again as 'CSV UTF-8 (Comma delimited)'"]


def test_a_bad_byte_before_the_first_utf8_character_is_found_too(tmp_path: Path) -> None:
    data = b"measure,period,value,area\nReferrals,2019-01,5,Caf\xe9\n" + "Referrals,2019-02,6,Café\n".encode()
    report = validate_extracts([write(tmp_path, "series.csv", data)])
    assert [(i.line, i.column, i.value) for i in report.errors] == [(2, "area", "Caf\\xe9")]
    assert "the byte \\xe9 is not UTF-8 (it is Windows-1252 for é" in report.errors[0].message


def test_more_lines_with_bad_bytes_are_counted(tmp_path: Path) -> None:
    data = "measure,period,value,area\nR,2019-01,5,£\n".encode() + b"R,2019-02,5,\xa3\n" * 3
    report = validate_extracts([write(tmp_path, "series.csv", data)])
    assert len(report.errors) == 1
    assert report.errors[0].line == 3
    assert "; 2 more lines hold such bytes;" in report.errors[0].message


def test_a_file_with_no_utf8_at_all_is_still_read_as_windows_1252(tmp_path: Path) -> None:
    data = (MEASURES + "2019-01,T,Cost,up,£188k\n").encode("cp1252")
    assert detect_encoding(data) == "windows-1252"
    report = validate_extracts([write(tmp_path, "measures.csv", data)])
    assert report.ok, report.to_text()
    assert [w.expected for w in report.warnings] == [
        "not valid UTF-8, so read as Windows-1252 (Excel's \"CSV (Comma delimited)\"); check "
        "that £ and other accented characters look right"]


UTF16 = ("measures.csv: expected UTF-8 or Windows-1252 text, but the file is saved as UTF-16 "
         "(Excel's 'Unicode text'); save it as 'CSV UTF-8 (Comma delimited)'")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_recognised_and_refused(tmp_path: Path, loaded: tuple[Path, str],
                                         codec: str) -> None:
    """With a byte-order mark (utf-16) or without one (-le, -be: NULs in every other byte)."""
    data = (MEASURES + "2019-01,T,Cost,up,£188k\n").encode(codec)
    assert refused([write(tmp_path, "measures.csv", data)], loaded) == [UTF16]


def test_utf16_series_is_refused(tmp_path: Path) -> None:
    data = "measure,period,value\nReferrals,2019-01,5\n".encode("utf-16")
    report = validate_extracts([write(tmp_path, "series.csv", data)])
    assert messages(report.errors) == [UTF16.replace("measures.csv", "series.csv")]


CONTROL_EXPECTED = ("no control characters in a cell (this one holds {}; only tab, and line "
                    "breaks inside double quotes, are allowed)")


@pytest.mark.parametrize(("name", "text", "line", "column"), [
    ("measures.csv", MEASURES + "2019-01,T,Other,up,TAMPERED\x1b[2J\n", 3, "comment"),
    ("series.csv", "measure,period,value,area\nReferrals,2019-01,5,TAMPERED\x1b[2J\n", 2, "area"),
    ("deliverables.csv", "plan,quarter,theme,ref,deliverable,status\n"
                         "2018-21,2018-19 Q3,T,1,TAMPERED\x1b[2J,G\n", 2, "deliverable"),
    ("budget.csv", "financial_year,period,entity,category,budget,forecast_outturn\n"
                   "2018-19,2019-01,TAMPERED\x1b[2J,revenue,1,2\n", 2, "entity"),
])
def test_an_escape_sequence_in_any_kind_of_extract_is_an_error(
        tmp_path: Path, loaded: tuple[Path, str], name: str, text: str, line: int,
        column: str) -> None:
    assert refused([write(tmp_path, name, text)], loaded) == [
        f'{name}, line {line}, column {column}: "TAMPERED\\x1b[2J": expected '
        + CONTROL_EXPECTED.format("\\x1b")]


def test_nul_and_del_are_refused_and_tab_and_quoted_line_breaks_are_not(tmp_path: Path) -> None:
    text = ("measure,period,value,area\n"
            "Referrals,2019-01,5,\"A\tB\r\nC\"\n"
            "Referrals\x00,2019-02,6,\n"
            "Referrals,2019-03,\"7\x7f\x01\",\n")
    report = validate_extracts([write(tmp_path, "series.csv", text)])
    assert [(i.line, i.column, i.value) for i in report.errors] == [
        (4, "measure", "Referrals\\x00"), (5, "value", "7\\x7f\\x01")]
    assert report.errors[1].expected == CONTROL_EXPECTED.format("\\x01, \\x7f")


def test_a_control_character_in_the_header_is_an_error(tmp_path: Path) -> None:
    text = "period,theme,measure,polarity,com\x1bment\n2019-01,T,Referrals,up,ok\n"
    report = validate_extracts([write(tmp_path, "measures.csv", text)])
    assert messages(report.errors) == [
        'measures.csv, line 1: "com\\x1bment": expected ' + CONTROL_EXPECTED.format("\\x1b")]


def test_many_lines_with_control_characters_are_counted_past_the_listed_ones(tmp_path: Path) -> None:
    rows = "".join(f"Referrals,2019-01,{i}\x00,\n" for i in range(MAX_LISTED_ISSUES + 500))
    report = validate_extracts([write(tmp_path, "series.csv", "measure,period,value,area\n" + rows)])
    assert len(report.errors) == MAX_LISTED_ISSUES
    assert report.errors[-2].line == MAX_LISTED_ISSUES
    assert report.errors[-1].message == (
        "series.csv: 501 more lines with control characters are not listed; fix those above "
        "and load again to see them")


def test_control_characters_past_a_cell_too_long_to_read_are_named_by_line(tmp_path: Path) -> None:
    text = (MEASURES + "2019-01,T,A,up,bad\x1b\n" + f"2019-01,T,B,up,{'z' * 200_000}\n"
            + "2019-01,T,C,up,\x00x\n")
    report = validate_extracts([write(tmp_path, "measures.csv", text)])
    assert [(i.line, i.column, i.value) for i in report.errors] == [
        (3, "comment", "bad\\x1b"), (5, None, "2019-01,T,C,up,\\x00x")]


def test_a_file_name_cannot_put_escape_codes_in_the_report(tmp_path: Path) -> None:
    path = write(tmp_path, "measures_\x1b[2J.csv", MEASURES.replace("Referrals,up", "Referrals,sideways"))
    report = validate_extracts([path])
    assert report.errors[0].message.startswith('measures_\\x1b[2J.csv, line 2, column polarity: "sideways"')
    assert "\x1b" not in report.to_text()


def test_the_control_character_check_is_one_pass_over_the_bytes(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A clean file is not decoded or parsed to look for control characters (a million-row
    series file is read by DuckDB, not Python)."""
    from loaders import reading

    path = write(tmp_path, "series.csv", "measure,period,value\n" + "Referrals,2019-01,5\n" * 1000)
    monkeypatch.setattr(reading, "find_cells", lambda *args: pytest.fail("looked for cells"))
    assert read_source(path, SERIES).content_issues() == []


# --- 4. warnings are capped like errors ------------------------------------------------------------


def test_warnings_are_capped_with_a_count_of_the_rest(tmp_path: Path) -> None:
    unknown = ",".join(f"x{i}" for i in range(MAX_LISTED_ISSUES + 1500))
    path = write(tmp_path, "measures.csv", f"period,theme,measure,polarity,{unknown}\n"
                                           "2019-01,T,Referrals,up\n")
    report = load_extracts([path], tmp_path / "db.duckdb")
    assert report.ok, report.to_text()
    assert len(report.warnings) == MAX_LISTED_ISSUES + 1
    assert report.warnings[-1].message == "measures.csv: 1,500 more warnings are not listed"
    assert len(report.to_text().splitlines()) < MAX_LISTED_ISSUES + 20


def test_errors_and_warnings_are_capped_apart(tmp_path: Path) -> None:
    unknown = ",".join(f"x{i}" for i in range(MAX_LISTED_ISSUES + 1))
    rows = "".join(f"2019-01,T,M{i},sideways\n" for i in range(MAX_LISTED_ISSUES + 2))
    path = write(tmp_path, "measures.csv", f"period,theme,measure,polarity,{unknown}\n{rows}")
    report = validate_extracts([path])
    assert len(report.errors) == MAX_LISTED_ISSUES + 1
    assert report.errors[-1].message.startswith("measures.csv: 2 more errors are not listed")
    assert report.warnings[-1].message == "measures.csv: 1 more warnings are not listed"


def test_a_header_wider_than_an_excel_sheet_is_one_error(tmp_path: Path) -> None:
    """A million columns took minutes to read and printed a million warnings."""
    unknown = ",".join(f"x{i}" for i in range(1_000_000))
    for name, header in (("measures.csv", "period,theme,measure,polarity"),
                         ("series.csv", "measure,period,value")):
        path = write(tmp_path, name, f"{header},{unknown}\n")
        report = validate_extracts([path])
        assert messages(report.errors) == [
            f"{name}, line 1: expected a header of at most 16,384 columns, as many as an Excel "
            f"sheet has (this one has {1_000_000 + header.count(',') + 1:,})"]
        assert report.warnings == []


def test_a_series_header_longer_than_a_megabyte_is_read_whole(tmp_path: Path) -> None:
    """The header was read from the file's first MiB: cut there, its last name was wrong."""
    unknown = [f"{i}{'x' * 100_000}" for i in range(11)]
    path = write(tmp_path, "series.csv",
                 ",".join(unknown) + ",measure,period,value\n" + ",,,,,,,,,,,Referrals,2019-01,5\n")
    report = validate_extracts([write(tmp_path, "measures.csv", MEASURES), path])
    assert report.ok, report.to_text()
    assert [w.column for w in report.warnings] == unknown


# --- 5. no progress bar in the loader's output -------------------------------------------------------

_EVERY_QUERY_SLOW = textwrap.dedent("""
    import runpy, sys
    import duckdb

    _connect = duckdb.connect

    def connect(*args, **kwargs):
        con = _connect(*args, **kwargs)
        # DuckDB draws its bar for a query that runs longer than this (2 s by default): 20 ms
        # is every query that reads the series file, and no SET that follows this one.
        con.execute("SET progress_bar_time = 20")
        return con

    duckdb.connect = connect
    sys.argv = sys.argv[1:]
    runpy.run_module(sys.argv[0], run_name="__main__")
""")
_BAR_CHARACTERS = ("▕", "▏", "█", "elapsed)", "remaining)")


@pytest.fixture(scope="module")
def long_load(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("long-load")
    measures = ["period,theme,measure,polarity"] + [f"2019-01,T,M{i},up" for i in range(200)]
    (folder / "measures.csv").write_text("\n".join(measures) + "\n")
    rows = (f"M{i % 200},{1900 + i // 2400}-{i // 200 % 12 + 1:02d},{i}\n" for i in range(200_000))
    (folder / "series.csv").write_text("measure,period,value\n" + "".join(rows))
    return folder


def _run_with_every_query_slow(module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _EVERY_QUERY_SLOW, module, *args],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})


@pytest.mark.parametrize("how", ["load", "load again", "check", "refused"])
def test_no_progress_bar_in_the_loaders_output(tmp_path: Path, long_load: Path, how: str) -> None:
    db = tmp_path / "db.duckdb"
    args = [str(long_load)]
    if how == "load again":
        assert load_extracts([long_load], db).ok
    if how == "check":
        args.append("--check")
    if how == "refused":  # the series file is checked in a scratch database
        args.append(str(write(tmp_path, "measures_bad.csv", MEASURES.replace("up", "sideways"))))
    result = _run_with_every_query_slow("loaders", *args, "--db", str(db))
    assert result.returncode == (1 if how == "refused" else 0), result.stderr
    assert "series.csv" in result.stdout
    for output in (result.stdout, result.stderr):
        assert not any(c in output for c in _BAR_CHARACTERS), output[:300]


def test_no_progress_bar_in_the_police_uk_loaders_output(tmp_path: Path) -> None:
    result = _run_with_every_query_slow("loaders.police_uk", str(FIXTURES / "police_uk" / "three_months"),
                                        "--db", str(tmp_path / "db.duckdb"))
    assert result.returncode == 0, result.stderr
    for output in (result.stdout, result.stderr):
        assert not any(c in output for c in _BAR_CHARACTERS), output[:300]
