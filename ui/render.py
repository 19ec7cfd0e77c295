"""Charts always with a caption, a data table and downloads; extract text always as plain text."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.errors import StreamlitAPIException

from dashboard import charts
from dashboard.html_tables import table_html
from ui import downloads

STYLESHEET = Path(__file__).resolve().parent / "static" / "dashboard.css"


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


def apply_styles() -> None:
    """The dashboard's stylesheet (report tables, focus outlines), sent with every run."""
    st.html(STYLESHEET)


def show_report_table(
    df: pd.DataFrame,
    caption: str,
    *,
    numeric: Iterable[str] = (),
    wide: Iterable[str] = (),
    row_header: str | None = None,
    icons: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """A small report table as a semantic HTML table: wraps at any width, cards on a phone.

    Its figures are the page's text (a screen reader and a browser's find reach them); the
    cells are escaped, so extract text is never read as HTML.
    """
    st.html(table_html(df, caption, numeric=numeric, wide=wide, row_header=row_header, icons=icons))


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
    shown.update_layout(title_text=charts.title_markup(meta))  # escaped, and wrapped to fit a phone
    return shown


def show_chart(fig: go.Figure, table: pd.DataFrame, key: str, caption: str) -> None:
    """The chart (toolbar PNG at print scale), its caption, its data table and downloads."""
    meta = charts.chart_meta(fig)
    title = meta.title or caption
    st.plotly_chart(
        _literal_title(fig, meta),
        # theme=None: the figure's own colours (charts.TEXT_COLOUR, 17:1); Streamlit's chart
        # theme would redraw ticks and axis titles in #808495, 3.7:1 on white
        theme=None,
        config=charts.plotly_config(title),
        key=f"{key}-chart",
        alt=meta.alt or title,
    )
    st.caption(escape_markdown(caption))
    with st.expander("Data table"):
        show_report_table(table, f"Data table for the chart: {title}", numeric=_figure_columns(table))
    _render_downloads(fig, table, key, title)


def _figure_columns(table: pd.DataFrame) -> list[str]:
    """Columns that hold numbers, or text that reads as a figure ('4,872', '-8.0%', '£1.2m')."""
    figure = re.compile(r"^[-+−£]?[\d,.]+\s?(%|% pts|k|m|bn)?$|^$")
    columns = []
    for column in table.columns:
        values = table[column].dropna()
        if pd.api.types.is_numeric_dtype(table[column]) or (
            len(values) and values.astype(str).str.strip().str.match(figure).all()
        ):
            columns.append(str(column))
    return columns


def show_caption(text: str) -> None:
    """A caption that may hold names from extracts: shown literally, never as Markdown."""
    st.caption(escape_markdown(text))


def show_link_to(page: str, label: str, query_params: Mapping[str, str]) -> None:
    """A link to another view (`page` with `query_params`): a menu link inside app.py's frame, a
    plain link when the page runs on its own. A link rather than a button, so the view it opens
    can be copied and shared like any other."""
    try:
        st.page_link(page, label=label, query_params=dict(query_params))
    except StreamlitAPIException:
        st.markdown(f"[{escape_markdown(label)}](/{Path(page).stem}?{urlencode(dict(query_params))})")
