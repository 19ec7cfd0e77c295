"""Checking the report-details extract (`reports*.csv`): the front sheet and opening sections
of the paper a report period's panel pack becomes (docs/EXTRACTS.md).

One row per report period. Every cell but `period` may be empty: the pack prints what is
given and the Panel pack page can fill or override any field for a one-off pack.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from loaders import values

if TYPE_CHECKING:  # the row type lives with the other row builders, which import this module
    from loaders.validate import Row

#: Columns of the `reports` table a row fills, in the order staged rows hold them.
REPORT_COLUMNS: tuple[str, ...] = (
    "period", "title", "paper_for", "public", "report_to", "meeting_date", "report_of",
    "author", "email", "other_contacts", "agenda_item", "purpose", "recommendations",
    "reasons", "summary", "headlines", "financial",
)

#: What a paper is put to the meeting for, as the front sheet's first line says it.
PAPER_FOR: tuple[str, ...] = ("consideration", "information", "decision")

_PUBLIC_WORDS: dict[str, bool] = {
    "public": True, "non public": False, "non-public": False, "not public": False,
    "private": False, "exempt": False,
}

#: The day of a meeting as a clerk writes it, besides the loader's usual day-first dates.
_MEETING_FORMATS: tuple[str, ...] = ("%d %B %Y", "%d %b %Y", "%d %B %y", "%d %b %y", "%A %d %B %Y")
MEETING_EXPECTED = "the day of the meeting, such as 8 May 2019, 08/05/2019 or 2019-05-08"

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def parse_paper_for(text: str) -> str:
    """'consideration', 'For Consideration', 'information', 'decision'."""
    word = " ".join(text.split()).lower().removeprefix("for ").strip()
    if word not in PAPER_FOR:
        raise values.ParseError(text, "consideration, information or decision (also For Consideration, ...)")
    return word


def parse_public(text: str) -> bool:
    """yes/no (the paper is public), or the front sheet's own words: Public, Non Public."""
    word = " ".join(text.split()).lower().rstrip("*")
    if word in _PUBLIC_WORDS:
        return _PUBLIC_WORDS[word]
    try:
        return values.parse_yes_no(text)
    except values.ParseError:
        raise values.ParseError(text, "Public or Non Public (also yes/no)") from None


def parse_meeting_date(text: str) -> date:
    """A full date: a month alone does not say which day the panel meets."""
    cleaned = " ".join(text.split())
    for pattern in _MEETING_FORMATS:
        try:
            parsed = datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
        return _in_range(text, parsed)
    try:
        values.parse_month(cleaned)
    except values.ParseError:
        pass
    else:
        raise values.ParseError(text, MEETING_EXPECTED, "a month alone does not give the day")
    try:
        return _in_range(text, values.parse_date(cleaned))
    except values.ParseError as error:
        raise values.ParseError(text, MEETING_EXPECTED, error.reason) from None


def _in_range(text: str, day: date) -> date:
    low, high = values.YEAR_RANGE
    if not low <= day.year <= high:
        raise values.ParseError(text, MEETING_EXPECTED, f"the year is outside {low}-{high}")
    return day


def parse_email(text: str) -> str:
    """One address, name@example.org, kept as written."""
    address = text.strip()
    if not _EMAIL.fullmatch(address):
        raise values.ParseError(text, "an e-mail address such as name@example.org")
    return address


def report_row(row: Row) -> tuple[Any, ...] | None:
    """A `reports` row's values in REPORT_COLUMNS order, or None when a required cell failed."""
    period = row.parse("period", values.parse_month, required=True)
    paper_for = row.parse("paper_for", parse_paper_for)
    public = row.parse("public", parse_public)
    meeting_date = row.parse("meeting_date", parse_meeting_date)
    email = row.parse("email", parse_email)
    if period is not None and meeting_date is not None and meeting_date < period.start:
        # A paper cannot be tabled before the month its figures run to has begun.
        row.error("meeting_date", row.text("meeting_date"),
                  f"a meeting on or after the start of the report period "
                  f"({period.start:%b %Y}), whose figures the paper reports")
    if period is None:
        return None
    return (
        period.start, row.text("title"), paper_for, public, row.text("report_to"), meeting_date,
        row.text("report_of"), row.text("author"), email, row.text("other_contacts"),
        row.text("agenda_item"), row.text("purpose"), row.text("recommendations"),
        row.text("reasons"), row.text("summary"), row.text("headlines"), row.text("financial"),
    )
