"""What each extract file must hold: its name, table, columns and key (docs/EXTRACTS.md).

The loader recognises a file by its name and checks its header against these specs; the
parsing rules for the values themselves live in `loaders.values`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from dashboard import domain


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    required: bool = False


@dataclass(frozen=True)
class FileKind:
    """One kind of extract: `prefix*.csv` files loaded into `table`, rows replaced by `key`."""

    prefix: str
    table: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


def _columns(required: str, optional: str = "") -> tuple[ColumnSpec, ...]:
    return tuple(ColumnSpec(n, True) for n in required.split()) + tuple(
        ColumnSpec(n) for n in optional.split()
    )


MEASURES = FileKind(
    prefix="measures",
    table="measures",
    columns=_columns(
        "period theme measure polarity",
        "unit baseline baseline_period current current_period trend headline exception comment "
        "exception_trend exception_comment",
    ),
    key=("period", "measure"),
)

SERIES = FileKind(
    prefix="series",
    table="series",
    columns=_columns("measure period value", "area"),
    key=("measure", "area", "period"),
)

DELIVERABLES = FileKind(
    prefix="deliverables",
    table="deliverables",
    columns=_columns(
        "plan quarter theme ref deliverable status", "organisation update update_date"
    ),
    key=("plan", "quarter", "theme", "ref"),
)

# budget and forecast_outturn must be present as columns but a cell may be empty when the
# row's variance is given (the report prints some lines with the variance alone).
BUDGET = FileKind(
    prefix="budget",
    table="budget",
    columns=_columns("financial_year period entity category budget forecast_outturn", "variance"),
    key=("financial_year", "period", "entity", "category"),
)

# The front sheet and opening sections of the paper a report period's panel pack becomes: one
# row per report period (the pack is that period's paper).
REPORTS = FileKind(
    prefix="reports",
    table="reports",
    columns=_columns(
        "period",
        "title paper_for public report_to meeting_date report_of author email other_contacts "
        "agenda_item purpose recommendations reasons summary headlines financial",
    ),
    key=("period",),
)

# The forward plan of key decisions a report appends: one row per decision, and one per section
# with nothing to report (ref empty), so such a section is shown, not dropped.
DECISIONS = FileKind(
    prefix="decisions",
    table="decisions",
    columns=_columns("period plan section section_title ref date subject",
                     "summary cost contact report_of"),
    key=("period", "section", "ref"),
)

# The estates update: sites sold and contracts exchanged, each list's total on a row of its
# own with site empty (the report publishes no receipt per site).
ESTATES = FileKind(
    prefix="estates",
    table="estates",
    columns=_columns("period list site",
                     "completion_date status proposed_use total_receipt"),
    key=("period", "list", "site"),
)

# A review's recommendations tracker: per reporting quarter each recommendation's status and
# update. The quarter is in the key, so a later quarter adds rows and keeps the earlier ones.
RECOMMENDATIONS = FileKind(
    prefix="recommendations",
    table="recommendations",
    columns=_columns("review theme ref recommendation lead_agencies quarter status", "update"),
    key=("review", "ref", "quarter"),
)

# A plan's strategic framework: its themes (and focus areas) and each activity or objective,
# with its lead, revised marker and pledges as published. Keyed within a plan's theme, since
# the 2016-18 plan's refs (C01, F01, ...) start again in every theme.
FRAMEWORK = FileKind(
    prefix="framework",
    table="framework",
    columns=_columns("plan theme_no theme ref activity", "plan_title focus_area lead revised pledges"),
    key=("plan", "theme_no", "ref"),
)

# A measure's target in its series' own units, from a month on (area empty: every area). The
# assurance compares it with the SPC process limits (dashboard/assurance.py).
TARGETS = FileKind(
    prefix="targets",
    table="targets",
    columns=_columns("measure target applies_from", "area source"),
    key=("measure", "area", "applies_from"),
)

# A known change to what a measure counts, from a month on (area empty: every area): the SPC
# limits are computed afresh from that month (NHSRplotthedots' rebase).
CHANGES = FileKind(
    prefix="changes",
    table="changes",
    columns=_columns("measure month reason", "area"),
    key=("measure", "area", "month"),
)

#: Load order: measures before series, so a series may name a measure loaded with it.
FILE_KINDS: tuple[FileKind, ...] = (MEASURES, SERIES, DELIVERABLES, BUDGET, REPORTS, RECOMMENDATIONS, DECISIONS,
                                    ESTATES, FRAMEWORK, TARGETS, CHANGES)

#: Area of a series row whose `area` is absent or empty.
DEFAULT_AREA = domain.FORCE_AREA


def kind_of(path: Path) -> FileKind | None:
    """The kind a file's name says it holds (`measures_2019q3.csv` is measures), else None."""
    name = path.name.lower()
    if not name.endswith(".csv"):
        return None
    for kind in FILE_KINDS:
        if name.startswith(kind.prefix):
            return kind
    return None


def normalise_header(name: str) -> str:
    """Header names match case-insensitively, trimmed; inner spaces count as `_`."""
    return "_".join(name.split()).lower()


ERROR = "error"
WARNING = "warning"

#: Issues listed one by one per file; past this the report counts the rest (a wrong column
#: in a million-row file would otherwise print a million lines).
MAX_LISTED_ISSUES = 1000

#: Columns a header may name, as many as an Excel sheet has (A to XFD); a wider header is an
#: error before its columns are looked at (a million of them would take minutes to read).
MAX_COLUMNS = 16_384

#: Control characters a cell may not hold: C0 controls but tab, line feed and carriage return
#: (the last two end lines, or sit inside quoted cells), and DEL.
CONTROL_CHARACTERS = "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]))
#: What a message shows escaped: control characters, and bytes that are not UTF-8 (decoded
#: with surrogateescape as U+DC80 to U+DCFF).
_SHOWN_ESCAPED = re.compile(f"[{re.escape(CONTROL_CHARACTERS)}\udc80-\udcff]")
#: Characters of a value a message prints; the rest is cut (the issue keeps the whole value).
MESSAGE_VALUE_CHARS = 200


def escaped(text: str) -> str:
    """`text` as a message shows it: control characters and bytes that are not UTF-8 as
    `\\x1b`, `\\xa3`, so that a value cannot move the terminal's cursor or hide its own bytes.
    Escaping twice changes nothing more."""
    return _SHOWN_ESCAPED.sub(lambda m: f"\\x{ord(m.group()) & 0xFF:02x}", text)


def _shown(value: str) -> str:
    value = escaped(value)
    return value if len(value) <= MESSAGE_VALUE_CHARS else value[:MESSAGE_VALUE_CHARS] + "…"


NO_HEADER = "expected a header line naming the columns (the file is empty)"


@dataclass(frozen=True)
class LoadIssue:
    """One problem found in a load: where it is, what was there, and what was expected.

    `line` is the file's physical line where the record starts (1 is the header); it is None
    for problems with a file as a whole, whose `expected` is then the whole sentence. For
    warnings, `expected` says what the loader did.
    """

    file: str
    line: int | None
    column: str | None
    value: str | None
    expected: str
    severity: str = ERROR

    @property
    def message(self) -> str:
        """One line: where, the value (control characters escaped, a long one cut) and what
        was expected. A file name or header cell cannot put escape codes in it either."""
        where = ", ".join(
            part
            for part in (
                escaped(self.file),
                f"line {self.line}" if self.line is not None else "",
                f"column {_shown(self.column)}" if self.column else "",
            )
            if part
        )
        if self.value is None:
            return f"{where}: {self.expected}"
        if self.severity == ERROR:
            return f'{where}: "{_shown(self.value)}": expected {self.expected}'
        return f'{where}: "{_shown(self.value)}": {self.expected}'
