"""The panel pack's plan-framework appendix, laid out as the plan lays itself out: a table per
theme, the focus area printed once beside its objectives (the 2019/20 delivery plan), each
activity's ref, lead, revised marker and pledges where the plan publishes them (the 2016-18
plan), the text as published, and the latest delivery-plan status of the deliverable it
matches. Written into `dashboard.pack`'s document, like dashboard/pack_records.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from dashboard import framework

if TYPE_CHECKING:   # pack would import this module
    from dashboard.pack import PackTable, _Doc

#: Landscape text width (dashboard.pack.LANDSCAPE_TEXT_CM): the framework's text column takes
#: what the other columns leave.
TEXT_WIDTH_CM = 25.7
#: Widths of the columns beside the text, as the plans print them.
COLUMN_WIDTHS_CM: dict[str, float] = {
    "Focus area": 6.0, "Ref": 1.3, "Lead": 2.6, "Revised": 1.9, "Pledges": 1.9, "Delivery plan status": 5.0,
}


@dataclass
class FrameworkContent:
    """One plan's framework as a pack prints it: its title and its rows with their linked status."""

    plan: str
    title: str
    linked: pd.DataFrame

    @property
    def heading(self) -> str:
        return f"Plan Framework: {self.title}"


def plan_for_period(con: duckdb.DuckDBPyConnection, period: date) -> str | None:
    """The plan a paper for `period` presents: the latest loaded plan in force in the report's
    financial year or the next (the May 2019 paper, to January 2019, appends the 2019/20
    delivery plan it was revised for); None when no loaded plan covers either (a 2024 paper
    does not append a plan that ended in 2020)."""
    if not framework.has_framework(con):
        return None
    year = period.year if period.month >= 4 else period.year - 1   # the report's financial year
    covering = [plan for plan in framework.list_plans(con) if _covers(plan, year) or _covers(plan, year + 1)]
    return max(covering) if covering else None


def _covers(plan: str, financial_year: int) -> bool:
    """'2016-18' is in force in the financial years beginning 2016 and 2017; '2019-20' in 2019."""
    start = int(plan[:4])
    end = (start // 100) * 100 + int(plan[-2:])
    end += 100 if end <= start else 0
    return start <= financial_year < end


def gather_framework(con: duckdb.DuckDBPyConnection, period: date) -> list[FrameworkContent]:
    """The plan framework of the paper for `period`, if one is loaded (a list, as trackers are)."""
    plan = plan_for_period(con, period)
    if plan is None:
        return []
    linked = framework.query_linked(con, plan)
    titles = linked["plan_title"].dropna()
    return [FrameworkContent(plan, str(titles.iloc[0]) if len(titles) else f"{plan} plan", linked)]


def theme_table(rows: pd.DataFrame) -> pd.DataFrame:
    """One theme's rows with the columns the plan publishes (focus area first where it has them)."""
    table = framework.framework_table(rows)
    if rows["focus_area"].notna().any():
        table.insert(0, "Focus area", rows["focus_area"].fillna("–").tolist())
    if not rows["lead"].notna().any():
        table = table.drop(columns="Lead")
    if not rows["revised"].astype(bool).any():
        table = table.drop(columns="Revised")
    if not any(rows["pledge_list"]):
        table = table.drop(columns="Pledges")
    return table


def widths_cm(table: pd.DataFrame) -> tuple[float, ...]:
    """Fixed widths filling the landscape page: the text column is what the others leave."""
    fixed = sum(COLUMN_WIDTHS_CM.get(str(c), 0.0) for c in table.columns)
    return tuple(COLUMN_WIDTHS_CM.get(str(c), TEXT_WIDTH_CM - fixed) for c in table.columns)


def write_framework_appendix(doc: _Doc, content: FrameworkContent, letter: str) -> None:
    """The plan's framework on landscape pages, a table per theme."""
    linked = content.linked
    words = framework.item_words(linked)
    doc.new_section(landscape=True)
    doc.heading(f"Appendix {letter}: {content.heading}", level=1)
    doc.paragraph(f"The plan's {words[1]} theme by theme, as published. "
                  + ("A ref's letter is its lead: C the Commissioner, F the Force, P partners; * marks an "
                     "activity revised to support a new pledge; PL1 to PL7 are the Commissioner's pledges. "
                     if linked["lead"].notna().any() else "")
                  + "Where a delivery-plan deliverable of the same plan and theme has the same ref or the same "
                    "text, its latest RAG status is shown.")
    doc.paragraph(framework.summary_line(linked) + " " + framework.link_summary(linked, content.plan))
    for number, name in framework.themes(linked):
        doc.heading(framework.theme_label(number, name), level=2)
        rows = linked[linked["theme_no"].astype(int) == number]
        table = theme_table(rows)
        doc.table(table, widths_cm=widths_cm(table), merge_first_column="Focus area" in table.columns)


def framework_tables(contents: list[FrameworkContent]) -> list[PackTable]:
    """The appendix's table for the pack's ZIP: every theme's rows, with their theme."""
    from dashboard.charts import file_stem
    from dashboard.pack import PackTable

    return [PackTable(file_stem(f"framework {content.plan}"), framework.framework_table(content.linked, with_theme=True))
            for content in contents]
