"""Theme headlines: the report's headline table, and the chosen measure's chart."""

import streamlit as st

from dashboard import assurance, domain, measures
from dashboard import periods as report_periods
from dashboard.charts import ChartMeta
from dashboard.revision_views import HEADLINE_FIELD_COLUMNS
from dashboard.figures import build_measure_view
from ui.data import cached_query, cached_view
from ui.filters import linked_selectbox
from ui.render import (
    escape_markdown,
    show_caption,
    show_chart,
    show_free_text,
    show_report_table,
)
from ui.guide import how_to_read, show_source
from ui.published import mark_measures, show_revisions
from ui.report import choose_report

st.title("Theme headlines")
how_to_read("headlines")
report = choose_report(with_area=True)
period, month, theme, area = report.period, report.month, report.theme, report.area
provenance = cached_query(measures.describe_measures_source, period, theme)

# Every measure of the report: the headline rows make the table, and all can be charted below.
all_changes = cached_query(measures.query_measure_changes, period, theme)
changes = cached_view(measures.headline_rows, all_changes)  # built once for every reader
show_caption(f"Report to {month} · {theme or 'all themes'} · {len(changes)} headline measures")
show_source(cached_query(report_periods.report_name, period), provenance)
show_revisions(report.figures, ("measures", "series"))
flagged = int((changes["check"] != "").sum())
if flagged:
    st.warning(f"{flagged} row(s) flagged for checking: marked ⚠ beside the change and explained in the Check column. They are shown as published.")
# One table per theme, as the report sets them out, so the figures fit beside the measure.
table = mark_measures(report.figures, cached_view(measures.headline_table, changes), HEADLINE_FIELD_COLUMNS)
for theme_name, rows in table.groupby("Theme", sort=False):
    st.subheader(escape_markdown(theme_name))
    show_report_table(
        rows.drop(columns="Theme"),
        f"Headline measures: {theme_name}, report to {month}",
        numeric=("Baseline", "Current", "Change", "Published trend"),
        wide=("Comment",),
    )

if changes.empty:
    st.stop()
st.subheader("A measure's chart")
# Headline measures first, then the report's other measures (exception-only rows, crime types
# behind a headline total), so every loaded series can be charted.
names = list(changes["measure"]) + [m for m in all_changes["measure"] if m not in set(changes["measure"])]
comparable = [name for name, direction in zip(changes["measure"], changes["direction"]) if isinstance(direction, str)]
measure = linked_selectbox(
    "measure", names, "Measure (headline measures first, then the report's others)", "headline_measure",
    default=next(iter(comparable), None),
)
row = next(r for r in measures.records(all_changes) if r["measure"] == measure)
series = cached_query(measures.query_series, measure, area, period)
where = area or domain.FORCE_AREA
if len(series) >= 2:
    title = f"{measure}: monthly, {where}, to {month}"
    basis = f"monthly series, {where}"
else:
    title = f"{measure}: baseline against current"
    basis = "baseline and current as published"
meta = ChartMeta(
    title=title,
    subtitle=f"{row['theme']} · report to {month}",
    source=cached_query(measures.describe_series_source, measure, area) if len(series) >= 2 else provenance,
    alt=f"{measure}: {basis}. Baseline {row['baseline_shown']}, current {row['current_shown']}, "
    f"change {row['change_shown']} ({row['direction_shown']}).",
)
view = cached_view(build_measure_view, row, series, meta, targets=cached_query(assurance.targets_for, measure, where),
                          changes=cached_query(assurance.changes_for, measure, where))
if view.note:
    show_caption(f"⚠ {view.note}")
if view.figure is not None:
    show_chart(view.figure, view.table, key="headline-measure", caption=f"{measure} · source: {meta.source} · {basis} · report to {month}")
else:
    show_report_table(view.table, f"{measure}: figures as published")
show_free_text(row["comment"], label="Comment, as published")
if row["check"]:
    show_free_text(row["check"], label="Check")
