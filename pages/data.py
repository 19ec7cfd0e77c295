"""Data: upload extracts (checked exactly as the command line checks them), load history, templates, loaded data."""

from __future__ import annotations

import streamlit as st

from dashboard import db, loads
from ui.data import clear_caches, current_connection, database_is_empty, show_no_data_panel
from ui.render import escape_markdown, show_text_table

REPORT_KEY = "data_last_load_report"

st.title("Data")

# --- Upload ---
st.header("Upload extracts")
st.text(
    "Choose one or more CSV extracts: measures*.csv, series*.csv, deliverables*.csv, budget*.csv.\n"
    "They are checked together. If any file has an error, nothing is loaded and the database stays\n"
    "exactly as it was; otherwise every file is loaded and rows with the same key are replaced."
)
uploads = st.file_uploader("Extract files", type="csv", accept_multiple_files=True, key="data_uploads")
if st.button("Check and load", type="primary", disabled=not uploads, key="data_load"):
    with st.spinner("Checking and loading…"):
        report = loads.load_uploads([(f.name, f.getvalue()) for f in uploads], db.database_path())
    if report.ok:
        clear_caches()  # every page reads the new file from its next run
    st.session_state[REPORT_KEY] = report

report = st.session_state.get(REPORT_KEY)
if report is not None:
    headline = escape_markdown(report.to_text().splitlines()[0])
    if report.ok:
        st.success(headline)
    else:
        st.error(headline)
    if report.files:
        show_text_table(loads.files_frame(report), key="data-report-files", alt="Files in the last load")
    if report.errors or report.warnings:
        st.subheader(f"Errors ({len(report.errors)}) and warnings ({len(report.warnings)})")
        show_text_table(report.issues_frame(), key="data-report-issues",
                        column_config={"value": st.column_config.TextColumn("value", width="medium"),
                                       "expected": st.column_config.TextColumn("expected", width="large")},
                        alt="Problems found in the uploaded files, with file, line, column and value")

# --- Templates ---
st.header("Templates")
st.text("An empty extract of each kind: the header the loader expects and one example row.")
columns = st.columns(len(loads.TEMPLATE_KINDS))
for column, kind in zip(columns, loads.TEMPLATE_KINDS):
    column.download_button(
        loads.template_file_name(kind),
        data=lambda kind=kind: loads.template_csv(kind),
        file_name=loads.template_file_name(kind),
        mime="text/csv",
        key=f"data-template-{kind}",
        icon=":material/download:",
    )

# --- History and loaded data ---
con = current_connection()
if database_is_empty(con):
    show_no_data_panel()
    st.stop()

st.header("Load history")
st.caption("Every file loaded, newest first. SHA-256 identifies the exact file: the same hash, the same bytes.")
show_text_table(loads.query_load_history(con), key="data-history",
                column_config={"file_sha256": st.column_config.TextColumn("file_sha256", width="large")},
                alt="Load history: each file with its SHA-256, table, encoding and rows added and replaced")

st.header("Loaded data")
st.caption("Each table as it is held in the database, as CSV (UTF-8 with a byte-order mark, so Excel reads £ correctly).")
counts = loads.table_row_counts(con)
show_text_table(loads.table_counts_frame(counts), key="data-table-counts", alt="Rows in each loaded table")
columns = st.columns(len(loads.LOADED_TABLES))
for column, table in zip(columns, loads.LOADED_TABLES):
    column.download_button(
        f"{table}.csv",
        data=lambda table=table: loads.table_csv(current_connection(), table),
        file_name=f"{table}.csv",
        mime="text/csv",
        key=f"data-table-{table}",
        icon=":material/download:",
        help=f"{counts.get(table, 0):,} rows",
    )
