"""The Panel pack page's form for the paper's front sheet and opening text.

Each field starts from the loaded report details (`reports.csv`) and can be filled or changed
for a one-off pack; nothing typed here is written to the database. Widgets are keyed by report
period, so choosing another period starts again from that period's loaded details.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from dashboard import reports

#: Front-sheet fields edited in a one-line box, with their labels as the front sheet prints them.
_LINE_FIELDS: tuple[tuple[str, str], ...] = (
    ("report_to", "Report to"),
    ("report_of", "Report of"),
    ("author", "Report author"),
    ("email", "E-mail"),
    ("other_contacts", "Other contacts"),
    ("agenda_item", "Agenda item"),
)
_PARAGRAPH_LABELS: dict[str, str] = {
    "purpose": "1. Purpose of the report",
    "recommendations": "2. Recommendations",
    "reasons": "2. Reasons for recommendations",
    "summary": "3. Summary of key points (before the points drawn from the figures)",
    "headlines": "4. Performance headlines (before the headline table)",
    "financial": "6. Financial implications (before the budget table)",
}
_PUBLIC_CHOICES: dict[str, bool | None] = {"Public": True, "Non Public": False, "Not said": None}


def report_details_form(details: reports.ReportDetails) -> reports.ReportDetails:
    """Draw the form, filled from `details`; the details to build this pack with, as the form shows them."""
    key = f"pack-details-{details.period:%Y-%m}"
    source = f"Filled from {details.source}." if details.source else (
        "No report details are loaded for this period (reports.csv); fill in what the paper should say.")
    with st.expander("Front sheet and opening text (this pack only)", expanded=not details.source):
        st.caption(source + " Changes here go into this pack only; to keep them, put them in reports.csv "
                   "and load it on the Data page.")
        values: dict[str, Any] = {"title": st.text_input(
            "Title", value=details.title or "", key=f"{key}-title",
            placeholder=reports.default_title(details.period), help="Empty: the placeholder's title.")}
        left, right = st.columns(2)
        paper_for = list(reports.PAPER_FOR)
        values["paper_for"] = left.selectbox(
            "For", paper_for, index=paper_for.index(details.paper_for or reports.DEFAULT_PAPER_FOR),
            format_func=reports.PAPER_FOR.get, key=f"{key}-paper_for")
        public_words = list(_PUBLIC_CHOICES)
        public = right.selectbox(
            "Public/Non Public", public_words,
            index=public_words.index(details.public_text or "Not said"), key=f"{key}-public")
        values["public"] = _PUBLIC_CHOICES[public]
        values["meeting_date"] = left.date_input(
            "Date of meeting", value=details.meeting_date, format="DD/MM/YYYY", key=f"{key}-meeting_date",
            min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
        for index, (name, label) in enumerate(_LINE_FIELDS):
            column = right if index % 2 == 0 else left
            values[name] = column.text_input(label, value=getattr(details, name) or "", key=f"{key}-{name}")
        for name in reports.PARAGRAPH_FIELDS:
            values[name] = st.text_area(
                _PARAGRAPH_LABELS[name], value=getattr(details, name) or "", key=f"{key}-{name}",
                help="Paragraphs separated by a blank line; the pack numbers them.")
    return reports.with_overrides(details, values, none_clears=True)
