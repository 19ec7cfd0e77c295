"""Parsers for values as the reports publish them: months, dates, numbers, values with their
period in brackets, trends, quarters, and the small vocabularies (polarity, RAG, yes/no).

Each parser takes one cell's text and returns a typed result or raises `ParseError`, whose
`expected` says in plain words what the cell should have held; the loader adds the file, line
and column. The vocabulary (grades, statuses, units, aliases) comes from `dashboard.domain`.

Months and plain numbers are also read in SQL by the loader (DuckDB `try_strptime` and
`regexp_full_match`), so `MONTH_FORMATS` and `NUMBER_PATTERN` are written to mean the same in
Python and in DuckDB; tests hold the two to agreement.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass
from decimal import Decimal

from dashboard import domain


class ParseError(ValueError):
    """A value that does not parse.

    `text` is the value as given, `expected` what was expected in words a user reads (e.g.
    "a month such as 2019-01, Jan 2019 or January 2019"), `reason` what exactly is wrong when
    the value had the right shape but something else failed (a conflict, an impossible date).
    """

    def __init__(self, text: str, expected: str, reason: str | None = None) -> None:
        self.text = text
        self.expected = expected
        self.reason = reason
        if reason:
            message = f"{text!r}: {reason} (expected {expected})"
        else:
            message = f"{text!r} is not {expected}"
        super().__init__(message)


# --- Months and dates ---------------------------------------------------------------------------

#: strptime formats for months, in the order tried. Shared with the loader's SQL path (DuckDB
#: try_strptime accepts the same % codes). The two-digit-year forms come before the four-digit
#: ones because DuckDB's %Y also takes two digits ('Jan 19' would become the year 19); Python's
#: %Y takes exactly four, so the order changes nothing in Python. %y follows the POSIX window in
#: both: 69-99 are 1969-1999, 00-68 are 2000-2068. Full dates are accepted because Excel turns a
#: month cell into one; the day is then dropped.
MONTH_FORMATS: tuple[str, ...] = (
    "%Y-%m",  # 2019-01
    "%Y-%m-%d",  # 2019-01-31
    "%Y-%m-%d %H:%M:%S",  # 2019-01-01 00:00:00, as pandas and some exports write a date
    "%b %y",  # Jan 19
    "%b %Y",  # Jan 2019
    "%B %y",  # January 19
    "%B %Y",  # January 2019
    "%b-%y",  # Jan-19 (Excel's mmm-yy)
    "%b-%Y",  # Jan-2019
    "%B-%y",  # January-19
    "%B-%Y",  # January-2019
    "%d/%m/%y",  # 31/01/19 (UK, day first)
    "%d/%m/%Y",  # 31/01/2019
    "%m/%Y",  # 01/2019
)

#: DuckDB's %y also takes a single digit ('Feb 1' would be February 2001; Python refuses it). The
#: SQL path treats a month text matching this (RE2 and Python alike) as unread and leaves it
#: to `parse_month`, which says what is wrong. With it and YEAR_RANGE applied, DuckDB's
#: `try_strptime(text, MONTH_FORMATS)` reads exactly the months `parse_month` reads.
MONTH_SQL_REJECT_PATTERN: str = r"(?:[A-Za-z][ \t\-]*|/)[0-9]$"

#: Years outside this range are refused: they are typing slips (DuckDB's %Y reads '19-01' as the
#: year 19, so the loader's SQL path applies the same range).
YEAR_RANGE: tuple[int, int] = (1900, 2099)

MONTH_EXPECTED = "a month such as 2019-01, Jan 2019 or January 2019"
MONTH_OR_YEAR_EXPECTED = "a month such as 2019-01, Jan 2019 or January 2019, or a year such as 2017"
DATE_EXPECTED = "a date such as 2019-02-14, 14/02/2019 or 14.2.19 (day first), or a month such as Feb 2019"

_YEAR_RE = re.compile(r"[0-9]{4}")

#: Day-first date formats for update dates; two-digit years first, as for months.
_DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%y",
    "%d/%m/%Y",
    "%d.%m.%y",
    "%d.%m.%Y",
    "%d-%m-%y",
    "%d-%m-%Y",
    "%d %b %y",
    "%d %b %Y",
    "%d %B %y",
    "%d %B %Y",
)


@dataclass(frozen=True)
class Month:
    start: datetime.date  # first day of the month (of January for a year alone)
    is_year: bool  # True when only a year was given ("2017")

    @property
    def label(self) -> str:
        """'Jan 2018', or '2017' for a year alone."""
        return str(self.start.year) if self.is_year else domain.format_month(self.start)


def _in_year_range(year: int) -> bool:
    return YEAR_RANGE[0] <= year <= YEAR_RANGE[1]


def _strptime_first(text: str, formats: tuple[str, ...]) -> datetime.datetime | None:
    for fmt in formats:
        try:
            return datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def parse_month(text: str, allow_year: bool = False) -> Month:
    """A month in any of MONTH_FORMATS; with allow_year, also a year alone ('2017')."""
    return _parse_month(text, allow_year)


@functools.lru_cache(maxsize=4096)  # a file repeats the same few months; strptime misses are slow
def _parse_month(text: str, allow_year: bool) -> Month:
    expected = MONTH_OR_YEAR_EXPECTED if allow_year else MONTH_EXPECTED
    cleaned = text.strip()
    if _YEAR_RE.fullmatch(cleaned):
        if not allow_year:
            raise ParseError(text, expected, "a year alone is not accepted here; give the month")
        year = int(cleaned)
        if not _in_year_range(year):
            raise ParseError(text, expected, f"the year is outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}")
        return Month(datetime.date(year, 1, 1), is_year=True)
    parsed = _strptime_first(cleaned, MONTH_FORMATS)
    if parsed is None:
        raise ParseError(text, expected)
    if not _in_year_range(parsed.year):
        raise ParseError(text, expected, f"the year is outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}")
    return Month(datetime.date(parsed.year, parsed.month, 1), is_year=False)


def parse_date(text: str) -> datetime.date:
    """A day-first (UK) date such as 14/02/2019 or 14.2.19, or a month (its first day)."""
    cleaned = text.strip()
    parsed = _strptime_first(cleaned, _DATE_FORMATS)
    if parsed is not None:
        if not _in_year_range(parsed.year):
            raise ParseError(text, DATE_EXPECTED, f"the year is outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}")
        return parsed.date()
    try:
        return parse_month(cleaned).start
    except ParseError as error:
        raise ParseError(text, DATE_EXPECTED, error.reason) from None


# --- Numbers ---------------------------------------------------------------------------------------

_SPACE = "[ \t\u00a0]*"  # spaces, tabs and Excel's no-break space; the same set in RE2 and Python
_DIGITS = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|\.[0-9]+"

#: A plain number cell, for Python `re.fullmatch` and DuckDB `regexp_full_match` /
#: `regexp_extract` alike (ASCII classes only, no look-around). Accepts a sign (+, -, or the
#: Unicode minus −), then either money (£, digits, optional k/m) or a plain number (digits, then
#: k/m or %), spaces around any part. Money cannot also be a percentage, hence two branches.
#: Capture groups (a group that did not take part is '' in DuckDB, None in Python):
#:   1 sign: '+', '-', '−' or empty
#:   2 '£' when money
#:   3 digits of money, with thousands commas and decimals ('188,209', '1.1')
#:   4 suffix of money: k/K (thousands) or m/M (millions)
#:   5 digits of a plain number
#:   6 suffix of a plain number: k/K or m/M
#:   7 '%' when a percentage
NUMBER_PATTERN: str = (
    "^" + _SPACE + "([+\\-\u2212])?" + _SPACE
    + "(?:(£)" + _SPACE + "(" + _DIGITS + ")" + _SPACE + "([kKmM])?"
    + "|(" + _DIGITS + ")" + _SPACE + "(?:([kKmM])|(%))?)"
    + _SPACE + "$"
)
#: Names of NUMBER_PATTERN's groups, by number, for `regexp_extract(text, pattern, [names])`.
NUMBER_GROUPS: tuple[str, ...] = (
    "sign", "pound", "money_digits", "money_suffix", "digits", "suffix", "percent",
)
_NUMBER_RE = re.compile(NUMBER_PATTERN)

NUMBER_EXPECTED = "a number such as 4,872, -78.4%, +£1.1m or £188,209k"
_MULTIPLIERS = {None: 1, "k": 1_000, "m": 1_000_000}


@dataclass(frozen=True)
class ParsedNumber:
    number: float  # as written, signed, without the suffix multiplier: '£1.1m' -> 1.1
    suffix: str | None  # 'k' | 'm' | None
    is_percent: bool
    is_money: bool
    decimals: int  # decimals as written: '10.2%' -> 1, '£188,209k' -> 0

    def _scaled(self, factor: int) -> float:
        # Decimal keeps '1.1' times a million at 1,100,000 exactly (float gives ...0.0000002).
        return float(Decimal(repr(self.number)) * factor)

    @property
    def value(self) -> float:
        """The suffix applied: '£1.1m' -> 1_100_000.0, '4,872' -> 4872.0."""
        return self._scaled(_MULTIPLIERS[self.suffix])

    def in_thousands(self) -> float:
        """For £-thousand columns: a bare or £ number and a 'k' one are thousands, 'm' millions."""
        if self.is_percent:
            raise ParseError(
                f"{self.number}%", "a sum of money in £ thousands such as 188,209 or £1.1m",
                "a percentage is not a sum of money",
            )
        return self._scaled(1_000 if self.suffix == "m" else 1)


def parse_number(text: str) -> ParsedNumber:
    """A number cell: thousands commas, sign, %, £, k/m suffix (see NUMBER_PATTERN)."""
    match = _NUMBER_RE.fullmatch(text)
    if match is None:
        raise ParseError(text, NUMBER_EXPECTED)
    sign, pound, money_digits, money_suffix, digits, suffix, percent = match.groups()
    written = money_digits if pound else digits
    suffix = (money_suffix if pound else suffix) or None
    number = float(written.replace(",", ""))
    if sign in ("-", "\u2212"):
        number = -number
    _, _, fraction = written.partition(".")
    return ParsedNumber(
        number=number + 0.0,  # -0.0 -> 0.0
        suffix=suffix.lower() if suffix else None,
        is_percent=percent is not None,
        is_money=pound is not None,
        decimals=len(fraction),
    )


def _unit_of(number: ParsedNumber) -> str:
    """Unit of a single published number: a whole number without % or £ is a count."""
    if number.is_percent:
        return domain.PERCENT
    if number.is_money:
        return domain.MONEY
    return domain.COUNT if number.decimals == 0 else domain.NUMBER


def _comparable(number: ParsedNumber) -> float:
    """Percent as written, money in £ thousands, others with the suffix applied."""
    if number.is_money:
        return float(Decimal(repr(number.value)) / 1000)
    return number.value


# --- Published values --------------------------------------------------------------------------

VALUE_EXPECTED = (
    "a value such as 4,872, 33.2%, £1.1m, Good, Pending or TBC, "
    "optionally with its period in brackets, e.g. 4,872 (Jan 2018)"
)
TREND_EXPECTED = "a trend such as +10.2%, ↓ 0.5% pts, -1.6% pts, +£0.1m or TBC"

_BRACKETED_PERIOD_RE = re.compile(r"(?P<main>.*?)[\s:]*\((?P<period>[^()]*)\)", re.DOTALL)
_LABEL_RE = re.compile(r"[A-Za-z][A-Za-z&/.\-]*")


@dataclass(frozen=True)
class ValuePart:
    label: str | None  # 'rev', 'cap' in '+£1.0m rev -£3.0m cap', else None
    number: ParsedNumber


@dataclass(frozen=True)
class PublishedValue:
    text: str  # as published (stripped)
    value: float | None  # percent as 33.2; money in £ thousands; counts as is; grades as score
    unit: str | None  # domain.COUNT | PERCENT | MONEY | GRADE | NUMBER
    grade: str | None  # canonical name from domain.GRADES
    status: str | None  # a domain.VALUE_STATUSES value (Pending, TBC, N/A)
    period: Month | None  # the bracketed period
    parts: tuple[ValuePart, ...]  # every number found; more than one for a composite


def _normalised(text: str) -> str:
    return " ".join(text.split()).lower()


def _status_of(text: str) -> str | None:
    return domain.VALUE_STATUSES.get(_normalised(text).rstrip(":. "))


def _grade_of(text: str) -> str | None:
    key = _normalised(text)
    return next((grade for grade in domain.GRADES if grade.lower() == key), None)


def _parse_parts(text: str) -> tuple[ValuePart, ...] | None:
    """Numbers each optionally followed by a one-word label: '+£1.0m rev -£3.0m cap'."""
    try:
        return (ValuePart(None, parse_number(text)),)
    except ParseError:
        pass
    parts: list[ValuePart] = []
    for token in text.split():
        try:
            parts.append(ValuePart(None, parse_number(token)))
            continue
        except ParseError:
            pass
        if parts and parts[-1].label is None and _LABEL_RE.fullmatch(token):
            parts[-1] = ValuePart(token, parts[-1].number)
        else:
            return None
    return tuple(parts) or None


def _common_unit(parts: tuple[ValuePart, ...]) -> str | None:
    units = {_unit_of(part.number) for part in parts}
    if units <= {domain.COUNT, domain.NUMBER} and len(units) == 2:
        return domain.NUMBER
    return units.pop() if len(units) == 1 else None


def _split_period(text: str) -> tuple[str, Month | None]:
    match = _BRACKETED_PERIOD_RE.fullmatch(text)
    if match is None:
        return text, None
    inner = match.group("period")
    try:
        period = parse_month(inner, allow_year=True)
    except ParseError:
        raise ParseError(
            text, VALUE_EXPECTED, f"the period in brackets {inner.strip()!r} is not a month or a year"
        ) from None
    return match.group("main").strip(), period


def parse_published_value(text: str) -> PublishedValue:
    """A value as published, with any bracketed period split off: '4,872 (Jan 2018)'."""
    published = text.strip()
    if not published:
        raise ParseError(text, VALUE_EXPECTED, "the value is empty")
    main, period = _split_period(published)
    main = main.rstrip(":").strip()
    if not main:
        raise ParseError(text, VALUE_EXPECTED, "there is a period but no value before it")
    status = _status_of(main)
    if status is not None:
        return PublishedValue(published, None, None, None, status, period, ())
    grade = _grade_of(main)
    if grade is not None:
        return PublishedValue(
            published, float(domain.grade_score(grade)), domain.GRADE, grade, None, period, ()
        )
    parts = _parse_parts(main)
    if parts is None:
        raise ParseError(text, VALUE_EXPECTED)
    value = _comparable(parts[0].number) if len(parts) == 1 else None
    return PublishedValue(published, value, _common_unit(parts), None, None, period, parts)


# --- Trends --------------------------------------------------------------------------------------------

TREND_POINTS = "points"
TREND_STEPS = "steps"
_ARROWS: dict[str, int] = {"↑": 1, "↓": -1}
_TREND_WORD_RE = re.compile(
    r"(?P<number>.*?)\s*(?P<word>percentage\s+points?|ppts?|pp|pts?|points?|steps?)\.?",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class Trend:
    text: str
    value: float | None  # signed, arrows applied: '↓ 0.5% pts' -> -0.5
    unit: str | None  # 'points' | 'percent' | 'money' (£ thousands) | 'steps' | 'number'
    decimals: int | None
    status: str | None  # 'TBC' etc
    parts: tuple[ValuePart, ...]  # composite '+£0.1m -£1.0m' -> two parts, value None


def _trend_unit(number: ParsedNumber, word: str | None, text: str) -> str:
    if word is None:
        if number.is_percent:
            return domain.PERCENT
        return domain.MONEY if number.is_money else domain.NUMBER
    if number.is_money or number.suffix:
        raise ParseError(text, TREND_EXPECTED, f"'{word}' cannot follow a sum of money or a k/m figure")
    if word.lower().startswith("step"):
        if number.is_percent:
            raise ParseError(text, TREND_EXPECTED, "a change in steps cannot be a percentage")
        return TREND_STEPS
    return TREND_POINTS


def _apply_arrow(number: ParsedNumber, written: str, arrow: str | None, text: str) -> float:
    """The trend's signed size: an arrow gives the sign, and must agree with a written one."""
    size = _comparable(number)
    if arrow is None:
        return size
    direction = _ARROWS[arrow]
    stripped = written.strip()
    explicit = -1 if stripped[:1] in ("-", "\u2212") else (1 if stripped[:1] == "+" else 0)
    if explicit and explicit != direction:
        raise ParseError(text, TREND_EXPECTED, f"the arrow {arrow} contradicts the sign {stripped[0]}")
    return direction * abs(size) + 0.0


def parse_trend(text: str) -> Trend:
    """A published trend: '+10.2%', '↓ 0.5% pts', '+£0.1m -£1.0m', 'TBC'."""
    published = text.strip()
    if not published:
        raise ParseError(text, TREND_EXPECTED, "the trend is empty")
    status = _status_of(published)
    if status is not None:
        return Trend(published, None, None, None, status, ())
    arrow = published[0] if published[0] in _ARROWS else None
    rest = published[1:].strip() if arrow else published
    word_match = _TREND_WORD_RE.fullmatch(rest)
    written, word = (word_match["number"], word_match["word"]) if word_match else (rest, None)
    try:
        number = parse_number(written)
    except ParseError:
        parts = None if (arrow or word) else _parse_parts(rest)
        if not parts or len(parts) < 2:
            raise ParseError(text, TREND_EXPECTED) from None
        return Trend(published, None, _common_unit(parts), None, None, parts)
    unit = _trend_unit(number, word, text)
    value = _apply_arrow(number, written, arrow, text)
    return Trend(published, value, unit, _decimals_as_stored(number), None, (ValuePart(None, number),))


#: A sum of money is stored in £ thousands: a decimal of '£0.1m' is a hundred of them, of '£500' a thousandth.
_THOUSANDS_EXPONENT = {"m": 3, "k": 0, None: -3}


def _decimals_as_stored(number: ParsedNumber) -> int:
    """The decimals published, counted in the stored value's unit: the rounding the check allows."""
    if number.is_money:
        return number.decimals - _THOUSANDS_EXPONENT[number.suffix]
    return number.decimals


# --- Quarters and financial years -------------------------------------------------------------------

QUARTER_EXPECTED = "a financial year and quarter such as 2018-19 Q3 or Q3 2018-19"
FINANCIAL_YEAR_EXPECTED = "a financial year such as 2018-19, 2018/19 or 2018/2019"
_FY = r"(?P<start>[0-9]{4})\s*[-/]\s*(?P<end>[0-9]{4}|[0-9]{2})"
_Q = r"(?:Q|Quarter\s*)(?P<quarter>[1-4])"
_FINANCIAL_YEAR_RE = re.compile(r"(?:FY\s*)?" + _FY, re.IGNORECASE)
_QUARTER_RES = (
    re.compile(r"(?:FY\s*)?" + _FY + r"\s*,?\s*" + _Q, re.IGNORECASE),
    re.compile(_Q + r"\s*,?\s*(?:FY\s*)?" + _FY, re.IGNORECASE),
)
#: First month of each quarter of a financial year starting 1 April (Q4 is in the next year).
_QUARTER_START_MONTH = {1: 4, 2: 7, 3: 10, 4: 1}


def _financial_year(match: re.Match[str], text: str, expected: str) -> tuple[int, str]:
    start = int(match["start"])
    end = match["end"]
    following = start + 1
    if not _in_year_range(start):
        raise ParseError(text, expected, f"the year is outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}")
    if int(end) != (following if len(end) == 4 else following % 100):
        raise ParseError(text, expected, f"a financial year runs from {start} to {following}")
    return start, f"{start}-{following % 100:02d}"


def parse_financial_year(text: str) -> str:
    """'2018-19', '2018/19', '2018/2019' -> '2018-19'."""
    match = _FINANCIAL_YEAR_RE.fullmatch(text.strip())
    if match is None:
        raise ParseError(text, FINANCIAL_YEAR_EXPECTED)
    return _financial_year(match, text, FINANCIAL_YEAR_EXPECTED)[1]


def parse_quarter(text: str) -> tuple[str, datetime.date]:
    """'Q3 2018/19' -> ('2018-19 Q3', date(2018, 10, 1)): the label and the quarter's first day."""
    cleaned = text.strip()
    match = next((m for m in (r.fullmatch(cleaned) for r in _QUARTER_RES) if m), None)
    if match is None:
        raise ParseError(text, QUARTER_EXPECTED)
    start, label = _financial_year(match, text, QUARTER_EXPECTED)
    quarter = int(match["quarter"])
    year = start + 1 if quarter == 4 else start
    return f"{label} Q{quarter}", datetime.date(year, _QUARTER_START_MONTH[quarter], 1)


# --- Small vocabularies -------------------------------------------------------------------------------


def _words(options: list[str]) -> str:
    return ", ".join(options[:-1]) + " or " + options[-1]


def parse_polarity(text: str) -> str:
    """A polarity word or alias -> domain.HIGHER_IS_BETTER | LOWER_IS_BETTER | NEUTRAL."""
    polarity = domain.POLARITY_ALIASES.get(_normalised(text))
    if polarity is None:
        raise ParseError(text, "one of " + _words(list(domain.POLARITY_ALIASES)))
    return polarity


def parse_rag_status(text: str) -> str:
    """A RAG word or code -> 'G' | 'A' | 'R' | 'W'."""
    code = domain.RAG_ALIASES.get(_normalised(text))
    if code is None:
        words = [status.code for status in domain.RAG_STATUSES]
        words += [status.label for status in domain.RAG_STATUSES] + ["NS", "Not started"]
        raise ParseError(text, "a RAG status: one of " + _words(words))
    return code


_YES_NO: dict[str, bool] = {
    "yes": True, "y": True, "true": True, "1": True,
    "no": False, "n": False, "false": False, "0": False,
}


def parse_yes_no(text: str) -> bool:
    """yes/no, y/n, true/false, 1/0 (any case)."""
    answer = _YES_NO.get(_normalised(text))
    if answer is None:
        raise ParseError(text, "yes or no (also y/n, true/false, 1/0)")
    return answer


_EXCEPTION_CALLS: dict[str, str | None] = {
    "": None,
    "positive": domain.POSITIVE, "pos": domain.POSITIVE, "+": domain.POSITIVE,
    "negative": domain.NEGATIVE, "neg": domain.NEGATIVE, "-": domain.NEGATIVE,
}


def parse_exception_call(text: str) -> str | None:
    """The analyst's exception call: positive, negative, or None when empty."""
    key = _normalised(text)
    if key not in _EXCEPTION_CALLS:
        raise ParseError(text, "positive, negative or empty (also pos, neg, +, -)")
    return _EXCEPTION_CALLS[key]
