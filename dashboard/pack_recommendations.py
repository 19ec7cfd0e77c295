"""The panel pack's recommendations-tracker appendix, laid out as the tracker lays itself out:
one landscape table of Theme, Ref, Recommendation, Lead agencies, Status and the quarter's
update, each theme printed once beside its run of rows and the lead agencies one per line;
then the recommendations with no update in the latest quarter. Written into
`dashboard.pack`'s document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from dashboard import recommendations

if TYPE_CHECKING:   # pack imports this module
    from dashboard.pack import PackTable, _Doc

#: The tracker's six columns on a landscape page (25.7 cm of text): the update widest, as printed.
TRACKER_WIDTHS_CM = (2.4, 1.1, 6.3, 3.5, 2.2, 10.2)
#: The flagged recommendations' four columns, landscape.
FLAGGED_WIDTHS_CM = (1.1, 9.0, 3.5, 12.1)


@dataclass
class TrackerContent:
    """One review's tracker as a pack prints it: the quarter shown and its rows, the flagged."""

    review: str
    quarter: str
    rows: pd.DataFrame
    not_updated: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def title(self) -> str:
        return f"{self.review} Recommendations Tracker, {recommendations.quarter_words(self.quarter)}"


def gather_trackers(con: duckdb.DuckDBPyConnection, period: date) -> list[TrackerContent]:
    """Each review's latest quarter begun by the report month (a tracker later than the
    report's own month is not part of its paper)."""
    if not recommendations.has_recommendations(con):
        return []
    trackers = []
    for review in recommendations.list_reviews(con):
        quarter = recommendations.latest_quarter(con, review, by=period)
        if quarter is None:
            continue
        flagged = recommendations.query_not_updated(con, review)
        if not flagged.empty and str(flagged["latest_quarter"].iloc[0]) != quarter:
            # the flag speaks of the latest quarter loaded, which this paper does not show
            flagged = flagged.iloc[0:0]
        rows = recommendations.query_recommendations(con, review, quarter)
        trackers.append(TrackerContent(review, quarter, rows, flagged))
    return trackers


def tracker_table(tracker: TrackerContent) -> pd.DataFrame:
    """The tracker's table with its own column headings; lead agencies one per line."""
    table = recommendations.recommendations_table(tracker.rows, recommendations.quarter_words(tracker.quarter))
    table["Lead agencies"] = ["\n".join(leads) for leads in tracker.rows["leads"]]
    return table


def flagged_table(tracker: TrackerContent) -> pd.DataFrame:
    shown = recommendations.not_updated_table(tracker.not_updated)
    return shown[["Ref", "Recommendation", "Lead agencies", "Last update"]]


def write_tracker_appendix(doc: _Doc, tracker: TrackerContent, letter: str) -> None:
    """One review's tracker on landscape pages."""
    doc.new_section(landscape=True)
    doc.heading(f"Appendix {letter}: {tracker.title}", level=1)
    doc.paragraph(f"The tracker's recommendations and each one's update for {tracker.quarter}, as "
                  "published. A recommendation with several lead agencies lists each of them. "
                  "Where the tracker gives no status word the Status column says Not stated: no "
                  "status is inferred from the update.")
    doc.paragraph(recommendations.status_summary(tracker.rows) + ".")
    doc.table(tracker_table(tracker), widths_cm=TRACKER_WIDTHS_CM, merge_first_column=True)
    if not tracker.not_updated.empty:
        doc.heading(f"Recommendations with no update in {tracker.quarter}", level=2)
        doc.table(flagged_table(tracker), widths_cm=FLAGGED_WIDTHS_CM)


def tracker_tables(trackers: list[TrackerContent]) -> list[PackTable]:
    """The appendix's tables for the pack's ZIP."""
    from dashboard.charts import file_stem
    from dashboard.pack import PackTable

    tables = []
    for tracker in trackers:
        stem = file_stem(f"recommendations {tracker.review} {tracker.quarter}")
        tables.append(PackTable(stem, tracker_table(tracker)))
        if not tracker.not_updated.empty:
            tables.append(PackTable(f"{stem}-no-update", flagged_table(tracker)))
    return tables
