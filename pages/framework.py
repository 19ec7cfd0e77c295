"""Plan framework: a plan's themes and their activities or objectives, by lead and pledge, each
with the latest delivery-plan status of the deliverable it matches."""

from __future__ import annotations

import streamlit as st

from dashboard import framework, loads
from dashboard.charts import ChartMeta
from ui.data import cached_query, cached_view, require_data
from ui.filters import linked_choice, linked_selectbox, share_hint
from ui.guide import how_to_read
from ui.render import escape_markdown, show_caption, show_chart, show_report_table

PAGE = "framework"

st.title("Plan framework")
how_to_read(PAGE)
require_data()
if not cached_query(framework.has_framework):
    st.info("No plan framework is loaded yet. Upload framework.csv on the Data page.")
    st.stop()

plans = cached_query(framework.list_plans)
columns = st.columns(3)
with columns[0]:
    plan = linked_selectbox("plan", plans, "Plan", key=f"{PAGE}_plan")
whole = cached_query(framework.query_linked, plan)
words = framework.item_words(whole)
leads, pledges = framework.list_leads(whole), framework.list_pledges(whole)
lead = pledge = None
if leads:
    lead = linked_choice(PAGE, "lead", leads, "Lead", where=columns[1])
else:
    columns[1].caption(f"The {plan} plan publishes no lead for its {words[1]}.")
if pledges:
    pledge = linked_choice(PAGE, "pledge", pledges, "Pledge", format_func=framework.pledge_label, where=columns[2])
else:
    columns[2].caption(f"The {plan} plan publishes no pledges for its {words[1]}.")
share_hint()

rows = framework.filter_framework(whole, lead, pledge)
title = str(whole["plan_title"].dropna().iloc[0]) if whole["plan_title"].notna().any() else f"{plan} plan"
source = cached_query(loads.describe_source, "framework")
chosen = ", ".join(part for part in (lead and f"led by {lead}", pledge and framework.pledge_label(pledge)) if part)
view = f"{title}" + (f" ({chosen})" if chosen else "")
show_caption(f"{view}: {framework.summary_line(rows) if not rows.empty else 'nothing matches these filters.'} "
             f"Source: {source}")

# --- Counts by theme and lead, and by pledge ---
st.header("By theme and lead")
counts = cached_view(framework.count_by_theme_and_lead, rows, framework.themes(whole))  # once for every reader
meta = ChartMeta(
    title=f"{plan} plan: {words[1]} by theme and lead",
    subtitle=(chosen + " · " if chosen else "") + "a ref's letter is its lead: C Commissioner, F Force, P Partners",
    source=source,
    alt=framework.describe_theme_leads(counts),
)
if rows.empty:
    st.info(f"No {words[0]} matches these filters.")
else:
    show_chart(cached_view(framework.build_theme_lead_figure, counts, meta),
               cached_view(framework.theme_lead_table, counts, words),
               key="framework-themes",
               caption=f"Measure: number of {words[1]} in each theme, by the lead the plan names. Source: {source}. "
                       f"Plan: {plan}.")

if pledges:
    st.header("By pledge")
    by_pledge = cached_view(framework.count_by_pledge, rows, pledges)
    pledge_meta = ChartMeta(
        title=f"{plan} plan: {words[1]} by pledge",
        subtitle=(chosen + " · " if chosen else "") + "an activity with two pledges counts under each",
        source=source,
        alt=framework.describe_pledges(by_pledge),
    )
    if rows.empty:
        st.info(f"No {words[0]} matches these filters.")
    else:
        show_chart(cached_view(framework.build_pledge_figure, by_pledge, pledge_meta, words),
                   cached_view(framework.pledge_table, by_pledge, words), key="framework-pledges",
                   caption=f"Measure: number of {words[1]} supporting each of the Commissioner's pledges "
                           f"(Pledge 7's sub-codes counted under it), and those supporting none. Source: {source}. "
                           f"Plan: {plan}.")
    with st.expander("The pledges"):
        show_report_table(framework.pledge_legend(), "The Commissioner's 7 pledges", row_header="Pledge")

# --- The link to the delivery plan ---
st.header("Delivery-plan status")
show_caption(framework.link_summary(rows, plan))

# --- The framework, theme by theme ---
st.header("The framework, theme by theme")
if leads:
    with st.expander("What the ref letters mean"):
        show_report_table(framework.lead_legend(), "Ref letters and the leads they name", row_header="Ref letter")
for number, name in framework.themes(whole):
    st.subheader(escape_markdown(framework.theme_label(number, name)))
    part = rows[rows["theme_no"].astype(int) == number]
    if part.empty:
        st.caption(escape_markdown(f"No {words[0]} of this theme matches these filters."))
        continue
    areas = list(dict.fromkeys(part["focus_area"].dropna()))
    for area in areas or [None]:
        shown = part if area is None else part[part["focus_area"] == area]
        if area is not None:
            st.markdown(f"**Focus area: {escape_markdown(area)}**")
        show_report_table(cached_view(framework.framework_table, shown),
                          f"{framework.theme_label(number, name)}" + (f": {area}" if area else ""),
                          row_header="Ref", wide=(words[0].capitalize(), "Delivery plan status"))
