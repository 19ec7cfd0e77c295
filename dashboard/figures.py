"""Figures for the measure pages: theme summary, exceptions, one measure's baseline and current.

Every mark carries its value as a label and every better/worse colour travels with its word or
icon, so no figure relies on colour alone. Text taken from extracts (measure and theme names)
is escaped before it reaches Plotly, which would otherwise render tags in it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
import textwrap

import pandas as pd
import plotly.graph_objects as go

from dashboard import domain
from dashboard.charts import ChartMeta, finish_figure

#: Characters per axis-label line before a long name wraps.
LABEL_WIDTH = 38


def plain_label(text: object, width: int = LABEL_WIDTH) -> str:
    """Extract text made safe for Plotly (tags escaped) and wrapped onto short lines."""
    lines = textwrap.wrap(" ".join(str(text).split()), width) or [""]
    return "<br>".join(html.escape(line, quote=False) for line in lines)


def _legend_below(fig: go.Figure) -> go.Figure:
    """A horizontal legend at the foot of the figure, clear of the x-axis title."""
    fig.update_layout(
        legend={"orientation": "h", "traceorder": "normal", "yref": "container", "y": 0, "yanchor": "bottom",
                "x": 0, "xanchor": "left"},
        margin={"b": 100},
    )
    return fig


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
    themes = [plain_label(t, 30) for t in summary["theme"]]
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
            textfont={"color": "#FFFFFF"},
            hovertemplate=f"%{{y}}<br>{style.label}: %{{x}}<extra></extra>",
        ))
    fig.update_layout(barmode="stack", height=170 + 60 * len(themes))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="Measures", dtick=1)
    return _legend_below(finish_figure(fig, meta))


# --- Exceptions: diverging bars of change ---------------------------------------------------------


def build_exceptions_figure(exceptions: pd.DataFrame, meta: ChartMeta) -> go.Figure:
    """Each exception's change as a bar left or right of zero, labelled with its value.

    Colour and icon say positive or negative exception; the sign says which way the figure
    moved (a fall in crime is a positive exception drawn to the left).
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
                    "shape": ["/" if basis == "published" else "" for basis in rows["change_basis"]],
                    "fgcolor": "#FFFFFF",
                    "fillmode": "overlay",  # over the kind's colour, not instead of it
                },
            },
            text=[html.escape(t, quote=False) for t in rows["change_shown"]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>Change: %{text}<extra></extra>",
        ))
    values = drawn["change"].abs()
    # Room beyond the longest bar for its label ("+33.5% (published)").
    reach = float(values.max()) * 1.6 if not values.empty else 1.0
    fig.update_layout(barmode="relative", height=200 + 48 * max(len(drawn), 1))
    fig.update_xaxes(
        range=[-reach, reach],
        zeroline=True,
        zerolinewidth=2,
        title_text="Change: per cent for counts, percentage points for rates",
    )
    fig.update_yaxes(autorange="reversed")
    return _legend_below(finish_figure(fig, meta))


# --- One measure: baseline against current --------------------------------------------------------


def build_comparison_figure(row: dict, meta: ChartMeta) -> go.Figure:
    """Baseline beside current for one measure, each bar labelled with the published figure."""
    labels = [
        f"Baseline<br>{html.escape(row['baseline_shown'], quote=False)}",
        f"Current<br>{html.escape(row['current_shown'], quote=False)}",
    ]
    values = [row["baseline_value"], row["current_value"]]
    style = domain.DIRECTION_STYLES.get(row["direction"] or "", domain.NOT_COMPARABLE)
    texts = [
        domain.format_value(v, row["unit"]) if v is not None else "no figure" for v in values
    ]
    fig = go.Figure(go.Bar(
        x=labels,
        y=[v if v is not None else 0 for v in values],
        marker={"color": ["#6B6B6B", style.colour]},
        text=texts,
        textposition="outside",
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
    fig.add_annotation(
        text=f"{domain.direction_label(row['direction'])}: "
        f"{domain.format_change(row['change'], row['change_unit'])}",
        xref="paper", yref="paper", x=1, y=1.08, showarrow=False, xanchor="right",
        font={"color": style.colour if style.colour != "#595959" else "#1A1A1A", "size": 14},
    )
    fig.update_layout(height=380, bargap=0.45)
    return finish_figure(fig, meta)


def build_series_figure(series: pd.DataFrame, meta: ChartMeta, unit: str) -> go.Figure:
    """A monthly series as a line with every point labelled (used where SPC is not available)."""
    texts = [domain.format_value(v, unit) for v in series["value"]]
    fig = go.Figure(go.Scatter(
        x=list(series["period"]),
        y=series["value"].tolist(),
        mode="lines+markers+text",
        text=texts,
        textposition="top center",
        line={"color": "#0072B2"},
        hovertemplate="%{x|%b %Y}: %{text}<extra></extra>",
        showlegend=False,
    ))
    fig.update_xaxes(tickformat="%b %Y")
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


def _series_view(row: dict, series: pd.DataFrame, meta: ChartMeta) -> MeasureView:
    from dashboard import spc  # the SPC module is optional to this page; a plain line stands in

    table = pd.DataFrame({
        "Month": [domain.format_month(p) for p in series["period"]],
        "Value": [domain.format_value(v, row["unit"]) for v in series["value"]],
    })
    try:
        result = spc.spc_table(list(series["period"]), series["value"].tolist(), row["polarity"])
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
    builder = getattr(spc, "build_spc_figure", None)
    figure = builder(result, meta) if builder else build_series_figure(series, meta, row["unit"])
    return MeasureView(figure, table, "spc", result.warning)


def build_measure_view(row: dict, series: pd.DataFrame, meta: ChartMeta) -> MeasureView:
    """The monthly series (SPC) where one is loaded, else baseline against current."""
    if len(series) >= MIN_SERIES_POINTS:
        return _series_view(row, series, meta)
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
