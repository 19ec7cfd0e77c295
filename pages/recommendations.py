"""Recommendations tracker: a review's recommendations by status and lead agency, the ones with
no update in the latest quarter, and each recommendation in full with its dated updates."""

from __future__ import annotations

import streamlit as st

from dashboard import domain, loads, recommendations
from dashboard.charts import ChartMeta
from ui.data import cached_query, cached_view, require_data
from ui.filters import linked_choice, linked_selectbox, share_hint
from ui.guide import how_to_read
from ui.render import escape_markdown, show_chart, show_free_text, show_report_table

PAGE = "recommendations"

st.title("Recommendations tracker")
how_to_read(PAGE)
require_data()
if not cached_query(recommendations.has_recommendations):
    st.info("No recommendations tracker is loaded yet. Upload recommendations.csv on the Data page.")
    st.stop()

reviews = cached_query(recommendations.list_reviews)
review = linked_selectbox("review", reviews, "Review", key=f"{PAGE}_review")
quarters = cached_query(recommendations.list_quarters, review)
latest = quarters[-1]
columns = st.columns(4)
with columns[0]:
    quarter = linked_selectbox("rquarter", quarters[::-1], "Quarter", key=f"{PAGE}_quarter", default=latest)
theme = linked_choice(PAGE, "section", cached_query(recommendations.list_themes, review), "Theme",
                      where=columns[1])
agency = linked_choice(PAGE, "lead", cached_query(recommendations.list_lead_agencies, review), "Lead agency",
                       where=columns[2])
status = linked_choice(PAGE, "status", [s.code for s in domain.RECOMMENDATION_STATUSES], "Status",
                       format_func=domain.recommendation_status_label, where=columns[3])
share_hint()

source = cached_query(loads.describe_source, "recommendations")
rows = cached_query(recommendations.query_recommendations, review, quarter, theme, agency, status)
chosen = ", ".join(part for part in (theme, agency and f"led by {agency}",
                                     status and domain.recommendation_status_label(status)) if part)
view = f"{review} recommendations, {quarter}" + (f" ({chosen})" if chosen else "")
st.caption(escape_markdown(f"{view}: {recommendations.status_summary(rows)} · Source: {source}"))

# --- Counts by status and lead agency ---
st.header("By status and lead agency")
counts = cached_view(recommendations.count_by_lead, rows)  # built once for every reader
meta = ChartMeta(
    title=f"{review} recommendations by status and lead agency",
    subtitle=f"{quarter} · each recommendation under every agency that leads it",
    source=source,
    alt=cached_view(recommendations.describe_counts, counts),
)
show_chart(
    cached_view(recommendations.build_counts_figure, counts, meta),
    cached_view(recommendations.counts_table, counts),
    key="recommendation-counts",
    caption=(f"Measure: number of recommendations at each status, all of them first, then under each "
             f"lead agency (a recommendation with three leads counts under each). Source: {source}. "
             f"Period: {quarter}."),
)
with st.expander("What the statuses mean"):
    show_report_table(recommendations.status_legend(), "Recommendation statuses and their meanings",
                      wide=("Meaning",))

# --- No update in the latest quarter ---
st.header(f"No update in {latest}")
flagged = cached_query(recommendations.query_not_updated, review)
if flagged.empty:
    st.info(escape_markdown(f"✔ Every recommendation has an update in {latest}, the latest quarter loaded."))
else:
    st.warning(escape_markdown(f"⚠ {len(flagged)} recommendation{'' if len(flagged) == 1 else 's'} "
                               f"with no update in {latest}, the latest quarter loaded."))
    show_report_table(cached_view(recommendations.not_updated_table, flagged),
                      f"Recommendations with no update in {latest}, with their last update",
                      row_header="Ref", wide=("Recommendation", "Last update"))

# --- The tracker ---
st.header("Recommendations")
if rows.empty:
    st.info("No recommendations match these filters.")
else:
    show_report_table(cached_view(recommendations.recommendations_table, rows, quarter), view,
                      row_header="Ref", wide=("Recommendation", f"Update {quarter}"))

# --- One recommendation in full ---
st.header("A recommendation in full")
history_refs = [str(r) for r in rows["ref"]] or [str(r) for r in
                                                 cached_query(recommendations.query_recommendations, review, quarter)["ref"]]
ref = linked_selectbox("rec", history_refs, "Recommendation (ref)", key=f"{PAGE}_rec")
history = cached_query(recommendations.query_history, review, ref)
if not history.empty:
    last = history.iloc[-1]
    show_free_text(last["recommendation"], label=f"Recommendation {ref} · {last['theme']}")
    show_free_text("\n".join(last["leads"]), label="Lead agencies")
    show_report_table(recommendations.history_table(history),
                      f"Updates to recommendation {ref}, by quarter", row_header="Quarter", wide=("Update",))
