"""Checking the plan-framework extract (`framework*.csv`): a plan's strategic framework, theme
by theme: the 2016-18 Police and Crime Plan's activities (refs whose letter is the lead, the `*`
revised marker, pledge codes) and the 2019/20 delivery plan's objectives under their focus areas.

One row per plan + theme + ref. The activity's text is kept as published, pledge prefix and
all ('PL2: Re-commission ...'); the pledges it supports are a column of their own, and must
include the code the text opens with. The lead is derived from the ref's letter where the plan
uses letters (C Commissioner, F Force, P Partners); otherwise it is the lead column as
published, or none: a lead is never invented.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from dashboard import domain
from loaders import values
from loaders.contract import ERROR, LoadIssue

if TYPE_CHECKING:  # the row type lives with the other row builders, which import this module
    from loaders.reading import SourceFile
    from loaders.validate import Row

#: Columns of the `framework` table a row fills, in the order staged rows hold them.
FRAMEWORK_COLUMNS: tuple[str, ...] = (
    "plan", "plan_title", "theme_no", "theme", "focus_area", "ref", "lead", "lead_from_ref",
    "revised", "activity", "pledges",
)

#: A ref's letter and the lead it names, as the 2016-18 plan's table key gives them.
LEADS_BY_LETTER: dict[str, str] = {"C": "Commissioner", "F": "Force", "P": "Partners"}
_REF_RE = re.compile(r"(?P<letter>[A-Za-z]?)(?P<number>[0-9]{1,3})")
REF_EXPECTED = ("a reference whose letter is the lead, C (Commissioner), F (Force) or P (Partners), "
                "then its number, such as F03; or the objective's number, such as 4")

PLAN_EXPECTED = "the plan's years, such as 2016-18 or 2019-20 (also 2019/20)"
_PLAN_RE = re.compile(r"(?P<start>(?:19|20)[0-9]{2})\s*[-/–]\s*(?P<end>[0-9]{2}|[0-9]{4})")

#: Pledge codes as the plan writes them: PL1 to PL7, and Pledge 7's sub-codes PL7.1 to PL7.10
#: (the Nottingham Citizens' 10 Asks).
PLEDGE_COUNT = 7
SUB_CODED_PLEDGE = 7
SUB_CODES = 10
PLEDGE_CODES: tuple[str, ...] = tuple(
    [f"PL{n}" for n in range(1, PLEDGE_COUNT + 1)]
    + [f"PL{SUB_CODED_PLEDGE}.{k}" for k in range(1, SUB_CODES + 1)])
PLEDGE_SEPARATOR = ";"
_PLEDGE_SPLIT = re.compile(r"[;,\s]+")
PLEDGE_EXPECTED = (f"pledge codes PL1 to PL{PLEDGE_COUNT} or PL{SUB_CODED_PLEDGE}.1 to "
                   f"PL{SUB_CODED_PLEDGE}.{SUB_CODES}, separated by ; (or empty: no pledge)")
#: The code an activity's text opens with: 'PL2: ...', '*PL7.3. ...', '* PL7.2. ...', 'PL4 - New: ...'.
_OPENING_PLEDGE = re.compile(r"^\*?\s*(?P<code>PL[0-9]+(?:\.[0-9]+)?)(?![0-9])", re.IGNORECASE)

_REVISED_WORDS = {"*": True, "yes": True, "y": True, "true": True, "revised": True,
                  "no": False, "n": False, "false": False}
REVISED_EXPECTED = "* (the plan's revised marker) or yes, or empty when not revised"


def parse_plan(text: str) -> str:
    """'2019/20', '2019-20', '2016-2018' -> '2019-20', '2016-18'."""
    match = _PLAN_RE.fullmatch(text.strip())
    if match is None:
        raise values.ParseError(text, PLAN_EXPECTED)
    start, end = int(match["start"]), match["end"]
    last = int(end) if len(end) == 4 else (start // 100) * 100 + int(end)
    if last < start and len(end) == 2:
        last += 100
    if not start < last <= start + 10:
        raise values.ParseError(text, PLAN_EXPECTED, "the plan must end one to ten years after it starts")
    return f"{start}-{last % 100:02d}"


def parse_theme_no(text: str) -> int:
    """The theme's number in its plan: 1, 2, ... (also '1.' as headings print it)."""
    cleaned = text.strip().rstrip(".")
    if not cleaned.isdigit() or not 1 <= int(cleaned) <= 99:
        raise values.ParseError(text, "the theme's number in the plan, such as 1")
    return int(cleaned)


def parse_ref(text: str) -> tuple[str, str | None]:
    """'F03' -> ('F03', 'Force'); '4' -> ('4', None): the ref and the lead its letter names."""
    match = _REF_RE.fullmatch(text.strip())
    if match is None:
        raise values.ParseError(text, REF_EXPECTED)
    letter = match["letter"].upper()
    if letter and letter not in LEADS_BY_LETTER:
        raise values.ParseError(text, REF_EXPECTED, f"{letter} is not a lead's letter")
    return f"{letter}{match['number']}", LEADS_BY_LETTER.get(letter)


def parse_revised(text: str) -> bool:
    word = text.strip().lower()
    if word not in _REVISED_WORDS:
        raise values.ParseError(text, REVISED_EXPECTED)
    return _REVISED_WORDS[word]


def parse_pledges(text: str) -> str:
    """'PL2', 'PL4; PL7.3' -> 'PL2', 'PL4;PL7.3': each a published code, each once, in order."""
    codes = [part.upper() for part in _PLEDGE_SPLIT.split(text.strip()) if part]
    for code in codes:
        if code not in PLEDGE_CODES:
            raise values.ParseError(text, PLEDGE_EXPECTED, f"{code} is not one of the plan's pledge codes")
    if len(set(codes)) != len(codes):
        raise values.ParseError(text, PLEDGE_EXPECTED, "a pledge is named twice")
    return PLEDGE_SEPARATOR.join(codes)


def pledge_codes(stored: str | None) -> list[str]:
    """The codes of a stored `pledges` cell, in published order."""
    return [c for c in (stored or "").split(PLEDGE_SEPARATOR) if c]


def opening_pledge(activity: str) -> str | None:
    """The pledge code an activity's text opens with ('*PL7.3. Continue ...' -> 'PL7.3')."""
    match = _OPENING_PLEDGE.match(activity)
    return match["code"].upper() if match else None


def framework_row(row: Row) -> tuple[Any, ...] | None:
    """A `framework` row's values in FRAMEWORK_COLUMNS order, or None when a required cell failed."""
    plan = row.parse("plan", parse_plan, required=True)
    theme_no = row.parse("theme_no", parse_theme_no, required=True)
    theme = row.required("theme")
    parsed_ref = row.parse("ref", parse_ref, required=True)
    activity = row.required("activity")
    revised = row.parse("revised", parse_revised)
    pledges = row.parse("pledges", parse_pledges)
    lead = row.text("lead")
    from_ref = False
    if parsed_ref is not None and parsed_ref[1] is not None:
        derived = parsed_ref[1]
        if lead is not None and " ".join(lead.split()).lower() not in (derived.lower(), parsed_ref[0][0].lower()):
            row.error("lead", lead, f"{derived}, the lead the ref's letter names ({parsed_ref[0]}), or empty")
        lead, from_ref = derived, True
    pledges_failed = row.text("pledges") is not None and pledges is None   # already an error
    if activity is not None and not pledges_failed:
        opening = opening_pledge(activity)
        if opening is not None and opening not in pledge_codes(pledges):
            row.error("pledges", row.text("pledges") or "",
                      f"the pledge the activity's text opens with ({opening}), as published")
    if None in (plan, theme_no, theme, parsed_ref, activity):
        return None
    return (plan, row.text("plan_title"), theme_no, domain.canonical_theme(theme), row.text("focus_area"),
            parsed_ref[0], lead, from_ref, bool(revised), activity, pledges)


_COLUMN = {name: index for index, name in enumerate(FRAMEWORK_COLUMNS)}
_LINE = len(FRAMEWORK_COLUMNS) + 1   # staged rows end with source_file, source_line


def check_framework_file(source: SourceFile, rows: list[tuple[Any, ...]], issues: list[LoadIssue]) -> None:
    """Rules across rows: one title per plan and one name per theme of a plan, as the
    forward plan's sections have one title each."""
    titles: dict[str, tuple[str, int]] = {}
    themes: dict[tuple[str, int], tuple[str, int]] = {}
    for row in rows:
        plan, line = row[_COLUMN["plan"]], row[_LINE]
        title = row[_COLUMN["plan_title"]]
        if title is not None:
            known = titles.setdefault(plan, (title, line))
            if known[0] != title:
                issues.append(LoadIssue(source.name, line, "plan_title", title,
                                        f'the title line {known[1]} gives plan {plan} ("{known[0]}")', ERROR))
        theme = row[_COLUMN["theme"]]
        key = (plan, row[_COLUMN["theme_no"]])
        known = themes.setdefault(key, (theme, line))
        if known[0] != theme:
            issues.append(LoadIssue(source.name, line, "theme", theme,
                                    f'the name line {known[1]} gives theme {key[1]} of plan {plan} '
                                    f'("{known[0]}")', ERROR))
