"""Delivery plan: RAG counts per theme and quarter, the deliverables, and status changes.

Counts come from the `rag_counts` view (derived from the deliverables, never typed in); this
module orders them the way the plan does and draws them with label and icon on every mark.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date

import duckdb
import pandas as pd
import plotly.graph_objects as go

from dashboard import domain
from dashboard.charts import ChartMeta, finish_figure, legend_below, text_on, wrap_text
from dashboard.db import query

RAG_COLUMNS = ["theme", "plan", "quarter", "status", "label", "n", "total", "pct", "summary_text"]


def _theme_rank(themes: pd.Series) -> pd.Series:
    return themes.map(lambda theme: domain.theme_sort_key(str(theme))[0])


def _add_rag_text(df: pd.DataFrame) -> pd.DataFrame:
    """The report's wording ('14/14 (100%)') and the icon-and-word label for every row."""
    df = df.copy()
    df["summary_text"] = [
        domain.rag_summary_text(int(n), int(total)) for n, total in zip(df["n"], df["total"])
    ]
    df["rag"] = [domain.rag_label(code) for code in df["status"]]
    return df


def _sort_rag(df: pd.DataFrame) -> pd.DataFrame:
    """Quarter order, then plan theme order, then RAG order (Green first)."""
    df = df.assign(_rank=_theme_rank(df["theme"]))
    df = df.sort_values(["quarter_start", "_rank", "theme", "sort_order"], kind="stable")
    return df.drop(columns="_rank").reset_index(drop=True)


def list_quarters(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Quarters with deliverables, oldest first."""
    df = query(con, "SELECT quarter, min(quarter_start) AS start FROM deliverables GROUP BY quarter ORDER BY start, quarter")
    return [str(q) for q in df["quarter"]]


def list_themes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Themes with deliverables, in plan order."""
    df = query(con, "SELECT DISTINCT theme FROM deliverables")
    return sorted((str(t) for t in df["theme"]), key=domain.theme_sort_key)


def list_organisations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Lead organisations, one spelling per name regardless of case (the commonest)."""
    df = query(
        con,
        """
        SELECT lower(organisation) AS name_key, organisation, count(*) AS n
        FROM deliverables WHERE organisation IS NOT NULL
        GROUP BY name_key, organisation
        QUALIFY row_number() OVER (PARTITION BY name_key ORDER BY n DESC, organisation) = 1
        ORDER BY name_key
        """,
    )
    return [str(o) for o in df["organisation"]]


#: A report shows a delivery-plan quarter only if it started within this many months before
#: the report month: an update years old is not the plan's current status.
QUARTER_MAX_AGE_MONTHS = 12


def quarter_for_period(con: duckdb.DuckDBPyConnection, period: date | None) -> str | None:
    """The latest quarter with deliverables started by `period` and within the year before it.

    A report to January 2019 shows 2018-19 Q3 when Q4 has not been loaded; a report to
    December 2024 shows none when the latest update is 2019-20 Q3. None as `period`: the
    latest quarter loaded.
    """
    if period is None:
        df = query(con, "SELECT quarter FROM deliverables ORDER BY quarter_start DESC, quarter DESC LIMIT 1")
    else:
        df = query(
            con,
            "SELECT quarter FROM deliverables"
            " WHERE quarter_start <= ? AND quarter_start > ?::DATE - to_months(?)"
            " ORDER BY quarter_start DESC, quarter DESC LIMIT 1",
            [period, period, QUARTER_MAX_AGE_MONTHS],
        )
    return None if df.empty else str(df["quarter"].iloc[0])


def query_rag_counts(con: duckdb.DuckDBPyConnection, theme: str | None = None) -> pd.DataFrame:
    """RAG counts for every plan, quarter and theme (zeros included), optionally one theme."""
    df = query(
        con,
        """
        SELECT plan, quarter, quarter_start, theme, status, label, sort_order, n, total, pct
        FROM rag_counts WHERE (?::VARCHAR IS NULL OR theme = ?)
        """,
        [theme, theme],
    )
    return _add_rag_text(_sort_rag(df))


def query_rag_summary(con: duckdb.DuckDBPyConnection, quarter: str) -> pd.DataFrame:
    """One quarter's RAG counts per theme, as the report prints them ('14/14 (100%)')."""
    df = query(
        con,
        """
        SELECT plan, quarter, quarter_start, theme, status, label, sort_order, n, total, pct
        FROM rag_counts WHERE quarter = ?
        """,
        [quarter],
    )
    df = _add_rag_text(_sort_rag(df))
    return df[RAG_COLUMNS + ["rag"]]


def query_deliverables(
    con: duckdb.DuckDBPyConnection,
    quarter: str | None = None,
    theme: str | None = None,
    status: str | Sequence[str] | None = None,
    organisation: str | None = None,
) -> pd.DataFrame:
    """Deliverables with their status label and update text; each filter is optional.

    `status` takes one code or several; `organisation` matches regardless of case, since
    extracts spell the same lead both ways ('Force', 'FORCE').
    """
    statuses = [status] if isinstance(status, str) else (list(status) if status else None)
    df = query(
        con,
        """
        SELECT plan, quarter, quarter_start, theme, ref, deliverable, status, organisation,
               "update", update_date, source_file, source_line
        FROM deliverables
        WHERE (?::VARCHAR IS NULL OR quarter = ?)
          AND (?::VARCHAR IS NULL OR theme = ?)
          AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], status))
          AND (?::VARCHAR IS NULL OR lower(organisation) = lower(?))
        ORDER BY quarter_start, plan, theme, try_cast(ref AS INTEGER) NULLS LAST, ref
        """,
        [quarter, quarter, theme, theme, statuses, statuses, organisation, organisation],
    )
    df.insert(df.columns.get_loc("status") + 1, "rag", [domain.rag_label(s) for s in df["status"]])
    df = df.assign(_rank=_theme_rank(df["theme"]))
    df = df.sort_values(["quarter_start", "plan", "_rank"], kind="stable").drop(columns="_rank")
    return df.reset_index(drop=True)


def query_status_changes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Deliverables whose status differs from the one in the previous quarter they appear in.

    The same deliverable is the same plan, theme and ref; the quarters are consecutive in
    the data loaded for it.
    """
    df = query(
        con,
        """
        WITH ordered AS (
            SELECT plan, theme, ref, deliverable, organisation, "update",
                   quarter AS to_quarter, quarter_start, status AS to_status,
                   lag(quarter) OVER w AS from_quarter,
                   lag(status) OVER w AS from_status
            FROM deliverables
            WINDOW w AS (PARTITION BY plan, theme, ref ORDER BY quarter_start)
        )
        SELECT plan, theme, ref, deliverable, from_quarter, from_status, to_quarter, to_status,
               organisation, "update", quarter_start
        FROM ordered
        WHERE from_status IS NOT NULL AND from_status <> to_status
        ORDER BY quarter_start, plan, theme, try_cast(ref AS INTEGER) NULLS LAST, ref
        """,
    )
    df["from_rag"] = [domain.rag_label(s) for s in df["from_status"]]
    df["to_rag"] = [domain.rag_label(s) for s in df["to_status"]]
    df["change"] = [f"{a} → {b}" for a, b in zip(df["from_rag"], df["to_rag"])]
    df = df.assign(_rank=_theme_rank(df["theme"]))
    df = df.sort_values(["quarter_start", "plan", "_rank"], kind="stable")
    return df.drop(columns=["_rank", "quarter_start"]).reset_index(drop=True)


def rag_table(df: pd.DataFrame) -> pd.DataFrame:
    """The table alternative to the RAG chart: one row per theme and quarter, a column per status."""
    keys = ["quarter", "plan", "theme"]
    status_columns = [domain.rag_label(s.code) for s in domain.RAG_STATUSES]
    if df.empty:
        return pd.DataFrame(columns=["Quarter", "Plan", "Theme", "Deliverables", *status_columns])
    groups = df.drop_duplicates(keys)[[*keys, "total"]]  # keeps the frame's (plan) order
    wide = df.pivot(index=keys, columns="status", values="summary_text")
    wide.columns = [domain.rag_label(code) for code in wide.columns]
    table = groups.join(wide, on=keys).reindex(columns=[*keys, "total", *status_columns]).fillna("–")
    table = table.rename(columns={"quarter": "Quarter", "plan": "Plan", "theme": "Theme", "total": "Deliverables"})
    table["Deliverables"] = table["Deliverables"].astype(int)
    return table.reset_index(drop=True)


def latest_quarters(df: pd.DataFrame, period: date | None, count: int = 4) -> pd.DataFrame:
    """The rows of the last `count` quarters started by `period` (None: the last of all).

    A year's view by default; every quarter is in the Data page's downloads.
    """
    starts = df.drop_duplicates("quarter").sort_values("quarter_start")
    if period is not None:
        starts = starts[starts["quarter_start"] <= pd.Timestamp(period)]
    keep = starts["quarter"].tolist()[-count:]
    return df[df["quarter"].isin(keep)].reset_index(drop=True)


def _segment_text(status: str, n: int, total: int) -> str:
    """'● 14 (100%)': icon, count and share rounded as the report rounds it."""
    pct = round(100 * n / total) if total else 0
    return f"{domain.RAG_BY_CODE[status].icon} {int(n)} ({pct}%)"


#: Characters per line of a theme's name beside its bars: narrower than other charts' labels,
#: because the quarter stands beside it on the same axis.
RAG_LABEL_CHARS = 16


def build_rag_figure(df: pd.DataFrame, meta: ChartMeta) -> go.Figure:
    """Stacked bars of RAG counts per theme and quarter, each segment labelled 'icon n (pct%)'.

    `df` is `query_rag_counts` or `query_rag_summary`. Each bar spans its theme's deliverables
    in the quarter (100%), so a theme of 3 reads as clearly as one of 15; the axis label gives
    the total. Zero segments are left out of the bars (the table alternative lists them); the
    legend and hover carry icon and label.
    """
    fig = go.Figure()
    if df.empty:
        fig.add_annotation(text="No deliverables to show", showarrow=False, x=0.5, y=0.5,
                           xref="paper", yref="paper")
        return finish_figure(fig, meta)
    df = df.copy()
    if "quarter_start" not in df:
        df["quarter_start"] = df["quarter"]  # the order of the frame is already right
    df = df.assign(_rank=_theme_rank(df["theme"])).sort_values(
        ["quarter_start", "_rank", "theme"], kind="stable"
    )
    # Plotly reads labels as a little HTML: names from extracts are escaped to show as typed.
    label_of = {
        (quarter, theme): f"{wrap_text(theme, RAG_LABEL_CHARS)}<br>{int(total)} deliverable{'' if total == 1 else 's'}"
        for quarter, theme, total in df[["quarter", "theme", "total"]].drop_duplicates().itertuples(index=False)
    }
    for status in domain.RAG_STATUSES:
        part = df[(df["status"] == status.code) & (df["n"] > 0)]
        label = domain.rag_label(status.code)
        fig.add_trace(
            go.Bar(
                name=label,
                orientation="h",
                x=part["n"].astype(int).tolist(),
                y=[part["quarter"].tolist(), [label_of[key] for key in zip(part["quarter"], part["theme"])]],
                marker={"color": status.colour, "line": {"color": "#FFFFFF", "width": 1}},
                text=[_segment_text(*row) for row in zip(part["status"], part["n"], part["total"])],
                textposition="inside",
                insidetextanchor="middle",
                textangle=0,
                textfont={"color": text_on(status.colour)},
                customdata=list(zip(part["theme"].map(html.escape), part["quarter"], part["summary_text"])),
                hovertemplate=(
                    f"<b>{label}</b><br>%{{customdata[0]}}<br>%{{customdata[1]}}"
                    "<br>%{customdata[2]}<extra></extra>"
                ),
                showlegend=True,
            )
        )
    n_groups = len(df[["quarter", "theme"]].drop_duplicates())
    fig.update_layout(
        barmode="stack",
        barnorm="percent",
        height=max(300, 190 + 90 * n_groups),  # four lines of label a group
        # a segment too narrow for its label drops it (hover and the data table keep every
        # count) instead of spilling over the next segment
        uniformtext={"minsize": 11, "mode": "hide"},
    )
    fig.update_xaxes(title_text="Share of the theme's deliverables", range=[0, 101],
                     dtick=25, ticksuffix="%")  # five ticks: they fit beside the labels on a phone
    fig.update_yaxes(autorange="reversed")
    return legend_below(finish_figure(fig, meta))


def describe_rag(df: pd.DataFrame) -> str:
    """One sentence per theme and quarter for screen readers and the Word pack."""
    parts = []
    for (quarter, theme), group in df.groupby(["quarter", "theme"], sort=False):
        counts = ", ".join(
            f"{int(r.n)} {r.label}" for r in group.itertuples() if r.n > 0
        ) or "none"
        parts.append(f"{theme}, {quarter}: {counts} of {int(group['total'].iloc[0])}")
    return "RAG status of deliverables. " + "; ".join(parts) + "." if parts else "No deliverables loaded."


def list_periods(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Report months a delivery view can be asked for: the headline reports' months and the
    last month of every quarter with deliverables (so each quarter can be reached)."""
    df = query(
        con,
        """
        SELECT DISTINCT period FROM measures
        UNION
        SELECT DISTINCT CAST(quarter_start + INTERVAL 2 MONTH AS DATE) FROM deliverables
        ORDER BY 1
        """,
    )
    return [pd.Timestamp(p).date() for p in df.iloc[:, 0]]


def deliverables_table(df: pd.DataFrame) -> pd.DataFrame:
    """The deliverables as a reader sees them: status as icon and word, update as plain text."""
    return pd.DataFrame(
        {
            "Quarter": df["quarter"],
            "Plan": df["plan"],
            "Theme": df["theme"],
            "Ref": df["ref"],
            "Deliverable": df["deliverable"],
            "Status": df["rag"],
            "Lead": df["organisation"].fillna("–"),
            "Update": df["update"].fillna(""),
            "Update date": ["–" if pd.isna(d) else f"{pd.Timestamp(d):%d %b %Y}" for d in df["update_date"]],
        }
    )


def status_changes_table(df: pd.DataFrame) -> pd.DataFrame:
    """Status changes as a reader sees them."""
    return pd.DataFrame(
        {
            "Theme": df["theme"],
            "Ref": df["ref"],
            "Deliverable": df["deliverable"],
            "From": [f"{q}: {r}" for q, r in zip(df["from_quarter"], df["from_rag"])],
            "To": [f"{q}: {r}" for q, r in zip(df["to_quarter"], df["to_rag"])],
            "Lead": df["organisation"].fillna("–"),
            "Update": df["update"].fillna(""),
        }
    )


def rag_legend() -> pd.DataFrame:
    """What each status means, with its icon and word."""
    return pd.DataFrame(
        {
            "Status": [domain.rag_label(s.code) for s in domain.RAG_STATUSES],
            "Meaning": [s.meaning for s in domain.RAG_STATUSES],
        }
    )
