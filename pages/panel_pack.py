"""Panel pack: the quarterly paper for the Police and Crime Panel (Word) and every chart and table (ZIP)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import streamlit as st

from dashboard import pack, reports
from dashboard import periods as report_periods
from dashboard.domain import format_month
from ui.data import cached_query, figures_connection, require_data
from ui.export_server import chart_exporter
from ui.filters import current_filters, period_selector, share_hint
from ui.guide import how_to_read
from ui.published import choose_figures
from ui.render import escape_markdown
from ui.report_details import report_details_form

_BUILT_KEY = "panel_pack_built"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

st.title("Panel pack")
how_to_read("panel_pack")
con = require_data()
current_filters()
periods = cached_query(pack.list_report_periods)
if not periods:
    st.info("No headline measures are loaded yet: load a measures.csv extract (see the Data page).")
    st.stop()
period = period_selector(periods, one_click=True, default=cached_query(report_periods.default_report_period))
share_hint()
month = format_month(period)
view = choose_figures(period)  # a published report's pack can be taken as reported to the Panel

st.write(
    f"One click builds the paper for the report to {month}: a Word document a clerk can table, laid "
    "out like the Commissioner's update report (front sheet; 1. Purpose, 2. Recommendations, "
    "3. Summary of key points, 4. the headline table by theme, 5. positive and negative exceptions "
    "with their narratives, 6. budget against forecast outturn; appendices with each theme's "
    "delivery-plan RAG summary and the measures' charts, each with alt text and a caption; page "
    "numbers on every page), and a ZIP of every chart (PNG and SVG) and table (CSV)."
)
st.caption("From the command line: make pack PERIOD=YYYY-MM OUT=DIR [DB=FILE]")

exporter = chart_exporter()
if not exporter.available():
    st.info(escape_markdown(exporter.unavailable_reason()) + " The pack is still built, with tables but without chart images.")


details = report_details_form(cached_query(reports.query_report_details, period))


def build(period_chosen: date, details_chosen: reports.ReportDetails) -> dict:
    bar = st.progress(0.0, text="Starting")
    with tempfile.TemporaryDirectory(prefix="panel-pack-") as folder:
        result = pack.build_panel_pack(
            figures_connection() or con, period_chosen, Path(folder), exporter=exporter, details=details_chosen,
            progress=lambda fraction, message: bar.progress(min(1.0, fraction), text=message),
        )
        built = {
            "period": period_chosen,
            "docx_name": result.docx_path.name, "docx": result.docx_path.read_bytes(),
            "zip_name": result.zip_path.name, "zip": result.zip_path.read_bytes(),
            "charts": result.charts, "tables": result.tables, "notes": list(result.notes),
        }
    bar.empty()
    built["reported"] = view.reported
    return built


if st.button(f"Build the panel pack for {month}", type="primary", key="build-pack"):
    try:
        st.session_state[_BUILT_KEY] = build(period, details)
    except pack.PackError as error:
        st.error(str(error))

built = st.session_state.get(_BUILT_KEY)
if built and built["period"] == period and built["reported"] == view.reported:
    figures = "the figures as reported to the Panel" if built["reported"] else "the latest figures"
    st.success(f"Pack for {month} built from {figures}: {built['charts']} charts (PNG and SVG) and "
               f"{built['tables']} tables.")
    for note in built["notes"]:
        st.warning(escape_markdown(note))
    docx_column, zip_column = st.columns(2)
    docx_column.download_button(
        "Download the Word document", data=built["docx"], file_name=built["docx_name"],
        mime=DOCX_MIME, key="pack-docx", on_click="ignore",
    )
    zip_column.download_button(
        "Download charts and tables (ZIP)", data=built["zip"], file_name=built["zip_name"],
        mime="application/zip", key="pack-zip", on_click="ignore",
    )
