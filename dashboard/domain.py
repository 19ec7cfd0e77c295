"""The dashboard's vocabulary, defined once: themes, polarity, units, grades, RAG, formats.

Every other module (loaders, SQL views, figures, pages) takes these facts from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

# --- Strategic themes -------------------------------------------------------------------------

#: Display order of the Police and Crime Plan themes. Themes not listed sort after, by name.
THEME_ORDER: tuple[str, ...] = (
    "Protecting people from harm",
    "Helping and supporting victims",
    "Tackling crime and ASB",
    "Transformation and quality policing",
    "Transforming services",
)

#: Short names the reports use in their exception tables, mapped to the theme they abbreviate.
#: Keys are lower case; the loader matches case-insensitively.
THEME_ALIASES: dict[str, str] = {
    "protecting from harm": "Protecting people from harm",
    "supporting victims": "Helping and supporting victims",
    "tackling crime and asb": "Tackling crime and ASB",
    "quality policing": "Transformation and quality policing",
}


def canonical_theme(name: str) -> str:
    """The theme's canonical spelling: known names and aliases matched case-insensitively."""
    key = " ".join(name.split()).lower()
    for theme in THEME_ORDER:
        if theme.lower() == key:
            return theme
    return THEME_ALIASES.get(key, " ".join(name.split()))


def theme_sort_key(name: str) -> tuple[int, str]:
    """Sort key putting plan themes in plan order and any others after them."""
    try:
        return (THEME_ORDER.index(name), name)
    except ValueError:
        return (len(THEME_ORDER), name)


# --- Areas -------------------------------------------------------------------------------------------

#: The area of a series that covers the whole force; a series row with no area is this one.
FORCE_AREA = "Force"

# --- Polarity and direction ---------------------------------------------------------------------

HIGHER_IS_BETTER = "higher_is_better"
LOWER_IS_BETTER = "lower_is_better"
NEUTRAL = "neutral"
POLARITIES: tuple[str, ...] = (HIGHER_IS_BETTER, LOWER_IS_BETTER, NEUTRAL)
POLARITY_ALIASES: dict[str, str] = {
    "higher_is_better": HIGHER_IS_BETTER,
    "higher is better": HIGHER_IS_BETTER,
    "up": HIGHER_IS_BETTER,
    "lower_is_better": LOWER_IS_BETTER,
    "lower is better": LOWER_IS_BETTER,
    "down": LOWER_IS_BETTER,
    "neutral": NEUTRAL,
}

#: A measure's direction, as the `measure_changes` view (loaders/schema.py) computes it from the
#: change and the polarity.
BETTER = "better"
WORSE = "worse"
NO_CHANGE = "no change"
HIGHER = "higher"  # a neutral measure moved up: no judgement
LOWER = "lower"


@dataclass(frozen=True)
class DirectionStyle:
    label: str
    icon: str
    colour: str


#: Better/worse never rely on colour alone: each has a word and an icon. Colours are the
#: Okabe-Ito blue and vermillion (distinguishable with all common colour-vision deficiencies,
#: each at least 3:1 against white).
DIRECTION_STYLES: dict[str, DirectionStyle] = {
    BETTER: DirectionStyle("Better", "✔", "#0072B2"),
    WORSE: DirectionStyle("Worse", "✖", "#D55E00"),
    NO_CHANGE: DirectionStyle("No change", "=", "#595959"),
    HIGHER: DirectionStyle("Higher", "↑", "#595959"),
    LOWER: DirectionStyle("Lower", "↓", "#595959"),
}
NOT_COMPARABLE = DirectionStyle("Not comparable", "…", "#595959")


def direction_label(direction: str | None) -> str:
    """'✔ Better', '✖ Worse', ... ; the text that always goes with a direction colour."""
    style = DIRECTION_STYLES.get(direction or "", NOT_COMPARABLE)
    return f"{style.icon} {style.label}"


# --- Exceptions -----------------------------------------------------------------------------------

POSITIVE = "positive"
NEGATIVE = "negative"
EXCEPTION_KINDS: tuple[str, ...] = (POSITIVE, NEGATIVE)
EXCEPTION_STYLES: dict[str, DirectionStyle] = {
    POSITIVE: DirectionStyle("Positive exception", "✔", DIRECTION_STYLES[BETTER].colour),
    NEGATIVE: DirectionStyle("Negative exception", "✖", DIRECTION_STYLES[WORSE].colour),
}

# --- Units and how they change ---------------------------------------------------------------------

COUNT = "count"
PERCENT = "percent"
MONEY = "money"
GRADE = "grade"
NUMBER = "number"
UNITS: tuple[str, ...] = (COUNT, PERCENT, MONEY, GRADE, NUMBER)

#: How a change is measured per unit: percentages in points, grades in steps, others in per cent.
CHANGE_UNIT: dict[str, str] = {
    COUNT: "percent",
    MONEY: "percent",
    NUMBER: "percent",
    PERCENT: "points",
    GRADE: "steps",
}

# --- HMICFRS PEEL grades: ordinal, best first ------------------------------------------------------

GRADES: tuple[str, ...] = ("Outstanding", "Good", "Adequate", "Requires Improvement", "Inadequate")


def grade_score(grade: str) -> int:
    """Ordinal score, 5 for Outstanding down to 1 for Inadequate, so a rise is an improvement."""
    return len(GRADES) - GRADES.index(grade)


#: Values that stand in for a figure not yet available.
VALUE_STATUSES: dict[str, str] = {"pending": "Pending", "tbc": "TBC", "n/a": "N/A"}

# --- Delivery-plan RAG status --------------------------------------------------------------------


@dataclass(frozen=True)
class RagStatus:
    code: str
    label: str
    meaning: str
    icon: str
    colour: str
    order: int


#: Colours keep the RAG convention but are darkened to 3:1 against white; every use also
#: shows the label or the icon, so colour is never the only cue. White (not started) cannot
#: be drawn white on white: it is a mid grey with a hollow icon.
RAG_STATUSES: tuple[RagStatus, ...] = (
    RagStatus("G", "Green", "Achieved or adequate progress being made", "●", "#1E7B34", 0),
    RagStatus("A", "Amber", "Started but inadequate progress, or risk it won't be achieved", "▲", "#B25E00", 1),
    RagStatus("R", "Red", "Unachieved, or strongly likely it won't be achieved", "■", "#C0282D", 2),
    RagStatus("W", "White", "Not started but planned for a later quarter", "○", "#6B6B6B", 3),
)
RAG_BY_CODE: dict[str, RagStatus] = {s.code: s for s in RAG_STATUSES}
RAG_ALIASES: dict[str, str] = {
    "g": "G", "green": "G",
    "a": "A", "amber": "A",
    "r": "R", "red": "R",
    "w": "W", "white": "W", "ns": "W", "not started": "W", "white (ns)": "W",
}


def rag_label(code: str) -> str:
    """'● Green' and so on: icon and word, never colour alone."""
    status = RAG_BY_CODE[code]
    return f"{status.icon} {status.label}"


def rag_summary_text(count: int, total: int) -> str:
    """The report's own wording of a RAG count: '14/14 (100%)'."""
    pct = round(100 * count / total) if total else 0
    return f"{count}/{total} ({pct}%)"


# --- Recommendations tracker ----------------------------------------------------------------------


@dataclass(frozen=True)
class RecommendationStatus:
    code: str
    label: str
    meaning: str
    icon: str
    colour: str
    order: int


#: The status of a recommendation in a reporting period, as the tracker states it. Where the
#: tracker prints no status word the row is `not stated`: the dashboard shows that, and never
#: guesses a status from the update's wording. Colours are Okabe-Ito, 3:1 against white, and
#: always shown with the icon and the word.
NOT_STATED = "not stated"
RECOMMENDATION_STATUSES: tuple[RecommendationStatus, ...] = (
    RecommendationStatus("complete", "Complete", "The recommendation has been implemented", "✔", "#1E7B34", 0),
    RecommendationStatus("on track", "On track", "Work is under way and progressing as planned", "●", "#0072B2", 1),
    RecommendationStatus("delayed", "Delayed", "Work is behind plan or at risk", "▲", "#B25E00", 2),
    RecommendationStatus("not started", "Not started", "Work has not yet begun", "○", "#6A3D9A", 3),
    RecommendationStatus(NOT_STATED, "Not stated", "The tracker gives no status word for this period; "
                         "none is derived from the update", "–", "#6B6B6B", 4),
)
RECOMMENDATION_STATUS_BY_CODE: dict[str, RecommendationStatus] = {s.code: s for s in RECOMMENDATION_STATUSES}
RECOMMENDATION_STATUS_ALIASES: dict[str, str] = {
    "complete": "complete", "completed": "complete", "achieved": "complete", "implemented": "complete",
    "done": "complete",
    "on track": "on track", "in progress": "on track", "ongoing": "on track",
    "delayed": "delayed", "behind": "delayed", "at risk": "delayed", "off track": "delayed",
    "not started": "not started", "not yet started": "not started",
    "not stated": NOT_STATED,
}


def recommendation_status_label(code: str) -> str:
    """'✔ Complete', '– Not stated': icon and word, never colour alone."""
    status = RECOMMENDATION_STATUS_BY_CODE[code]
    return f"{status.icon} {status.label}"


# --- Budget -------------------------------------------------------------------------------------------

BUDGET_CATEGORIES: tuple[str, ...] = ("revenue", "capital")
#: A published variance further than this from forecast minus budget (in £ thousands) is flagged.
BUDGET_VARIANCE_TOLERANCE_K = 1.0
#: A variance's label, as the `budget_variance` view (loaders/schema.py) gives it.
OVERSPEND = "overspend"
UNDERSPEND = "underspend"
ON_BUDGET = "on budget"


# --- Number formats -------------------------------------------------------------------------------


def format_value(value: float | None, unit: str) -> str:
    """A figure as the reports print it: 4,872 / 33.2% / £1,052k / Good."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == PERCENT:
        return f"{value:,.1f}%"
    if unit == MONEY:
        return format_money_k(value)
    if unit == GRADE:
        score = int(round(value))
        return GRADES[len(GRADES) - score] if 1 <= score <= len(GRADES) else "–"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def format_money_k(value_k: float | None, signed: bool = False) -> str:
    """Money held in £ thousands: £188,209k, or £1.1m from a million up."""
    if value_k is None or (isinstance(value_k, float) and math.isnan(value_k)):
        return "–"
    sign = "-" if value_k < 0 else ("+" if signed and value_k > 0 else "")
    magnitude = abs(value_k)
    if magnitude >= 1000:
        return f"{sign}£{magnitude / 1000:,.1f}m"
    return f"{sign}£{magnitude:,.0f}k"


def format_change(change: float | None, change_unit: str) -> str:
    """A computed change with its sign and unit: +10.2%, -2.7 pts, +1 step."""
    if change is None or (isinstance(change, float) and math.isnan(change)):
        return "–"
    if change_unit == "points":
        return f"{change:+.1f} pts"
    if change_unit == "steps":
        steps = int(round(change))
        return f"{steps:+d} step" + ("" if abs(steps) == 1 else "s")
    return f"{change:+.1f}%"


def format_month(month: date | None, year_only: bool = False) -> str:
    """A report month as the reports print it: 'Jan 2019' (or '2017' for a year's figure)."""
    if month is None or month != month:  # None, or a missing date (NaT is unequal to itself)
        return "–"
    return f"{month.year}" if year_only else month.strftime("%b %Y")


def format_loaded_at(moment: datetime) -> str:
    """When a file was loaded, as captions give it: '24 Nov 2026 21:51 UTC'."""
    return f"{moment:%d %b %Y %H:%M} UTC"
