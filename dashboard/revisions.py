"""What the Panel was told, and what has changed since: publications and their revisions.

A published report (table `published_reports`, written by `python -m loaders --publish`) names
the load whose figures it showed. The figures as they stood then are the live rows loaded at or
before it plus the kept rows (`*_history`) superseded after it; every difference between those
and today's rows, field by field, is a revision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from dashboard.db import as_date, query, table_exists
from dashboard.domain import format_loaded_at, format_month
from loaders.history import as_of_sql, history_table

#: What the Panel reads about a revision, in this order.
REVISION_COLUMNS: tuple[str, ...] = (
    "Report", "Record", "Figure", "Field", "Reported to the Panel", "Now", "Load", "Loaded",
    "Loaded by", "File",
)


@dataclass(frozen=True)
class Record:
    """A loaded table as a published report shows it."""

    table: str
    label: str
    key: tuple[str, ...]
    item_sql: str       # names the row for a reader, over the row's columns
    in_report_sql: str  # the rows a report for period $period shows


#: The records a published report shows; a table missing from a database is passed over.
RECORDS: tuple[Record, ...] = (
    Record("measures", "Headline measures", ("period", "measure"), "measure", "period = $period"),
    Record("series", "Monthly series", ("measure", "area", "period"),
           "measure || ' · ' || area || ' · ' || strftime(period, '%b %Y')", "period <= $period"),
    Record("deliverables", "Delivery plan", ("plan", "quarter", "theme", "ref"),
           "quarter || ' · ' || ref || ' ' || deliverable", "quarter_start <= $period"),
    Record("budget", "Budget", ("financial_year", "period", "entity", "category"),
           "strftime(period, '%b %Y') || ' · ' || entity || ' · ' || category", "period <= $period"),
    Record("reports", "Report details", ("period",), "coalesce(title, 'Front sheet')", "period = $period"),
    Record("recommendations", "Recommendations", ("review", "ref", "quarter"),
           "quarter || ' · ' || ref", "quarter_start <= $period"),
    Record("decisions", "Forward plan", ("period", "section", "ref"),
           "section || ' ' || ref || ' ' || subject", "period = $period"),
    Record("estates", "Estates", ("period", "list", "site"),
           "list || ' · ' || CASE WHEN site = '' THEN 'total' ELSE site END", "period = $period"),
    # A plan's framework belongs to no one period: every report shows the plan as loaded.
    Record("framework", "Plan framework", ("plan", "theme_no", "ref"), "plan || ' · ' || ref || ' ' || activity",
           "$period IS NOT NULL"),
)

_PROVENANCE = {"source_file", "source_line", "load_id"}
#: A row added or taken away since publication is one revision, not one per field.
WHOLE_ROW = "(whole row)"
NOT_REPORTED = "not in the report"
ADDED = "added since"
NO_LONGER_LOADED = "no longer loaded"


def has_publications(con: duckdb.DuckDBPyConnection) -> bool:
    return table_exists(con, "published_reports") and bool(
        query(con, "SELECT count(*) AS n FROM published_reports")["n"].iloc[0])


def publications(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every publication, latest report first: period, as_of_load_id, published_at, published_by,
    meeting_date, frozen_file, frozen_sha256, pack_file, pack_sha256."""
    if not table_exists(con, "published_reports"):
        return pd.DataFrame(columns=["period", "as_of_load_id", "published_at", "published_by",
                                     "meeting_date", "frozen_file", "frozen_sha256", "pack_file", "pack_sha256"])
    return query(con, "SELECT * FROM published_reports ORDER BY period DESC, as_of_load_id DESC")


@dataclass(frozen=True)
class Publication:
    period: date
    as_of_load_id: int
    published_at: object
    published_by: str
    meeting_date: date | None
    frozen_file: str

    def told(self) -> str:
        """'reported to the Panel on 8 May 2019' (the meeting, else the day it was published)."""
        day = self.meeting_date or as_date(self.published_at)
        return f"reported to the Panel on {day.day} {day:%B %Y}"


def latest_publication(con: duckdb.DuckDBPyConnection, period: date) -> Publication | None:
    """The last time `period`'s report was published, or None."""
    frame = publications(con)
    frame = frame[[as_date(p) == period for p in frame["period"]]]
    if frame.empty:
        return None
    row = frame.iloc[0]
    meeting = row["meeting_date"]
    return Publication(period, int(row["as_of_load_id"]), row["published_at"], str(row["published_by"]),
                       None if pd.isna(meeting) else as_date(meeting), str(row["frozen_file"]))


def revisions(con: duckdb.DuckDBPyConnection, period: date | None = None) -> pd.DataFrame:
    """Every field of a published report that a later load changed, one row each, in
    REVISION_COLUMNS plus `period` and `table`; for one report period, or for all."""
    frames = []
    seen: set[date] = set()
    for row in publications(con).itertuples():
        published = as_date(row.period)
        if published in seen or (period is not None and published != period):
            continue  # the latest publication of a period is what the Panel was last told
        seen.add(published)
        for record in RECORDS:
            if table_exists(con, record.table) and table_exists(con, history_table(record.table)):
                frames.append(_record_revisions(con, record, published, int(row.as_of_load_id)))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=[*REVISION_COLUMNS, "period", "table"])
    return pd.concat(frames, ignore_index=True)


def _record_revisions(con: duckdb.DuckDBPyConnection, record: Record, period: date,
                      as_of: int) -> pd.DataFrame:
    fields = shown_fields(con, record.table)
    on = " AND ".join(f'r."{k}" IS NOT DISTINCT FROM n."{k}"' for k in record.key)
    differs = " OR ".join(f'r."{c}" IS DISTINCT FROM n."{c}"' for c in fields)
    pairs = ", ".join(f'r."{c}" AS "r:{c}", n."{c}" AS "n:{c}"' for c in fields)
    item = record.item_sql
    sql = f"""
        WITH reported AS ({as_of_sql(con, record.table)}),
        r AS (SELECT *, {item} AS item FROM reported WHERE {record.in_report_sql}),
        n AS (SELECT *, {item} AS item FROM {record.table} WHERE {record.in_report_sql})
        SELECT coalesce(n.item, r.item) AS item, n.source_file AS changed_file, {pairs},
               coalesce(n.load_id, (SELECT min(h.superseded_by) FROM {history_table(record.table)} h
                                    WHERE h.load_id = r.load_id AND h.superseded_by > $as_of)) AS changed_by
        FROM r FULL OUTER JOIN n ON {on}
        WHERE r.item IS NULL OR n.item IS NULL OR {differs}
        ORDER BY item
    """
    changed = con.execute(sql, {"as_of": as_of, "period": period}).df()
    if changed.empty:
        return pd.DataFrame()
    loads = _load_details(con)
    rows = []
    for _, row in changed.iterrows():
        load = loads.get(int(row["changed_by"]), {})
        common = {
            "Report": format_month(period), "Record": record.label, "Figure": row["item"],
            "Load": int(row["changed_by"]), "Loaded": load.get("loaded", "–"), "Loaded by": load.get("by", "–"),
            "File": load.get("file", "–") if pd.isna(row["changed_file"]) else str(row["changed_file"]),
            "period": period, "table": record.table,
        }
        added, removed = _missing_row(row, fields, "r"), _missing_row(row, fields, "n")
        if added or removed:  # a whole row: one line, not one per field
            rows.append({**common, "Field": WHOLE_ROW,
                         "Reported to the Panel": NOT_REPORTED if added else "reported",
                         "Now": ADDED if added else NO_LONGER_LOADED})
            continue
        for field in fields:
            old, new = row[f"r:{field}"], row[f"n:{field}"]
            if not _same(old, new):
                rows.append({**common, "Field": field_label(field), "Reported to the Panel": format_field(old),
                             "Now": format_field(new)})
    return pd.DataFrame(rows, columns=[*REVISION_COLUMNS, "period", "table"])


def shown_fields(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The columns a reader compares: figures and words as published, not the numbers the
    loader derives from them (`current_value` from `current_text`, `quarter_start` from
    `quarter`) nor provenance."""
    names = [c for c in _columns(con, table) if c not in _PROVENANCE]
    texts = [c[: -len("_text")] for c in names if c.endswith("_text")]
    return [c for c in names
            if not any(c != f"{t}_text" and (c == t or c.startswith(f"{t}_")) for t in texts)
            and not (c.endswith("_start") and c[: -len("_start")] in names)]


def field_label(column: str) -> str:
    """'current_text' -> 'Current', 'forecast_outturn' -> 'Forecast outturn'."""
    words = column.removesuffix("_text").replace("_", " ")
    return words[:1].upper() + words[1:]


def format_field(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{int(value):,}" if value.is_integer() else f"{value:,.10g}"
    if isinstance(value, pd.Timestamp):
        value = value.date()
    if isinstance(value, date):
        return format_month(value) if value.day == 1 else f"{value.day} {value:%b %Y}"
    return str(value)


def revision_sentence(revision: pd.Series, publication: Publication) -> str:
    """'Revised: 5,369 reported to the Panel on 8 May 2019, now 5,412, loaded 3 Jun 2019 by j.smith.'"""
    return (f"Revised: {revision['Reported to the Panel']} {publication.told()}, now {revision['Now']}, "
            f"loaded {revision['Loaded']} by {revision['Loaded by']}.")


def _same(old: object, new: object) -> bool:
    old_missing = old is None or (not isinstance(old, str) and pd.isna(old))
    new_missing = new is None or (not isinstance(new, str) and pd.isna(new))
    if old_missing or new_missing:
        return old_missing and new_missing
    return old == new


def _missing_row(row: pd.Series, fields: list[str], side: str) -> bool:
    return all(row[f"{side}:{f}"] is None or (not isinstance(row[f"{side}:{f}"], str) and pd.isna(row[f"{side}:{f}"]))
               for f in fields)


def _load_details(con: duckdb.DuckDBPyConnection) -> dict[int, dict[str, str]]:
    frame = query(con, "SELECT load_id, min(loaded_at) AS loaded_at, string_agg(DISTINCT file_name, ', ') AS files, "
                       "any_value(loaded_by) AS loaded_by FROM load_log GROUP BY load_id")
    return {int(r.load_id): {"loaded": format_loaded_at(r.loaded_at), "file": str(r.files),
                             "by": "not recorded" if pd.isna(r.loaded_by) else str(r.loaded_by)}
            for r in frame.itertuples()}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return query(con, "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                      "AND table_schema = 'main' ORDER BY ordinal_position", [table])["column_name"].tolist()


