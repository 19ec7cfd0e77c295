"""The app's one chart exporter: a browser started on the first export and kept for the app's life."""

from __future__ import annotations

import atexit

import streamlit as st

from dashboard.export import Exporter


@st.cache_resource(show_spinner=False)
def chart_exporter() -> Exporter:
    """Shared by every session; its browser starts lazily, on the first PNG/SVG asked for."""
    exporter = Exporter()
    atexit.register(exporter.close)
    return exporter


@st.cache_resource(show_spinner=False)
def export_failures() -> dict[str, str]:
    """The last failure per download button, shown beside it on the next run.

    A download built on click cannot show a message itself (Streamlit reports only that the
    file failed), so the reason is kept here until the button's next run.
    """
    return {}
