"""Download buttons that go with every chart and table (Streamlit side).

Files are built only when their button is clicked (`data=callable`). Chart images are
rendered on the server in print style by the shared exporter (`ui.export_server`).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard.charts import chart_meta, file_stem
from dashboard.export import ExportError, Exporter, ImageFormat, export_file_name
from dashboard.tables import table_to_csv, table_to_excel
from ui.export_server import chart_exporter, export_failures

IMAGE_MIME: dict[str, str] = {"png": "image/png", "svg": "image/svg+xml"}
CSV_MIME = "text/csv"
EXCEL_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render_table_downloads(table: pd.DataFrame, title: str, key: str) -> None:
    """CSV and Excel of the table behind a chart; built only when clicked."""
    csv_column, excel_column = st.columns(2)
    _table_buttons(table, title, key, csv_column, excel_column)


def render_chart_downloads(fig: go.Figure, table: pd.DataFrame, key: str) -> None:
    """Print-ready PNG and SVG of the chart, and its table as CSV and Excel.

    Without a browser on the server the chart buttons give way to a plain message; the
    tables still download, and the chart toolbar's own PNG download still works.
    """
    from ui.render import escape_markdown  # here: ui.render imports this module

    title = chart_meta(fig).title or key
    exporter = chart_exporter()
    failures = export_failures()
    png_column, svg_column, csv_column, excel_column = st.columns(4)
    if exporter.available():
        for fmt, column in (("png", png_column), ("svg", svg_column)):
            button_key = f"{key}-{fmt}"
            failure_key = f"{_session_id()}/{button_key}"  # one reader's failure is not shown to another
            column.download_button(
                f"Chart ({fmt.upper()}, print)",
                data=_chart_builder(exporter, fig, fmt, failure_key, failures),
                file_name=export_file_name(fig, fmt),
                mime=IMAGE_MIME[fmt],
                key=button_key,
                on_click="ignore",
            )
            if message := failures.pop(failure_key, None):
                st.warning(escape_markdown(message))  # it names the chart, a title from the extracts
    _table_buttons(table, title, key, csv_column, excel_column)
    if not exporter.available():
        st.info(escape_markdown(exporter.unavailable_reason()))


def _session_id() -> str:
    context = get_script_run_ctx()
    return context.session_id if context is not None else ""


def _chart_builder(
    exporter: Exporter, fig: go.Figure, fmt: ImageFormat, button_key: str, failures: dict[str, str]
) -> Callable[[], bytes]:
    def build() -> bytes:
        try:
            return exporter.render(fig, fmt)
        except ExportError as error:
            failures[button_key] = str(error)
            raise

    return build


def _table_buttons(
    table: pd.DataFrame, title: str, key: str, csv_column: DeltaGenerator, excel_column: DeltaGenerator
) -> None:
    stem = file_stem(title)
    csv_column.download_button(
        "Table (CSV)",
        data=lambda: table_to_csv(table),
        file_name=f"{stem}.csv",
        mime=CSV_MIME,
        key=f"{key}-csv",
        on_click="ignore",
    )
    excel_column.download_button(
        "Table (Excel)",
        data=lambda: table_to_excel(table, title),
        file_name=f"{stem}.xlsx",
        mime=EXCEL_MIME,
        key=f"{key}-xlsx",
        on_click="ignore",
    )
