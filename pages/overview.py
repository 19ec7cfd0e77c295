"""Overview: for the chosen report, per theme: directions, exceptions, delivery RAG, budget."""

import streamlit as st

from dashboard import budget, decisions, delivery, estates, framework, loads, measures, recommendations
from dashboard import periods as report_periods
from dashboard.charts import ChartMeta
from dashboard.domain import format_month
from dashboard.figures import build_direction_summary_figure
from ui.data import cached_query, cached_view
from ui.render import show_caption, show_chart, show_report_table
from ui.guide import how_to_read, show_glossary, show_source
from ui.published import show_revisions
from ui.report import choose_report

METRICS_PER_ROW = 4

st.title("Overview")
how_to_read("overview")
report = choose_report()
period, month, theme = report.period, report.month, report.theme
provenance = cached_query(measures.describe_measures_source, period, theme)
show_caption(f"Report to {month}" + (f" · {theme}" if theme else " · all themes"))
show_source(cached_query(report_periods.report_name, period), provenance)
show_revisions(report.figures)  # every record the report holds

summary = cached_query(measures.query_theme_summary, period)
if theme:
    summary = summary[summary["theme"] == theme].reset_index(drop=True)

counts = list(measures.headline_counts(summary).items())
# Four to a row, so each label is read whole on a laptop; a phone stacks them.
for start in range(0, len(counts), METRICS_PER_ROW):
    for column, (label, total) in zip(st.columns(METRICS_PER_ROW), counts[start:start + METRICS_PER_ROW]):
        column.metric(label, total)

quarter = cached_query(delivery.quarter_for_period, period)
rag_texts = measures.rag_text_by_theme(cached_query(delivery.query_rag_summary, quarter)) if quarter else {}
st.subheader("Measures by theme")
overview = cached_view(measures.overview_table, summary, rag_texts)  # built once for every reader
show_report_table(
    overview, f"Headline measures, exceptions and delivery-plan status by theme, report to {month}",
    numeric=overview.columns[2:],
)
show_caption(
    "Directions compare each measure's current figure with its baseline, by polarity. "
    "Exceptions are the analyst's call in the report. "
    + (f"Delivery plan status is for {quarter}." if quarter else "No delivery-plan status is loaded for this period.")
)

title = f"Measures better and worse by theme, report to {month}"
meta = ChartMeta(
    title=title,
    subtitle="Current figure against baseline, judged by each measure's polarity",
    source=provenance,
    alt=f"Stacked bars per theme counting measures better, worse, unchanged and not comparable, report to {month}.",
)
show_chart(
    cached_view(build_direction_summary_figure, summary, meta),
    cached_view(measures.summary_table, summary),
    key="overview-directions",
    caption=f"Measures by direction · source: {provenance} · report to {month}",
)

st.subheader("Budget against forecast outturn")
money = cached_query(budget.query_budget_summary, period)
if money.empty:
    st.caption("No budget figures are loaded for this financial year.")
else:
    table = budget.budget_table(money)
    show_report_table(table, f"Budget against forecast outturn, {month}", numeric=table.columns[1:])
    show_caption(f"Latest forecast by {month} for each entity · source: {cached_query(loads.describe_source, 'budget')}")

st.subheader("Forward plan and estates")
record_lines = [line for line in (cached_query(decisions.overview_line, period),
                                  cached_query(estates.receipts_line, period)) if line]
for line in record_lines or [f"No forward plan or estates list is loaded for the report to {month}."]:
    show_caption(line)

st.subheader("Recommendations tracker")
show_caption(cached_query(recommendations.status_counts_text, period)
             or "No recommendations tracker is loaded (see Recommendations tracker).")

st.subheader("Plan framework")
show_caption(cached_query(framework.overview_line) or "No plan framework is loaded (see Plan framework).")

st.subheader("What changed since the previous report")
previous = cached_query(measures.previous_period, period)
if previous is None:
    st.caption(f"No report before {month} is loaded, so there is nothing to compare with.")
else:
    changes = cached_query(measures.query_changes_since, period, previous)
    if theme:
        changes = changes[changes["Theme"] == theme]
    show_caption(f"Report to {month} against the report to {format_month(previous)}")
    if changes.empty:
        st.caption("No measure's figure, direction or exception changed.")
    else:
        show_report_table(changes, f"What changed since the report to {format_month(previous)}",
                          row_header="Measure", wide=("What changed",))

st.subheader("The reports loaded")
for contents in cached_query(report_periods.period_contents):
    show_caption(contents.describe() + (f" · {contents.title}" if contents.title else ""))
show_glossary()
