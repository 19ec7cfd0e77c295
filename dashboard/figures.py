"""Figures for the measure pages: theme summary, exceptions, one measure's baseline and current.

Every mark carries its value as a label and every better/worse colour travels with its word or
icon, so no figure relies on colour alone. Text taken from extracts (measure and theme names)
is escaped before it reaches Plotly, which would otherwise render tags in it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboard import domain
from dashboard.charts import (
    AXIS_TITLE_CHARS,
    LABEL_CHARS,
    ChartMeta,
    finish_figure,
    ink,
    legend_below,
    month_axis,
    text_on,
    unit_axis,
    wrap_text,
)

#: Characters per axis-label line before a long name wraps (charts.LABEL_CHARS).
LABEL_WIDTH = LABEL_CHARS


def plain_label(text: object, width: int = LABEL_WIDTH) -> str:
    """Extract text made safe for Plotly (tags escaped) and wrapped onto short lines."""
    return wrap_text(text, width)


# --- Overview: directions per theme ---------------------------------------------------------------

#: (summary column, direction key) in stacking order.
_SUMMARY_SEGMENTS: tuple[tuple[str, str | None], ...] = (
    ("better", domain.BETTER),
    ("worse", domain.WORSE),
    ("no_change", domain.NO_CHANGE),
    ("not_comparable", None),
)


def build_direction_summary_figure(summary: pd.DataFrame, meta: ChartMeta) -> go.Figure:
    """Per theme, how many measures got better, worse, stayed the same or cannot be compared."""
    fig = go.Figure()
    themes = [plain_label(t) for t in summary["theme"]]
    for column, direction in _SUMMARY_SEGMENTS:
        style = domain.DIRECTION_STYLES.get(direction or "", domain.NOT_COMPARABLE)
        counts = summary[column].astype(int).tolist()
        fig.add_trace(go.Bar(
            name=f"{style.icon} {style.label}",
            y=themes,
            x=counts,
            orientation="h",
            marker={"color": style.colour, "line": {"color": "#FFFFFF", "width": 1}},
            text=[f"{style.icon} {n}" if n else "" for n in counts],
            textposition="inside",
            insidetextanchor="middle",
            textangle=0,
            textfont={"color": text_on(style.colour)},
            hovertemplate=f"%{{y}}<br>{style.label}: %{{x}}<extra></extra>",
        ))
    # a segment too short for its label drops the label (the data table has every count) rather
    # than shrink it out of legibility or spill it over the next segment
    fig.update_layout(barmode="stack", height=220 + 60 * len(themes), uniformtext={"minsize": 11, "mode": "hide"})
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="Measures", dtick=1)
    return legend_below(finish_figure(fig, meta))


# --- Exceptions: diverging bars of change ---------------------------------------------------------


def build_exceptions_figure(exceptions: pd.DataFrame, meta: ChartMeta) -> go.Figure:
    """Each exception's change as a bar left or right of zero, labelled with its value.

    Colour and icon say positive or negative exception; the sign says which way the figure
    moved (a fall in crime is a positive exception drawn to the left). A change taken as
    published is hatched, and the legend says so: its label is the figure alone, short enough
    to sit beside its bar on a phone.
    """
    drawn = exceptions[exceptions["change"].notna()]
    fig = go.Figure()
    for kind in domain.EXCEPTION_KINDS:
        rows = drawn[drawn["kind"] == kind]
        style = domain.EXCEPTION_STYLES[kind]
        labels = [f"{style.icon} {plain_label(m)}" for m in rows["measure"]]
        fig.add_trace(go.Bar(
            name=f"{style.icon} {style.label}",
            y=labels,
            x=rows["change"].tolist(),
            orientation="h",
            # Hatched: a change as published, where baseline and current were not given.
            marker={
                "color": style.colour,
                "pattern": {
                    "shape": [_PUBLISHED_HATCH if basis == "published" else "" for basis in rows["change_basis"]],
                    "fgcolor": "#FFFFFF",
                    "fillmode": "overlay",  # over the kind's colour, not instead of it
                },
            },
            text=[html.escape(t, quote=False) for t in rows["change_shown"]],
            # drawn: the figure alone ('+33.5%'), short enough to sit beside its bar on a phone;
            # the hatching, named under the axis, says 'published' (and the hover in full)
            customdata=[html.escape(_bar_label(t), quote=False) for t in rows["change_shown"]],
            texttemplate="%{customdata}",
            textposition="outside",
            textfont={"color": ink(style.colour)},
            constraintext="none",  # at the chart's text size, not shrunk to the bar's depth
            cliponaxis=False,
            hovertemplate="%{y}<br>Change: %{text}<extra></extra>",
        ))
    values = drawn["change"].abs()
    # Room beyond the longest bar for its label: the bars take at most 40% of each side, so a
    # label of up to about 7 characters fits beside any bar even on a phone (a 358 px chart).
    reach = float(values.max()) / 0.4 if not values.empty and values.max() > 0 else 1.0
    units = set(drawn["change_unit"]) if "change_unit" in drawn else set()
    # a row as tall as its wrapped name (up to three lines of 13 px, with air between rows)
    lines = max((plain_label(m).count("<br>") + 1 for m in drawn["measure"]), default=1)
    fig.update_layout(barmode="relative", height=220 + max(48, 18 * lines + 14) * max(len(drawn), 1))
    unit = next(iter(units)) if len(units) == 1 else ""
    axis_title = _CHANGE_AXIS_TITLES.get(unit, _CHANGE_AXIS_TITLES[""])
    if (drawn["change_basis"] == "published").any():
        axis_title += " · hatched bars: the change as published"
    fig.update_xaxes(
        range=[-reach, reach],
        zeroline=True,
        zerolinewidth=2,
        title_text=wrap_text(axis_title, AXIS_TITLE_CHARS),
        **_CHANGE_AXIS_SUFFIX.get(unit, {}),
    )
    fig.update_yaxes(autorange="reversed")
    return legend_below(finish_figure(fig, meta))


_PUBLISHED_HATCH = "/"
_PUBLISHED_SUFFIX = " (published)"
_CHANGE_AXIS_TITLES = {
    "percent": "Change (%)",
    "points": "Change (percentage points)",
    "steps": "Change (grade steps)",
    "": "Change: per cent for counts, percentage points for rates",
}
_CHANGE_AXIS_SUFFIX = {"percent": {"ticksuffix": "%"}, "points": {"ticksuffix": " pts"}}


def _bar_label(shown: str) -> str:
    """'+33.5% (published)' -> '+33.5%': the hatching and its legend entry carry 'published'."""
    return shown.removesuffix(_PUBLISHED_SUFFIX)


# --- One measure: baseline against current --------------------------------------------------------


def build_comparison_figure(row: dict, meta: ChartMeta) -> go.Figure:
    """Baseline beside current for one measure, each bar labelled with the published figure."""
    # each figure wrapped under its word: two labels side by side fit a phone-wide chart
    labels = [
        f"Baseline<br>{wrap_text(row['baseline_shown'], 16)}",
        f"Current<br>{wrap_text(row['current_shown'], 16)}",
    ]
    values = [row["baseline_value"], row["current_value"]]
    style = domain.DIRECTION_STYLES.get(row["direction"] or "", domain.NOT_COMPARABLE)
    texts = [
        domain.format_value(v, row["unit"]) if v is not None else "no figure" for v in values
    ]
    direction = (f"{domain.direction_label(row['direction'])}: "
                 f"{domain.format_change(row['change'], row['change_unit'])}")
    fig = go.Figure(go.Bar(
        x=labels,
        y=[v if v is not None else 0 for v in values],
        marker={"color": ["#6B6B6B", style.colour]},
        text=texts,
        # drawn wrapped ('Requires' over 'Improvement'), so that it stays over its own bar
        customdata=[wrap_text(t, 12) for t in texts],
        texttemplate="%{customdata}",
        textposition="outside",
        textfont={"color": "#1A1A1A"},
        constraintext="none",  # at the chart's text size, not shrunk to the bar's width
        cliponaxis=False,
        hovertemplate="%{x}: %{text}<extra></extra>",
        showlegend=False,
    ))
    if row["unit"] == domain.GRADE:
        scores = list(range(1, len(domain.GRADES) + 1))
        fig.update_yaxes(
            tickvals=scores,
            ticktext=[domain.format_value(s, domain.GRADE) for s in scores],
            range=[0, len(domain.GRADES) + 0.5],
        )
    else:
        shown = [v for v in values if v is not None]
        low, high = min([0.0, *shown]), max([0.0, *shown])
        # room above (or below) the bars for their labels, drawn outside them
        pad = 0.18 * (high - low or 1.0)
        fig.update_yaxes(range=[low - (pad if low < 0 else 0), high + pad], **unit_axis(row["unit"]))
    # The direction in words under the bars, as the axis title: the margins grow to hold it,
    # so it never meets the title however narrow the chart.
    fig.update_xaxes(title_text=html.escape(direction, quote=False),
                     title_font={"color": ink(style.colour), "size": 14})
    fig.update_xaxes(tickangle=0)  # wrapped, not turned on end
    fig.update_layout(height=400, bargap=0.45)
    return finish_figure(fig, meta)


def build_series_figure(series: pd.DataFrame, meta: ChartMeta, unit: str) -> go.Figure:
    """A monthly series as a line with every point labelled (used where SPC is not available)."""
    values = [domain.format_value(v, unit) for v in series["value"]]
    # the first and last points carry their values (every one is in the hover and the table):
    # a label on every month would overprint its neighbours on a narrow screen
    texts = [v if i in (0, len(values) - 1) else "" for i, v in enumerate(values)]
    fig = go.Figure(go.Scatter(
        x=list(series["period"]),
        y=series["value"].tolist(),
        mode="lines+markers+text",
        text=texts,
        customdata=values,
        textposition=["top right" if i == 0 else "top left" for i in range(len(values))],
        cliponaxis=False,
        line={"color": "#0072B2"},
        hovertemplate="%{x|%b %Y}: %{customdata}<extra></extra>",
        showlegend=False,
    ))
    if len(series):
        fig.update_xaxes(**month_axis(series["period"].min(), series["period"].max()))
    fig.update_yaxes(**unit_axis(unit))
    fig.update_layout(height=400)
    return finish_figure(fig, meta)


# --- One measure's chart: the monthly series where loaded, baseline against current otherwise --------

#: A monthly series needs this many points before it is drawn instead of baseline and current.
MIN_SERIES_POINTS = 2


@dataclass(frozen=True)
class MeasureView:
    """What the headline page shows for a chosen measure."""

    figure: go.Figure | None
    table: pd.DataFrame
    kind: str              # "spc" | "series" | "comparison" | "none"
    note: str | None = None  # e.g. the SPC short-series warning or why nothing is drawn


def _series_view(row: dict, series: pd.DataFrame, meta: ChartMeta, targets: Sequence = (),
                 changes: Sequence = ()) -> MeasureView:
    from dashboard import spc  # the SPC module is optional to this page; a plain line stands in

    table = pd.DataFrame({
        "Month": [domain.format_month(p) for p in series["period"]],
        "Value": [domain.format_value(v, row["unit"]) for v in series["value"]],
    })
    try:
        result = spc.spc_table(list(series["period"]), series["value"].tolist(), row["polarity"],
                               targets=targets, changes=changes)
    except (AttributeError, ValueError):
        return MeasureView(build_series_figure(series, meta, row["unit"]), table, "series")
    spc_rows = result.table
    table = pd.DataFrame({
        "Month": [domain.format_month(p) for p in spc_rows["period"]],
        "Value": [domain.format_value(v, row["unit"]) for v in spc_rows["value"]],
        "Mean": [domain.format_value(round(v, 1), row["unit"]) for v in spc_rows["mean"]],
        "Lower process limit": [domain.format_value(round(v, 1), row["unit"]) for v in spc_rows["lower_process_limit"]],
        "Upper process limit": [domain.format_value(round(v, 1), row["unit"]) for v in spc_rows["upper_process_limit"]],
        "Rules": list(spc_rows["rules"]),
        "Variation": list(spc_rows["variation"]),
    })
    # The target, the assurance and the known changes in words, where the series has them.
    if result.targets:
        table["Target"] = ["" if pd.isna(v) else domain.format_value(v, row["unit"]) for v in spc_rows["target"]]
        table["Assurance"] = [a or "" for a in spc_rows["assurance"]]
    if result.changes:
        table["Known change (new limits from)"] = list(spc_rows["rebase"])
    builder = getattr(spc, "build_spc_figure", None)
    figure = builder(result, meta) if builder else build_series_figure(series, meta, row["unit"])
    return MeasureView(figure, table, "spc", result.warning)


def build_measure_view(row: dict, series: pd.DataFrame, meta: ChartMeta, *, targets: Sequence = (),
                       changes: Sequence = ()) -> MeasureView:
    """The monthly series (SPC) where one is loaded, else baseline against current. `targets`
    and `changes` (dashboard.assurance) give the SPC chart its target line and rebased limits."""
    if len(series) >= MIN_SERIES_POINTS:
        return _series_view(row, series, meta, targets, changes)
    table = pd.DataFrame({
        "Figure": ["Baseline", "Current", "Change"],
        "Value": [
            row["baseline_shown"], row["current_shown"],
            f"{domain.format_change(row['change'], row['change_unit'])} "
            f"({domain.direction_label(row['direction'])})",
        ],
    })
    if row["baseline_value"] is None and row["current_value"] is None:
        return MeasureView(None, table, "none", "No baseline or current figure to chart yet.")
    return MeasureView(build_comparison_figure(row, meta), table, "comparison")
