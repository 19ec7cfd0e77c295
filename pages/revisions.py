"""Revisions: every change to every report published to the Panel, and a revised series as it
stood at publication beside the latest."""

from __future__ import annotations

import streamlit as st

from dashboard import db, measures, revision_views, revisions
from dashboard.charts import ChartMeta
from dashboard.domain import format_month
from dashboard.filters import format_period_param, parse_period_param
from loaders.publish import frozen_path
from ui.data import cached_frozen_query, cached_query, require_data
from ui.downloads import render_table_downloads
from ui.filters import linked_choice, linked_selectbox, share_hint
from ui.guide import how_to_read
from ui.published import PUBLISH_COMMAND
from ui.render import escape_markdown, show_caption, show_chart, show_report_table

PAGE = "revisions"

st.title("Revisions")
how_to_read(PAGE)
require_data()
published = cached_query(revisions.publications)
if published.empty:
    st.info("No report has been published to the Panel yet, so there is nothing to compare with. "
            "When a report goes to a Panel meeting, an analyst publishes it: the dashboard then keeps "
            "its figures as the Panel saw them, and any later change to them is listed here. To publish "
            "a report (its period and the meeting's date):")
    # no highlighting (its parameter colours fall below 4.5:1) and wrapped (no sideways scroll on a phone)
    st.code(PUBLISH_COMMAND, language=None, wrap_lines=True)
    st.stop()

periods = list(dict.fromkeys(p.date() if hasattr(p, "date") else p for p in published["period"]))
chosen = linked_choice(PAGE, "report", [format_period_param(p) for p in periods], "Report",
                       format_func=lambda p: f"Report to {format_month(parse_period_param(p))}")
share_hint()
period = parse_period_param(chosen) if chosen else None
found = cached_query(revisions.revisions, period)
if period is not None:
    published = published[[(p.date() if hasattr(p, "date") else p) == period for p in published["period"]]]
which = f"the report to {format_month(period)}" if period else "every published report"

st.header("Reports published to the Panel")
show_report_table(revision_views.publications_table(published, found),
                  f"Reports published to the Panel: {which}", row_header="Report")

st.header("Every change since publication")
if found.empty:
    st.success(f"No figure of {which} has been revised since it was published.")
    st.stop()
table = revision_views.revisions_table(found)
show_caption(f"{revision_views.count_text(len(table))} revised since publication "
             f"({'the report to ' + format_month(period) if period else 'all published reports'}): "
             "what the Panel was told, what it is now, and the load that changed it")
show_report_table(table, f"Revisions to {which}", row_header="Figure",
                  numeric=("Load",), wide=("Figure",))  # one: a wide column takes 36%, three overflow
render_table_downloads(table, f"Revisions to {which}", key="revisions-table")

st.header("Monthly series revised")
series = revision_views.revised_series(found)
if not series:
    st.caption(f"No monthly series month of {which} has been revised.")
    st.stop()
show_report_table(revision_views.revisions_table(found[found["table"] == "series"]),
                  f"Monthly series months revised in {which}", row_header="Figure", numeric=("Load",))
labels = {s.label(): s for s in series}
revised = labels[linked_selectbox("series", list(labels), "Series to draw", key=f"{PAGE}_series")]
publication = cached_query(revisions.latest_publication, revised.period)
frozen = frozen_path(db.database_path(), publication.frozen_file)
latest = cached_query(measures.query_series, revised.measure, revised.area, revised.period)
if not frozen.exists():
    st.warning(escape_markdown(f"The figures as reported for {format_month(revised.period)} are not kept "
                               "beside this database any more, so the series as it stood cannot be drawn."))
    st.stop()
reported = cached_frozen_query(frozen, measures.query_series, revised.measure, revised.area, revised.period)
unit = cached_query(revision_views.series_unit, revised.measure, revised.period)
month = format_month(revised.period)
meta = ChartMeta(
    title=f"{revised.measure}, {revised.area}: as reported and latest",
    subtitle=f"Monthly, to {month} · as {publication.told()} (dashed) and now (solid)",
    source=f"series extracts: load {publication.as_of_load_id} as reported, the latest load now",
    alt=f"Two lines of {revised.measure} in {revised.area} by month to {month}: as {publication.told()} "
        "(dashed, open diamonds) and the latest figures (solid, dots).",
)
show_chart(
    revision_views.build_series_revision_figure(reported, latest, meta, unit),
    revision_views.series_comparison(reported, latest, unit),
    key="revisions-series",
    caption=f"{revised.measure} · {revised.area} · to {month} · dashed: as {publication.told()}; solid: latest",
)
