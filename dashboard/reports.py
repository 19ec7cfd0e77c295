"""Report details: the front sheet and opening sections of a report period's paper.

They come from the report-details extract (`reports.csv`, one row per report period) and can
be filled or overridden for a one-off pack (the Panel pack page's form). Nothing here is
required: a pack for a period without details still has a front sheet, with its figures'
month in the title and the fields nobody gave left blank.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from dashboard import domain
from dashboard.db import query, table_exists

#: What a paper is put to the meeting for; the front sheet's first line ('For Consideration').
PAPER_FOR: dict[str, str] = {
    "consideration": "For Consideration",
    "information": "For Information",
    "decision": "For Decision",
}
DEFAULT_PAPER_FOR = "consideration"


@dataclass(frozen=True)
class ReportDetails:
    """One paper's front sheet and opening text. Text fields are None when not given;
    `purpose`, `recommendations`, `reasons`, `summary`, `headlines` and `financial` are
    paragraphs separated by blank lines."""

    period: date
    title: str | None = None
    paper_for: str | None = None
    public: bool | None = None
    report_to: str | None = None
    meeting_date: date | None = None
    report_of: str | None = None
    author: str | None = None
    email: str | None = None
    other_contacts: str | None = None
    agenda_item: str | None = None
    purpose: str | None = None
    recommendations: str | None = None
    reasons: str | None = None
    summary: str | None = None
    headlines: str | None = None
    financial: str | None = None
    source: str = ""   # where the details came from, e.g. 'reports.csv, loaded ...'

    @property
    def heading(self) -> str:
        """The paper's title as it heads the document, in capitals as the reports print it."""
        return (self.title or default_title(self.period)).upper()

    @property
    def paper_for_text(self) -> str:
        return PAPER_FOR.get(self.paper_for or DEFAULT_PAPER_FOR, PAPER_FOR[DEFAULT_PAPER_FOR])

    @property
    def public_text(self) -> str:
        """'Public', 'Non Public', or empty when not said."""
        if self.public is None:
            return ""
        return "Public" if self.public else "Non Public"

    @property
    def meeting_date_text(self) -> str:
        """'8 May 2019', as a front sheet writes it."""
        return format_day(self.meeting_date) if self.meeting_date else ""

    def front_sheet(self) -> list[tuple[str, str]]:
        """The front sheet's rows, label and value, in the order the reports print them."""
        return [
            (self.paper_for_text, ""),
            ("Public/Non Public*", self.public_text),
            ("Report to:", self.report_to or ""),
            ("Date of Meeting:", self.meeting_date_text),
            ("Report of:", self.report_of or ""),
            ("Report Author:", self.author or ""),
            ("E-mail:", self.email or ""),
            ("Other Contacts:", self.other_contacts or ""),
            ("Agenda Item:", self.agenda_item or ""),
        ]


#: Fields a one-off pack may fill or override (all but the period and where they came from).
EDITABLE_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(ReportDetails) if f.name not in ("period", "source"))
#: The multi-paragraph fields, which a form edits in a text area.
PARAGRAPH_FIELDS: tuple[str, ...] = ("purpose", "recommendations", "reasons", "summary", "headlines", "financial")


def default_title(period: date) -> str:
    """'Police and Crime Commissioner's Update Report to January 2019'."""
    return f"Police and Crime Commissioner's Update Report to {period:%B %Y}"


def format_day(day: date) -> str:
    """'8 May 2019': no leading zero, as a committee's papers write a date."""
    return f"{day.day} {day:%B %Y}"


def paragraphs(text: str | None) -> list[str]:
    """A multi-paragraph field's paragraphs: split at blank lines, each trimmed, empty ones dropped."""
    if not text:
        return []
    parts = [" ".join(part.split()) for part in text.replace("\r\n", "\n").split("\n\n")]
    return [part for part in parts if part]


def _has_reports_table(con: duckdb.DuckDBPyConnection) -> bool:
    """A database last loaded before schema 4 has no `reports` table until its next load."""
    return table_exists(con, "reports")


def _value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def query_report_details(con: duckdb.DuckDBPyConnection, period: date) -> ReportDetails:
    """The loaded details of `period`'s paper; only the period when none are loaded."""
    period = date(period.year, period.month, 1)
    if not _has_reports_table(con):
        return ReportDetails(period)
    df = query(
        con,
        """
        SELECT r.*, l.loaded_at
        FROM reports r
        LEFT JOIN load_log l ON l.load_id = r.load_id AND l.file_name = r.source_file
        WHERE r.period = ?
        """,
        [period],
    )
    if df.empty:
        return ReportDetails(period)
    loaded_at = df["loaded_at"].iloc[0]   # a time: kept out of _value, which makes timestamps days
    row = {key: _value(value) for key, value in df.drop(columns="loaded_at").iloc[0].items()}
    source = (f"{row['source_file']}, loaded {domain.format_loaded_at(pd.Timestamp(loaded_at).to_pydatetime())}"
              if _value(loaded_at) is not None else f"{row['source_file']}, load time not recorded")
    values = {name: row.get(name) for name in EDITABLE_FIELDS}
    if values["public"] is not None:
        values["public"] = bool(values["public"])
    return ReportDetails(period=period, source=source, **values)


def with_overrides(details: ReportDetails, overrides: dict[str, Any] | None,
                   none_clears: bool = False) -> ReportDetails:
    """The details with each given override in place: a field left out keeps the loaded value,
    and so does one given as None unless `none_clears` (a form that shows every field, filled
    from the loaded ones, means exactly what it shows); text is trimmed, and text that is only
    spaces clears the field."""
    if not overrides:
        return details
    unknown = sorted(set(overrides) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValueError(f"unknown report detail(s) {', '.join(unknown)}; expected some of {', '.join(EDITABLE_FIELDS)}")
    changes: dict[str, Any] = {}
    for name, value in overrides.items():
        if value is None and not none_clears:
            continue
        if isinstance(value, str):
            value = value.strip() or None
        if name == "paper_for" and value is not None and value not in PAPER_FOR:
            raise ValueError(f"paper_for must be one of {', '.join(PAPER_FOR)}, not {value!r}")
        changes[name] = value
    return replace(details, **changes)
