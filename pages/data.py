"""Data: upload extracts (checked exactly as the command line checks them), load history, templates, loaded data."""

from __future__ import annotations

import streamlit as st

from dashboard import loads
from ui.data import current_connection, database_is_empty, show_no_data_panel
from ui.data_changes import render_change_controls, render_restore
from ui.guide import how_to_read
from ui.render import show_text_table

st.title("Data")
how_to_read("data")

# --- Upload (analysts only) ---
render_change_controls()

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
        on_click="ignore",  # a rerun on click could drop the deferred file before it is fetched
    )

# --- History and loaded data ---
con = current_connection()
if database_is_empty(con):
    show_no_data_panel()
    st.stop()

st.header("Load history")
st.caption("Every file loaded and every restore, newest first, with who did it and from where. "
           "SHA-256 identifies the exact file: the same hash, the same bytes.")
history = loads.query_load_history(con)
# Who, when, which file, which table and its rows first, so they show without a sideways scroll;
# the encoding and the long SHA-256 after them.
key_columns = [c for c in history.columns if c not in ("encoding", "file_sha256")]
show_text_table(history[[*key_columns, *(c for c in ("encoding", "file_sha256") if c in history.columns)]],
                key="data-history",
                column_config={"file_sha256": st.column_config.TextColumn("file_sha256", width="medium")},
                alt="Load history: each file with who loaded it, from where, its SHA-256, table, "
                    "encoding and rows added and replaced")

render_restore(con)

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
        on_click="ignore",  # a rerun on click could drop the deferred file before it is fetched
        help=f"{counts.get(table, 0):,} rows",
    )
