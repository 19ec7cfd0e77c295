"""Estates: police station sites sold and contracts exchanged subject to planning, with each
list's total capital receipt as the report publishes it (section 7.12 of the May 2019 update).

Totals are shown as published, never summed from the sites (the report gives no receipt per
site). Loaded from `estates*.csv` (loaders/estates.py).
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import CATEGORICAL_PALETTE, ChartMeta, finish_figure, wrap_text
from dashboard.db import query, table_exists
from dashboard.estate_lists import EXCHANGED, LISTS, SOLD, SOLD_SINCE, EstateList  # noqa: F401 (estates.LISTS, ...)


def _has_table(con: duckdb.DuckDBPyConnection) -> bool:
    """A database last loaded before the estates extract existed has no table until its next load."""
    return table_exists(con, "estates")


def list_periods(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Report periods with an estates list loaded."""
    if not _has_table(con):
        return []
    df = query(con, "SELECT DISTINCT period FROM estates ORDER BY period")
    return [pd.Timestamp(p).date() for p in df["period"]]


def period_shown(con: duckdb.DuckDBPyConnection, period: date) -> date | None:
    """The report period whose lists a report shows: `period`'s own, else the latest before it."""
    earlier = [p for p in list_periods(con) if p <= period]
    return earlier[-1] if earlier else None


def query_estates(con: duckdb.DuckDBPyConnection, period: date) -> pd.DataFrame:
    """The sites and totals of `period`, in the order of the extract."""
    if not _has_table(con):
        return pd.DataFrame(columns=["list", "site", "completion_text", "completion_date", "status",
                                     "proposed_use", "total_receipt_text", "total_receipt"])
    df = query(con, """
        SELECT list, site, completion_text, completion_date, status, proposed_use,
               total_receipt_text, total_receipt
        FROM estates WHERE period = ? ORDER BY source_file, source_line
    """, [period])
    df["completion_date"] = pd.to_datetime(df["completion_date"])
    return df


def sites(estates: pd.DataFrame, code: str) -> pd.DataFrame:
    """One list's sites, sold ones in order of completion."""
    found = estates[(estates["list"] == code) & (estates["site"] != "")]
    return found.sort_values("completion_date", kind="stable") if code == SOLD else found


def total(estates: pd.DataFrame, code: str) -> tuple[str, float] | None:
    """A list's total as published, and in pounds; None when the extract gives none."""
    found = estates[(estates["list"] == code) & (estates["site"] == "")]
    if found.empty:
        return None
    row = found.iloc[0]
    return str(row["total_receipt_text"]), float(row["total_receipt"])


def format_completion(day: object) -> str:
    """'9 June 2016'."""
    stamp = pd.Timestamp(day)
    return f"{stamp.day} {stamp:%B %Y}"


def list_table(estates: pd.DataFrame, code: str) -> pd.DataFrame:
    """A list as the report prints it: site, completion (or status), proposed future use."""
    spec = LISTS[code]
    found = sites(estates, code)
    middle = (found["completion_date"].map(format_completion) if code == SOLD
              else found["status"].fillna("–"))
    return pd.DataFrame({
        spec.columns[0]: found["site"].tolist(),
        spec.columns[1]: middle.tolist(),
        spec.columns[2]: found["proposed_use"].fillna("–").tolist(),
    })


def total_line(estates: pd.DataFrame, code: str) -> str:
    """'Total capital receipt from above completed sales = £5,128,400', as the report writes it."""
    found = total(estates, code)
    spec = LISTS[code]
    return f"{spec.total_label} = {found[0]}" if found else f"{spec.total_label}: not given in the extract"


def build_sales_timeline_figure(estates: pd.DataFrame, meta: ChartMeta) -> go.Figure:
    """Completed sales as a dot each on its completion day, one row per site, earliest at the
    top: the site's name is its row's label, so no label can overprint another."""
    found = sites(estates, SOLD)
    names = [wrap_text(site) for site in found["site"]]
    fig = go.Figure(go.Scatter(
        x=found["completion_date"], y=names, mode="markers",
        marker={"size": 11, "color": CATEGORICAL_PALETTE[0], "symbol": "diamond"},
        customdata=[format_completion(d) for d in found["completion_date"]],
        hovertemplate="%{y}<br>completed %{customdata}<extra></extra>",
        name="Completed sale",
        orientation="h",   # each row's figure is its x (the day), as for the dashboard's horizontal bars
    ))
    fig.update_yaxes(autorange="reversed", type="category", title_text="")
    fig.update_xaxes(title_text="Completion of sale", tickformat="%b<br>%Y", tickangle=0, nticks=5)
    fig.update_layout(showlegend=False, height=max(320, 60 + 34 * len(found)))
    return finish_figure(fig, meta)


def timeline_table(estates: pd.DataFrame) -> pd.DataFrame:
    """The chart's data: each completed sale, in order."""
    found = sites(estates, SOLD)
    return pd.DataFrame({
        "Police station site": found["site"].tolist(),
        "Completion of sale": found["completion_date"].map(format_completion).tolist(),
    })


def receipts_line(con: duckdb.DuckDBPyConnection, period: date) -> str | None:
    """The Overview's line: receipts to date and to come, as published; None when the report has no lists."""
    if period not in list_periods(con):
        return None
    estates = query_estates(con, period)
    sold, exchanged = total(estates, SOLD), total(estates, EXCHANGED)
    parts = [f"{len(sites(estates, SOLD))} police station sites sold since 1 April 2016"
             + (f", capital receipt {sold[0]}" if sold else ""),
             f"{len(sites(estates, EXCHANGED))} contracts exchanged subject to planning"
             + (f", {exchanged[0]} to be received on completion" if exchanged else "")]
    return "Estates: " + "; ".join(parts) + " (totals as published)."
