"""Checking the forward-plan extract (`decisions*.csv`): the Forward Plan of Key Decisions for
the OPCC and the Force that a report appends (Appendix B of the May 2019 update report).

One row per decision, keyed by report period + section + ref; a section with nothing in it has
one row with `ref` empty whose `subject` holds the published words ("None to report."), so the
section is shown as published instead of disappearing. Dates and costs keep their published
text; a month span and a lower bound of the cost are derived where the text gives them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from loaders import values
from loaders.contract import ERROR, LoadIssue

if TYPE_CHECKING:  # the row type lives with the other row builders, which import this module
    from loaders.reading import SourceFile
    from loaders.validate import Row

#: Columns of the `decisions` table a row fills, in the order staged rows hold them.
DECISION_COLUMNS: tuple[str, ...] = (
    "period", "plan", "section", "section_title", "ref", "date_text", "date_from", "date_to",
    "subject", "summary", "cost_text", "cost_pounds", "cost_is_lower_bound", "contact", "report_of",
)

#: A date the plan has not fixed yet, as forward plans write it.
_UNDATED_WORDS = {"tbc", "tba", "to be confirmed", "to be agreed", "tbd"}
DATE_EXPECTED = "a month such as March 2019, a span such as March – September 2019, or TBC"
#: A span's separator: a dash with spaces round it (a bare hyphen is part of 'Jan-19') or 'to'.
_SPAN_RE = re.compile(r"\s+(?:[-–—]|to)\s+|\s*[–—]\s*", re.IGNORECASE)
_MONTH_NAME_FORMATS = ("%B", "%b")

SECTION_RE = re.compile(r"(?P<number>[1-9][0-9]?)(?:\.0)?")
SECTION_EXPECTED = "a section number such as 2.0 (or 2)"
REF_RE = re.compile(r"(?P<section>[1-9][0-9]?)\.(?P<item>[1-9][0-9]*)")

#: Words that make a published cost a lower bound: '>£250k' is at least £250,000. 'Potentially
#: over £250k' is not one ('potentially' says it may be less), so it is left as text.
_LOWER_BOUND_RE = re.compile(
    r"(?:>=?|≥|over|more than|above|at least|in excess of|exceeding)\s*(?P<amount>.+)", re.IGNORECASE)

#: Who reports the decision, as the plan's last column names them.
_REPORT_OF = {"opcc": "OPCC", "nopcc": "OPCC", "force": "Force"}
_REPORT_OF_SPLIT = re.compile(r"\s*(?:/|&|\band\b|,)\s*", re.IGNORECASE)
REPORT_OF_EXPECTED = "OPCC, Force, or both (Force/OPCC)"


@dataclass(frozen=True)
class DecisionDate:
    """A decision's date as published, and the months it spans (both None for TBC)."""

    text: str
    first: date | None
    last: date | None


@dataclass(frozen=True)
class Cost:
    """A cost as published; `pounds` is the amount, or its lower bound when `is_lower_bound`;
    None when the text gives neither ('Business Case in course of preparation')."""

    text: str
    pounds: float | None
    is_lower_bound: bool


def _month_alone(text: str, year_of: date) -> date | None:
    """'March' in 'March – September 2019' takes the year that follows it."""
    for pattern in _MONTH_NAME_FORMATS:
        try:
            return date(year_of.year, datetime.strptime(text.strip(), pattern).month, 1)
        except ValueError:
            continue
    return None


def parse_decision_date(text: str) -> DecisionDate:
    """`March 2019`, `TBC`, `March – September 2019`, `Nov 2018 to Jan 2019`."""
    cleaned = " ".join(text.split())
    if cleaned.lower().rstrip(".") in _UNDATED_WORDS:
        return DecisionDate(cleaned, None, None)
    parts = _SPAN_RE.split(cleaned)
    try:
        if len(parts) == 1:
            month = values.parse_month(cleaned).start
            return DecisionDate(cleaned, month, month)
        if len(parts) == 2:
            last = values.parse_month(parts[1]).start
            first = _month_alone(parts[0], last)
            if first is None:
                first = values.parse_month(parts[0]).start
            if first > last:
                raise values.ParseError(text, DATE_EXPECTED, "the span ends before it begins")
            return DecisionDate(cleaned, first, last)
    except values.ParseError as error:
        if error.expected == DATE_EXPECTED:
            raise
        raise values.ParseError(text, DATE_EXPECTED, error.reason) from None
    raise values.ParseError(text, DATE_EXPECTED)


def _pounds(text: str) -> float | None:
    """A sum of money in pounds ('£515,000', '£1.4m', '£400k'), else None."""
    try:
        number = values.parse_number(text.strip())
    except values.ParseError:
        return None
    if number.is_percent or number.number < 0:
        return None
    return number.value


def parse_cost(text: str) -> Cost:
    """Any text is a cost as published; an amount or a lower bound is derived where it is one."""
    cleaned = " ".join(text.split())
    amount = _pounds(cleaned)
    if amount is not None:
        return Cost(cleaned, amount, False)
    bound = _LOWER_BOUND_RE.fullmatch(cleaned)
    if bound:
        amount = _pounds(bound.group("amount"))
        if amount is not None:
            return Cost(cleaned, amount, True)
    return Cost(cleaned, None, False)


def parse_section(text: str) -> str:
    """'2.0' or '2', stored as '2.0'."""
    match = SECTION_RE.fullmatch(text.strip())
    if match is None:
        raise values.ParseError(text, SECTION_EXPECTED)
    return f"{int(match.group('number'))}.0"


def parse_report_of(text: str) -> str:
    """'OPCC', 'Force', 'Force/OPCC' (also 'Force and OPCC'); parts kept in their order."""
    parts = [p for p in _REPORT_OF_SPLIT.split(text.strip()) if p]
    named = [_REPORT_OF.get(p.lower()) for p in parts]
    if not parts or None in named or len(set(named)) != len(named):
        raise values.ParseError(text, REPORT_OF_EXPECTED)
    return "/".join(named)


#: Columns a section's none-to-report row leaves empty: it holds only its published words.
_DECISION_ONLY = ("date", "summary", "cost", "contact", "report_of")


def decision_row(row: Row) -> tuple[Any, ...] | None:
    """A `decisions` row's values in DECISION_COLUMNS order, or None when a required cell failed."""
    period = row.parse("period", values.parse_month, required=True)
    plan = row.parse("plan", values.parse_month, required=True)
    section = row.parse("section", parse_section, required=True)
    section_title = row.required("section_title")
    ref = row.text("ref")
    subject = row.required("subject")
    if ref is None:
        for column in _DECISION_ONLY:
            if row.text(column) is not None:
                row.error(column, row.text(column),
                          "an empty cell: a row with ref empty is the section's 'None to report' "
                          "row, its words in subject (give the decision a ref)")
        when, cost, report_of = None, None, None
    else:
        match = REF_RE.fullmatch(ref)
        if match is None:
            row.error("ref", ref, "a reference such as 2.1 (section number, then the decision's)")
        elif section is not None and f"{int(match.group('section'))}.0" != section:
            row.error("ref", ref, f"a reference in section {section} ({section[:-2]}.1, "
                                  f"{section[:-2]}.2, ...), the section this row is in")
        when = row.parse("date", parse_decision_date, required=True)
        cost = row.parse("cost", parse_cost)
        report_of = row.parse("report_of", parse_report_of)
    if None in (period, plan, section, section_title, subject) or (ref is not None and when is None):
        return None
    return (
        period.start, plan.start, section, section_title, ref or "",
        when.text if when else None, when.first if when else None, when.last if when else None,
        subject, row.text("summary"),
        cost.text if cost else None, cost.pounds if cost else None,
        cost.is_lower_bound if cost and cost.pounds is not None else None,
        row.text("contact"), report_of,
    )


_COLUMN = {name: index for index, name in enumerate(DECISION_COLUMNS)}
_LINE = len(DECISION_COLUMNS) + 1   # staged rows end with source_file, source_line


def check_decisions_file(source: SourceFile, rows: list[tuple[Any, ...]], issues: list[LoadIssue]) -> None:
    """Rules across rows: one plan per report period, one title per section, and a section
    either says 'None to report' or lists decisions, not both."""
    plans: dict[date, tuple[date, int]] = {}
    titles: dict[tuple[date, str], tuple[str, int]] = {}
    none_rows: dict[tuple[date, str], int] = {}
    decision_lines: dict[tuple[date, str], int] = {}
    for row in rows:
        period, line = row[_COLUMN["period"]], row[_LINE]
        section, title = row[_COLUMN["section"]], row[_COLUMN["section_title"]]
        plan = row[_COLUMN["plan"]]
        if period in plans and plans[period][0] != plan:
            issues.append(LoadIssue(source.name, line, "plan", f"{plan:%B %Y}",
                                    f"the plan named on line {plans[period][1]} ({plans[period][0]:%B %Y}): "
                                    "one forward plan per report period", ERROR))
        plans.setdefault(period, (plan, line))
        known = titles.setdefault((period, section), (title, line))
        if known[0] != title:
            issues.append(LoadIssue(source.name, line, "section_title", title,
                                    f'the title line {known[1]} gives section {section} ("{known[0]}")', ERROR))
        place = none_rows if row[_COLUMN["ref"]] == "" else decision_lines
        place.setdefault((period, section), line)
    for key, line in none_rows.items():
        if key in decision_lines:
            issues.append(LoadIssue(
                source.name, line, "ref", "",
                f"a ref: section {key[1]} lists decisions (line {decision_lines[key]}), so it "
                "cannot also have a 'None to report' row", ERROR))
