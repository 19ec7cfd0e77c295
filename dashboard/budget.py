"""Budget against forecast outturn: the position at a report month and how the forecast moved.

Money is in £ thousands throughout, as the extracts give it. Variances come from the
`budget_variance` view: published where given, else forecast minus budget, with a flag where
the published one disagrees with the computed one.
"""

from __future__ import annotations

import html
import math
from datetime import date

import duckdb
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard import domain
from dashboard.charts import (
    TEXT_COLOUR,
    ChartMeta,
    finish_figure,
    legend_below,
    money_ticks_k,
    month_axis,
    text_on,
    wrap_text,
)
from dashboard.db import query

SUMMARY_COLUMNS = [
    "entity", "category", "period", "budget", "forecast_outturn", "variance",
    "variance_label", "variance_disagrees", "variance_computed", "variance_text",
]
BUDGET_COLOUR = "#8C8C8C"       # neutral grey, 3.4:1 on white
FORECAST_COLOUR = "#000000"
#: Overspend and underspend take the worse/better colours; the words always go with them.
VARIANCE_COLOURS = {
    domain.OVERSPEND: domain.DIRECTION_STYLES[domain.WORSE].colour,
    domain.UNDERSPEND: domain.DIRECTION_STYLES[domain.BETTER].colour,
    domain.ON_BUDGET: domain.DIRECTION_STYLES[domain.NO_CHANGE].colour,
}
LINE_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
MARKER_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "x")


def financial_year_of(month: date) -> str:
    """'2018-19' for any month from April 2018 to March 2019."""
    start = month.year if month.month >= 4 else month.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def format_thousands(value_k: float | None) -> str:
    """£ thousands to the pound-thousand, as the finance reports print them: '£188,209k'.

    `domain.format_money_k` rounds from £1m up ('£1.1m'), which hides the figure a finance
    reader checks; budget tables and labels keep every thousand.
    """
    if _is_missing(value_k):
        return "–"
    sign = "-" if value_k < 0 else ""
    return f"{sign}£{domain.format_value(float(round(abs(value_k))), domain.NUMBER)}k"


def variance_text(label: str | None, variance_k: float | None) -> str:
    """'Overspend £1,052k', 'Underspend £3,980k', 'On budget': words first, never sign alone.

    `label` is the `budget_variance` view's `variance_label` for the variance."""
    if _is_missing(label):  # no variance to label
        return "–"
    if label == domain.ON_BUDGET:
        return "On budget"
    return f"{str(label).capitalize()} {format_thousands(abs(variance_k))}"


def _category_rank(categories: pd.Series) -> pd.Series:
    order = {c: i for i, c in enumerate(domain.BUDGET_CATEGORIES)}
    return categories.map(lambda c: order.get(str(c), len(order)))


def _add_text(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df["variance_text"] = [variance_text(label, v) for label, v in zip(df["variance_label"], df["variance"])]
    df["variance_disagrees"] = df["variance_disagrees"].astype(bool)
    return df


def list_financial_years(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Financial years with budget rows, oldest first."""
    df = query(con, "SELECT DISTINCT financial_year FROM budget ORDER BY financial_year")
    return [str(y) for y in df["financial_year"]]


def query_budget_summary(con: duckdb.DuckDBPyConnection, report_period: date) -> pd.DataFrame:
    """Each entity and category at its latest forecast by `report_period`, in that month's year.

    A report to January 2019 shows 2018-19: Force and OPCC at December 2018 (their last
    separate figures) and the group totals at January 2019.
    """
    df = query(
        con,
        """
        SELECT entity, category, period, budget, forecast_outturn, variance, variance_label,
               variance_disagrees, variance_computed, variance_published
        FROM budget_variance
        WHERE financial_year = ? AND period <= ?
        QUALIFY row_number() OVER (PARTITION BY entity, category ORDER BY period DESC) = 1
        """,
        [financial_year_of(report_period), report_period],
    )
    df = df.assign(_rank=_category_rank(df["category"]))
    df = df.sort_values(["entity", "_rank"], kind="stable").drop(columns="_rank")
    return _add_text(df.reset_index(drop=True))[SUMMARY_COLUMNS + ["variance_published"]]


def query_forecast_movement(con: duckdb.DuckDBPyConnection, financial_year: str) -> pd.DataFrame:
    """The variance at each forecast month of a year, per entity and category."""
    df = query(
        con,
        """
        SELECT period, entity, category, budget, forecast_outturn, variance, variance_label,
               variance_disagrees
        FROM budget_variance WHERE financial_year = ? AND variance IS NOT NULL
        ORDER BY entity, category, period
        """,
        [financial_year],
    )
    df = df.assign(_rank=_category_rank(df["category"]))
    df = df.sort_values(["entity", "_rank", "period"], kind="stable").drop(columns="_rank")
    df = _add_text(df.reset_index(drop=True))
    df.insert(0, "series", [f"{e} {c}" for e, c in zip(df["entity"], df["category"])])
    return df


def movement_table(df: pd.DataFrame) -> pd.DataFrame:
    """The table alternative to the forecast movement chart, money as the reports print it."""
    return pd.DataFrame(
        {
            "Entity": df["entity"],
            "Category": df["category"].str.capitalize(),
            "Forecast made": [_month_text(p) for p in df["period"]],
            "Budget": [format_thousands(v) for v in df["budget"]],
            "Forecast outturn": [format_thousands(v) for v in df["forecast_outturn"]],
            "Variance": df["variance_text"],
        }
    )


def budget_table(df: pd.DataFrame) -> pd.DataFrame:
    """The table alternative to the budget chart: the movement table's columns and a check."""
    return movement_table(df).assign(**{
        "Variance check": [
            "Published variance differs from forecast minus budget" if flag else ""
            for flag in df["variance_disagrees"]
        ],
    })


def _month_text(period: object) -> str:
    return "–" if _is_missing(period) or pd.isna(period) else domain.format_month(pd.Timestamp(period).date())


def _row_name(entity: str, category: str) -> str:
    # Plotly reads labels as a little HTML: names from extracts are escaped to show as typed,
    # and a long one wraps.
    return wrap_text(f"{entity} · {category}")


def build_budget_figure(df: pd.DataFrame, meta: ChartMeta) -> go.Figure:
    """Budget and forecast outturn per entity and category, and the variance in words.

    `df` is `query_budget_summary`. Top: the two amounts as bars (lines whose report gives
    only the variance have none, and say so). Below: the variance as a bar with
    'Overspend £1,052k' written beside it, so the direction reads from the text, not the colour.
    """
    fig = make_subplots(
        rows=2, cols=1, vertical_spacing=0.16,
        subplot_titles=("Budget and forecast outturn", "Variance: forecast minus budget"),
    )
    # Each panel's title at its left edge, inside the figure: the chart's own title sits on the
    # top panel, so the top panel stops short of it.
    fig.update_yaxes(domain=[0.58, 0.93], row=1, col=1)
    for annotation, top in zip(fig.layout.annotations, (0.93, fig.layout.yaxis2.domain[1])):
        annotation.update(x=0, xanchor="left", y=top, yanchor="bottom", font={"size": 14})
    if df.empty:
        fig.add_annotation(text="No budget figures loaded", showarrow=False, x=0.5, y=0.5,
                           xref="paper", yref="paper")
        return finish_figure(fig, meta)
    names = [_row_name(e, c) for e, c in zip(df["entity"], df["category"])]
    for column, label, colour in (
        ("budget", "Budget", BUDGET_COLOUR),
        ("forecast_outturn", "Forecast outturn", FORECAST_COLOUR),
    ):
        fig.add_trace(
            go.Bar(
                name=label, orientation="h", y=names, x=df[column].tolist(),
                marker={"color": colour},
                customdata=[format_thousands(v) for v in df[column]],
                # each bar carries its amount: inside where it fits, else just beyond its end
                texttemplate="%{customdata}", textposition="auto", cliponaxis=False,
                insidetextfont={"color": text_on(colour)}, outsidetextfont={"color": TEXT_COLOUR},
                insidetextanchor="end", textangle=0,
                constraintext="none",  # the label at the chart's text size, not shrunk to the bar's depth
                hovertemplate=f"%{{y}}<br>{label}: %{{customdata}}<extra></extra>",
            ),
            row=1, col=1,
        )
    for name, amount in zip(names, df["forecast_outturn"]):
        if _is_missing(amount):  # the report gives this line's variance alone
            fig.add_annotation(text="Variance only published", x=0, y=name, xref="x", yref="y",
                               xanchor="left", showarrow=False, font={"color": "#595959"})
    _add_variance_bars(fig, df, names)
    amounts = df[["budget", "forecast_outturn"]].stack()
    high = max(0.0, float(amounts.max())) if not amounts.empty else 1.0
    low = min(0.0, float(amounts.min())) if not amounts.empty else 0.0
    # room beyond the longest bar for an amount that does not fit inside a short one
    fig.update_xaxes(range=[low * 1.1, high * 1.1 or 1.0], **money_ticks_k(low, high), row=1, col=1)
    fig.update_yaxes(autorange="reversed")
    # two bars a line, each deep enough for its amount in print-size text
    fig.update_layout(barmode="group", height=max(460, 260 + 140 * len(df)))
    return legend_below(finish_figure(fig, meta))


def _add_variance_bars(fig: go.Figure, df: pd.DataFrame, names: list[str]) -> None:
    """Variance bars in the lower panel, each with its words on the other side of zero.

    Written across zero from the bar, a label never runs off the panel however long the
    bar or narrow the screen.
    """
    labels = [None if _is_missing(label) else label for label in df["variance_label"]]
    fig.add_trace(
        go.Bar(
            name="Variance", orientation="h", y=names, x=df["variance"].tolist(),
            marker={"color": [VARIANCE_COLOURS.get(lab, BUDGET_COLOUR) for lab in labels],
                    "pattern": {"shape": ["/" if lab == domain.OVERSPEND else "" for lab in labels]}},
            text=df["variance_text"].tolist(), textposition="none",
            hovertemplate="%{y}<br>%{text}<extra></extra>", showlegend=False,
        ),
        row=2, col=1,
    )
    span = max(1.0, float(df["variance"].abs().max(skipna=True) or 0))
    overspent = [lab == domain.OVERSPEND for lab in labels]
    fig.add_trace(
        go.Scatter(
            name="Variance label", mode="text", y=names,
            x=[-0.02 * span if over else 0.02 * span for over in overspent],
            text=df["variance_text"].tolist(),
            # drawn as two lines ('Overspend' over '£1,052k'), narrow enough for half a phone
            customdata=[wrap_text(t, 10) for t in df["variance_text"]], texttemplate="%{customdata}",
            textposition=["middle left" if over else "middle right" for over in overspent],
            textfont={"color": TEXT_COLOUR}, hoverinfo="skip", showlegend=False,
        ),
        row=2, col=1,
    )
    fig.update_xaxes(range=[-span * 1.15, span * 1.15], zeroline=True, zerolinewidth=2,
                     **money_ticks_k(-span * 1.15, span * 1.15, 3), row=2, col=1)


def build_forecast_movement_figure(df: pd.DataFrame, meta: ChartMeta) -> go.Figure:
    """The variance by forecast month, a line per entity and category told apart by dash and marker.

    Each line's legend entry ends with its latest variance in words ('Force revenue: Overspend
    £1,052k'): written at the lines' ends, labels of lines ending close together overprint.
    """
    fig = go.Figure()
    if df.empty:
        fig.add_annotation(text="No budget figures loaded", showarrow=False, x=0.5, y=0.5,
                           xref="paper", yref="paper")
        return finish_figure(fig, meta)
    for i, (series, part) in enumerate(df.groupby("series", sort=False)):
        latest = part["variance_text"].iloc[-1]
        fig.add_trace(
            go.Scatter(
                name=html.escape(f"{series}: {latest}"), x=part["period"].tolist(), y=part["variance"].tolist(),
                mode="lines+markers",
                line={"dash": LINE_DASHES[i % len(LINE_DASHES)], "width": 2},
                marker={"symbol": MARKER_SYMBOLS[i % len(MARKER_SYMBOLS)], "size": 9},
                customdata=part["variance_text"].tolist(),
                hovertemplate=f"{html.escape(str(series))}<br>%{{x|%b %Y}}<br>%{{customdata}}<extra></extra>",
            )
        )
    fig.add_hline(y=0, line={"color": "#595959", "width": 1})
    low, high = min(0.0, float(df["variance"].min())), max(0.0, float(df["variance"].max()))
    pad = 0.1 * max(high - low, 1.0)
    fig.update_yaxes(range=[low - pad, high + pad], **money_ticks_k(low - pad, high + pad))
    fig.update_xaxes(title_text="Month the forecast was made", **month_axis(df["period"].min(), df["period"].max()))
    fig.update_yaxes(title_text="Variance: above 0 overspend")
    fig.update_layout(height=480)
    return legend_below(finish_figure(fig, meta))


def list_periods(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Report months a budget view can be asked for: the headline reports' and the forecasts'."""
    df = query(con, "SELECT DISTINCT period FROM measures UNION SELECT DISTINCT period FROM budget ORDER BY 1")
    return [pd.Timestamp(p).date() for p in df.iloc[:, 0]]
