"""Charts always with a caption, a data table and downloads; extract text always as plain text."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import charts
from ui import downloads


#: Characters that start Markdown, HTML, emoji, maths or a link anywhere in a line.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#<>~$|:])")
#: Characters that start a list or quote only at the beginning of a line.
_LINE_START = re.compile(r"^(\d+)([.)])|^([-+=!])")
#: Where GitHub-flavoured Markdown turns bare text into a link: `www.`, `://` (https://...) and
#: an e-mail's `@`. A backslash escape does not stop it (Streamlit's renderer finds these in the
#: text after escapes are read), so an invisible word joiner is put inside each one.
_AUTOLINK = re.compile(r"(?i)(?<=www)(?=\.)|(?<=:)(?=//)|(?=@)")
WORD_JOINER = "\u2060"


def escape_markdown(text: str) -> str:
    """Text safe inside a Markdown-rendering label or caption: every special character escaped,
    and bare web and e-mail addresses (`www.x.example`, `https://x.example`, `a@x.example`)
    broken by an invisible `WORD_JOINER` so that they never become links."""
    unlinked = _AUTOLINK.sub(WORD_JOINER, " ".join(str(text).split()))
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", unlinked)
    return _LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"\\{m.group(3)}", escaped)


def show_text_table(
    df: pd.DataFrame,
    key: str | None = None,
    column_config: Mapping[str, Any] | None = None,
    height: int | str = "auto",
    alt: str | None = None,
) -> None:
    """A table whose cells are shown as text: nothing in them is rendered as Markdown or HTML."""
    st.dataframe(
        df,
        hide_index=True,
        key=key,
        column_config=dict(column_config) if column_config else None,
        height=height,
        alt=alt,
    )


def show_free_text(text: str | None, label: str | None = None) -> None:
    """Free text from an extract (a comment, an update) shown literally, never as Markdown."""
    if label:
        st.caption(escape_markdown(label))
    st.text(text if text else "–")


def _render_downloads(fig: go.Figure, table: pd.DataFrame, key: str, title: str) -> None:
    chart_downloads = getattr(downloads, "render_chart_downloads", None)
    if chart_downloads is not None:
        chart_downloads(fig, table, key)
    else:
        downloads.render_table_downloads(table, title, key)


def _literal_title(fig: go.Figure, meta: charts.ChartMeta) -> go.Figure:
    """A copy whose title shows names from extracts literally: Plotly renders tags in titles."""
    if not meta.title:
        return fig
    shown = go.Figure(fig)
    subtitle = f"<br><sup>{html.escape(meta.subtitle, quote=False)}</sup>" if meta.subtitle else ""
    shown.update_layout(title_text=f"{html.escape(meta.title, quote=False)}{subtitle}")
    return shown


def show_chart(fig: go.Figure, table: pd.DataFrame, key: str, caption: str) -> None:
    """The chart (toolbar PNG at print scale), its caption, its data table and downloads."""
    meta = charts.chart_meta(fig)
    title = meta.title or caption
    st.plotly_chart(
        _literal_title(fig, meta),
        config=charts.plotly_config(title),
        key=f"{key}-chart",
        alt=meta.alt or title,
    )
    st.caption(escape_markdown(caption))
    with st.expander("Data table"):
        show_text_table(table, key=f"{key}-table", alt=f"Data table for the chart: {title}")
    _render_downloads(fig, table, key, title)


def show_caption(text: str) -> None:
    """A caption that may hold names from extracts: shown literally, never as Markdown."""
    st.caption(escape_markdown(text))
