"""Checking the recommendations-tracker extract (`recommendations*.csv`): each recommendation
of a review, its lead agencies, and per reporting quarter its status and update
(docs/EXTRACTS.md).

One row per review + ref + quarter: a later quarter's update is a row of its own, so loading
it never overwrites the earlier one. A status cell left empty is stored as `not stated`; the
loader never reads a status into the update's words.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from dashboard import domain
from loaders import values

if TYPE_CHECKING:  # the row type lives with the other row builders, which import this module
    from loaders.validate import Row

#: Columns of the `recommendations` table a row fills, in the order staged rows hold them.
RECOMMENDATION_COLUMNS: tuple[str, ...] = (
    "review", "theme", "ref", "recommendation", "lead_agencies", "quarter", "quarter_start",
    "status", "update",
)

#: How `lead_agencies` holds several agencies: one per line, as the tracker prints them.
LEAD_SEPARATOR = "\n"
#: What separates agencies in a cell: line breaks (the tracker's own layout), `;` or `,`.
_LEAD_SPLIT = re.compile(r"[;,\r\n]+")

QUARTER_EXPECTED = (f"{values.QUARTER_EXPECTED}, or the tracker's own heading such as "
                    "January - March 2020-21")
_MONTHS = {name: number for number, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), start=1)}
#: 'January - March 2020-21' and the tracker's '2020-1' (the last digit of the year it ends).
_RANGE = re.compile(
    r"(?:update\s+)?(?P<first>[a-z]+)\s*(?:-|–|—|to)\s*(?P<last>[a-z]+)\s*,?\s*"
    r"(?P<start>[0-9]{4})\s*[-/]\s*(?P<end>[0-9]{1,4})", re.IGNORECASE)
#: The quarter of a financial year each first-and-last month pair spans.
_QUARTER_OF_MONTHS = {(4, 6): 1, (7, 9): 2, (10, 12): 3, (1, 3): 4}


def _month_number(word: str) -> int | None:
    word = word.lower()
    return next((n for name, n in _MONTHS.items() if len(word) >= 3 and name.startswith(word)), None)


def parse_tracker_quarter(text: str) -> tuple[str, date]:
    """'2020-21 Q4', 'Q4 2020/21' or 'January - March 2020-21' -> ('2020-21 Q4', 2021-01-01)."""
    try:
        return values.parse_quarter(text)
    except values.ParseError:
        pass
    match = _RANGE.fullmatch(" ".join(text.split()))
    if match is None:
        raise values.ParseError(text, QUARTER_EXPECTED)
    months = (_month_number(match["first"]), _month_number(match["last"]))
    quarter = _QUARTER_OF_MONTHS.get(months)  # type: ignore[arg-type]
    if quarter is None:
        raise values.ParseError(text, QUARTER_EXPECTED,
                                "the months are not one quarter of a financial year (April - June, "
                                "July - September, October - December, January - March)")
    start, end = int(match["start"]), match["end"]
    following = start + 1
    if end != str(following)[-len(end):] or len(end) == 3:
        raise values.ParseError(text, QUARTER_EXPECTED, f"a financial year runs from {start} to {following}")
    return values.parse_quarter(f"{start}-{following % 100:02d} Q{quarter}")


def parse_status(text: str) -> str:
    """A status word (`Complete`, `On track`, `Delayed`, `Not started`, `Not stated`) -> its code."""
    code = domain.RECOMMENDATION_STATUS_ALIASES.get(" ".join(text.split()).lower())
    if code is None:
        words = [s.label for s in domain.RECOMMENDATION_STATUSES]
        raise values.ParseError(
            text, ", ".join(words[:-1]) + " or " + words[-1] + " (or empty: not stated)")
    return code


def parse_lead_agencies(text: str) -> str:
    """Agencies one per line, `;` or `,` between them -> one per line, each trimmed, each once."""
    agencies = [" ".join(part.split()) for part in _LEAD_SPLIT.split(text)]
    agencies = [a for a in agencies if a]
    seen: set[str] = set()
    for agency in agencies:
        if agency.lower() in seen:
            raise values.ParseError(text, "each lead agency named once", f"{agency} is named twice")
        seen.add(agency.lower())
    if not agencies:
        raise values.ParseError(text, "one or more lead agencies, one per line or separated by ;")
    return LEAD_SEPARATOR.join(agencies)


def lead_agencies(stored: str) -> list[str]:
    """The agencies of a stored `lead_agencies` cell, in the tracker's order."""
    return [a for a in stored.split(LEAD_SEPARATOR) if a]


def recommendation_row(row: Row) -> tuple[Any, ...] | None:
    """A `recommendations` row's values in RECOMMENDATION_COLUMNS order, or None when a
    required cell failed."""
    review = row.required("review")
    theme = row.required("theme")
    ref = row.required("ref")
    recommendation = row.required("recommendation")
    leads = row.parse("lead_agencies", parse_lead_agencies, required=True)
    quarter = row.parse("quarter", parse_tracker_quarter, required=True)
    # Empty is a fact about the tracker (no status word printed), not an error.
    status = row.parse("status", parse_status) if row.text("status") else domain.NOT_STATED
    if None in (review, theme, ref, recommendation, leads, quarter, status):
        return None
    label, start = quarter
    return (review, theme, ref, recommendation, leads, label, start, status, row.text("update"))
