"""Tables as files: CSV (UTF-8 with BOM, so Excel reads £ and – correctly) and Excel.

Text in a CSV that a spreadsheet would run as a formula (`=HYPERLINK(...)`, `@SUM(...)`,
`+cmd|...`) is written with a leading `'` (OWASP "CSV injection"): `neutralise_formulas`.
"""

from __future__ import annotations

import io
import re

import pandas as pd

#: Excel refuses sheet names over 31 characters or holding any of : \ / ? * [ ]
_SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[:\\/?*\[\]]")
_MAX_COLUMN_WIDTH = 60

#: A spreadsheet opening a CSV reads a cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: ...unless the whole cell is a number as a spreadsheet reads it: -4.7, +10.2%, 1,052, -£3,980, 1e-3.
_PLAIN_NUMBER = re.compile(
    r"[+-]?[£$€]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%? *"
)


def neutralise_text(text: str) -> str:
    """`'=HYPERLINK(...)` for `=HYPERLINK(...)`: text a spreadsheet would run as a formula gets a
    leading `'`; a plain number (`-4.7`, `+10.2%`) and a lone sign (`-`, a nil in the extracts)
    are left as they are."""
    if not text.startswith(FORMULA_START) or text in ("-", "+") or _PLAIN_NUMBER.fullmatch(text):
        return text
    return "'" + text


def _is_number_like(series: pd.Series) -> bool:
    return (
        pd.api.types.is_numeric_dtype(series.dtype)
        or pd.api.types.is_bool_dtype(series.dtype)
        or pd.api.types.is_datetime64_any_dtype(series.dtype)
        or pd.api.types.is_timedelta64_dtype(series.dtype)
    )


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell (and column name) a spreadsheet would run as a formula
    prefixed with `'`; numeric, boolean and date columns are never touched, and the frame
    passed in is not changed. For every CSV the app writes, not for Excel files (their text
    cells are typed as text: `_keep_text_as_text`)."""
    result = frame
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if _is_number_like(column):
            continue
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        values = column.to_numpy(dtype=object, copy=True)
        changed = False
        for row, value in enumerate(values):
            if isinstance(value, str) and value.startswith(FORMULA_START):
                values[row] = neutralise_text(value)
                changed = changed or values[row] is not value
        if changed:
            result = frame.copy() if result is frame else result
            result.isetitem(position, pd.Series(values, index=frame.index, dtype=column.dtype))
    names = [neutralise_text(name) if isinstance(name, str) else name for name in frame.columns]
    if names != list(frame.columns):
        result = result.copy() if result is frame else result
        result.columns = names
    return result


def table_to_csv(table: pd.DataFrame) -> bytes:
    """The table as CSV bytes, without the index; formulas neutralised (`neutralise_formulas`).

    Lines end in CRLF, as RFC 4180 and Excel write them: a cell holding a lone CR is then quoted,
    so a reader never takes the text after it for a new row (whose first cell could be `=...`).
    """
    return neutralise_formulas(table).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def table_to_excel(table: pd.DataFrame, sheet_name: str = "Table") -> bytes:
    """The table as an .xlsx workbook of one sheet, header frozen, columns sized to fit."""
    from openpyxl.utils import get_column_letter

    name = excel_sheet_name(sheet_name)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name=name, index=False)
        sheet = writer.sheets[name]
        _keep_text_as_text(sheet)
        sheet.freeze_panes = "A2"
        for position, column in enumerate(table.columns, start=1):
            values = [str(column), *(str(v) for v in table[column].head(200))]
            width = min(_MAX_COLUMN_WIDTH, max(len(line) for v in values for line in v.splitlines() or [""]) + 2)
            sheet.column_dimensions[get_column_letter(position)].width = width
    return buffer.getvalue()


def excel_sheet_name(title: str) -> str:
    """A valid Excel sheet name from a title."""
    cleaned = " ".join(_SHEET_FORBIDDEN.sub(" ", title).split()).strip("'")
    return (cleaned[:_SHEET_NAME_MAX].strip() or "Table")


def _keep_text_as_text(sheet) -> None:  # noqa: ANN001 - openpyxl worksheet
    """Free text starting with '=' stays text: openpyxl would otherwise store it as a formula."""
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
