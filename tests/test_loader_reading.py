"""Reading: DuckDB's record numbers and Python's line numbers must describe the same records."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders import series
from loaders.reading import data_record_lines, detect_encoding, expand_paths, records

CELL = st.text(alphabet=st.sampled_from(list('ab ,"\n\r£é')), max_size=6)
ROW = st.lists(CELL, min_size=3, max_size=3)


def csv_text(header: list[str], rows: list[list[str]], blank_after: list[bool], newline: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(header)
    for row, blank in zip(rows, blank_after):
        writer.writerow(row)
        if blank:
            buffer.write(newline)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def con():
    with duckdb.connect() as connection:
        yield connection


def start_lines(text: str) -> dict[int, list[str]]:
    """Python's own reading: each record's cells by the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""))
    found, next_line = {}, 1
    for cells in reader:
        found[next_line] = cells
        next_line = reader.line_num + 1
    return found


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, min_size=1, max_size=8), blanks=st.lists(st.booleans(), min_size=8, max_size=8),
       newline=st.sampled_from(["\n", "\r\n"]))
def test_duckdb_record_numbers_map_to_python_lines(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                                   rows: list[list[str]], blanks: list[bool],
                                                   newline: str) -> None:
    """Row i of DuckDB's strict read is the record Python's reader starts at line lines[i]."""
    rows = [row for row in rows if any(cell for cell in row)]  # an all-empty record is blank
    text = csv_text(["x", "y", "z"], rows, blanks, newline)
    path = tmp_path / "series.csv"
    path.write_text(text, encoding="utf-8", newline="")
    try:
        read = con.execute(f"SELECT * FROM {series._read_csv_sql(3)}", [str(path)]).fetchall()
    except duckdb.Error:
        return  # the strict reader refused the file: the careful path reads it with Python
    lines = data_record_lines(text)
    by_line = start_lines(text)
    assert len(read) == len(lines)
    for duck_row, line in zip(read, lines):
        assert [cell or "" for cell in duck_row] == by_line[line]


def test_records_start_lines_count_quoted_newlines() -> None:
    text = 'a,b\n"1\n2",x\n\n3,"y\r\nz"\r\n4,w\n'
    assert [(r.line, r.cells) for r in records(text)] == [
        (1, ["a", "b"]), (2, ["1\n2", "x"]), (5, ["3", "y\r\nz"]), (7, ["4", "w"])]
    assert data_record_lines(text) == [2, 5, 7]


@pytest.mark.parametrize(("data", "encoding"), [
    (b"a,b\n1,2\n", "utf-8"),
    (b"\xef\xbb\xbfa,b\n\xc2\xa31,2\n", "utf-8-sig"),
    (b"a,b\n\xa31,2\n", "windows-1252"),
])
def test_detect_encoding(data: bytes, encoding: str) -> None:
    assert detect_encoding(data) == encoding


def test_folders_expand_to_recognised_files_only(tmp_path: Path) -> None:
    for name in ("measures.csv", "Series_2019.CSV", "budget.csv", "notes.csv", "README.md", "db.duckdb"):
        (tmp_path / name).write_text("x\n")
    files, issues = expand_paths([tmp_path, tmp_path / "budget.csv"])
    assert [f.name for f in files] == ["Series_2019.CSV", "budget.csv", "measures.csv"]
    assert issues == []
    empty = tmp_path / "empty"
    empty.mkdir()
    _, issues = expand_paths([empty])
    assert [i.message for i in issues] == [
        f"{empty}: expected a folder holding measures*.csv, series*.csv, deliverables*.csv or budget*.csv files"]
