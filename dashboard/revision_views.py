"""Revisions as the pages show them: "✎ Revised" beside a revised figure, the published reports
and their changes as tables, and a revised series as it stood at publication beside the latest.

The revisions themselves are worked out in `dashboard.revisions`; nothing here queries them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd
import plotly.graph_objects as go

from dashboard import domain
from dashboard.charts import ChartMeta, finish_figure, ink, legend_below, month_axis, unit_axis
from dashboard.db import as_date, query
from dashboard.revisions import REVISION_COLUMNS, Publication, revision_sentence

#: Beside a revised figure: an icon and a word, never colour alone.
REVISED_MARK = "✎ Revised"
#: The two readings of a published report, as the control offers them.
AS_REPORTED = "As reported to the Panel"
LATEST = "Latest"

#: Which column of the headline table shows each revised field of a measure (others: its name).
HEADLINE_FIELD_COLUMNS: Mapping[str, str] = {
    "Baseline": "Baseline", "Current": "Current", "Trend": "Published trend", "Comment": "Comment",
}
#: The same for the exceptions table: baseline and current make its computed change.
EXCEPTION_FIELD_COLUMNS: Mapping[str, str] = {
    "Baseline": "Change", "Current": "Change", "Trend": "Change", "Exception": "Exception",
    "Exception trend": "Published", "Exception comment": "Comment", "Comment": "Comment",
}


def of_tables(revisions: pd.DataFrame, tables: Iterable[str] | None) -> pd.DataFrame:
    """The revisions of some records (None: all of them)."""
    if tables is None or revisions.empty:
        return revisions
    return revisions[revisions["table"].isin(list(tables))].reset_index(drop=True)


def revision_lines(revisions: pd.DataFrame, publication: Publication) -> list[str]:
    """'Adult and child safeguarding referrals, Current. Revised: 5,369 (Jan 2019) reported to
    the Panel on 8 May 2019, now 5,412 (Jan 2019), loaded ... by a.analyst.' for each revision."""
    return [f"{row['Figure']}, {row['Field']}. {revision_sentence(row, publication)}"
            for _, row in revisions.iterrows()]


def count_text(count: int) -> str:
    return f"{count:,} figure{'' if count == 1 else 's'}"


def mark_revised(table: pd.DataFrame, revisions: pd.DataFrame, field_columns: Mapping[str, str],
                 key_column: str = "Measure") -> pd.DataFrame:
    """A copy of a headline or exceptions table with "✎ Revised" under each revised figure
    (matched by measure; a field the table does not show marks the measure's name)."""
    marked = table.copy()
    measures = revisions[revisions["table"] == "measures"] if not revisions.empty else revisions
    for _, revision in measures.iterrows():
        column = field_columns.get(str(revision["Field"]), key_column)
        if column not in marked.columns:
            column = key_column
        rows = marked[key_column] == revision["Figure"]
        for index in marked.index[rows]:
            text = "" if pd.isna(marked.at[index, column]) else str(marked.at[index, column])
            if REVISED_MARK not in text:
                marked.at[index, column] = f"{text}\n{REVISED_MARK}" if text else REVISED_MARK
    return marked


def publications_table(publications: pd.DataFrame, revisions: pd.DataFrame) -> pd.DataFrame:
    """Each report published, with the load it showed, when and by whom, and how many of its
    figures have been revised since (counted for its latest publication only)."""
    rows = []
    counted: set[date] = set()
    for row in publications.itertuples():
        period = as_date(row.period)
        meeting = row.meeting_date
        latest = period not in counted
        counted.add(period)
        revised = int((revisions["period"] == period).sum()) if latest and not revisions.empty else 0
        rows.append({
            "Report": domain.format_month(period),
            "Panel meeting": "–" if pd.isna(meeting) else _day(as_date(meeting)),
            "Figures of load": int(row.as_of_load_id),
            "Published": domain.format_loaded_at(row.published_at),
            "Published by": str(row.published_by),
            "Figures revised since": count_text(revised) if latest else "(published again later)",
        })
    return pd.DataFrame(rows, columns=["Report", "Panel meeting", "Figures of load", "Published",
                                       "Published by", "Figures revised since"])


def revisions_table(revisions: pd.DataFrame) -> pd.DataFrame:
    """The revisions as the Revisions page and its download give them."""
    return revisions[list(REVISION_COLUMNS)].reset_index(drop=True)


@dataclass(frozen=True)
class RevisedSeries:
    measure: str
    area: str
    period: date      # the published report whose months were revised

    def label(self) -> str:
        return f"{self.measure} · {self.area} · report to {domain.format_month(self.period)}"


def revised_series(revisions: pd.DataFrame) -> list[RevisedSeries]:
    """Each measure and area with a revised month, per report, in the order listed."""
    if revisions.empty:
        return []
    found: dict[RevisedSeries, None] = {}
    for _, row in revisions[revisions["table"] == "series"].iterrows():
        measure, area, _month = str(row["Figure"]).rsplit(" · ", 2)  # 'measure · area · Jan 2019'
        found[RevisedSeries(measure, area, as_date(row["period"]))] = None
    return list(found)


def series_unit(con: duckdb.DuckDBPyConnection, measure: str, period: date) -> str:
    """The unit the report gives a measure (its latest by the report), else a count."""
    found = query(con, "SELECT unit FROM measures WHERE measure = ? AND period <= ? AND unit IS NOT NULL "
                       "ORDER BY period DESC LIMIT 1", [measure, period])
    return str(found["unit"].iloc[0]) if len(found) else "count"


def series_comparison(reported: pd.DataFrame, latest: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Month by month: the value as reported to the Panel, the latest, and whether it changed."""
    months = sorted(set(reported["period"]) | set(latest["period"]))
    was = dict(zip(reported["period"], reported["value"]))
    now = dict(zip(latest["period"], latest["value"]))
    return pd.DataFrame({
        "Month": [domain.format_month(m) for m in months],
        AS_REPORTED: [domain.format_value(was.get(m), unit) for m in months],
        LATEST: [domain.format_value(now.get(m), unit) for m in months],
        "Revised": [REVISED_MARK if _differs(was.get(m), now.get(m)) else "" for m in months],
    })


def build_series_revision_figure(reported: pd.DataFrame, latest: pd.DataFrame, meta: ChartMeta,
                                 unit: str) -> go.Figure:
    """The series as reported (dashed, open diamonds) and the latest (solid, dots), each line
    named at its end as well as in the legend, so neither colour nor dash alone tells them apart."""
    fig = go.Figure()
    lines = ((AS_REPORTED, reported, "#D55E00", "dash", "diamond-open"),
             (LATEST, latest, "#0072B2", "solid", "circle"))
    for name, series, colour, dash, symbol in lines:
        values = [domain.format_value(v, unit) for v in series["value"]]
        fig.add_trace(go.Scatter(
            x=list(series["period"]), y=series["value"].tolist(), name=name,
            mode="lines+markers+text", line={"color": colour, "dash": dash, "width": 2.5},
            marker={"symbol": symbol, "size": 9, "color": colour},
            text=[name if i == len(values) - 1 else "" for i in range(len(values))],
            textposition="top left" if name == LATEST else "bottom left",
            textfont={"color": ink(colour)}, cliponaxis=False, customdata=values,
            hovertemplate=f"{name}, %{{x|%b %Y}}: %{{customdata}}<extra></extra>",
        ))
    periods = list(reported["period"]) + list(latest["period"])
    if periods:
        fig.update_xaxes(**month_axis(min(periods), max(periods)))
    fig.update_yaxes(**unit_axis(unit))
    fig.update_layout(height=420, showlegend=True)
    return legend_below(finish_figure(fig, meta))


def _differs(old: object, new: object) -> bool:
    old_missing = old is None or pd.isna(old)
    new_missing = new is None or pd.isna(new)
    return old_missing != new_missing or (not old_missing and old != new)


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"

