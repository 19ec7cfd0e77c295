"""Decisions and estates: the forward plan of key decisions, and police station sites sold and
under contract with their published capital receipts."""

from __future__ import annotations

import streamlit as st

from dashboard import decisions, domain, estates, loads
from dashboard.charts import ChartMeta
from ui.data import cached_query, cached_view, require_data
from ui.filters import linked_selectbox, period_selector, share_hint
from ui.guide import how_to_read
from ui.render import escape_markdown, show_caption, show_chart, show_free_text, show_report_table
from ui.published import choose_figures, show_revisions
from ui.report import open_on_latest_report

ALL = "All"
ALL_DECISIONS, NEXT_QUARTER, DATED_TBC = "All decisions", "Due in the next quarter", "Dated TBC"

st.title("Decisions and estates")
how_to_read("decisions_estates")
require_data()
periods = sorted(set(cached_query(decisions.list_periods)) | set(cached_query(estates.list_periods)))
if not periods:
    st.info("No forward plan or estates extract is loaded yet. Upload decisions.csv or estates.csv on the Data page.")
    st.stop()
open_on_latest_report()
period = period_selector(periods, one_click=True)
figures = choose_figures(period)  # as reported: the queries below read the frozen report
show_revisions(figures, ("decisions", "estates"))
share_hint()

# --- Forward plan of key decisions ---
st.header("Forward plan of key decisions")
plan_period = cached_query(decisions.period_shown, period)
if plan_period is None:
    st.info(f"No forward plan is loaded for the report to {domain.format_month(period)} or earlier.")
else:
    plan = cached_query(decisions.query_decisions, plan_period)
    st.subheader(decisions.plan_title(plan))
    if plan_period != period:
        st.caption(f"No plan is loaded for {domain.format_month(period)}: this is the plan of the "
                   f"report to {domain.format_month(plan_period)}.")
    show_caption(decisions.summary_line(plan, period)
                 + f" Source: {cached_query(loads.describe_source, 'decisions')}.")
    left, right = st.columns(2)
    with left:
        report_of = linked_selectbox("report_of", [ALL, *decisions.REPORT_OF_CHOICES], "Report of",
                                     key="decisions_report_of")
    with right:
        when = linked_selectbox("when", [ALL_DECISIONS, NEXT_QUARTER, DATED_TBC], "Show", key="decisions_when")
    shown = decisions.filter_report_of(plan, None if report_of == ALL else report_of)
    first, last = decisions.next_quarter(period)
    if when == NEXT_QUARTER:
        keep = decisions.due_in(shown, first, last)
    elif when == DATED_TBC:
        keep = decisions.undated(shown)
    else:
        keep = shown
    scope = ", ".join(part for part in (
        None if report_of == ALL else f"reported by {report_of}",
        None if when == ALL_DECISIONS else when.lower()) if part) or "every decision"
    for section in cached_view(decisions.sections, plan):  # built once for every reader
        st.markdown(f"#### {escape_markdown(section.heading)}")
        rows = keep[keep["section"] == section.number]
        if section.none_to_report is not None:
            show_free_text(section.none_to_report)
        elif rows.empty:
            st.caption(escape_markdown(f"No decision in this section is {scope}."))
        else:
            show_report_table(cached_view(decisions.decision_table, rows), f"{section.heading}: {scope}",
                              row_header="Ref", wide=("Summary of decision",))
    st.caption("Costs are as published. Where the text gives an amount it is shown as a figure; "
               "where it gives a lower bound (>£250k) the figure is what it is at least. "
               "Other wording (Potentially over £250k, a business case in preparation) has no figure.")

# --- Estates ---
st.header("Estates")
estates_period = cached_query(estates.period_shown, period)
if estates_period is None:
    st.info(f"No estates list is loaded for the report to {domain.format_month(period)} or earlier.")
    st.stop()
found = cached_query(estates.query_estates, estates_period)
if estates_period != period:
    st.caption(f"No estates list is loaded for {domain.format_month(period)}: these are the lists of "
               f"the report to {domain.format_month(estates_period)}.")
source = cached_query(loads.describe_source, "estates")
for code, spec in estates.LISTS.items():
    st.subheader(spec.title)
    table = estates.list_table(found, code)
    if table.empty:
        st.caption("No site in this list.")
    else:
        show_report_table(table, spec.title, row_header=spec.columns[0])
    show_free_text(estates.total_line(found, code))
show_caption(f"Totals as published; the report gives no receipt per site. Source: {source}.")

if not estates.sites(found, estates.SOLD).empty:
    month = domain.format_month(estates_period)
    title = "Completed sales of police station sites since 1 April 2016"
    meta = ChartMeta(
        title=title,
        subtitle=f"Completion of sale, by site · report to {month}",
        source=source,
        alt=f"A timeline of the {len(estates.sites(found, estates.SOLD))} police station sites sold "
            f"since 1 April 2016, one row per site, placed at its completion date.",
    )
    show_chart(cached_view(estates.build_sales_timeline_figure, found, meta), cached_view(estates.timeline_table, found),
               key="estates-timeline", caption=f"Completion of sale per site · source: {source} · report to {month}")
