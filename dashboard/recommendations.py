"""The recommendations tracker: each review's recommendations, their lead agencies, and per
quarter a status and an update; counts by status and lead agency; recommendations without an
update in their review's latest quarter.

A recommendation with several lead agencies is counted, and listed, under each of them. A row
whose status the tracker did not state stays `not stated`: nothing here infers one.
"""

from __future__ import annotations

import html
from datetime import date

import duckdb
import pandas as pd
import plotly.graph_objects as go

from dashboard import domain
from dashboard.charts import ChartMeta, finish_figure, legend_below, text_on, wrap_text
from dashboard.db import query, table_exists
from loaders.recommendations import LEAD_SEPARATOR, lead_agencies

#: The bar that counts every recommendation once, above one bar per lead agency.
ALL_RECOMMENDATIONS = "All recommendations"

_COLUMNS = """review, theme, ref, recommendation, lead_agencies, quarter, quarter_start, status,
               "update", source_file, source_line"""
#: Refs in the tracker's order: numbers as numbers ('2' before '10'), then the rest as text.
_REF_ORDER = "try_cast(ref AS INTEGER) NULLS LAST, ref"


def has_recommendations(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a tracker is loaded (a database loaded before the table existed has none)."""
    if not table_exists(con, "recommendations"):
        return False
    return int(query(con, "SELECT count(*) AS n FROM recommendations")["n"].iloc[0]) > 0


def list_reviews(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Reviews with a tracker loaded, the most recently updated first."""
    df = query(con, "SELECT review, max(quarter_start) AS latest FROM recommendations "
                    "GROUP BY review ORDER BY latest DESC, review")
    return [str(r) for r in df["review"]]


def list_quarters(con: duckdb.DuckDBPyConnection, review: str) -> list[str]:
    """A review's reporting quarters, oldest first."""
    df = query(con, "SELECT quarter, min(quarter_start) AS start FROM recommendations WHERE review = ? "
                    "GROUP BY quarter ORDER BY start", [review])
    return [str(q) for q in df["quarter"]]


def list_themes(con: duckdb.DuckDBPyConnection, review: str) -> list[str]:
    """The tracker's sections, in the order of their first recommendation."""
    df = query(con, "SELECT theme, min(try_cast(ref AS INTEGER)) AS first, min(ref) AS first_ref "
                    "FROM recommendations WHERE review = ? GROUP BY theme ORDER BY first NULLS LAST, first_ref",
               [review])
    return [str(t) for t in df["theme"]]


def list_lead_agencies(con: duckdb.DuckDBPyConnection, review: str) -> list[str]:
    """Every lead agency named in the review's tracker, one spelling per name regardless of case."""
    df = query(
        con,
        """
        WITH named AS (
            SELECT unnest(string_split(lead_agencies, ?)) AS agency FROM recommendations WHERE review = ?
        )
        SELECT lower(agency) AS name_key, agency, count(*) AS n FROM named WHERE agency <> ''
        GROUP BY name_key, agency
        QUALIFY row_number() OVER (PARTITION BY name_key ORDER BY n DESC, agency) = 1
        ORDER BY name_key
        """,
        [LEAD_SEPARATOR, review],
    )
    return [str(a) for a in df["agency"]]


def latest_quarter(con: duckdb.DuckDBPyConnection, review: str, by: date | None = None) -> str | None:
    """The review's latest quarter, or the latest begun by the month `by` (None if none has)."""
    df = query(
        con,
        "SELECT quarter FROM recommendations WHERE review = ? AND (?::DATE IS NULL OR quarter_start <= ?)"
        " ORDER BY quarter_start DESC LIMIT 1",
        [review, by, by],
    )
    return None if df.empty else str(df["quarter"].iloc[0])


_QUARTER_MONTHS = {"Q1": "April - June", "Q2": "July - September", "Q3": "October - December", "Q4": "January - March"}


def quarter_words(quarter: str) -> str:
    """'2020-21 Q4' as the tracker heads its update column: 'January - March 2020-21'."""
    year, _, q = quarter.partition(" ")
    return f"{_QUARTER_MONTHS[q]} {year}" if q in _QUARTER_MONTHS else quarter


def _with_labels(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df["status_label"] = [domain.recommendation_status_label(s) for s in df["status"]]
    df["leads"] = [lead_agencies(str(v)) for v in df["lead_agencies"]]
    return df


def query_recommendations(
    con: duckdb.DuckDBPyConnection,
    review: str,
    quarter: str,
    theme: str | None = None,
    agency: str | None = None,
    status: str | None = None,
) -> pd.DataFrame:
    """The recommendations as the tracker reports them in `quarter`; each filter is optional.

    `agency` keeps the recommendations it leads, alone or with others (any case).
    """
    df = query(
        con,
        f"""
        SELECT {_COLUMNS} FROM recommendations
        WHERE review = ? AND quarter = ?
          AND (?::VARCHAR IS NULL OR theme = ?)
          AND (?::VARCHAR IS NULL OR status = ?)
          AND (?::VARCHAR IS NULL OR list_contains(
                   list_transform(string_split(lead_agencies, ?), lambda a: lower(a)), lower(?)))
        ORDER BY {_REF_ORDER}
        """,
        [review, quarter, theme, theme, status, status, agency, LEAD_SEPARATOR, agency],
    )
    return _with_labels(df)


def query_history(con: duckdb.DuckDBPyConnection, review: str, ref: str) -> pd.DataFrame:
    """One recommendation's every quarter, oldest first: each update as it was reported."""
    df = query(con, f"SELECT {_COLUMNS} FROM recommendations WHERE review = ? AND ref = ? ORDER BY quarter_start",
               [review, ref])
    return _with_labels(df)


def query_not_updated(con: duckdb.DuckDBPyConnection, review: str) -> pd.DataFrame:
    """Recommendations with no update in the review's latest quarter: no row there, or a row
    whose update is empty. Each comes with its latest row, and the quarter it is from."""
    df = query(
        con,
        f"""
        WITH latest AS (SELECT max(quarter_start) AS start FROM recommendations WHERE review = ?),
        last_row AS (
            SELECT * FROM recommendations WHERE review = ?
            QUALIFY row_number() OVER (PARTITION BY ref ORDER BY quarter_start DESC) = 1
        )
        SELECT {_COLUMNS}, (SELECT quarter FROM recommendations, latest
                            WHERE review = ? AND quarter_start = latest.start LIMIT 1) AS latest_quarter
        FROM last_row, latest
        WHERE last_row.quarter_start < latest.start OR trim(coalesce("update", '')) = ''
        ORDER BY {_REF_ORDER}
        """,
        [review, review, review],
    )
    return _with_labels(df)


def count_by_lead(df: pd.DataFrame) -> pd.DataFrame:
    """Counts by lead agency and status from `query_recommendations` rows: every recommendation
    once under `ALL_RECOMMENDATIONS`, then once under each of its lead agencies. Zeros included."""
    groups = [(ALL_RECOMMENDATIONS, df)]
    agencies = sorted({a for leads in df["leads"] for a in leads}, key=str.lower)
    groups += [(a, df[[a in leads for leads in df["leads"]]]) for a in agencies]
    rows = []
    for group, part in groups:
        for status in domain.RECOMMENDATION_STATUSES:
            rows.append({"lead": group, "status": status.code, "label": domain.recommendation_status_label(status.code),
                         "n": int((part["status"] == status.code).sum()), "total": len(part)})
    return pd.DataFrame(rows, columns=["lead", "status", "label", "n", "total"])


def counts_table(counts: pd.DataFrame) -> pd.DataFrame:
    """The chart's table: one row per lead agency (all recommendations first), a column per status."""
    labels = [domain.recommendation_status_label(s.code) for s in domain.RECOMMENDATION_STATUSES]
    if counts.empty:
        return pd.DataFrame(columns=["Lead agency", "Recommendations", *labels])
    wide = counts.pivot(index="lead", columns="label", values="n")
    leads = list(dict.fromkeys(counts["lead"]))
    table = wide.reindex(index=leads, columns=labels).reset_index().rename(columns={"lead": "Lead agency"})
    table.columns.name = None
    totals = counts.drop_duplicates("lead").set_index("lead")["total"]
    table.insert(1, "Recommendations", [int(totals[lead]) for lead in leads])
    return table


def build_counts_figure(counts: pd.DataFrame, meta: ChartMeta) -> go.Figure:
    """Horizontal stacked bars: recommendations by status, all of them first, then per lead
    agency. Each segment carries icon and count, so colour is never the only cue."""
    fig = go.Figure()
    if counts.empty or counts["total"].max() == 0:
        fig.add_annotation(text="No recommendations to show", showarrow=False, x=0.5, y=0.5,
                           xref="paper", yref="paper")
        return finish_figure(fig, meta)
    # Plotly reads labels as a little HTML: agency names from the extract are escaped.
    leads = list(dict.fromkeys(counts["lead"]))
    totals = counts.drop_duplicates("lead").set_index("lead")["total"]
    label_of = {lead: f"{wrap_text(html.escape(lead))} ({int(totals[lead])})" for lead in leads}
    for status in domain.RECOMMENDATION_STATUSES:
        part = counts[(counts["status"] == status.code) & (counts["n"] > 0)]
        label = domain.recommendation_status_label(status.code)
        fig.add_trace(go.Bar(
            name=label, orientation="h",
            x=part["n"].astype(int).tolist(), y=[label_of[lead] for lead in part["lead"]],
            marker={"color": status.colour, "line": {"color": "#FFFFFF", "width": 1}},
            text=[f"{status.icon} {int(n)}" for n in part["n"]], textposition="inside",
            insidetextanchor="middle", textangle=0, textfont={"color": text_on(status.colour)},
            customdata=[html.escape(lead) for lead in part["lead"]],
            hovertemplate=f"<b>{label}</b><br>%{{customdata}}: %{{x}}<extra></extra>",
            showlegend=True,
        ))
    fig.update_layout(barmode="stack", height=max(300, 160 + 48 * len(leads)),
                      uniformtext={"minsize": 11, "mode": "hide"})
    fig.update_xaxes(title_text="Recommendations", rangemode="tozero", dtick=max(1, int(totals.max()) // 5 or 1))
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=[label_of[lead] for lead in leads])
    return legend_below(finish_figure(fig, meta))


def describe_counts(counts: pd.DataFrame) -> str:
    """One sentence per bar, for screen readers and the Word pack."""
    parts = []
    for lead, group in counts.groupby("lead", sort=False):
        shown = ", ".join(f"{int(r.n)} {domain.RECOMMENDATION_STATUS_BY_CODE[r.status].label.lower()}"
                          for r in group.itertuples() if r.n > 0) or "none"
        parts.append(f"{lead}: {shown}")
    return ("Recommendations by status and lead agency. " + "; ".join(parts) + ".") if parts else "No recommendations."


def status_summary(df: pd.DataFrame) -> str:
    """'23 recommendations; by status: 23 – Not stated': every status present, in tracker order."""
    shown = [f"{int((df['status'] == s.code).sum())} {domain.recommendation_status_label(s.code)}"
             for s in domain.RECOMMENDATION_STATUSES if (df["status"] == s.code).any()]
    n = len(df)
    return f"{n} recommendation{'' if n == 1 else 's'}" + ("; by status: " + ", ".join(shown) if shown else "")


def recommendations_table(df: pd.DataFrame, quarter: str) -> pd.DataFrame:
    """The tracker's table as it prints it: Theme, Ref, Recommendation, Lead agencies, Status,
    the quarter's update. Lead agencies one per line as listed; every text in full."""
    return pd.DataFrame({
        "Theme": df["theme"],
        "Ref": df["ref"],
        "Recommendation": df["recommendation"],
        "Lead agencies": ["; ".join(leads) for leads in df["leads"]],
        "Status": df["status_label"],
        f"Update {quarter}": df["update"].fillna("–"),
    })


def history_table(df: pd.DataFrame) -> pd.DataFrame:
    """One recommendation's dated updates, oldest first."""
    return pd.DataFrame({
        "Quarter": df["quarter"],
        "Status": df["status_label"],
        "Update": df["update"].fillna("–"),
        "Lead agencies": ["; ".join(leads) for leads in df["leads"]],
    })


def not_updated_table(df: pd.DataFrame) -> pd.DataFrame:
    """Recommendations flagged for having no update in the latest quarter, with their last one."""
    return pd.DataFrame({
        "Ref": df["ref"],
        "Recommendation": df["recommendation"],
        "Lead agencies": ["; ".join(leads) for leads in df["leads"]],
        "Flag": [f"⚠ No update in {q}" for q in df["latest_quarter"]],
        "Last update": [f"{q}: {u}" if isinstance(u, str) and u.strip() else f"{q}: –"
                        for q, u in zip(df["quarter"], df["update"])],
    })


def status_legend() -> pd.DataFrame:
    """What each status means, with its icon and word."""
    return pd.DataFrame({
        "Status": [domain.recommendation_status_label(s.code) for s in domain.RECOMMENDATION_STATUSES],
        "Meaning": [s.meaning for s in domain.RECOMMENDATION_STATUSES],
    })


def status_counts_text(con: duckdb.DuckDBPyConnection, period: date | None = None) -> str | None:
    """The Overview's line: each review's latest quarter begun by the report month `period`
    (None: the latest loaded) by status; None when no tracker is loaded."""
    if not has_recommendations(con):
        return None
    lines = []
    for review in list_reviews(con):
        quarter = latest_quarter(con, review, by=period)
        if quarter is None:
            first = list_quarters(con, review)[0]
            lines.append(f"{review} recommendations: no quarter reported by {domain.format_month(period)} "
                         f"(the tracker loaded starts at {first})")
            continue
        df = query_recommendations(con, review, quarter)
        flagged = query_not_updated(con, review)
        flagged = flagged[flagged["latest_quarter"] == quarter]
        lines.append(f"{review} recommendations, {quarter}: {status_summary(df)}"
                     + (f"; ⚠ {len(flagged)} without an update this quarter" if len(flagged) else ""))
    return ". ".join(lines) + "."
