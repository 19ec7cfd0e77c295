"""What each loaded report period holds, and which of them are the Panel's reports.

A period can be a Panel report (the Commissioner's update: headline measures across themes, the
analyst's exceptions, a front sheet) or a month that only holds figures imported from a series
extract (data.police.uk counts, say). With no period in the link the app opens on the latest
Panel report, so a reader lands on what the Panel was given, not on a month of raw counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from dashboard.db import as_date, query, table_exists
from dashboard.domain import format_month

_CONTENTS_SQL = """
SELECT period,
       count(*) FILTER (headline) AS headline_measures,
       count(DISTINCT theme) FILTER (headline) AS themes,
       count(*) FILTER (exception IS NOT NULL) AS exceptions
FROM measures
GROUP BY period
"""


@dataclass(frozen=True)
class PeriodContents:
    period: date
    headline_measures: int
    themes: int
    exceptions: int
    title: str | None         # the report's own title, from the report-details extract

    @property
    def is_panel_report(self) -> bool:
        """A report with a front sheet, or one that reports exceptions: the analyst wrote it for
        the Panel. A month of imported counts has headline figures but no exceptions."""
        return self.title is not None or self.exceptions > 0

    def describe(self) -> str:
        """'Jan 2019: Panel report, 12 headline measures in 4 themes, 6 exceptions'."""
        kind = "Panel report" if self.is_panel_report else "figures only, no exception report"
        measures = f"{self.headline_measures} headline measure{'' if self.headline_measures == 1 else 's'}"
        themes = f"{self.themes} theme{'' if self.themes == 1 else 's'}"
        exceptions = f"{self.exceptions} exception{'' if self.exceptions == 1 else 's'}"
        return f"{format_month(self.period)}: {kind}, {measures} in {themes}, {exceptions}"


def _report_titles(con: duckdb.DuckDBPyConnection) -> dict[date, str]:
    """Each period's report title; none before the report-details extract's table exists."""
    if not table_exists(con, "reports"):
        return {}
    titles = query(con, "SELECT period, title FROM reports WHERE title IS NOT NULL")
    return {as_date(p): str(t) for p, t in zip(titles["period"], titles["title"])}



def period_contents(con: duckdb.DuckDBPyConnection) -> list[PeriodContents]:
    """Every period with measures, latest first, with what it holds."""
    titles = _report_titles(con)
    rows = query(con, _CONTENTS_SQL)
    contents = [
        PeriodContents(
            period=as_date(row.period),
            headline_measures=int(row.headline_measures),
            themes=int(row.themes),
            exceptions=int(row.exceptions),
            title=titles.get(as_date(row.period)),
        )
        for row in rows.itertuples()
    ]
    return sorted(contents, key=lambda c: c.period, reverse=True)


def default_report_period(con: duckdb.DuckDBPyConnection) -> date | None:
    """The latest Panel report; the latest period when none is one; None when nothing is loaded."""
    contents = period_contents(con)
    reports = [c.period for c in contents if c.is_panel_report]
    if reports:
        return reports[0]
    return contents[0].period if contents else None


def report_name(con: duckdb.DuckDBPyConnection, period: date) -> str:
    """The report as the Panel knows it: its title, else 'Report to Jan 2019'."""
    return _report_titles(con).get(period) or f"Report to {format_month(period)}"
