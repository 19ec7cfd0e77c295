"""Parsers of published values: every form in the source reports, each error, and properties."""

from __future__ import annotations

import csv
import datetime
import re
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dashboard import domain
from loaders.values import (
    MONTH_FORMATS,
    MONTH_SQL_REJECT_PATTERN,
    NUMBER_GROUPS,
    NUMBER_PATTERN,
    YEAR_RANGE,
    Month,
    ParsedNumber,
    ParseError,
    ValuePart,
    parse_date,
    parse_exception_call,
    parse_financial_year,
    parse_month,
    parse_number,
    parse_polarity,
    parse_published_value,
    parse_quarter,
    parse_rag_status,
    parse_trend,
    parse_yes_no,
)

ROOT = Path(__file__).resolve().parent.parent
SEED_REPORT = ROOT.parent / "shared" / "seeds" / "001_104b8f77d4b015be.txt"
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def month(year: int, month_number: int) -> Month:
    return Month(datetime.date(year, month_number, 1), is_year=False)


def year(year_number: int) -> Month:
    return Month(datetime.date(year_number, 1, 1), is_year=True)


def money(number: float, suffix: str | None, decimals: int) -> ParsedNumber:
    return ParsedNumber(number, suffix, is_percent=False, is_money=True, decimals=decimals)


def percent(number: float, decimals: int) -> ParsedNumber:
    return ParsedNumber(number, None, is_percent=True, is_money=False, decimals=decimals)


def count(number: float) -> ParsedNumber:
    return ParsedNumber(number, None, is_percent=False, is_money=False, decimals=0)


# --- Published values from the report's headline table ----------------------------------------

PUBLISHED_NUMBERS = [
    # text, value, unit, period
    ("4,872 (Jan 2018)", 4872.0, domain.COUNT, month(2018, 1)),
    ("5,369 (Jan 2019)", 5369.0, domain.COUNT, month(2019, 1)),
    ("806 (Jan 2018)", 806.0, domain.COUNT, month(2018, 1)),
    ("33.2% (Jan 18)", 33.2, domain.PERCENT, month(2018, 1)),
    ("32.7% (Jan 19)", 32.7, domain.PERCENT, month(2019, 1)),
    ("-78.4% (Jun 2018)", -78.4, domain.PERCENT, month(2018, 6)),
    ("89.4% (Sep 2018)", 89.4, domain.PERCENT, month(2018, 9)),
    ("46.0% (Dec 2018)", 46.0, domain.PERCENT, month(2018, 12)),
    ("4,872", 4872.0, domain.COUNT, None),
    ("2.5", 2.5, domain.NUMBER, None),
    ("£188,209k", 188209.0, domain.MONEY, None),
    ("£1.1m", 1100.0, domain.MONEY, None),
    ("£500", 0.5, domain.MONEY, None),
]


@pytest.mark.parametrize(("text", "value", "unit", "period"), PUBLISHED_NUMBERS)
def test_published_number(text: str, value: float, unit: str, period: Month | None) -> None:
    """A single published number gives its comparable value, unit, period and one part."""
    parsed = parse_published_value(text)
    assert parsed.value == pytest.approx(value)
    assert (parsed.unit, parsed.period, parsed.status, parsed.grade) == (unit, period, None, None)
    assert len(parsed.parts) == 1 and parsed.parts[0].label is None
    assert parsed.text == text


def test_published_percent_keeps_its_parts() -> None:
    """'33.2% (Jan 18)': the part records percent, decimals and no suffix."""
    assert parse_published_value("33.2% (Jan 18)").parts == (ValuePart(None, percent(33.2, 1)),)


@pytest.mark.parametrize(
    ("text", "grade", "score", "period"),
    [
        ("Requires Improvement (2017)", "Requires Improvement", 2, year(2017)),
        ("Good (2017)", "Good", 4, year(2017)),
        ("requires  improvement", "Requires Improvement", 2, None),
        ("OUTSTANDING (Mar 2019)", "Outstanding", 5, month(2019, 3)),
    ],
)
def test_published_grade(text: str, grade: str, score: int, period: Month | None) -> None:
    """Grades match case-insensitively, score by domain.grade_score, and keep a year period."""
    parsed = parse_published_value(text)
    assert (parsed.grade, parsed.value, parsed.unit, parsed.period) == (
        grade, float(score), domain.GRADE, period,
    )
    assert parsed.value == domain.grade_score(grade)
    assert parsed.status is None and parsed.parts == ()
    assert parsed.text == text


@pytest.mark.parametrize(
    ("text", "status", "period"),
    [
        ("Pending: (Apr 2019)", "Pending", month(2019, 4)),
        ("Pending (Apr 2019)", "Pending", month(2019, 4)),
        ("TBC", "TBC", None),
        ("  tbc ", "TBC", None),
        ("Pending:", "Pending", None),
        ("n/a", "N/A", None),
    ],
)
def test_published_status(text: str, status: str, period: Month | None) -> None:
    """A status stands in for a figure: no value, no unit, the period kept."""
    parsed = parse_published_value(text)
    assert (parsed.status, parsed.value, parsed.unit, parsed.period, parsed.parts) == (
        status, None, None, period, (),
    )
    assert parsed.text == text.strip()


@pytest.mark.parametrize(
    ("text", "revenue", "capital", "period"),
    [
        ("+£1.0m rev -£3.0m cap (Nov 2018)", 1.0, -3.0, month(2018, 11)),
        ("+£1.1m rev -£4.0m cap (Jan 2019)", 1.1, -4.0, month(2019, 1)),
    ],
)
def test_published_composite(text: str, revenue: float, capital: float, period: Month) -> None:
    """A composite keeps every labelled part and has no single value."""
    parsed = parse_published_value(text)
    assert parsed.value is None
    assert (parsed.unit, parsed.period, parsed.status) == (domain.MONEY, period, None)
    assert parsed.parts == (
        ValuePart("rev", money(revenue, "m", 1)),
        ValuePart("cap", money(capital, "m", 1)),
    )
    assert [part.number.in_thousands() for part in parsed.parts] == [revenue * 1000, capital * 1000]


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("5 a 2.5 b", domain.NUMBER),      # a count and a decimal number: both numbers
        ("5 a 7 b", domain.COUNT),
        ("£1.0m rev 5% cap", None),       # money and a percentage have no unit in common
        ("5% a 2 b", None),
    ],
)
def test_published_composite_unit(text: str, unit: str | None) -> None:
    """A composite has the unit its parts share; counts with decimals are numbers; mixed
    units (money and per cent) have none."""
    parsed = parse_published_value(text)
    assert (parsed.value, parsed.unit, len(parsed.parts)) == (None, unit, 2)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [("4,872:", 4872.0, domain.COUNT), ("Good:", 4.0, domain.GRADE), ("33.2% :", 33.2, domain.PERCENT)],
)
def test_published_value_trailing_colon_is_dropped(text: str, value: float, unit: str) -> None:
    """A value written as a heading ('4,872:') reads as the value; the text keeps the colon."""
    parsed = parse_published_value(text)
    assert (parsed.value, parsed.unit, parsed.text) == (value, unit, text)


@pytest.mark.parametrize("text", ["4,872X", ":4,872", "GoodX"])
def test_published_value_with_stray_characters_is_refused(text: str) -> None:
    """Only a trailing colon is dropped: a stray letter or a leading colon is not a value."""
    with pytest.raises(ParseError, match=r"is not a value such as"):
        parse_published_value(text)


# --- Trends ------------------------------------------------------------------------------------------

TRENDS = [
    # text, value, unit, decimals (in the value's unit: money is in £ thousands)
    ("+10.2%", 10.2, domain.PERCENT, 1),
    ("+9.3%", 9.3, domain.PERCENT, 1),
    ("↓ 0.5% pts", -0.5, "points", 1),
    ("↑ 2.1% pts", 2.1, "points", 1),
    ("↑ 0.4% pt", 0.4, "points", 1),
    ("-1.6% pts", -1.6, "points", 1),
    ("+5% pts", 5.0, "points", 0),
    ("-2.3% pts", -2.3, "points", 1),
    ("-2.7% pts", -2.7, "points", 1),
    ("-4.7%", -4.7, domain.PERCENT, 1),
    ("+33.5%", 33.5, domain.PERCENT, 1),
    ("-40.7%", -40.7, domain.PERCENT, 1),
    ("+11.6%", 11.6, domain.PERCENT, 1),
    ("↓ -0.5pp", -0.5, "points", 1),
    ("+1.2 percentage points", 1.2, "points", 1),
    ("+1 step", 1.0, "steps", 0),
    ("+£0.1m", 100.0, domain.MONEY, -2),
    ("+£52k", 52.0, domain.MONEY, 0),
    ("-£1.05m", -1050.0, domain.MONEY, -1),
    ("+£500", 0.5, domain.MONEY, 3),
    ("−3", -3.0, domain.NUMBER, 0),
    ("↑2.1% pts", 2.1, "points", 1),  # the arrow against the number
    ("↓0.5%", -0.5, domain.PERCENT, 1),
    ("↑ +2.1% pts", 2.1, "points", 1),  # an arrow and a sign that agree
    ("↓ −0.5% pts", -0.5, "points", 1),
]


@pytest.mark.parametrize(("text", "value", "unit", "decimals"), TRENDS)
def test_trend(text: str, value: float, unit: str, decimals: int) -> None:
    """A trend's signed value (arrows applied), unit and published decimals, counted in the
    value's unit so that the Check allows exactly the published rounding."""
    trend = parse_trend(text)
    assert trend.value == pytest.approx(value)
    assert (trend.unit, trend.decimals, trend.status, trend.text) == (unit, decimals, None, text)
    assert len(trend.parts) == 1


def test_trend_units_are_the_schema_trend_units() -> None:
    """Trend units are those measures.trend_unit documents."""
    assert {parse_trend(text).unit for text, *_ in TRENDS} == {
        "percent", "points", "money", "number", "steps",
    }


def test_trend_composite() -> None:
    """'+£0.1m -£1.0m' has two money parts and no single value."""
    trend = parse_trend("+£0.1m -£1.0m")
    assert (trend.value, trend.unit, trend.decimals, trend.status) == (None, domain.MONEY, None, None)
    assert trend.parts == (ValuePart(None, money(0.1, "m", 1)), ValuePart(None, money(-1.0, "m", 1)))


def test_trend_composite_keeps_its_text() -> None:
    assert parse_trend(" +£0.1m -£1.0m ").text == "+£0.1m -£1.0m"


def test_trend_part_is_the_number_as_written() -> None:
    """The part is the number without the arrow: '↓ 0.5% pts' has the part 0.5%."""
    assert parse_trend("↓ 0.5% pts").parts == (ValuePart(None, percent(0.5, 1)),)
    assert parse_trend("+£0.1m").parts == (ValuePart(None, money(0.1, "m", 1)),)


def test_trend_status() -> None:
    """'TBC' is a status, not a figure."""
    assert parse_trend("TBC").status == "TBC"
    assert parse_trend("TBC").value is None and parse_trend("TBC").parts == ()


@pytest.mark.parametrize(("text", "status"), [("TBC.", "TBC"), ("Pending:", "Pending"), ("n/a.", "N/A")])
def test_trend_status_with_trailing_punctuation(text: str, status: str) -> None:
    """A status trend may end in ':' or '.'; it keeps its text as published."""
    trend = parse_trend(text)
    assert (trend.status, trend.value, trend.unit, trend.text) == (status, None, None, text.strip())


def test_trend_zero_with_arrow_is_plain_zero() -> None:
    """'↓ 0.0% pts' is 0.0, not -0.0 (which would print as '-0.0')."""
    assert str(parse_trend("↓ 0.0% pts").value) == "0.0"


# --- Numbers ------------------------------------------------------------------------------------------

NUMBERS = [
    # text, number, suffix, is_percent, is_money, decimals, value, in_thousands
    ("£188,209k", 188209.0, "k", False, True, 0, 188_209_000.0, 188209.0),
    ("+£1.1m", 1.1, "m", False, True, 1, 1_100_000.0, 1100.0),
    ("£1.1m", 1.1, "m", False, True, 1, 1_100_000.0, 1100.0),
    ("188,209", 188209.0, None, False, False, 0, 188209.0, 188209.0),
    ("4,872", 4872.0, None, False, False, 0, 4872.0, 4872.0),
    ("-78.4%", -78.4, None, True, False, 1, -78.4, None),
    ("10.2%", 10.2, None, True, False, 1, 10.2, None),
    (" − 1,052K ", -1052.0, "k", False, False, 0, -1_052_000.0, -1052.0),
    ("-£3.98M", -3.98, "m", False, True, 2, -3_980_000.0, -3980.0),
    ("33.2 %", 33.2, None, True, False, 1, 33.2, None),
    (".5", 0.5, None, False, False, 1, 0.5, 0.5),
    ("£\u00a01,000", 1000.0, None, False, True, 0, 1000.0, 1000.0),
    ("-0", 0.0, None, False, False, 0, 0.0, 0.0),
]


@pytest.mark.parametrize(
    ("text", "number", "suffix", "is_percent", "is_money", "decimals", "value", "thousands"), NUMBERS
)
def test_number(
    text: str, number: float, suffix: str | None, is_percent: bool, is_money: bool,
    decimals: int, value: float, thousands: float | None,
) -> None:
    """Sign, £, thousands commas, decimals, k/m (any case), % and spaces around."""
    parsed = parse_number(text)
    assert parsed == ParsedNumber(number, suffix, is_percent, is_money, decimals)
    assert parsed.value == value
    if thousands is not None:
        assert parsed.in_thousands() == thousands


def test_number_zero_has_no_sign() -> None:
    """'-0' is 0.0, not -0.0."""
    assert str(parse_number("-0").number) == "0.0"


@pytest.mark.parametrize(
    "text",
    ["-", "", "   ", "abc", "1,2,3.4.5", "12%%", "1,00", "1.2.3", "£5%", "5k%", "£-5", "5 5",
     "1e5", "++5", "£", "%", "5mm", "(5)", "5\n", "٣"],
)
def test_number_rejects(text: str) -> None:
    """Malformed numbers raise ParseError; a lone '-' is not zero here (the loader decides)."""
    with pytest.raises(ParseError, match=r"is not a number such as 4,872, -78\.4%, \+£1\.1m"):
        parse_number(text)


# --- Errors: one per kind, with the message users read ---------------------------------------------


def test_parse_error_is_a_value_error_with_expected() -> None:
    """ParseError carries the text and, in words, what was expected."""
    with pytest.raises(ParseError) as caught:
        parse_month("Janu 2019")
    assert isinstance(caught.value, ValueError)
    assert caught.value.text == "Janu 2019"
    assert caught.value.expected == "a month such as 2019-01, Jan 2019 or January 2019"
    assert str(caught.value) == "'Janu 2019' is not a month such as 2019-01, Jan 2019 or January 2019"


def test_error_month_unrecognised() -> None:
    with pytest.raises(ParseError, match=r"^'13/2019' is not a month such as 2019-01, Jan 2019"):
        parse_month("13/2019")


def test_error_year_alone_not_allowed() -> None:
    with pytest.raises(ParseError, match=r"'2017': a year alone is not accepted here; give the month"):
        parse_month("2017")


def test_error_year_out_of_range() -> None:
    """DuckDB's %Y reads '19-01' as the year 19; Python refuses it by the year range too."""
    with pytest.raises(ParseError, match=r"the year is outside 1900-2099"):
        parse_month("0019-01")
    with pytest.raises(ParseError, match=r"the year is outside 1900-2099"):
        parse_month("1066", allow_year=True)


def test_error_month_or_year() -> None:
    with pytest.raises(ParseError, match=r"or a year such as 2017\)?$"):
        parse_month("soon", allow_year=True)


def test_error_date() -> None:
    with pytest.raises(ParseError, match=r"^'31/02/2019' is not a date such as 2019-02-14, 14/02/2019"):
        parse_date("31/02/2019")


def test_error_value_empty() -> None:
    with pytest.raises(ParseError, match=r"^'  ': the value is empty \(expected a value such as 4,872"):
        parse_published_value("  ")


def test_error_value_unrecognised() -> None:
    with pytest.raises(ParseError, match=r"^'Very good' is not a value such as 4,872, 33\.2%, £1\.1m, Good"):
        parse_published_value("Very good")


def test_error_value_bad_period() -> None:
    with pytest.raises(ParseError, match=r"the period in brackets 'last year' is not a month or a year"):
        parse_published_value("4,872 (last year)")


def test_error_value_period_without_value() -> None:
    with pytest.raises(ParseError, match=r"there is a period but no value before it"):
        parse_published_value("(Jan 2018)")


def test_error_value_dash_is_not_zero() -> None:
    with pytest.raises(ParseError, match=r"^'-' is not a value"):
        parse_published_value("-")


def test_error_trend_empty() -> None:
    with pytest.raises(ParseError, match=r"the trend is empty"):
        parse_trend("")


def test_error_trend_unrecognised() -> None:
    with pytest.raises(ParseError, match=r"^'up a bit' is not a trend such as \+10\.2%, ↓ 0\.5% pts"):
        parse_trend("up a bit")


@pytest.mark.parametrize(("text", "sign"), [("↓ +0.5%", "↓ contradicts the sign +"),
                                            ("↑ -2.1% pts", "↑ contradicts the sign -"),
                                            ("↑ −2.1% pts", "↑ contradicts the sign −")])
def test_error_trend_arrow_contradicts_sign(text: str, sign: str) -> None:
    with pytest.raises(ParseError, match=f"the arrow {sign}"):
        parse_trend(text)


@pytest.mark.parametrize("text", ["+£1.0m pts", "+£5 pts", "+5k pts", "+1m points"])
def test_error_trend_points_after_money(text: str) -> None:
    """Points follow a rate, never a sum of money or a k/m figure."""
    with pytest.raises(ParseError, match=r"'p(ts|oints)' cannot follow a sum of money or a k/m figure"):
        parse_trend(text)


def test_error_trend_steps_as_percent() -> None:
    with pytest.raises(ParseError, match=r"a change in steps cannot be a percentage"):
        parse_trend("+1% steps")


def test_error_trend_single_unlabelled_part_needs_a_unit() -> None:
    """An arrow with two numbers is not a composite trend."""
    with pytest.raises(ParseError, match=r"is not a trend"):
        parse_trend("↑ +£0.1m -£1.0m")


def test_error_in_thousands_of_a_percentage() -> None:
    with pytest.raises(ParseError, match=r"a percentage is not a sum of money"):
        parse_number("5%").in_thousands()


def test_error_quarter_unrecognised() -> None:
    with pytest.raises(ParseError, match=r"^'Q5 2018-19' is not a financial year and quarter such as 2018-19 Q3"):
        parse_quarter("Q5 2018-19")


@pytest.mark.parametrize("text", ["2018-20 Q1", "Q1 2018/2020", "2018-18 Q2"])
def test_error_quarter_years_not_consecutive(text: str) -> None:
    with pytest.raises(ParseError, match=r"a financial year runs from 2018 to 2019"):
        parse_quarter(text)


def test_error_financial_year() -> None:
    with pytest.raises(ParseError, match=r"^'2018' is not a financial year such as 2018-19"):
        parse_financial_year("2018")
    with pytest.raises(ParseError, match=r"a financial year runs from 2018 to 2019"):
        parse_financial_year("2018/2020")


def test_error_polarity_lists_accepted_words() -> None:
    expected = "one of " + ", ".join(list(domain.POLARITY_ALIASES)[:-1]) + " or neutral"
    with pytest.raises(ParseError, match=re.escape(f"'sideways' is not {expected}")):
        parse_polarity("sideways")


def test_error_rag_status() -> None:
    with pytest.raises(ParseError, match=r"is not a RAG status: one of G, A, R, W, Green, Amber, Red, White, NS or Not started"):
        parse_rag_status("Blue")


def test_error_yes_no() -> None:
    with pytest.raises(ParseError, match=r"^'maybe' is not yes or no \(also y/n, true/false, 1/0\)"):
        parse_yes_no("maybe")


def test_error_exception_call() -> None:
    with pytest.raises(ParseError, match=r"is not positive, negative or empty \(also pos, neg, \+, -\)"):
        parse_exception_call("good")


_DATE = "a date such as 2019-02-14, 14/02/2019 or 14.2.19 (day first), or a month such as Feb 2019"
_VALUE = ("a value such as 4,872, 33.2%, £1.1m, Good, Pending or TBC, "
          "optionally with its period in brackets, e.g. 4,872 (Jan 2018)")
_TREND = "a trend such as +10.2%, ↓ 0.5% pts, -1.6% pts, +£0.1m or TBC"
_FY = "a financial year such as 2018-19, 2018/19 or 2018/2019"
_QUARTER = "a financial year and quarter such as 2018-19 Q3 or Q3 2018-19"
_OUTSIDE = "the year is outside 1900-2099"


ERRORS = [
    # parser, text, expected (the loader shows it), reason (the loader adds it in brackets)
    (parse_date, "14/02/1899", _DATE, _OUTSIDE),
    (parse_date, "1066-01-01", _DATE, _OUTSIDE),
    (parse_date, "0019-01", _DATE, _OUTSIDE),  # not a date; as a month, out of range
    (parse_date, "2017", _DATE, "a year alone is not accepted here; give the month"),
    (parse_date, "31/02/2019", _DATE, None),
    (parse_number, "1,00", "a number such as 4,872, -78.4%, +£1.1m or £188,209k", None),
    (parse_published_value, "4,872 (last year)", _VALUE,
     "the period in brackets 'last year' is not a month or a year"),
    (parse_published_value, "(Jan 2018)", _VALUE, "there is a period but no value before it"),
    (parse_published_value, " ", _VALUE, "the value is empty"),
    (parse_trend, " ", _TREND, "the trend is empty"),
    (parse_trend, "+£1.0m pts", _TREND, "'pts' cannot follow a sum of money or a k/m figure"),
    (parse_trend, "+1% steps", _TREND, "a change in steps cannot be a percentage"),
    (parse_trend, "↑ −2.1% pts", _TREND, "the arrow ↑ contradicts the sign −"),
    (parse_trend, "↓ +0.5%", _TREND, "the arrow ↓ contradicts the sign +"),
    (parse_financial_year, "1899-00", _FY, _OUTSIDE),
    (parse_financial_year, "2018/2020", _FY, "a financial year runs from 2018 to 2019"),
    (parse_quarter, "2018-20 Q1", _QUARTER, "a financial year runs from 2018 to 2019"),
    (parse_quarter, "Q1 1899-00", _QUARTER, _OUTSIDE),
    (parse_rag_status, "Blue", "a RAG status: one of G, A, R, W, Green, Amber, Red, White, NS or Not started", None),
    (parse_exception_call, "good", "positive, negative or empty (also pos, neg, +, -)", None),
    (parse_yes_no, "maybe", "yes or no (also y/n, true/false, 1/0)", None),
]


@pytest.mark.parametrize(("parser", "text", "expected", "reason"), ERRORS,
                         ids=[f"{case[0].__name__}-{re.sub(r'[^0-9A-Za-z]+', '_', case[1]).strip('_') or 'blank'}"
                              for case in ERRORS])
def test_error_carries_the_text_what_was_expected_and_why(parser, text: str, expected: str,
                                                         reason: str | None) -> None:
    """Every error names the text as given, what was expected (the words the loader shows)
    and, when the text had the right shape, what exactly is wrong; the message says all three."""
    with pytest.raises(ParseError) as caught:
        parser(text)
    error = caught.value
    assert (error.text, error.expected, error.reason) == (text, expected, reason)
    if reason:
        assert str(error) == f"{text!r}: {reason} (expected {expected})"
    else:
        assert str(error) == f"{text!r} is not {expected}"


def test_error_in_thousands_quotes_the_percentage() -> None:
    """A percentage given for money: the error quotes the number with its % sign."""
    with pytest.raises(ParseError) as caught:
        parse_number("5%").in_thousands()
    assert str(caught.value) == ("'5.0%': a percentage is not a sum of money "
                                 "(expected a sum of money in £ thousands such as 188,209 or £1.1m)")


# --- Months, dates, quarters and vocabularies ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-01", month(2019, 1)), ("2019-01-31", month(2019, 1)), ("Jan 2019", month(2019, 1)),
        ("January 2019", month(2019, 1)), ("Jan 19", month(2019, 1)), ("Jan-19", month(2019, 1)),
        ("jan 18", month(2018, 1)), ("31/01/2019", month(2019, 1)), ("01/2019", month(2019, 1)),
        (" Sep 2018 ", month(2018, 9)), ("2019-01-01 00:00:00", month(2019, 1)),
    ],
)
def test_month_forms(text: str, expected: Month) -> None:
    """Every month form in the extract contract, and the day dropped from a full date."""
    assert parse_month(text) == expected


def test_year_alone_when_allowed() -> None:
    assert parse_month("2017", allow_year=True) == year(2017)
    assert parse_month("2017", allow_year=True).label == "2017"
    assert parse_month("Jan 18", allow_year=True).label == "Jan 2018"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-02-14", datetime.date(2019, 2, 14)), ("14/02/2019", datetime.date(2019, 2, 14)),
        ("14.02.2019", datetime.date(2019, 2, 14)), ("14.2.19", datetime.date(2019, 2, 14)),
        ("26.2.19", datetime.date(2019, 2, 26)), ("4/2/19", datetime.date(2019, 2, 4)),
        ("14 February 2019", datetime.date(2019, 2, 14)), ("Feb 2019", datetime.date(2019, 2, 1)),
        ("2019-02", datetime.date(2019, 2, 1)),
    ],
)
def test_date_forms(text: str, expected: datetime.date) -> None:
    """Update dates are day first (UK); a month stands for its first day."""
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "label", "start"),
    [
        ("2018-19 Q3", "2018-19 Q3", datetime.date(2018, 10, 1)),
        ("Q3 2018-19", "2018-19 Q3", datetime.date(2018, 10, 1)),
        ("2018/19 Q3", "2018-19 Q3", datetime.date(2018, 10, 1)),
        ("Q3 2018/19", "2018-19 Q3", datetime.date(2018, 10, 1)),
        ("q1 2019/2020", "2019-20 Q1", datetime.date(2019, 4, 1)),
        ("2019-20 Q4", "2019-20 Q4", datetime.date(2020, 1, 1)),
        ("2099-00 Q2", "2099-00 Q2", datetime.date(2099, 7, 1)),
    ],
)
def test_quarter_forms(text: str, label: str, start: datetime.date) -> None:
    """Financial years start 1 April; Q4 is January to March of the next calendar year."""
    assert parse_quarter(text) == (label, start)


@pytest.mark.parametrize("text", ["2018-19", "2018/19", "2018/2019", " 2018 - 2019 ", "FY2018-19"])
def test_financial_year_forms(text: str) -> None:
    assert parse_financial_year(text) == "2018-19"


@pytest.mark.parametrize("alias", list(domain.POLARITY_ALIASES))
def test_polarity_aliases(alias: str) -> None:
    assert parse_polarity(f" {alias.upper()} ") == domain.POLARITY_ALIASES[alias]


@pytest.mark.parametrize("alias", list(domain.RAG_ALIASES))
def test_rag_aliases(alias: str) -> None:
    assert parse_rag_status(alias.title()) == domain.RAG_ALIASES[alias]


@pytest.mark.parametrize(
    ("text", "answer"),
    [("yes", True), ("Y", True), ("TRUE", True), ("1", True), ("no", False), ("n", False),
     ("False", False), ("0", False)],
)
def test_yes_no(text: str, answer: bool) -> None:
    assert parse_yes_no(text) is answer


@pytest.mark.parametrize(
    ("text", "call"),
    [("positive", domain.POSITIVE), ("Pos", domain.POSITIVE), ("+", domain.POSITIVE),
     ("NEGATIVE", domain.NEGATIVE), ("neg", domain.NEGATIVE), ("-", domain.NEGATIVE),
     ("", None), ("  ", None)],
)
def test_exception_call(text: str, call: str | None) -> None:
    assert parse_exception_call(text) == call


# --- Every value in the project's sample extracts and in the source report ----------------------


def test_sample_extract_values_parse() -> None:
    """Every published value, trend, month and quarter in data/*.csv parses."""
    with open(ROOT / "data" / "measures.csv", encoding="utf-8-sig", newline="") as handle:
        measures = list(csv.DictReader(handle))
    assert measures
    for row in measures:
        parse_month(row["period"])
        parse_polarity(row["polarity"])
        for column in ("baseline", "current"):
            if row[column].strip():
                parse_published_value(row[column])
        for column in ("baseline_period", "current_period"):
            if row[column].strip():
                parse_month(row[column], allow_year=True)
        if row["trend"].strip():
            parse_trend(row["trend"])
        parse_exception_call(row["exception"])
    with open(ROOT / "data" / "deliverables.csv", encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            parse_quarter(row["quarter"])
            parse_rag_status(row["status"])
            if row["update_date"].strip():
                parse_date(row["update_date"])


def _report_table_cells(lines: list[str], header: str, columns: list[str]) -> list[str]:
    """Cells of the named columns in the markdown table that starts with `header`."""
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    names = [cell.strip() for cell in lines[start].strip().strip("|").split("|")]
    cells = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        row = [cell.strip() for cell in line.strip().strip("|").split("|")]
        cells += [row[names.index(column)] for column in columns]
    return cells


@pytest.mark.skipif(not SEED_REPORT.exists(), reason="the source reports are not shipped with the project")
def test_every_value_in_the_source_report_parses() -> None:
    """The report's headline table and exception tables parse in full, as published."""
    lines = SEED_REPORT.read_text(encoding="utf-8").splitlines()
    values = _report_table_cells(lines, "| Theme | Measure | Baseline", ["Baseline", "Current"])
    trends = _report_table_cells(lines, "| Theme | Measure | Baseline", ["Trend"])
    trends += _report_table_cells(lines, "| Theme | Measures | Current", ["Current"])
    trends += _report_table_cells(lines, "| Theme | Measures | Jan 2019", ["Jan 2019"])
    assert len(values) == 24 and len(trends) == 22
    parsed_values = [parse_published_value(text) for text in values]
    assert all(v.value is not None or v.status or len(v.parts) > 1 for v in parsed_values)
    parsed_trends = [parse_trend(text) for text in trends]
    assert all(t.value is not None or t.status or len(t.parts) > 1 for t in parsed_trends)


# --- Properties --------------------------------------------------------------------------------------


@FAST
@given(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.sampled_from(["", "£"]),
    st.sampled_from(["", "%", "k", "M"]),
    st.booleans(),
    st.booleans(),
)
def test_formatted_integer_round_trips(n: int, pound: str, suffix: str, plus: bool, spaced: bool) -> None:
    """Any integer written with commas and a sign, £, % or suffix parses back to itself."""
    if pound and suffix == "%":
        suffix = ""
    sign = "-" if n < 0 else ("+" if plus else "")
    text = f"{sign}{pound}{abs(n):,}{suffix}"
    text = f"  {text} " if spaced else text
    parsed = parse_number(text)
    multiplier = {"k": 1_000, "M": 1_000_000}.get(suffix, 1)
    assert parsed.number == n
    assert parsed.value == float(n * multiplier)
    assert (parsed.is_money, parsed.is_percent, parsed.decimals) == (bool(pound), suffix == "%", 0)


@FAST
@given(st.integers(min_value=-(10**9), max_value=10**9), st.integers(min_value=1, max_value=3))
def test_formatted_decimal_round_trips(hundredths: int, decimals: int) -> None:
    """A decimal number keeps its value and the decimals written."""
    number = hundredths / 100
    parsed = parse_number(f"{number:,.{decimals}f}%")
    assert parsed.number == pytest.approx(round(number, decimals))
    assert parsed.decimals == decimals and parsed.is_percent


def _month_strategy(fmt: str) -> st.SearchStrategy[datetime.date]:
    # A two-digit year means 1969-2068 in Python and DuckDB alike.
    low, high = (1969, 2068) if "%y" in fmt else YEAR_RANGE
    return st.dates(datetime.date(low, 1, 1), datetime.date(high, 12, 31))


@FAST
@given(st.data())
def test_every_month_format_round_trips(data: st.DataObject) -> None:
    """Any date written in any of MONTH_FORMATS parses back to its month."""
    fmt = data.draw(st.sampled_from(MONTH_FORMATS))
    day = data.draw(_month_strategy(fmt))
    assert parse_month(day.strftime(fmt)) == month(day.year, day.month)


@FAST
@given(st.integers(min_value=YEAR_RANGE[0], max_value=YEAR_RANGE[1] - 1), st.integers(1, 4),
       st.sampled_from(["{fy} Q{q}", "Q{q} {fy}", "{fy}, Q{q}", "Quarter {q} {fy}"]),
       st.sampled_from(["{y}-{yy}", "{y}/{yy}", "{y}/{y1}", "{y}-{y1}"]))
def test_quarter_round_trips(start: int, quarter: int, layout: str, fy_layout: str) -> None:
    """Every layout of a quarter gives one label, and the quarter's first day lies in it."""
    fy = fy_layout.format(y=start, yy=f"{(start + 1) % 100:02d}", y1=start + 1)
    label, first_day = parse_quarter(layout.format(fy=fy, q=quarter))
    assert label == f"{start}-{(start + 1) % 100:02d} Q{quarter}"
    assert parse_quarter(label) == (label, first_day)
    assert parse_financial_year(fy) == label[:7]
    # The financial year starts 1 April: the quarter's first day is 3*(q-1) months after it.
    months_after_april = (first_day.year - start) * 12 + first_day.month - 4
    assert months_after_april == 3 * (quarter - 1) and first_day.day == 1


@FAST
@given(st.text())
def test_parse_number_raises_only_parse_error(text: str) -> None:
    """Arbitrary text either parses or raises ParseError, never anything else."""
    try:
        parse_number(text)
    except ParseError:
        pass


@FAST
@given(st.text())
def test_other_parsers_raise_only_parse_error(text: str) -> None:
    """The same holds for every parser of a cell."""
    for parser in (parse_published_value, parse_trend, parse_month, parse_date, parse_quarter,
                   parse_financial_year, parse_polarity, parse_rag_status, parse_yes_no,
                   parse_exception_call):
        try:
            parser(text)
        except ParseError:
            pass


# --- Agreement with DuckDB, which the loader's SQL path uses -----------------------------------------


def _sample_months() -> list[tuple[str, str, datetime.date]]:
    years = [1969, 1999, 2000, 2017, 2018, 2019, 2068]
    return [
        (datetime.date(y, m, 28).strftime(fmt), fmt, datetime.date(y, m, 1))
        for fmt in MONTH_FORMATS for y in years for m in range(1, 13)
    ]


def test_month_formats_agree_with_duckdb() -> None:
    """Each MONTH_FORMATS entry gives the same month in DuckDB's try_strptime as in Python."""
    con = duckdb.connect()
    for fmt in MONTH_FORMATS:
        samples = [(text, first) for text, sample_fmt, first in _sample_months() if sample_fmt == fmt]
        rows = con.execute(  # DuckDB wants the format as a constant: one query per format
            "SELECT try_strptime(text, ?) FROM unnest(?) WITH ORDINALITY AS t(text, i) ORDER BY i",
            [fmt, [text for text, _ in samples]],
        ).fetchall()
        for (text, first), (parsed,) in zip(samples, rows, strict=True):
            assert parsed is not None, (text, fmt)
            assert (parsed.year, parsed.month) == (first.year, first.month), (text, fmt)
            assert parse_month(text).start == first


def test_month_format_list_in_order_agrees_with_duckdb() -> None:
    """Tried as one list, in order, DuckDB reads every form as Python does ('Jan 19' is 2019)."""
    samples = _sample_months() + [(t, "", month(2019, 1).start) for t in ("Jan 19", "Jan-19", "January 19")]
    con = duckdb.connect()
    rows = con.execute(
        "SELECT try_strptime(text, ?::VARCHAR[]) FROM unnest(?) WITH ORDINALITY AS t(text, i) ORDER BY i",
        [list(MONTH_FORMATS), [text for text, _, _ in samples]],
    ).fetchall()
    for (text, _, first), (parsed,) in zip(samples, rows, strict=True):
        assert (parsed.year, parsed.month) == (first.year, first.month), text


_MONTH_WORDS = ["Jan", "January", "feb", "Sept", "May", "2019", "31", "0019", "1899", "01", ""]
_MONTH_SEPARATORS = ["-", "/", " ", "\t", "", "  "]
_MONTH_NUMBERS = ["2019", "19", "01", "1", "9", "13", "29", "2100", "69", "68", "00", "01 00:00:00"]
_MONTH_TEXTS = st.builds(
    lambda *pieces: "".join(pieces),
    st.sampled_from(_MONTH_WORDS), st.sampled_from(_MONTH_SEPARATORS), st.sampled_from(_MONTH_NUMBERS),
    st.one_of(st.just(""), st.builds(str.__add__, st.sampled_from(_MONTH_SEPARATORS),
                                     st.sampled_from(_MONTH_NUMBERS))),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_MONTH_TEXTS, min_size=1, max_size=50))
@example(["Feb 1", "Jan-9", "31/01/9", "19-01", "Jan 19", "2019-1"])
def test_duckdb_reads_exactly_the_months_python_reads(texts: list[str]) -> None:
    """The loader's SQL path (MONTH_FORMATS in order, YEAR_RANGE, MONTH_SQL_REJECT_PATTERN)
    reads each text as parse_month does, or leaves it unread when parse_month refuses it."""
    con = duckdb.connect()
    rows = con.execute(
        "SELECT CASE WHEN NOT regexp_matches(text, ?) AND year(p) BETWEEN ? AND ? "
        "THEN date_trunc('month', p)::DATE END FROM (SELECT text, i, "
        "try_strptime(text, ?::VARCHAR[]) AS p FROM unnest(?) WITH ORDINALITY AS t(text, i)) ORDER BY i",
        [MONTH_SQL_REJECT_PATTERN, *YEAR_RANGE, list(MONTH_FORMATS), [t.strip() for t in texts]],
    ).fetchall()
    for text, (sql_month,) in zip(texts, rows, strict=True):
        try:
            python_month = parse_month(text).start
        except ParseError:
            python_month = None
        assert sql_month == python_month, text


_NUMBERISH = st.text(alphabet="0123456789,.+-−£kKmM% \t\u00a0x\n", max_size=12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(_NUMBERISH, st.from_regex(NUMBER_PATTERN, fullmatch=True)), min_size=1, max_size=40))
def test_number_pattern_in_duckdb_matches_what_parse_number_accepts(texts: list[str]) -> None:
    """DuckDB's regexp_full_match with NUMBER_PATTERN accepts exactly what parse_number does,
    and regexp_extract gives the same groups."""
    con = duckdb.connect()
    rows = con.execute(
        "SELECT regexp_full_match(text, ?), regexp_extract(text, ?, ?::VARCHAR[]) "
        "FROM unnest(?) WITH ORDINALITY AS t(text, i) ORDER BY i",
        [NUMBER_PATTERN, NUMBER_PATTERN, list(NUMBER_GROUPS), texts],
    ).fetchall()
    for text, (matched, groups) in zip(texts, rows, strict=True):
        try:
            parse_number(text)
            accepted = True
        except ParseError:
            accepted = False
        assert matched == accepted, text
        if accepted:
            python_groups = re.fullmatch(NUMBER_PATTERN, text).groups()
            assert tuple(groups[name] for name in NUMBER_GROUPS) == tuple(g or "" for g in python_groups)
