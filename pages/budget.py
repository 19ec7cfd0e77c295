"""Budget: budget against forecast outturn per entity and category, and how the forecast moved."""

from __future__ import annotations

import streamlit as st

from dashboard import budget, domain, loads
from dashboard.charts import ChartMeta
from ui.data import cached_query, cached_view, require_data
from ui.filters import period_selector, share_hint
from ui.guide import how_to_read
from ui.render import escape_markdown, show_chart
from ui.published import choose_figures, show_revisions
from ui.report import open_on_latest_report

st.title("Budget")
how_to_read("budget")
con = require_data()
if not cached_query(budget.list_financial_years):
    st.info("No budget extract is loaded yet. Upload budget.csv on the Data page.")
    st.stop()

open_on_latest_report()
period = period_selector(cached_query(budget.list_periods), one_click=True)
figures = choose_figures(period)  # as reported: the queries below read the frozen report
show_revisions(figures, ("budget",))
share_hint()
year = budget.financial_year_of(period)
month = domain.format_month(period)
source = cached_query(loads.describe_source, "budget")

st.header(f"Budget against forecast outturn, {year}")
summary = cached_query(budget.query_budget_summary, period)
if summary.empty:
    loaded_years = ", ".join(cached_query(budget.list_financial_years))
    # Financial years are canonical 'YYYY-YY' (the loader parses them), safe as Markdown.
    st.info(f"No budget forecast for {year} was made by {month}. Budget figures are loaded for: "
            f"{loaded_years} (choose a report period in that year).")
else:
    meta = ChartMeta(
        title=f"Budget against forecast outturn, {year}",
        subtitle=f"Each line's latest forecast made by {month} · £ thousands",
        source=source,
        alt="; ".join(
            f"{r.entity} {r.category}: {r.variance_text}" for r in summary.itertuples()
        ),
    )
    show_chart(
        cached_view(budget.build_budget_figure, summary, meta),  # built once for every reader
        cached_view(budget.budget_table, summary),
        key="budget-summary",
        caption=(f"Measure: budget and forecast outturn in £ thousands; variance is forecast minus "
                 f"budget as published, overspend above budget and underspend below. Source: {source}. "
                 f"Period: {year}, forecasts made up to {month}."),
    )
    for row in summary[summary["variance_disagrees"]].itertuples():
        st.warning(escape_markdown(
            f"{row.entity} {row.category}: the published variance ({budget.format_thousands(row.variance)}) "
            f"differs from forecast minus budget ({budget.format_thousands(row.variance_computed)}) "
            f"by more than £{domain.BUDGET_VARIANCE_TOLERANCE_K:,.0f}k."
        ))

st.header(f"How the forecast moved, {year}")
movement = cached_query(budget.query_forecast_movement, year)
if movement.empty:
    st.info(f"No forecasts for {year} are loaded.")
else:
    months = sorted(movement["period"].unique())
    span = f"{domain.format_month(months[0].date())} to {domain.format_month(months[-1].date())}"
    meta = ChartMeta(
        title=f"Forecast variance by month, {year}",
        subtitle=f"Forecast minus budget for each line, by the month the forecast was made · {span}",
        source=source,
        alt="; ".join(
            f"{series}: " + ", ".join(
                f"{domain.format_month(p.date())} {t}" for p, t in zip(part["period"], part["variance_text"])
            )
            for series, part in movement.groupby("series", sort=False)
        ),
    )
    show_chart(
        cached_view(budget.build_forecast_movement_figure, movement, meta),
        cached_view(budget.movement_table, movement),
        key="budget-movement",
        caption=(f"Measure: variance (forecast outturn minus budget) in £ thousands, above zero an "
                 f"overspend. Source: {source}. Period: {year}, forecasts made {span}."),
    )
