"""Download buttons that go with every chart and table (Streamlit side)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.charts import file_stem


def render_table_downloads(table: pd.DataFrame, title: str, key: str) -> None:
    """CSV of the table behind a chart; built only when clicked."""
    st.download_button(
        "Download table (CSV)",
        data=lambda: table.to_csv(index=False).encode("utf-8"),
        file_name=f"{file_stem(title)}.csv",
        mime="text/csv",
        key=f"{key}-csv",
    )
