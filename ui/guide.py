"""Plain words on every page: "How to read this page", the glossary, and sources named as the
report first with the extract and load one click away. The texts live in dashboard/glossary.py."""

from __future__ import annotations

import html

import streamlit as st

from dashboard import glossary
from ui.render import escape_markdown


def _definitions(terms: list[glossary.Term]) -> str:
    items = "".join(
        f"<dt>{html.escape(t.name, quote=False)}</dt><dd>{html.escape(t.meaning, quote=False)}</dd>" for t in terms
    )
    return f'<dl class="glossary">{items}</dl>'


def how_to_read(page: str) -> None:
    """The page's short note, with the meaning of each term it uses, folded under one heading."""
    note, names = glossary.HOW_TO_READ[page]
    with st.expander("How to read this page"):
        st.html(f"<p>{html.escape(note, quote=False)}</p>" + (_definitions(glossary.terms(*names)) if names else ""))


def show_glossary() -> None:
    """Every term the dashboard uses, in one list."""
    with st.expander("Glossary: the words this dashboard uses"):
        st.html(_definitions(list(glossary.TERMS.values())))


def show_source(report_name: str, detail: str) -> None:
    """The source as the Panel knows it (the published report), the extract and load one click away."""
    st.caption(escape_markdown(f"Source: {report_name}"))
    with st.popover("Which extract, loaded when", type="tertiary", icon=":material/info:"):
        st.caption(escape_markdown(detail))
