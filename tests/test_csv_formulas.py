"""CSV downloads never hand a spreadsheet a formula to run (OWASP "CSV injection").

A text cell starting with =, +, -, @, tab or CR gets a leading ' unless it is a plain number;
numeric columns are never touched. Every CSV the app writes goes through it: chart tables
(`table_to_csv`), the panel pack's ZIP and the Data page's loaded tables.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from dashboard import loads, pack
from dashboard.db import connect_readonly
from dashboard.export import Exporter
from dashboard.tables import neutralise_formulas, neutralise_text, table_to_csv, table_to_excel
from loaders.load import load_extracts

HOSTILE = {
    '=HYPERLINK("http://x")': '\'=HYPERLINK("http://x")',
    "@SUM(A1)": "'@SUM(A1)",
    "+cmd|' /C calc'!A0": "'+cmd|' /C calc'!A0",
    "-2+3": "'-2+3",
    "\t=1": "'\t=1",
    "\r=1": "'\r=1",
    "-1.6% pts": "'-1.6% pts",  # not a number as a spreadsheet reads it
}
#: Numbers as a spreadsheet reads them, and text that does not start a formula: unchanged.
UNCHANGED = ["-4.7", "+10.2%", "-78.4%", "1,052", "-1,052", "+£1,100", "1e-3", "-", "Fraud offences",
             " =1", "4,872 (Jan 2018)", "a=b", ""]


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("text", list(HOSTILE))
def test_text_that_starts_a_formula_gets_a_leading_quote(text: str) -> None:
    assert neutralise_text(text) == HOSTILE[text]


@pytest.mark.parametrize("text", UNCHANGED)
def test_plain_numbers_and_ordinary_text_are_unchanged(text: str) -> None:
    assert neutralise_text(text) == text


def test_frame_text_columns_neutralised_numeric_columns_untouched() -> None:
    frame = pd.DataFrame({
        "Comment": [*HOSTILE, "-4.7", "+10.2%", None],
        "Change": [-4.7] * (len(HOSTILE) + 3),
        "Count": [-3] * (len(HOSTILE) + 3),
    })
    before = frame.copy()
    shown = neutralise_formulas(frame)
    assert list(shown["Comment"][:-1]) == [*HOSTILE.values(), "-4.7", "+10.2%"]
    assert pd.isna(shown["Comment"].iloc[-1])
    assert shown["Change"].equals(frame["Change"]) and shown["Change"].dtype == frame["Change"].dtype
    assert shown["Count"].equals(frame["Count"])
    assert frame.equals(before)  # the caller's frame is not changed


def test_categorical_and_mixed_columns_and_headers() -> None:
    frame = pd.DataFrame({
        "=cat": pd.Categorical(["=1+1", "Force", "=1+1"]),
        "mixed": [-4.7, "@x", date(2019, 1, 1)],
    })
    shown = neutralise_formulas(frame)
    assert list(shown.columns) == ["'=cat", "mixed"]
    assert list(shown["'=cat"]) == ["'=1+1", "Force", "'=1+1"]
    assert list(shown["mixed"]) == [-4.7, "'@x", date(2019, 1, 1)]


def test_chart_table_csv_is_neutralised_and_numbers_kept() -> None:
    frame = pd.DataFrame({"Measure": list(HOSTILE) + ["-4.7", "+10.2%"], "Change": [-4.7] * (len(HOSTILE) + 2)})
    header, *rows = csv_rows(table_to_csv(frame))
    assert header == ["Measure", "Change"]
    assert [row[0] for row in rows] == [*HOSTILE.values(), "-4.7", "+10.2%"]
    assert {row[1] for row in rows} == {"-4.7"}


def test_excel_keeps_the_original_text_as_text() -> None:
    """Excel files are not prefixed: their text cells are typed as text, never run."""
    frame = pd.DataFrame({"Measure": list(HOSTILE), "Change": [-4.7] * len(HOSTILE)})
    sheet = openpyxl.load_workbook(io.BytesIO(table_to_excel(frame))).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == list(HOSTILE)
    assert {cell.data_type for cell in cells} == {"s"}
    assert {row[1].value for row in sheet.iter_rows(min_row=2)} == {-4.7}


# --- through the loader: the Data page's table CSV and the panel pack's ZIP ------------------------------


@pytest.fixture
def hostile_db(tmp_path: Path) -> Path:
    """One report loaded by the loader, a measure and comments written to be run by a spreadsheet."""
    extract = tmp_path / "measures.csv"
    pd.DataFrame([
        {"period": "2019-01", "theme": "Protecting people from harm", "measure": "@SUM(A1)",
         "polarity": "higher_is_better", "baseline": "4,872 (Jan 2018)", "current": "5,369 (Jan 2019)",
         "trend": "+10.2%", "headline": "yes", "exception": "positive", "comment": '=HYPERLINK("http://x")'},
        {"period": "2019-01", "theme": "Protecting people from harm", "measure": "Fraud offences",
         "polarity": "lower_is_better", "baseline": "1,000 (Jan 2018)", "current": "953 (Jan 2019)",
         "trend": "-4.7%", "headline": "yes", "exception": "negative", "comment": "+cmd|' /C calc'!A0"},
    ]).to_csv(extract, index=False)
    db = tmp_path / "hostile.duckdb"
    report = load_extracts([extract], db)
    assert report.ok, report.to_text()
    return db


def test_data_page_table_csv_is_neutralised(hostile_db: Path) -> None:
    con = connect_readonly(hostile_db)
    try:
        header, *rows = csv_rows(loads.table_csv(con, "measures"))
    finally:
        con.close()
    by_column = [dict(zip(header, row)) for row in rows]
    assert {row["measure"] for row in by_column} == {"'@SUM(A1)", "Fraud offences"}
    assert {row["comment"] for row in by_column} == {'\'=HYPERLINK("http://x")', "'+cmd|' /C calc'!A0"}
    assert {row["trend_text"] for row in by_column} == {"+10.2%", "-4.7%"}  # numbers as published, unchanged
    assert not [cell for row in rows for cell in row if cell.startswith(("=", "+cmd", "@"))]


def test_pack_zip_tables_are_neutralised(hostile_db: Path, tmp_path: Path) -> None:
    con = connect_readonly(hostile_db)
    try:
        result = pack.build_panel_pack(con, date(2019, 1, 1), tmp_path / "out",
                                       exporter=Exporter(browser_path=tmp_path / "no-browser"))
    finally:
        con.close()
    with zipfile.ZipFile(result.zip_path) as archive:
        cells = [cell for name in archive.namelist() if name.endswith(".csv")
                 for row in csv_rows(archive.read(name)) for cell in row]
    assert "'@SUM(A1)" in cells and '\'=HYPERLINK("http://x")' in cells
    assert "+10.2%" in cells  # a published trend that is a number is kept as it is
    assert not [cell for cell in cells if cell.startswith(("=", "@", "+cmd"))]


@pytest.mark.parametrize("kind", loads.TEMPLATE_KINDS)
def test_templates_hold_nothing_a_spreadsheet_would_run(kind: str) -> None:
    """Templates are fixed text (the loader must read them back as written), not neutralised:
    this keeps their example rows free of anything that would need it."""
    for row in csv_rows(loads.template_csv(kind)):
        assert [neutralise_text(cell) for cell in row] == row
