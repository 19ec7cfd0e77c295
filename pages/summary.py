"""Performance summary: every measure with a monthly series in the chosen area, its variation
and assurance as icon and words, filterable to concerns, improvements and failing targets, and
the counts by variation and assurance as a chart with its table."""

from __future__ import annotations

import streamlit as st

from dashboard import domain, summary
from dashboard.charts import ChartMeta
from dashboard.filters import PERIOD_PARAM, format_period_param
from ui.data import cached_query
from ui.filters import linked_choice
from ui.guide import how_to_read
from ui.render import escape_markdown, show_caption, show_chart, show_link_to, show_report_table
from ui.report import choose_report

PAGE = "summary"
VIEW_PARAM = "show"

st.title("Performance summary")
how_to_read(PAGE)
report = choose_report(with_area=True)
area = report.area or domain.FORCE_AREA
rows = cached_query(summary.query_summary, report.period, report.area, report.theme)
where = f"{area}" + (f", {report.theme}" if report.theme else "")

if rows.empty:
    latest = cached_query(summary.latest_series_month, report.area)
    if latest is None or latest <= report.period:
        st.info(escape_markdown(f"No measure has a monthly series for {where} up to {report.month}."))
    else:
        st.info(escape_markdown(f"No monthly series for {where} runs up to {report.month}: the series loaded "
                                f"begin later. The latest month they reach is {domain.format_month(latest)}."))
        show_link_to(f"pages/{PAGE}.py", f"Show the summary for {domain.format_month(latest)}",
                     {PERIOD_PARAM: format_period_param(latest)})
    st.stop()

counts = summary.view_counts(rows)
view = linked_choice(PAGE, VIEW_PARAM, list(summary.VIEWS), "Show",
                     format_func=lambda v: f"{summary.view_label(v)} ({counts[v]})")
shown = summary.filter_summary(rows, view)
sources = cached_query(summary.describe_source, report.area)
show_caption(f"{summary.describe_summary(rows)} Monthly series for {where}, up to {report.month}. "
             f"Source: {sources}")

st.header("Measures" if view is None else summary.view_label(view))
caption = (f"Performance summary: {where}, to {report.month}"
           + (f" ({summary.view_label(view).lower()})" if view else ""))
if shown.empty:
    st.info(f"No measure is among the {summary.view_label(view).lower()} for {where} in {report.month}.")
else:
    show_report_table(summary.summary_table(shown), caption, numeric=summary.FIGURE_COLUMNS,
                      icons=summary.table_icons(shown))
for note in summary.notes(shown):
    show_caption(f"⚠ {note}")

st.header("By variation and assurance")
matrix = summary.count_matrix(rows)
meta = ChartMeta(
    title=f"Measures by variation and assurance, {report.month}",
    subtitle=f"Monthly series, {where} · latest month's variation; assurance against the target",
    source=sources,
    alt=summary.describe_matrix(matrix),
)
show_chart(summary.build_matrix_figure(matrix, meta), summary.matrix_table(matrix), key="summary-matrix",
           caption=f"Measure: number of measures with a monthly series for {where}, by the latest month's "
                   f"variation and the assurance of their target (every measure, whatever the filter above). "
                   f"Source: {sources}. Report to {report.month}.")
