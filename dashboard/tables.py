"""Tables as files: CSV (UTF-8 with BOM, so Excel reads £ and – correctly) and Excel."""

from __future__ import annotations

import io
import re

import pandas as pd

#: Excel refuses sheet names over 31 characters or holding any of : \ / ? * [ ]
_SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[:\\/?*\[\]]")
_MAX_COLUMN_WIDTH = 60


def table_to_csv(table: pd.DataFrame) -> bytes:
    """The table as CSV bytes, without the index."""
    return table.to_csv(index=False).encode("utf-8-sig")


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
