"""Checking the estates extract (`estates*.csv`): police station sites sold, and contracts
exchanged subject to planning, with each list's published total capital receipt (section 7.12
of the May 2019 update report).

Each site is a row of its list; each list's total is a row of its own with `site` empty and the
total as published in `total_receipt` (the report prints no receipt per site, so none is
invented: the total is kept, never summed).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from dashboard.estate_lists import EXCHANGED, LISTS, SOLD, SOLD_SINCE
from loaders import values
from loaders.contract import WARNING, LoadIssue

if TYPE_CHECKING:  # the row type lives with the other row builders, which import this module
    from loaders.reading import SourceFile
    from loaders.validate import Row

#: Columns of the `estates` table a row fills, in the order staged rows hold them.
ESTATE_COLUMNS: tuple[str, ...] = (
    "period", "list", "site", "completion_text", "completion_date", "status", "proposed_use",
    "total_receipt_text", "total_receipt",
)

_LIST_WORDS: dict[str, str] = {
    "sold": SOLD, "sites sold": SOLD, "completed": SOLD, LISTS[SOLD].title.lower(): SOLD,
    "exchanged": EXCHANGED, "contracts exchanged": EXCHANGED, LISTS[EXCHANGED].title.lower(): EXCHANGED,
}
LIST_EXPECTED = f"sold or exchanged (also '{LISTS[SOLD].title}', '{LISTS[EXCHANGED].title}')"

#: A completion as the estates table prints it ('9 June, 2016'), besides the loader's dates.
_COMPLETION_FORMATS = ("%d %B, %Y", "%d %B %Y", "%d %b, %Y", "%d %b %Y")
COMPLETION_EXPECTED = "the day the sale completed, such as 9 June, 2016, 09/06/2016 or 2016-06-09"
RECEIPT_EXPECTED = "a sum of money such as £5,128,400 or £2.1m"


def parse_list(text: str) -> str:
    word = " ".join(text.split()).lower()
    if word not in _LIST_WORDS:
        raise values.ParseError(text, LIST_EXPECTED)
    return _LIST_WORDS[word]


def parse_completion(text: str) -> date:
    """A full date: the day a sale completed."""
    cleaned = " ".join(text.split())
    for pattern in _COMPLETION_FORMATS:
        try:
            day = datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
        break
    else:
        try:
            values.parse_month(cleaned)
        except values.ParseError:
            pass
        else:
            raise values.ParseError(text, COMPLETION_EXPECTED, "a month alone does not give the day")
        try:
            day = values.parse_date(cleaned)
        except values.ParseError as error:
            raise values.ParseError(text, COMPLETION_EXPECTED, error.reason) from None
    low, high = values.YEAR_RANGE
    if not low <= day.year <= high:
        raise values.ParseError(text, COMPLETION_EXPECTED, f"the year is outside {low}-{high}")
    return day


def parse_receipt(text: str) -> float:
    """Pounds, exactly as published: '£5,128,400' is 5128400.0; '£2.1m' is 2100000.0."""
    try:
        number = values.parse_number(text.strip())
    except values.ParseError:
        raise values.ParseError(text, RECEIPT_EXPECTED) from None
    if number.is_percent or number.number < 0:
        raise values.ParseError(text, RECEIPT_EXPECTED)
    return number.value


def _must_be_empty(row: Row, columns: tuple[str, ...], why: str) -> None:
    for column in columns:
        if row.text(column) is not None:
            row.error(column, row.text(column), f"an empty cell: {why}")


def estate_row(row: Row) -> tuple[Any, ...] | None:
    """An `estates` row's values in ESTATE_COLUMNS order, or None when a required cell failed."""
    period = row.parse("period", values.parse_month, required=True)
    kind = row.parse("list", parse_list, required=True)
    site = row.text("site")
    completion = receipt = None
    if site is None:   # the list's total
        receipt = row.parse("total_receipt", parse_receipt, required=True)
        _must_be_empty(row, ("completion_date", "status", "proposed_use"),
                       "a row with site empty is its list's total, which holds only total_receipt")
        if receipt is None:
            return None
    else:
        _must_be_empty(row, ("total_receipt",),
                       "the report publishes one total per list, not a receipt per site; put it "
                       "on the list's own row, with site empty")
        if kind == SOLD:
            completion = row.parse("completion_date", parse_completion, required=True)
            _must_be_empty(row, ("status",), "a sold site's completion date says its status")
            if completion is not None and completion < SOLD_SINCE:
                row.error("completion_date", row.text("completion_date"),
                          f"a completion on or after {SOLD_SINCE:%-d %B %Y} "
                          "(the list is of sites sold since then)")
                completion = None
            if completion is None:
                return None
        elif kind == EXCHANGED:
            row.required("status")
            _must_be_empty(row, ("completion_date",),
                           "a site whose sale has completed belongs in the sold list")
    if period is None or kind is None:
        return None
    return (
        period.start, kind, site or "", row.text("completion_date") if completion else None,
        completion, row.text("status"), row.text("proposed_use"),
        row.text("total_receipt") if receipt is not None else None, receipt,
    )


_COLUMN = {name: index for index, name in enumerate(ESTATE_COLUMNS)}
_LINE = len(ESTATE_COLUMNS) + 1   # staged rows end with source_file, source_line


def check_estates_file(source: SourceFile, rows: list[tuple[Any, ...]], issues: list[LoadIssue]) -> None:
    """A list's total with no site of that list in the file is loaded, with a warning: the
    sites may be loaded from another file, or be missing."""
    sites = {(r[_COLUMN["period"]], r[_COLUMN["list"]]) for r in rows if r[_COLUMN["site"]]}
    for row in rows:
        key = (row[_COLUMN["period"]], row[_COLUMN["list"]])
        if not row[_COLUMN["site"]] and key not in sites:
            issues.append(LoadIssue(source.name, row[_LINE], "total_receipt", row[_COLUMN["total_receipt_text"]],
                                    f"is the total of the {key[1]} list, but no site of that list is "
                                    "in this file; loaded", WARNING))
