"""Delivery plan: RAG status by theme and quarter, the deliverables with their updates, status changes."""

from __future__ import annotations

import streamlit as st

from dashboard import delivery, domain, loads
from dashboard.charts import ChartMeta
from ui.data import cached_query, cached_view, require_data
from ui.filters import linked_choice, period_selector, share_hint, theme_selector
from ui.guide import how_to_read
from ui.render import escape_markdown, show_chart, show_report_table
from ui.published import choose_figures, show_revisions
from ui.report import open_on_latest_report

st.title("Delivery plan")
how_to_read("delivery")
con = require_data()
if not cached_query(delivery.list_quarters):
    st.info("No delivery-plan extract is loaded yet. Upload deliverables.csv on the Data page.")
    st.stop()

open_on_latest_report()
period = period_selector(cached_query(delivery.list_periods), one_click=True)
figures = choose_figures(period)  # as reported: the queries below read the frozen report
show_revisions(figures, ("deliverables",))
theme = theme_selector(cached_query(delivery.list_themes))
share_hint()
quarter = cached_query(delivery.quarter_for_period, period)
if quarter is None:
    quarter = cached_query(delivery.quarter_for_period, None)
    quarter_note = (f"No deliverables were updated in the {delivery.QUARTER_MAX_AGE_MONTHS} months to "
                    f"{domain.format_month(period)}: this is the latest quarter loaded.")
else:
    quarter_note = f"The latest quarter with deliverables by the report month {domain.format_month(period)}."
source = cached_query(loads.describe_source, "deliverables")
theme_text = theme or "all themes"

# --- The quarter's RAG summary in the report's own wording ---
st.header(f"RAG status, {quarter}")
st.caption(quarter_note)
summary = cached_query(delivery.query_rag_summary, quarter)
if theme:
    summary = summary[summary["theme"] == theme]
if summary.empty:
    st.info(escape_markdown(f"No deliverables for {theme_text} in {quarter}."))
else:
    rag = cached_view(delivery.rag_table, summary)  # built once for every reader
    show_report_table(rag, f"RAG status of deliverables in {quarter}, {theme_text}",
                      row_header="Theme", numeric=rag.columns[3:])

# --- RAG counts across quarters ---
st.header("RAG status by theme and quarter")
# A year of quarters up to the chosen one; every quarter is in the Data page's downloads.
counts = delivery.latest_quarters(cached_query(delivery.query_rag_counts, theme), period)
quarters = list(dict.fromkeys(counts["quarter"])) or [quarter]
period_text = quarters[0] if len(quarters) == 1 else f"{quarters[0]} to {quarters[-1]}"
meta = ChartMeta(
    title=f"Deliverables by RAG status, {theme_text}",
    subtitle=f"Count and share of each theme's deliverables · {period_text}",
    source=source,
    alt=cached_view(delivery.describe_rag, counts),
)
show_chart(
    cached_view(delivery.build_rag_figure, counts, meta),
    cached_view(delivery.rag_table, counts),
    key="rag-counts",
    caption=(f"Measure: number of deliverables at each RAG status, with the share of the theme's "
             f"deliverables in that quarter. Source: {source}. Period: {period_text}."),
)
with st.expander("What the statuses mean"):
    show_report_table(delivery.rag_legend(), "RAG statuses and their meanings", wide=("Meaning",))

# --- The deliverables ---
st.header("Deliverables")
columns = st.columns(3)
chosen_quarter = linked_choice("delivery", "quarter", cached_query(delivery.list_quarters), "Quarter",
                               default=quarter, where=columns[0])
status = linked_choice("delivery", "status", [s.code for s in domain.RAG_STATUSES], "Status",
                       format_func=domain.rag_label, where=columns[1])
organisation = linked_choice("delivery", "lead", cached_query(delivery.list_organisations), "Lead organisation",
                             where=columns[2])
items = cached_query(delivery.query_deliverables, chosen_quarter, theme, status, organisation)
st.caption(escape_markdown(
    f"{len(items)} deliverable{'' if len(items) == 1 else 's'} · {theme_text} · Source: {source}"
))
if items.empty:
    st.info("No deliverables match these filters.")
else:
    table = cached_view(delivery.deliverables_table, items)
    show_report_table(table, f"Deliverables, {theme_text}" + (f", {chosen_quarter}" if chosen_quarter else ""),
                      row_header="Deliverable", wide=("Deliverable", "Update"))

# --- Status changes ---
st.header("Status changes between quarters")
changes = cached_query(delivery.query_status_changes)
if theme:
    changes = changes[changes["theme"] == theme]
if changes.empty:
    st.info(escape_markdown(
        f"No deliverable for {theme_text} changed status between consecutive quarters in the data loaded."
    ))
else:
    show_report_table(cached_view(delivery.status_changes_table, changes),
                      "Deliverables whose RAG status changed from one quarter to the next",
                      row_header="Deliverable", wide=("Deliverable", "Update"))
