"""Checking the small extracts (measures, deliverables, budget) row by row.

Each cell goes through its parser in `loaders.values`; every problem becomes a `LoadIssue`
and checking goes on, so one load reports all its errors. Rows come out as tuples in the
order of `TABLE_COLUMNS`, ready to stage. The series extract, which can be millions of rows,
is checked in SQL instead (`loaders.series`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from dashboard import domain
from loaders import values
from loaders.contract import (
    BUDGET,
    CHANGES,
    DECISIONS,
    DELIVERABLES,
    ERROR,
    ESTATES,
    FRAMEWORK,
    MEASURES,
    NO_HEADER,
    RECOMMENDATIONS,
    REPORTS,
    TARGETS,
    WARNING,
    FileKind,
    LoadIssue,
)
from loaders.reading import (
    BrokenCsv,
    Header,
    Record,
    SourceFile,
    match_columns,
    read_header,
    records,
)
from loaders.recommendations import RECOMMENDATION_COLUMNS, recommendation_row
from loaders.decisions import DECISION_COLUMNS, check_decisions_file, decision_row
from loaders.estates import ESTATE_COLUMNS, check_estates_file, estate_row
from loaders.framework import FRAMEWORK_COLUMNS, check_framework_file, framework_row
from loaders.reports import REPORT_COLUMNS, report_row
from loaders.targets import TARGET_COLUMNS, target_row
from loaders.changes import CHANGE_COLUMNS, change_row

T = TypeVar("T")

#: Columns of each table a loader fills, in the order staged rows hold them (load_id is added
#: when the rows are written).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "measures": (
        "period", "theme", "measure", "polarity", "unit",
        "baseline_text", "baseline_value", "baseline_status", "baseline_period",
        "baseline_period_is_year",
        "current_text", "current_value", "current_status", "current_period",
        "current_period_is_year",
        "trend_text", "trend_value", "trend_unit", "trend_decimals",
        "headline", "exception", "comment",
        "exception_trend_text", "exception_trend_value", "exception_trend_unit",
        "exception_trend_decimals", "exception_comment", "source_file", "source_line",
    ),
    "deliverables": (
        "plan", "quarter", "quarter_start", "theme", "ref", "deliverable", "status",
        "organisation", "update", "update_date", "source_file", "source_line",
    ),
    "budget": (
        "financial_year", "period", "entity", "category", "budget", "forecast_outturn",
        "variance_published", "source_file", "source_line",
    ),
    "series": ("measure", "area", "period", "value", "source_file"),
    "reports": REPORT_COLUMNS + ("source_file", "source_line"),
    "decisions": DECISION_COLUMNS + ("source_file", "source_line"),
    "estates": ESTATE_COLUMNS + ("source_file", "source_line"),
    "recommendations": RECOMMENDATION_COLUMNS + ("source_file", "source_line"),
    "framework": FRAMEWORK_COLUMNS + ("source_file", "source_line"),
    "targets": TARGET_COLUMNS + ("source_file", "source_line"),
    "changes": CHANGE_COLUMNS + ("source_file", "source_line"),
}

#: Units whose values are plain numbers: either may be declared for the other.
_PLAIN_UNITS = {domain.COUNT, domain.NUMBER}
#: How a message names each unit.
_UNIT_WORDS: dict[str, str] = {
    domain.COUNT: "a count",
    domain.PERCENT: "a percentage",
    domain.MONEY: "a sum of money",
    domain.GRADE: "a grade",
    domain.NUMBER: "a number",
}
#: The report prints a zero amount as a dash.
_ZERO_DASHES = {"-", "–", "—"}


@dataclass
class CheckedFile:
    """A file read and checked: its rows (for the small kinds) and what was found."""

    source: SourceFile
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    rows_in_file: int = 0
    issues: list[LoadIssue] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(i.severity == ERROR for i in self.issues)


class Row:
    """One record's cells by column name, collecting the issues its parsers raise."""

    def __init__(self, source: SourceFile, record: Record, positions: dict[str, int],
                 issues: list[LoadIssue]) -> None:
        self.file = source.name
        self.line = record.line
        self._cells = record.cells
        self._positions = positions
        self._issues = issues

    def text(self, column: str) -> str | None:
        """The cell trimmed, or None when absent, empty or only spaces."""
        index = self._positions.get(column)
        if index is None or index >= len(self._cells):
            return None
        cell = self._cells[index].strip()
        return cell or None

    def error(self, column: str, value: str | None, expected: str) -> None:
        self._issues.append(LoadIssue(self.file, self.line, column, value, expected, ERROR))

    def warning(self, column: str, value: str | None, note: str) -> None:
        self._issues.append(LoadIssue(self.file, self.line, column, value, note, WARNING))

    def required(self, column: str) -> str | None:
        text = self.text(column)
        if text is None:
            self.error(column, "", "a value (the column is required)")
        return text

    def parse(self, column: str, parser: Callable[[str], T], required: bool = False) -> T | None:
        text = self.required(column) if required else self.text(column)
        if text is None:
            return None
        try:
            return parser(text)
        except values.ParseError as exc:
            self.error(column, text, expected_words(exc))
            return None


def expected_words(error: values.ParseError) -> str:
    """What was expected, and what exactly was wrong when the parser knows."""
    return f"{error.expected} ({error.reason})" if error.reason else error.expected


# --- measures -------------------------------------------------------------------------------------


def _value_period(row: Row, name: str, published: values.PublishedValue | None) -> values.Month | None:
    """The value's period: its own column, else the period in brackets after the value."""
    column = f"{name}_period"
    from_column = row.parse(column, lambda t: values.parse_month(t, allow_year=True))
    bracketed = published.period if published else None
    if from_column and bracketed and from_column != bracketed:
        row.warning(column, row.text(column),
                    f"differs from the period in brackets in {name} "
                    f"({published.text if published else ''}); the {column} column is used")
    return from_column or bracketed


def _check_unit(row: Row, declared: str | None, published: dict[str, values.PublishedValue | None]) -> str:
    """The measure's unit: as declared when the values agree, else inferred from them."""
    inferred = {name: pv.unit for name, pv in published.items() if pv is not None and pv.unit}
    if declared is not None:
        for name, unit in inferred.items():
            if unit != declared and not (unit in _PLAIN_UNITS and declared in _PLAIN_UNITS):
                row.error(name, published[name].text,
                          f"{_UNIT_WORDS[declared]}, as the unit column says "
                          f"(this reads as {_UNIT_WORDS[unit]})")
        return declared
    units = set(inferred.values())
    if len(units) > 1 and not units <= _PLAIN_UNITS:
        row.error("current", published["current"].text,
                  f"the same unit as the baseline ({_UNIT_WORDS[inferred['baseline']]}), "
                  f"not {_UNIT_WORDS[inferred['current']]}")
    if len(units) > 1:
        return domain.NUMBER  # a count and a decimal: both numbers
    for name in ("baseline", "current"):
        if name in inferred:
            return inferred[name]
    return domain.NUMBER


def _parse_unit(text: str) -> str:
    unit = text.strip().lower()
    if unit not in domain.UNITS:
        raise values.ParseError(text, "one of " + ", ".join(domain.UNITS))
    return unit


def _measure_row(row: Row) -> tuple[Any, ...] | None:
    period = row.parse("period", values.parse_month, required=True)
    theme = row.required("theme")
    measure = row.required("measure")
    polarity = row.parse("polarity", values.parse_polarity, required=True)
    declared_unit = row.parse("unit", _parse_unit)
    baseline = row.parse("baseline", values.parse_published_value)
    current = row.parse("current", values.parse_published_value)
    baseline_period = _value_period(row, "baseline", baseline)
    current_period = _value_period(row, "current", current)
    trend = row.parse("trend", values.parse_trend)
    headline = row.parse("headline", values.parse_yes_no)
    exception = row.parse("exception", values.parse_exception_call)
    # The exception table publishes its own figure, which need not be the headline table's
    # trend (serious sexual offences: -2.7% pts there, ↓ 0.5% pts in the headline table).
    exception_trend = row.parse("exception_trend", values.parse_trend)
    if exception is None:
        for column in ("exception_trend", "exception_comment"):
            if row.text(column) is not None:
                row.warning(column, row.text(column),
                            "is for an exception, but the exception column is empty; loaded, "
                            "and shown only once the row is called an exception")
    unit = _check_unit(row, declared_unit, {"baseline": baseline, "current": current})
    if period is None or theme is None or measure is None or polarity is None:
        return None
    return (
        period.start, domain.canonical_theme(theme), measure, polarity, unit,
        *_published_columns(baseline, baseline_period),
        *_published_columns(current, current_period),
        trend.text if trend else None,
        trend.value if trend else None,
        trend.unit if trend else None,
        trend.decimals if trend else None,
        True if headline is None else headline,
        exception,
        row.text("comment"),
        exception_trend.text if exception_trend else None,
        exception_trend.value if exception_trend else None,
        exception_trend.unit if exception_trend else None,
        exception_trend.decimals if exception_trend else None,
        row.text("exception_comment"),
    )


def _published_columns(pv: values.PublishedValue | None, period: values.Month | None) -> tuple[Any, ...]:
    return (
        pv.text if pv else None,
        pv.value if pv else None,
        pv.status if pv else None,
        period.start if period else None,
        period.is_year if period else None,
    )


# --- deliverables ---------------------------------------------------------------------------------


def _parse_update_date(text: str) -> date:
    """A full date, or a month where the update's heading gives only a month."""
    try:
        return values.parse_date(text)
    except values.ParseError as date_error:
        try:
            return values.parse_month(text).start
        except values.ParseError:
            raise date_error from None


def _deliverable_row(row: Row) -> tuple[Any, ...] | None:
    plan = row.required("plan")
    quarter = row.parse("quarter", values.parse_quarter, required=True)
    theme = row.required("theme")
    ref = row.required("ref")
    deliverable = row.required("deliverable")
    status = row.parse("status", values.parse_rag_status, required=True)
    update_date = row.parse("update_date", _parse_update_date)
    if None in (plan, quarter, theme, ref, deliverable, status):
        return None
    quarter_label, quarter_start = quarter
    return (
        plan, quarter_label, quarter_start, domain.canonical_theme(theme), ref, deliverable,
        status, row.text("organisation"), row.text("update"), update_date,
    )


# --- budget ---------------------------------------------------------------------------------------


def parse_amount_k(text: str) -> float:
    """An amount in £ thousands: `188,209`, `£188,209k`, `+£1.1m`, and `-` for zero."""
    if text.strip() in _ZERO_DASHES:
        return 0.0
    return values.parse_number(text).in_thousands()


def _parse_category(text: str) -> str:
    category = text.strip().lower()
    if category not in domain.BUDGET_CATEGORIES:
        raise values.ParseError(text, " or ".join(domain.BUDGET_CATEGORIES))
    return category


def _budget_row(row: Row) -> tuple[Any, ...] | None:
    financial_year = row.parse("financial_year", values.parse_financial_year, required=True)
    period = row.parse("period", values.parse_month, required=True)
    entity = row.required("entity")
    category = row.parse("category", _parse_category, required=True)
    budget = row.parse("budget", parse_amount_k)
    forecast = row.parse("forecast_outturn", parse_amount_k)
    variance = row.parse("variance", parse_amount_k)
    if variance is None and row.text("variance") is None and (
        row.text("budget") is None or row.text("forecast_outturn") is None
    ):
        missing = "budget" if row.text("budget") is None else "forecast_outturn"
        row.error("variance", "", f"a variance, because {missing} is empty")
    if None not in (budget, forecast, variance):
        computed = forecast - budget
        if abs(variance - computed) > domain.BUDGET_VARIANCE_TOLERANCE_K:
            row.warning("variance", row.text("variance"),
                        f"differs from forecast_outturn minus budget ({computed:,.0f}) by more "
                        f"than £{domain.BUDGET_VARIANCE_TOLERANCE_K:,.0f}k; loaded as published "
                        "and flagged on the dashboard")
    if None in (financial_year, period, entity, category):
        return None
    return (financial_year, period.start, entity, category, budget, forecast, variance)


# --- files ----------------------------------------------------------------------------------------

_ROW_BUILDERS: dict[str, Callable[[Row], tuple[Any, ...] | None]] = {
    MEASURES.table: _measure_row,
    DELIVERABLES.table: _deliverable_row,
    BUDGET.table: _budget_row,
    REPORTS.table: report_row,
    DECISIONS.table: decision_row,
    ESTATES.table: estate_row,
    RECOMMENDATIONS.table: recommendation_row,
    FRAMEWORK.table: framework_row,
    TARGETS.table: target_row,
    CHANGES.table: change_row,
}


#: Rules across the rows of one file (a section's title agreeing on every row, ...), run on
#: the rows that passed their own checks.
_FILE_CHECKS: dict[str, Callable[[SourceFile, list[tuple[Any, ...]], list[LoadIssue]], None]] = {
    DECISIONS.table: check_decisions_file,
    ESTATES.table: check_estates_file,
    FRAMEWORK.table: check_framework_file,
}


def check_small_file(source: SourceFile) -> CheckedFile:
    """Read and check a measures, deliverables or budget file, row by row."""
    checked = CheckedFile(source)
    warning = source.encoding_warning()
    if warning:
        checked.issues.append(warning)
    content_issues = source.content_issues()
    if content_issues:
        checked.issues.extend(content_issues)
        return checked
    try:
        all_records = list(records(source.text))
    except BrokenCsv as broken:
        checked.issues.append(broken.issue(source.name, _header_before(source, broken.line)))
        return checked
    header = read_header(source.text)
    if header is None:
        checked.issues.append(LoadIssue(source.name, None, None, None,
                                        NO_HEADER, ERROR))
        return checked
    positions, header_issues = match_columns(source, header)
    checked.issues.extend(header_issues)
    if checked.has_errors:
        return checked
    build = _ROW_BUILDERS[source.kind.table]
    first_line_of_key: dict[tuple[Any, ...], int] = {}
    for record in all_records[1:]:
        checked.rows_in_file += 1
        check_width(source, record, len(header.names), checked.issues)
        row = Row(source, record, positions, checked.issues)
        built = build(row)
        if built is None:
            continue
        built = (*built, source.name, record.line)
        key = _key_of(source.kind, built)
        if key in first_line_of_key:
            checked.issues.append(duplicate_issue(source, record.line, key, first_line_of_key[key]))
            continue
        first_line_of_key[key] = record.line
        checked.rows.append(built)
    check_rows = _FILE_CHECKS.get(source.kind.table)
    if check_rows is not None:
        check_rows(source, checked.rows, checked.issues)
    return checked


def _header_before(source: SourceFile, line: int) -> Header | None:
    """The header, when it is readable and above the broken record on `line`."""
    try:
        header = read_header(source.text)
    except BrokenCsv:
        return None
    return header if header is not None and header.line < line else None


def _key_of(kind: FileKind, row: tuple[Any, ...]) -> tuple[Any, ...]:
    columns = TABLE_COLUMNS[kind.table]
    return tuple(row[columns.index(k)] for k in kind.key)


def duplicate_issue(source: SourceFile, line: int, key: tuple[Any, ...], first_line: int) -> LoadIssue:
    shown = ", ".join(f"{name} {_show(value)}" for name, value in zip(source.kind.key, key))
    return LoadIssue(
        source.name, line, ", ".join(source.kind.key), shown,
        f"one row per {' + '.join(source.kind.key)}; line {line} repeats line {first_line}",
        ERROR,
    )


def _show(value: Any) -> str:
    if isinstance(value, date):
        return value.strftime("%Y-%m") if value.day == 1 else value.isoformat()
    return str(value)


def check_width(source: SourceFile, record: Record, width: int, issues: list[LoadIssue]) -> None:
    """A record with more cells than the header has columns lost a quote or gained a comma."""
    extra = [c for c in record.cells[width:] if c.strip()]
    if extra:
        issues.append(LoadIssue(
            source.name, record.line, None, ",".join(record.cells[width:]),
            f"at most {width} cells, as in the header (this row has {len(record.cells)}; "
            "a comma inside a value needs the value in double quotes)",
            ERROR,
        ))
