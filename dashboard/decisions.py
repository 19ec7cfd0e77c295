"""The forward plan of key decisions for the OPCC and the Force (Appendix B of the May 2019
update report): sections, decisions, dates and costs as published.

Costs keep their published text; where the text gives an amount or a lower bound
(`>£250k`), the figure is shown beside it and a bound is always said to be one ("at least").
A section with nothing in it keeps its published words ("None to report."). Loaded from
`decisions*.csv` (loaders/decisions.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from dashboard import domain
from dashboard.db import query, table_exists

#: The plan's heading, as the appendix prints it.
PLAN_TITLE = "Decisions of Significant Public Interest: Forward Plan {month}"
#: Report-of choices, in the plan's own words.
REPORT_OF_CHOICES: tuple[str, ...] = ("OPCC", "Force")
#: "Next quarter": the three months after the report month (the plan is tabled after it).
NEXT_QUARTER_MONTHS = 3

#: The plan's columns, as its tables head them.
TABLE_COLUMNS: tuple[str, ...] = (
    "Ref", "Date", "Subject", "Summary of decision", "Cost (£) where available", "Cost as a figure",
    "Contact officer", "Report of OPCC / Force",
)


@dataclass(frozen=True)
class Section:
    """One section of the plan: its number, title, and either decisions or its published
    'None to report' words."""

    number: str
    title: str
    decisions: pd.DataFrame
    none_to_report: str | None

    @property
    def heading(self) -> str:
        return f"{self.number} {self.title}"


def _has_table(con: duckdb.DuckDBPyConnection) -> bool:
    """A database last loaded before the forward-plan extract existed has no table until its next load."""
    return table_exists(con, "decisions")


def list_periods(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Report periods with a forward plan loaded."""
    if not _has_table(con):
        return []
    df = query(con, "SELECT DISTINCT period FROM decisions ORDER BY period")
    return [pd.Timestamp(p).date() for p in df["period"]]


def period_shown(con: duckdb.DuckDBPyConnection, period: date) -> date | None:
    """The report period whose plan a report shows: `period`'s own, else the latest before it."""
    earlier = [p for p in list_periods(con) if p <= period]
    return earlier[-1] if earlier else None


def _ref_order(ref: str) -> tuple[int, int]:
    """'2.10' after '2.9'; a section's none-to-report row ('') first."""
    major, _, minor = ref.partition(".")
    return (int(major), int(minor)) if ref else (0, 0)


def query_decisions(con: duckdb.DuckDBPyConnection, period: date) -> pd.DataFrame:
    """Every row of `period`'s plan (decisions and none-to-report rows), in section and ref order."""
    columns = ["plan", "section", "section_title", "ref", "date_text", "date_from", "date_to", "subject",
               "summary", "cost_text", "cost_pounds", "cost_is_lower_bound", "contact", "report_of"]
    if not _has_table(con):
        return pd.DataFrame(columns=columns)
    df = query(con, f"SELECT {', '.join(columns)} FROM decisions WHERE period = ?", [period])
    for column in ("plan", "date_from", "date_to"):
        df[column] = pd.to_datetime(df[column])
    order = df.apply(lambda r: (float(r["section"]), *_ref_order(r["ref"])), axis=1) if len(df) else []
    return df.assign(_order=list(order)).sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)


def plan_title(decisions: pd.DataFrame) -> str:
    """'Decisions of Significant Public Interest: Forward Plan February 2019'."""
    if decisions.empty:
        return PLAN_TITLE.format(month="").strip()
    return PLAN_TITLE.format(month=f"{pd.Timestamp(decisions['plan'].iloc[0]):%B %Y}")


def sections(decisions: pd.DataFrame) -> list[Section]:
    """The plan's sections in order, each with its decisions or its 'None to report' words."""
    found = []
    for number, rows in decisions.groupby("section", sort=False):
        none = rows[rows["ref"] == ""]
        found.append(Section(str(number), str(rows["section_title"].iloc[0]), rows[rows["ref"] != ""],
                             str(none["subject"].iloc[0]) if not none.empty else None))
    return found


def format_cost_figure(pounds: object, is_lower_bound: object) -> str:
    """'£515,000', 'at least £250,000', or '–' where the published text gives no figure."""
    if pounds is None or pd.isna(pounds):
        return "–"
    amount = f"£{float(pounds):,.0f}"
    return f"at least {amount}" if bool(is_lower_bound) else amount


def decision_table(rows: pd.DataFrame) -> pd.DataFrame:
    """A section's decisions as the plan prints them, with the cost as a figure beside its text."""
    def text(column: str) -> list[str]:
        return [value if isinstance(value, str) and value else "–" for value in rows[column]]

    return pd.DataFrame({
        "Ref": rows["ref"].tolist(),
        "Date": text("date_text"),
        "Subject": text("subject"),
        "Summary of decision": text("summary"),
        "Cost (£) where available": text("cost_text"),
        "Cost as a figure": [format_cost_figure(p, b) for p, b in zip(rows["cost_pounds"], rows["cost_is_lower_bound"])],
        "Contact officer": text("contact"),
        "Report of OPCC / Force": text("report_of"),
    }, columns=list(TABLE_COLUMNS))


def filter_report_of(decisions: pd.DataFrame, report_of: str | None) -> pd.DataFrame:
    """Decisions reported by `report_of` (a joint 'Force/OPCC' one counts for both); the
    none-to-report rows stay, so their sections still show."""
    if report_of is None:
        return decisions
    keep = decisions["report_of"].fillna("").str.split("/").map(lambda parts: report_of in parts)
    return decisions[keep | (decisions["ref"] == "")]


def next_quarter(period: date) -> tuple[date, date]:
    """The first and last month of the three months after the report month."""
    start = pd.Timestamp(period) + pd.DateOffset(months=1)
    end = start + pd.DateOffset(months=NEXT_QUARTER_MONTHS - 1)
    return start.date().replace(day=1), end.date().replace(day=1)


def due_in(decisions: pd.DataFrame, first: date, last: date) -> pd.DataFrame:
    """Decisions whose date, or any month of its span, falls in first..last (TBC ones never do)."""
    dated = decisions[(decisions["ref"] != "") & decisions["date_from"].notna()]
    return dated[(dated["date_from"] <= pd.Timestamp(last)) & (dated["date_to"] >= pd.Timestamp(first))]


def undated(decisions: pd.DataFrame) -> pd.DataFrame:
    """Decisions dated TBC."""
    return decisions[(decisions["ref"] != "") & decisions["date_from"].isna()]


def _counts(decisions: pd.DataFrame, period: date) -> tuple[str, str]:
    """('21 decisions in 3 of the plan's 6 sections', '13 due in the next quarter (Feb 2019–Apr 2019), 4 dated TBC')."""
    first, last = next_quarter(period)
    listed = decisions[decisions["ref"] != ""]
    window = f"{domain.format_month(first)}–{domain.format_month(last)}"
    return (f"{len(listed)} decision{'s' if len(listed) != 1 else ''} in {listed['section'].nunique()} of the "
            f"plan's {decisions['section'].nunique()} sections",
            f"{len(due_in(decisions, first, last))} due in the next quarter ({window}), "
            f"{len(undated(decisions))} dated TBC")


def summary_line(decisions: pd.DataFrame, period: date) -> str:
    """'21 decisions in 3 of the plan's 6 sections: 13 due in the next quarter (Feb 2019–Apr 2019), 4 dated TBC.'"""
    listed, due = _counts(decisions, period)
    return f"{listed}: {due}."


def overview_line(con: duckdb.DuckDBPyConnection, period: date) -> str | None:
    """The Overview's line: decisions due in the next quarter, or None when the report has no plan."""
    if period not in list_periods(con):
        return None
    decisions = query_decisions(con, period)
    listed, due = _counts(decisions, period)
    month = f"{pd.Timestamp(decisions['plan'].iloc[0]):%B %Y}"
    return f"Forward plan of key decisions, {month}: {due} ({listed})."
