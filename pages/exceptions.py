"""Exceptions: positive, negative or both, by theme and source; the change chart and narratives."""

import streamlit as st

from dashboard import domain, glossary, measures
from dashboard.charts import ChartMeta
from dashboard.revision_views import EXCEPTION_FIELD_COLUMNS
from dashboard.figures import build_exceptions_figure
from ui.data import cached_query, cached_view
from ui.render import show_caption, show_chart, show_report_table
from ui.guide import how_to_read
from ui.published import mark_measures, show_revisions
from ui.report import choose_report

ANALYSTS_CALL = "Analyst's call"
KIND_CHOICES = {
    "Both": domain.EXCEPTION_KINDS,
    **{f"{s.icon} {s.label}s": (kind,) for kind, s in domain.EXCEPTION_STYLES.items()},
}

st.title("Exceptions")
how_to_read("exceptions")
report = choose_report()
period, month, theme = report.period, report.month, report.theme
provenance = cached_query(measures.describe_measures_source, period, theme)
show_revisions(report.figures, ("measures",))

left, right = st.columns(2)
kind_choice = left.radio("Show", list(KIND_CHOICES), horizontal=True, key="exceptions_kind")
source_label = right.radio(
    "Source", list(measures.EXCEPTION_SOURCES.values()), horizontal=True, key="exceptions_source",
    help=f"Analyst's call: {glossary.meaning(ANALYSTS_CALL)} Detection rule: {glossary.meaning('Detection rule')}",
)
source = next(k for k, v in measures.EXCEPTION_SOURCES.items() if v == source_label)
found = cached_query(measures.query_exceptions, period, KIND_CHOICES[kind_choice], theme, source)
scope = f"{theme or 'all themes'} · {kind_choice.lower()} · {source_label}"
show_caption(f"Report to {month} · {scope} · {len(found)} exception(s)")

if found.empty:
    hint = (" The detection rule may still find some: choose “Detection rule” under Source."
            if source == measures.ANALYST_SOURCE else "")
    st.info(f"No {kind_choice.lower()} exceptions for these filters.{hint}".replace("both ", ""))
    st.stop()

title = f"Change in each exception, report to {month}"
meta = ChartMeta(
    title=title,
    subtitle=f"{theme or 'All themes'} · {source_label} · computed from baseline and current where published, else the published trend",
    source=provenance,
    alt=f"Diverging bars of the change in {len(found)} exception measures, report to {month}; "
    "positive exceptions marked with a tick, negative with a cross.",
)
undrawn = int(found["change"].isna().sum())
show_chart(
    cached_view(build_exceptions_figure, found, meta),  # built once for every reader
    cached_view(measures.exception_table, found),
    key="exceptions-chart",
    caption=f"Change per exception measure · source: {provenance} ({source_label}) · report to {month}"
    " · hatched bars: the change as published, where no baseline and current were given"
    + (f" · {undrawn} without any figure are listed in the table only" if undrawn else ""),
)

st.subheader("Narratives")
show_report_table(
    mark_measures(report.figures, cached_view(measures.exception_table, found), EXCEPTION_FIELD_COLUMNS), f"Exceptions, report to {month}: {scope}",
    row_header="Measure", numeric=("Change",), wide=("Comment",),
)
